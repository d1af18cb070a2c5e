"""The short words drawn on a genogram: ages, years, partnership dates.

Kept short on purpose (name + age or years): the drawing is read across a meeting room; notes belong
in the side panel, not here. These are plain strings; quoting for DOT happens in ``dotquote``.
"""

from __future__ import annotations

from datetime import date

from genogram.dates import years_between
from genogram.model import Kind, Person, Sex, Union, UnionStatus, UnionType

_START_WORD = {
    UnionType.MARRIED: "m.",
    UnionType.COHABITING: "lt.",  # "living together", McGoldrick's LT
    UnionType.PARTNERS: "rel.",
    UnionType.UNKNOWN: "",
}
_END_WORD = {
    UnionStatus.SEPARATED: "sep.",
    UnionStatus.DIVORCED: "div.",
    UnionStatus.WIDOWED: "wid.",
    UnionStatus.TOGETHER: "",
}


def age(person: Person, as_of: date) -> int | None:
    """Age today (living) or at death, when the date of birth is known."""
    if person.born is None or person.kind is not Kind.PERSON:
        return None
    if person.deceased:
        return years_between(person.born, person.died) if person.died is not None else None
    if person.born.earliest > as_of:
        return None
    return years_between(person.born, as_of)


def symbol_text(person: Person, as_of: date) -> str:
    """What goes inside the symbol: "?" for an unknown sex, else the age of a living person."""
    if person.kind is not Kind.PERSON:
        return ""
    if person.sex is Sex.UNKNOWN:
        return "?"
    if person.deceased:
        return ""
    years = age(person, as_of)
    return str(years) if years is not None else ""


def person_lines(person: Person, as_of: date) -> list[str]:
    """The lines under the symbol: the name as written (it may hold new lines), then years, then gender term."""
    lines = person.name.replace("\r\n", "\n").replace("\r", "\n").split("\n") if person.name else []
    lines.append(years_line(person, as_of))
    if person.sex is Sex.NONBINARY and person.gender:
        lines.append(f"({person.gender})")
    return [line for line in lines if line]


def years_line(person: Person, as_of: date) -> str:
    """e.g. "b. 2016", "1950–2019 (69)", "due 2027-03", "stillbirth 2018"."""
    born, died = person.born, person.died
    if person.kind is Kind.PREGNANCY:
        return f"due {born}" if born else "pregnancy"
    if person.kind is Kind.MISCARRIAGE:
        return f"miscarriage {born.year}" if born else "miscarriage"
    if person.kind is Kind.STILLBIRTH:
        return f"stillbirth {born.year}" if born else "stillbirth"
    if person.deceased:
        years = age(person, as_of)
        span = f"{born.year if born else '?'}–{died.year}" if died else (f"b. {born.year}, died" if born else "died")
        return f"{span} ({years})" if years is not None else span
    if born is None:
        return ""
    if person.sex is Sex.UNKNOWN and (years := age(person, as_of)) is not None:
        return f"b. {born.year} (age {years})"
    return f"b. {born.year}"


def union_text(union: Union) -> str:
    """Years on the partner line: "m. 2008, div. 2015"."""
    parts = []
    if union.start is not None:
        word = _START_WORD[union.type]
        parts.append(f"{word} {union.start.year}".strip())
    if union.end is not None and (word := _END_WORD[union.status]):
        parts.append(f"{word} {union.end.year}")
    elif union.end is not None:
        parts.append(f"to {union.end.year}")
    return ", ".join(parts)
