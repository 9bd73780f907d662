"""The advisor roster through the web: operator only, list filters and live search, create
and edit with the import's rules, optimistic lock, history, import with preview/confirm,
CSV template and export."""
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.advisors.services import import_advisors
from app.audit.services import verify_chain
from app.extensions import db
from app.models import Advisor, AdvisorSkill, AuditLog, Role
from tests.advisors.conftest import csv_text
from tests.factories import csrf_token, login, make_bank, make_branch, make_user


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def by_ext(external_id: str) -> Advisor:
    db.session.expire_all()
    return db.session.scalar(sa.select(Advisor).where(Advisor.external_id == external_id))


def audit_rows(action: str | None = None) -> list[AuditLog]:
    stmt = sa.select(AuditLog).order_by(AuditLog.id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return list(db.session.scalars(stmt))


def html(response) -> str:
    return response.get_data(as_text=True)


# ---- access ----------------------------------------------------------------------------------

def _urls(advisor_id: int) -> list[tuple[str, str]]:
    return [("GET", "/advisors/"), ("GET", f"/advisors/{advisor_id}"),
            ("GET", "/advisors/new"), ("GET", f"/advisors/{advisor_id}/edit"),
            ("GET", "/advisors/import"), ("GET", "/advisors/template.csv"),
            ("GET", "/advisors/export.csv"), ("GET", "/advisors/skill-row"),
            ("POST", "/advisors/"), ("POST", f"/advisors/{advisor_id}/edit"),
            ("POST", "/advisors/import"), ("POST", "/advisors/import/" + "x" * 32)]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.HQ])
def test_other_roles_get_404_everywhere(client, app_ctx, records, role):
    import_advisors(records[:1])
    bank = make_bank()
    branch = make_branch(bank) if role.is_branch_role else None
    user = make_user(role, bank, branch)
    db.session.commit()
    advisor_id = by_ext("ADV-001").id
    login(client, user)
    token = csrf_token(client, "/")
    for method, url in _urls(advisor_id):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (role, method, url)
        assert "ADV-001" not in html(response)
    assert "アドバイザー" not in html(client.get("/")).split("<main")[0]  # no menu entry
    assert by_ext("ADV-001").name == "佐藤 花子" and count(AuditLog) == 2  # import only


