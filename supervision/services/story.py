"""The case's story over time: its scaling scores session by session, and how its
danger statements and safety goals changed.

The chart is plain SVG drawn by a template macro (templates/cases/_story.html: scaling_svg)
from the geometry worked out here; no JavaScript, readable when printed. The drawing is kept
by content (chart_svg): a case's chart is the same from one view to the next until a score changes.
"""

from __future__ import annotations

import re
import statistics
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from markupsafe import Markup, escape

from supervision.models import Meeting

# --- the scaling chart ------------------------------------------------------------

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 24, 16, 64  # margins round the plot
MIN_LABEL_GAP = 84  # px between date labels on the x axis, so they never overlap
DOT_SPREAD = 7  # px between dots of people who gave the same score in the same session
DOT_SHIFT = 13  # px the dots sit left of the session's line, so the median's diamond never hides one


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    title: str

    def __post_init__(self) -> None:
        # One decimal is plenty for a 760-unit drawing, and keeps the SVG short.
        object.__setattr__(self, "x", round(self.x, 1))
        object.__setattr__(self, "y", round(self.y, 1))


@dataclass(frozen=True)
class ChartSession:
    meeting: Meeting
    x: float
    date_label: str
    show_label: bool
    scores: list[tuple[str, int | None]]
    median: float | None
    low: int | None
    high: int | None
    family_score: int | None

    @property
    def scores_text(self) -> str:
        """Everyone's score in a line, as the chart's table gives it: "Sam 6; Ali skipped"."""
        return "; ".join(f"{name} {'skipped' if score is None else score}" for name, score in self.scores)

    @property
    def y_low(self) -> float | None:
        return None if self.low is None else _y(self.low)

    @property
    def y_high(self) -> float | None:
        return None if self.high is None else _y(self.high)


@dataclass
class ScalingChart:
    sessions: list[ChartSession]
    dots: list[Mark] = field(default_factory=list)
    medians: list[Mark] = field(default_factory=list)
    family: list[Mark] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def y_ticks(self) -> list[tuple[int, float]]:
        return [(n, _y(n)) for n in range(11)]

    @property
    def median_path(self) -> str:
        return " ".join(f"{m.x:.1f},{m.y:.1f}" for m in self.medians)

    @property
    def summary(self) -> str:
        """One sentence for the chart's text alternative."""
        with_median = [s for s in self.sessions if s.median is not None]
        if not with_median:
            return "No scores yet."
        first, last = with_median[0], with_median[-1]
        if first is last:
            return f"One session with scores: median {first.median:g} on {first.date_label}."
        return (f"{len(with_median)} sessions with scores. The median went from {first.median:g} on "
                f"{first.date_label} to {last.median:g} on {last.date_label}.")

    @property
    def content(self) -> tuple[Hashable, ...]:
        """Everything the drawing shows (the y of a range and the ticks follow from these), as a key."""
        return (self.width, self.height, self.left, self.right, self.top, self.bottom, self.summary,
                tuple((s.x, s.date_label, s.show_label, s.low, s.high) for s in self.sessions),
                tuple(self.dots), tuple(self.medians), tuple(self.family))


def _y(score: float) -> float:
    return round(TOP + (HEIGHT - BOTTOM - TOP) * (10 - score) / 10, 1)


def scaling_chart(meetings: list[Meeting], anonymous: frozenset[int] = frozenset()) -> ScalingChart | None:
    """Everyone's scores and the median for each session that has scores, placed by date; None if none has.

    Give only sessions whose scores are revealed (services.live.scaling_views); in those listed in
    `anonymous`, nobody is named and the scores are in score order, not in the order they came.
    """
    scored = sorted((m for m in meetings if any(s.score is not None for s in m.scores) or m.family_score is not None),
                    key=lambda m: (m.scheduled_at, m.id))
    if not scored:
        return None
    first, last = scored[0].scheduled_at, scored[-1].scheduled_at
    span = (last - first).total_seconds()
    inner_left, inner_right = LEFT + 36, WIDTH - RIGHT - 36
    xs = [inner_left + (inner_right - inner_left) * (m.scheduled_at - first).total_seconds() / span if span
          else (LEFT + WIDTH - RIGHT) / 2 for m in scored]
    # Date labels from the latest backwards, skipping any that would overlap: the latest always shows.
    labelled: set[int] = set()
    for index in range(len(xs) - 1, -1, -1):
        if not labelled or xs[min(labelled)] - xs[index] >= MIN_LABEL_GAP:
            labelled.add(index)
    chart = ScalingChart(sessions=[])
    for index, (meeting, x) in enumerate(zip(scored, xs, strict=True)):
        # Each score read once, as (name, score): the ORM's attributes cost more than the sums.
        if meeting.id in anonymous:
            by_score = sorted(((s.score, s.reason) for s in meeting.scores),
                              key=lambda p: (p[0] is None, p[0] or 0, p[1]))
            scores = [("A colleague", score) for score, _ in by_score]
        else:
            scores = [(s.user.name, s.score) for s in meeting.scores]
        given = [score for _, score in scores if score is not None]
        median = statistics.median(given) if given else None
        family_score = meeting.family_score
        date_label = f"{meeting.scheduled_at:%d %b %Y}"
        chart.sessions.append(ChartSession(
            meeting=meeting, x=round(x, 1), date_label=date_label, show_label=index in labelled,
            scores=scores, median=median, low=min(given) if given else None, high=max(given) if given else None,
            family_score=family_score))
        same: dict[int, int] = {}
        for name, score in scores:
            if score is None:
                continue
            n = same.get(score, 0)
            same[score] = n + 1
            # Left of the median's diamond (drawn at x), side by side when several gave the same score.
            offset = -DOT_SHIFT - n * DOT_SPREAD
            chart.dots.append(Mark(x + offset, _y(score), f"{name}: {score} ({date_label})"))
        if median is not None:
            chart.medians.append(Mark(x, _y(median), f"Median {median:g} ({date_label})"))
        if family_score is not None:
            chart.family.append(Mark(x + 14, _y(family_score),
                                     f"The family's own score: {family_score} ({date_label})"))
    return chart


