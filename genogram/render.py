"""From a Family to SVG, PNG, PDF or DOT: plan, lay out with dot, draw, paint, cache.

``dot -Tplain`` places the structure (the only layout run). The finished drawing (a Scene) is then
painted: straight to SVG by us, or through Graphviz with every position pinned (``layout=nop2``) for
PNG and PDF. The ``dot`` format is that pinned DOT: ``dot -Tsvg`` on it draws the same genogram.
"""

from __future__ import annotations

import hashlib
from datetime import date

from genogram.cache import RenderCache, default_cache
from genogram.drawing import draw
from genogram.graphviz_run import DEFAULT_TIMEOUT, run_dot
from genogram.layout import Positions, parse_plain, structure_dot, text_lines
from genogram.model import Family, load
from genogram.paint_dot import paint_dot
from genogram.paint_svg import paint_svg
from genogram.plan import plan
from genogram.scene import Scene

FORMATS = ("svg", "png", "pdf", "dot")
RENDERER_VERSION = "3"  # bump when drawings change, so cached renders are not reused


def layout_source(family: Family, *, as_of: date | None = None) -> str:
    """The structure DOT handed to ``dot`` for layout."""
    return structure_dot(family, plan(family), as_of or date.today())


def layout(family: Family, *, as_of: date | None = None, timeout: float = DEFAULT_TIMEOUT) -> Positions:
    """Where dot places every person, union point and hub (dot's layout only)."""
    text = run_dot(layout_source(family, as_of=as_of), "plain", timeout=timeout)
    return parse_plain(text.decode("utf-8"))


def scene(family: Family, *, as_of: date | None = None, timeout: float = DEFAULT_TIMEOUT) -> Scene:
    """The finished drawing: dot lays out the structure, then we place every symbol, line and label."""
    as_of = as_of or date.today()
    family_plan = plan(family)
    lines = text_lines(family, as_of)
    text = run_dot(structure_dot(family, family_plan, as_of, lines), "plain", timeout=timeout)
    return draw(family, family_plan, parse_plain(text.decode("utf-8")), as_of, lines)


def drawing_source(family: Family, *, as_of: date | None = None, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The finished, positioned DOT: ``dot -Tsvg`` (or -Tpng, -Tpdf) on it draws the genogram."""
    return paint_dot(scene(family, as_of=as_of, timeout=timeout))


def cache_key(family: Family, fmt: str, as_of: date) -> str:
    """What a render depends on: the family's content, the format, the day (ages) and this code's version."""
    text = f"{RENDERER_VERSION}\n{family.content_key}\n{fmt}\n{as_of.isoformat()}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def render(family: Family, fmt: str = "svg", *, cache: RenderCache | None = default_cache, as_of: date | None = None,
           timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The genogram as bytes in ``fmt`` (svg, png, pdf or dot), from the cache when already drawn.

    Ages are worked out on ``as_of`` (default today). Raises ValueError for an unknown format and
    RenderError when Graphviz is missing, fails or takes longer than ``timeout`` seconds.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    as_of = as_of or date.today()
    key = cache_key(family, fmt, as_of)
    if cache is not None and (cached := cache.get(key)) is not None:
        return cached
    drawing = scene(family, as_of=as_of, timeout=timeout)
    if fmt == "svg":
        data = paint_svg(drawing)
    elif fmt == "dot":
        data = paint_dot(drawing).encode("utf-8")
    else:
        data = run_dot(paint_dot(drawing), fmt, timeout=timeout)
    if cache is not None:
        cache.put(key, data)
    return data


def render_json(text: str | bytes, fmt: str = "svg", *, cache: RenderCache | None = default_cache,
                as_of: date | None = None, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Render a family straight from its JSON text; a cache hit skips even parsing and validation.

    Raises FamilyError (listing the problems) when the text is not a valid family.
    """
    fmt = fmt.lower().lstrip(".")
    as_of = as_of or date.today()
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    key = hashlib.sha256(b"json\n" + f"{RENDERER_VERSION}\n{fmt}\n{as_of.isoformat()}\n".encode() + raw).hexdigest()
    if cache is not None and (cached := cache.get(key)) is not None:
        return cached
    data = render(load(text), fmt, cache=cache, as_of=as_of, timeout=timeout)
    if cache is not None:
        cache.put(key, data)
    return data
