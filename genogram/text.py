"""A plain-text alternative to the drawing, for screen readers and for the case record.

It says who is in the family and how they are related, in the words the drawing uses:
"Kayla Smith (female, born 2016, age 10, subject child) — daughter of Dean Smith and Amy Jones, who are
divorced; lives in 'Mum's home'."
"""

from __future__ import annotations

from datetime import date

from genogram.labels import age
from genogram.model import (
    ChildLink,
    ChildRelation,
    Family,
    Kind,
    Person,
    RelationshipKind,
    Sex,
    Union,
    UnionStatus,
    UnionType,
)
from genogram.plan import plan

_CHILD_WORD = {Sex.FEMALE: "daughter", Sex.MALE: "son", Sex.NONBINARY: "child", Sex.UNKNOWN: "child"}
_RELATION_PREFIX = {
    ChildRelation.BIOLOGICAL: "",
    ChildRelation.ADOPTED: "adopted ",
    ChildRelation.STEP: "step",
}
_TOGETHER = {
    UnionType.MARRIED: "married",
    UnionType.COHABITING: "living together",
    UnionType.PARTNERS: "partners, not living together",
    UnionType.UNKNOWN: "partners",
}
_ENDED = {UnionStatus.SEPARATED: "separated", UnionStatus.DIVORCED: "divorced", UnionStatus.WIDOWED: "widowed"}
_FEELING = {
    RelationshipKind.CLOSE: "{a} and {b} are close.",
    RelationshipKind.VERY_CLOSE: "{a} and {b} are very close.",
    RelationshipKind.DISTANT: "{a} and {b} are distant.",
    RelationshipKind.CONFLICT: "{a} and {b} are in conflict.",
    RelationshipKind.HOSTILE: "{a} and {b} are hostile to each other.",
    RelationshipKind.ABUSE: "{a} is abusive towards {b} ({b} is the person harmed).",
    RelationshipKind.CUT_OFF: "{a} and {b} are cut off from each other.",
}


def text_alternative(family: Family, *, as_of: date | None = None) -> str:
    """Who is in the family and how they are related, one sentence per line, oldest generation first."""
    as_of = as_of or date.today()
    rows = plan(family).rows
    lines = [f"Genogram: {family.title}. {len(family.people)} people"
             f"{f' over {len(rows)} generations' if len(rows) > 1 else ''}."]
    order = [key for row in rows for kind, key in row if kind == "p"]
    for pid in order:
        lines.append(_person_sentence(family, family.person[pid], as_of))
    for union in family.unions:
        if len(union.partners) == 2:
            lines.append(_union_sentence(family, union))
    for rel in family.relationships:
        a, b = _name(family.person[rel.source]), _name(family.person[rel.target])
        lines.append(_FEELING[rel.kind].format(a=a, b=b))
    return "\n".join(lines)


def _name(person: Person) -> str:
    name = " ".join(person.name.split())
    if name:
        return name
    return f"an unnamed {person.kind.value}" if person.kind is not Kind.PERSON else f"unnamed person ({person.id})"


def _person_sentence(family: Family, person: Person, as_of: date) -> str:
    facts = [_sex_words(person)]
    if person.kind is Kind.PREGNANCY:
        facts = [f"a pregnancy{f', due {person.born}' if person.born else ''}"]
    elif person.kind in (Kind.MISCARRIAGE, Kind.STILLBIRTH):
        facts = [f"a {person.kind.value}{f' in {person.born.year}' if person.born else ''}"]
    else:
        years = age(person, as_of)
        if person.born is not None:
            facts.append(f"born {person.born.year}")
        if person.deceased:
            died = f"died {person.died.year}" if person.died else "died"
            facts.append(f"{died}, aged {years}" if years is not None else died)
        elif years is not None:
            facts.append(f"age {years}")
    if person.subject:
        facts.append("subject child")
    sentence = f"{_name(person)} ({', '.join(facts)})"
    links = [_parent_words(family, person, union, link) for union, link in family.parent_links[person.id]]
    details = [words for words in links if words]
    if person.household is not None:
        details.append(f"lives in '{family.household[person.household].name}'")
    return sentence + (" — " + "; ".join(details) if details else "") + "."


def _sex_words(person: Person) -> str:
    if person.sex is Sex.NONBINARY:
        return person.gender or "non-binary"
    return {Sex.FEMALE: "female", Sex.MALE: "male", Sex.UNKNOWN: "sex not known"}[person.sex]


def _parent_words(family: Family, person: Person, union: Union, link: ChildLink) -> str:
    parents = " and ".join(_name(family.person[p]) for p in union.partners)
    if link.relation is ChildRelation.FOSTER:
        words = f"fostered by {parents}"
    elif link.relation is ChildRelation.KINSHIP:
        words = f"in kinship care with {parents}"
    else:
        words = f"{_RELATION_PREFIX[link.relation]}{_CHILD_WORD[person.sex]} of {parents}"
    if len(union.partners) == 1:
        words += " (other parent not recorded)"
    else:
        words += f", who {_status(family, union)}"
    if link.twin is not None:
        twins = [_name(family.person[c.id]) for c in union.children if c.twin == link.twin and c.id != person.id]
        kind = "identical twin" if link.identical else "twin"
        words += f"; {kind} of {' and '.join(twins)}"
    return words


def _status(family: Family, union: Union) -> str:
    if union.status is UnionStatus.WIDOWED:
        dead = [_name(family.person[p]) for p in union.partners if family.person[p].deceased]
        if dead:
            return f"were {_TOGETHER[union.type]} until {dead[0]} died"
    return "are " + _ENDED.get(union.status, _TOGETHER[union.type])


def _union_sentence(family: Family, union: Union) -> str:
    a, b = (_name(family.person[p]) for p in union.partners)
    since = " in" if union.type is UnionType.MARRIED else " from"
    parts = [_TOGETHER[union.type] + (f"{since} {union.start.year}" if union.start else "")]
    if union.status in _ENDED:
        parts.append(_ENDED[union.status] + (f" in {union.end.year}" if union.end else ""))
    children = [_name(family.person[c.id]) + ("" if c.relation is ChildRelation.BIOLOGICAL
                                              else f" ({c.relation.value})") for c in union.children]
    sentence = f"{a} and {b}: {', then '.join(parts)}"
    if children:
        sentence += f"; children: {', '.join(children)}"
    return sentence + "."
