"""Application factory: reads like a table of contents."""
import os
from pathlib import Path

from flask import Flask

from app.config import Config, database_url_from_env


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    app.config.from_prefixed_env()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url_from_env() or (
        f"sqlite:///{Path(app.instance_path) / 'pta.db'}"
    )
    if config:
        app.config.update(config)
    _configure_secret_key(app)
    _configure_database(app)

    register_extensions(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    register_template_helpers(app)
    return app


def _configure_secret_key(app: Flask) -> None:
    """Outside tests, keep a random secret in the instance folder (never committed)."""
    if app.config["SECRET_KEY"] != Config.SECRET_KEY or app.testing:
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(os.urandom(32).hex())
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _configure_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        # Several requests may write at once: wait for the lock instead of failing.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (register the tables)
    from app.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "ログインしてください。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from app.auth.services import load_user

    login_manager.user_loader(load_user)

    with app.app_context():
        from app.database import install_sqlite_pragmas

        install_sqlite_pragmas(db.engine)


def register_blueprints(app: Flask) -> None:
    from app.admin.views import bp as admin_bp
    from app.advisors.views import bp as advisors_bp
    from app.assets import bp as assets_bp
    from app.audit.views import bp as audit_bp
    from app.auth.views import bp as auth_bp
    from app.cases.views import bp as cases_bp
    from app.clients.views import bp as clients_bp
    from app.home.views import bp as home_bp
    from app.intake.views import bp as intake_bp
    from app.matching.views import bp as matching_bp
    from app.notifications.views import bp as notifications_bp
    from app.proposals.views import bp as proposals_bp
    from app.referrals.views import bp as referrals_bp
    from app.signing.public_views import bp as verify_bp
    from app.signing.records_views import bp as agreements_bp
    from app.signing.signer_views import bp as sign_bp
    from app.signing.views import bp as signing_bp

    for bp in (assets_bp, auth_bp, home_bp, clients_bp, intake_bp, cases_bp, matching_bp,
               proposals_bp, referrals_bp, signing_bp, advisors_bp, admin_bp, notifications_bp,
               audit_bp, sign_bp, verify_bp, agreements_bp):
        app.register_blueprint(bp)


def register_errors(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_cli(app: Flask) -> None:
    from app.cli import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.templating import register

    register(app)
