"""Signing links and access codes. Nothing here is stored in clear: a link's token is an
HMAC of a random salt under the app's secret key (the database keeps the salt and the
token's SHA-256), and the access code is kept as a salted scrypt hash. A queued mail holds
a placeholder that is turned into the link only when the mail is sent."""
import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db

CODE_DIGITS = 6
_PLACEHOLDER = re.compile(r"\[\[signing-link:(\d+)\]\]")


def new_salt() -> str:
    return secrets.token_hex(16)


def token_for(salt: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"pta-signing:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signing_path(token: str) -> str:
    return f"/sign/{token}"


def link_placeholder(request_id: int) -> str:
    return f"[[signing-link:{request_id}]]"


def expand_signing_links(body: str) -> str:
    """Put the real link into a mail body at sending time (a link already voided says so)."""
    from app.models import RequestStatus, SigningRequest
    from app.notifications.services import absolute_url

    def link(match: re.Match) -> str:
        request = db.session.get(SigningRequest, int(match[1]))
        if request is None or request.status != RequestStatus.ACTIVE:
            return "（このリンクは無効になりました。最新のご案内メールをご覧ください）"
        return absolute_url(signing_path(token_for(request.token_salt)))

    return _PLACEHOLDER.sub(link, body)


def new_access_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str) -> str:
    return generate_password_hash(code)


def code_matches(code_hash: str, code: str) -> bool:
    code = "".join(ch for ch in code if not ch.isspace())
    code = code.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return bool(code_hash) and check_password_hash(code_hash, code)