def test_logged_out_goes_to_login(client, app_ctx, records):
    import_advisors(records[:1])
    db.session.commit()
    advisor_id = by_ext("ADV-001").id
    for method, url in _urls(advisor_id):
        if method == "POST":
            continue  # CSRF answers first; logged out it also sends to the login page
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/auth/login"), url
    response = client.get("/advisors/?q=a", headers={"HX-Request": "true",
                                                     "HX-Target": "advisor-results"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith(
        "/auth/login")


# ---- list --------------------------------------------------------------------------------

def ids_on(response) -> list[str]:
    return re.findall(r">(ADV-[0-9]+)</a>", html(response))


def test_list_search_and_filters(operator_client, records):
    import_advisors(records)
    db.session.commit()
    c = operator_client
    everyone = ids_on(c.get("/advisors/"))
    assert len(everyone) == 30 and everyone == sorted(everyone)
    assert ids_on(c.get("/advisors/?q=いのうえ")) == ["ADV-008"]  # フリガナ, typed in hiragana
    assert ids_on(c.get("/advisors/?q=井上拓也")) == ["ADV-008"]  # name without the space
    assert ids_on(c.get("/advisors/?q=adv-00")) == [f"ADV-00{i}" for i in range(1, 10)]

    def expected(pred) -> list[str]:
        return sorted(r["external_id"] for r in records if pred(r))

    skill = "在庫・受発注・生産管理"
    assert ids_on(c.get("/advisors/", query_string={"skill": skill})) == expected(
        lambda r: any(s["tag"] == skill for s in r["skills"]))
    assert ids_on(c.get("/advisors/", query_string={"skill": skill, "min_level": "3"})) == \
        expected(lambda r: any(s["tag"] == skill and s["level"] == 3 for s in r["skills"]))
    assert ids_on(c.get("/advisors/", query_string={"hometown": "福岡県"})) == expected(
        lambda r: r["hometown"]["prefecture"] == "福岡県")
    assert ids_on(c.get("/advisors/?free=1")) == expected(
        lambda r: r["capacity"] > r["active_clients"])
    assert ids_on(c.get("/advisors/?onsite=1")) == expected(lambda r: r["onsite"])
    assert ids_on(c.get("/advisors/?status=inactive")) == ["ADV-027"]
    combined = c.get("/advisors/?free=1&onsite=1&hometown=福岡県&status=active")
    assert ids_on(combined) == expected(
        lambda r: r["capacity"] > r["active_clients"] and r["onsite"]
        and r["hometown"]["prefecture"] == "福岡県" and r["status"] == "active")
    assert "件" not in html(c.get("/advisors/?q=該当なし")) or "いません" in html(
        c.get("/advisors/?q=該当なし"))
    # Unknown filter values are ignored, not errors.
    assert len(ids_on(c.get("/advisors/?skill=なんでも&status=x&hometown=火星"))) == 30


def test_live_search_fragment_and_headers(operator_client, records):
    import_advisors(records)
    db.session.commit()
    response = operator_client.get("/advisors/?q=サトウ", headers={
        "HX-Request": "true", "HX-Target": "advisor-results"})
    body = html(response)
    assert response.status_code == 200 and body.startswith('<div id="advisor-results">')
    assert "<html" not in body and "ADV-001" in body
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"
    page = operator_client.get("/advisors/?q=サトウ")
    assert "<html" in html(page) and 'id="advisor-results"' in html(page)


def test_paging(operator_client, records):
    extra = [{**records[0], "external_id": f"ADV-{n:03d}", "name": f"追加 {n}"}
             for n in range(100, 140)]
    import_advisors(records + extra)
    db.session.commit()
    first = operator_client.get("/advisors/")
    assert len(ids_on(first)) == 50 and "70</strong>名" in html(first)
    second = operator_client.get("/advisors/?page=2")
    assert len(ids_on(second)) == 20 and not set(ids_on(first)) & set(ids_on(second))


# ---- create and edit ---------------------------------------------------------------------

def form_data(client, url: str, **overrides) -> dict:
    data = {
        "csrf_token": csrf_token(client, url),
        "external_id": "ADV-500", "name": "髙﨑 𠮷子", "name_kana": "たかさき よしこ",
        "email": "Yoshiko@Example.JP", "status": "active",
        "hometown_prefecture": "北海道", "hometown_municipality": "旭川市",
        "residence_prefecture": "東京都", "residence_municipality": "練馬区",
        "contribution_prefectures": ["北海道", "青森県"], "industries": ["E", "I"],
        "tools": "kintone、Excel, freee", "onsite": "1", "capacity": "３",
        "active_clients": "1", "rating": "4.5", "completed_engagements": "2",
        "conflicts": "7000-0120-50002\n４０１１００１０９８９９３",
        "invoice_registration": "ｔ１２３４５６７８９０１２３",
        "bio": "旭川の製造業を支援。\n二行目。",
        "skill_tag": ["在庫・受発注・生産管理", "AI・生成AI活用", "", "", ""],
        "skill_level": ["3", "2", "", "", ""],
    }
    data.update(overrides)
    return data


def test_create_stores_cleaned_values_and_audits(operator_client, operator):
    response = operator_client.post("/advisors/", data=form_data(operator_client,
                                                                 "/advisors/new"))
    assert response.status_code == 303, html(response)[:2000]
    a = by_ext("ADV-500")
    assert response.headers["Location"] == f"/advisors/{a.id}"
    assert (a.name, a.name_kana, a.email) == ("髙﨑 𠮷子", "タカサキ ヨシコ",
                                              "Yoshiko@example.jp")
    assert a.conflicts == ["7000012050002", "4011001098993"]
    assert a.invoice_registration == "T1234567890123"  # an individual's number: no check digit
    assert a.tools == ["kintone", "Excel", "freee"]
    assert (a.capacity, a.active_clients, a.rating, a.onsite) == (3, 1, 4.5, True)
    assert a.contribution_prefectures == ["北海道", "青森県"] and a.industries == ["E", "I"]
    assert {(s.tag, s.level) for s in a.skills} == {("在庫・受発注・生産管理", 3),
                                                   ("AI・生成AI活用", 2)}
    assert a.bio == "旭川の製造業を支援。\n二行目。"
    [row] = audit_rows("advisor.create")
    assert (row.actor_id, row.actor_name, row.actor_role) == (operator.id, "運営 花子",
                                                             "operator")
    assert row.record_id == str(a.id) and row.ip == "127.0.0.1"
    assert row.after["conflicts"] == ["7000012050002", "4011001098993"]
    assert row.after["skills"] == {"在庫・受発注・生産管理": 3, "AI・生成AI活用": 2}
    assert verify_chain().ok


def test_new_form_suggests_the_next_id(operator_client, records):
    import_advisors(records)
    db.session.commit()
    page = html(operator_client.get("/advisors/new"))
    assert 'value="ADV-031"' in page
    assert page.count('name="skill_tag"') == 5  # enough rows without JavaScript


def test_invalid_form_is_422_keeps_typing_and_saves_nothing(operator_client):
    data = form_data(operator_client, "/advisors/new", name="", email="yoshiko@",
                     conflicts="7000012050002\n8000012050002", capacity="たくさん",
                     invoice_registration="T12345")
    data["skill_tag"] = ["在庫・受発注・生産管理", "", "AI・生成AI活用", "", ""]
    data["skill_level"] = ["", "2", "3", "", ""]
    response = operator_client.post("/advisors/", data=data)
    body = html(response)
    assert response.status_code == 422
    assert count(Advisor) == 0 and count(AuditLog) == 0
    assert "氏名を入力してください。" in body
    assert "メールアドレスの形式が正しくありません" in body
    assert "2行目: 法人番号のチェックデジットが一致しません" in body
    assert "0以上の整数で指定してください。" in body
    assert "登録番号は「T」と13桁の数字で入力してください。" in body
    assert body.count("レベルは1〜3の整数で指定してください。") == 1  # first row, no level
    assert "スキル分類を選んでください。" in body  # second row: a level without a tag
    # What was typed is still there.
    assert 'value="yoshiko@"' in body and "7000012050002\n8000012050002</textarea>" in body
    assert 'value="たくさん"' in body and 'value="ADV-500"' in body
    assert '<option selected>AI・生成AI活用</option>' in body
    assert 'value="北海道" checked' in body


def test_invalid_form_over_htmx_returns_the_form_fragment(operator_client):
    data = form_data(operator_client, "/advisors/new", name="")
    response = operator_client.post("/advisors/", data=data, headers={"HX-Request": "true"})
    body = html(response)
    assert response.status_code == 422 and body.startswith('<div id="advisor-form">')
    assert "<html" not in body
    ok = operator_client.post("/advisors/", data=form_data(operator_client, "/advisors/new"),
                              headers={"HX-Request": "true"})
    assert ok.status_code == 204
    assert ok.headers["HX-Redirect"] == f"/advisors/{by_ext('ADV-500').id}"


def test_duplicate_external_id_is_a_field_error(operator_client, records):
    import_advisors(records[:1])
    db.session.commit()
    response = operator_client.post("/advisors/", data=form_data(
        operator_client, "/advisors/new", external_id="ADV-001"))
    assert response.status_code == 422
    assert "このアドバイザーIDはすでに使われています（佐藤 花子）" in html(response)
    assert count(Advisor) == 1


def test_add_row_without_javascript(operator_client):
    data = form_data(operator_client, "/advisors/new", action="add_row")
    data["skill_tag"] = ["在庫・受発注・生産管理"] + [NEED for NEED in (
        "AI・生成AI活用", "Web・SNS集客", "EC・販路開拓", "会計・バックオフィス")]
    data["skill_level"] = ["1", "2", "3", "1", "2"]
    response = operator_client.post("/advisors/", data=data)
    assert response.status_code == 200 and count(Advisor) == 0
    assert html(response).count('name="skill_tag"') == 7  # five filled, the next, one more
    fragment = operator_client.get("/advisors/skill-row", headers={"HX-Request": "true"})
    assert html(fragment).startswith('<div class="skill-row">')


def _edit_form(client, advisor: Advisor) -> dict:
    page = html(client.get(f"/advisors/{advisor.id}/edit"))
    stamp = re.search(r'name="updated_at" value="([^"]+)"', page).group(1)
    data = form_data(client, f"/advisors/{advisor.id}/edit", updated_at=stamp,
                     name=advisor.name, name_kana=advisor.name_kana, email=advisor.email)
    return data


def test_edit_saves_and_history_shows_who_when_what(operator_client, operator, records):
    import_advisors(records[:1])
    db.session.commit()
    a = by_ext("ADV-001")
    data = _edit_form(operator_client, a)
    data.update(capacity="5", status="paused", conflicts="7000012050002",
                external_id="HACKED")
    data["skill_tag"] = ["在庫・受発注・生産管理", "", "", "", ""]
    data["skill_level"] = ["2", "", "", "", ""]
    response = operator_client.post(f"/advisors/{a.id}/edit", data=data)
    assert response.status_code == 303, html(response)[:3000]
    a = by_ext("ADV-001")  # the ID cannot be changed from the form
    assert (a.capacity, a.status.value, a.conflicts) == (5, "paused", ["7000012050002"])
    assert [(s.tag, s.level) for s in a.skills] == [("在庫・受発注・生産管理", 2)]
    [row] = audit_rows("advisor.update")
    assert row.actor_id == operator.id and row.ip == "127.0.0.1"
    assert row.before["capacity"] == 3 and row.after["capacity"] == 5
    assert row.before["skills"] == {"在庫・受発注・生産管理": 3, "業務アプリ・ノーコード": 2}
    assert row.after["skills"] == {"在庫・受発注・生産管理": 2}
    assert "external_id" not in row.after and "name" not in row.after  # only what changed

    page = html(operator_client.get(f"/advisors/{a.id}"))
    history = page[page.index("変更履歴"):]
    jst = (row.at + timedelta(hours=9)).strftime("%Y/%m/%d %H:%M")
    assert jst in history and "運営 花子（運営）" in history
    assert "稼働枠" in history and "<td class=\"before\">3</td><td>5</td>" in history
    assert "一時休止" in history and "稼働中" in history
    assert "在庫・受発注・生産管理（Lv3）、業務アプリ・ノーコード（Lv2）" in history
    assert "システム" in history  # the registration by the import, earlier
    assert verify_chain().ok


def test_unchanged_save_writes_no_audit_row(operator_client, records):
    import_advisors(records[:1])
    db.session.commit()
    a = by_ext("ADV-001")
    page = html(operator_client.get(f"/advisors/{a.id}/edit"))
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page))
    data = form_data(operator_client, f"/advisors/{a.id}/edit", **{
        k: v for k, v in fields.items() if k not in ("skill_tag", "skill_level", "action")})
    data.update(onsite="1", status="active", hometown_prefecture="福岡県",
                residence_prefecture="東京都", contribution_prefectures=[], industries=["E"],
                conflicts="", bio=records[0]["bio"], tools="kintone、Excel")
    data["skill_tag"] = ["在庫・受発注・生産管理", "業務アプリ・ノーコード"]
    data["skill_level"] = ["3", "2"]
    before = count(AuditLog)
    response = operator_client.post(f"/advisors/{a.id}/edit", data=data)
    assert response.status_code == 303, html(response)[:3000]
    assert count(AuditLog) == before


