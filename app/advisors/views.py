"""The advisor roster (operator only): list with live search and filters, advisor page with
its history, create and edit, import from CSV/JSON with a preview, CSV template and export."""
from datetime import UTC, datetime
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.advisors.csv_format import (
    COLUMN_NOTES,
    CSV_COLUMNS,
    export_csv,
    parse_upload,
    template_csv,
)
from app.advisors.forms import (
    FORM_LABELS,
    blank_typed,
    filter_args,
    filters_from_args,
    form_errors,
    record_from_typed,
    skill_row,
    typed_from_advisor,
    typed_from_form,
)
from app.advisors.services import (
    COLUMN_LABELS,
    STATUS_LABELS,
    AdvisorImportError,
    DuplicateExternalId,
    StagedImportMissing,
    StaleEdit,
    advisor_history,
    all_advisors,
    claim_import,
    clean_advisor,
    create_advisor,
    import_advisors,
    parse_stamp,
    preview_import,
    record_export,
    search_advisors,
    stage_import,
    suggest_external_id,
    update_advisor,
)
from app.auth.guard import restrict_to
from app.extensions import db
from app.htmx import hx_redirect, is_htmx
from app.japan.dates import today_jst
from app.japan.identifiers import JSIC_DIVISIONS, PREFECTURES
from app.matching.taxonomy import NEED_TAGS
from app.models import Advisor, AdvisorStatus, Role

bp = restrict_to(Blueprint("advisors", __name__, url_prefix="/advisors"), Role.OPERATOR)
PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 200  # planned rows listed on the preview page
PREVIEW_ERRORS = 500


def _ip() -> str:
    return request.remote_addr or ""


def _stage_folder() -> Path:
    return Path(current_app.instance_path) / "advisor_imports"


# ---- list -----------------------------------------------------------------------------------

