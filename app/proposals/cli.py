"""Command line: `flask proposal CASE.json --out OUT.pdf [--advisors ADV-001,ADV-005]
[--plan standard] [--case A01]` — the proposal PDF for a case file, validated exactly like
`flask match`; advisors come from the database (`flask advisors import`). Stores nothing:
the case, client and intake are unsaved objects, and the document carries the preview case
number `PREVIEW-<case_id>` with a プレビュー mark on the cover."""
from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.documents.render import render_pdf
from app.extensions import db
from app.japan.dates import today_jst
from app.japan.text import search_key
from app.matching.cli import CaseFileError, clean_case, load_case, match_output
from app.models import Advisor, Bank, Branch, Case, ClientCompany, Intake, Plan, Role, User
from app.proposals.plans import DEFAULT_PLAN_CODE, DEFAULT_PLANS
from app.proposals.services import MAX_ADVISORS, TEMPLATE, proposal_context

PLACEHOLDER = "（未設定）"


def _fail(messages: list[str]) -> None:
    for message in messages:
        click.echo(message, err=True)
    raise SystemExit(1)


def find_plan(code: str) -> Plan:
    """The operator's Plan row for `code` when there is one, else the default plan
    (unsaved); unknown codes raise CaseFileError."""
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == code, Plan.active.is_(True)))
    if plan is not None:
        return plan
    for values in DEFAULT_PLANS:
        if values["code"] == code:
            return Plan(**values)
    codes = db.session.scalars(sa.select(Plan.code).where(Plan.active.is_(True))).all()
    codes = codes or [p["code"] for p in DEFAULT_PLANS]
    raise CaseFileError(f"プラン {code} はありません（あるのは {'、'.join(codes)}）。")


def choose_advisors(requested: list[str], matched: dict) -> list[tuple[Advisor, list[str]]]:
    """The advisors asked for (default: the matching team) with the ranking's reasons.
    Advisors the matching excluded are refused with the reason."""
    ids = requested or list(matched["team"])
    if not ids:
        raise CaseFileError("条件に合うアドバイザーがいません。--advisors で指定してください。")
    if len(ids) > MAX_ADVISORS:
        raise CaseFileError(f"アドバイザーは{MAX_ADVISORS}名までです。")
    if len(set(ids)) != len(ids):
        raise CaseFileError("同じアドバイザーが重複して指定されています。")
    excluded = {e["external_id"]: e["reason"] for e in matched["excluded"]}
    reasons = {r["external_id"]: r["reasons"] for r in matched["ranked"]}
    rows = {a.external_id: a for a in db.session.scalars(
        sa.select(Advisor).options(selectinload(Advisor.skills))
        .where(Advisor.external_id.in_(ids)))}
    errors = []
    for ext in ids:
        if ext not in rows:
            errors.append(f"アドバイザー {ext} が登録されていません"
                          "（flask advisors import で取り込んでください）。")
        elif ext in excluded:
            errors.append(f"アドバイザー {ext} はご提案できません：{excluded[ext]}")
    if errors:
        raise CaseFileError("\n".join(errors))
    return [(rows[ext], list(reasons.get(ext, []))) for ext in ids]


def preview_case(case_id: str, company: dict, intake: dict, needs: list[str]) -> Case:
    """An unsaved case for the document: the first branch in the database (and an officer
    of it) when there is one, else placeholders. Nothing is added to the session."""
    branch = db.session.scalar(sa.select(Branch).order_by(Branch.id).limit(1))
    if branch is not None:
        bank = branch.bank
        officer = db.session.scalar(
            sa.select(User).where(User.branch_id == branch.id, User.role == Role.OFFICER,
                                  User.active.is_(True)).order_by(User.id).limit(1)
        ) or User(name=PLACEHOLDER, email="")
    else:
        bank = Bank(name=PLACEHOLDER)
        branch = Branch(name="", prefecture="", municipality="", address="", phone="")
        officer = User(name=PLACEHOLDER, email="")
    ticked = list(intake.get("needs") or [])
    client = ClientCompany(**company, search_key=search_key(company["name"],
                                                            company["name_kana"]))
    intake_row = Intake(**{k: v for k, v in intake.items() if k != "accepted_needs"},
                        accepted_needs=[n for n in needs if n not in ticked])
    return Case(case_number=f"PREVIEW-{case_id}", bank=bank, branch=branch, officer=officer,
                client=client, intake=intake_row)


@click.command("proposal")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="書き出すPDFファイル")
@click.option("--advisors", default="", help="アドバイザーID（カンマ区切り、最大3名）。"
              "省略時はマッチングの提案チーム")
@click.option("--plan", "plan_code", default=DEFAULT_PLAN_CODE, show_default=True,
              help="プランのコード（light / standard / premium）")
@click.option("--case", "case_id", default=None, help="ファイルが案件のリストのとき、選ぶ案件ID")
def proposal_command(path: str, out: str, advisors: str, plan_code: str,
                     case_id: str | None) -> None:
    """案件ファイルのお客さま向けのご提案書（PDF）を作成します（データベースには保存しません）。"""
    try:
        case_data = load_case(path, case_id)
        company, intake, errors = clean_case(case_data)
        if errors:
            _fail(errors)
        plan = find_plan(plan_code)
        matched = match_output(company, intake)
        requested = [a.strip() for a in advisors.split(",") if a.strip()]
        chosen = choose_advisors(requested, matched)
    except CaseFileError as exc:
        _fail(str(exc).split("\n"))
    label = str(case_data.get("case_id") or "CASE")
    try:
        case = preview_case(label, company, intake, matched["needs"])
        context = proposal_context(case, plan, chosen, today_jst(), preview=True)
        pdf = render_pdf(TEMPLATE, context)
    finally:
        db.session.rollback()  # nothing of this command is ever stored
    try:
        Path(out).write_bytes(pdf)
    except OSError as exc:
        _fail([f"PDFを書き出せません：{out}（{exc.strerror}）"])
    names = "、".join(a.name for a, _ in chosen)
    click.echo(f"{out} を作成しました（{len(pdf):,} バイト、プラン {plan.name}、{names}）。")
