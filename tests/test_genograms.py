"""A case's genogram in the app: the editor's operations, import and export, the drawings, sessions."""

from __future__ import annotations

import io
import json
import re

import pytest

import genogram
from genogram.graphviz_run import run_dot
from supervision.models import Case, Role
from supervision.services import genograms as ops
from supervision.services import live
from supervision.services import meetings as meeting_ops
from tests.routes import isolated_client, signed_in

HOSTILE = '<script>alert(1)</script>"]; x -> y [label="'

FAMILY = {
    "title": "Smith family",
    "people": [
        {"id": "dean", "name": "Dean Smith", "sex": "male", "born": "1984"},
        {"id": "amy", "name": "Amy Jones", "sex": "female", "born": "1988-02-11", "household": "home"},
        {"id": "kayla", "name": "Kayla Smith", "sex": "female", "born": "2016-04-09", "subject": True,
         "household": "home"},
        {"id": "jay", "name": "Jayden Smith", "sex": "male", "born": "2016-04-09", "subject": True},
        {"id": "tia", "name": "Tia Smith", "sex": "female", "born": "2016-04-09"},
    ],
    "unions": [{"id": "u1", "partners": ["dean", "amy"], "type": "married", "status": "divorced",
                "from": "2014", "to": "2020",
                "children": [{"id": "kayla"}, {"id": "jay", "twin": "t", "identical": True},
                             {"id": "tia", "twin": "t", "identical": True}]}],
    "relationships": [{"from": "dean", "to": "amy", "kind": "conflict"}],
    "households": [{"id": "home", "name": "Mum's home"}],
}


@pytest.fixture()
def world(team_setup, login_as):
    """The team's manager signed in, and their case (two children, no genogram yet)."""
    return dict(team_setup, client=login_as(team_setup["manager"]), base=f"/cases/{team_setup['case'].id}/genogram")


def _saved(db, case: Case) -> dict:
    db.session.expire_all()
    text = db.session.get(Case, case.id).genogram_json
    return json.loads(text) if text else {}


def _with_family(db, case: Case, family: dict = FAMILY) -> None:
    case.genogram_json = genogram.Family.from_dict(family).to_json()
    db.session.commit()


def _ids(data: dict, key: str = "people") -> list[str]:
    return [item["id"] for item in data.get(key, [])]


# --- the editor page and the empty state ---------------------------------------------------------

