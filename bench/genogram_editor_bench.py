"""The genogram editor's routes, for families of growing size (in-process, through the Flask test client).

    .venv/bin/python bench/genogram_editor_bench.py

For each size (synthetic families, genogram.synthetic): the editor page (median ms and its size),
the drawing drawn afresh (cache cleared), served from the render cache, and revalidated (304), and
one change through a form (add a person: load, validate, store canonical JSON, commit). Runs on a
throw-away SQLite database. The last line is one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from genogram import Family, default_cache  # noqa: E402
from genogram.synthetic import synthetic_family  # noqa: E402
from supervision.extensions import db  # noqa: E402
from supervision.identity import hash_password  # noqa: E402
from supervision.models import Case, LegalStatus, Role, Team, User  # noqa: E402

SIZES = (15, 60, 300, 3000)
REPEATS = {15: 15, 60: 10, 300: 5, 3000: 2}


def _median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _measure(client, base: str, size: int) -> dict:
    repeats = REPEATS[size]
    page = client.get(base)
    assert page.status_code == 200
    editor_ms = _median_ms(lambda: client.get(base), repeats)

    def fresh() -> None:
        default_cache.clear()
        assert client.get(base + ".svg").status_code == 200

    fresh_ms = _median_ms(fresh, max(1, repeats // 2))
    tag = client.get(base + ".svg").headers["ETag"]
    cached_ms = _median_ms(lambda: client.get(base + ".svg"), repeats)
    revalidate_ms = _median_ms(lambda: client.get(base + ".svg", headers={"If-None-Match": tag}), repeats)
    counter = iter(range(10_000))

    def add() -> None:
        response = client.post(base + "/people", data={
            "person-name": f"Bench person {next(counter)}", "person-sex": "unknown", "person-kind": "person"})
        assert response.status_code == 302

    add_ms = _median_ms(add, repeats)
    return {"people": size, "editor_ms": round(editor_ms, 1), "editor_kb": len(page.data) // 1024,
            "svg_fresh_ms": round(fresh_ms, 1), "svg_cached_ms": round(cached_ms, 1),
            "svg_304_ms": round(revalidate_ms, 1), "add_person_ms": round(add_ms, 1)}


def main() -> None:
    folder = tempfile.mkdtemp(prefix="genogram-editor-bench-")
    os.environ.pop("DATABASE_URL", None)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite", "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        team = Team(name="Bench team", caseload_limit=17)
        user = User(email="bench@example.test", name="Bench", role=Role.TEAM_MANAGER, team=team,
                    password_hash=hash_password("bench password"))
        db.session.add_all([team, user])
        db.session.commit()
        cases = {}
        for size in SIZES:
            case = Case(reference=f"B-{size}", family_label=f"Family of {size}", team=team,
                        legal_status=LegalStatus.CHILD_IN_NEED,
                        genogram_json=Family.from_dict(synthetic_family(size)).to_json())
            db.session.add(case)
            db.session.commit()
            cases[size] = case.id
    client = app.test_client()
    signed_in = client.post("/sign-in", data={"email": "bench@example.test", "password": "bench password"})
    assert signed_in.status_code == 302
    rows = [_measure(client, f"/cases/{cases[size]}/genogram", size) for size in SIZES]

    header = f"{'people':>7} {'editor ms':>10} {'page KB':>8} {'svg fresh':>10} {'svg cached':>11} {'svg 304':>8} " \
             f"{'add person':>11}"
    print("Genogram editor routes (median ms, in-process test client, SQLite)")
    print(header)
    for r in rows:
        print(f"{r['people']:>7} {r['editor_ms']:>10} {r['editor_kb']:>8} {r['svg_fresh_ms']:>10} "
              f"{r['svg_cached_ms']:>11} {r['svg_304_ms']:>8} {r['add_person_ms']:>11}")
    print(json.dumps({"sizes": rows}))


if __name__ == "__main__":
    main()
