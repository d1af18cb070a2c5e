"""How fast genograms render, beside Graphviz's own time on the same graph.

For made-up families of about 15, 60, 300 and 3,000 people (several generations, remarriages,
half-siblings; the same every run), prints our whole SVG render time, ``dot -Tsvg``'s time on the
structure DOT our layout produced (run as a fresh process, as a plain Graphviz user would), and the
time of a cached render; then where our time goes; and last, one JSON line:
{"sizes": [{"people": N, "ours_ms": …, "dot_ms": …, "cached_ms": …}, …]}.

Run from the repository root: ``python bench/genogram_bench.py``. Timings are medians of a few runs,
ours and dot's interleaved so that a busy machine slows both alike.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genogram import Family, RenderCache, render, render_json  # noqa: E402
from genogram.drawing import draw  # noqa: E402
from genogram.graphviz_run import dot_path, run_dot, use_workers  # noqa: E402
from genogram.layout import parse_plain, structure_dot  # noqa: E402
from genogram.paint_dot import paint_dot  # noqa: E402
from genogram.paint_svg import paint_svg  # noqa: E402
from genogram.plan import plan  # noqa: E402
from genogram.synthetic import synthetic_family  # noqa: E402

SIZES = (15, 60, 300, 3000)
AS_OF = date(2026, 11, 22)
SEED = 2026
DOT_TIMEOUT = 300.0


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _time(action, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _cpu(action, repeat: int) -> float:
    """Median CPU seconds (this process plus the child processes it ran and waited for) of an action."""
    runs = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        action()
        after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before, strict=True)))
    return statistics.median(runs)


def _dot_alone(dot_file: str) -> None:
    subprocess.run([dot_path(), "-Tsvg", dot_file], capture_output=True, check=True, timeout=DOT_TIMEOUT)


def measure(people: int) -> dict[str, float | int]:
    family = Family.from_dict(synthetic_family(people, seed=SEED))
    repeat = 2 if people >= 1000 else 5
    with tempfile.NamedTemporaryFile("w", suffix=".dot", delete=False, encoding="utf-8") as handle:
        handle.write(structure_dot(family, plan(family), AS_OF))
        dot_file = handle.name

    def ours() -> None:
        render(family, "svg", cache=None, as_of=AS_OF, timeout=DOT_TIMEOUT)

    ours()  # start the long-running dot workers, as a running app has them
    ours_runs, dot_runs = [], []
    for _ in range(repeat):
        ours_runs.append(_time(ours, 1))
        dot_runs.append(_time(lambda: _dot_alone(dot_file), 1))
    use_workers(False)
    cold = _time(ours, repeat)
    # CPU time is steadier than wall time on a shared machine; with fresh dot processes it is all counted.
    ours_cpu = _cpu(ours, repeat)
    use_workers(True)
    dot_cpu = _cpu(lambda: _dot_alone(dot_file), repeat)

    cache = RenderCache()
    render(family, "svg", cache=cache, as_of=AS_OF, timeout=DOT_TIMEOUT)
    cached = _time(lambda: render(family, "svg", cache=cache, as_of=AS_OF), 20)
    text = family.to_json()
    render_json(text, "svg", cache=cache, as_of=AS_OF, timeout=DOT_TIMEOUT)
    from_text = _time(lambda: render_json(text, "svg", cache=cache, as_of=AS_OF), 20)
    Path(dot_file).unlink()
    return {
        "people": len(family.people),
        "ours_ms": _ms(statistics.median(ours_runs)),
        "dot_ms": _ms(statistics.median(dot_runs)),
        "cached_ms": _ms(cached),
        "ours_fresh_processes_ms": _ms(cold),
        "ours_cpu_ms": _ms(ours_cpu),
        "dot_cpu_ms": _ms(dot_cpu),
        "cached_json_ms": _ms(from_text),
        "ratio": round(statistics.median(ours_runs) / statistics.median(dot_runs), 2),
    }


def breakdown(people: int) -> dict[str, float]:
    """Where one warm SVG render spends its time."""
    family = Family.from_dict(synthetic_family(people, seed=SEED))
    steps: dict[str, float] = {}
    started = time.perf_counter()
    family_plan = plan(family)
    source = structure_dot(family, family_plan, AS_OF)
    steps["plan + structure DOT (Python)"] = time.perf_counter() - started
    started = time.perf_counter()
    positions = parse_plain(run_dot(source, "plain", timeout=DOT_TIMEOUT).decode())
    steps["pass 1: dot layout (-Tplain)"] = time.perf_counter() - started
    started = time.perf_counter()
    scene = draw(family, family_plan, positions, AS_OF)
    steps["drawing: lines, overlays, key (Python)"] = time.perf_counter() - started
    started = time.perf_counter()
    paint_svg(scene)
    steps["paint SVG (Python)"] = time.perf_counter() - started
    started = time.perf_counter()
    run_dot(paint_dot(scene), "svg", timeout=DOT_TIMEOUT)
    steps["(not used for SVG) Graphviz nop2 paint, -Tsvg"] = time.perf_counter() - started
    return {name: _ms(seconds) for name, seconds in steps.items()}


def main() -> None:
    results = [measure(size) for size in SIZES]
    print(f"{'people':>7} {'ours ms':>9} {'dot ms':>9} {'ours/dot':>9} {'cached ms':>10} {'cached json ms':>15} "
          f"{'fresh-dot ms':>13} {'CPU: ours ms':>13} {'dot ms':>8} {'ours/dot':>9}")
    for row in results:
        print(f"{row['people']:>7} {row['ours_ms']:>9.1f} {row['dot_ms']:>9.1f} {row['ratio']:>9.2f} "
              f"{row['cached_ms']:>10.3f} {row['cached_json_ms']:>15.3f} {row['ours_fresh_processes_ms']:>13.1f} "
              f"{row['ours_cpu_ms']:>13.1f} {row['dot_cpu_ms']:>8.1f} {row['ours_cpu_ms'] / row['dot_cpu_ms']:>9.2f}")
    print("\nours: whole render to SVG (plan, dot layout, drawing, paint) with the long-running dot worker;")
    print("dot: `dot -Tsvg` alone, a fresh process, on the structure DOT our layout produced;")
    print("cached: render() of a family already drawn; cached json: render_json() of JSON text already drawn")
    print("(hashes the text, no parsing); fresh-dot: ours with a fresh dot process for the layout; CPU: user+system")
    print("time of ours (fresh dot) and of dot alone, steadier than wall time when the machine is busy.\n")
    for size in (300, 3000):
        print(f"Where a warm render of {size} people goes (ms):")
        for step, ms in breakdown(size).items():
            print(f"  {step:<44} {ms:>9.1f}")
    print(json.dumps({"sizes": [{key: row[key] for key in ("people", "ours_ms", "dot_ms", "cached_ms")}
                                | {key: row[key] for key in ("ratio", "ours_fresh_processes_ms", "ours_cpu_ms",
                                                            "dot_cpu_ms", "cached_json_ms")}
                                for row in results]}))


if __name__ == "__main__":
    main()
