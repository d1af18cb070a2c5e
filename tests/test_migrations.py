"""Every migration upgrades and downgrades: head → base → head, on SQLite and on PostgreSQL.

The suite's own database is shared by every test, so this uses one of its own: a temp
SQLite file, and (when the suite runs on PostgreSQL) a database `supervision_migrations_test`.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import create_app
from supervision.config import Config
from supervision.extensions import db
from supervision.testdb import drop_database, ensure_database


def _targets(tmp_path) -> list[str]:
    urls = [f"sqlite:///{tmp_path / 'migrations.sqlite'}"]
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        url = sa.engine.make_url(Config.normalise_db_url(base)).set(database="supervision_migrations_test")
        urls.append(url.render_as_string(hide_password=False))
    return urls


def _tables(app) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_every_migration_upgrades_and_downgrades(tmp_path):
    for url in _targets(tmp_path):
        if url.startswith("postgresql"):
            drop_database(url)
            assert ensure_database(url), "PostgreSQL did not answer"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "k" * 32})
        with app.app_context():
            script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
            revisions = list(reversed(list(script.walk_revisions())))
            assert len(script.get_heads()) == 1, "the migrations must form one line: one head"
            models = set(db.metadata.tables)

            upgrade()
            assert _tables(app) == models, "the migrations build exactly the models' tables"
            # Step down one revision at a time, then back up: each step on its own.
            for revision in reversed(revisions):
                downgrade(revision=revision.down_revision or "base")
            assert _tables(app) == set()
            for revision in revisions:
                upgrade(revision=revision.revision)
            assert _tables(app) == models
            with db.engine.begin() as conn:  # the audit log is append-only again after the round trip
                conn.execute(sa.text("INSERT INTO audit_events (at, kind, entity, source) "
                                     "VALUES (CURRENT_TIMESTAMP, 'view', 'cases', 'test')"))
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM audit_events"))
            db.engine.dispose()
        if url.startswith("postgresql"):
            drop_database(url)
