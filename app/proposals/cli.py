"""Command line: flask proposal."""
import click


@click.command("proposal")
def proposal_command() -> None:
    raise click.ClickException("not implemented yet")
