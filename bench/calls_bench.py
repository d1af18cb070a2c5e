"""Python function calls per request of every main page: the same count on any machine, any minute.

    .venv/bin/python bench/calls_bench.py
    .venv/bin/python bench/calls_bench.py --pages "case,session editor"

Time on a shared 2-core machine wanders by a third from one minute to the next; the number of
Python calls a request makes does not, and a page's CPU time follows it closely. So this is the
figure to compare two versions of the code by (run it on each). It opens each page of bench/pages.py
in process (the test client, signed in) on the small demo and on the service dataset (both cached
by bench/pages_bench.py), counts the calls of 10 requests after 5 warm-up ones with cProfile, and
prints calls per request, the ratio to `/healthz` in the same run, and how each page grows from the
small demo to the service. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import PAGES  # noqa: E402
from bench.pages_bench import OUT, SQLiteData, signed_in_app  # noqa: E402

REQUESTS = 10
WARMUP = 5


def calls_per_request(client, url: str) -> int:
    for _ in range(WARMUP):  # compiled templates and statements, caches
        if client.get(url).status_code != 200:
            raise RuntimeError(f"{url} does not answer 200")
    profile = cProfile.Profile()
    with profile:
        for _ in range(REQUESTS):
            client.get(url)
    return pstats.Stats(profile).total_calls // REQUESTS


def count(kind: str, names: list[str], workdir: Path) -> dict[str, int]:
    data = SQLiteData(kind, 2026, workdir)
    app, _sample, urls, clients = signed_in_app(data.prepare())
    counts = {"/healthz": calls_per_request(app.test_client(), "/healthz")}
    for page in PAGES:
        if page.name in names and urls[page.name]:
            counts[page.name] = calls_per_request(clients[page.user], urls[page.name])
    data.finish()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", help="comma-separated page names (default: all of bench/pages.py)")
    args = parser.parse_args()
    names = [p.name for p in PAGES]
    if args.pages:
        names = [n.strip() for n in args.pages.split(",")]
        unknown = set(names) - {p.name for p in PAGES}
        if unknown:
            parser.error(f"no such page: {', '.join(sorted(unknown))}")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="calls-bench-") as tmp:
        small = count("small", names, Path(tmp))
        service = count("service", names, Path(tmp))

    floor = service["/healthz"]
    print(f"\nPython calls per request, in process (mean of {REQUESTS} after {WARMUP} warm-up; SQLite)\n")
    print(f"{'page':16} {'small demo':>11} {'service':>9} {'÷ healthz':>10} {'growth':>7}")
    pages = []
    for name in ["/healthz", *names]:
        if name not in service:
            print(f"{name:16} the app has no such page yet")
            continue
        growth = service[name] / small[name]
        print(f"{name:16} {small[name]:>11,} {service[name]:>9,} {service[name] / floor:>10.0f} {growth:>6.2f}×")
        if name != "/healthz":
            pages.append({"name": name, "small": small[name], "service": service[name],
                          "growth": round(growth, 2)})
    print(json.dumps({"pages": pages, "healthz_calls": floor}))


if __name__ == "__main__":
    main()
