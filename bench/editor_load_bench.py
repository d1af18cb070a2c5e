"""What reading the session editor's data costs: through the ORM, as the editor does, or as plain rows.

    .venv/bin/python bench/editor_load_bench.py

The session editor spends about 6 ms of its 13 loading one session (docs/performance.md, fourth round).
This measures, in process on the service dataset (cached by bench/pages_bench.py), the same reads two
ways, alternating in rounds so the machine's wandering speed weighs on both alike:

- orm: the session with `meetings.MEETING_IN_PROGRESS`, its case, people and six collections loaded
  by the ORM (8 statements), as `sessions.editor` does today;
- rows: the same rows, with the same people joined, read by textual statements into plain tuples.

It prints the mean time of each and their ratio: what a plain-data editor could save in loading,
before any rendering. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages_bench import OUT, SQLiteData, signed_in_app  # noqa: E402

# The rows the editor shows, each part with the people it names: what MEETING_IN_PROGRESS loads.
ROWS = {
    "session, case, facilitator, presenter":
        "SELECT m.*, c.*, f.name, p.name FROM meetings m JOIN cases c ON c.id = m.case_id"
        " JOIN users f ON f.id = m.facilitator_id LEFT JOIN users p ON p.id = m.presenter_id WHERE m.id = :m",
    "participants": "SELECT u.* FROM users u JOIN meeting_participants mp ON mp.user_id = u.id"
                    " WHERE mp.meeting_id = :m",
    "map items": "SELECT * FROM map_items WHERE meeting_id = :m ORDER BY section, position",
    "danger statements": "SELECT * FROM danger_statements WHERE meeting_id = :m ORDER BY position",
    "safety goals": "SELECT * FROM safety_goals WHERE meeting_id = :m ORDER BY position",
    "scores": "SELECT s.*, u.name FROM scaling_scores s JOIN users u ON u.id = s.user_id WHERE s.meeting_id = :m",
    "actions": "SELECT a.*, u.name FROM actions a LEFT JOIN users u ON u.id = a.owner_id WHERE a.meeting_id = :m",
    "action reviews": "SELECT r.*, a.*, u.name FROM action_reviews r JOIN actions a ON a.id = r.action_id"
                      " LEFT JOIN users u ON u.id = a.owner_id WHERE r.meeting_id = :m",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=200, help="loads of each kind, in all")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    from sqlalchemy import text

    from supervision.extensions import db
    from supervision.models import Meeting
    from supervision.services.meetings import MEETING_IN_PROGRESS

    with tempfile.TemporaryDirectory(prefix="editor-load-") as tmp:
        data = SQLiteData("service", args.seed, Path(tmp))
        app, sample, _urls, _clients = signed_in_app(data.prepare())
        meeting_id = sample.live_meeting_id
        statements = {name: text(sql) for name, sql in ROWS.items()}

        def orm() -> int:
            meeting = db.session.get(Meeting, meeting_id, options=MEETING_IN_PROGRESS)
            parts = (meeting.participants, meeting.items, meeting.danger_statements, meeting.safety_goals,
                     meeting.scores, meeting.actions, meeting.action_reviews)
            return 1 + sum(len(part) for part in parts)

        def rows() -> int:
            return sum(len(db.session.execute(s, {"m": meeting_id}).all()) for s in statements.values())

        ways = {"orm": orm, "rows": rows}
        times: dict[str, list[float]] = {name: [] for name in ways}
        counts: dict[str, int] = {}
        per_round = max(1, args.loads // args.rounds)
        with app.app_context():
            for name, way in ways.items():  # warm: compiled statements, the mappers
                for _ in range(5):
                    counts[name] = way()
                    db.session.remove()
            for _ in range(args.rounds):
                for name, way in ways.items():
                    for _ in range(per_round):
                        started = time.perf_counter()
                        way()
                        times[name].append((time.perf_counter() - started) * 1000)
                        db.session.remove()
        data.finish()

    if counts["orm"] != counts["rows"]:
        raise SystemExit(f"The two ways read different rows: {counts}")
    mean = {name: statistics.fmean(values) for name, values in times.items()}
    print(f"\nReading session {meeting_id} for the editor ({counts['orm']} rows), in process, SQLite, "
          f"{per_round * args.rounds} loads each in {args.rounds} rounds\n")
    print(f"{'way':8} {'mean ms':>8} {'p50 ms':>8}")
    for name, values in times.items():
        print(f"{name:8} {mean[name]:8.2f} {statistics.median(values):8.2f}")
    ratio = mean["orm"] / mean["rows"]
    print(f"\nThe ORM takes {ratio:.1f}× as long as plain rows for the same data.")
    print(json.dumps({"rows": counts["orm"], "orm_ms": round(mean["orm"], 2), "rows_ms": round(mean["rows"], 2),
                      "ratio": round(ratio, 2)}))


if __name__ == "__main__":
    main()
