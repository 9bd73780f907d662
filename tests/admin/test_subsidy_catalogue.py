"""The subsidy catalogue (operator): programme records validated like JAPAN.md says (自治体
コード with its check digit, rates as proper fractions, caps), audited, copied to a new year."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.admin.services import copy_programme
from app.extensions import db
from app.japan.dates import today_jst
from app.models import AuditLog, SubsidyProgramme, SubsidyScope
from app.subsidies.terms import fiscal_year_label, fiscal_year_of
from tests.admin.conftest import post

FORM = {
    "name": "テスト市 専門家活用補助金", "fiscal_year": "令和8年度", "scope": "municipality",
    "prefecture": "福岡県", "municipality": "北九州市", "municipality_code": "４０１００５",
    "rate": "２／３", "cap_yen": "300,000円", "rounding_unit_yen": "1000",
    "eligible_cost_types": ["consulting_fee", "travel"], "covers_advisory_fees": "1",
    "cond_onsite_visit": "1", "cond_apply_within_days": "３０", "cond_hq_in_area_years": "",
    "cond_note": "市内に事業所を有すること\n", "cond_to_confirm": "",
    "application_window": "通年", "documents_required": "申請書\n見積書",
    "source_note": "テスト用の記録", "active": "1",
}


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SubsidyProgramme))


def test_operator_registers_a_programme(app, staff):
    client = staff.client(app, "operator")
    before = _count()
    response = post(client, "/admin/subsidies", FORM)
    assert response.status_code == 303
    p = db.session.scalar(sa.select(SubsidyProgramme).where(SubsidyProgramme.name == FORM["name"]))
    assert _count() == before + 1
    assert (p.scope, p.municipality_code, p.fiscal_year) == (SubsidyScope.MUNICIPALITY,
                                                            "401005", 2026)
    assert (p.rate_numerator, p.rate_denominator, p.cap_yen, p.rounding_unit_yen) == (
        2, 3, 300_000, 1000)
    assert p.eligible_cost_types == ["consulting_fee", "travel"] and p.covers_advisory_fees
    assert p.conditions == [{"kind": "onsite_visit"}, {"kind": "apply_within_days", "n": 30},
                            {"kind": "note", "text": "市内に事業所を有すること"}]
    assert p.documents_required == ["申請書", "見積書"]
    row = db.session.scalar(sa.select(AuditLog).where(
        AuditLog.record_type == "subsidy_programme", AuditLog.record_id == str(p.id)))
    assert row.action == "subsidy_programme.create" and row.actor_name == "運営 涼"
    assert row.after["rate_label"] == "2/3" and row.after["municipality_code"] == "401005"


@pytest.mark.parametrize("field,value,message", [
    ("municipality_code", "401006", "チェックデジット（6桁目）が一致しません"),
    ("municipality_code", "40100", "チェックデジットを含む6桁の数字"),
    ("municipality_code", "252077", "先頭2桁（25）が福岡県（40）と一致しません"),
    ("municipality_code", "400009", "これは都道府県のコードです"),
    ("rate", "3/2", "補助率3/2は1を超えています"),
    ("rate", "0/0", "分母に0は使えません"),
    ("rate", "0/3", "0より大きい"),
    ("rate", "0.66", "補助率は分数で入力してください"),
    ("cap_yen", "-100000", "金額は0以上の整数"),
    ("cap_yen", "0", "上限額は1円以上"),
    ("fiscal_year", "平成30年度", "年度は西暦"),
    ("cond_apply_within_days", "0", "1から365までの整数"),
    ("scope", "city", "実施主体の区分"),
])
def test_bad_values_are_422_with_the_message_and_the_typing_kept(app, staff, field, value,
                                                                 message):
    client = staff.client(app, "operator")
    before = _count()
    response = post(client, "/admin/subsidies", {**FORM, field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert FORM["name"] in html and "市内に事業所を有すること" in html  # the rest is kept
    assert 'value="consulting_fee" checked' in html
    assert _count() == before


def test_covering_advisory_fees_needs_an_advisory_cost_type(app, staff):
    client = staff.client(app, "operator")
    response = post(client, "/admin/subsidies", {**FORM, "eligible_cost_types": ["system"]})
    assert response.status_code == 422
    assert "顧問料を補助対象とするには" in response.get_data(as_text=True)


def test_prefecture_programme_gets_the_prefecture_code(app, staff):
    client = staff.client(app, "operator")
    data = {**FORM, "scope": "prefecture", "prefecture": "滋賀県", "municipality": "守山市",
            "municipality_code": ""}
    assert post(client, "/admin/subsidies", data).status_code == 303
    p = db.session.scalar(sa.select(SubsidyProgramme).where(SubsidyProgramme.name == FORM["name"]))
    assert (p.municipality_code, p.municipality, p.area) == ("250007", "", "滋賀県")
    response = post(client, "/admin/subsidies", {**data, "name": "別の制度",
                                                 "municipality_code": "400009"})
    assert response.status_code == 422
    assert "滋賀県の自治体コードは250007です" in response.get_data(as_text=True)


def test_national_programme_has_no_place(app, staff):
    client = staff.client(app, "operator")
    data = {**FORM, "scope": "national", "prefecture": "", "municipality_code": ""}
    assert post(client, "/admin/subsidies", data).status_code == 303
    p = db.session.scalar(sa.select(SubsidyProgramme).where(SubsidyProgramme.name == FORM["name"]))
    assert (p.municipality_code, p.prefecture, p.municipality, p.area) == (None, "", "", "全国")


def test_same_name_twice_in_a_year_is_refused(app, staff):
    client = staff.client(app, "operator")
    assert post(client, "/admin/subsidies", FORM).status_code == 303
    response = post(client, "/admin/subsidies", FORM)
    assert response.status_code == 422
    assert "令和8年度の「テスト市 専門家活用補助金」はすでに登録されています" in response.get_data(
        as_text=True)


def _edit_form(client, programme_id: int) -> dict:
    """The edit form as the browser would send it back unchanged."""
    import re

    html = client.get(f"/admin/subsidies/{programme_id}/edit").get_data(as_text=True)
    data: dict = {"eligible_cost_types": []}
    for name, value in re.findall(r'<input [^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        if name == "eligible_cost_types":
            continue
        data[name] = value
    data["eligible_cost_types"] = re.findall(
        r'name="eligible_cost_types" value="([a-z_]+)" checked', html)
    for name in re.findall(r'type="checkbox" name="([a-z_]+)" value="1" checked', html):
        data[name] = "1"
    for name in ("cond_onsite_visit", "cond_licensed_agency", "cond_no_double_national",
                 "covers_advisory_fees", "active"):
        if f'name="{name}" value="1" checked' not in html:
            data.pop(name, None)
    for name, value in re.findall(r'<textarea id="f-[a-z_]+" name="([a-z_]+)"[^>]*>([^<]*)'
                                  r'</textarea>', html):
        data[name] = value.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    data["scope"] = re.search(r'name="scope" value="([a-z]+)" checked', html).group(1)
    data["prefecture"] = (re.search(r"<option selected>([^<]+)</option>", html) or
                          re.search(r"()", "")).group(1)
    data["rounding_unit_yen"] = re.search(r'<option value="([0-9]+)" selected>', html).group(1)
    return data


def test_seeded_programme_saved_unchanged_records_nothing_then_a_change_is_audited(app,
                                                                                   staff):
    client = staff.client(app, "operator")
    moriyama = db.session.scalar(sa.select(SubsidyProgramme).where(
        SubsidyProgramme.municipality_code == "252077"))
    form = _edit_form(client, moriyama.id)
    assert post(client, f"/admin/subsidies/{moriyama.id}/edit", form).status_code == 303
    rows = lambda: db.session.scalars(sa.select(AuditLog).where(  # noqa: E731
        AuditLog.record_type == "subsidy_programme",
        AuditLog.record_id == str(moriyama.id)).order_by(AuditLog.id)).all()
    assert [r.action for r in rows()] == ["subsidy_programme.create"]  # the seed's row only

    form = _edit_form(client, moriyama.id)
    response = post(client, f"/admin/subsidies/{moriyama.id}/edit",
                    {**form, "rate": "1/2", "cap_yen": "100000"})
    assert response.status_code == 303
    change = rows()[-1]
    assert change.action == "subsidy_programme.update" and change.actor_role == "operator"
    assert change.before == {"rate_label": "2/3", "cap_yen": 150_000}
    assert change.after == {"rate_label": "1/2", "cap_yen": 100_000}
    page = client.get(f"/admin/subsidies/{moriyama.id}/edit").get_data(as_text=True)
    assert "補助率" in page and "¥150,000" in page and "運営 涼（運営）" in page
    assert "システム（自動処理）" in page  # the seed, as the system


def test_copy_starts_the_current_year_inactive_with_a_check_to_do(app, staff):
    moriyama = db.session.scalar(sa.select(SubsidyProgramme).where(
        SubsidyProgramme.municipality_code == "252077"))
    assert copy_programme(moriyama, actor=None, today=date(2025, 2, 1)).fiscal_year == 2025
    current = fiscal_year_of(today_jst())
    copy = copy_programme(moriyama, actor=staff.users["operator"])
    db.session.commit()
    assert copy.fiscal_year == current and not copy.active  # 令和6年度 → this year
    assert (copy.rate_numerator, copy.cap_yen) == (2, 150_000)
    assert copy.conditions[-1]["kind"] == "to_confirm"
    assert "令和6年度の内容を複製しました" in copy.conditions[-1]["text"]
    client = staff.client(app, "operator")
    response = post(client, f"/admin/subsidies/{moriyama.id}/copy")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/subsidies")
    assert "すでに登録されています" in client.get("/admin/subsidies").get_data(as_text=True)
    listing = client.get("/admin/subsidies").get_data(as_text=True)
    assert "年度終了" in listing and fiscal_year_label(current) in listing
