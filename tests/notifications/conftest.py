"""A real SMTP server on loopback (aiosmtpd), and staff of two banks with e-mail addresses."""
import email
import socket
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import Bank, Role, User
from tests.factories import PASSWORD, login, make_bank, make_branch

_HASH: list[str] = []


def free_port() -> int:
    """A loopback port nobody listens on (until a test starts a server there)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        self.raw.append(envelope.original_content)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return [r for rcpts, _ in self.received for r in rcpts]


class SMTPServer:
    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def start(self) -> "SMTPServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def mail_config(app, monkeypatch):
    """Mail settings pointing at a loopback port (nothing listens there yet); returns it."""
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "inline")
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://pta.example.jp")
    return port


@pytest.fixture
def smtp(mail_config):
    server = SMTPServer(mail_config).start()
    yield server
    server.stop()


def make_user(role: Role, bank: Bank | None = None, branch=None, name: str = "",
              email_address: str = "") -> User:
    if not _HASH:
        _HASH.append(generate_password_hash(PASSWORD))
    user = User(login_id=f"{role.value}-{name}@notify-test", name=name, role=role,
                email=email_address, bank_id=bank.id if bank else None,
                branch_id=branch.id if branch else None, password_hash=_HASH[0])
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class Staff:
    bank: Bank
    other_bank: Bank
    users: dict[str, User]

    def client(self, app, who: str):
        c = app.test_client()
        login(c, self.users[who])
        return c


@pytest.fixture
def staff(app_ctx) -> Staff:
    bank, other = make_bank("みらい信用金庫"), make_bank("はやぶさ信用金庫")
    branch, other_branch = make_branch(bank), make_branch(other, name="八幡支店")
    users = {
        "officer": make_user(Role.OFFICER, bank, branch, "担当 一郎", "ichiro@mirai.example.jp"),
        "manager": make_user(Role.MANAGER, bank, branch, "髙橋 三郎", "saburo@mirai.example.jp"),
        "hq": make_user(Role.HQ, bank, name="本部 花子", email_address="hanako@mirai.example.jp"),
        "other_officer": make_user(Role.OFFICER, other, other_branch, "他金庫 担当",
                                   "tanto@hayabusa.example.jp"),
        "other_hq": make_user(Role.HQ, other, name="他金庫 本部"),
        "operator": make_user(Role.OPERATOR, name="運営 涼", email_address="ryo@pta.example.jp"),
    }
    db.session.commit()
    return Staff(bank, other, users)