def test_stale_edit_is_refused(operator_client, records):
    import_advisors(records[:1])
    db.session.commit()
    a = by_ext("ADV-001")
    data = _edit_form(operator_client, a)
    # Meanwhile someone re-imports the advisor with another skill level.
    changed = [dict(records[0], skills=[{"tag": "在庫・受発注・生産管理", "level": 1}])]
    import_advisors(changed)
    db.session.commit()
    data.update(capacity="7")
    response = operator_client.post(f"/advisors/{a.id}/edit", data=data)
    assert response.status_code == 422
    assert "先に更新しました" in html(response) and 'value="7"' in html(response)
    a = by_ext("ADV-001")
    assert a.capacity == 3 and [(s.tag, s.level) for s in a.skills] == [
        ("在庫・受発注・生産管理", 1)]
    data["updated_at"] = "not-a-date"
    assert operator_client.post(f"/advisors/{a.id}/edit", data=data).status_code == 422


def test_show_page(operator_client, records):
    import_advisors(records)
    db.session.commit()
    a = by_ext("ADV-014")
    page = html(operator_client.get(f"/advisors/{a.id}"))
    assert "9290801020408" in page and a.name in page
    for s in a.skills:
        assert f"{s.tag}　Lv{s.level}" in page
    assert operator_client.get("/advisors/999999").status_code == 404


