"""Where a page's time goes: pyinstrument over many requests of one or more pages, in process.

    .venv/bin/python bench/profile_pages.py case tracker "session editor"
    .venv/bin/python bench/profile_pages.py --html case      # also bench/out/profile-case.html

Uses the service dataset that bench/pages_bench.py caches under bench/out/ (built if missing), on a
copy, and the same page list (bench/pages.py). Prints pyinstrument's call tree per page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyinstrument import Profiler  # noqa: E402

from bench.pages import PAGES  # noqa: E402
from bench.pages_bench import OUT, SQLiteData, signed_in_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="+", help="page names from bench/pages.py")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--html", action="store_true", help="also write bench/out/profile-<page>.html")
    args = parser.parse_args()
    unknown = set(args.pages) - {p.name for p in PAGES}
    if unknown:
        parser.error(f"no such page: {', '.join(sorted(unknown))}")
    OUT.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="profile-pages-") as tmp:
        data = SQLiteData("service", args.seed, Path(tmp))
        _app, _sample, urls, clients = signed_in_app(data.prepare())
        for page in PAGES:
            if page.name not in args.pages:
                continue
            if urls[page.name] is None:
                print(f"{page.name}: the app has no such page yet")
                continue
            client = clients[page.user]
            for _ in range(5):  # warm: caches, compiled templates and statements
                client.get(urls[page.name])
            profiler = Profiler(interval=0.0005)
            started = time.perf_counter()
            with profiler:
                for _ in range(args.requests):
                    status = client.get(urls[page.name]).status_code
            mean = (time.perf_counter() - started) * 1000 / args.requests
            print(f"\n===== {page.name} ({urls[page.name]}): {status}, {mean:.1f} ms a request "
                  f"(profiled, in process) =====")
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            if args.html:
                (OUT / f"profile-{page.name.replace(' ', '-')}.html").write_text(profiler.output_html())
        data.finish()


if __name__ == "__main__":
    main()
