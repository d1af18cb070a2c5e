"""Backup and restore of the SQLite database (PostgreSQL has pg_dump and pg_restore).

Backup uses SQLite's online backup API: a consistent copy while the app keeps
serving and writing. Restore refuses while any server process is serving the
database: each server takes a shared lock on `<database>.serving-lock` at its
first request and holds it until it exits (even on SIGKILL the kernel drops it);
restore needs the lock exclusively and holds it while it works.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

LOCK_SUFFIX = ".serving-lock"


class BackupError(Exception):
    """Something the person running the command can act on."""


def sqlite_path(uri: str) -> Path | None:
    """The file of a SQLite database URI; None for any other database."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("This database lives in memory only: there is nothing to back up.")
    return Path(url.database)


def integrity(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _revision(path: Path) -> str | None:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
    return row[0] if row else None


def backup(database: Path, destination: Path) -> int:
    """Copy the live database to `destination` (which must not exist yet). Returns its size in bytes."""
    if destination.exists():
        raise BackupError(f"{destination} already exists: choose a new file name (nothing was overwritten).")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    source = sqlite3.connect(database, timeout=30)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)  # one step: a snapshot as of one moment, writers carry on meanwhile (WAL)
    finally:
        target.close()
        source.close()
    result = integrity(partial)
    if result != "ok":
        partial.unlink()
        raise BackupError(f"The copy failed its integrity check ({result}); nothing was kept.")
    partial.rename(destination)
    return destination.stat().st_size


def restore(database: Path, source: Path, known_revisions: set[str]) -> Path:
    """Replace the database's content with the backup's. Returns the safety copy of what was there.

    Refuses, changing nothing, while a server is running on the database, when the
    file is not a sound Supervision backup, or when it comes from a newer version of the app.
    """
    if not source.is_file():
        raise BackupError(f"There is no file at {source}.")
    try:
        result = integrity(source)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} is not a SQLite database ({error}).") from error
    if result != "ok":
        raise BackupError(f"{source} failed its integrity check ({result}).")
    revision = _revision(source)
    if revision is None:
        raise BackupError(f"{source} is not a Supervision database (it has no migration version).")
    if revision not in known_revisions:
        raise BackupError(f"{source} comes from a version of the app this one does not know ({revision}). "
                          "Restore it with that version or a newer one.")
    with _exclusive(database):
        safety = database.with_name(f"{database.stem}.pre-restore-{datetime.now():%Y%m%d-%H%M%S}.sqlite")
        if database.exists():
            backup(database, safety)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(database, timeout=30)
        try:
            src.backup(dst)  # page by page into the database file, under SQLite's own locks
        finally:
            dst.close()
            src.close()
    return safety


class _exclusive:
    """The serving lock, exclusively: no server is running, and none starts while we restore."""

    def __init__(self, database: Path) -> None:
        self.path = Path(str(database) + LOCK_SUFFIX)

    def __enter__(self):
        self.file = open(self.path, "a+")  # noqa: SIM115 (held until __exit__)
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            raise BackupError("The app is running on this database: stop every server process "
                              "(gunicorn, flask run), then restore.") from None
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


def init_app(app: Flask) -> None:
    """Servers (not commands) hold the shared serving lock from their first request on."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        path = sqlite_path(uri)
    except BackupError:
        return
    if path is None:
        return
    guard = threading.Lock()

    @app.before_request
    def hold_serving_lock():
        if "serving_lock" in app.extensions:
            return
        with guard:
            if "serving_lock" not in app.extensions:
                lock = open(str(path) + LOCK_SUFFIX, "a+")  # noqa: SIM115 (held for the process's life)
                fcntl.flock(lock, fcntl.LOCK_SH)  # waits while a restore runs
                app.extensions["serving_lock"] = lock


def release_serving_lock(app: Flask) -> None:
    """Let go of the serving lock (a server shutting down; tests)."""
    lock = app.extensions.pop("serving_lock", None)
    if lock is not None:
        lock.close()
