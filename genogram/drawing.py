"""The finished genogram as a Scene: symbols, names, lines and the key, placed from dot's layout.

Everything is computed here from the coordinates of pass 1: partner and child lines in genogram style,
and what dot cannot lay out well (emotional lines, deceased crosses, separation slashes, twin bars,
household outlines), plus a key of the symbols used. paint_svg and paint_dot then draw the Scene.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from datetime import date

from genogram import labels
from genogram.geometry import Point, bezier, offset, outline, point_at, sub_path, toward, zigzag
from genogram.layout import LINE_HEIGHT, NAME_SIZE, SYMBOL, TEXT_GAP, NodeNames, Positions, text_lines
from genogram.model import (
    ChildLink,
    ChildRelation,
    Family,
    Kind,
    Person,
    RelationshipKind,
    Sex,
    UnionStatus,
    UnionType,
)
from genogram.plan import Plan
from genogram.scene import Line, Scene, Shape, Stroke, Text

INK = "#1a1a1a"
SMALL_SIZE = 12.0
TITLE_SIZE = 22.0
HOUSEHOLD_COLOUR = "#00796b"
PLAIN = Stroke()

_UNION_STYLE = {
    UnionType.MARRIED: PLAIN,
    UnionType.COHABITING: Stroke(dash="dashed"),
    UnionType.PARTNERS: Stroke(dash="dotted"),
    UnionType.UNKNOWN: Stroke(colour="#777777"),
}
_CHILD_STYLE = {
    ChildRelation.BIOLOGICAL: PLAIN,
    ChildRelation.ADOPTED: Stroke(dash="dashed"),
    ChildRelation.FOSTER: Stroke(dash="dotted"),
    ChildRelation.KINSHIP: Stroke(colour="#2e7d32", dash="dotted"),
    ChildRelation.STEP: Stroke(colour="#888888", dash="dashed"),
}
_HOUSEHOLD_STROKE = Stroke(colour=HOUSEHOLD_COLOUR, width=1.5, dash="dashed")
_RELATIONSHIP_COLOUR = {
    RelationshipKind.CLOSE: "#2e7d32",
    RelationshipKind.VERY_CLOSE: "#2e7d32",
    RelationshipKind.DISTANT: "#1565c0",
    RelationshipKind.CONFLICT: "#e65100",
    RelationshipKind.HOSTILE: "#c62828",
    RelationshipKind.ABUSE: "#6a1b9a",
    RelationshipKind.CUT_OFF: "#424242",
}

# The key, in the order it is shown: (feature, words).
KEY_ENTRIES = [
    ("female", "Female"),
    ("male", "Male"),
    ("nonbinary", "Non-binary"),
    ("unknown", "Sex not known"),
    ("subject", "Subject child"),
    ("deceased", "Deceased"),
    ("pregnancy", "Pregnancy"),
    ("miscarriage", "Miscarriage"),
    ("stillbirth", "Stillbirth"),
    ("married", "Married"),
    ("cohabiting", "Living together"),
    ("partners", "Partners, not living together"),
    ("union-unknown", "Partnership (type not known)"),
    ("separated", "Separated"),
    ("divorced", "Divorced"),
    ("adopted", "Adopted"),
    ("foster", "Fostered"),
    ("kinship", "Kinship care"),
    ("step", "Step-child"),
    ("twins", "Twins"),
    ("identical", "Identical twins"),
    ("close", "Close"),
    ("very-close", "Very close"),
    ("distant", "Distant"),
    ("conflict", "Conflict"),
    ("hostile", "Hostile"),
    ("abuse", "Abuse (arrow to the person harmed)"),
    ("cut-off", "Cut off"),
    ("household", "Household (live together)"),
]


@dataclass(frozen=True)
class Symbol:
    """A drawn person symbol: centre and half sizes, in points."""

    x: float
    y: float
    half_w: float
    half_h: float

    @property
    def top(self) -> float:
        return self.y + self.half_h

    def edge_toward(self, other: Point) -> Point:
        """Where a line from the centre toward ``other`` leaves the symbol."""
        return toward((self.x, self.y), other, max(self.half_w, self.half_h) + 2)


class Drawing:
    """Builds the Scene for one family."""

    def __init__(self, family: Family, plan: Plan, positions: Positions, as_of: date,
                 lines: dict[str, list[str]] | None = None) -> None:
        self.family, self.plan, self.positions, self.as_of = family, plan, positions, as_of
        self.lines = lines if lines is not None else text_lines(family, as_of)
        self.names = NodeNames.of(family)
        self.scene = Scene(family.title, right=positions.width, top=positions.height)
        self.used: set[str] = set()
        self.symbols: dict[str, Symbol] = {}
        self.text_bottom: dict[str, float] = {}
        self.bar_lift: dict[str, float] = {}
        self.unions = {u.id: u for u in family.unions}
        self.place = {item[1]: (row, index) for row, items in enumerate(plan.rows) for index, item in enumerate(items)
                      if item[0] == "p"}
        self.drawn_parents: dict[str, list[str]] = {p.id: [] for p in family.people}
        for union in family.unions:
            for link in plan.drawn_children[union.id]:
                self.drawn_parents[link.id].append(union.id)

    # --- primitives ------------------------------------------------------------------------------

    def line(self, points: list[Point], stroke: Stroke = PLAIN, arrow_at: Point | None = None) -> None:
        self.scene.lines.append(Line(tuple(points), stroke, arrow_at))

    def text(self, x: float, y: float, lines: list[str], size: float = NAME_SIZE, **options: object) -> None:
        self.scene.texts.append(Text(x, y, tuple(lines), size, **options))  # type: ignore[arg-type]

    # --- the family ------------------------------------------------------------------------------

    def build(self) -> Scene:
        """The finished Scene."""
        for person in self.family.people:
            self.person(person, self.lines[person.id])
        self.plan_bars()
        for union in self.family.unions:
            self.union(union.id)
        for rel in self.family.relationships:
            self.relationship(rel.source, rel.target, rel.kind)
        self.households()
        self.key()
        self.text(self.positions.width / 2, self.scene.top + 34, [self.family.title], size=TITLE_SIZE)
        self.scene.top += 52  # room for the title
        return self.scene

    def person(self, person: Person, lines: list[str]) -> None:
        box = self.positions.boxes[self.names.person[person.id]]
        x, y = box.x, box.top - SYMBOL / 2
        symbol = self.symbol(x, y, person)
        self.symbols[person.id] = symbol
        depth = len(lines) * LINE_HEIGHT
        self.text_bottom[person.id] = min(box.top - SYMBOL - TEXT_GAP - depth, y - symbol.half_h)
        if lines:
            self.text(x, box.top - SYMBOL - TEXT_GAP - depth / 2, lines, backdrop=True)

    def symbol(self, x: float, y: float, person: Person, scale: float = 1.0) -> Symbol:
        """Draw a person's symbol at (x, y); return its extent. Also used, smaller, in the key."""
        size = SYMBOL * scale
        kind, width, height, inside = _SHAPES[person.sex], size, size, labels.symbol_text(person, self.as_of)
        if person.sex is Sex.NONBINARY:
            width = height = size * 1.2
        if person.kind is Kind.PREGNANCY:
            kind, width, height, inside = "triangle", size * 0.85, size * 0.8, ""
        elif person.kind is Kind.MISCARRIAGE:
            kind, width, height, inside = "dot", size * 0.35, size * 0.35, ""
        elif person.kind is Kind.STILLBIRTH:
            width, height, inside = size * 0.55, size * 0.55, ""
        self.used.add(person.sex.value if person.kind is Kind.PERSON else person.kind.value)
        if person.subject:
            self.used.add("subject")
        if scale < 1:
            inside = "?" if person.sex is Sex.UNKNOWN and person.kind is Kind.PERSON else ""
        self.scene.shapes.append(Shape(kind, x, y, width, height, person.subject, person.id if scale == 1 else None))
        if inside:
            self.text(x, y, [inside], size=NAME_SIZE * (1 if scale == 1 else 0.7))
        if person.kind is Kind.STILLBIRTH or (person.deceased and person.kind is Kind.PERSON):
            self.cross(x, y, width / 2 + 5)
            if person.kind is Kind.PERSON:
                self.used.add("deceased")
        extra = 4.0 if person.subject else 0.0
        return Symbol(x, y, width / 2 + extra, height / 2 + extra)

    def cross(self, x: float, y: float, half: float) -> None:
        self.line([(x - half, y + half), (x + half, y - half)])
        self.line([(x - half, y - half), (x + half, y + half)])

    # --- partnerships and children ---------------------------------------------------------------

    def union(self, uid: str) -> None:
        union = self.unions[uid]
        ux = self.positions.boxes[self.names.union[uid]].x
        partners = sorted((self.symbols[p] for p in union.partners), key=lambda s: s.x)
        y = partners[0].y
        style = _UNION_STYLE[union.type]
        trunk_top = y
        if len(partners) == 1:  # one known parent: a short plain line to the point the children hang from
            only = partners[0]
            side = only.x + only.half_w if ux >= only.x else only.x - only.half_w
            self.line([(side, y), (ux, y)])
        else:
            self.used.add("union-unknown" if union.type is UnionType.UNKNOWN else union.type.value)
            left, right = partners
            between = self._between(union.partners)
            if between:
                trunk_top = max(left.top, right.top) + 12 + 6 * min(between, 4)
                self.line([(left.x, left.top), (left.x, trunk_top), (right.x, trunk_top), (right.x, right.top)], style)
            elif abs(left.y - right.y) > 1:
                self.line([left.edge_toward((right.x, right.y)), right.edge_toward((left.x, left.y))], style)
            else:
                self.line([(left.x + left.half_w, y), (right.x - right.half_w, y)], style)
            slashes = {UnionStatus.SEPARATED: 1, UnionStatus.DIVORCED: 2}.get(union.status, 0)
            if slashes:
                self.slashes(ux - 14, trunk_top, slashes)
                self.used.add(union.status.value)
        words = labels.union_text(union)
        if words:
            self.text(ux, trunk_top + 14, [words], size=SMALL_SIZE, backdrop=True)
        children = self.plan.drawn_children[uid]
        if children:
            hub_y = self.positions.boxes[self.names.hub[uid]].y + self.bar_lift.get(uid, 0.0)
            self.children(uid, ux, trunk_top, hub_y, children)

    def plan_bars(self) -> None:
        """Lift overlapping sibling bars in one row apart, so each family's children stay visibly theirs."""
        rows: dict[int, list[tuple[float, float, str]]] = {}
        for union in self.family.unions:
            links = self.plan.drawn_children[union.id]
            if not links:
                continue
            ux = self.positions.boxes[self.names.union[union.id]].x
            xs = [ux, *(self.child_x(link.id, union.id) for link in links)]
            hub_y = self.positions.boxes[self.names.hub[union.id]].y
            rows.setdefault(round(hub_y), []).append((min(xs) - 6, max(xs) + 6, union.id))
        for bars in rows.values():
            lane_ends: list[float] = []
            for left, right, uid in sorted(bars):
                lane = next((i for i, end in enumerate(lane_ends) if end < left), len(lane_ends))
                if lane == len(lane_ends):
                    lane_ends.append(right)
                lane_ends[lane] = right
                self.bar_lift[uid] = 8.0 * min(lane, 5)

    def slashes(self, x: float, y: float, count: int) -> None:
        for shift in ([0.0] if count == 1 else [-4.0, 4.0]):
            self.line([(x + shift - 4, y - 8), (x + shift + 4, y + 8)])

    def child_x(self, child: str, uid: str) -> float:
        """Where a union's line meets a child: spread apart when the child hangs from several unions."""
        unions = self.drawn_parents[child]
        return self.symbols[child].x + (unions.index(uid) - (len(unions) - 1) / 2) * 10.0

    def children(self, uid: str, ux: float, top: float, bar_y: float, links: list[ChildLink]) -> None:
        groups: list[list[ChildLink]] = []
        for link in links:
            if link.twin is not None and groups and groups[-1][0].twin == link.twin:
                groups[-1].append(link)
            else:
                groups.append([link])
        attach = [sum(self.child_x(c.id, uid) for c in group) / len(group) for group in groups]
        self.line([(ux, top), (ux, bar_y)])
        low, high = min([ux, *attach]), max([ux, *attach])
        if high - low > 0.5:
            self.line([(low, bar_y), (high, bar_y)])
        for group, x in zip(groups, attach, strict=True):
            ends = []
            for link in group:
                end = (self.child_x(link.id, uid), self.symbols[link.id].top)
                ends.append(end)
                self.child_line([(x, bar_y), end], link.relation)
            if len(group) > 1:
                self.used.add("twins")
                if any(link.identical for link in group):
                    self.identical_bar((x, bar_y), ends[0], ends[-1])
                    self.used.add("identical")

    def child_line(self, points: list[Point], relation: ChildRelation) -> None:
        if relation is not ChildRelation.BIOLOGICAL:
            self.used.add(relation.value)
        self.line(points, _CHILD_STYLE[relation])

    def identical_bar(self, apex: Point, first: Point, last: Point) -> None:
        def at(end: Point) -> Point:
            return apex[0] + (end[0] - apex[0]) * 0.5, apex[1] + (end[1] - apex[1]) * 0.5

        self.line([at(first), at(last)])

    def _between(self, partners: tuple[str, ...]) -> int:
        """How many people stand between two partners in their row (their line then goes over the top)."""
        (row_a, a), (row_b, b) = self.place[partners[0]], self.place[partners[1]]
        if row_a != row_b:
            return 0
        low, high = min(a, b), max(a, b)
        return sum(1 for kind, _ in self.plan.rows[row_a][low + 1:high] if kind == "p")

    # --- emotional relationships -----------------------------------------------------------------

    def relationship(self, source: str, target: str, kind: RelationshipKind) -> None:
        a, b = self.symbols[source], self.symbols[target]
        if abs(a.y - b.y) < 1:
            # Same row: dip under the names, clear of partner lines, sibling bars and the people in between.
            drop = min(10 + 0.04 * abs(b.x - a.x), 18)  # stays above the sibling bar of their own children
            start, end = (a.x, self.text_bottom[source] - 2), (b.x, self.text_bottom[target] - 2)
            path = bezier(start, (a.x, start[1] - drop), (b.x, end[1] - drop), end)
        else:
            path = [a.edge_toward((b.x, b.y)), b.edge_toward((a.x, a.y))]
        self.relationship_line(path, kind)

    def relationship_line(self, path: list[Point], kind: RelationshipKind) -> None:
        """Draw one relationship line along ``path`` in its style. Also used for the key."""
        self.used.add(kind.value)
        colour = _RELATIONSHIP_COLOUR[kind]
        pen = Stroke(colour=colour)
        if kind is RelationshipKind.CLOSE:  # two parallel lines
            for side in (-2.5, 2.5):
                self.line(offset(path, side), Stroke(colour=colour, width=1.5))
        elif kind is RelationshipKind.VERY_CLOSE:  # three parallel lines
            for side in (-4.0, 0.0, 4.0):
                self.line(offset(path, side), Stroke(colour=colour, width=1.5))
        elif kind is RelationshipKind.DISTANT:
            self.line(path, Stroke(colour=colour, width=2.5, dash="dotted"))
        elif kind is RelationshipKind.CONFLICT:
            self.line(zigzag(path), pen)
        elif kind is RelationshipKind.HOSTILE:  # zig-zag with a solid line
            self.line(zigzag(path, amplitude=5), pen)
            self.line(path, Stroke(colour=colour, width=1.5))
        elif kind is RelationshipKind.ABUSE:  # zig-zag with an arrow to the person harmed
            total = sum(math.dist(p, q) for p, q in zip(path, path[1:], strict=False))
            body = sub_path(path, 0, max(total - 10, 0.1))
            self.line(zigzag(body), pen, arrow_at=path[-1])
        else:  # cut off: a line broken in the middle, the gap closed by two short bars
            total = sum(math.dist(p, q) for p, q in zip(path, path[1:], strict=False))
            middle = total / 2
            gap = min(8.0, total / 6)
            self.line(sub_path(path, 0, middle - gap), pen)
            self.line(sub_path(path, middle + gap, total), pen)
            for at in (middle - gap, middle + gap):
                (x, y), (dx, dy) = point_at(path, at)
                self.line([(x - dy * 8, y + dx * 8), (x + dy * 8, y - dx * 8)], pen)

    # --- households ------------------------------------------------------------------------------

    def households(self) -> None:
        names = {h.id: h.name for h in self.family.households}
        for hid, name in names.items():
            for rows in self._household_pieces(hid):
                ring = outline(rows)
                self.line(ring, _HOUSEHOLD_STROKE)
                # The name sits on the bottom edge (the top edge crosses sibling bars), wrapped to fit.
                left, right, _, bottom = rows[-1]
                fit = max(int((right - left - 8) / (SMALL_SIZE * 0.6)), 8)
                words = textwrap.wrap(name, fit, break_long_words=False, break_on_hyphens=False) or [name]
                self.text((left + right) / 2, bottom - 2 - (len(words) - 1) * SMALL_SIZE * 0.6, words,
                          size=SMALL_SIZE, colour=HOUSEHOLD_COLOUR, backdrop=True)
                self.used.add("household")

    def _household_pieces(self, hid: str) -> list[list[tuple[float, float, float, float]]]:
        """Rows of (left, right, top, bottom) around the household's members, one list per outline."""
        pad = 7.0
        runs_by_row: list[list[tuple[float, float, float, float]]] = []
        for row in self.plan.rows:
            runs: list[tuple[float, float, float, float]] = []
            open_run: list[float] | None = None
            for kind, key in row:
                if kind != "p":
                    continue
                inside = self.family.person[key].household == hid
                box = self.positions.boxes[self.names.person[key]]
                if inside:
                    left, right = box.x - box.w / 2 - pad, box.x + box.w / 2 + pad
                    top, bottom = box.top + pad + 10, box.y - box.h / 2 - pad
                    if open_run is None:
                        open_run = [left, right, top, bottom]
                    else:
                        open_run[1] = right
                elif open_run is not None:
                    runs.append((open_run[0], open_run[1], open_run[2], open_run[3]))
                    open_run = None
            if open_run is not None:
                runs.append((open_run[0], open_run[1], open_run[2], open_run[3]))
            runs_by_row.append(runs)

        pieces: list[list[tuple[float, float, float, float]]] = []
        previous: list[tuple[float, float, float, float]] | None = None  # the piece continuing from the row above
        for runs in runs_by_row:
            if not runs:
                previous = None
                continue
            above = previous[-1] if previous is not None else None
            if above is not None and previous is not None and len(runs) == 1 and runs[0][0] < above[1] \
                    and runs[0][1] > above[0]:
                previous.append(runs[0])
                continue
            for run in runs[:-1]:
                pieces.append([run])
            previous = [runs[-1]]
            pieces.append(previous)
        return pieces

    # --- the key ---------------------------------------------------------------------------------

    def key(self) -> None:
        entries = [(feature, words) for feature, words in KEY_ENTRIES if feature in self.used]
        if not entries:
            return
        row_height = 26.0
        left = self.positions.width + 30
        top = self.positions.height - 10
        right = left + 76 + max(_text_width(words, SMALL_SIZE) for _, words in entries)
        bottom = top - 30 - row_height * len(entries)
        self.line([(left, top), (right, top), (right, bottom), (left, bottom), (left, top)],
                  Stroke(colour="#999999", width=1.0))
        self.text(left + 12, top - 14, ["Key"], anchor="start", bold=True)
        for index, (feature, words) in enumerate(entries):
            y = top - 36 - index * row_height
            self.key_sample(feature, left + 36, y)
            self.text(left + 66, y, [words], size=SMALL_SIZE, anchor="start")
        self.scene.include(right + 10, bottom - 10)

    def key_sample(self, feature: str, x: float, y: float) -> None:
        """A small example of one feature, drawn with the same code as the genogram."""
        relationship = {kind.value: kind for kind in RelationshipKind}
        if feature in ("female", "male", "nonbinary", "unknown"):
            self.symbol(x, y, Person("key", "", Sex(feature)), scale=0.4)
        elif feature == "subject":
            self.symbol(x, y, Person("key", "", Sex.FEMALE, subject=True), scale=0.35)
        elif feature == "deceased":
            self.symbol(x, y, Person("key", "", Sex.MALE, deceased=True), scale=0.4)
        elif feature in ("pregnancy", "miscarriage", "stillbirth"):
            self.symbol(x, y, Person("key", "", Sex.UNKNOWN if feature != "stillbirth" else Sex.FEMALE,
                                     kind=Kind(feature)), scale=0.5)
        elif feature in ("married", "cohabiting", "partners", "union-unknown"):
            kind = UnionType.UNKNOWN if feature == "union-unknown" else UnionType(feature)
            self.line([(x - 22, y), (x + 22, y)], _UNION_STYLE[kind])
        elif feature in ("separated", "divorced"):
            self.line([(x - 22, y), (x + 22, y)])
            self.slashes(x, y, 1 if feature == "separated" else 2)
        elif feature in ("adopted", "foster", "kinship", "step"):
            self.line([(x, y + 10), (x, y - 10)], _CHILD_STYLE[ChildRelation(feature)])
        elif feature in ("twins", "identical"):
            apex, first, last = (x, y + 10), (x - 12, y - 10), (x + 12, y - 10)
            self.line([apex, first])
            self.line([apex, last])
            if feature == "identical":
                self.identical_bar(apex, first, last)
        elif feature in relationship:
            self.relationship_line([(x - 24, y), (x + 24, y)], relationship[feature])
        elif feature == "household":
            self.line([(x - 22, y + 9), (x + 22, y + 9), (x + 22, y - 9), (x - 22, y - 9), (x - 22, y + 9)],
                      _HOUSEHOLD_STROKE)


_SHAPES = {Sex.FEMALE: "circle", Sex.MALE: "box", Sex.NONBINARY: "diamond", Sex.UNKNOWN: "rounded"}


def _text_width(text: str, size: float) -> float:
    """A generous estimate of DejaVu Sans text width, for placing fixed English words in the key."""
    return len(text) * size * 0.62


def draw(family: Family, plan: Plan, positions: Positions, as_of: date,
         lines: dict[str, list[str]] | None = None) -> Scene:
    """The finished drawing of a family laid out by dot (``lines``: text_lines(), if already made)."""
    return Drawing(family, plan, positions, as_of, lines).build()
