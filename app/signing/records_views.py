"""契約書検索 (/agreements): the 電子帳簿保存法 search of subscription agreements by
取引年月日 (signing date, JST), 取引金額 (annual total with tax, yen) and 取引先
(counterparty), any of them combined, plus the status; live as the filters change. Branch
roles see their branch, 本部 its bank, the operator all. Both PDFs (as sent, and as signed
with the seal) download from here; another bank's agreement is 404."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.audit.search import jst_day_start, typed_day
from app.auth.guard import protect
from app.extensions import db
from app.htmx import is_htmx
from app.japan import JapanInputError
from app.japan.text import normalize_yen, search_key
from app.models import AgreementStatus, Role, SubscriptionAgreement
from app.models.signing import AGREEMENT_STATUS_LABELS, UNSENT_LABEL
from app.scope import get_or_404, restrict

bp = protect(Blueprint("agreements", __name__, url_prefix="/agreements"))

PAGE_SIZE = 50
ALL = "all"
STATUS_CHOICES = {AgreementStatus.SIGNED.value: AGREEMENT_STATUS_LABELS[AgreementStatus.SIGNED],
                  # 'sent' covers agreements not yet sent as well (their badge: 未送付)
                  **{s.value: label + ("・" + UNSENT_LABEL if s == AgreementStatus.SENT else "")
                     for s, label in AGREEMENT_STATUS_LABELS.items()
                     if s != AgreementStatus.SIGNED},
                  ALL: "すべて"}
FIELDS = ("from", "to", "min", "max", "q", "status")
AMOUNT_NAMES = {"min": "金額（下限）", "max": "金額（上限）"}
AMOUNT_CEILING = 2**31 - 1  # SubscriptionAgreement.annual_total is a 32-bit integer


@dataclass(frozen=True)
class AgreementFilters:
    date_from: date | None = None  # JST days, both inclusive
    date_to: date | None = None
    amount_min: int | None = None  # yen, annual total with tax, both inclusive
    amount_max: int | None = None
    counterparty: str = ""  # search key (app.japan.text.search_key)
    status: str = AgreementStatus.SIGNED.value
    typed: dict[str, str] = field(default_factory=dict)  # as typed, for the form and links

    @property
    def by_signing_date(self) -> bool:
        """締結済 is searched by 締結日 (取引年月日); other states have none, so by 送付日."""
        return self.status == AgreementStatus.SIGNED.value


def _amount(typed: dict[str, str], name: str, errors: dict[str, str]) -> int | None:
    if not typed[name].strip():
        return None
    try:
        return normalize_yen(typed[name])
    except JapanInputError:
        errors[name] = (f"{AMOUNT_NAMES[name]}「{typed[name].strip()}」は金額として読めません。"
                        "円単位の数字か「万」「千」で入力してください（例：660,000、66万）。")
        return None


def filters_from_args(args) -> tuple[AgreementFilters, dict[str, str]]:
    """The filters from the query string and a Japanese message per bad field."""
    typed = {k: (args.get(k) or "")[:100] for k in FIELDS}
    errors: dict[str, str] = {}
    date_from, date_to = typed_day(typed, "from", errors), typed_day(typed, "to", errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = "終了日が開始日より前になっています。期間を確認してください。"
    amount_min, amount_max = _amount(typed, "min", errors), _amount(typed, "max", errors)
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        errors["max"] = "金額の上限が下限より小さくなっています。範囲を確認してください。"
    status = typed["status"] or AgreementStatus.SIGNED.value
    if status not in STATUS_CHOICES:
        errors["status"] = "状態の指定が正しくありません。一覧から選んでください。"
        status = AgreementStatus.SIGNED.value
    typed["status"] = status
    return AgreementFilters(date_from, date_to, amount_min, amount_max,
                            search_key(typed["q"]), status,
                            {k: v for k, v in typed.items() if v}), errors


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_agreements(viewer, filters: AgreementFilters, *, offset: int = 0,
                      limit: int = PAGE_SIZE) -> tuple[list[SubscriptionAgreement], int]:
    """One page of agreements in the viewer's scope matching every filter given, newest
    first, and the number of all matches."""
    A = SubscriptionAgreement
    stmt = restrict(sa.select(A), A, viewer)
    if filters.status != ALL:
        stmt = stmt.where(A.status == AgreementStatus(filters.status))
    if filters.by_signing_date:
        if filters.date_from:
            stmt = stmt.where(A.signed_on >= filters.date_from)
        if filters.date_to:
            stmt = stmt.where(A.signed_on <= filters.date_to)
        order = (A.signed_on.desc(), A.id.desc())
    else:
        if filters.date_from:
            stmt = stmt.where(A.created_at >= jst_day_start(filters.date_from))
        if filters.date_to:
            stmt = stmt.where(A.created_at < jst_day_start(filters.date_to + timedelta(days=1)))
        order = (A.created_at.desc(), A.id.desc())
    # A bound past what the column holds (30億 and up) is not sent to the database, which
    # would refuse it: a lower one finds nothing, an upper one leaves everything in.
    if filters.amount_min is not None:
        stmt = stmt.where(A.annual_total >= filters.amount_min
                          if filters.amount_min <= AMOUNT_CEILING else sa.false())
    if filters.amount_max is not None and filters.amount_max < AMOUNT_CEILING:
        stmt = stmt.where(A.annual_total <= filters.amount_max)
    if filters.counterparty:
        stmt = stmt.where(A.counterparty_search.like(_like(filters.counterparty), escape="\\"))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.options(selectinload(A.case), selectinload(A.bank),
                                           selectinload(A.branch))
                              .order_by(*order).offset(offset).limit(limit)).all()
    return list(rows), total or 0


def _page_number() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1


@bp.get("/")
def index():
    """The page, or only its results for htmx. Bad filters answer 422 with the messages
    in place of the results (never an unfiltered list)."""
    filters, errors = filters_from_args(request.args)
    page = _page_number()
    rows, total = ([], 0) if errors else search_agreements(
        current_user, filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    context = dict(rows=rows, total=total, filters=filters, errors=errors,
                   args=filters.typed, page=page, page_size=PAGE_SIZE,
                   has_next=page * PAGE_SIZE < total, statuses=STATUS_CHOICES,
                   show_bank=current_user.role == Role.OPERATOR,
                   show_branch=not current_user.role.is_branch_role)
    status = 422 if errors else 200
    if is_htmx() and request.headers.get("HX-Target") == "agreement-results":
        return render_template("agreements/_results.html", **context), status
    return render_template("agreements/index.html", **context), status


def _pdf(data: bytes | None, name: str, etag: str | None):
    if not data:
        abort(404)
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=name, etag=etag or False)


@bp.get("/<int:agreement_id>/signed.pdf")
def signed_pdf(agreement_id: int):
    """The sealed PDF (agreement + 合意締結証明書) exactly as issued."""
    agreement = get_or_404(SubscriptionAgreement, agreement_id, current_user)
    return _pdf(agreement.signed_pdf, f"{agreement.document_id}-signed.pdf",
                agreement.signed_sha256)


@bp.get("/<int:agreement_id>/agreement.pdf")
def sent_pdf(agreement_id: int):
    """The agreement as sent for signature (before the seal)."""
    agreement = get_or_404(SubscriptionAgreement, agreement_id, current_user)
    return _pdf(agreement.pdf, f"{agreement.document_id}-v{agreement.version}.pdf",
                agreement.sha256)
