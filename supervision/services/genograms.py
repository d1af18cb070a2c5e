"""What a case's genogram does: the family in the JSON interchange format (docs/genogram-format.md).

Every change loads the case's saved family, changes it as plain data, checks the whole family
with ``genogram.validate`` and stores the canonical JSON back. A change that would leave the family
undrawable is refused with the library's problems (GenogramProblems) and nothing saved is touched.
Operations never commit: the view does, once.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import genogram
from genogram import Family, FamilyError, Problem
from genogram.render import RENDERER_VERSION
from supervision.extensions import db
from supervision.models import Case, Meeting
from supervision.services.errors import DomainError

FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
MAX_SHOWN_PROBLEMS = 50  # a broken file can have thousands; the first ones say enough

# Words the forms and lists use; the JSON keeps the format's own values.
SEX_LABELS = {"female": "Female", "male": "Male", "nonbinary": "Non-binary or another gender", "unknown": "Not known"}
KIND_LABELS = {"person": "A person", "pregnancy": "A pregnancy", "miscarriage": "A miscarriage",
               "stillbirth": "A stillbirth"}
UNION_TYPE_LABELS = {"married": "Married", "cohabiting": "Living together", "partners": "Partners, not living together",
                     "unknown": "Not known"}
UNION_STATUS_LABELS = {"together": "Together", "separated": "Separated", "divorced": "Divorced", "widowed": "Widowed"}
RELATION_LABELS = {"biological": "Birth child", "adopted": "Adopted", "foster": "Fostered", "step": "Step-child",
                   "kinship": "Kinship care"}
RELATIONSHIP_LABELS = {"close": "Close", "very-close": "Very close", "distant": "Distant", "conflict": "Conflict",
                       "hostile": "Hostile", "abuse": "Abuse (the second person is the one harmed)",
                       "cut-off": "Cut off"}

# "Kayla is ... Pat", for the lists of relationships.
RELATIONSHIP_WORDS = {"close": "close to", "very-close": "very close to", "distant": "distant from",
                      "conflict": "in conflict with", "hostile": "hostile to", "abuse": "abusive towards",
                      "cut-off": "cut off from"}


class GenogramProblems(DomainError):
    """The change (or file) would give a family that cannot be drawn; `problems` says why.

    `by_field` holds the messages about a field of the form that made the change (keyed by the
    form's field name); `general` the rest, shown at the top of that form.
    """

    def __init__(self, problems: Iterable[Problem], lead: str = "The genogram was not saved:",
                 fields: dict[str, str] | None = None) -> None:
        self.problems = list(problems)
        self.by_field: dict[str, list[str]] = {}
        self.general: list[str] = []
        for problem in self.problems:
            name = (fields or {}).get(problem.where)
            if name:
                self.by_field.setdefault(name, []).append(problem.message)
            else:
                self.general.append(problem.message)
        super().__init__(lead)


@dataclass
class SavedGenogram:
    """A case's or a session's genogram as saved: its text, and the family when it can be drawn."""

    text: str | None
    data: dict[str, Any]
    family: Family | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.family is not None and not self.family.people

    @property
    def drawable(self) -> bool:
        return self.family is not None and bool(self.family.people)


# --- reading -----------------------------------------------------------------------------------

def empty_family(case: Case) -> dict[str, Any]:
    return {"title": case.family_label[:200] or "Family", "people": [], "unions": [], "relationships": [],
            "households": []}


@functools.lru_cache(maxsize=128)
def _parse(text: str) -> tuple[Family | None, tuple[Problem, ...]]:
    try:
        return genogram.load(text), ()
    except FamilyError as error:
        return None, tuple(error.problems)


def read(text: str | None, case: Case) -> SavedGenogram:
    """The saved genogram; no text (or only spaces) is an empty family titled after the case."""
    if text is None or not text.strip():
        data = empty_family(case)
        return SavedGenogram(None, data, Family.from_dict(data))
    family, problems = _parse(text)
    if family is None:
        try:
            raw = json.loads(text)
        except ValueError:
            raw = {}
        return SavedGenogram(text, raw if isinstance(raw, dict) else {}, None, list(problems))
    return SavedGenogram(text, family.to_dict(), family)


def case_genogram(case: Case) -> SavedGenogram:
    return read(case.genogram_json, case)


def session_text(meeting: Meeting) -> str | None:
    """What a session shows: the snapshot once agreed (the drawing as it was that day), else the case's."""
    return meeting.genogram_snapshot if meeting.is_agreed else meeting.case.genogram_json


def session_day(meeting: Meeting) -> date:
    """Ages in an agreed session's drawing are those of the day it was agreed."""
    if meeting.is_agreed and meeting.agreed_at is not None:
        return meeting.agreed_at.date()
    return date.today()


def session_genogram(meeting: Meeting) -> SavedGenogram:
    return read(session_text(meeting), meeting.case)


def drawing_tag(text: str | None, fmt: str, day: date) -> str:
    """The ETag of a drawing: what it depends on (the saved text, format, day for ages, renderer), hashed.

    Computed from the stored text without parsing it, so a browser's revalidation costs one hash.
    """
    raw = f"{RENDERER_VERSION}\n{fmt}\n{day.isoformat()}\n{text or ''}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:32]


def session_drawing_path(meeting: Meeting) -> str:
    """The session's drawing, versioned by content so an open screen reloads it when it changes."""
    tag = drawing_tag(session_text(meeting), "svg", session_day(meeting))
    return f"/sessions/{meeting.id}/genogram.svg?v={tag[:12]}"


@functools.lru_cache(maxsize=128)
def _describe(text: str, day: date) -> str:
    family, _ = _parse(text)
    return genogram.text_alternative(family, as_of=day) if family is not None else ""


def text_alternative(saved: SavedGenogram, day: date | None = None) -> list[str]:
    """Who is in the family and how they are related, one sentence per line (for screen readers)."""
    if not saved.drawable:
        return []
    day = day or date.today()
    if saved.text is None:
        return genogram.text_alternative(saved.family, as_of=day).splitlines()
    return _describe(saved.text, day).splitlines()


def draw(saved: SavedGenogram, fmt: str, day: date) -> bytes:
    """The drawing in svg, png or pdf (cached by content in the library). Raises genogram.RenderError."""
    assert saved.family is not None
    return genogram.render(saved.family, fmt, as_of=day)


# --- labels the pages use ---------------------------------------------------------------------

def person_label(person: dict[str, Any]) -> str:
    """How a person is named in lists and choices: the name (or what they are) and the year of birth."""
    name = " ".join(str(person.get("name", "")).split())
    kind = person.get("kind", "person")
    born = person.get("born")
    if kind != "person":
        what = name or kind.capitalize()
        return f"{what} (due {born})" if born and kind == "pregnancy" else f"{what} ({born[:4]})" if born else what
    return f"{name or 'Unnamed person'} (b. {born[:4]})" if born else name or "Unnamed person"


def union_label(union: dict[str, Any], names: dict[str, str]) -> str:
    partners = [names.get(p, p) for p in union.get("partners", [])]
    if len(partners) == 1:
        return f"{partners[0]} (other parent not known)"
    return " and ".join(partners)


# --- changing ----------------------------------------------------------------------------------

def _for_change(case: Case) -> dict[str, Any]:
    """The saved family as data to change; a saved family that cannot be drawn is not changed bit by bit."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Two people saving at once each change the latest family, one after the other.
        db.session.refresh(case, attribute_names=["genogram_json"], with_for_update=True)
    saved = case_genogram(case)
    if saved.family is None:
        raise GenogramProblems(saved.problems, "The saved genogram has problems, so it cannot be changed here. "
                                               "Export it, correct it and import it again:")
    return copy.deepcopy(saved.data)


def _store(case: Case, data: dict[str, Any], fields: dict[str, str] | None = None) -> Family:
    """Check the whole family and save it canonically; `fields` maps JSON paths to the form's fields."""
    problems = genogram.validate(data)
    if problems:
        raise GenogramProblems(problems, fields=fields)
    family = Family.from_dict(data)
    case.genogram_json = family.to_json()
    return family


def _slug(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = "-".join(re.findall(r"[a-z0-9]+", ascii_text))[:40].strip("-")
    return slug or fallback


def _next_id(prefix: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _paths(where: str, fields: dict[str, str]) -> dict[str, str]:
    return {f"{where}.{key}": name for key, name in fields.items()}


def _new_id(text: str, fallback: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    base = _slug(text, fallback)
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _person(data: dict[str, Any], person_id: str) -> dict[str, Any]:
    for person in data["people"]:
        if person["id"] == person_id:
            return person
    raise DomainError("That person is no longer in the genogram; someone may have removed them.")


def _union(data: dict[str, Any], union_id: str) -> dict[str, Any]:
    for union in data["unions"]:
        if union["id"] == union_id:
            return union
    raise DomainError("That partnership is no longer in the genogram; someone may have removed it.")


def _set(item: dict[str, Any], key: str, value: Any) -> None:
    """Set an optional key; an empty value leaves it out (the format's default)."""
    if value in (None, "", False):
        item.pop(key, None)
    else:
        item[key] = value


def set_title(case: Case, title: str) -> None:
    data = _for_change(case)
    data["title"] = title.strip()
    _store(case, data, {"title": "title"})


@dataclass
class PersonDetails:
    name: str
    sex: str
    kind: str = "person"
    born: str = ""
    died: str = ""
    deceased: bool = False
    subject: bool = False
    household: str = ""
    gender: str = ""
    note: str = ""


def save_person(case: Case, details: PersonDetails, person_id: str | None = None, *,
                child_of: str | None = None, relation: str = "biological") -> str:
    """Add a person (optionally as a child of a partnership), or change one; returns their id."""
    data = _for_change(case)
    if person_id:
        person = _person(data, person_id)
    else:
        person = {"id": _new_id(details.name, "person", (p["id"] for p in data["people"]))}
        data["people"].append(person)
        if child_of:
            _union(data, child_of).setdefault("children", []).append(_child_link(person["id"], relation))
    person["name"] = details.name.strip()
    person["sex"] = details.sex
    for key in ("kind", "born", "died", "household", "gender"):
        value = getattr(details, key).strip()
        _set(person, key, None if key == "kind" and value == "person" else value)
    _set(person, "note", details.note.strip())
    _set(person, "deceased", details.deceased or bool(details.died.strip()))
    _set(person, "subject", details.subject)
    index = data["people"].index(person)
    keys = {k: k for k in ("name", "sex", "kind", "born", "died", "deceased", "household", "gender", "note")}
    _store(case, data, {**_paths(f"people[{index}]", keys), f"people[{person['id']}].born": "born"})
    return person["id"]


def remove_person(case: Case, person_id: str) -> None:
    """Take a person out, with every line to them; everyone else stays as they were."""
    data = _for_change(case)
    data["people"].remove(_person(data, person_id))
    kept = []
    for union in data["unions"]:
        union["partners"] = [p for p in union["partners"] if p != person_id]
        union["children"] = [c for c in union.get("children", []) if c["id"] != person_id]
        if union["partners"]:
            kept.append(union)
    data["unions"] = kept
    data["relationships"] = [r for r in data["relationships"] if person_id not in (r["from"], r["to"])]
    _tidy_twins(data)
    _store(case, data)


def _tidy_twins(data: dict[str, Any]) -> None:
    """A twin whose twin was taken out is no longer marked as one."""
    for union in data["unions"]:
        groups: dict[str, int] = {}
        for child in union.get("children", []):
            if child.get("twin"):
                groups[child["twin"]] = groups.get(child["twin"], 0) + 1
        for child in union.get("children", []):
            if child.get("twin") and groups[child["twin"]] < 2:
                child.pop("twin")
                child.pop("identical", None)


def save_union(case: Case, partners: list[str], *, union_type: str, status: str, start: str = "", end: str = "",
               union_id: str | None = None) -> str:
    """Add a partnership of one or two people (one when the other parent is not known), or change one."""
    data = _for_change(case)
    partners = [p for p in partners if p]
    for partner in partners:
        _person(data, partner)
    if union_id:
        union = _union(data, union_id)
    else:
        union = {"id": _next_id("u", (u["id"] for u in data["unions"])), "children": []}
        data["unions"].append(union)
    union["partners"] = partners
    _set(union, "type", None if union_type == "unknown" else union_type)
    _set(union, "status", None if status == "together" else status)
    _set(union, "from", start.strip())
    _set(union, "to", end.strip())
    where = f"unions[{data['unions'].index(union)}]"
    _store(case, data, _paths(where, {"partners": "partner_one", "type": "union_type", "status": "status",
                                      "from": "start", "to": "end"}))
    return union["id"]


def remove_union(case: Case, union_id: str) -> None:
    """Take a partnership out; its people stay (its children lose that line to their parents)."""
    data = _for_change(case)
    data["unions"].remove(_union(data, union_id))
    _store(case, data)


def _child_link(child_id: str, relation: str, twin: str = "", identical: bool = False) -> dict[str, Any]:
    link: dict[str, Any] = {"id": child_id}
    _set(link, "relation", None if relation == "biological" else relation)
    _set(link, "twin", twin.strip())
    _set(link, "identical", identical)
    return link


def save_child(case: Case, union_id: str, child_id: str, *, relation: str = "biological", twin: str = "",
               identical: bool = False) -> None:
    """Make a person a child of a partnership, or change how they are its child (relation, twins)."""
    data = _for_change(case)
    union = _union(data, union_id)
    _person(data, child_id)
    link = _child_link(child_id, relation, twin, identical)
    children = union.setdefault("children", [])
    for index, existing in enumerate(children):
        if existing["id"] == child_id:
            children[index] = link
            break
    else:
        children.append(link)
    where = f"unions[{data['unions'].index(union)}].children[{children.index(link)}]"
    _store(case, data, {where: "child_id", f"people[{child_id}].born": "child_id",
                        **_paths(where, {"relation": "relation", "twin": "twin", "identical": "identical"})})


def remove_child(case: Case, union_id: str, child_id: str) -> None:
    data = _for_change(case)
    union = _union(data, union_id)
    before = len(union.get("children", []))
    union["children"] = [c for c in union.get("children", []) if c["id"] != child_id]
    if len(union["children"]) == before:
        raise DomainError("That child is no longer linked to that partnership.")
    _tidy_twins(data)
    _store(case, data)


def relationship_key(rel: dict[str, Any]) -> str:
    """How a form names an emotional relationship (they have no id): its two people and kind."""
    return json.dumps([rel["from"], rel["to"], rel["kind"]], ensure_ascii=False)


def _relationship_index(data: dict[str, Any], key: str) -> int:
    for index, rel in enumerate(data["relationships"]):
        if relationship_key(rel) == key:
            return index
    raise DomainError("That relationship is no longer in the genogram; someone may have changed it.")


def save_relationship(case: Case, source: str, target: str, kind: str, key: str | None = None) -> None:
    """Add an emotional relationship, or change the one named by `key`."""
    data = _for_change(case)
    _person(data, source)
    _person(data, target)
    rel = {"from": source, "to": target, "kind": kind}
    if key:
        data["relationships"][_relationship_index(data, key)] = rel
    elif relationship_key(rel) in {relationship_key(r) for r in data["relationships"]}:
        raise DomainError("That relationship is already in the genogram.")
    else:
        data["relationships"].append(rel)
    where = f"relationships[{data['relationships'].index(rel)}]"
    _store(case, data, {where: "target", **_paths(where, {"from": "source", "to": "target", "kind": "kind"})})


def remove_relationship(case: Case, key: str) -> None:
    data = _for_change(case)
    del data["relationships"][_relationship_index(data, key)]
    _store(case, data)


def save_household(case: Case, name: str, members: list[str], household_id: str | None = None) -> str:
    """Add a household (the people who live together) or change one: its name and who lives there."""
    data = _for_change(case)
    if household_id:
        household = next((h for h in data["households"] if h["id"] == household_id), None)
        if household is None:
            raise DomainError("That household is no longer in the genogram; someone may have removed it.")
    else:
        household = {"id": _new_id(name, "household", (h["id"] for h in data["households"]))}
        data["households"].append(household)
    household["name"] = name.strip()
    chosen = set(members)
    for person in data["people"]:
        if person["id"] in chosen:
            person["household"] = household["id"]
        elif person.get("household") == household["id"]:
            person.pop("household")
    _store(case, data, {f"households[{data['households'].index(household)}].name": "name"})
    return household["id"]


def remove_household(case: Case, household_id: str) -> None:
    """Take a household outline away; its people stay, living nowhere in particular."""
    data = _for_change(case)
    before = len(data["households"])
    data["households"] = [h for h in data["households"] if h["id"] != household_id]
    if len(data["households"]) == before:
        raise DomainError("That household is no longer in the genogram.")
    for person in data["people"]:
        if person.get("household") == household_id:
            person.pop("household")
    _store(case, data)


def _same_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def children_not_drawn(case: Case, saved: SavedGenogram) -> list[str]:
    """The names of the case's children who are not (by name) in the genogram yet."""
    if saved.family is None:
        return []
    named = {_same_name(p.name) for p in saved.family.people}
    return [child.name for child in case.children if _same_name(child.name) not in named]


def start_from_children(case: Case) -> int:
    """Add the case's children as subject children (those not already in it by name); returns how many."""
    data = _for_change(case)
    if not case.children:
        raise DomainError("This case has no children recorded yet. Add them on the case first, or add people here.")
    named = {_same_name(p["name"]) for p in data["people"]}
    added = 0
    for child in case.children:
        if _same_name(child.name) in named:
            continue
        person = {"id": _new_id(child.name, "child", (p["id"] for p in data["people"])), "name": child.name.strip(),
                  "sex": "unknown", "subject": True}
        if child.date_of_birth is not None:
            person["born"] = child.date_of_birth.isoformat()
        data["people"].append(person)
        added += 1
    if not added:
        raise DomainError("The case's children are already in the genogram.")
    _store(case, data)
    return added


def import_family(case: Case, content: bytes) -> Family:
    """Replace the case's genogram with a JSON file's family; a broken file changes nothing."""
    try:
        family = genogram.load(content)
    except FamilyError as error:
        raise GenogramProblems(error.problems, "The file was not imported, and the genogram is unchanged:") from None
    case.genogram_json = family.to_json()
    return family


def export_text(case: Case) -> str:
    """The genogram as a JSON file: canonical and readable; a saved family with problems exactly as saved."""
    saved = case_genogram(case)
    if saved.family is None:
        return saved.text or ""
    return json.dumps(saved.family.to_dict(), indent=2, ensure_ascii=False) + "\n"
