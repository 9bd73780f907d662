"""HTML- and htmx-aware error pages; never a bare stack trace."""
import sqlalchemy as sa
from flask import Flask, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app.auth.guard import unauthorized
from app.extensions import db, login_manager
from app.htmx import is_htmx

MESSAGES = {
    400: "リクエストの内容が正しくありません。",
    403: "この操作を行う権限がありません。",
    404: "お探しのページは見つかりません。",
    405: "この操作はできません。",
    409: "ほかの操作と重なったため、処理できませんでした（先に行われた操作が有効です）。"
         "画面を更新して、最新の状態を確認してください。",
    413: "ファイルが大きすぎます。",
    500: "システムエラーが発生しました。時間をおいて再度お試しください。",
}


class DomainError(Exception):
    """A workflow rule refused the action; the message is Japanese, for the user."""

    status = 409


def _render(status: int, message: str | None = None):
    message = message or MESSAGES.get(status, MESSAGES[500])
    if not is_htmx():
        return render_template("errors/error.html", status=status, message=message), status
    # 409 fragments are swapped (base.html): an error's message goes to the alert area.
    headers = {"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"} if status == 409 else {}
    return render_template("errors/_error.html", status=status, message=message), status, headers


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        if not current_user.is_authenticated and request.endpoint != "auth.login":
            return unauthorized()  # the session ended: log in again, not "token invalid"
        msg = "画面の有効期限が切れました。入力内容を確認して、もう一度送信してください。"
        return _render(400, msg)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return _render(exc.status, str(exc))

    for status in (400, 403, 404, 405, 413):
        app.register_error_handler(status, lambda exc, s=status: _render(s))

    @app.errorhandler(sa.exc.IntegrityError)
    def conflict(exc):
        # Two requests raced for the same record (double submit, two staff at once): one won.
        db.session.rollback()
        return _render(409)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()  # the page below reads the user; the session must be usable
        return _render(500)

    @app.errorhandler(401)
    def unauthorized_error(exc):
        return unauthorized()

    login_manager.unauthorized_handler(unauthorized)
