"""Opt-in statement timing, for benchmarks: SUPERVISION_PROFILE_SQL=/path/prefix.

Each server process times every SQL statement it sends (engine events) and keeps, per statement
text, how often it ran, its fastest, mean and slowest time, with the parameters of the slowest run; it
writes them to `<prefix>.<pid>.json` when the process exits, so the writing (a few ms of JSON) never
lands inside a request being measured.
bench/pages_bench.py reads these files and prints the query plan of the slowest statement.

For development only: the file holds statement parameters, so never set it on live data.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time

from flask import Flask
from sqlalchemy import event

from supervision.extensions import db


class StatementTimes:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.stats: dict[str, dict] = {}

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info.setdefault("profile_started", []).append(time.perf_counter())

    def after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        elapsed = (time.perf_counter() - conn.info["profile_started"].pop()) * 1000
        with self.lock:
            row = self.stats.get(statement)
            if row is None:
                row = self.stats[statement] = {"statement": statement, "count": 0, "total_ms": 0.0, "max_ms": 0.0,
                                               "min_ms": elapsed, "parameters": None, "dialect": conn.dialect.name}
            row["count"] += 1
            row["total_ms"] += elapsed
            row["min_ms"] = min(row["min_ms"], elapsed)
            if elapsed >= row["max_ms"]:
                row["max_ms"] = elapsed
                row["parameters"] = parameters

    def write(self) -> None:
        with self.lock:
            rows = [dict(row, mean_ms=row["total_ms"] / row["count"]) for row in self.stats.values()]
        target = f"{self.path}.{os.getpid()}.json"
        with open(target + ".tmp", "w") as out:
            json.dump(sorted(rows, key=lambda r: -r["mean_ms"]), out, default=str)
        os.replace(target + ".tmp", target)


def init_app(app: Flask) -> None:
    path = os.environ.get("SUPERVISION_PROFILE_SQL")
    if not path:
        return
    times = StatementTimes(path)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", times.before)
        event.listen(db.engine, "after_cursor_execute", times.after)
    atexit.register(times.write)
