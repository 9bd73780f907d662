"""Tenancy (PRODUCT.md §1): branch roles see their branch, hq its bank, operators all banks.
Anything outside the user's scope answers 404 — never its contents."""
from typing import TypeVar

import sqlalchemy as sa
from flask import abort

from app.extensions import db
from app.models import Case, ClientCompany, Intake, Role, User

T = TypeVar("T")


def restrict(stmt: sa.Select, model: type, user: User) -> sa.Select:
    """Add the user's scope to a select over a model with bank_id and branch_id columns."""
    if user.role == Role.OPERATOR:
        return stmt
    stmt = stmt.where(model.bank_id == user.bank_id)
    if user.role.is_branch_role:
        stmt = stmt.where(model.branch_id == user.branch_id)
    return stmt


def in_scope(obj: ClientCompany | Case, user: User) -> bool:
    if user.role == Role.OPERATOR:
        return True
    if obj.bank_id != user.bank_id:
        return False
    return not user.role.is_branch_role or obj.branch_id == user.branch_id


def get_or_404(model: type[T], object_id: int, user: User) -> T:
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    owner = obj.client if isinstance(obj, Intake) else obj
    if not in_scope(owner, user):
        abort(404)
    return obj
