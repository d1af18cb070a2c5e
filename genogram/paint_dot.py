"""Paint a Scene through Graphviz: positioned DOT with every node and line pinned (``layout=nop2``).

``dot -Tpng`` / ``-Tpdf`` (or any Graphviz program) on this DOT draws the genogram without laying
anything out. Lines of one style are merged into one edge with many splines (``pos="a;b;c"``), which
makes this pass far cheaper; symbols and labels are nodes at fixed positions.
"""

from __future__ import annotations

import graphviz

from genogram import dottext
from genogram.geometry import spline
from genogram.layout import FONT
from genogram.scene import Scene, Stroke, Text

INK = "#1a1a1a"
_MAX_POS = 12000  # Graphviz 2.43 rejects quoted strings over 16,384 characters
_SHAPES = {"circle": "circle", "dot": "circle", "box": "box", "rounded": "box", "diamond": "diamond",
           "triangle": "triangle"}


def paint_dot(scene: Scene) -> str:
    """The positioned DOT source for a Scene."""
    graph = graphviz.Digraph("genogram")
    graph.attr("graph", layout="nop2", outputorder="edgesfirst", bgcolor="white", pad="0.3")
    graph.attr("node", fontname=FONT, fixedsize="true", label="", penwidth="2", color=INK, fontcolor=INK)
    graph.attr("edge", arrowhead="none", arrowtail="none", penwidth="2", color=INK)
    body = graph.body  # statements go straight into the body: thousands of graph.node() calls are slow
    # Lines need end nodes; their shape comes from ``pos``, so two hidden points serve them all.
    body.append(dottext.node("z0", {"pos": "0,0", "shape": "point", "style": "invis", "width": "0.01"}))
    body.append(dottext.node("z1", {"pos": "0,0", "shape": "point", "style": "invis", "width": "0.01"}))

    merged: dict[Stroke, list[str]] = {}
    for line in scene.lines:
        if line.arrow_at is None:
            merged.setdefault(line.stroke, []).append(spline(list(line.points)))
        else:
            tip = f"e,{line.arrow_at[0]:.1f},{line.arrow_at[1]:.1f} "
            body.append(dottext.edge("z0", "z1", {"pos": tip + spline(list(line.points)), **_stroke(line.stroke),
                                                  "arrowhead": "normal"}))
    for stroke, splines in merged.items():
        chunk: list[str] = []
        size = 0
        for pos in splines:
            if chunk and size + len(pos) > _MAX_POS:
                body.append(dottext.edge("z0", "z1", {"pos": ";".join(chunk), **_stroke(stroke)}))
                chunk, size = [], 0
            chunk.append(pos)
            size += len(pos) + 1
        body.append(dottext.edge("z0", "z1", {"pos": ";".join(chunk), **_stroke(stroke)}))

    count = 0
    for shape in scene.shapes:
        count += 1
        attrs = {"pos": f"{shape.x:.1f},{shape.y:.1f}", "shape": _SHAPES[shape.kind],
                 "width": f"{shape.w / 72:.3f}", "height": f"{shape.h / 72:.3f}"}
        if shape.kind == "dot":
            attrs.update(style="filled", fillcolor=INK)
        elif shape.kind == "rounded":
            attrs["style"] = "rounded"
        if shape.double:
            attrs["peripheries"] = "2"
        body.append(dottext.node(f"s{count}", attrs))
    for text in scene.texts:
        count += 1
        body.append(dottext.node(f"t{count}", _text(text)))
    return graph.source


def _stroke(stroke: Stroke) -> dict[str, str]:
    return {"color": stroke.colour, "penwidth": f"{stroke.width:g}", "style": stroke.dash}


def _text(text: Text) -> dict[str, str]:
    attrs = {"shape": "plaintext", "fontsize": f"{text.size:g}", "margin": "0.02,0"}
    if text.anchor == "start":
        # Left-aligned: a box of the estimated width whose lines end in "\l", placed to start at x.
        width = max(len(line) for line in text.lines) * text.size * 0.62
        attrs.update(label=dottext.label(*text.lines, left=True), width=f"{width / 72:.3f}",
                     height=f"{len(text.lines) * text.size * 1.3 / 72:.3f}",
                     pos=f"{text.x + width / 2:.1f},{text.y:.1f}")
    else:
        attrs.update(label=dottext.label(*text.lines), fixedsize="false", width="0", height="0",
                     pos=f"{text.x:.1f},{text.y:.1f}")
    if text.colour != INK:
        attrs["fontcolor"] = text.colour
    if text.bold:
        attrs["fontname"] = f"{FONT} Bold"
    if text.backdrop:
        attrs.update(style="filled", fillcolor="white")
    return attrs
