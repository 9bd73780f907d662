"""Client companies: search, create, update. No request globals; flush, never commit."""
import sqlalchemy as sa

from app.errors import DomainError
from app.extensions import db
from app.japan.text import nfkc, search_key
from app.models import ClientCompany, User
from app.scope import restrict


class DuplicateCorporateNumber(DomainError):
    field = "corporate_number"


class StaleEdit(DomainError):
    """Someone saved the record after this form was opened (lost update prevented)."""


def search_clients(user: User, query: str = "", limit: int = 50, offset: int = 0
                   ) -> list[ClientCompany]:
    """The user's clients whose name/フリガナ key or 法人番号 matches the typed query."""
    stmt = restrict(sa.select(ClientCompany), ClientCompany, user)
    q = (query or "").strip()
    if q:
        digits = "".join(nfkc(q).split()).replace("-", "")
        key = search_key(q).replace(" ", "")
        conditions = []
        if key:
            escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(ClientCompany.search_key.like(f"%{escaped}%", escape="\\"))
        if digits.isascii() and digits.isdigit():
            conditions.append(ClientCompany.corporate_number.startswith(digits))
        if not conditions:
            return []
        stmt = stmt.where(sa.or_(*conditions))
    stmt = stmt.order_by(ClientCompany.name_kana, ClientCompany.id).limit(limit).offset(offset)
    return list(db.session.scalars(stmt))


def _check_unique_number(bank_id: int, number: str, exclude_id: int | None = None) -> None:
    stmt = sa.select(ClientCompany).where(
        ClientCompany.bank_id == bank_id, ClientCompany.corporate_number == number
    )
    if exclude_id is not None:
        stmt = stmt.where(ClientCompany.id != exclude_id)
    existing = db.session.scalar(stmt)
    if existing is not None:
        raise DuplicateCorporateNumber(
            f"この法人番号の取引先企業は{existing.branch.name}ですでに登録されています"
            f"（{existing.name}）。")


def _apply(client: ClientCompany, values: dict) -> None:
    for field, value in values.items():
        setattr(client, field, value)
    client.search_key = search_key(client.name, client.name_kana)


def create_client(values: dict, *, branch_id: int, bank_id: int, created_by: User
                  ) -> ClientCompany:
    """Create a client from cleaned values (clean_company). Raises DuplicateCorporateNumber
    when the bank already has a client with that 法人番号."""
    _check_unique_number(bank_id, values["corporate_number"])
    client = ClientCompany(bank_id=bank_id, branch_id=branch_id, created_by_id=created_by.id)
    _apply(client, values)
    db.session.add(client)
    db.session.flush()
    return client


def update_client(client: ClientCompany, values: dict, *, expected_version: int
                  ) -> ClientCompany:
    """Update from cleaned values if nobody saved since the form was opened (version)."""
    if client.version != expected_version:
        raise StaleEdit("ほかの方がこの取引先企業を先に更新しました。最新の内容を確認してから、"
                        "もう一度保存してください。")
    _check_unique_number(client.bank_id, values["corporate_number"], exclude_id=client.id)
    _apply(client, values)
    client.version += 1
    db.session.flush()
    return client
