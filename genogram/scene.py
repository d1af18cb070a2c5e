"""The finished drawing as plain shapes, lines and text, in points with y upwards (Graphviz's convention).

One Scene is built per family (drawing.py) and painted two ways: straight to SVG by paint_svg, and
through Graphviz (positions pinned, ``layout=nop2``) to PNG and PDF by paint_dot. Both painters draw
the same primitives, so every format shows the same genogram.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Stroke:
    """How a line is drawn."""

    colour: str = "#1a1a1a"
    width: float = 2.0
    dash: str = "solid"  # solid, dashed or dotted


@dataclass(slots=True)
class Line:
    """A polyline; with ``arrow_at``, it ends in an arrowhead whose tip is that point."""

    points: tuple[Point, ...]
    stroke: Stroke
    arrow_at: Point | None = None


@dataclass(slots=True)
class Shape:
    """A person's symbol: circle, box, rounded (box), diamond, triangle, or dot (small filled circle)."""

    kind: str
    x: float
    y: float
    w: float
    h: float
    double: bool = False  # subject child: a second outline
    person: str | None = None  # the person's id, for the SVG's data attribute


@dataclass(slots=True)
class Text:
    """Lines of text centred on (x, y), or starting at x when ``anchor`` is "start"."""

    x: float
    y: float
    lines: tuple[str, ...]
    size: float
    colour: str = "#1a1a1a"
    bold: bool = False
    anchor: str = "middle"
    backdrop: bool = False  # white behind the text, so lines passing under it do not hide it


@dataclass
class Scene:
    """Everything drawn, back to front: lines, then symbols, then text."""

    title: str
    lines: list[Line] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    left: float = 0.0
    bottom: float = 0.0
    right: float = 0.0
    top: float = 0.0

    def include(self, x: float, y: float) -> None:
        """Grow the bounds to take in a point."""
        self.left, self.right = min(self.left, x), max(self.right, x)
        self.bottom, self.top = min(self.bottom, y), max(self.top, y)
