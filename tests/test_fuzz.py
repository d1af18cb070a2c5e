"""Fuzzing every form and endpoint with Hypothesis: oversized, malformed and hostile input is a 4xx, never a 500.

The routes and their field names are found by walking the app (tests/routes.py), so forms added
later are fuzzed too. Bounded: a few dozen examples per test, no deadline.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supervision.models import Role
from tests.conftest import _PASSWORD_HASH
from tests.routes import (
    forms_on,
    has_id,
    make_world,
    methods,
    signed_in,
    url_for_rule,
    walked_rules,
)

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NOT_FUZZED = {"auth.sign_out", "auth.sign_out_all"}  # they would sign the fuzzer out

numbers = st.one_of(st.integers(-10**30, 10**30).map(str), st.sampled_from(
    ["", "-1", "11", "0", "10", "5.5", "1e309", "NaN", "-0", "１２", "0x10", " 7 ", "99999999999999999999"]))
dates = st.sampled_from(["", "2026-02-30", "99999-01-01", "0000-00-00", "2026-13-01", "yesterday", "1900-01-01",
                         "2026-11-22T25:61", "2026-12-01T10:00", "10000-01-01T00:00", "2026-12-01"])
texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["\x00", "\u202e", "😀" * 500, "<script>", "a" * 10_001, "x" * 300_000, "\r\n" * 1000]),
)
values = st.one_of(texts, numbers, dates)


@pytest.fixture()
def fuzzing(app, make_team, make_user):
    """A team with a manager and an admin signed in, case data, and every field name the pages offer."""
    team = make_team("Fuzzed team")
    manager, admin = make_user(Role.TEAM_MANAGER, team), make_user(Role.ADMIN, team)
    world = make_world(team, manager, _PASSWORD_HASH)
    clients = {Role.TEAM_MANAGER: signed_in(app, manager), Role.ADMIN: signed_in(app, admin)}
    names = {"text", "version", "csrf_token"}
    for rule in walked_rules(app):
        if "GET" in methods(rule) and (has_id(rule) or not rule.arguments):
            who = Role.ADMIN if rule.endpoint.startswith("admin.") else Role.TEAM_MANAGER
            response = clients[who].get(url_for_rule(rule, world), buffered=False)
            if response.mimetype == "text/html":
                names |= {f.name for form in forms_on(response.get_data(as_text=True)) for f in form.fields}
            response.close()
    posts = [r for r in walked_rules(app) if "POST" in methods(r) and r.endpoint not in NOT_FUZZED]
    gets = [r for r in walked_rules(app) if "GET" in methods(r) and (has_id(r) or not r.arguments)]
    return dict(world=world, clients=clients, names=sorted(names), posts=posts, gets=gets)


def _client(fuzzing, rule):
    return fuzzing["clients"][Role.ADMIN if rule.endpoint.startswith("admin.") else Role.TEAM_MANAGER]


def _assert_handled(response, what: str) -> None:
    status = response.status_code
    response.close()
    assert status < 500, f"{what} answered {status}"


@FUZZ
@given(data=st.data())
def test_forms_answer_bad_input_with_a_4xx_never_a_500(fuzzing, data):
    rule = data.draw(st.sampled_from(fuzzing["posts"]), label="route")
    names = st.sampled_from(fuzzing["names"]) | st.text(min_size=1, max_size=20)
    form = data.draw(st.dictionaries(names, st.one_of(values, st.lists(values, max_size=3)), max_size=12),
                     label="form")
    url = url_for_rule(rule, fuzzing["world"])
    _assert_handled(_client(fuzzing, rule).post(url, data=form), f"POST {url} with {list(form)}")


bodies = st.one_of(
    st.text(max_size=200).map(lambda t: ("application/json", t.encode())),
    st.sampled_from(['{"people": [', '{"a": 1,}', "[]", "null", '{"people": "x"}', '{"title": 1e999}',
                     '\ufeff{"x": 1}', '{"people": [{"id": null, "name": {"x": []}}]}', "0" * 100_000])
    .map(lambda t: ("application/json", t.encode())),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                 max_leaves=20).map(lambda v: ("application/json", json.dumps(v).encode())),
    st.binary(max_size=300).map(lambda b: ("application/octet-stream", b)),
    st.binary(max_size=300).map(lambda b: ("multipart/form-data; boundary=xyz", b)),
    st.text(max_size=300).map(lambda t: ("text/plain", t.encode())),
    st.just(("application/x-www-form-urlencoded", b"text=" + b"y" * (3 * 1024 * 1024))),  # over the size limit
    st.just(("application/x-www-form-urlencoded", b"%zz=%%%&&&=&text=%C3%28")),
)


@FUZZ
@given(data=st.data())
def test_wrong_content_types_and_broken_json_are_refused_cleanly(fuzzing, data):
    rule = data.draw(st.sampled_from(fuzzing["posts"]), label="route")
    content_type, body = data.draw(bodies, label="body")
    url = url_for_rule(rule, fuzzing["world"])
    response = _client(fuzzing, rule).post(url, data=body, content_type=content_type)
    _assert_handled(response, f"POST {url} as {content_type}")


@FUZZ
@given(data=st.data())
def test_pages_take_any_query_string(fuzzing, data):
    rule = data.draw(st.sampled_from(fuzzing["gets"]), label="route")
    query = data.draw(st.dictionaries(st.sampled_from(
        ["show", "user_id", "case_id", "kind", "date_from", "date_to", "before", "source", "next", "q", "week",
         "sort", "filter", "page", "last_event_id", "code"]) | st.text(max_size=10), values, max_size=6),
        label="query")
    url = url_for_rule(rule, fuzzing["world"])
    _assert_handled(_client(fuzzing, rule).get(url, query_string=query, buffered=False), f"GET {url} {query}")


@FUZZ
@given(data=st.data())
def test_unknown_ids_are_404(fuzzing, data):
    rule = data.draw(st.sampled_from([r for r in fuzzing["posts"] + fuzzing["gets"] if has_id(r)]), label="route")
    url = url_for_rule(rule, fuzzing["world"])
    # Every id in the URL becomes one that does not exist (from far beyond the fixture's ids to 2**70).
    parts = [str(data.draw(st.integers(10**6, 2**70), label="id")) if part.isdigit() else part
             for part in url.split("/")]
    method = data.draw(st.sampled_from(methods(rule)), label="method")
    response = _client(fuzzing, rule).open("/".join(parts), method=method, data={}, buffered=False)
    status = response.status_code
    response.close()
    assert status == 404, f"{method} {'/'.join(parts)} answered {status}"
