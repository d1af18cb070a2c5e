"""`python -m supervision.testdb URL`: make sure a PostgreSQL test database exists.

Exits 0 when it is there (creating it if need be), 1 when no server answers.
The Makefile uses it to decide whether to run the suite against PostgreSQL.
"""

from __future__ import annotations

import os
import sys

import psycopg
from psycopg import sql


def _server(url: str) -> tuple[dict, str]:
    """Connection settings for the server's maintenance database, and the named database."""
    conninfo = psycopg.conninfo.conninfo_to_dict(url.replace("postgresql+psycopg://", "postgresql://"))
    name = conninfo.pop("dbname", "supervision_test")
    return {**conninfo, "dbname": "postgres", "autocommit": True, "connect_timeout": 3}, name


def ensure_database(url: str) -> bool:
    """Create the database named in `url` unless it exists; False when no server answers."""
    settings, name = _server(url)
    try:
        with psycopg.connect(**settings) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        print(f"PostgreSQL did not answer: {error}".strip(), file=sys.stderr)
        return False
    return True


def drop_database(url: str) -> None:
    """Drop the database named in `url` if it exists (a test run's own database)."""
    settings, name = _server(url)
    with psycopg.connect(**settings) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    ok = ensure_database(sys.argv[1])
    # On CI PostgreSQL must be there: a missing server fails the run instead of skipping it.
    if not ok and os.environ.get("CI"):
        print("CI is set and PostgreSQL is required.", file=sys.stderr)
        sys.exit(3)
    sys.exit(0 if ok else 1)
