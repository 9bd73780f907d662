"""Command line: `flask signing verify FILE.pdf` (the verification page as JSON),
`flask signing show` (which seal this installation uses) and `flask signing remind` (cron)."""
import json
from dataclasses import asdict

import click
from flask.cli import AppGroup

signing_cli = AppGroup("signing", help="電子契約の運営者シール")


@signing_cli.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False))
def verify_command(pdf: str) -> None:
    """PDFの運営者シールを検証し、結果をJSONで表示します（有効な当サービスのシールなら終了コード0、
    それ以外は1）。"""
    from app.signing.verify import MAX_BYTES, verify_issued

    with open(pdf, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    result = verify_issued(data)
    click.echo(json.dumps(asdict(result), ensure_ascii=False, indent=2))
    raise SystemExit(0 if result.ok else 1)


@signing_cli.command("show")
def show_command() -> None:
    """運営者シールの証明書（発行者、SHA-256フィンガープリント、有効期限）を表示します。"""
    from app.signing.keys import current_signer
    from app.signing.verify import jst_text

    seal = current_signer()
    click.echo(f"シール証明書: {seal.subject}")
    click.echo(f"発行者: {seal.certificate.issuer.human_friendly}")
    click.echo(f"SHA-256: {seal.fingerprint}")
    click.echo(f"有効期限: {jst_text(seal.not_after)}")
    click.echo(f"鍵の出所: {seal.source}")
    click.echo(f"信頼するルート証明書: {len(seal.trust_roots)}件")
    click.echo(f"タイムスタンプ: {'あり' if seal.timestamper else 'なし（サーバー時刻）'}")


@signing_cli.command("remind")
def remind_command() -> None:
    """有効期限が3日以内に迫った署名依頼にリマインダーを送ります（1リンクにつき1回。cronで毎日実行）。"""
    from flask import current_app

    from app.extensions import db
    from app.notifications.mail import kick_delivery
    from app.signing.services import remind_due

    count = remind_due()
    db.session.commit()
    kick_delivery(current_app._get_current_object())
    click.echo(f"リマインダー {count}件を送信待ちにしました。")
