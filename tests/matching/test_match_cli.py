"""`flask match`: case files with several cases, --case, --top, and files it cannot use."""
import json

from tests.factories import acceptance_case, acceptance_cases


def test_list_needs_case_option(imported_advisors, run_match):
    result = run_match(acceptance_cases())
    assert result.exit_code == 1
    assert "--case" in result.stderr and "A01" in result.stderr
    assert result.stdout == ""


def test_case_option_picks_one(imported_advisors, run_match):
    result = run_match(acceptance_cases(), "--case", "A04")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["company"]["name"] == "株式会社門司プレス工業"
    assert {"external_id": "ADV-014", "reason": "お客さまが利益相反先に登録されています"} in (
        out["excluded"])


def test_unknown_case_id(imported_advisors, run_match):
    result = run_match(acceptance_cases(), "--case", "Z99")
    assert result.exit_code == 1
    assert "Z99" in result.stderr


def test_list_of_one_needs_no_option(imported_advisors, run_match):
    result = run_match([acceptance_case("A02")])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["inferred_needs"]


def test_top_limits_ranking_not_team(imported_advisors, run_match):
    case = acceptance_case("A01")
    full = json.loads(run_match(case).stdout)
    top = json.loads(run_match(case, "--top", "1").stdout)
    assert [a["external_id"] for a in top["ranked"]] == [full["ranked"][0]["external_id"]]
    assert top["team"] == full["team"] and len(full["team"]) > 1
    assert top["excluded"] == full["excluded"]


def test_output_is_normalised(imported_advisors, run_match):
    case = acceptance_case("A01")
    case["company"]["postal_code"] = "８０２ー０００１"
    case["intake"]["budget_monthly_max"] = "６０，０００円"
    out = json.loads(run_match(case).stdout)
    assert out["company"]["postal_code"] == "802-0001"
    assert out["company"]["corporate_number"] == "3290001120501"
    assert out["intake"] == {
        "needs": ["在庫・受発注・生産管理", "採用・採用ブランディング"],
        "notes": case["intake"]["notes"], "tools": ["kintone", "Excel"],
        "budget_monthly_max": 60000, "onsite_required": True, "urgency": "3か月以内",
    }
    first = out["ranked"][0]
    assert set(first) == {"external_id", "name", "score", "reasons"}
    assert out["needs"][:2] == out["intake"]["needs"]


def test_unknown_need_is_a_field_error(imported_advisors, run_match):
    case = acceptance_case("A01")
    case["intake"]["needs"] = ["なんでも相談"]
    result = run_match(case)
    assert result.exit_code == 1
    assert result.stderr.startswith("needs（ニーズ分類）: ")


def test_unreadable_files(app, tmp_path, run_match):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    runner = app.test_cli_runner()
    for path in (bad, tmp_path / "missing.json"):
        result = runner.invoke(args=["match", str(path)])
        assert result.exit_code == 1
        assert "Traceback" not in result.output and result.stderr.strip()
    result = run_match({"case_id": "X"})
    assert result.exit_code == 1
    assert "company（取引先企業）" in result.stderr
