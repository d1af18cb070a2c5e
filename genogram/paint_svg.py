"""Paint a Scene as SVG, directly: no second Graphviz run, and every piece of user text XML-escaped here.

The SVG has a <title> (the family's title) for screen readers, white halos behind labels so lines
passing under them stay readable, and a ``data-person`` id on each symbol for the web app to use.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from genogram.scene import Line, Scene, Shape, Stroke, Text

FONT_FAMILY = "DejaVu Sans, Verdana, sans-serif"
INK = "#1a1a1a"
PAD = 20.0
_DASHES = {"solid": "", "dashed": ' stroke-dasharray="6 3"', "dotted": ' stroke-dasharray="1 4" stroke-linecap="round"'}


def paint_svg(scene: Scene) -> bytes:
    """The SVG document for a Scene, as UTF-8 bytes."""
    return _Painter(scene).paint().encode("utf-8")


class _Painter:
    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        # Scene coordinates have y upwards; SVG's go down from the top-left corner.
        self.dx, self.top = PAD - scene.left, scene.top + PAD

    def x(self, x: float) -> str:
        return f"{x + self.dx:.1f}"

    def y(self, y: float) -> str:
        return f"{self.top - y:.1f}"

    def point(self, x: float, y: float) -> str:
        return f"{x + self.dx:.1f},{self.top - y:.1f}"

    def paint(self) -> str:
        scene = self.scene
        width = scene.right - scene.left + 2 * PAD
        height = scene.top - scene.bottom + 2 * PAD
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}pt" height="{height:.0f}pt" '
            f'viewBox="0 0 {width:.1f} {height:.1f}" role="img" aria-labelledby="genogram-title">\n',
            f'<title id="genogram-title">{escape(scene.title)}</title>\n',
            '<rect width="100%" height="100%" fill="white"/>\n',
            '<g class="lines" fill="none" stroke-linejoin="round">\n',
        ]
        out.extend(self.line(line) for line in scene.lines)
        out.append(f'</g>\n<g class="symbols" fill="none" stroke="{INK}" stroke-width="2">\n')
        out.extend(self.shape(shape) for shape in scene.shapes)
        out.append(f'</g>\n<g class="labels" font-family="{FONT_FAMILY}" fill="{INK}" text-anchor="middle" '
                   'xml:space="preserve" style="white-space: pre">\n')
        out.extend(self.text(text) for text in scene.texts)
        out.append("</g>\n</svg>\n")
        return "".join(out)

    def line(self, line: Line) -> str:
        dx, top = self.dx, self.top
        path = "M" + " L".join([f"{x + dx:.1f},{top - y:.1f}" for x, y in line.points])
        svg = f'<path d="{path}" {_stroke(line.stroke)}/>\n'
        if line.arrow_at is not None:
            svg += self.arrow(line.points[-1], line.arrow_at, line.stroke.colour)
        return svg

    def arrow(self, base: tuple[float, float], tip: tuple[float, float], colour: str) -> str:
        length = math.dist(base, tip) or 1.0
        nx, ny = -(tip[1] - base[1]) / length * 4.5, (tip[0] - base[0]) / length * 4.5
        corners = [tip, (base[0] + nx, base[1] + ny), (base[0] - nx, base[1] - ny)]
        points = " ".join(self.point(x, y) for x, y in corners)
        return f'<polygon points="{points}" fill="{colour}" stroke="{colour}" stroke-width="1"/>\n'

    def shape(self, shape: Shape) -> str:
        data = f" data-person={quoteattr(shape.person)}" if shape.person is not None else ""
        svg = self.outline(shape, 0.0, data)
        if shape.double:  # subject child: a second outline just outside the first
            svg += self.outline(shape, 4.0, "")
        return svg

    def outline(self, shape: Shape, grow: float, data: str) -> str:
        x, y, hw, hh = shape.x, shape.y, shape.w / 2 + grow, shape.h / 2 + grow
        if shape.kind in ("circle", "dot"):
            fill = f' fill="{INK}"' if shape.kind == "dot" else ""
            return f'<circle cx="{self.x(x)}" cy="{self.y(y)}" r="{hw:.1f}"{fill}{data}/>\n'
        if shape.kind in ("box", "rounded"):
            corner = ' rx="7"' if shape.kind == "rounded" else ""
            return (f'<rect x="{self.x(x - hw)}" y="{self.y(y + hh)}" width="{2 * hw:.1f}" height="{2 * hh:.1f}"'
                    f"{corner}{data}/>\n")
        if shape.kind == "diamond":
            corners = [(x, y + hh), (x + hw, y), (x, y - hh), (x - hw, y)]
        else:  # triangle, point up
            corners = [(x, y + hh), (x + hw, y - hh), (x - hw, y - hh)]
        points = " ".join(self.point(px, py) for px, py in corners)
        return f'<polygon points="{points}"{data}/>\n'

    def text(self, text: Text) -> str:
        line_height = text.size * 1.2
        first = text.y + (len(text.lines) - 1) * line_height / 2
        attrs = f' font-size="{text.size:g}"'
        if text.colour != INK:
            attrs += f' fill="{text.colour}"'
        if text.bold:
            attrs += ' font-weight="bold"'
        if text.anchor != "middle":
            attrs += f' text-anchor="{text.anchor}"'
        if text.backdrop:  # a white halo, so lines passing under the words do not hide them
            attrs += ' stroke="white" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
        parts = []
        for index, words in enumerate(text.lines):
            baseline = first - index * line_height - text.size * 0.35
            parts.append(f'<text x="{self.x(text.x)}" y="{self.y(baseline)}"{attrs}>{escape(words)}</text>\n')
        return "".join(parts)


def _stroke(stroke: Stroke) -> str:
    return f'stroke="{stroke.colour}" stroke-width="{stroke.width:g}"{_DASHES[stroke.dash]}'
