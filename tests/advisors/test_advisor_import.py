"""Importing advisors from the operator's JSON list (and the command line, JSON and CSV):
validation of the whole list before any write, Japanese errors naming the row,
create-or-update by external_id, audit rows."""
import copy
import json

import pytest
import sqlalchemy as sa

from app.advisors.services import AdvisorImportError, ImportSummary, import_advisors
from app.extensions import db
from app.models import Advisor, AdvisorSkill, AdvisorStatus
from tests.factories import DATA

RECORDS = json.loads((DATA / "advisors.json").read_text(encoding="utf-8"))


def records() -> list[dict]:
    return copy.deepcopy(RECORDS)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def advisor(external_id: str) -> Advisor:
    return db.session.scalar(sa.select(Advisor).where(Advisor.external_id == external_id))


def test_import_creates_every_advisor(app_ctx):
    summary = import_advisors(records())
    assert summary == ImportSummary(created=30, updated=0)
    assert str(summary) == "作成 30件・更新 0件"
    assert count(Advisor) == 30
    assert count(AdvisorSkill) == sum(len(r["skills"]) for r in RECORDS)
    a = advisor("ADV-008")
    assert (a.name, a.name_kana, a.email) == ("井上 拓也", "イノウエ タクヤ",
                                              "adv008@advisors.example.jp")
    assert (a.hometown_prefecture, a.hometown_municipality) == ("神奈川県", "横浜市")
    residence = RECORDS[7]["residence"]
    assert (a.residence_prefecture, a.residence_municipality) == (
        residence["prefecture"], residence["municipality"])
    assert a.contribution_prefectures == ["北海道"]
    assert {(s.tag, s.level) for s in a.skills} == {("店舗・予約・キャッシュレス", 3),
                                                   ("Web・SNS集客", 1)}
    assert advisor("ADV-027").status is AdvisorStatus.INACTIVE
    assert advisor("ADV-014").conflicts == ["9290801020408"]


def test_reimport_updates_by_external_id(app_ctx):
    import_advisors(records())
    db.session.commit()
    stamp = advisor("ADV-002").updated_at
    changed = records()
    first = changed[0]
    first["skills"] = [{"tag": "在庫・受発注・生産管理", "level": 2},  # level changed
                       {"tag": "AI・生成AI活用", "level": 1}]  # 業務アプリ dropped, AI added
    first["active_clients"] = 3
    first["status"] = "paused"
    summary = import_advisors(changed)
    db.session.commit()
    # Only the advisor whose values differ is updated; the others are left alone.
    assert summary == ImportSummary(created=0, updated=1, unchanged=29)
    assert str(summary) == "作成 0件・更新 1件・変更なし 29件"
    assert count(Advisor) == 30
    db.session.expire_all()
    a = advisor("ADV-001")
    assert {(s.tag, s.level) for s in a.skills} == {("在庫・受発注・生産管理", 2),
                                                   ("AI・生成AI活用", 1)}
    assert (a.active_clients, a.status) == (3, AdvisorStatus.PAUSED)
    assert count(AdvisorSkill) == sum(len(r["skills"]) for r in changed)
    assert advisor("ADV-002").updated_at == stamp


def test_new_and_existing_in_one_file(app_ctx):
    import_advisors(records()[:10])
    data = records()
    data[0]["capacity"] = 9
    summary = import_advisors(data)
    assert summary == ImportSummary(created=20, updated=1, unchanged=9)


def invalid(mutate) -> list:
    data = records()
    mutate(data)
    with pytest.raises(AdvisorImportError) as info:
        import_advisors(data)
    assert count(Advisor) == 0 and count(AdvisorSkill) == 0, "nothing may be written"
    return info.value.errors


def test_bad_corporate_number_in_conflicts(app_ctx):
    errors = invalid(lambda d: d[13].update(conflicts=["9290801020408", "8000012050002"]))
    [error] = errors
    assert (error.row, error.external_id, error.field) == (14, "ADV-014", "conflicts[2]")
    assert "チェックデジット" in error.message and "8000012050002" in error.message
    assert str(error).startswith("14件目（ADV-014） conflicts[2]（利益相反先の法人番号）: ")


def test_level_out_of_range(app_ctx):
    [error] = invalid(lambda d: d[4]["skills"][0].update(level=4))
    assert (error.row, error.external_id, error.field) == (5, "ADV-005", "skills[1].level")
    assert error.message == "レベルは1〜3の整数で指定してください。"


def test_unknown_tag(app_ctx):
    [error] = invalid(lambda d: d[29]["skills"].append({"tag": "なんでも屋", "level": 2}))
    assert (error.row, error.field) == (30, "skills[2].tag")
    assert "なんでも屋" in error.message