# ---- import through the web ----------------------------------------------------------------

def upload(client, data: bytes, filename: str = "advisors.csv"):
    return client.post("/advisors/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/advisors/import"),
        "file": (io.BytesIO(data), filename)})


def staged_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "advisor_imports"
    return sorted(folder.glob("*")) if folder.exists() else []


def confirm(client, response):
    token = re.search(r'/advisors/import/([A-Za-z0-9_-]{32})"', html(response)).group(1)
    return client.post(f"/advisors/import/{token}", data={
        "csrf_token": csrf_token(client, "/advisors/import")})


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_csv_import_preview_then_confirm(app, operator_client, operator, records, bom):
    response = upload(operator_client, bom + csv_text(records).encode("utf-8"))
    body = html(response)
    assert response.status_code == 200, body[:2000]
    assert "新規 30件・更新 0件" in body
    assert count(Advisor) == 0 and count(AuditLog) == 0, "the preview writes nothing"
    assert len(staged_files(app)) == 1
    done = confirm(operator_client, response)
    assert done.status_code == 303 and done.headers["Location"] == "/advisors/"
    assert count(Advisor) == 30
    assert count(AdvisorSkill) == sum(len(r["skills"]) for r in records)
    assert staged_files(app) == []
    creates = audit_rows("advisor.create")
    assert len(creates) == 30 and {r.actor_id for r in creates} == {operator.id}
    assert {r.ip for r in creates} == {"127.0.0.1"}
    assert "CSV取り込み：advisors.csv" in creates[0].summary
    [summary] = audit_rows("advisor.import")
    assert summary.summary.endswith("作成 30件・更新 0件")
    assert verify_chain().ok
    assert "作成 30件・更新 0件" in html(operator_client.get("/advisors/"))
    # The same confirmation again (double click, back button) imports nothing.
    again = confirm(operator_client, response)
    assert again.status_code == 303 and again.headers["Location"] == "/advisors/import"
    assert "実行済み" in html(operator_client.get("/advisors/import"))


