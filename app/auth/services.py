"""Authentication: user lookup by login id, session tokens rotated at login and logout."""
import secrets
import unicodedata

import sqlalchemy as sa

from app.extensions import db
from app.models import User


def load_user(user_key: str) -> User | None:
    """Flask-Login loader. The key is 'id:session_token'; a rotated token ends old sessions."""
    user_id, _, token = user_key.partition(":")
    if not user_id.isascii() or not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def authenticate(login_id: str, password: str) -> User | None:
    """Returns the active user whose password matches, else None (no hint which part failed)."""
    login_id = unicodedata.normalize("NFKC", login_id).strip()
    user = db.session.scalar(sa.select(User).where(User.login_id == login_id))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def rotate_session_token(user: User) -> None:
    """A new token at logout: every cookie issued before is dead (a replayed cookie, or the
    same user's session on another terminal)."""
    user.session_token = secrets.token_hex(16)
