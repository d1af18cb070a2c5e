"""Check a decoded JSON family and list every problem in plain English.

``validate`` accepts anything (it is fed whatever a form or a file produced) and never raises: it
returns a list of Problem, empty when the family is fine. Messages name the person or link with the
person's name and id, so a social worker can find and fix it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from genogram.dates import PartialDate
from genogram.model import ChildRelation, Kind, RelationshipKind, Sex, UnionStatus, UnionType
from genogram.problems import Problem

# Bounds that keep one family drawable in a meeting room and cheap to lay out.
MAX_PEOPLE = 5000
MAX_ITEMS = 20000  # unions, relationships or households in one family
MAX_ID = 100
MAX_NAME = 200
MAX_TITLE = 200
MAX_NOTE = 2000
MAX_GENDER = 40

_VALUES: dict[Any, frozenset[str]] = {}
_TOP_KEYS = {"title", "people", "unions", "relationships", "households"}
_PERSON_KEYS = {"id", "name", "sex", "born", "died", "deceased", "kind", "subject", "household", "note", "gender"}
_UNION_KEYS = {"id", "partners", "type", "status", "from", "to", "children"}
_CHILD_KEYS = {"id", "relation", "twin", "identical"}
_RELATIONSHIP_KEYS = {"from", "to", "kind"}
_HOUSEHOLD_KEYS = {"id", "name"}


def validate(data: Any) -> list[Problem]:
    """Every problem with a decoded JSON family, in document order; an empty list means it can be drawn."""
    return _Checker().check(data)


def _show(value: Any) -> str:
    """A short, safe rendering of a bad value for a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return '"' + "".join(ch if ch.isprintable() else "?" for ch in text) + '"'
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a value of the wrong type"


def _choices(enum: Iterable[Any]) -> str:
    values = [f'"{member.value}"' for member in enum]
    return ", ".join(values[:-1]) + " or " + values[-1]


