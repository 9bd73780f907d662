"""The audit log page (監査ログ): 本部 sees its own bank's rows, the operator all rows;
search by person, case, JST period and action, live as the filters change; CSV export of
the search (itself audited); the hash chain checked on demand. Anyone else gets 404."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from app.admin.history import role_label, row_changes
from app.advisors.views import _csv_download as csv_download
from app.audit.labels import action_label, record_label
from app.audit.search import (
    PAGE_SIZE,
    actions_in_scope,
    actor_names,
    case_numbers,
    describe,
    export_csv,
    filters_from_args,
    search_audit,
)
from app.audit.services import VerifyResult, record, verify_chain
from app.auth.guard import restrict_to
from app.extensions import db
from app.htmx import is_htmx
from app.japan.dates import today_jst
from app.models import Role

bp = restrict_to(Blueprint("audit", __name__, url_prefix="/audit"), Role.HQ, Role.OPERATOR)


def _page_number() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1


def _page(verified: VerifyResult | None = None):
    """The page, or only its results when htmx asks for them. Bad filters answer 422 with
    the message in place of the results (never the unfiltered log)."""
    filters, errors = filters_from_args(request.args)
    page = _page_number()
    rows, total = ([], 0) if errors else search_audit(
        current_user, filters, offset=(page - 1) * PAGE_SIZE)
    context = dict(rows=rows, total=total, numbers=case_numbers(rows), filters=filters,
                   errors=errors, args=filters.typed, page=page, page_size=PAGE_SIZE,
                   has_next=page * PAGE_SIZE < total, changes=row_changes,
                   role_label=role_label, action_label=action_label,
                   record_label=record_label)
    status = 422 if errors else 200
    if is_htmx() and request.headers.get("HX-Target") == "audit-results":
        return render_template("audit/_results.html", **context), status
    return render_template("audit/index.html", actions=actions_in_scope(current_user),
                           names=actor_names(current_user), verified=verified,
                           own_bank=current_user.bank_id if current_user.role == Role.HQ else None,
                           **context), status


@bp.get("/")
def index():
    return _page()


@bp.get("/export.csv")
def export():
    """The whole current search as CSV (UTF-8 with BOM for Excel). The download is
    recorded in the audit log: who took which rows out."""
    filters, errors = filters_from_args(request.args)
    if errors:
        return _page()
    rows, _ = search_audit(current_user, filters, limit=None)
    text = export_csv(rows)
    record(current_user, "audit.export", "audit_log", "search",
           summary=f"監査ログをCSVで出力しました（{len(rows)}行・{describe(filters)}）",
           ip=request.remote_addr or "", bank_id=current_user.bank_id)
    db.session.commit()
    return csv_download(text, f"audit_log_{today_jst():%Y%m%d}.csv")


@bp.post("/verify")
def verify():
    """Recompute the hash chain of the whole log (every bank's rows chain together). A
    bank's 本部 is told about its own rows only: neither another bank's row count nor the ID
    of another bank's broken row."""
    own_bank = current_user.bank_id if current_user.role == Role.HQ else None
    result = verify_chain(bank_id=own_bank)
    if is_htmx():
        return render_template("audit/_verify.html", verified=result, own_bank=own_bank)
    return _page(result)