def test_reimport_updates_by_external_id(operator_client, operator, records):
    upload_ok = upload(operator_client, csv_text(records).encode())
    confirm(operator_client, upload_ok)
    records[4]["capacity"] = 8
    records[4]["skills"] = [{"tag": "Web・SNS集客", "level": 3}]
    records.append({**records[0], "external_id": "ADV-031", "name": "新人 一郎"})
    response = upload(operator_client, csv_text(records).encode())
    body = html(response)
    assert "新規 1件・更新 1件" in body and "変更なし" in body
    assert "稼働枠・スキル" in body
    confirm(operator_client, response)
    assert count(Advisor) == 31
    a = by_ext("ADV-005")
    assert a.capacity == 8 and [(s.tag, s.level) for s in a.skills] == [("Web・SNS集客", 3)]
    [update] = audit_rows("advisor.update")
    assert update.record_id == str(a.id) and update.actor_id == operator.id
    assert update.before["skills"] != update.after["skills"]
    assert set(update.after) == {"capacity", "skills"}
    assert verify_chain().ok


@pytest.mark.parametrize("mutate,row,column,words", [
    (lambda d: d[13].update(conflicts=["9290801020408", "8000012050002"]), 15, "conflicts",
     "チェックデジット"),
    (lambda d: d[4]["skills"][0].update(level=4), 6, "skills", "レベルは1〜3"),
    (lambda d: d[29]["skills"].append({"tag": "なんでも屋", "level": 2}), 31, "skills",
     "不明なスキル分類です：なんでも屋"),
], ids=["corporate-number", "level-4", "unknown-tag"])
def test_one_bad_row_writes_nothing_and_is_listed(app, operator_client, records, mutate,
                                                  row, column, words):
    mutate(records)
    response = upload(operator_client, csv_text(records).encode())
    body = html(response)
    assert response.status_code == 422
    assert "何も登録していません" in body and "取り込む</button>" not in body
    cells = re.findall(r'<td class="num">(\d+)</td>\s*<td>([^<]*)</td>\s*<td><code>(\w+)</code>',
                       body)
    assert cells == [(str(row), records[row - 2]["external_id"], column)]
    assert words in body
    assert count(Advisor) == 0 and count(AuditLog) == 0 and staged_files(app) == []


