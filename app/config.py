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
    # Matching page shows this many ranked advisors.
    MATCH_TOP = 20


def database_url_from_env() -> str | None:
    url = os.environ.get("DATABASE_URL")
    if url and url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
