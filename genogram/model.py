"""The family: people, unions (partnerships) and their children, emotional relationships, households.

Everything is immutable; build it with ``Family.from_dict`` (which validates) and write it back with
``to_dict``. The JSON shape is documented in docs/genogram-format.md.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from genogram.dates import PartialDate
from genogram.problems import FamilyError, Problem


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NONBINARY = "nonbinary"
    UNKNOWN = "unknown"


class Kind(StrEnum):
    PERSON = "person"
    PREGNANCY = "pregnancy"
    MISCARRIAGE = "miscarriage"
    STILLBIRTH = "stillbirth"


class UnionType(StrEnum):
    MARRIED = "married"
    COHABITING = "cohabiting"
    PARTNERS = "partners"
    UNKNOWN = "unknown"


class UnionStatus(StrEnum):
    TOGETHER = "together"
    SEPARATED = "separated"
    DIVORCED = "divorced"
    WIDOWED = "widowed"


class ChildRelation(StrEnum):
    BIOLOGICAL = "biological"
    ADOPTED = "adopted"
    FOSTER = "foster"
    STEP = "step"
    KINSHIP = "kinship"


class RelationshipKind(StrEnum):
    CLOSE = "close"
    VERY_CLOSE = "very-close"
    DISTANT = "distant"
    CONFLICT = "conflict"
    HOSTILE = "hostile"
    ABUSE = "abuse"
    CUT_OFF = "cut-off"


@dataclass(frozen=True)
class Person:
    """Someone in the family (or a pregnancy, miscarriage or stillbirth)."""

    id: str
    name: str
    sex: Sex
    born: PartialDate | None = None
    died: PartialDate | None = None
    deceased: bool = False
    kind: Kind = Kind.PERSON
    subject: bool = False
    household: str | None = None
    note: str | None = None
    gender: str | None = None  # the person's own term, shown for non-binary people

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form: defaults left out, dates as written canonically."""
        out: dict[str, Any] = {"id": self.id, "name": self.name, "sex": self.sex.value}
        if self.born is not None:
            out["born"] = str(self.born)
        if self.died is not None:
            out["died"] = str(self.died)
        if self.deceased:
            out["deceased"] = True
        if self.kind is not Kind.PERSON:
            out["kind"] = self.kind.value
        if self.subject:
            out["subject"] = True
        if self.household is not None:
            out["household"] = self.household
        if self.note is not None:
            out["note"] = self.note
        if self.gender is not None:
            out["gender"] = self.gender
        return out


@dataclass(frozen=True)
class ChildLink:
    """A child of a union, and how the child is related to it."""

    id: str
    relation: ChildRelation = ChildRelation.BIOLOGICAL
    twin: str | None = None
    identical: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        out: dict[str, Any] = {"id": self.id}
        if self.relation is not ChildRelation.BIOLOGICAL:
            out["relation"] = self.relation.value
        if self.twin is not None:
            out["twin"] = self.twin
        if self.identical:
            out["identical"] = True
        return out