def test_json_upload_uses_the_acceptance_format(operator_client, records):
    import json

    records[4]["skills"][0]["level"] = 4
    response = upload(operator_client, json.dumps(records, ensure_ascii=False).encode(),
                      "advisors.json")
    body = html(response)
    assert response.status_code == 422 and "skills[1].level" in body and "件目" in body
    records[4]["skills"][0]["level"] = 3
    response = upload(operator_client, json.dumps(records, ensure_ascii=False).encode(),
                      "advisors.json")
    assert response.status_code == 200 and "新規 30件・更新 0件" in html(response)
    confirm(operator_client, response)
    assert count(Advisor) == 30


def test_shift_jis_upload_is_refused(operator_client, records):
    response = upload(operator_client, csv_text(records[:2]).encode("cp932"))
    assert response.status_code == 422
    assert "UTF-8で保存してください" in html(response) and count(Advisor) == 0


def test_no_file_and_too_large(app, operator_client):
    response = operator_client.post("/advisors/import", data={
        "csrf_token": csrf_token(operator_client, "/advisors/import")})
    assert response.status_code == 422
    assert "ファイル（CSVまたはJSON）を選んでください" in html(response)
    # (kept under 500 KB: above that the test client spools the body to a file it leaks)
    app.config["ADVISOR_IMPORT_MAX_BYTES"] = 256 * 1024
    try:
        response = upload(operator_client, b"external_id,name\r\n" + b"x" * (300 * 1024))
    finally:
        del app.config["ADVISOR_IMPORT_MAX_BYTES"]
    assert response.status_code == 413 and "上限0.25MB" in html(response)
    assert count(Advisor) == 0


def test_confirm_belongs_to_the_uploader(app, client, operator_client, records):
    response = upload(operator_client, csv_text(records).encode())
    other = make_user(Role.OPERATOR, name="運営 次郎")
    db.session.commit()
    second = app.test_client()
    login(second, other)
    done = confirm(second, response)
    assert done.headers["Location"] == "/advisors/import" and count(Advisor) == 0
    assert operator_client.post("/advisors/import/../../etc", data={
        "csrf_token": csrf_token(operator_client, "/advisors/import")}).status_code == 404


def test_stale_staged_files_are_purged(app, operator_client, records):
    import os
    import time

    response = upload(operator_client, csv_text(records).encode())
    [path] = staged_files(app)
    old = time.time() - 2 * 3600
    os.utime(path, (old, old))
    done = confirm(operator_client, response)
    assert done.headers["Location"] == "/advisors/import" and count(Advisor) == 0
    upload(operator_client, csv_text(records).encode())
    assert path not in staged_files(app) and len(staged_files(app)) == 1


# ---- template and export -------------------------------------------------------------------

def test_template_and_export(operator_client, operator, records):
    template = operator_client.get("/advisors/template.csv")
    assert template.mimetype == "text/csv" and "attachment" in template.headers[
        "Content-Disposition"]
    assert template.data.startswith(b"\xef\xbb\xbfexternal_id,name,") and template.data.count(
        b"\r\n") == 1
    import_advisors(records)
    db.session.commit()
    export = operator_client.get("/advisors/export.csv")
    assert export.data.startswith(b"\xef\xbb\xbfexternal_id,")
    assert export.data.decode("utf-8-sig").count("\r\nADV-") == 30
    [row] = audit_rows("advisor.export")
    assert row.actor_id == operator.id and "30名" in row.summary
    # The export goes straight back in: nothing to change.
    response = upload(operator_client, export.data)
    assert "新規 0件・更新 0件" in html(response) and "変更なし" in html(response)