DRAWINGS_KEPT = 256  # charts kept drawn, per process: 7 to 35 kB each for the latest six sessions

_drawings: OrderedDict[Hashable, Markup] = OrderedDict()
_drawings_lock = threading.Lock()  # threaded workers share the drawings


def chart_svg(chart: ScalingChart, family_label: str, draw: Callable[[ScalingChart, str], Markup]) -> Markup:
    """The chart's SVG as `draw` (the template's macro) makes it, drawn once per content and then reused.

    Drawing it escapes hundreds of numbers (0.2 ms of the case page's CPU); a hit costs 0.02 ms.
    Kept by everything it shows (names and dates in its titles included) and by `draw` itself, so a
    changed score or name, or a reloaded template, draws it again; `draw` escapes as any template does.
    """
    key = (draw, family_label, chart.content)
    with _drawings_lock:
        svg = _drawings.get(key)
        if svg is not None:
            _drawings.move_to_end(key)
            return svg
    svg = draw(chart, family_label)
    with _drawings_lock:
        _drawings[key] = svg
        while len(_drawings) > DRAWINGS_KEPT:
            _drawings.popitem(last=False)
    return svg


# --- danger statements and safety goals over time -------------------------------------

FIRST, NEW, CHANGED, UNCHANGED, REMOVED = "first", "new", "changed", "unchanged", "removed"
STATUS_LABELS = {FIRST: "First written", NEW: "New", CHANGED: "Changed", UNCHANGED: "Unchanged", REMOVED: "Removed"}
SAME_STATEMENT = 0.5  # word similarity above which a statement is taken as the same one, reworded

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> Markup:
    """The new text with words removed in <del> and words added in <ins>; every word escaped."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(b[j1:j2]))))
            continue
        if op in ("delete", "replace"):
            out.append(_marked("del", "removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(_marked("ins", "added", "".join(b[j1:j2])))
    return Markup("".join(out))


def _marked(tag: str, spoken: str, text: str) -> str:
    if not text.strip():
        return str(escape(text))
    # Screen readers do not announce <ins>/<del>: say it in words they will read.
    return (f'<{tag}><span class="visually-hidden">[{spoken}: </span>{escape(text)}'
            f'<span class="visually-hidden">]</span></{tag}>')


@dataclass(frozen=True)
class StatementChange:
    status: str
    text: str  # the statement as it stands (or stood, when removed)
    marked: Markup  # the statement with what changed marked

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class StatementsStep:
    meeting: Meeting
    danger_statements: list[StatementChange]
    safety_goals: list[StatementChange]

    @property
    def changed(self) -> bool:
        return any(c.status not in (UNCHANGED, FIRST) for c in (*self.danger_statements, *self.safety_goals))

    @property
    def first(self) -> bool:
        return any(c.status == FIRST for c in (*self.danger_statements, *self.safety_goals))


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def compare_statements(before: list[str] | None, after: list[str]) -> list[StatementChange]:
    """Pair each statement with its closest one from the session before (reworded, not replaced), then mark.

    `before` is None for the first session that has any: nothing to compare with, nothing marked.
    Cached by content: word diffs are slow, and a case's history is the same from one view to the next.
    """
    return list(_compare_statements(None if before is None else tuple(before), tuple(after)))


@lru_cache(maxsize=4096)
def _compare_statements(before: tuple[str, ...] | None, after: tuple[str, ...]) -> tuple[StatementChange, ...]:
    if before is None:
        return tuple(StatementChange(FIRST, text, escape(text)) for text in after)
    pairs = sorted(((_similarity(old, new), i, j) for i, old in enumerate(before) for j, new in enumerate(after)),
                   reverse=True)
    matched: dict[int, int] = {}
    used: set[int] = set()
    for ratio, i, j in pairs:
        if ratio >= SAME_STATEMENT and i not in used and j not in matched:
            matched[j] = i
            used.add(i)
    changes = []
    for j, new in enumerate(after):
        if j not in matched:
            changes.append(StatementChange(NEW, new, Markup(f"<ins>{escape(new)}</ins>")))
        elif before[matched[j]] == new:
            changes.append(StatementChange(UNCHANGED, new, escape(new)))
        else:
            changes.append(StatementChange(CHANGED, new, word_diff(before[matched[j]], new)))
    changes += [StatementChange(REMOVED, old, Markup(f"<del>{escape(old)}</del>"))
                for i, old in enumerate(before) if i not in used]
    return tuple(changes)


def statements_history(meetings: list[Meeting]) -> list[StatementsStep]:
    """Session by session (oldest first), each danger statement and safety goal against the session before.

    Sessions with neither (a draft not yet written) are left out, so they do not read as "all removed".
    """
    steps: list[StatementsStep] = []
    danger_before: list[str] | None = None
    goals_before: list[str] | None = None
    for meeting in sorted(meetings, key=lambda m: (m.scheduled_at, m.id)):
        danger = [d.statement for d in meeting.danger_statements]
        goals = [g.statement for g in meeting.safety_goals]
        if not danger and not goals:
            continue
        steps.append(StatementsStep(meeting, compare_statements(danger_before, danger),
                                    compare_statements(goals_before, goals)))
        danger_before, goals_before = danger, goals
    return steps
