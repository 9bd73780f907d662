"""Command line for advisors: `flask advisors import FILE.json`."""
import json

import click
from flask.cli import AppGroup

from app.advisors.services import AdvisorImportError, import_advisors
from app.extensions import db

advisors_cli = AppGroup("advisors", help="アドバイザーの管理")


@advisors_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def import_command(path: str) -> None:
    """アドバイザーをJSONファイル（リスト）から作成・更新します（external_id で照合）。"""
    try:
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
    except OSError as exc:
        click.echo(f"ファイルを読めません：{path}（{exc.strerror}）", err=True)
        raise SystemExit(1) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        click.echo(f"JSONとして読めません：{path}（{exc}）", err=True)
        raise SystemExit(1) from None
    try:
        summary = import_advisors(records)
    except AdvisorImportError as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(exc.errors)}件の誤りがあるため、取り込みませんでした。", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(summary)
