"""Fixtures: one app per session on SQLite (temp file) or PostgreSQL (DATABASE_URL); every
test starts from empty tables."""
import contextvars
import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db

TESTS = Path(__file__).parent


def _test_database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tempfile.mkdtemp(prefix='pta-test-')}/test.db"


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production, even while a test holds
    one for its own queries (otherwise `g`, and the logged-in user cached in it, would leak
    from one request into the next)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app():
    os.environ["DATABASE_URL"] = _test_database_url()
    instance = tempfile.mkdtemp(prefix="pta-instance-")
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SERVER_NAME": "localhost"})
    app.instance_path = instance
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(app):
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def data_dir() -> Path:
    return TESTS / "data"