def _bad_characters(text: str) -> bool:
    """Control characters (other than new lines and tabs) and lone surrogates cannot be drawn or stored."""
    for ch in text:
        if ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":  # not allowed in XML either
            return True
    return False


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.names: dict[str, str] = {}  # person id -> name, for messages
        self.person_ids: set[str] = set()
        self.household_ids: set[str] = set()

    def add(self, message: str, where: str) -> None:
        self.problems.append(Problem(message, where))

    def who(self, pid: str, name: str | None = None) -> str:
        name = name if name is not None else self.names.get(pid)
        if name:
            return f'{_show(name)[1:-1]} (id "{_show(pid)[1:-1]}")'
        return f'the person with id "{_show(pid)[1:-1]}"'

    # --- top level -------------------------------------------------------------------------------

    def check(self, data: Any) -> list[Problem]:
        if not isinstance(data, dict):
            self.add('The family must be a JSON object with a "title" and a list of "people".', "")
            return self.problems
        self.unknown_keys(data, _TOP_KEYS, "The family", "")
        self.text(data, "title", "The family", "title", required=True, limit=MAX_TITLE, empty_ok=False)
        people = self.list_of(data, "people", "The family", required=True)
        unions = self.list_of(data, "unions", "The family")
        relationships = self.list_of(data, "relationships", "The family")
        households = self.list_of(data, "households", "The family")
        if len(people) > MAX_PEOPLE:
            self.add(f"The family has {len(people)} people; at most {MAX_PEOPLE} can be drawn.", "people")
            return self.problems
        for key, items in (("unions", unions), ("relationships", relationships), ("households", households)):
            if len(items) > MAX_ITEMS:
                self.add(f'The family has {len(items)} {key}; at most {MAX_ITEMS} can be drawn.', key)
                return self.problems
        self.collect_names(people)
        self.check_households(households)
        good_people = self.check_people(people)
        good_unions = self.check_unions(unions)
        self.check_relationships(relationships)
        if not self.problems:
            self.check_family_tree(good_people, good_unions)
        return self.problems

    def unknown_keys(self, item: dict[Any, Any], allowed: set[str], owner: str, where: str) -> None:
        for key in sorted((k for k in item if k not in allowed), key=str):
            self.add(f"{owner} has a field {_show(key)} that genograms do not use (check the spelling).", where)

    def list_of(self, item: dict[str, Any], key: str, owner: str, *, required: bool = False) -> list[Any]:
        if key not in item:
            if required:
                self.add(f'{owner} needs a list of "{key}".', key)
            return []
        value = item[key]
        if not isinstance(value, list):
            self.add(f'{owner}: "{key}" should be a list, not {_show(value)}.', key)
            return []
        return value

    def text(
        self,
        item: dict[str, Any],
        key: str,
        owner: str,
        where: str,
        *,
        required: bool = False,
        limit: int = MAX_NAME,
        empty_ok: bool = True,
    ) -> str | None:
        if key not in item:
            if required:
                self.add(f'{owner} needs a "{key}".', where)
            return None
        value = item[key]
        if not isinstance(value, str):
            self.add(f'{owner}: "{key}" should be text, not {_show(value)}.', where)
            return None
        if not empty_ok and not value.strip():
            self.add(f'{owner}: "{key}" is empty.', where)
            return None
        if len(value) > limit:
            self.add(f'{owner}: "{key}" is {len(value)} characters long; keep it to {limit}.', where)
            return None
        if _bad_characters(value):
            self.add(f'{owner}: "{key}" contains control characters that cannot be shown.', where)
            return None
        return value

    def flag(self, item: dict[str, Any], key: str, owner: str, where: str) -> bool | None:
        if key not in item:
            return None
        value = item[key]
        if not isinstance(value, bool):
            self.add(f'{owner}: "{key}" should be true or false, not {_show(value)}.', where)
            return None
        return value

    def choice(self, item: dict[str, Any], key: str, enum: Any, owner: str, where: str, *,
               required: bool = False) -> Any:
        if key not in item:
            if required:
                self.add(f'{owner} needs a "{key}": {_choices(enum)}.', where)
            return None
        value = item[key]
        valid = _VALUES.get(enum) or _VALUES.setdefault(enum, frozenset(member.value for member in enum))
        if not isinstance(value, str) or value not in valid:
            self.add(f'{owner}: "{key}" is {_show(value)}; it should be {_choices(enum)}.', where)
            return None
        return value

    def date(self, item: dict[str, Any], key: str, label: str, owner: str, where: str) -> PartialDate | None:
        if key not in item:
            return None
        value = item[key]
        if not isinstance(value, str):
            self.add(f"{owner}: the {label} should be text like 2016, 2016-05 or 2016-05-14, "
                     f"not {_show(value)}.", where)
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as exc:
            self.add(f"{owner}: the {label} {_show(value)} {exc}.", where)
            return None

    def identifier(self, item: dict[str, Any], owner: str, where: str) -> str | None:
        if "id" not in item:
            self.add(f'{owner} needs an "id".', where)
            return None
        value = item["id"]
        if not isinstance(value, str) or not value.strip():
            self.add(f"{owner}: the id should be non-empty text, not {_show(value)}.", where)
            return None
        if len(value) > MAX_ID or _bad_characters(value):
            self.add(f"{owner}: the id {_show(value)} is too long or has control characters.", where)
            return None
        return value

    # --- sections --------------------------------------------------------------------------------

    def collect_names(self, people: list[Any]) -> None:
        for person in people:
            if isinstance(person, dict):
                pid, name = person.get("id"), person.get("name")
                if isinstance(pid, str) and isinstance(name, str) and pid not in self.names:
                    self.names[pid] = name

    def check_households(self, households: list[Any]) -> None:
        for index, household in enumerate(households):
            where = f"households[{index}]"
            owner = f"Household {index + 1}"
            if not isinstance(household, dict):
                self.add(f"{owner} should be an object with an id and a name, not {_show(household)}.", where)
                continue
            hid = self.identifier(household, owner, where)
            if hid is not None:
                owner = f'Household "{_show(hid)[1:-1]}"'
                if hid in self.household_ids:
                    self.add(f"{owner} is listed twice: household ids must be unique.", where)
                self.household_ids.add(hid)
            self.unknown_keys(household, _HOUSEHOLD_KEYS, owner, where)
            self.text(household, "name", owner, f"{where}.name", required=True, limit=100, empty_ok=False)

    def check_people(self, people: list[Any]) -> list[dict[str, Any]]:
        good: list[dict[str, Any]] = []
        for index, person in enumerate(people):
            where = f"people[{index}]"
            if not isinstance(person, dict):
                self.add(f"Person {index + 1} in the list should be an object, not {_show(person)}.", where)
                continue
            before = len(self.problems)
            pid = self.identifier(person, f"Person {index + 1} in the list", where)
            own_name = person.get("name") if isinstance(person.get("name"), str) else None
            owner = self.who(pid, own_name) if pid is not None else f"Person {index + 1} in the list"
            if pid is not None:
                if pid in self.person_ids:
                    self.add(f"{owner} is listed twice: each person needs their own id.", where)
                self.person_ids.add(pid)
            self.unknown_keys(person, _PERSON_KEYS, owner, where)
            self.text(person, "name", owner, f"{where}.name", required=True)
            self.choice(person, "sex", Sex, owner, f"{where}.sex", required=True)
            self.choice(person, "kind", Kind, owner, f"{where}.kind")
            born = self.date(person, "born", "date of birth", owner, f"{where}.born")
            died = self.date(person, "died", "date of death", owner, f"{where}.died")
            deceased = self.flag(person, "deceased", owner, f"{where}.deceased")
            self.flag(person, "subject", owner, f"{where}.subject")
            self.text(person, "note", owner, f"{where}.note", limit=MAX_NOTE)
            self.text(person, "gender", owner, f"{where}.gender", limit=MAX_GENDER)
            household = self.text(person, "household", owner, f"{where}.household", limit=MAX_ID)
            if household is not None and household not in self.household_ids:
                self.add(f'{owner} lives in household "{_show(household)[1:-1]}", which is not in the list of '
                         "households.", f"{where}.household")
            if deceased is False and died is not None:
                self.add(f"{owner} has a date of death but is marked as not deceased.", f"{where}.deceased")
            if born is not None and died is not None and died.surely_before(born):
                self.add(f"{owner} died ({died}) before they were born ({born}).", f"{where}.died")
            if len(self.problems) == before:
                good.append(person)
        return good

    def check_unions(self, unions: list[Any]) -> list[dict[str, Any]]:
        good: list[dict[str, Any]] = []
        union_ids: set[str] = set()
        for index, union in enumerate(unions):
            where = f"unions[{index}]"
            if not isinstance(union, dict):
                self.add(f"Union {index + 1} in the list should be an object, not {_show(union)}.", where)
                continue
            before = len(self.problems)
            uid = self.identifier(union, f"Union {index + 1} in the list", where)
            partners = self.check_partners(union, uid, index, where)
            owner = self.union_name(uid, partners, index)
            if uid is not None:
                if uid in union_ids:
                    self.add(f"{owner} is listed twice: union ids must be unique.", where)
                union_ids.add(uid)
            self.unknown_keys(union, _UNION_KEYS, owner, where)
            self.choice(union, "type", UnionType, owner, f"{where}.type")
            self.choice(union, "status", UnionStatus, owner, f"{where}.status")
            start = self.date(union, "from", "start date", owner, f"{where}.from")
            end = self.date(union, "to", "end date", owner, f"{where}.to")
            if start is not None and end is not None and end.surely_before(start):
                self.add(f"{owner} ends ({end}) before it starts ({start}).", f"{where}.to")
            self.check_children(union, partners, owner, where)
            if len(self.problems) == before:
                good.append(union)
        return good

    def union_name(self, uid: str | None, partners: list[str], index: int) -> str:
        label = f'union "{_show(uid)[1:-1]}"' if uid is not None else f"union {index + 1} in the list"
        if partners:
            return f"The {label} of " + " and ".join(self.who(p) for p in partners)
        return f"The {label}"

    def check_partners(self, union: dict[str, Any], uid: str | None, index: int, where: str) -> list[str]:
        owner = self.union_name(uid, [], index)
        if "partners" not in union:
            self.add(f'{owner} needs "partners": a list of one or two person ids.', f"{where}.partners")
            return []
        partners = union["partners"]
        if not isinstance(partners, list) or not all(isinstance(p, str) for p in partners):
            self.add(f'{owner}: "partners" should be a list of person ids, not {_show(partners)}.', f"{where}.partners")
            return []
        if not partners:
            self.add(f"{owner} has no partners: give at least the one known parent.", f"{where}.partners")
        if len(partners) > 2:
            named = ", ".join(self.who(p) for p in partners)
            self.add(f"{owner} has {len(partners)} partners ({named}); a union is between one or two people: "
                     "record each partnership as its own union.", f"{where}.partners")
        if len(set(partners)) < len(partners):
            self.add(f"{owner} lists the same partner twice.", f"{where}.partners")
        known = []
        for partner in partners:
            if partner not in self.person_ids:
                self.add(f'{owner} names a partner with id {_show(partner)}, who is not in the list of people.',
                         f"{where}.partners")
            else:
                known.append(partner)
        return known

    def check_children(self, union: dict[str, Any], partners: list[str], owner: str, where: str) -> None:
        children = self.list_of(union, "children", owner)
        seen: set[str] = set()
        twins: dict[str, list[str]] = {}
        for index, child in enumerate(children):
            cwhere = f"{where}.children[{index}]"
            if not isinstance(child, dict):
                self.add(f'{owner}: child {index + 1} should be an object like {{"id": "..."}}, not {_show(child)}.',
                         cwhere)
                continue
            cid = self.identifier(child, f"{owner}: child {index + 1}", cwhere)
            if cid is None:
                continue
            cowner = f"{owner}: child {self.who(cid)}"
            if cid not in self.person_ids:
                self.add(f"{owner} has a child with id {_show(cid)}, who is not in the list of people.", cwhere)
            if cid in seen:
                self.add(f"{cowner} is listed twice.", cwhere)
            seen.add(cid)
            if cid in partners:
                self.add(f"{self.who(cid)} is both a partner and a child in the same union.", cwhere)
            self.unknown_keys(child, _CHILD_KEYS, cowner, cwhere)
            self.choice(child, "relation", ChildRelation, cowner, f"{cwhere}.relation")
            twin = self.text(child, "twin", cowner, f"{cwhere}.twin", limit=MAX_ID, empty_ok=False)
            identical = self.flag(child, "identical", cowner, f"{cwhere}.identical")
            if twin is not None:
                twins.setdefault(twin, []).append(cid)
            elif identical:
                self.add(f'{cowner} is marked identical but has no "twin" group.', f"{cwhere}.identical")
        for group, members in twins.items():
            if len(members) < 2:
                self.add(f'{owner}: twin group "{_show(group)[1:-1]}" has only one child ({self.who(members[0])}); '
                         "give both twins the same twin group.", where)

    def check_relationships(self, relationships: list[Any]) -> None:
        for index, rel in enumerate(relationships):
            where = f"relationships[{index}]"
            owner = f"Relationship {index + 1}"
            if not isinstance(rel, dict):
                self.add(f"{owner} should be an object with from, to and kind, not {_show(rel)}.", where)
                continue
            ends = []
            for key in ("from", "to"):
                pid = self.text(rel, key, owner, f"{where}.{key}", required=True, limit=MAX_ID)
                if pid is not None and pid not in self.person_ids:
                    self.add(f'{owner}: "{key}" is {_show(pid)}, who is not in the list of people.', f"{where}.{key}")
                ends.append(pid)
            if ends[0] is not None and ends[1] is not None:
                owner = f"The relationship between {self.who(ends[0])} and {self.who(ends[1])}"
                if ends[0] == ends[1]:
                    self.add(f"{owner} is with themselves.", where)
            self.unknown_keys(rel, _RELATIONSHIP_KEYS, owner, where)
            self.choice(rel, "kind", RelationshipKind, owner, f"{where}.kind", required=True)

    # --- across the whole family (only once every item is well formed) ---------------------------

    def check_family_tree(self, people: list[dict[str, Any]], unions: list[dict[str, Any]]) -> None:
        born = {p["id"]: PartialDate.parse(p["born"]) for p in people if "born" in p}
        children_of: dict[str, list[str]] = {p["id"]: [] for p in people}
        birth_parents: dict[str, list[str]] = {}
        for union in unions:
            for child in union.get("children", []):
                relation = child.get("relation", "biological")
                if relation == "biological":
                    birth_parents.setdefault(child["id"], []).append(union["id"])
                for partner in union["partners"]:
                    children_of[partner].append(child["id"])
                    if relation != "step" and child["id"] in born and partner in born:
                        if born[child["id"]].surely_before(born[partner]):
                            self.add(f"{self.who(child['id'])}, born {born[child['id']]}, is recorded as a child of "
                                     f"{self.who(partner)}, born {born[partner]}: a child cannot be born before "
                                     "their parent.", f"people[{child['id']}].born")
        for cid, union_ids in birth_parents.items():
            if len(union_ids) > 1:
                listed = ", ".join(f'"{_show(u)[1:-1]}"' for u in union_ids)
                self.add(f"{self.who(cid)} is the birth child of more than one union ({listed}); for adoption, "
                         'fostering or step-families use "relation".', f"people[{cid}]")
        self.check_ancestry(children_of)

    def check_ancestry(self, children_of: dict[str, list[str]]) -> None:
        """Find loops (someone their own ancestor) with an iterative depth-first search."""
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        reported: set[str] = set()
        for root in children_of:
            if root in state:
                continue
            path: list[str] = [root]
            stack = [iter(children_of[root])]
            state[root] = 1
            while stack:
                child = next(stack[-1], None)
                if child is None:
                    state[path.pop()] = 2
                    stack.pop()
                    continue
                if state.get(child) == 1:
                    loop = path[path.index(child):]
                    if not reported.intersection(loop):
                        reported.update(loop)
                        chain = " → ".join(self.who(p) for p in [*loop, child])
                        self.add(f"{self.who(child)} would be their own ancestor: {chain}.", f"people[{child}]")
                elif child not in state:
                    state[child] = 1
                    path.append(child)
                    stack.append(iter(children_of[child]))