def test_every_error_of_every_row_is_reported(app_ctx):
    def mutate(d):
        d[0].update(status="retired", capacity=-1,
                    hometown={"prefecture": "福岡", "municipality": ""})
        d[1].update(invoice_registration="1234", rating=7, skils=[])
        d[2]["external_id"] = "ADV-001"
        del d[3]["name"]

    errors = invalid(mutate)
    assert [(e.row, e.field) for e in errors] == [
        (1, "capacity"), (1, "status"), (1, "hometown.prefecture"),
        (2, "rating"), (2, "invoice_registration"), (2, "skils"),
        (3, "external_id"),
        (4, "name"),
    ]
    assert all(e.message for e in errors)
    assert errors[6].message == "1件目と同じIDです。"


def test_not_a_list(app_ctx):
    with pytest.raises(AdvisorImportError) as info:
        import_advisors({"external_id": "ADV-001"})
    assert info.value.errors[0].field == "(ファイル)"


def test_invoice_registration_of_an_individual_is_not_check_digit_tested(app_ctx):
    data = records()[:1]
    data[0]["invoice_registration"] = "Ｔ１２３４５６７８９０１２３"
    import_advisors(data)
    assert advisor("ADV-001").invoice_registration == "T1234567890123"


def test_tools_deduplicated_ignoring_case(app_ctx):
    data = records()[:1]
    data[0]["tools"] = ["kintone", "Kintone", "Excel"]
    import_advisors(data)
    assert advisor("ADV-001").tools == ["kintone", "Excel"]


# ---- command line -----------------------------------------------------------------------

def test_cli_import_commits_and_summarises(app, tmp_path):
    path = tmp_path / "advisors.json"
    path.write_text(json.dumps(RECORDS, ensure_ascii=False), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["advisors", "import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "作成 30件・更新 0件"
    result = runner.invoke(args=["advisors", "import", str(path)])
    assert result.stdout.strip() == "作成 0件・更新 0件・変更なし 30件"
    with app.app_context():
        assert count(Advisor) == 30


def test_cli_import_rejects_the_whole_file(app, tmp_path):
    data = records()
    data[6]["skills"][0]["level"] = 0
    path = tmp_path / "advisors.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["advisors", "import", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "7件目（ADV-007） skills[1].level（スキル）: " in result.stderr
    assert "Traceback" not in result.output
    with app.app_context():
        assert count(Advisor) == 0


def test_cli_import_unreadable_file(app, tmp_path):
    path = tmp_path / "advisors.json"
    path.write_text("[{", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["advisors", "import", str(path)])
    assert result.exit_code == 1
    assert "JSON" in result.stderr and "Traceback" not in result.output


def test_cli_imports_csv_with_the_same_rules(app, tmp_path):
    from app.models import AuditLog, Role
    from tests.advisors.conftest import csv_text
    from tests.factories import make_user

    with app.app_context():
        operator = make_user(Role.OPERATOR, name="運営 花子")
        db.session.commit()
        login_id = operator.login_id
    data = records()
    path = tmp_path / "advisors.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(data).encode("utf-8"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["advisors", "import", str(path), "--by", login_id])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "作成 30件・更新 0件"
    with app.app_context():
        assert count(Advisor) == 30
        actors = set(db.session.scalars(sa.select(AuditLog.actor_name)))
        assert actors == {"運営 花子"}

    data[13]["conflicts"] = ["8000012050002"]
    path.write_text(csv_text(data), encoding="utf-8")
    result = runner.invoke(args=["advisors", "import", str(path)])
    assert result.exit_code == 1 and result.stdout == ""
    assert "15行目（ADV-014） conflicts（利益相反先の法人番号）列: 1番目: " in result.stderr

    path.write_bytes(csv_text(data[:2]).encode("cp932"))
    result = runner.invoke(args=["advisors", "import", str(path)])
    assert result.exit_code == 1 and "UTF-8で保存してください" in result.stderr
    result = runner.invoke(args=["advisors", "import", str(path), "--by", "nobody"])
    assert result.exit_code == 1 and "nobody" in result.stderr


def test_import_audit_rows_chain_and_name_the_actor(app_ctx):
    from app.audit.services import verify_chain
    from app.models import AuditLog, Role
    from tests.factories import make_user

    operator = make_user(Role.OPERATOR, name="運営 花子")
    import_advisors(records(), actor=operator, ip="192.0.2.7", batch="t")
    changed = records()
    changed[2]["capacity"] = 9
    import_advisors(changed, actor=operator, ip="192.0.2.7")
    db.session.commit()
    rows = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == ["advisor.create"] * 30 + ["advisor.import",
                                                                  "advisor.update",
                                                                  "advisor.import"]
    assert {(r.actor_id, r.ip) for r in rows} == {(operator.id, "192.0.2.7")}
    update = rows[31]
    assert update.record_id == str(advisor("ADV-003").id)
    assert (update.before, update.after) == ({"capacity": records()[2]["capacity"]},
                                             {"capacity": 9})
    assert rows[0].after["skills"] == {s["tag"]: s["level"] for s in records()[0]["skills"]}
    assert verify_chain().ok
