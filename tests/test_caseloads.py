"""Caseloads: weights, the limit, the team view, weekly snapshots, sharing cases out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from supervision.models import ActionStatus, CaseloadSnapshot, LegalStatus, Role
from supervision.services import caseloads as svc
from supervision.services import meetings as ops
from supervision.services.errors import DomainError

TODAY = date(2026, 11, 18)  # a Wednesday; its week starts on Monday 16 November
CIN, CP, CARE = LegalStatus.CHILD_IN_NEED, LegalStatus.CHILD_PROTECTION, LegalStatus.CARE_PROCEEDINGS


@pytest.fixture()
def team(make_team, make_user):
    team = make_team("North", caseload_limit=17)
    team.manager = make_user(Role.TEAM_MANAGER, team, name="Priya Manager")
    team.atm = make_user(Role.ASSISTANT_TEAM_MANAGER, team, name="Tom Assistant")
    team.grace = make_user(Role.PRACTITIONER, team, name="Grace Worker")
    team.sam = make_user(Role.PRACTITIONER, team, name="Sam Worker")
    return team


def figures(team, who):
    return next(c for c in svc.current_caseloads(team, TODAY) if c.practitioner.id == who.id)


def test_week_starts_on_monday():
    assert svc.week_start(TODAY) == date(2026, 11, 16)
    assert svc.week_start(date(2026, 11, 16)) == date(2026, 11, 16)
    assert svc.week_start(date(2026, 11, 22)) == date(2026, 11, 16)


def test_children_on_open_cases_weighted_by_legal_status(team, make_case, db):
    make_case(team, team.grace, children=2, legal_status=CIN)
    make_case(team, team.grace, children=1, legal_status=CARE)
    closed = make_case(team, team.grace, children=3, legal_status=CP)
    closed.is_open = False
    make_case(team, None, children=4, legal_status=CP)  # unallocated
    db.session.commit()
    grace = figures(team, team.grace)
    assert (grace.cases, grace.children, grace.weighted) == (2, 3, 2 * 1.0 + 1 * 2.0)
    sam = figures(team, team.sam)
    assert (sam.cases, sam.children, sam.weighted) == (0, 0, 0)
    assert svc.team_caseloads(team, TODAY).unallocated_children == 4


def test_default_weights_are_documented():
    doc = open("docs/caseloads.md", encoding="utf-8").read()
    for status, weight in svc.DEFAULT_WEIGHTS.items():
        assert f"| {status.label} | {weight:g} |" in doc
    assert svc.DEFAULT_WEIGHTS[CARE] > svc.DEFAULT_WEIGHTS[CIN]


def test_team_weights_override_the_defaults(team, make_case, db):
    make_case(team, team.grace, children=2, legal_status=CARE)
    svc.set_weights(team, {CARE: 2.5}, team.manager)
    db.session.commit()
    assert svc.weights_for(team)[CARE] == 2.5 and svc.weights_for(team)[CIN] == 1.0
    assert figures(team, team.grace).weighted == 5.0
    svc.set_weights(team, {CARE: 3}, team.manager)  # set again: one row per status
    db.session.commit()
    assert figures(team, team.grace).weighted == 6.0
    with pytest.raises(DomainError):
        svc.set_weights(team, {CARE: 6}, team.manager)
    with pytest.raises(DomainError):
        svc.set_weights(team, {CARE: 1}, team.atm)  # the team manager's decision


def test_above_the_limit_by_children_or_by_weight(team, make_case, db):
    svc.set_limit(team, 4, team.manager)
    make_case(team, team.grace, children=4, legal_status=CIN)
    make_case(team, team.sam, children=3, legal_status=CARE)
    db.session.commit()
    assert not figures(team, team.grace).above_limit  # at the limit is not above it
    sam = figures(team, team.sam)
    assert sam.children == 3 and sam.weighted == 6 and sam.above_limit
    make_case(team, team.grace, children=1, legal_status=CIN)
    db.session.commit()
    assert figures(team, team.grace).above_limit
    view = svc.team_caseloads(team, TODAY)
    assert {c.practitioner.name for c in view.above_limit} == {"Grace Worker", "Sam Worker"}
    with pytest.raises(DomainError):
        svc.set_limit(team, 0, team.manager)


def test_team_average_and_who_is_counted(team, make_case, make_user, db):
    make_case(team, team.grace, children=6, legal_status=CIN)
    make_case(team, team.sam, children=2, legal_status=CARE)
    make_case(team, team.atm, children=1, legal_status=CIN)  # an assistant manager holding a case counts
    db.session.commit()
    view = svc.team_caseloads(team, TODAY)
    assert [c.practitioner.name for c in view.caseloads] == ["Grace Worker", "Sam Worker", "Tom Assistant"]
    assert view.average_children == 3.0 and view.average_weighted == round((6 + 4 + 1) / 3, 1)


def test_rising_fast_against_four_weeks_ago(team, make_case, db):
    make_case(team, team.grace, children=10, legal_status=CIN)
    make_case(team, team.sam, children=10, legal_status=CIN)
    four_weeks_ago = TODAY - timedelta(weeks=4)
    svc.record_snapshot(team, team.grace, four_weeks_ago, cases=4, children=7, weighted=7.0, caseload_limit=17)
    svc.record_snapshot(team, team.sam, four_weeks_ago, cases=4, children=7, weighted=7.5, caseload_limit=17)
    db.session.commit()
    grace, sam = figures(team, team.grace), figures(team, team.sam)
    assert grace.change == 3.0 and grace.rising_fast
    assert sam.change == 2.5 and not sam.rising_fast
    assert [c.practitioner.name for c in svc.team_caseloads(team, TODAY).rising_fast] == ["Grace Worker"]


def test_snapshots_keep_history_when_cases_move(team, make_case, db, app):
    case = make_case(team, team.grace, children=3, legal_status=CIN)
    last_week = TODAY - timedelta(weeks=1)
    assert svc.take_snapshots(last_week, [team]) == 2
    db.session.commit()
    # The case moves this week: last week's figures stay as they were.
    svc.apply_moves(team, {case.id: team.sam.id}, team.manager, move_open_actions=True)
    db.session.commit()
    view = svc.team_caseloads(team, TODAY)
    week = svc.week_start(last_week)
    assert view.weeks[-1] == week
    assert view.history[team.grace.id][week].children == 3
    assert view.history[team.sam.id][week].children == 0
    assert figures(team, team.grace).children == 0 and figures(team, team.sam).children == 3
    # A later run in the same week replaces that week's row, never adds a second one.
    svc.take_snapshots(last_week, [team])
    db.session.commit()
    rows = db.session.scalars(db.select(CaseloadSnapshot).filter_by(practitioner_id=team.grace.id)).all()
    assert len(rows) == 1 and rows[0].children == 0


def test_snapshot_keeps_the_limit_of_its_week(team, make_case, db):
    make_case(team, team.grace, children=15, legal_status=CIN)
    svc.take_snapshots(TODAY - timedelta(weeks=1), [team])
    svc.set_limit(team, 12, team.manager)
    db.session.commit()
    row = svc.team_caseloads(team, TODAY).history[team.grace.id][date(2026, 11, 9)]
    assert row.caseload_limit == 17 and figures(team, team.grace).above_limit


def test_snapshot_command(app, team, make_case, db):
    make_case(team, team.grace, children=2, legal_status=CIN)
    result = app.test_cli_runner().invoke(args=["caseloads", "snapshot", "--date", "2026-11-18"])
    assert result.exit_code == 0, result.output
    assert "week of 16 November 2026: 2 practitioner figures" in result.output
    db.session.expire_all()
    row = db.session.scalar(db.select(CaseloadSnapshot).filter_by(practitioner_id=team.grace.id))
    assert (row.week_start, row.children, row.weighted) == (date(2026, 11, 16), 2, 2.0)


def test_people_who_left_keep_their_history_rows(team, make_case, make_team, db):
    make_case(team, team.grace, children=2, legal_status=CIN)
    svc.take_snapshots(TODAY - timedelta(weeks=2), [team])
    team.grace.team = make_team("Elsewhere")
    db.session.commit()
    view = svc.team_caseloads(team, TODAY)
    assert team.grace.id not in {c.practitioner.id for c in view.caseloads}
    assert team.grace in view.history_people


# --- moving cases -------------------------------------------------------------------------

def test_preview_shows_each_receiving_caseload_before_anything_changes(team, make_case, make_user, db):
    ola = make_user(Role.PRACTITIONER, team, name="Ola Worker")
    a = make_case(team, team.grace, children=2, legal_status=CARE)
    b = make_case(team, team.grace, children=1, legal_status=CIN)
    make_case(team, team.sam, children=3, legal_status=CIN)
    db.session.commit()
    preview = svc.preview_moves(team, {a.id: team.sam.id, b.id: ola.id}, TODAY)
    rows = {r.practitioner.name: r for r in preview.rows}
    assert (rows["Grace Worker"].before.weighted, rows["Grace Worker"].after.weighted) == (5.0, 0.0)
    assert (rows["Sam Worker"].before.children, rows["Sam Worker"].after.children) == (3, 5)
    assert rows["Sam Worker"].after.weighted == 7.0 and rows["Ola Worker"].after.weighted == 1.0
    assert rows["Sam Worker"].cases_in == [a]
    db.session.expire_all()
    assert a.practitioner_id == team.grace.id  # nothing moved yet


def test_preview_flags_a_receiver_going_above_the_limit(team, make_case, db):
    svc.set_limit(team, 5, team.manager)
    a = make_case(team, team.grace, children=2, legal_status=CARE)
    make_case(team, team.sam, children=2, legal_status=CIN)
    db.session.commit()
    preview = svc.preview_moves(team, {a.id: team.sam.id}, TODAY)
    assert [r.practitioner.name for r in preview.above_limit_after] == ["Sam Worker"]


def test_moves_refuse_other_teams_cases_and_people(team, make_case, make_team, make_user, db):
    other = make_team("Other")
    their_case = make_case(other, make_user(Role.PRACTITIONER, other))
    ours = make_case(team, team.grace)
    with pytest.raises(DomainError):
        svc.preview_moves(team, {their_case.id: team.sam.id}, TODAY)
    with pytest.raises(DomainError):
        svc.apply_moves(team, {ours.id: their_case.practitioner_id}, team.manager, move_open_actions=False)


def test_moving_takes_open_actions_along_when_asked(team, make_case, make_meeting, db):
    case = make_case(team, team.grace)
    meeting = make_meeting(case, team.manager)
    open_action = ops.add_action(meeting, description="Visit", owner=team.grace, owner_name=None,
                                 due_on=None, agreed_by=team.manager)
    done_action = ops.add_action(meeting, description="Done one", owner=team.grace, owner_name=None,
                                 due_on=None, agreed_by=team.manager)
    ops.close_action(done_action, ActionStatus.DONE, "", team.grace)
    db.session.commit()
    svc.apply_moves(team, {case.id: team.sam.id}, team.manager, move_open_actions=True)
    db.session.commit()
    assert case.practitioner_id == team.sam.id
    assert open_action.owner_id == team.sam.id and done_action.owner_id == team.grace.id


# --- the pages ----------------------------------------------------------------------------

def test_team_view_for_managers(login_as, team, make_case, db):
    make_case(team, team.grace, children=18, legal_status=CIN)
    page = login_as(team.manager).get("/caseloads").data.decode()
    assert "Grace Worker" in page and "Above the limit" in page
    assert "is above the limit: 18 children" in page


def test_practitioners_see_their_own_caseload_only(login_as, team, make_case):
    make_case(team, team.grace, children=2, legal_status=CARE)
    client = login_as(team.grace)
    assert client.get("/caseloads").status_code == 302
    page = client.get("/caseloads/mine").data.decode()
    assert "My caseload" in page and "against a limit of 17" in page
    assert client.get(f"/caseloads/practitioners/{team.grace.id}").status_code == 200
    assert client.get(f"/caseloads/practitioners/{team.sam.id}").status_code == 403
    for path in ("/caseloads/settings", "/caseloads/moves"):
        assert client.get(path).status_code == 403


def test_another_teams_people_answer_404(login_as, team, make_team, make_user):
    other = make_team("Other")
    stranger = make_user(Role.PRACTITIONER, other)
    client = login_as(team.manager)
    assert client.get(f"/caseloads/practitioners/{stranger.id}").status_code == 404
    assert client.get(f"/caseloads/moves?source={stranger.id}").status_code == 404
    assert client.post("/caseloads/moves/preview", data={"source": stranger.id}).status_code == 404
    assert client.post("/caseloads/moves/confirm", data={"source": stranger.id}).status_code == 404


def test_settings_are_the_team_managers(login_as, team, make_case, client, db):
    make_case(team, team.grace, children=2, legal_status=CARE)
    data = {"caseload_limit": "14", **{f"weight_{s.value}": "1" for s in LegalStatus}, "weight_care_proceedings": "2.5"}
    atm = login_as(team.atm)
    assert atm.get("/caseloads/settings").status_code == 200  # read only
    assert atm.post("/caseloads/settings", data=data).status_code == 403
    client.post("/sign-out")
    manager = login_as(team.manager)
    assert manager.post("/caseloads/settings", data=data).status_code == 302
    db.session.refresh(team)
    assert team.caseload_limit == 14 and figures(team, team.grace).weighted == 5.0


def test_bad_settings_say_why_and_keep_the_text(login_as, team):
    data = {"caseload_limit": "lots", **{f"weight_{s.value}": "1" for s in LegalStatus}, "weight_looked_after": "9"}
    response = login_as(team.manager).post("/caseloads/settings", data=data)
    assert response.status_code == 400
    page = response.data.decode()
    assert "Give the limit as a whole number" in page and "Give a weight from 0 to 5" in page
    assert 'value="lots"' in page and 'value="9"' in page


def test_share_out_with_preview_then_confirm(login_as, team, make_case, db):
    a = make_case(team, team.grace, children=2, legal_status=CARE)
    b = make_case(team, team.grace, children=1, legal_status=CIN)
    client = login_as(team.manager)
    page = client.get(f"/caseloads/moves?source={team.grace.id}").data.decode()
    assert a.family_label in page and b.family_label in page
    choice = {"source": team.grace.id, f"case_{a.id}": team.sam.id, f"case_{b.id}": 0, "move_open_actions": "y"}
    response = client.post("/caseloads/moves/preview", data=choice)
    assert response.status_code == 200
    page = response.data.decode()
    assert "What the caseloads would become" in page and "Confirm and move 1 case" in page
    db.session.expire_all()
    assert a.practitioner_id == team.grace.id
    assert client.post("/caseloads/moves/confirm", data=choice).status_code == 302
    db.session.expire_all()
    assert a.practitioner_id == team.sam.id and b.practitioner_id == team.grace.id


def test_share_out_needs_a_choice(login_as, team, make_case):
    a = make_case(team, team.grace)
    response = login_as(team.manager).post("/caseloads/moves/preview",
                                           data={"source": team.grace.id, f"case_{a.id}": 0})
    assert response.status_code == 400 and b"Choose who takes at least one case." in response.data
