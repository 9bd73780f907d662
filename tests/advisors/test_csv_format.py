"""The roster CSV: UTF-8 with or without BOM, Shift_JIS refused with a clear message, rows
and columns named in every error, the export imports back unchanged."""
import pytest
import sqlalchemy as sa

from app.advisors.csv_format import (
    CSV_COLUMNS,
    advisor_cells,
    export_csv,
    parse_upload,
    template_csv,
)
from app.advisors.services import (
    AdvisorImportError,
    advisor_snapshot,
    all_advisors,
    import_advisors,
    preview_import,
)
from app.extensions import db
from app.models import Advisor, AdvisorSkill, AuditLog
from tests.advisors.conftest import csv_text


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def preview(data: bytes, filename: str = "advisors.csv"):
    parsed = parse_upload(filename, data)
    return parsed, preview_import(parsed.records, rows=parsed.rows, source=parsed.source,
                                  file_errors=parsed.errors)


def test_with_and_without_bom_read_the_same(app_ctx, records):
    text = csv_text(records)
    plain = parse_upload("advisors.csv", text.encode("utf-8"))
    bom = parse_upload("advisors.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert plain.errors == bom.errors == []
    assert plain.records == bom.records and len(plain.records) == 30
    assert plain.rows == list(range(2, 32))  # spreadsheet rows: header is row 1
    first = plain.records[0]
    assert first["external_id"] == "ADV-001"  # the BOM is not part of the first header
    assert first["skills"] == [{"tag": "在庫・受発注・生産管理", "level": 3},
                               {"tag": "業務アプリ・ノーコード", "level": 2}]
    assert first["hometown"] == {"prefecture": "福岡県", "municipality": "北九州市"}
    assert first["onsite"] is True and first["capacity"] == "3"
    _, result = preview(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert result.ok and (result.summary.created, result.summary.updated) == (30, 0)


def test_shift_jis_is_refused_with_a_message(app_ctx, records):
    data = csv_text(records[:3]).encode("cp932")
    parsed, result = preview(data)
    assert parsed.records == [] and not result.ok
    [error] = result.errors
    assert "Shift_JIS" in error.message and "UTF-8で保存してください" in error.message
    assert count(Advisor) == 0


def test_other_unreadable_files(app_ctx):
    for data, words in ((b"PK\x03\x04rest-of-a-zip", "xlsx"),
                        ("external_id\r\n".encode("utf-16"), "UTF-16"),
                        (b"\xff\xfe\xfa\x80", "UTF-8")):
        parsed, result = preview(data)
        assert not result.ok and words in result.errors[0].message, data


def _bad(records, mutate, row_no: int) -> list:
    """One bad record in an otherwise good CSV: nothing may be written, the row is named."""
    mutate(records)
    data = csv_text(records).encode("utf-8")
    _, result = preview(data)
    assert not result.ok
    parsed = parse_upload("advisors.csv", data)
    with pytest.raises(AdvisorImportError):
        import_advisors(parsed.records, rows=parsed.rows, source="csv")
    assert count(Advisor) == count(AdvisorSkill) == count(AuditLog) == 0
    assert {e.row for e in result.errors} == {row_no}
    return result.errors


def test_bad_corporate_number_in_conflicts_names_row_and_column(app_ctx, records):
    [error] = _bad(records, lambda d: d[13].update(conflicts=["9290801020408",
                                                              "8000012050002"]), 15)
    assert (error.row, error.external_id, error.column) == (15, "ADV-014", "conflicts")
    assert error.label == "利益相反先の法人番号"
    assert error.detail.startswith("2番目: ") and "チェックデジット" in error.detail
    assert str(error).startswith("15行目（ADV-014） conflicts（利益相反先の法人番号）列: 2番目: ")


def test_level_4_names_row_and_column(app_ctx, records):
    [error] = _bad(records, lambda d: d[4]["skills"][0].update(level=4), 6)
    assert (error.column, error.message) == ("skills", "レベルは1〜3の整数で指定してください。")


def test_unknown_tag_names_row_and_column(app_ctx, records):
    [error] = _bad(records, lambda d: d[29]["skills"].append({"tag": "なんでも屋", "level": 2}),
                   31)
    assert error.column == "skills" and "なんでも屋" in error.message


def test_every_error_is_listed(app_ctx, records):
    records[0]["hometown"] = {"prefecture": "福岡", "municipality": ""}
    records[0]["status"] = "retired"
    records[1]["email"] = "not-an-address"
    records[2]["external_id"] = "ADV-001"
    _, result = preview(csv_text(records).encode("utf-8"))
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "status"), (2, "hometown_prefecture"), (3, "email"), (4, "external_id")]
    assert result.errors[3].message == "2行目と同じIDです。"


