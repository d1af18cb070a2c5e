"""Every route, walked: another team's URL is 404, and each role gets what docs/security.md says.

Routes are found in app.url_map, so routes added later are walked too; their arguments
are filled from fresh fixture data by name (tests/routes.py).
"""

from __future__ import annotations

import pytest

from supervision.extensions import db
from supervision.models import Role, Team, User
from tests.conftest import _PASSWORD_HASH, PASSWORD
from tests.routes import FORM_DATA, has_id, isolated_client, make_world, methods, url_for_rule, walked_rules

ALL = frozenset(Role)
CASE_READERS = ALL - {Role.ADMIN}
MANAGERS = frozenset({Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER, Role.HEAD_OF_SERVICE})
ADMINS = frozenset({Role.ADMIN})

# The session's facilitator: in the walk, the team manager (the world's sessions are theirs).
FACILITATOR = frozenset({Role.TEAM_MANAGER})

# Who may use each endpoint ("endpoint" or "endpoint METHOD"), from docs/security.md, "What each
# role may do"; everyone else gets 403. An endpoint not listed here is case data: every role
# of the team except administrators.
EXPECTED: dict[str, frozenset[Role]] = {
    "main.home": ALL,
    "auth.account": ALL,
    "cases.index": ALL,  # administrators see an empty list
    "actions.mine": ALL,
    "actions.new_calendar": ALL,
    "actions.stop_calendar": ALL,
    "caseloads.mine": ALL,
    "caseloads.team": ALL,  # managers see the team; everyone else is sent to their own caseload
    "live.join": ALL,  # the join-code form; the session behind it is checked as case data
    "sessions.agree": MANAGERS,
    "sessions.add_action": MANAGERS,  # an agreed action: the accountable manager agrees it
    "sessions.remove_action": MANAGERS,
    "sessions.record_score": MANAGERS,  # typed in for the room: the facilitator (here the manager) or a manager
    "sessions.family_score": MANAGERS,
    "actions.done": MANAGERS,  # or the person who follows the action up (not the walker)
    "actions.drop": MANAGERS,
    "actions.close": frozenset(),  # opens one's own action on My actions: only its follower (not the walker)
    "actions.tracker": MANAGERS,
    "caseloads.practitioner": MANAGERS,  # someone else's caseload (one's own is caseloads.mine)
    "caseloads.settings": MANAGERS,
    "caseloads.settings POST": frozenset({Role.TEAM_MANAGER}),  # weights and the limit: the team manager
    "caseloads.moves": MANAGERS,
    "caseloads.preview": MANAGERS,
    "caseloads.confirm": MANAGERS,
    "panels.new": MANAGERS,  # organising a CMR panel day
    "panels.update": MANAGERS,
    "panels.add_slot": MANAGERS,
    "panels.move_slot": MANAGERS,
    "panels.remove_slot": MANAGERS,
    "live.anonymous": FACILITATOR,
    "live.join_code": FACILITATOR,
    "audit.index": MANAGERS,
    "audit.export": MANAGERS,
    "admin.users": ADMINS,
    "admin.new_user": ADMINS,
    "admin.user": ADMINS,
    "admin.reset_password": ADMINS,
    "admin.set_active": ADMINS,
}
# Walking these would sign the walker out; tests/test_trust.py covers them.
NOT_WALKED = {"auth.sign_out", "auth.sign_out_all"}


def allowed_roles(endpoint: str, method: str = "GET") -> frozenset[Role]:
    return EXPECTED.get(f"{endpoint} {method}", EXPECTED.get(endpoint, CASE_READERS))


def _signed_in(app, user):
    client = isolated_client(app)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, f"could not sign in as {user.role}"
    return client


@pytest.fixture()
def people(app, make_team, make_user):
    """One signed-in person per role in the walked team; a manager and an admin of another team."""
    team = make_team("Walked team")
    other = make_team("Other team")
    users = {role: make_user(role, team) for role in Role}
    outsiders = {role: make_user(role, other) for role in (Role.TEAM_MANAGER, Role.ADMIN)}
    return dict(team_id=team.id, user_ids={role: u.id for role, u in users.items()},
                clients={role: _signed_in(app, u) for role, u in users.items()},
                outsiders={role: _signed_in(app, u) for role, u in outsiders.items()})


def _world(people):
    # Rows that requests deleted may have their ids reused (SQLite): start from an empty identity map.
    db.session.expunge_all()
    users = {role: db.session.get(User, uid) for role, uid in people["user_ids"].items()}
    return make_world(db.session.get(Team, people["team_id"]), users[Role.TEAM_MANAGER], _PASSWORD_HASH,
                      participants=[u for role, u in users.items() if role not in (Role.TEAM_MANAGER, Role.ADMIN)])


def _request(client, method: str, url: str, data: dict | None = None):
    response = client.open(url, method=method, data=data or {})
    response.close()  # a live stream is never read to its end
    return response


def _answer(response) -> str:
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code >= 500:
        return "500"
    if response.status_code in (301, 302, 303) and "/sign-in" in response.headers.get("Location", ""):
        return "signed out"
    return "ok"


