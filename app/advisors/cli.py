"""Command line for advisors: `flask advisors import FILE` (.json or .csv, the same rules
and the same service as the web import)."""
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.advisors.csv_format import parse_upload
from app.advisors.services import AdvisorImportError, import_advisors
from app.extensions import db
from app.models import Role, User

advisors_cli = AppGroup("advisors", help="アドバイザーの管理")


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    raise SystemExit(1)


@advisors_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--by", "login_id", default=None,
              help="監査ログに記録する運営ユーザーのログインID（省略時は「システム」）。")
def import_command(path: str, login_id: str | None) -> None:
    """アドバイザーをJSON（リスト）またはCSV（UTF-8、見出し行つき）から作成・更新します
    （external_id で照合）。誤りが1件でもあれば何も登録しません。"""
    actor = None
    if login_id:
        actor = db.session.scalar(sa.select(User).where(User.login_id == login_id))
        if actor is None or actor.role != Role.OPERATOR:
            _fail([f"運営ユーザーが見つかりません：{login_id}"])
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        _fail([f"ファイルを読めません：{path}（{exc.strerror}）"])
    parsed = parse_upload(path, data)
    if parsed.errors and not parsed.records:
        _fail([f"{'JSON' if parsed.source == 'json' else 'CSV'}として読めません：{path}",
               *(str(e) for e in parsed.errors)])
    try:
        if parsed.errors:
            raise AdvisorImportError(parsed.errors)
        summary = import_advisors(parsed.records, rows=parsed.rows, source=parsed.source,
                                  actor=actor,
                                  label=f"{parsed.source.upper()}取り込み：{Path(path).name}",
                                  batch="cli")
    except AdvisorImportError as exc:
        db.session.rollback()
        _fail([*(str(e) for e in exc.errors),
               f"{len(exc.errors)}件の誤りがあるため、取り込みませんでした。"])
    db.session.commit()
    click.echo(summary)