def test_header_problems(app_ctx):
    text = "name,biography,hometown_prefecture,name\r\n山田 太郎,x,福岡県,山田\r\n"
    _, result = preview(text.encode("utf-8"))
    messages = [e.message for e in result.errors if e.row == 1]
    assert any("「biography」" in m for m in messages)
    assert any("「name」が2回" in m for m in messages)
    assert any("external_id（アドバイザーID）" in m for m in messages)
    assert any("hometown_municipality" in m for m in messages)


def test_japanese_headers_and_japanese_separators(app_ctx):
    text = ("アドバイザーID,氏名,フリガナ,スキル,地元貢献を希望する都道府県,稼働状況\r\n"
            "ADV-900,山田 太郎,やまだ たろう,Web・SNS集客：2、AI・生成AI活用：3,"
            "福岡県、佐賀県,一時休止\r\n")
    _, result = preview(text.encode("utf-8"))
    assert result.ok, result.errors
    import_advisors(parse_upload("a.csv", text.encode("utf-8")).records, source="csv")
    a = db.session.scalar(sa.select(Advisor))
    assert (a.name_kana, a.status.value) == ("ヤマダ タロウ", "paused")
    assert a.contribution_prefectures == ["福岡県", "佐賀県"]
    assert {(s.tag, s.level) for s in a.skills} == {("Web・SNS集客", 2), ("AI・生成AI活用", 3)}


def test_blank_numbers_keep_the_stored_value(app_ctx, records):
    import_advisors(records[:1])
    text = "external_id,name,capacity,active_clients,status,onsite\r\nADV-001,佐藤 花子,,,,\r\n"
    summary = import_advisors(parse_upload("a.csv", text.encode()).records, source="csv")
    a = db.session.scalar(sa.select(Advisor))
    assert (a.capacity, a.active_clients, a.status.value, a.onsite) == (3, 1, "active", True)
    assert (summary.updated, summary.unchanged) == (0, 1)


def test_spreadsheet_exponent_is_explained(app_ctx, records):
    lines = csv_text(records[:1]).split("\r\n")
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("conflicts")] = "7.00001E+12"
    _, result = preview("\r\n".join([lines[0], ",".join(cells)]).encode())
    assert "指数表記" in result.errors[0].message


def test_extra_cells_are_an_error(app_ctx):
    text = "external_id,name\r\nADV-1,山田 太郎,余分\r\n"
    _, result = preview(text.encode())
    assert [(e.row, e.column) for e in result.errors] == [(2, "(行全体)")]


def test_export_imports_back_unchanged(app_ctx, records):
    records[0]["bio"] = "=1+1 のような式に見える文字も\n複数行も、そのまま。"
    records[1]["tools"] = ["+αツール", "@mention"]
    records[2]["invoice_registration"] = "T1234567890123"
    import_advisors(records)
    db.session.commit()
    before = {a.external_id: advisor_snapshot(a) for a in all_advisors()}
    text, n = export_csv(all_advisors())
    assert n == 30 and text.startswith(",".join(CSV_COLUMNS) + "\r\n")
    # Cells a spreadsheet would run as formulas are quoted.
    assert "'=1+1" in text and "'+αツール" in text
    _, result = preview(text.encode("utf-8"))
    assert result.ok and result.summary.unchanged == 30
    db.session.execute(sa.delete(AdvisorSkill))
    db.session.execute(sa.delete(Advisor))
    import_advisors(parse_upload("x.csv", text.encode()).records, source="csv")
    db.session.expire_all()
    after = {a.external_id: advisor_snapshot(a) for a in all_advisors()}
    assert after == before


def test_template_is_the_header_only():
    assert template_csv() == ",".join(CSV_COLUMNS) + "\r\n"


def test_cells_of_one_advisor(app_ctx, records):
    import_advisors(records[:1])
    cells = dict(zip(CSV_COLUMNS, advisor_cells(db.session.scalar(sa.select(Advisor))),
                     strict=True))
    assert cells["skills"] == "在庫・受発注・生産管理:3;業務アプリ・ノーコード:2"
    assert (cells["onsite"], cells["rating"], cells["status"]) == ("true", "4.3", "active")