def test_every_route_needs_sign_in_and_every_post_needs_csrf(app, people):
    """Anonymous: every walked route sends to sign-in. With CSRF on: every change needs the token."""
    world, anonymous = _world(people), isolated_client(app)
    manager = people["clients"][Role.TEAM_MANAGER]
    changes = 0
    for rule in walked_rules(app):
        url = url_for_rule(rule, world)
        for method in methods(rule):
            response = _request(anonymous, method, url)
            assert _answer(response) == "signed out", f"{method} {url} answers {response.status_code} without sign-in"
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for rule in walked_rules(app):
            url = url_for_rule(rule, world)
            for method in methods(rule):
                if method == "GET" or rule.endpoint in NOT_WALKED:
                    continue
                response = _request(manager, method, url)
                assert response.status_code == 400 and b"expired or was sent" in response.data, \
                    f"{method} {url} accepted a change without a CSRF token ({response.status_code})"
                changes += 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert changes >= 25


def test_another_teams_url_is_404_on_every_route_with_an_id(app, people):
    checked, shown = 0, _world(people)
    for rule in walked_rules(app):
        if not has_id(rule) or rule.endpoint in NOT_WALKED:
            continue
        # The outsider has the role that could use the route in their own team.
        outsider = people["outsiders"][Role.ADMIN if allowed_roles(rule.endpoint) == ADMINS else Role.TEAM_MANAGER]
        for method in methods(rule):
            url = url_for_rule(rule, shown)  # a 404 changes nothing, so one world serves every route
            response = _request(outsider, method, url)
            assert response.status_code == 404, f"{method} {url} ({rule.endpoint}) answers " \
                                                 f"{response.status_code} to another team"
            checked += 1
    assert checked >= 30  # the walk really walked (sessions, cases, actions, admin, ...)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_gets_the_documented_answer_on_every_route(app, people, role):
    client = people["clients"][role]
    wrong = []
    shown = _world(people)  # pages only read: one world serves them all
    world = None  # for changes: used until a change succeeds (a refused one commits nothing), then renewed
    for rule in walked_rules(app):
        if rule.endpoint in NOT_WALKED:
            continue
        for method in methods(rule):
            expected = "ok" if role in allowed_roles(rule.endpoint, method) else "403"
            if method == "GET":
                target = shown
            else:
                target = world = world or _world(people)
            data = FORM_DATA[rule.endpoint](target) if method == "POST" and rule.endpoint in FORM_DATA else None
            response = _request(client, method, url_for_rule(rule, target), data)
            got = _answer(response)
            if method != "GET" and response.status_code < 400:
                world = None
            if got != expected:
                wrong.append(f"{method} {url_for_rule(rule, target)} ({rule.endpoint}): expected {expected}, "
                             f"got {got}")
    assert not wrong, f"{role.label}:\n" + "\n".join(wrong)


def test_the_expectations_name_real_endpoints(app):
    """A renamed endpoint must not leave a stale (and so silently unused) expectation behind."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {key.split()[0] for key in EXPECTED} - endpoints == set()
    assert NOT_WALKED <= endpoints


def test_panel_members_from_another_team_see_the_slots_they_sit_on_and_nothing_else(app, people, make_team,
                                                                                    make_user):
    from supervision.models import AuditEvent
    from supervision.models.panel import Panel

    world = _world(people)
    elsewhere = make_team("Another service area")
    member = make_user(Role.HEAD_OF_SERVICE, elsewhere, name="Helen Panel")
    stranger = make_user(Role.HEAD_OF_SERVICE, elsewhere, name="Sid Stranger")
    panel = db.session.get(Panel, world.ids["panel"])
    panel.members.append(member)
    db.session.commit()
    ids = world.ids
    sitting, not_sitting = _signed_in(app, member), _signed_in(app, stranger)

    assert sitting.get(f"/sessions/{ids['cmr']}").status_code == 200  # the CMR slot they sit on
    assert sitting.get(f"/sessions/{ids['cmr']}/record").status_code == 200
    assert sitting.get(f"/panels/{ids['panel']}").status_code == 200  # the agenda, to look at
    assert sitting.post(f"/panels/{ids['panel']}", data={}).status_code == 404  # not to organise
    # The map and the record stay with the family's own team: no editing, no agreeing.
    assert sitting.post(f"/sessions/{ids['cmr']}/sections/past_harm/items", data={"text": "x"}).status_code == 404
    assert sitting.post(f"/sessions/{ids['cmr']}/agree", data={}).status_code == 404
    # ...but they scale and propose like everyone in the room (a 400 here: the form is empty).
    assert sitting.post(f"/sessions/{ids['cmr']}/take-part/score", data={}).status_code != 404
    assert sitting.post(f"/sessions/{ids['cmr']}/take-part/propose", data={}).status_code != 404
    assert sitting.get(f"/cases/{ids['case']}").status_code == 404  # not the team's case file
    assert sitting.get(f"/sessions/{ids['meeting']}").status_code == 404  # nor the case's other sessions
    for url in (f"/sessions/{ids['cmr']}", f"/panels/{ids['panel']}"):
        assert not_sitting.get(url).status_code == 404
    view = db.session.scalar(db.select(AuditEvent).filter_by(user_id=member.id, kind="view"))
    assert view.team_id == people["team_id"]  # the owning team's managers see who looked
