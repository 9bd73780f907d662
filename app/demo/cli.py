"""Command line: flask seed-demo."""
import click


@click.command("seed-demo")
def seed_demo_command() -> None:
    raise click.ClickException("not implemented yet")
