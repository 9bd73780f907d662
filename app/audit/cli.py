"""Command line: flask audit verify — recompute the hash chain of the audit log."""
import click
from flask.cli import AppGroup

from app.audit.services import verify_chain

audit_cli = AppGroup("audit", help="監査ログ")


@audit_cli.command("verify")
def verify_command() -> None:
    """Exit 0 when every row matches its hash and chains to the previous one."""
    result = verify_chain()
    if result.ok:
        click.echo(f"監査ログは改ざんされていません（{result.rows}行を検証）。")
        return
    click.echo(f"監査ログの検証に失敗しました：ID {result.broken_id} の行 — {result.reason}",
               err=True)
    raise SystemExit(1)
