"""Command line: flask audit verify — recompute the hash chain of the audit log."""
import click
from flask.cli import AppGroup

from app.audit.services import verify_chain
from app.extensions import db
from app.models import AuditLog

audit_cli = AppGroup("audit", help="監査ログ")


@audit_cli.command("verify")
@click.option("--expect-head", default="",
              help="以前に控えた「ID:ハッシュ」。その行が残っていて同じハッシュかも確かめます"
                   "（末尾の行の削除を検出）。")
def verify_command(expect_head: str) -> None:
    """Exit 0 when every row matches its hash and chains to the previous one (and, with
    --expect-head, the row noted earlier is still there unchanged)."""
    result = verify_chain()
    if result.ok and expect_head:
        noted_id, _, noted_hash = expect_head.partition(":")
        row = db.session.get(AuditLog, int(noted_id)) if noted_id.isdigit() else None
        if row is None or row.hash != noted_hash.strip():
            click.echo(f"監査ログの検証に失敗しました：控えておいた行 ID {noted_id} が"
                       "見つからないか、ハッシュが一致しません（末尾の行の削除・差し替え）。",
                       err=True)
            raise SystemExit(1)
    if result.ok:
        click.echo(f"監査ログは改ざんされていません（{result.rows}行を検証）。")
        if result.head_id is not None:
            click.echo(f"最新の行：{result.head_id}:{result.head_hash}"
                       "（この値を別の場所に控え、次回 --expect-head に渡すと、"
                       "末尾の行の削除も検出できます）")
        return
    click.echo(f"監査ログの検証に失敗しました：ID {result.broken_id} の行 — {result.reason}",
               err=True)
    raise SystemExit(1)
