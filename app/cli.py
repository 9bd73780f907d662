"""Registers each area's command-line commands (see the acceptance README for the contract)."""
from flask import Flask


def register(app: Flask) -> None:
    from app.advisors.cli import advisors_cli
    from app.audit.cli import audit_cli
    from app.demo.cli import seed_demo_command
    from app.documents.cli import documents_cli
    from app.matching.cli import match_command
    from app.notifications.cli import mail_cli
    from app.proposals.cli import proposal_command
    from app.signing.cli import signing_cli

    app.cli.add_command(advisors_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(match_command)
    app.cli.add_command(proposal_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(documents_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(signing_cli)
