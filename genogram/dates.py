"""Partial dates ("2016", "2016-05", "2016-05-14") as families actually know them."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")  # ASCII digits only


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; raise ValueError with a plain reason otherwise."""
        match = _PATTERN.fullmatch(text)
        if match is None:
            raise ValueError("is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD")
        year = int(match[1])
        month = int(match[2]) if match[2] else None
        day = int(match[3]) if match[3] else None
        if year < 1000:
            raise ValueError("has a year before 1000")
        if month is not None and not 1 <= month <= 12:
            raise ValueError("has a month that does not exist")
        if month is not None and day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise ValueError("is a day that does not exist")
        return cls(year, month, day)

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text

    @property
    def earliest(self) -> date:
        """The first day this partial date could mean."""
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date:
        """The last day this partial date could mean."""
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def surely_before(self, other: PartialDate) -> bool:
        """True only when every reading of self is before every reading of other."""
        return self.latest < other.earliest


def years_between(start: PartialDate, end: PartialDate | date) -> int:
    """Whole years from start to end, as precise as the partial dates allow (never negative)."""
    if isinstance(end, date):
        end = PartialDate(end.year, end.month, end.day)
    years = end.year - start.year
    # Only subtract the unfinished year when both dates say enough to know it is unfinished.
    if start.month is not None and end.month is not None:
        if end.month < start.month:
            years -= 1
        elif end.month == start.month and start.day is not None and end.day is not None and end.day < start.day:
            years -= 1
    return max(years, 0)
