"""Rendering: hostile names drawn as written, every format, determinism, the key, the cache, the text."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from conftest import AS_OF, EXAMPLES, example, example_dict, small_family

from genogram import Family, RenderCache, render, text_alternative
from genogram.graphviz_run import use_workers
from genogram.render import drawing_source

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    '"]; evil -> x [label="',
    "<script>alert(1)</script>",
    "{}",
    "\\",
    "back\\slash \\N \\G \\l",
    "Zoë 👶🏽 &amp; &lt;b&gt; &",
    "مريم أحمد",
    "שרה כהן",
    "<<b>bold</b>>",
    "-- comment --> <!-- x",
]


def svg_tree(data: bytes) -> ET.Element:
    return ET.fromstring(data)


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def shape_counts(root: ET.Element) -> Counter[str]:
    return Counter(el.tag for el in root.iter())


def family_named(names: list[str], title: str = "Hostile names", household: str = "Home") -> Family:
    data = small_family(title=title)
    data["people"] = [{"id": f"p{i}", "name": name, "sex": "female", "born": "2010"} for i, name in enumerate(names)]
    data["unions"] = []
    data["households"] = [{"id": "h", "name": household}]
    data["people"][0]["household"] = "h"
    return Family.from_dict(data)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_drawn_as_written_and_change_nothing(name: str) -> None:
    hostile = svg_tree(render(family_named([name, "Plain Name"], title=name), "svg", cache=None, as_of=AS_OF))
    benign = re.sub(r"\S", "x", name)  # same words, same lengths: the same wrapping and layout
    plain = svg_tree(render(family_named([benign, "Plain Name"], title=benign), "svg", cache=None, as_of=AS_OF))
    drawn = texts(hostile)
    assert drawn.count(name) == 2  # the person's label and the heading
    assert "Plain Name" in drawn
    assert hostile.find(f"{SVG}title").text == name  # the SVG's own title
    # Same elements, same number of each: nothing was added or removed by the name.
    assert shape_counts(hostile) == shape_counts(plain)
    assert not list(hostile.iter(f"{SVG}script"))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_household_names(name: str) -> None:
    root = svg_tree(render(family_named(["Amy", "Bea"], household=name), "svg", cache=None, as_of=AS_OF))
    assert name in " ".join(texts(root))  # wrapped to fit its outline, words as written
    plain = svg_tree(render(family_named(["Amy", "Bea"], household="Home"), "svg", cache=None, as_of=AS_OF))
    assert +(shape_counts(root) - shape_counts(plain)) <= Counter({f"{SVG}text": 3})  # only wrapped lines differ
    assert shape_counts(plain) - shape_counts(root) == Counter()


def test_newline_in_a_name_is_a_line_break_and_nothing_else() -> None:
    root = svg_tree(render(family_named(["Two\nLines", "Other"]), "svg", cache=None, as_of=AS_OF))
    drawn = texts(root)
    assert "Two" in drawn and "Lines" in drawn


def test_hostile_example_renders_in_every_format() -> None:
    family = example("hostile-names")
    assert render(family, "png", cache=None, as_of=AS_OF).startswith(b"\x89PNG\r\n\x1a\n")
    assert render(family, "pdf", cache=None, as_of=AS_OF).startswith(b"%PDF-")
    svg_tree(render(family, "svg", cache=None, as_of=AS_OF))
    assert render(family, "dot", cache=None, as_of=AS_OF).startswith(b"digraph genogram {")


@pytest.mark.parametrize("name", ["small", "remarriage", "twins", "care"])
def test_examples_render_to_valid_svg_with_title(name: str) -> None:
    family = example(name)
    root = svg_tree(render(family, "svg", cache=None, as_of=AS_OF))
    assert root.find(f"{SVG}title").text == family.title
    assert family.title in texts(root)


def test_labels_show_names_and_ages() -> None:
    # Graphviz writes a double space as space + no-break space.
    drawn = [text.replace("\xa0", " ") for text in texts(svg_tree(render(example("remarriage"), "svg", cache=None,
                                                                          as_of=AS_OF)))]
    for words in ("Kayla Smith", "b. 2016", "10", "1950–2019 (69)", "m. 2014, div. 2020", "lt. 2021", "due 2027-03",
                  "(non-binary)", "Mum's home"):
        assert words in drawn
    assert not any("heart attack" in text for text in drawn)  # notes stay out of the drawing


def test_key_shows_only_symbols_used() -> None:
    small = texts(svg_tree(render(example("small"), "svg", cache=None, as_of=AS_OF)))
    twins = texts(svg_tree(render(example("twins"), "svg", cache=None, as_of=AS_OF)))
    assert {"Key", "Female", "Male", "Subject child", "Married", "Close", "Household (live together)"} <= set(small)
    for absent in ("Twins", "Divorced", "Abuse (arrow to the person harmed)", "Deceased", "Non-binary"):
        assert absent not in small
    assert {"Twins", "Identical twins", "Miscarriage", "Stillbirth", "Separated", "Deceased", "Conflict"} <= set(twins)
    assert "Divorced" not in twins


def test_drawing_is_deterministic_with_or_without_the_dot_worker() -> None:
    family = example("remarriage")
    first = render(family, "svg", cache=None, as_of=AS_OF)
    render(example("care"), "svg", cache=None, as_of=AS_OF)  # the worker has drawn something else since
    assert render(family, "svg", cache=None, as_of=AS_OF) == first
    use_workers(False)
    try:
        assert render(family, "svg", cache=None, as_of=AS_OF) == first
        pdf = render(family, "pdf", cache=None, as_of=AS_OF)
        time.sleep(1.05)  # the clock's second has moved on: the PDF's own date must not follow it
        assert render(family, "pdf", cache=None, as_of=AS_OF) == pdf
    finally:
        use_workers(True)


def test_ages_follow_as_of() -> None:
    family = example("small")
    before = texts(svg_tree(render(family, "svg", cache=None, as_of=AS_OF)))
    after = texts(svg_tree(render(family, "svg", cache=None, as_of=AS_OF.replace(year=2027))))
    assert "9" in before and "10" not in before  # Ada, born 2017-03-02
    assert "10" in after


def test_cache_hit_and_miss() -> None:
    cache = RenderCache(max_entries=4)
    family = example("small")
    first = render(family, "svg", cache=cache, as_of=AS_OF)
    assert (cache.hits, cache.misses) == (0, 1)
    timings = []
    for _ in range(5):  # the best of a few, so a busy machine's pauses do not decide the result
        rebuilt = Family.from_dict(example_dict("small"))
        started = time.perf_counter()
        again = render(rebuilt, "svg", cache=cache, as_of=AS_OF)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.005
    assert again == first and (cache.hits, cache.misses) == (5, 1)
    changed = example_dict("small")
    changed["people"][0]["name"] = "Grace Okafor-Bello"
    assert render(Family.from_dict(changed), "svg", cache=cache, as_of=AS_OF) != first
    assert cache.misses == 2
    render(family, "png", cache=cache, as_of=AS_OF)  # another format is another entry
    assert cache.misses == 3


def test_cache_is_bounded() -> None:
    cache = RenderCache(max_entries=2)
    for key in "abc":
        cache.put(key, key.encode())
    assert len(cache) == 2 and cache.get("a") is None and cache.get("c") == b"c"
    small = RenderCache(max_bytes=10)
    small.put("a", b"123456")
    small.put("b", b"123456")
    assert small.get("a") is None and small.get("b") == b"123456"


def test_directory_cache_is_shared(tmp_path) -> None:
    family = example("small")
    first = render(family, "svg", cache=RenderCache(directory=tmp_path), as_of=AS_OF)
    other_process = RenderCache(directory=tmp_path)
    assert render(family, "svg", cache=other_process, as_of=AS_OF) == first
    assert other_process.hits == 1 and other_process.misses == 0


def test_positioned_dot_has_everything_pinned() -> None:
    source = drawing_source(example("remarriage"), as_of=AS_OF)
    assert "layout=nop2" in source
    assert "splines" not in source  # nothing left for Graphviz to route


def test_unknown_format() -> None:
    with pytest.raises(ValueError):
        render(example("small"), "gif", cache=None)


def test_text_alternative() -> None:
    text = text_alternative(example("remarriage"), as_of=AS_OF)
    assert ("Kayla Smith (female, born 2016, age 10, subject child) — daughter of Dean Smith and Amy Jones, who are "
            "divorced; lives in 'Mum's home'.") in text.splitlines()
    assert "Ron Smith (male, born 1950, died 2019, aged 69)." in text.splitlines()
    assert "Lee Carter is abusive towards Amy Jones (Amy Jones is the person harmed)." in text.splitlines()
    assert "Dean Smith and Amy Jones: married in 2014, then divorced in 2020; children: Kayla Smith, Jayden Smith." \
        in text.splitlines()
    twins = text_alternative(example("twins"), as_of=AS_OF)
    assert "identical twin of Rohan Patel" in twins and "twin of Diya Patel" in twins
    care = text_alternative(example("care"), as_of=AS_OF)
    assert "in kinship care with Bill Walker and Joan Walker" in care
    assert "fostered by Mike Hughes and Sarah Hughes" in care
    assert "adopted child of Chris Evans and Dan Evans" in care


def test_graphviz_errors_and_timeouts_are_render_errors_and_the_worker_recovers() -> None:
    from genogram import RenderError
    from genogram.graphviz_run import run_dot
    from genogram.synthetic import synthetic_family

    with pytest.raises(RenderError, match="failed to draw"):
        run_dot("digraph { a -> }", "svg")
    big = drawing_source(Family.from_dict(synthetic_family(300, seed=2)), as_of=AS_OF)
    with pytest.raises(RenderError, match="took longer than 0.001 seconds"):
        run_dot(big.replace("layout=nop2", "layout=dot"), "svg", timeout=0.001)
    assert run_dot("digraph { a -> b }", "plain").endswith(b"stop\n")
    svg_tree(render(example("small"), "svg", cache=None, as_of=AS_OF))


def test_render_json_caches_by_the_text() -> None:
    from genogram import FamilyError, render_json

    cache = RenderCache()
    text = (Path(EXAMPLES) / "small.json").read_text(encoding="utf-8")
    first = render_json(text, "svg", cache=cache, as_of=AS_OF)
    assert first == render(example("small"), "svg", cache=None, as_of=AS_OF)
    hits = cache.hits
    assert render_json(text, "svg", cache=cache, as_of=AS_OF) == first
    assert cache.hits == hits + 1
    with pytest.raises(FamilyError):
        render_json('{"title": 1}', "svg", cache=cache)


def test_svg_and_graphviz_paint_the_same_drawing() -> None:
    """Our SVG and Graphviz's rendering of the pinned DOT (used for PNG/PDF) show the same words."""
    import subprocess

    for name in ("remarriage", "hostile-names"):
        family = example(name)
        ours = texts(svg_tree(render(family, "svg", cache=None, as_of=AS_OF)))
        dot = render(family, "dot", cache=None, as_of=AS_OF)
        theirs = texts(svg_tree(subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, check=True,
                                               timeout=60).stdout))
        assert sorted(t.replace("\xa0", " ") for t in ours) == sorted(t.replace("\xa0", " ") for t in theirs)


def test_concurrent_renders_match_one_at_a_time() -> None:
    from concurrent.futures import ThreadPoolExecutor

    names = ["small", "remarriage", "twins", "care"] * 2
    alone = {name: render(example(name), "svg", cache=None, as_of=AS_OF) for name in set(names)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda name: render(example(name), "svg", cache=None, as_of=AS_OF), names))
    assert together == [alone[name] for name in names]