def test_a_case_without_a_genogram_gets_a_friendly_empty_state(world):
    page = world["client"].get(world["base"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No one is in this genogram yet." in html
    assert "Start from the children on this case" in html
    assert "Child " in html  # the case's children are named in the offer
    drawing = world["client"].get(world["base"] + ".svg")
    assert drawing.status_code == 200 and drawing.mimetype == "image/svg+xml"
    assert b"No one is in this genogram yet." in drawing.data
    for fmt, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
        response = world["client"].get(f"{world['base']}.{fmt}")
        assert response.status_code == 200 and response.data.startswith(magic)


def test_start_from_the_children_adds_them_as_subject_children_once(world, db):
    case = world["case"]
    response = world["client"].post(world["base"] + "/start-from-children")
    assert response.status_code == 302
    data = _saved(db, case)
    assert [p["name"] for p in data["people"]] == [c.name for c in case.children]
    assert all(p["subject"] and p["sex"] == "unknown" for p in data["people"])
    assert data["people"][0]["born"] == case.children[0].date_of_birth.isoformat()
    assert data["title"] == case.family_label
    again = world["client"].post(world["base"] + "/start-from-children")
    assert again.status_code == 400 and "already in the genogram" in again.get_data(as_text=True)
    assert len(_saved(db, case)["people"]) == 2


def test_the_editor_lists_the_family_and_shows_the_drawing_and_words(world, db):
    _with_family(db, world["case"])
    html = world["client"].get(world["base"]).get_data(as_text=True)
    assert f'src="/cases/{world["case"].id}/genogram.svg?v=' in html
    assert "Who is in the family" in html and "Kayla Smith (female, born 2016" in html
    assert "Dean Smith (b. 1984)" in html and "Mum&#39;s home" in html
    assert "is in conflict with" in html
    for fmt in ("svg", "png", "pdf"):
        assert f"/cases/{world['case'].id}/genogram.{fmt}?download=1" in html


# --- people ----------------------------------------------------------------------------------------

def _person(**fields) -> dict:
    data = {"person-name": "Amy Jones", "person-sex": "female", "person-kind": "person"}
    data.update({f"person-{k}": v for k, v in fields.items()})
    return data


def test_add_a_person_stores_canonical_json(world, db):
    response = world["client"].post(world["base"] + "/people", data=_person(born="1988-02-11", subject="y",
                                                                             note="Mum"))
    assert response.status_code == 302 and response.headers["Location"].endswith("#people")
    data = _saved(db, world["case"])
    assert data["people"] == [{"id": "amy-jones", "name": "Amy Jones", "sex": "female", "born": "1988-02-11",
                               "subject": True, "note": "Mum"}]
    assert world["case"].genogram_json == genogram.load(world["case"].genogram_json).to_json()  # canonical
    world["client"].post(world["base"] + "/people", data=_person())
    assert _ids(_saved(db, world["case"])) == ["amy-jones", "amy-jones-2"]  # ids are unique


def test_a_new_person_can_be_added_as_a_child_of_a_partnership(world, db):
    _with_family(db, world["case"])
    world["client"].post(world["base"] + "/people", data=_person(name="Mia Carter", born="2022",
                                                                 child_of="u1", relation="adopted"))
    union = _saved(db, world["case"])["unions"][0]
    assert union["children"][-1] == {"id": "mia-carter", "relation": "adopted"}


def test_a_badly_written_date_is_refused_next_to_its_field_with_the_text_kept(world, db):
    response = world["client"].post(world["base"] + "/people", data=_person(name="Amy <Jones>", born="11/02/1988"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="person-born-error"' in html and "Write the date as a year (1988)" in html
    assert 'value="11/02/1988"' in html and 'value="Amy &lt;Jones&gt;"' in html
    assert _saved(db, world["case"]) == {}


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"born": "2015-02-30"}, "born", "is a day that does not exist"),
    ({"born": "2000", "died": "1999"}, "died", "died (1999) before they were born (2000)"),
    ({"name": "x" * 201}, "name", "Field cannot be longer than 200 characters"),
    ({"name": "", "kind": "person"}, "name", "Give the person&#39;s name"),
    ({"household": "nowhere"}, "household", "Choose one of the households"),
])
def test_the_librarys_checks_show_next_to_the_field_and_nothing_is_saved(world, db, fields, field, message):
    _with_family(db, world["case"])
    before = world["case"].genogram_json
    response = world["client"].post(world["base"] + "/people", data=_person(**fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="person-{field}-error"' in html and message in html
    assert 'id="person-problems"' in html
    db.session.expire_all()
    assert db.session.get(Case, world["case"].id).genogram_json == before


def test_a_problem_elsewhere_in_the_family_is_listed_at_the_top_of_the_form(world, db):
    _with_family(db, world["case"])
    # Dean born after his daughter: the library names both people.
    response = world["client"].post(world["base"] + "/people", data=_person(
        **{"person_id": "dean", "name": "Dean Smith", "sex": "male", "born": "2020"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The genogram was not saved" in html
    assert "a child cannot be born before their parent" in html
    assert _saved(db, world["case"])["people"][0]["born"] == "1984"


def test_edit_a_person_keeps_their_id_and_links(world, db):
    _with_family(db, world["case"])
    page = world["client"].get(world["base"] + "?person=amy").get_data(as_text=True)
    assert "Change Amy Jones" in page and 'value="1988-02-11"' in page
    assert "Remove Amy Jones (b. 1988) from the genogram" in page  # removing is offered on the change form
    assert "from the genogram</button>" not in world["client"].get(world["base"]).get_data(as_text=True)
    response = world["client"].post(world["base"] + "/people", data=_person(
        person_id="amy", name="Amy Carter", born="1988-02-11", died="2024", household="home"))
    assert response.status_code == 302
    data = _saved(db, world["case"])
    amy = data["people"][1]
    assert amy == {"id": "amy", "name": "Amy Carter", "sex": "female", "born": "1988-02-11", "died": "2024",
                   "deceased": True, "household": "home"}
    assert data["unions"][0]["partners"] == ["dean", "amy"]


def test_editing_someone_removed_meanwhile_says_so(world, db):
    _with_family(db, world["case"])
    response = world["client"].post(world["base"] + "/people", data=_person(person_id="nobody"))
    assert response.status_code == 400
    assert "no longer in the genogram" in response.get_data(as_text=True)


def test_remove_a_person_takes_every_line_to_them_and_keeps_everyone_else(world, db):
    _with_family(db, world["case"])
    response = world["client"].post(world["base"] + "/person/remove", data={"target": "tia"})
    assert response.status_code == 302
    data = _saved(db, world["case"])
    assert _ids(data) == ["dean", "amy", "kayla", "jay"]
    # Jayden's twin is gone, so he is no longer marked as a twin (a twin group of one is not allowed).
    assert data["unions"][0]["children"] == [{"id": "kayla"}, {"id": "jay"}]
    world["client"].post(world["base"] + "/person/remove", data={"target": "amy"})
    data = _saved(db, world["case"])
    assert data["unions"][0]["partners"] == ["dean"] and data["relationships"] == []
    world["client"].post(world["base"] + "/person/remove", data={"target": "dean"})
    assert _saved(db, world["case"])["unions"] == []  # a partnership with no one left goes too
    missing = world["client"].post(world["base"] + "/person/remove", data={"target": "dean"})
    assert missing.status_code == 400 and "no longer in the genogram" in missing.get_data(as_text=True)


# --- partnerships and children -------------------------------------------------------------------

def _union(**fields) -> dict:
    data = {"union-partner_one": "dean", "union-partner_two": "amy", "union-union_type": "cohabiting",
            "union-status": "together"}
    data.update({f"union-{k}": v for k, v in fields.items()})
    return data


def test_add_change_and_remove_a_partnership(world, db):
    _with_family(db, world["case"])
    world["client"].post(world["base"] + "/people", data=_person(name="Lee Carter", sex="male"))
    response = world["client"].post(world["base"] + "/unions", data=_union(partner_one="amy", partner_two="lee-carter",
                                                                           start="2021"))
    assert response.status_code == 302
    unions = _saved(db, world["case"])["unions"]
    assert unions[1] == {"id": "u2", "partners": ["amy", "lee-carter"], "type": "cohabiting", "from": "2021",
                         "children": []}
    world["client"].post(world["base"] + "/unions", data=_union(union_id="u2", partner_one="amy",
                                                                partner_two="lee-carter", status="separated",
                                                                start="2021", end="2023"))
    assert _saved(db, world["case"])["unions"][1]["status"] == "separated"
    world["client"].post(world["base"] + "/union/remove", data={"target": "u2"})
    data = _saved(db, world["case"])
    assert _ids(data, "unions") == ["u1"] and "lee-carter" in _ids(data)  # the people stay


def test_a_parent_alone_is_a_partnership_of_one(world, db):
    _with_family(db, world["case"])
    world["client"].post(world["base"] + "/unions", data=_union(partner_one="amy", partner_two="",
                                                                union_type="unknown"))
    assert _saved(db, world["case"])["unions"][1] == {"id": "u2", "partners": ["amy"], "children": []}


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"partner_two": "dean"}, "partner_two", "Choose two different people"),
    ({"partner_one": "ghost"}, "partner_one", "Choose one of the people in the genogram"),
    ({"start": "2020", "end": "2019"}, "end", "ends (2019) before it starts (2020)"),
    ({"start": "2020-13"}, "start", "month"),
])
def test_a_wrong_partnership_is_refused_next_to_its_field(world, db, fields, field, message):
    _with_family(db, world["case"])
    response = world["client"].post(world["base"] + "/unions", data=_union(**fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f'id="union-{field}-error"' in html and message in html
    assert len(_saved(db, world["case"])["unions"]) == 1


def test_children_of_a_partnership_with_their_relation_and_twins(world, db):
    _with_family(db, world["case"])
    world["client"].post(world["base"] + "/people", data=_person(name="Riley Price", sex="nonbinary", born="2012"))
    world["client"].post(world["base"] + "/unions", data=_union(partner_one="amy", partner_two=""))
    response = world["client"].post(world["base"] + "/children", data={
        "child-union_id": "u2", "child-child_id": "riley-price", "child-relation": "foster"})
    assert response.status_code == 302
    assert _saved(db, world["case"])["unions"][1]["children"] == [{"id": "riley-price", "relation": "foster"}]
    # Change the link (kinship), then take it away.
    world["client"].post(world["base"] + "/children", data={
        "child-union_id": "u2", "child-child_id": "riley-price", "child-relation": "kinship"})
    assert _saved(db, world["case"])["unions"][1]["children"] == [{"id": "riley-price", "relation": "kinship"}]
    world["client"].post(world["base"] + "/child/remove", data={"target": "u2", "other": "riley-price"})
    assert _saved(db, world["case"])["unions"][1]["children"] == []
    # Kayla becomes a fraternal twin of Jayden? No: Jayden and Tia are already the group; join it.
    world["client"].post(world["base"] + "/children", data={
        "child-union_id": "u1", "child-child_id": "kayla", "child-relation": "biological", "child-twin": "t",
        "child-identical": "y"})
    assert _saved(db, world["case"])["unions"][0]["children"][0] == {"id": "kayla", "twin": "t", "identical": True}


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"child-child_id": "dean"}, "child_id", "both a partner and a child"),
    ({"child-child_id": "riley", "child-twin": "solo"}, None, "has only one child"),
    ({"child-child_id": "riley", "child-identical": "y"}, "identical", "marked identical but has no"),
    ({"child-child_id": "gran"}, "child_id", "a child cannot be born before their parent"),
    ({"child-union_id": "nope", "child-child_id": "riley"}, "union_id", "Choose one of the partnerships"),
])
def test_a_wrong_child_link_is_refused(world, db, data, field, message):
    family = json.loads(json.dumps(FAMILY))
    family["people"] += [{"id": "riley", "name": "Riley", "sex": "unknown", "born": "2012"},
                         {"id": "gran", "name": "Gran", "sex": "female", "born": "1950"}]
    _with_family(db, world["case"], family)
    response = world["client"].post(world["base"] + "/children", data={
        "child-union_id": "u1", "child-relation": "biological", **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    if field:
        assert f'id="child-{field}-error"' in html
    else:
        assert 'id="child-problems"' in html
    assert _saved(db, world["case"])["unions"] == family["unions"]


# --- relationships and households ------------------------------------------------------------------

def test_add_change_and_remove_an_emotional_relationship(world, db):
    _with_family(db, world["case"])
    add = {"rel-source": "kayla", "rel-target": "amy", "rel-kind": "very-close"}
    assert world["client"].post(world["base"] + "/relationships", data=add).status_code == 302
    twice = world["client"].post(world["base"] + "/relationships", data=add)
    assert twice.status_code == 400 and "already in the genogram" in twice.get_data(as_text=True)
    key = ops.relationship_key({"from": "kayla", "to": "amy", "kind": "very-close"})
    page = world["client"].get(world["base"], query_string={"relationship": key}).get_data(as_text=True)
    assert "Change the relationship" in page
    world["client"].post(world["base"] + "/relationships", data={**add, "rel-kind": "abuse", "rel-key": key})
    rels = _saved(db, world["case"])["relationships"]
    assert rels[1] == {"from": "kayla", "to": "amy", "kind": "abuse"}
    stale = world["client"].post(world["base"] + "/relationship/remove", data={"target": key})
    assert stale.status_code == 400 and "no longer in the genogram" in stale.get_data(as_text=True)
    world["client"].post(world["base"] + "/relationship/remove", data={"target": ops.relationship_key(rels[1])})
    assert len(_saved(db, world["case"])["relationships"]) == 1


def test_a_relationship_with_oneself_is_refused(world, db):
    _with_family(db, world["case"])
    response = world["client"].post(world["base"] + "/relationships", data={
        "rel-source": "amy", "rel-target": "amy", "rel-kind": "close"})
    assert response.status_code == 400 and 'id="rel-target-error"' in response.get_data(as_text=True)


def test_households_gather_and_release_their_members(world, db):
    _with_family(db, world["case"])
    response = world["client"].post(world["base"] + "/households", data={
        "household-name": "Dad's flat", "household-members": ["dean", "jay"]})
    assert response.status_code == 302
    data = _saved(db, world["case"])
    assert data["households"][1] == {"id": "dad-s-flat", "name": "Dad's flat"}
    assert {p["id"]: p.get("household") for p in data["people"]} == {
        "dean": "dad-s-flat", "amy": "home", "kayla": "home", "jay": "dad-s-flat", "tia": None}
    world["client"].post(world["base"] + "/households", data={
        "household-household_id": "dad-s-flat", "household-name": "Dad's new flat", "household-members": ["dean"]})
    data = _saved(db, world["case"])
    assert data["households"][1]["name"] == "Dad's new flat" and "household" not in data["people"][3]
    world["client"].post(world["base"] + "/household/remove", data={"target": "home"})
    data = _saved(db, world["case"])
    assert _ids(data, "households") == ["dad-s-flat"] and "household" not in data["people"][1]


def test_the_title_of_the_drawing(world, db):
    _with_family(db, world["case"])
    world["client"].post(world["base"] + "/title", data={"title": "Smith & Jones family"})
    assert _saved(db, world["case"])["title"] == "Smith & Jones family"
    empty = world["client"].post(world["base"] + "/title", data={"title": " "})
    assert empty.status_code == 400 and "Give the drawing a title" in empty.get_data(as_text=True)


# --- import and export -----------------------------------------------------------------------------

def _upload(client, base: str, content: bytes, name: str = "family.json"):
    return client.post(base + "/import", data={"import-file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_import_replaces_the_genogram_and_export_gives_it_back(world, db):
    response = _upload(world["client"], world["base"], json.dumps(FAMILY).encode())
    assert response.status_code == 302
    exported = world["client"].get(world["base"] + ".json")
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    assert exported.headers["Content-Disposition"] == f"attachment; filename=genogram-{world['case'].reference}.json"
    assert json.loads(exported.data) == genogram.Family.from_dict(FAMILY).to_dict()
    # The round trip: the exported file imports to the very same family.
    before = world["case"].genogram_json
    _upload(world["client"], world["base"], exported.data)
    db.session.expire_all()
    assert db.session.get(Case, world["case"].id).genogram_json == before


@pytest.mark.parametrize(("content", "message"), [
    (b'{"title": "x", "people": [', "The file is not valid JSON"),
    (b"\xff\xfe not text", "not valid JSON"),
    (json.dumps({"title": "x", "people": [{"id": "a", "name": "A", "sex": "female", "bron": "1990"}]}).encode(),
     'has a field &#34;bron&#34; that genograms do not use'),
    (json.dumps({"title": "x", "people": [{"id": f"p{i}", "name": "", "sex": "unknown"} for i in range(5001)]})
     .encode(), "at most 5000 can be drawn"),
])
def test_a_broken_file_is_refused_with_its_problems_and_changes_nothing(world, db, content, message):
    _with_family(db, world["case"])
    before = world["case"].genogram_json
    response = _upload(world["client"], world["base"], content)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The file was not imported, and the genogram is unchanged" in html and message in html
    db.session.expire_all()
    assert db.session.get(Case, world["case"].id).genogram_json == before


@pytest.mark.parametrize("csrf", [False, True], ids=["form", "csrf-check-first"])
def test_a_file_over_the_size_limit_is_refused_on_the_editor(world, db, app, csrf):
    _with_family(db, world["case"])
    before = world["case"].genogram_json
    app.config["WTF_CSRF_ENABLED"] = csrf  # with CSRF on, the size limit trips while the token is read
    try:
        response = _upload(world["client"], world["base"], b" " * (3 * 1024 * 1024))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 413
    assert "larger than 2 MB" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, world["case"].id).genogram_json == before


def _too_large(app, client, base, csrf: bool):
    app.config["WTF_CSRF_ENABLED"] = csrf
    try:
        return _upload(client, base, b" " * (3 * 1024 * 1024))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("csrf", [False, True], ids=["form", "csrf-check-first"])
def test_the_size_limit_message_is_next_to_the_file_field(world, app, csrf):
    response = _too_large(app, world["client"], world["base"], csrf)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    error = re.search(r'<p class="error" id="import-file-error">([^<]*)</p>', html)
    assert error and "larger than 2 MB" in error.group(1)
    assert 'aria-describedby="import-file-error"' in html


@pytest.mark.parametrize("csrf", [False, True], ids=["form", "csrf-check-first"])
def test_an_oversized_import_signed_out_is_sent_to_sign_in(world, app, db, csrf):
    before = world["case"].genogram_json
    response = _too_large(app, isolated_client(app), world["base"], csrf)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Case, world["case"].id).genogram_json == before


@pytest.mark.parametrize("csrf", [False, True], ids=["form", "csrf-check-first"])
def test_an_oversized_import_to_another_teams_case_is_404(world, app, db, csrf):
    response = _too_large(app, signed_in(app, world["outsider"]), world["base"], csrf)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "There is nothing here" in html and world["case"].family_label not in html


def test_import_without_a_file_asks_for_one(world):
    response = world["client"].post(world["base"] + "/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a genogram file" in response.get_data(as_text=True)


# --- the drawings ----------------------------------------------------------------------------------

def test_drawings_have_the_right_type_title_and_disposition(world, db):
    _with_family(db, world["case"])
    svg = world["client"].get(world["base"] + ".svg")
    assert svg.mimetype == "image/svg+xml"
    assert b'<title id="genogram-title">Smith family</title>' in svg.data
    assert svg.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in svg.headers["Content-Security-Policy"]
    assert svg.headers["Cache-Control"] == "private, no-cache"
    download = world["client"].get(world["base"] + ".svg?download=1")
    assert download.headers["Content-Disposition"] == \
        f"attachment; filename=genogram-{world['case'].reference}.svg"
    png = world["client"].get(world["base"] + ".png?download=1")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    pdf = world["client"].get(world["base"] + ".pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_the_etag_lets_the_browser_revalidate_until_the_family_changes(world, db):
    _with_family(db, world["case"])
    first = world["client"].get(world["base"] + ".svg")
    tag = first.headers["ETag"]
    again = world["client"].get(world["base"] + ".svg", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert world["client"].get(world["base"] + ".png", headers={"If-None-Match": tag}).status_code == 200
    world["client"].post(world["base"] + "/title", data={"title": "Renamed"})
    changed = world["client"].get(world["base"] + ".svg", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag and b"Renamed" in changed.data


def test_names_are_drawn_as_written_and_cannot_change_the_graph(world, db):
    _with_family(db, world["case"])
    world["client"].post(world["base"] + "/people", data=_person(name=HOSTILE, sex="male"))
    svg = world["client"].get(world["base"] + ".svg").get_data(as_text=True)
    assert '&lt;script&gt;alert(1)&lt;/script&gt;"]; x -&gt; y [label="' in svg  # XML text: quotes as they are
    assert "<script" not in svg
    assert svg.count("data-person=") == len(FAMILY["people"]) + 1  # no node x or y appeared
    page = world["client"].get(world["base"]).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    dot = genogram.render(genogram.load(world["case"].genogram_json), "dot")
    assert b'\\"]; x -> y [label=\\"' in dot  # the quotes are escaped inside the label
    plain = run_dot(dot.decode(), "plain").decode()  # and dot itself sees no node x or y
    assert not [line for line in plain.splitlines() if line.split()[:2] in (["node", "x"], ["node", "y"])]


def test_a_saved_genogram_with_problems_is_shown_kept_and_exported_as_it_is(world, db):
    broken = json.dumps({"title": "Old", "people": [{"id": "a", "name": "A", "sex": "robot"}]})
    world["case"].genogram_json = broken
    db.session.commit()
    page = world["client"].get(world["base"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "The saved genogram has problems" in html and "robot" in html
    assert "Add a person" not in html  # it is not changed bit by bit
    refused = world["client"].post(world["base"] + "/people", data=_person())
    assert refused.status_code == 400 and "cannot be changed here" in refused.get_data(as_text=True)
    drawing = world["client"].get(world["base"] + ".svg")
    assert drawing.status_code == 200 and b"has problems" in drawing.data
    assert world["client"].get(world["base"] + ".json").get_data(as_text=True) == broken
    db.session.expire_all()
    assert db.session.get(Case, world["case"].id).genogram_json == broken


# --- sessions: shown at the start, kept as it was when agreed -------------------------------------

def test_the_session_editor_and_record_show_the_genogram_at_the_start(world, db):
    _with_family(db, world["case"])
    meeting = world["meeting"]
    html = world["client"].get(f"/sessions/{meeting.id}").get_data(as_text=True)
    assert 'id="context"' in html and "Context and genogram" in html
    assert html.index('id="context"') < html.index('id="review"')
    assert f'src="/sessions/{meeting.id}/genogram.svg?v=' in html
    assert "Kayla Smith (female, born 2016" in html
    assert f'href="/cases/{world["case"].id}/genogram"' in html
    record = world["client"].get(f"/sessions/{meeting.id}/record").get_data(as_text=True)
    assert "Context and genogram" in record and "The family's genogram as it is today." in record
    state = live.meeting_state(meeting)
    assert state["genogram"].startswith(f"/sessions/{meeting.id}/genogram.svg?v=")


def test_an_agreed_session_keeps_the_drawing_of_that_day(world, db):
    _with_family(db, world["case"])
    meeting = world["meeting"]
    url = f"/sessions/{meeting.id}/genogram.svg"
    assert world["client"].post(f"/sessions/{meeting.id}/agree").status_code == 302
    agreed = world["client"].get(url)
    assert b"Kayla Smith" in agreed.data and b"Lee Carter" not in agreed.data
    tag = agreed.headers["ETag"]
    world["client"].post(world["base"] + "/people", data=_person(name="Lee Carter", sex="male"))
    world["client"].post(world["base"] + "/person/remove", data={"target": "kayla"})
    now = world["client"].get(world["base"] + ".svg").data
    assert b"Lee Carter" in now and b"Kayla Smith" not in now
    # The agreed session still draws the family as it was, and the browser's copy is still good.
    assert world["client"].get(url, headers={"If-None-Match": tag}).status_code == 304
    kept = world["client"].get(url).data
    assert b"Kayla Smith" in kept and b"Lee Carter" not in kept
    record = world["client"].get(f"/sessions/{meeting.id}/record").get_data(as_text=True)
    assert "as it was when this record was agreed" in record and "Kayla Smith (female" in record
    # A draft session of the same case shows the family as it is now.
    draft = meeting_ops.create_meeting(world["case"], kind=meeting.kind, scheduled_at=meeting.scheduled_at,
                                       facilitator=world["manager"], presenter=None, participants=[])
    db.session.commit()
    assert b"Lee Carter" in world["client"].get(f"/sessions/{draft.id}/genogram.svg").data


def test_a_session_agreed_before_any_genogram_says_so(world, db):
    meeting = world["meeting"]
    world["client"].post(f"/sessions/{meeting.id}/agree")
    _with_family(db, world["case"])
    record = world["client"].get(f"/sessions/{meeting.id}/record").get_data(as_text=True)
    assert "There was no genogram for this family when this record was agreed." in record
    assert b"No one is in this genogram yet." in world["client"].get(f"/sessions/{meeting.id}/genogram.svg").data


# --- access -------------------------------------------------------------------------------------

GETS = ["", ".svg", ".png", ".pdf", ".json"]
POSTS = ["/title", "/people", "/unions", "/children", "/relationships", "/households", "/person/remove",
         "/union/remove", "/child/remove", "/relationship/remove", "/household/remove", "/start-from-children",
         "/import"]


def test_another_team_gets_404_everywhere_and_nothing_changes(world, db, app):
    _with_family(db, world["case"])
    before = world["case"].genogram_json
    outsider = signed_in(app, world["outsider"])
    for suffix in GETS:
        assert outsider.get(world["base"] + suffix).status_code == 404, suffix
    for suffix in POSTS:
        assert outsider.post(world["base"] + suffix, data=_person()).status_code == 404, suffix
    for fmt in ("svg", "png", "pdf"):
        assert outsider.get(f"/sessions/{world['meeting'].id}/genogram.{fmt}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Case, world["case"].id).genogram_json == before


def test_a_practitioner_of_the_team_edits_and_an_administrator_may_not(world, db, app, make_user):
    worker = signed_in(app, world["worker"])
    assert worker.post(world["base"] + "/people", data=_person()).status_code == 302
    admin_client = signed_in(app, make_user(Role.ADMIN, world["team"]))
    assert admin_client.get(world["base"]).status_code == 403
    assert admin_client.get(world["base"] + ".svg").status_code == 403


def test_every_change_needs_the_csrf_token(world, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for suffix in POSTS:
            response = world["client"].post(world["base"] + suffix, data=_person())
            assert response.status_code == 400 and b"expired or was sent" in response.data, suffix
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- the demo families ---------------------------------------------------------------------------

def test_the_demo_genograms_validate_and_two_families_show_the_notation(app, db):
    from supervision.demo import seed

    seed()
    db.session.commit()
    families = {case.family_label: json.loads(case.genogram_json)
                for case in db.session.scalars(db.select(Case).where(Case.genogram_json.is_not(None)))}
    assert len(families) >= 14
    for label, family in families.items():
        assert genogram.validate(family) == [], label
    harlow, thornton = families["Harlow family"], families["Thornton family"]
    relations = {c.get("relation", "biological") for f in (harlow, thornton) for u in f["unions"]
                 for c in u["children"]}
    assert {"step", "foster", "kinship"} <= relations
    assert {"conflict", "close"} <= {r["kind"] for r in harlow["relationships"]}
    assert any(p.get("died") for p in harlow["people"]) and any(p.get("died") for p in thornton["people"])
    dean = [u for u in harlow["unions"] if "dean" in u["partners"]]
    assert len(dean) == 2 and dean[0]["status"] == "divorced"  # a remarriage: half- and step-siblings
    drawing = genogram.render(genogram.Family.from_dict(harlow), "svg")
    assert drawing.count(b"data-person=") == len(harlow["people"])
