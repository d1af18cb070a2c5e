"""The family model: JSON round trip, canonical form, content key, dates and ages."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import AS_OF, EXAMPLES, example_dict, small_family

from genogram import Family, FamilyError, Sex, load
from genogram.dates import PartialDate, years_between
from genogram.labels import age, person_lines, union_text


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_examples_round_trip(name: str) -> None:
    family = Family.from_dict(example_dict(name))
    canonical = family.to_dict()
    assert Family.from_dict(canonical) == family
    assert Family.from_dict(canonical).to_dict() == canonical
    assert json.loads(family.to_json()) == canonical


def test_canonical_form_drops_defaults_and_normalises() -> None:
    data = small_family()
    data["people"][0].update({"kind": "person", "subject": False, "deceased": False})
    data["unions"][0]["children"][0].update({"relation": "biological", "identical": False})
    data["unions"][0]["status"] = "together"
    canonical = Family.from_dict(data).to_dict()
    assert canonical["people"][0] == {"id": "mum", "name": "Amy Jones", "sex": "female", "born": "1988"}
    assert canonical["unions"][0]["children"] == [{"id": "kid"}]
    assert "status" not in canonical["unions"][0]


def test_died_implies_deceased() -> None:
    data = small_family()
    data["people"][1]["died"] = "2020-05"
    family = Family.from_dict(data)
    assert family.person["dad"].deceased
    assert family.to_dict()["people"][1]["deceased"] is True


def test_content_key_is_stable_and_tracks_content() -> None:
    first = Family.from_dict(small_family())
    again = Family.from_dict(json.loads(json.dumps(small_family(), indent=4, sort_keys=True)))
    assert first.content_key == again.content_key
    assert len(first.content_key) == 64
    changed = small_family()
    changed["people"][2]["name"] = "Kayla Jones"
    assert Family.from_dict(changed).content_key != first.content_key
    reordered = small_family()
    reordered["people"].reverse()  # order is meaningful (it is the order given for undated children)
    assert Family.from_dict(reordered).content_key != first.content_key


def test_load_reports_bad_json_as_a_problem() -> None:
    with pytest.raises(FamilyError) as caught:
        load('{"title": "x", "people": [')
    assert "not valid JSON" in caught.value.problems[0].message
    with pytest.raises(FamilyError):
        load(b"\xff\xfe not utf-8")


def test_partial_dates() -> None:
    assert str(PartialDate.parse("2016")) == "2016"
    assert PartialDate.parse("2016-02-29").earliest == date(2016, 2, 29)
    assert PartialDate.parse("2016-02").latest == date(2016, 2, 29)
    for bad in ("16", "2016-13", "2019-02-29", "2016/01/01", "２０１６"):
        with pytest.raises(ValueError):
            PartialDate.parse(bad)
    assert PartialDate.parse("2015").surely_before(PartialDate.parse("2016-01"))
    assert not PartialDate.parse("2016").surely_before(PartialDate.parse("2016-06"))


def test_ages_use_the_given_day() -> None:
    born = PartialDate.parse("2016-11-23")
    assert years_between(born, date(2026, 11, 22)) == 9
    assert years_between(born, date(2026, 11, 23)) == 10
    assert years_between(PartialDate.parse("2016"), AS_OF) == 10
    family = Family.from_dict(small_family())
    assert age(family.person["kid"], AS_OF) == 10
    assert person_lines(family.person["kid"], AS_OF) == ["Kayla Smith", "b. 2016"]


def test_deceased_label_shows_years_and_age_at_death() -> None:
    data = small_family()
    data["people"][1].update({"born": "1950-03-01", "died": "2019-02-01"})
    person = Family.from_dict(data).person["dad"]
    assert person_lines(person, AS_OF) == ["Dean Smith", "1950–2019 (68)"]
    assert person.sex is Sex.MALE


def test_union_years_on_the_partner_line() -> None:
    data = small_family()
    data["unions"][0].update({"from": "2008-06", "to": "2015", "status": "divorced"})
    assert union_text(Family.from_dict(data).unions[0]) == "m. 2008, div. 2015"
