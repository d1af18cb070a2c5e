"""Validation: every problem is reported in plain words naming the person or link, never as a traceback."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import small_family
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genogram import Family, FamilyError, load, validate
from genogram.validate import MAX_ITEMS, MAX_PEOPLE


def messages(data: Any) -> list[str]:
    return [problem.message for problem in validate(data)]


def broken(change) -> dict[str, Any]:
    data = small_family()
    change(data)
    return data


def add_person(data: dict[str, Any], **person: Any) -> None:
    data["people"].append({"name": "Extra Person", "sex": "female", **person})


CASES = [
    ("not an object", lambda d: None, ['must be a JSON object with a "title"']),
    ("unknown field", lambda d: d.update(colour="red"), ['field "colour" that genograms do not use']),
    ("title missing", lambda d: d.pop("title"), ['needs a "title"']),
    ("title wrong type", lambda d: d.update(title=7), ['"title" should be text, not 7']),
    ("title empty", lambda d: d.update(title="  "), ['"title" is empty']),
    ("people missing", lambda d: d.pop("people"), ['needs a list of "people"']),
    ("people not a list", lambda d: d.update(people={"a": 1}), ['"people" should be a list, not an object']),
    ("person not an object", lambda d: d["people"].append("Bob"), ['Person 4 in the list should be an object']),
    ("id missing", lambda d: d["people"].append({"name": "Bob", "sex": "male"}),
     ['Person 4 in the list needs an "id"']),
    ("id wrong type", lambda d: add_person(d, id=12), ["the id should be non-empty text, not 12"]),
    ("duplicate id", lambda d: add_person(d, id="kid", name="Kayla Two"),
     ['Kayla Two (id "kid") is listed twice: each person needs their own id']),
    ("unknown person field", lambda d: d["people"][2].update(bron="2016"),
     ['Kayla Smith (id "kid") has a field "bron" that genograms do not use']),
    ("name wrong type", lambda d: d["people"][0].update(name=["Amy"]), ['"name" should be text, not a list']),
    ("sex missing", lambda d: d["people"][0].pop("sex"),
     ['Amy Jones (id "mum") needs a "sex": "female", "male", "nonbinary" or "unknown"']),
    ("sex bad value", lambda d: d["people"][0].update(sex="F"), ['Amy Jones (id "mum"): "sex" is "F"; it should be']),
    ("kind bad value", lambda d: d["people"][2].update(kind="baby"), ['"kind" is "baby"; it should be "person"']),
    ("date format", lambda d: d["people"][2].update(born="09/04/2016"),
     ['Kayla Smith (id "kid"): the date of birth "09/04/2016" is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD']),
    ("impossible day", lambda d: d["people"][2].update(born="2015-02-29"),
     ['"2015-02-29" is a day that does not exist']),
    ("impossible month", lambda d: d["people"][2].update(born="2016-13"),
     ['"2016-13" has a month that does not exist']),
    ("date wrong type", lambda d: d["people"][2].update(born=2016), ["the date of birth should be text like 2016"]),
    ("died before born", lambda d: d["people"][1].update(died="1970"), ['Dean Smith (id "dad") died (1970) before']),
    ("died but not deceased", lambda d: d["people"][1].update(died="2020", deceased=False),
     ["has a date of death but is marked as not deceased"]),
    ("subject not a flag", lambda d: d["people"][2].update(subject="yes"),
     ['"subject" should be true or false, not "yes"']),
    ("note too long", lambda d: d["people"][2].update(note="x" * 3000), ['"note" is 3000 characters long']),
    ("unknown household", lambda d: d["people"][2].update(household="nan"),
     ['Kayla Smith (id "kid") lives in household "nan", which is not in the list of households']),
    ("control characters", lambda d: d["people"][2].update(name="Kay\x00la"), ["contains control characters"]),
    ("lone surrogate", lambda d: d["people"][2].update(name="Kay\ud800la"), ["contains control characters"]),
    ("partners missing", lambda d: d["unions"][0].pop("partners"), ['needs "partners": a list of one or two']),
    ("partners not ids", lambda d: d["unions"][0].update(partners="dad"),
     ['"partners" should be a list of person ids']),
    ("no partners", lambda d: d["unions"][0].update(partners=[]), ["has no partners"]),
    ("three partners", lambda d: (add_person(d, id="x"), d["unions"][0]["partners"].append("x")),
     ['The union "u1" has 3 partners (Dean Smith (id "dad"), Amy Jones (id "mum"), Extra Person (id "x"))']),
    ("same partner twice", lambda d: d["unions"][0].update(partners=["dad", "dad"]), ["lists the same partner twice"]),
    ("unknown partner", lambda d: d["unions"][0]["partners"].__setitem__(1, "ghost"),
     ['names a partner with id "ghost", who is not in the list of people']),
    ("duplicate union", lambda d: d["unions"].append(copy.deepcopy(d["unions"][0])), ["is listed twice: union ids"]),
    ("union type", lambda d: d["unions"][0].update(type="engaged"), ['"type" is "engaged"; it should be "married"']),
    ("union status", lambda d: d["unions"][0].update(status="over"), ['"status" is "over"; it should be "together"']),
    ("union ends before it starts", lambda d: d["unions"][0].update({"from": "2010", "to": "2009"}),
     ["ends (2009) before it starts (2010)"]),
    ("unknown child", lambda d: d["unions"][0]["children"].append({"id": "nobody"}),
     ['has a child with id "nobody", who is not in the list of people']),
    ("child listed twice", lambda d: d["unions"][0]["children"].append({"id": "kid"}),
     ['child Kayla Smith (id "kid") is listed twice']),
    ("child is a partner", lambda d: d["unions"][0]["children"].append({"id": "mum"}),
     ['Amy Jones (id "mum") is both a partner and a child in the same union']),
    ("child not an object", lambda d: d["unions"][0]["children"].append("kid"), ['child 2 should be an object']),
    ("bad relation", lambda d: d["unions"][0]["children"][0].update(relation="godchild"),
     ['"relation" is "godchild"; it should be "biological"']),
    ("lonely twin", lambda d: d["unions"][0]["children"][0].update(twin="t1"),
     ['twin group "t1" has only one child (Kayla Smith (id "kid"))']),
    ("identical without twin", lambda d: d["unions"][0]["children"][0].update(identical=True),
     ['is marked identical but has no "twin" group']),
    ("relationship unknown person", lambda d: d["relationships"].append({"from": "kid", "to": "zz", "kind": "close"}),
     ['"to" is "zz", who is not in the list of people']),
    ("relationship with self", lambda d: d["relationships"].append({"from": "kid", "to": "kid", "kind": "close"}),
     ['The relationship between Kayla Smith (id "kid") and Kayla Smith (id "kid") is with themselves']),
    ("relationship kind", lambda d: d["relationships"].append({"from": "kid", "to": "mum", "kind": "loving"}),
     ['"kind" is "loving"; it should be "close"']),
    ("relationship kind missing", lambda d: d["relationships"].append({"from": "kid", "to": "mum"}),
     ['needs a "kind"']),
    ("household duplicate", lambda d: d["households"].extend([{"id": "h", "name": "A"}, {"id": "h", "name": "B"}]),
     ['Household "h" is listed twice']),
    ("household without name", lambda d: d["households"].append({"id": "h"}), ['Household "h" needs a "name"']),
    ("child born before parent", lambda d: d["people"][2].update(born="1980"),
     ['Kayla Smith (id "kid"), born 1980, is recorded as a child of Dean Smith (id "dad"), born 1984: a child cannot '
      "be born before their parent"]),
    ("two birth families", lambda d: d["unions"].append({"id": "u2", "partners": ["mum"], "children": [{"id": "kid"}]}),
     ['Kayla Smith (id "kid") is the birth child of more than one union ("u1", "u2")']),
    ("own ancestor", lambda d: d["unions"].append({"id": "u2", "partners": ["kid"], "children": [{"id": "dad"}]}),
     ['would be their own ancestor']),
]


@pytest.mark.parametrize(("change", "expected"), [(c, e) for _, c, e in CASES], ids=[name for name, _, _ in CASES])
def test_each_problem_has_a_clear_message(change, expected: list[str]) -> None:
    data = None if expected[0].startswith("must be a JSON object") else broken(change)
    found = messages(data)
    for words in expected:
        assert any(words in message for message in found), found
    with pytest.raises(FamilyError) as caught:
        Family.from_dict(data)
    assert [p.message for p in caught.value.problems] == found


def test_a_valid_family_has_no_problems() -> None:
    assert validate(small_family()) == []


def test_problems_say_where_they_are() -> None:
    data = small_family()
    data["people"][2]["born"] = "2016-02-30"
    (problem,) = validate(data)
    assert problem.where == "people[2].born"
    assert str(problem) == problem.message


def test_every_problem_is_reported_not_just_the_first() -> None:
    data = small_family()
    data["people"][0]["sex"] = "woman"
    data["people"][2]["born"] = "soon"
    data["unions"][0]["type"] = "wed"
    assert len(validate(data)) == 3


def test_ancestor_loop_names_the_chain() -> None:
    data = small_family()
    data["unions"].append({"id": "u2", "partners": ["kid"], "children": [{"id": "dad"}]})
    for person in data["people"]:
        person.pop("born")  # leave the loop as the only problem
    (message,) = messages(data)
    assert message == ('Kayla Smith (id "kid") would be their own ancestor: Kayla Smith (id "kid") → '
                       'Dean Smith (id "dad") → Kayla Smith (id "kid").')


def test_too_many_people() -> None:
    people = [{"id": str(i), "name": "P", "sex": "unknown"} for i in range(MAX_PEOPLE + 1)]
    assert messages({"title": "Big", "people": people}) == [
        f"The family has {MAX_PEOPLE + 1} people; at most {MAX_PEOPLE} can be drawn."
    ]


def test_too_many_relationships() -> None:
    data = small_family(relationships=[{"from": "kid", "to": "mum", "kind": "close"}] * (MAX_ITEMS + 1))
    assert messages(data) == [f"The family has {MAX_ITEMS + 1} relationships; at most {MAX_ITEMS} can be drawn."]


# --- fuzzing: whatever comes in, the only exception is FamilyError ------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
field_names = st.sampled_from(["id", "name", "sex", "born", "died", "deceased", "kind", "subject", "household",
                               "note", "partners", "type", "status", "from", "to", "children", "relation", "twin",
                               "identical", "kind", "title", "people", "unions", "relationships", "households"])


def _mutate(data: Any, path: list[int], key: str, value: Any) -> Any:
    """Replace one field somewhere in a valid family by an arbitrary value."""
    target = data
    for step in path:
        values = target.values() if isinstance(target, dict) else target
        containers = [v for v in values if isinstance(v, dict | list)]
        if not containers:
            break
        target = containers[step % len(containers)]
    if isinstance(target, dict):
        target[key] = value
    elif isinstance(target, list):
        target.append(value)
    return data


def _check_never_raises_anything_else(data: Any) -> None:
    try:
        family = Family.from_dict(data)
    except FamilyError as exc:
        assert exc.problems and all(isinstance(p.message, str) and p.message for p in exc.problems)
    else:
        assert Family.from_dict(family.to_dict()) == family


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_fuzz_arbitrary_json(data: Any) -> None:
    _check_never_raises_anything_else(data)


@settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 20), max_size=5), field_names, json_values)
def test_fuzz_one_bad_field_in_a_real_family(path: list[int], key: str, value: Any) -> None:
    _check_never_raises_anything_else(_mutate(small_family(), path, key, value))


@settings(max_examples=60, deadline=None, database=None)
@given(st.binary(max_size=60) | st.text(max_size=60))
def test_fuzz_load_of_any_text(text: bytes | str) -> None:
    try:
        load(text)
    except FamilyError as exc:
        assert exc.problems
    data = json.dumps(small_family())
    assert load(data).title == "Test family"