@bp.get("/")
def index():
    filters = filters_from_args(request.args)
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1
    advisors, total = search_advisors(filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    context = dict(advisors=advisors, total=total, filters=filters, args=filter_args(filters),
                   page=page, has_next=page * PAGE_SIZE < total, page_size=PAGE_SIZE,
                   need_tags=NEED_TAGS, prefectures=PREFECTURES, status_labels=STATUS_LABELS)
    if is_htmx() and request.headers.get("HX-Target") == "advisor-results":
        return render_template("advisors/_results.html", **context)
    return render_template("advisors/index.html", **context)


# ---- advisor page ---------------------------------------------------------------------------

def _advisor_or_404(advisor_id: int) -> Advisor:
    advisor = db.session.get(Advisor, advisor_id)
    if advisor is None:
        abort(404)
    return advisor


@bp.get("/<int:advisor_id>")
def show(advisor_id: int):
    advisor = _advisor_or_404(advisor_id)
    return render_template("advisors/show.html", advisor=advisor,
                           history=advisor_history(advisor), status_labels=STATUS_LABELS,
                           industries=JSIC_DIVISIONS)


# ---- create and edit ------------------------------------------------------------------------

def _form(typed: dict, errors: dict, advisor: Advisor | None = None, status: int = 200):
    context = dict(values=typed, errors=errors, advisor=advisor, labels=FORM_LABELS,
                   prefectures=PREFECTURES, industries=JSIC_DIVISIONS, need_tags=NEED_TAGS,
                   status_labels=STATUS_LABELS, legacy_status=AdvisorStatus.INACTIVE.value)
    template = "advisors/_form.html" if is_htmx() else "advisors/form.html"
    return make_response(render_template(template, **context), status)


def _saved(advisor: Advisor, message: str):
    flash(message, "success")
    url = url_for("advisors.show", advisor_id=advisor.id)
    if is_htmx():
        return hx_redirect(make_response("", 204), url)
    return redirect(url, 303)


@bp.get("/new")
def new():
    return _form(blank_typed(suggest_external_id()), {})


@bp.get("/skill-row")
def skill_row_fragment():
    """One more blank row for the skills table (htmx); without JavaScript the form's
    「行を追加」 button posts the form back with an extra row instead."""
    return render_template("advisors/_skill_row.html", row=skill_row(), need_tags=NEED_TAGS,
                           errors={})


@bp.post("/")
def create():
    typed = typed_from_form(request.form, add_row=request.form.get("action") == "add_row")
    if request.form.get("action") == "add_row":
        return _form(typed, {})
    values, problems = clean_advisor(record_from_typed(typed))
    errors = form_errors(problems, typed)
    if not errors:
        try:
            advisor = create_advisor(values, actor=current_user, ip=_ip())
        except DuplicateExternalId as exc:
            errors[exc.field] = str(exc)
        else:
            db.session.commit()
            return _saved(advisor, f"{advisor.name}さんを登録しました。")
    db.session.rollback()
    return _form(typed, errors, status=422)


@bp.get("/<int:advisor_id>/edit")
def edit(advisor_id: int):
    advisor = _advisor_or_404(advisor_id)
    return _form(typed_from_advisor(advisor), {}, advisor)


@bp.post("/<int:advisor_id>/edit")
def update(advisor_id: int):
    advisor = _advisor_or_404(advisor_id)
    typed = typed_from_form(request.form, add_row=request.form.get("action") == "add_row")
    typed["external_id"] = advisor.external_id  # fixed: imports match on it
    if request.form.get("action") == "add_row":
        return _form(typed, {}, advisor)
    values, problems = clean_advisor(record_from_typed(typed))
    errors = form_errors(problems, typed)
    if not errors:
        try:
            changed = update_advisor(advisor, values, actor=current_user, ip=_ip(),
                                     expected_updated_at=parse_stamp(typed["updated_at"]))
        except StaleEdit as exc:
            errors["_form"] = str(exc)
        else:
            db.session.commit()
            return _saved(advisor, "アドバイザーの情報を保存しました。" if changed
                          else "変更はありませんでした。")
    db.session.rollback()
    return _form(typed, errors, advisor, status=422)


# ---- import ---------------------------------------------------------------------------------

def _import_page(status: int = 200, error: str | None = None):
    return make_response(render_template(
        "advisors/import.html", error=error, columns=CSV_COLUMNS, notes=COLUMN_NOTES,
        labels=COLUMN_LABELS, max_mb=f"{_max_mb():g}"), status)


def _max_upload() -> int:
    return current_app.config.get("ADVISOR_IMPORT_MAX_BYTES", MAX_UPLOAD_BYTES)


def _max_mb() -> float:
    return _max_upload() / (1024 * 1024)


@bp.get("/import")
def import_form():
    return _import_page()


@bp.post("/import")
def import_preview():
    """Read the file, check every row, show what would happen. Nothing is written; a valid
    file is kept server-side (instance folder) under a random token until confirmed."""
    too_big = f"ファイルが大きすぎます（上限{_max_mb():g}MB）。分けて取り込んでください。"
    if (request.content_length or 0) > _max_upload() + 64 * 1024:
        return _import_page(413, too_big)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(422, "取り込むファイル（CSVまたはJSON）を選んでください。")
    data = upload.read(_max_upload() + 1)
    if len(data) > _max_upload():
        return _import_page(413, too_big)
    parsed = parse_upload(upload.filename, data)
    preview = preview_import(parsed.records, rows=parsed.rows, source=parsed.source,
                             file_errors=parsed.errors)
    token = None
    if preview.ok:
        token = stage_import(_stage_folder(), {
            "filename": upload.filename[:100], "source": parsed.source,
            "rows": parsed.rows, "records": parsed.records,
            "staged_at": datetime.now(UTC).isoformat()}, actor=current_user)
    return make_response(render_template(
        "advisors/preview.html", preview=preview, token=token, filename=upload.filename,
        source=parsed.source, summary=preview.summary,
        errors=preview.errors[:PREVIEW_ERRORS], plan=preview.plan[:PREVIEW_ROWS],
        preview_rows=PREVIEW_ROWS, preview_errors=PREVIEW_ERRORS,
    ), 200 if preview.ok else 422)


@bp.post("/import/<token>")
def import_confirm(token: str):
    try:
        staged = claim_import(_stage_folder(), token, actor=current_user)
    except StagedImportMissing as exc:
        flash(str(exc), "warning")
        return redirect(url_for("advisors.import_form"), 303)
    try:
        summary = import_advisors(staged["records"], actor=current_user, ip=_ip(),
                                  rows=staged["rows"], source=staged["source"], batch=token,
                                  label=f"{staged['source'].upper()}取り込み：{staged['filename']}")
    except AdvisorImportError:
        # The rules cannot have changed since the preview; a tampered file ends here.
        db.session.rollback()
        flash("ファイルの内容を確認できませんでした。もう一度取り込んでください。", "warning")
        return redirect(url_for("advisors.import_form"), 303)
    db.session.commit()
    flash(f"アドバイザーを取り込みました（{summary}）。", "success")
    return redirect(url_for("advisors.index"), 303)


def _csv_download(text: str, filename: str) -> Response:
    response = Response(("\ufeff" + text).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f"attachment; filename={filename}; filename*=UTF-8''{filename}")
    return response


@bp.get("/template.csv")
def csv_template():
    return _csv_download(template_csv(), "advisors_template.csv")


@bp.get("/export.csv")
def csv_export():
    text, count = export_csv(all_advisors())
    record_export(count, actor=current_user, ip=_ip())
    db.session.commit()
    return _csv_download(text, f"advisors_{today_jst():%Y%m%d}.csv")
