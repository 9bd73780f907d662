"""Command line for advisors."""
import click
from flask.cli import AppGroup

advisors_cli = AppGroup("advisors", help="アドバイザーの管理")
