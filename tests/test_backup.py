"""`flask backup` while the app writes, `flask restore` and what it refuses (docs/operations.md)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app import create_app
from supervision.backup import release_serving_lock
from supervision.extensions import db


@pytest.fixture()
def live(tmp_path):
    """An app on a SQLite file of its own, migrated, with one team in it."""
    path = tmp_path / "live.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True, "SECRET_KEY": "k" * 32,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        db.session.execute(db.text("INSERT INTO teams (name, caseload_limit) VALUES ('Before', 17)"))
        db.session.commit()
    yield app, path
    release_serving_lock(app)
    with app.app_context():
        db.engine.dispose()


def _teams(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [name for (name,) in conn.execute("SELECT name FROM teams ORDER BY id")]


def _run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_backup_is_consistent_while_the_app_keeps_writing(live, tmp_path):
    app, path = live
    stop, written = threading.Event(), []

    def keep_writing():
        conn = sqlite3.connect(path, timeout=30)
        n = 0
        while not stop.is_set():
            n += 1
            with conn:  # one transaction per team, like a request
                conn.execute("INSERT INTO teams (name, caseload_limit) VALUES (?, 17)", (f"Team {n}",))
            written.append(n)
        conn.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 50:
            threading.Event().wait(0.01)
        result = _run(app, "backup", str(tmp_path / "copy.sqlite"))
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output
    copy = _teams(tmp_path / "copy.sqlite")
    # A snapshot of one moment: every team up to some n, none missing in between.
    assert copy == ["Before"] + [f"Team {n}" for n in range(1, len(copy))]
    assert len(copy) - 1 >= 50 and len(_teams(path)) - 1 == len(written)
    with sqlite3.connect(tmp_path / "copy.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_never_overwrites(live, tmp_path):
    app, _ = live
    target = tmp_path / "copy.sqlite"
    target.write_text("precious")
    result = _run(app, "backup", str(target))
    assert result.exit_code != 0 and "already exists" in result.output
    assert target.read_text() == "precious"


def test_restore_brings_back_the_backup_and_keeps_what_was_there(live, tmp_path):
    app, path = live
    assert _run(app, "backup", str(tmp_path / "monday.sqlite")).exit_code == 0
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO teams (name, caseload_limit) VALUES ('Added on Tuesday', 17)")
    result = _run(app, "restore", str(tmp_path / "monday.sqlite"), input="y\n")
    assert result.exit_code == 0, result.output
    assert _teams(path) == ["Before"]
    safety = next(tmp_path.glob("live.pre-restore-*.sqlite"))
    assert _teams(safety) == ["Before", "Added on Tuesday"]
    assert str(safety) in result.output
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_restore_asks_first(live, tmp_path):
    app, path = live
    _run(app, "backup", str(tmp_path / "monday.sqlite"))
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO teams (name, caseload_limit) VALUES ('Kept', 17)")
    result = _run(app, "restore", str(tmp_path / "monday.sqlite"), input="n\n")
    assert result.exit_code != 0 and "Kept" in _teams(path)


def test_restore_refuses_while_the_app_is_serving(live, tmp_path):
    app, path = live
    _run(app, "backup", str(tmp_path / "monday.sqlite"))
    assert app.test_client().get("/healthz").status_code == 200  # now this process serves the database
    result = _run(app, "restore", "--yes", str(tmp_path / "monday.sqlite"))
    assert result.exit_code != 0 and "The app is running on this database" in result.output
    release_serving_lock(app)  # the server stops
    assert _run(app, "restore", "--yes", str(tmp_path / "monday.sqlite")).exit_code == 0


@pytest.mark.parametrize("content, message", [
    (None, "There is no file"),
    (b"just some text, not a database" * 100, "not a SQLite database"),
    ("empty-db", "not a Supervision database"),
    ("future", "a version of the app this one does not know"),
])
def test_restore_refuses_what_is_not_a_sound_backup(live, tmp_path, content, message):
    app, path = live
    candidate = tmp_path / "candidate.sqlite"
    if content == "empty-db":
        sqlite3.connect(candidate).execute("CREATE TABLE t (x)").connection.close()
    elif content == "future":
        _run(app, "backup", str(candidate))
        with sqlite3.connect(candidate) as conn:
            conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    elif content is not None:
        candidate.write_bytes(content)
    result = _run(app, "restore", "--yes", str(candidate))
    assert result.exit_code != 0 and message in result.output, result.output
    assert _teams(path) == ["Before"]


def test_on_postgresql_backup_and_restore_point_to_pg_dump(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:5432/unused",
                      "TESTING": True, "SECRET_KEY": "k" * 32})
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.sqlite")])
    assert result.exit_code == 2 and "pg_dump" in result.output and not (tmp_path / "x.sqlite").exists()
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "x.sqlite")])
    assert result.exit_code == 2 and "pg_restore" in result.output
