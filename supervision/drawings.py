"""The scaling line (templates/macros/scaling.html), drawn once per content.

A case page shows the line of each of its latest sessions, and the record and editor one each.
Drawing one escapes a few dozen numbers and names through the macro; the same scores draw the
same line, so a line is kept by exactly what it shows and drawn again only when that changes.
(The case's chart over time is kept the same way: services.story.chart_svg.)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from flask import get_template_attribute
from markupsafe import Markup

LINES_KEPT = 2048  # about 2 kB each


class LineMark(NamedTuple):
    label: str
    score: int | None


class LineSummary(NamedTuple):
    count: int
    median: float | None
    low: int | None
    high: int | None
    spread: int | None
    skipped: int


def _read(record: Any, name: str) -> Any:
    """A value of a score or summary object, or of the same as a dict (an agreed record's data)."""
    return record[name] if isinstance(record, dict) else getattr(record, name)


def scale_line(marks, summary, family_score: int | None = None, label: str = "Scaling scores") -> Markup:
    """The templates' `scale_line(...)`: everyone's marks on the 0–10 line, with the median."""
    macro = get_template_attribute("macros/scaling.html", "scale_line")
    shown = tuple(LineMark(_read(m, "label"), _read(m, "score")) for m in marks)
    figures = LineSummary(*(_read(summary, name) for name in LineSummary._fields))
    if figures.median is not None:  # 5 and 5.0 are one key: drawn the same way whichever comes first
        figures = figures._replace(median=float(figures.median))
    return _drawn(macro, shown, figures, family_score, label)


@lru_cache(maxsize=LINES_KEPT)
def _drawn(macro, marks: tuple[LineMark, ...], summary: LineSummary, family_score: int | None,
           label: str) -> Markup:
    # Kept by the macro too: a reloaded template draws its lines again.
    return macro(marks, summary, family_score, label)
