"""Exit 0 when the PostgreSQL server in the URL answers; creates the test database if missing."""
import sys

import psycopg
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
params = {"host": url.host or "127.0.0.1", "port": url.port or 5432,
          "user": url.username or "postgres", "connect_timeout": 3}
try:
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (url.database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{url.database}"')
except psycopg.OperationalError:
    sys.exit(1)
