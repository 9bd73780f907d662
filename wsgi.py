"""WSGI entry point: `flask --app wsgi run` or a WSGI server pointing at wsgi:app."""
from app import create_app

app = create_app()
