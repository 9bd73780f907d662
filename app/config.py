"""Configuration defaults; the environment overrides them with FLASK_-prefixed variables."""
import os


class Config:
    SECRET_KEY = "dev-only-change-me"
    # SQLite under instance/ unless DATABASE_URL says otherwise (set in create_app, which
    # knows the instance path).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Staff fill long intake forms: the CSRF token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    # PDF rendering: main font family; rare characters fall back to a prepared subset font.
    PDF_FONT_FAMILY = "BIZ UDPGothic"
    # Tax
    CONSUMPTION_TAX_RATE_PERCENT = 10
    # Uploads (advisor import files) larger than this are refused before anything reads them.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    # Demo only (`make run` turns it on): without SMTP the outbox shows signing links in full.
    OUTBOX_SHOWS_SIGNING_LINKS = False
    # Matching page shows this many ranked advisors.
    MATCH_TOP = 20
    # E-mail notifications (README「メール通知」). Without MAIL_SERVER nothing is sent: mails
    # wait in the outbox (/outbox). Links in mails start with APP_BASE_URL.
    APP_BASE_URL = "http://127.0.0.1:5000"
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS
    MAIL_USE_SSL = False  # SMTPS (usually port 465)
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "Pocket TECH Advisor desk <no-reply@pocket-tech.example.jp>"
    MAIL_TIMEOUT = 10  # seconds
    MAIL_MAX_ATTEMPTS = 6
    MAIL_DELIVERY = "thread"  # after an action: "thread", "inline" or "off" (cron only)


def database_url_from_env() -> str | None:
    url = os.environ.get("DATABASE_URL")
    if url and url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
