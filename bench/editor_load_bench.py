"""What reading the session editor's data costs: three ways to read the same session.

    .venv/bin/python bench/editor_load_bench.py

The session editor spent about 6 ms of its 13 loading one session (docs/performance.md, fourth round).
This measures, in process on the service dataset (cached by bench/pages_bench.py), the same reads three
ways, alternating in rounds so the machine's wandering speed weighs on each alike (8 statements each):

- selectin: the session with `meetings.MEETING_IN_PROGRESS` and each of its parts by `selectinload`,
  as the editor read it before;
- parts: the session with `MEETING_IN_PROGRESS`, then `meetings.load_parts` (each part by a statement
  built once), as `sessions.editor` reads it now;
- rows: the same rows, with the same people joined, by textual statements into plain tuples: the
  floor for reading them, without ORM objects.

It prints the mean time of each and its ratio to the plain rows. The last line is one JSON object.
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

# The rows the editor shows, each part with the people it names: what the other two ways load.
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
    from sqlalchemy.orm import selectinload

    from supervision.extensions import db
    from supervision.models import Meeting
    from supervision.services.meetings import EDITOR_PARTS, MEETING_IN_PROGRESS, load_parts

    with tempfile.TemporaryDirectory(prefix="editor-load-") as tmp:
        data = SQLiteData("service", args.seed, Path(tmp))
        app, sample, _urls, _clients = signed_in_app(data.prepare())
        meeting_id = sample.live_meeting_id
        statements = {name: text(sql) for name, sql in ROWS.items()}

        selectin_options = (*MEETING_IN_PROGRESS, *(selectinload(getattr(Meeting, part)) for part in EDITOR_PARTS))

        def loaded(meeting: Meeting) -> int:
            return 1 + sum(len(getattr(meeting, part)) for part in EDITOR_PARTS)

        def selectin() -> int:
            return loaded(db.session.get(Meeting, meeting_id, options=selectin_options))

        def parts() -> int:
            meeting = db.session.get(Meeting, meeting_id, options=MEETING_IN_PROGRESS)
            load_parts(meeting)
            return loaded(meeting)

        def rows() -> int:
            return sum(len(db.session.execute(s, {"m": meeting_id}).all()) for s in statements.values())

        ways = {"selectin": selectin, "parts": parts, "rows": rows}
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

    if len(set(counts.values())) != 1:
        raise SystemExit(f"The ways read different rows: {counts}")
    mean = {name: statistics.fmean(values) for name, values in times.items()}
    print(f"\nReading session {meeting_id} for the editor ({counts['rows']} rows), in process, SQLite, "
          f"{per_round * args.rounds} loads each in {args.rounds} rounds\n")
    print(f"{'way':9} {'mean ms':>8} {'p50 ms':>8} {'÷ rows':>7}")
    for name, values in times.items():
        print(f"{name:9} {mean[name]:8.2f} {statistics.median(values):8.2f} {mean[name] / mean['rows']:7.1f}")
    print(json.dumps({"rows": counts["rows"], **{f"{name}_ms": round(value, 2) for name, value in mean.items()}}))


if __name__ == "__main__":
    main()
