"""Command line: flask seed-demo (demo banks, staff, advisors, clients, plans)."""
import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.demo.banks import MIRAI
from app.demo.seed import format_demo_logins, seed_demo
from app.extensions import db
from app.models import Bank


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True,
              help="銀行が1件でも登録済みなら何もしない（make run 用）。")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """デモデータ（架空の信用金庫・職員・アドバイザー・取引先企業・プラン）を投入する。

    何度実行しても同じ結果になり、変更されたデモデータは元の値に戻る。"""
    if not sa.inspect(db.engine).has_table(Bank.__tablename__):
        raise click.ClickException(
            "テーブルがありません。先に flask db upgrade を実行してください。")
    if if_empty and db.session.scalar(sa.select(Bank.id).limit(1)) is not None:
        click.echo("銀行データが登録済みのため、デモデータの投入は省略しました"
                   "（投入し直すには flask seed-demo）。")
        if db.session.scalar(sa.select(Bank.id).where(Bank.code == MIRAI)) is not None:
            _echo_logins()
        return
    started = time.perf_counter()
    summary = seed_demo()
    db.session.commit()
    for line in summary.lines():
        click.echo(line)
    click.echo(f"  （{time.perf_counter() - started:.1f}秒）")
    _echo_logins()


def _echo_logins() -> None:
    click.echo("")
    click.echo("デモ用ログイン:")
    for line in format_demo_logins():
        click.echo(f"  {line}")
