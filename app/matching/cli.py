"""Command line: flask match."""
import click


@click.command("match")
def match_command() -> None:
    raise click.ClickException("not implemented yet")
