"""Pass 1: the family's structure as DOT for ``dot`` to place, and reading back where it put things.

Only structure goes in: one box per person (symbol plus the text under it, so names get room), a
point per union between the partners, and an invisible hub one rank below each union for its children.
Order is pinned by our plan (rank=same per row, invisible ordering edges, heavy partner edges).
Emotional lines, crosses, slashes, twin bars and households are drawn later from the coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import graphviz

from genogram import dottext, labels
from genogram.model import Family
from genogram.plan import Plan

FONT = "DejaVu Sans"
NAME_SIZE = 14.0  # points: readable across a meeting room and in print
UNION_SIZE = 12.0
LINE_HEIGHT = NAME_SIZE * 1.2
SYMBOL = 44.0  # width and height of a full-size person symbol, points
TEXT_GAP = 4.0  # between a symbol and its name
PARTNER_WEIGHT = 100
HUB_WEIGHT = 20
CHILD_WEIGHT = 5


@dataclass(frozen=True)
class NodeNames:
    """Graphviz node names are generated (p3, u1, h1), never user text, so ids cannot reach DOT syntax."""

    person: dict[str, str]
    union: dict[str, str]
    hub: dict[str, str]

    @classmethod
    def of(cls, family: Family) -> NodeNames:
        return cls(
            {p.id: f"p{i}" for i, p in enumerate(family.people)},
            {u.id: f"u{i}" for i, u in enumerate(family.unions)},
            {u.id: f"h{i}" for i, u in enumerate(family.unions)},
        )


@dataclass(frozen=True)
class Box:
    """A placed node: centre and size in points, y upwards (Graphviz's own coordinates)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Positions:
    """Where dot put every node (by generated name), and the drawing's size, in points."""

    boxes: dict[str, Box]
    width: float
    height: float


def text_lines(family: Family, as_of: date) -> dict[str, list[str]]:
    """The lines under each person's symbol, by person id."""
    return {p.id: labels.person_lines(p, as_of) for p in family.people}


def box_height(lines: dict[str, list[str]]) -> float:
    """One height for every person box, so every symbol in a row sits at the same level."""
    most = max((len(v) for v in lines.values()), default=1)
    return SYMBOL + TEXT_GAP + max(most, 1) * LINE_HEIGHT + 2


def structure_dot(family: Family, plan: Plan, as_of: date, lines: dict[str, list[str]] | None = None) -> str:
    """The DOT source of the structure graph that ``dot`` lays out (pass 1); ``lines`` from text_lines()."""
    names = NodeNames.of(family)
    lines = lines if lines is not None else text_lines(family, as_of)
    # Statements are written straight into the graph's body: thousands of graph.node() calls are slow.
    # Node names and numbers are ours; the only user text is the labels, quoted by dottext.
    person_size = f'width="{SYMBOL / 72:.3f}" height="{box_height(lines) / 72:.3f}"'
    union_size = f'fontsize="{UNION_SIZE}" width="0.3" height="0.2" margin="0.04,0"'
    point = 'label="" shape="point" width="0.01"'
    hidden = point + ' style="invis"'
    graph = graphviz.Digraph("genogram")
    # mclimit near 0 skips dot's crossing-reduction passes: the order is ours (pinned below), and those
    # passes could move a union point out from between its partners (seen with Graphviz 2.43).
    graph.attr("graph", newrank="true", splines="false", nodesep="0.25", ranksep="0.3", margin="0.2",
               mclimit="0.01", fontname=FONT)
    graph.attr("node", fontname=FONT, fontsize=str(NAME_SIZE), shape="box", margin="0.06,0.02")
    graph.attr("edge", style="invis", arrowhead="none")
    body = graph.body
    unions = {u.id: u for u in family.unions}

    for row_index, row in enumerate(plan.rows):
        anchor, hub_anchor = f"r{2 * row_index}", f"r{2 * row_index + 1}"
        node_row = [anchor]
        body.append(f"\t{{\n\t\trank=same\n\t{anchor} [{hidden}]\n")
        for kind, key in row:
            if kind == "p":
                node_row.append(names.person[key])
                body.append(f"\t{names.person[key]} [label={dottext.quoted_label(*lines[key])} {person_size}]\n")
            else:
                node_row.append(names.union[key])
                text = dottext.quoted_label(labels.union_text(unions[key]))
                body.append(f"\t{names.union[key]} [label={text} {union_size}]\n")
        body.append("\t}\n")
        hubs = [names.hub[key] for kind, key in row if kind == "u" and plan.drawn_children[key]]
        body.append(f"\t{{\n\t\trank=same\n\t{hub_anchor} [{hidden}]\n")
        body.extend(f"\t{hub} [{point}]\n" for hub in hubs)
        body.append("\t}\n")
        # A spine of anchors keeps rows in order even where no child links two generations.
        body.append(f"\t{anchor} -> {hub_anchor} [weight=0]\n")
        if row_index + 1 < len(plan.rows):
            body.append(f"\t{hub_anchor} -> r{2 * row_index + 2} [weight=0]\n")
        # Invisible ordering edges pin the planned order; those joining partners to their union are heavy.
        for index in range(1, len(node_row)):
            left, right = row[index - 2] if index > 1 else None, row[index - 1]
            joined = left is not None and (_joins(left, right, unions) or _joins(right, left, unions))
            weight = PARTNER_WEIGHT if joined else 1
            body.append(f"\t{node_row[index - 1]} -> {node_row[index]} [weight={weight}]\n")
        body.extend(f"\t{a} -> {b} [weight=1]\n" for a, b in zip([hub_anchor, *hubs], hubs, strict=False))

    for union in family.unions:
        children = plan.drawn_children[union.id]
        if not children:
            continue
        hub = names.hub[union.id]
        body.append(f"\t{names.union[union.id]} -> {hub} [weight={HUB_WEIGHT}]\n")
        body.extend(f"\t{hub} -> {names.person[link.id]} [weight={CHILD_WEIGHT}]\n" for link in children)
    return graph.source


def _joins(item: tuple[str, str], other: tuple[str, str], unions: dict) -> bool:
    """True when one of two neighbours is a union point and the other is one of its partners."""
    if item[0] == "u" and other[0] == "p":
        return other[1] in unions[item[1]].partners
    return False


def parse_plain(text: str) -> Positions:
    """Read ``dot -Tplain`` output (inches, y upwards) into points."""
    boxes: dict[str, Box] = {}
    width = height = 0.0
    for line in text.splitlines():
        if line.startswith("node "):
            _, name, x, y, w, h, _rest = line.split(" ", 6)
            boxes[name] = Box(float(x) * 72, float(y) * 72, float(w) * 72, float(h) * 72)
        elif line.startswith("graph "):
            _, _scale, w, h = line.split(" ")[:4]
            width, height = float(w) * 72, float(h) * 72
    return Positions(boxes, width, height)
