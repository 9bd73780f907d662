"""The consent form: typed values in, a ConsentInput or Japanese errors per field out."""
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from app.japan import JapanInputError
from app.japan.text import clean_text
from app.models import ClientCompany, ConsentMethod, ConsentRecord, User
from app.referrals.consent_items import CONSENT_ITEMS
from app.referrals.services import ConsentInput

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg",
              b"\x89PNG\r\n\x1a\n": "image/png"}


def _scan_type(data: bytes) -> str | None:
    return next((mime for magic, mime in SCAN_TYPES.items() if data.startswith(magic)), None)


def validate_consent(form: Mapping, *, recipients: Sequence[dict], staff: Sequence[User],
                     today: date, scan: bytes | None, scan_filename: str = ""
                     ) -> tuple[ConsentInput | None, dict[str, str]]:
    """`form` is the posted form (getlist for the ticked boxes); `recipients` the candidates
    (platform + the proposal's advisors); `staff` who may have obtained the consent."""
    errors: dict[str, str] = {}
    items = [code for code in form.getlist("items") if code in CONSENT_ITEMS]
    if not items:
        errors["items"] = "同意を得た提供項目を1つ以上選んでください。"
    ticked = set(form.getlist("recipients"))
    chosen = [r for r in recipients if recipient_key(r) in ticked]
    if not any(r["kind"] == "platform" for r in chosen):
        errors["recipients"] = ("提供先に運営事務局を含めてください"
                                "（紹介には運営事務局への提供が必要です）。")
    elif not any(r["kind"] == "advisor" for r in chosen):
        errors["recipients"] = "提供先のアドバイザーを1名以上選んでください。"

    consented_on = None
    raw_date = (form.get("consented_on") or "").strip()
    try:
        consented_on = datetime.strptime(raw_date, "%Y-%m-%d").date()
    except ValueError:
        errors["consented_on"] = "同意日を 2026-12-03 の形で入力してください。"
    else:
        if consented_on > today:
            errors["consented_on"] = "同意日に未来の日付は入力できません。"
        elif (today - consented_on).days > 365:
            errors["consented_on"] = "1年以上前の同意は使えません。改めて同意を得てください。"

    method = None
    try:
        method = ConsentMethod(form.get("method", ""))
    except ValueError:
        errors["method"] = "同意の方法（書面・電子）を選んでください。"

    name = _text(form, "consenter_name", errors, max_length=100, label="同意した方のお名前")
    title = _text(form, "consenter_title", errors, max_length=50, required=False)

    obtained_by = next((u for u in staff if str(u.id) == form.get("obtained_by")), None)
    if obtained_by is None:
        errors["obtained_by"] = "同意を取得した職員を選んでください。"

    note = _text(form, "note", errors, max_length=500, required=False, multiline=True)

    mime = ""
    if scan:
        if len(scan) > MAX_SCAN_BYTES:
            errors["scan"] = "同意書の画像・PDFは10MB以内にしてください。"
        elif (mime := _scan_type(scan)) is None:
            errors["scan"] = "同意書はPDF・JPEG・PNGのいずれかで添付してください。"
    elif method == ConsentMethod.PAPER:
        errors["scan"] = "書面で同意を得た場合は、署名済みの同意書をスキャンして添付してください。"

    if errors:
        return None, errors
    return ConsentInput(items=items, recipients=chosen, consented_on=consented_on,
                        method=method, consenter_name=name, consenter_title=title,
                        obtained_by=obtained_by, note=note, scan=scan or None,
                        scan_filename=scan_filename[:200], scan_mimetype=mime), {}


def _text(form: Mapping, field: str, errors: dict[str, str], **rules) -> str:
    try:
        return clean_text(form.get(field) or "", **rules)
    except JapanInputError as exc:
        errors[field] = str(exc)
        return ""


def recipient_key(recipient: dict) -> str:
    """The checkbox value of a recipient."""
    if recipient["kind"] == "platform":
        return "platform"
    return f"advisor:{recipient.get('external_id', recipient['name'])}"


def consent_form_start(latest: ConsentRecord | None, *, client: ClientCompany,
                       recipients: Sequence[dict], staff: Sequence[User], officer: User,
                       today: date) -> dict:
    """What the consent form starts from. With a consent on record, its values (the officer
    changes only what changed): items, the recipients still proposed, method, who consented,
    who obtained it (while still at the branch) and the note; never its scan, and the date
    is today. Without one: every item and recipient, 書面, the representative, the officer."""
    if latest is None:
        return {"items": list(CONSENT_ITEMS), "recipients": [recipient_key(r) for r in recipients],
                "consented_on": today.isoformat(), "method": ConsentMethod.PAPER.value,
                "consenter_name": client.representative_name,
                "consenter_title": client.representative_title,
                "obtained_by": str(officer.id), "note": ""}
    before = {recipient_key(r) for r in latest.recipients} | {
        (r.get("kind"), r.get("name")) for r in latest.recipients}
    obtained_by = latest.obtained_by_id if any(u.id == latest.obtained_by_id for u in staff) \
        else officer.id
    return {"items": [code for code in latest.items if code in CONSENT_ITEMS],
            "recipients": [recipient_key(r) for r in recipients
                           if recipient_key(r) in before or (r["kind"], r["name"]) in before],
            "consented_on": today.isoformat(), "method": latest.method.value,
            "consenter_name": latest.consenter_name, "consenter_title": latest.consenter_title,
            "obtained_by": str(obtained_by), "note": latest.note}
