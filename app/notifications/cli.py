"""Command line: flask mail deliver (for cron) and flask mail retry ID."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.errors import DomainError
from app.extensions import db
from app.models import OutgoingMail
from app.notifications.mail import deliver_due
from app.notifications.services import requeue

mail_cli = AppGroup("mail", help="メール送信（送信箱）")


@mail_cli.command("deliver")
@click.option("--limit", default=50, show_default=True, help="一度に送る最大件数")
def deliver_command(limit: int) -> None:
    """Send the mails that are due (run every minute from cron)."""
    click.echo(deliver_due(limit=limit).summary())


@mail_cli.command("retry")
@click.argument("mail_id", type=int)
def retry_command(mail_id: int) -> None:
    """Put a failed or waiting mail back in the queue and send what is due."""
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None:
        raise click.ClickException(f"ID {mail_id} のメールはありません。")
    try:
        requeue(mail, None)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"ID {mail_id} を送信待ちに戻しました。")
    if current_app.config.get("MAIL_SERVER"):
        click.echo(deliver_due().summary())