@dataclass(frozen=True)
class Union:
    """A partnership of one or two people (one when the other parent is not known)."""

    id: str
    partners: tuple[str, ...]
    type: UnionType = UnionType.UNKNOWN
    status: UnionStatus = UnionStatus.TOGETHER
    start: PartialDate | None = None
    end: PartialDate | None = None
    children: tuple[ChildLink, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        out: dict[str, Any] = {"id": self.id, "partners": list(self.partners)}
        if self.type is not UnionType.UNKNOWN:
            out["type"] = self.type.value
        if self.status is not UnionStatus.TOGETHER:
            out["status"] = self.status.value
        if self.start is not None:
            out["from"] = str(self.start)
        if self.end is not None:
            out["to"] = str(self.end)
        out["children"] = [child.to_dict() for child in self.children]
        return out


@dataclass(frozen=True)
class Relationship:
    """An emotional relationship between two people; for abuse, ``to`` is the person harmed."""

    source: str
    target: str
    kind: RelationshipKind

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {"from": self.source, "to": self.target, "kind": self.kind.value}


@dataclass(frozen=True)
class Household:
    """People who live together, drawn inside one outline."""

    id: str
    name: str

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class Family:
    """A whole genogram. Build it with ``Family.from_dict``; it is immutable and hashable by content."""

    title: str
    people: tuple[Person, ...] = ()
    unions: tuple[Union, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    households: tuple[Household, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> Family:
        """Validate and build a family from decoded JSON; raise FamilyError listing every problem."""
        from genogram.validate import validate  # validate imports this module's enums

        problems = validate(data)
        if problems:
            raise FamilyError(problems)
        return cls._build(data)

    @classmethod
    def _build(cls, data: dict[str, Any]) -> Family:
        def date_or_none(value: str | None) -> PartialDate | None:
            return PartialDate.parse(value) if value is not None else None

        people = tuple(
            Person(
                id=p["id"],
                name=p["name"],
                sex=Sex(p["sex"]),
                born=date_or_none(p.get("born")),
                died=date_or_none(p.get("died")),
                deceased=bool(p.get("deceased", False) or p.get("died") is not None),
                kind=Kind(p.get("kind", "person")),
                subject=bool(p.get("subject", False)),
                household=p.get("household"),
                note=p.get("note"),
                gender=p.get("gender"),
            )
            for p in data["people"]
        )
        unions = tuple(
            Union(
                id=u["id"],
                partners=tuple(u["partners"]),
                type=UnionType(u.get("type", "unknown")),
                status=UnionStatus(u.get("status", "together")),
                start=date_or_none(u.get("from")),
                end=date_or_none(u.get("to")),
                children=tuple(
                    ChildLink(
                        id=c["id"],
                        relation=ChildRelation(c.get("relation", "biological")),
                        twin=c.get("twin"),
                        identical=bool(c.get("identical", False)),
                    )
                    for c in u.get("children", [])
                ),
            )
            for u in data.get("unions", [])
        )
        relationships = tuple(
            Relationship(r["from"], r["to"], RelationshipKind(r["kind"])) for r in data.get("relationships", [])
        )
        households = tuple(Household(h["id"], h["name"]) for h in data.get("households", []))
        return cls(data["title"], people, unions, relationships, households)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form; ``Family.from_dict(f.to_dict()) == f``."""
        return {
            "title": self.title,
            "people": [person.to_dict() for person in self.people],
            "unions": [union.to_dict() for union in self.unions],
            "relationships": [rel.to_dict() for rel in self.relationships],
            "households": [household.to_dict() for household in self.households],
        }

    def to_json(self) -> str:
        """Canonical JSON text: sorted keys, no insignificant whitespace, UTF-8 characters kept."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @cached_property
    def content_key(self) -> str:
        """sha256 of the canonical JSON: equal for families with the same content, computed once."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @cached_property
    def person(self) -> dict[str, Person]:
        """People by id."""
        return {p.id: p for p in self.people}

    @cached_property
    def household(self) -> dict[str, Household]:
        """Households by id."""
        return {h.id: h for h in self.households}

    @cached_property
    def parent_links(self) -> dict[str, list[tuple[Union, ChildLink]]]:
        """For each person, the unions they are a child of, in the order listed."""
        links: dict[str, list[tuple[Union, ChildLink]]] = {p.id: [] for p in self.people}
        for union in self.unions:
            for child in union.children:
                links[child.id].append((union, child))
        return links

    @cached_property
    def unions_of(self) -> dict[str, list[Union]]:
        """For each person, the unions they are a partner in, in the order listed."""
        result: dict[str, list[Union]] = {p.id: [] for p in self.people}
        for union in self.unions:
            for partner in union.partners:
                result[partner].append(union)
        return result


def load(text: str | bytes) -> Family:
    """Parse JSON text into a Family; raise FamilyError (never anything else) when it is not usable."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FamilyError(
            [Problem(f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.")]
        ) from None
    except (UnicodeDecodeError, RecursionError, ValueError, TypeError):
        raise FamilyError([Problem("The file is not valid JSON text (it should be UTF-8 encoded JSON).")]) from None
    return Family.from_dict(data)
