"""Command line: `flask match CASE.json [--top N] [--case ID]` — rank the advisors for a case
file with the web forms' validation; prints one JSON object, stores nothing."""
import json
from typing import Any

import click

from app.clients.validation import FIELD_LABELS, clean_company, company_from_case_file
from app.intake.validation import INTAKE_LABELS, clean_intake
from app.matching.engine import MatchResult, match
from app.matching.inference import detect_warnings, infer_needs
from app.matching.services import load_profiles, request_from_values

INTAKE_OUTPUT_FIELDS = ("needs", "notes", "tools", "budget_monthly_max", "onsite_required",
                        "urgency")


class CaseFileError(Exception):
    """The case file cannot be used; the message is Japanese."""


def _fail(messages: list[str]) -> None:
    for message in messages:
        click.echo(message, err=True)
    raise SystemExit(1)


def load_case(path: str, case_id: str | None) -> dict:
    """One case object from a file holding one case or a list of them."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise CaseFileError(f"ファイルを読めません：{path}（{exc.strerror}）") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseFileError(f"JSONとして読めません：{path}（{exc}）") from None
    cases = data if isinstance(data, list) else [data]
    if not all(isinstance(c, dict) for c in cases) or not cases:
        raise CaseFileError("案件ファイルには案件 {…} またはそのリストを指定してください。")
    if case_id is not None:
        chosen = [c for c in cases if str(c.get("case_id")) == case_id]
        if not chosen:
            ids = "、".join(str(c.get("case_id")) for c in cases)
            raise CaseFileError(f"案件 {case_id} がファイルにありません（あるのは {ids}）。")
        return chosen[0]
    if len(cases) > 1:
        ids = "、".join(str(c.get("case_id")) for c in cases)
        raise CaseFileError(f"案件が{len(cases)}件あります。--case で選んでください（{ids}）。")
    return cases[0]


def clean_case(case: dict) -> tuple[dict, dict, list[str]]:
    """(company, intake, errors) cleaned by the same rules as the web forms."""
    raw_company, raw_intake = case.get("company"), case.get("intake")
    errors = []
    if not isinstance(raw_company, dict):
        errors.append("company（取引先企業）: 企業情報 {…} がありません。")
    if not isinstance(raw_intake, dict):
        errors.append("intake（ヒアリング）: ヒアリング内容 {…} がありません。")
    if errors:
        return {}, {}, errors
    company, company_errors = clean_company(company_from_case_file(raw_company))
    intake, intake_errors = clean_intake(raw_intake)
    errors = [f"{f}（{FIELD_LABELS.get(f, f)}）: {m}" for f, m in company_errors.items()]
    errors += [f"{f}（{INTAKE_LABELS.get(f, f)}）: {m}" for f, m in intake_errors.items()]
    return company, intake, errors


def match_output(company: dict, intake: dict, *, top: int | None = None) -> dict[str, Any]:
    """The JSON document of the command-line contract (acceptance README)."""
    ticked = list(intake.get("needs") or [])
    notes = intake.get("notes") or ""
    inferred = [t for t in infer_needs(notes) if t not in ticked]
    needs = list(dict.fromkeys([*ticked, *(intake.get("accepted_needs") or []), *inferred]))
    result: MatchResult = match(request_from_values(company, intake, needs), load_profiles(),
                                top=top)
    return {
        "company": company,
        "intake": {f: intake.get(f) for f in INTAKE_OUTPUT_FIELDS},
        "needs": needs,
        "inferred_needs": inferred,
        "warnings": [{"code": w.code, "message": w.message} for w in detect_warnings(notes)],
        "ranked": [{"external_id": r.advisor.external_id, "name": r.advisor.name,
                    "score": round(r.score, 2), "reasons": r.reasons} for r in result.ranked],
        "excluded": [{"external_id": e.advisor.external_id, "reason": e.reason}
                     for e in result.excluded],
        "team": [r.advisor.external_id for r in result.team],
    }


@click.command("match")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="上位何名まで表示するか（省略時は全員）")
@click.option("--case", "case_id", default=None, help="ファイルが案件のリストのとき、選ぶ案件ID")
def match_command(path: str, top: int | None, case_id: str | None) -> None:
    """案件ファイルのお客さまに合うアドバイザーを順位づけしてJSONで出力します（保存しません）。"""
    try:
        case = load_case(path, case_id)
    except CaseFileError as exc:
        _fail([str(exc)])
    company, intake, errors = clean_case(case)
    if errors:
        _fail(errors)
    output = match_output(company, intake, top=top)
    click.echo(json.dumps(output, ensure_ascii=False, indent=2))
