"""After the meeting: my actions, the tracker, the calendar feed, the review at the next session."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import icalendar
import pytest

from supervision.models import Action, ActionStatus, ReviewOutcome, Role, User
from supervision.services import actions as svc
from supervision.services import meetings as ops
from supervision.services.errors import DomainError
from supervision.services.record import plain_text
from tests.routes import signed_in

TODAY = date(2026, 11, 18)  # a Wednesday, passed in: the clock is never patched


@pytest.fixture()
def add(db, team_setup):
    """Add an agreed action to the team's session: add(description, owner=..., due=..., owner_name=...)."""
    def make(description: str, *, owner: User | None = None, due: date | None = None,
             owner_name: str | None = None, meeting=None) -> Action:
        meeting = meeting or team_setup["meeting"]
        action = ops.add_action(meeting, description=description, owner=owner, owner_name=owner_name,
                                due_on=due, agreed_by=team_setup["manager"])
        db.session.commit()
        return action
    return make


# --- overdue by date ------------------------------------------------------------------

@pytest.mark.parametrize(("due", "expected"), [
    (TODAY - timedelta(days=30), svc.OVERDUE),
    (TODAY - timedelta(days=1), svc.OVERDUE),
    (TODAY, svc.THIS_WEEK),
    (TODAY + timedelta(days=6), svc.THIS_WEEK),
    (TODAY + timedelta(days=7), svc.LATER),
    (None, svc.UNDATED),
])
def test_timing_is_decided_by_the_date_given(due, expected):
    assert svc.timing(Action(due_on=due), TODAY) == expected
    assert Action(due_on=due, status=ActionStatus.OPEN).is_overdue(TODAY) is (expected == svc.OVERDUE)


def test_my_actions_overdue_first_then_this_week_undated_last(team_setup, add):
    worker = team_setup["worker"]
    later = add("Later", owner=worker, due=TODAY + timedelta(days=20))
    undated = add("Undated", owner=worker)
    week = add("This week", owner=worker, due=TODAY + timedelta(days=2))
    old = add("Long overdue", owner=worker, due=TODAY - timedelta(days=10))
    recent = add("Just overdue", owner=worker, due=TODAY - timedelta(days=1))
    mine = svc.my_open_actions(worker, TODAY)
    assert [a.id for a in mine] == [old.id, recent.id, week.id, later.id, undated.id]
    groups = svc.group_by_timing(mine, TODAY)
    assert [(g.key, len(g.actions)) for g in groups] == [("overdue", 2), ("this_week", 1), ("later", 1),
                                                          ("undated", 1)]
    # The same actions, a week earlier: nothing is overdue yet.
    assert svc.OVERDUE not in {g.key for g in svc.group_by_timing(mine, TODAY - timedelta(days=14))}


def test_outside_owner_is_followed_by_the_allocated_practitioner(team_setup, add, make_user, make_meeting, db):
    worker, manager, team = team_setup["worker"], team_setup["manager"], team_setup["team"]
    for_mum = add("Mum to book the GP", owner_name="Mum", due=TODAY)
    nobody = add("Find a venue")
    colleague = make_user(Role.PRACTITIONER, team)
    theirs = add("Colleague's own", owner=colleague)
    assert {a.id for a in svc.my_open_actions(worker, TODAY)} == {for_mum.id, nobody.id}
    assert svc.on_behalf_of(for_mum) == "Mum" and svc.on_behalf_of(theirs) is None
    assert [a.id for a in svc.my_open_actions(colleague, TODAY)] == [theirs.id]
    assert svc.my_open_actions(manager, TODAY) == []
    # Outside owners of another team's case never reach this team.
    other_meeting = make_meeting(team_setup["other_case"], team_setup["outsider"])
    add("Their mum", owner_name="Mum", meeting=other_meeting)
    assert len(svc.my_open_actions(worker, TODAY)) == 2
    # Closed ones leave the list, the followed and the owned alike.
    svc.mark_done(nobody, "", manager)
    svc.drop(theirs, "Not needed.", manager)
    db.session.commit()
    assert [a.id for a in svc.my_open_actions(worker, TODAY)] == [for_mum.id]
    assert svc.my_open_actions(colleague, TODAY) == []


def test_my_actions_page_shows_groups_and_on_behalf_of(login_as, team_setup, add):
    worker = team_setup["worker"]
    today = date.today()
    add("Ring <the> school", owner=worker, due=today - timedelta(days=3))
    add("Book the health visitor", owner_name="Health visitor", due=today + timedelta(days=2))
    page = login_as(worker).get("/actions").data.decode()
    assert page.index('id="group-overdue"') < page.index('id="group-this_week"')
    assert 'Overdue <span class="count">(1)</span>' in page
    assert "Ring &lt;the&gt; school" in page and "Overdue 3 days" in page
    assert "On behalf of <strong>Health visitor</strong>" in page


def test_home_lists_on_behalf_actions_and_links_to_my_actions(login_as, team_setup, add):
    add("Dad to ring the alcohol service", owner_name="Dad")
    page = login_as(team_setup["worker"]).get("/").data.decode()
    assert "Dad to ring the alcohol service" in page and 'href="/actions"' in page


def test_home_shows_the_most_urgent_actions_and_how_many_there_are(login_as, team_setup, add):
    from supervision.services.home import HOME_ACTIONS

    worker, today = team_setup["worker"], date.today()
    overdue = [add(f"Overdue {n}", owner=worker, due=today - timedelta(days=n)) for n in range(1, 4)]
    later = [add(f"Later {n:02}", owner=worker, due=today + timedelta(days=10 + n)) for n in range(HOME_ACTIONS)]
    undated = add("Undated", owner=worker)
    add("Someone else's", owner=team_setup["manager"], due=today - timedelta(days=9))
    page = login_as(worker).get("/").data.decode()
    total = len(overdue) + len(later) + 1
    assert f"{total} open, <strong>3 overdue</strong>. The {HOME_ACTIONS} most urgent:" in page
    shown = re.findall(r'<span class="action-what">([^<]*)</span>', page)
    # The same order as My actions: the longest overdue first, then by date; the rest are a click away.
    assert shown == [a.description for a in svc.my_open_actions(worker, today)][:HOME_ACTIONS]
    assert shown[:3] == ["Overdue 3", "Overdue 2", "Overdue 1"] and undated.description not in shown
    assert f"All {total} of my actions" in page and "Someone else" not in page


# --- closing from My actions ---------------------------------------------------------------

def test_mark_done_with_a_note_is_kept_in_the_record(login_as, team_setup, add, db):
    action = add("Visit Grandma", owner=team_setup["worker"], due=date.today())
    client = login_as(team_setup["worker"])
    response = client.post(f"/actions/{action.id}/done", data={"note": "Visited on Tuesday; she will help."})
    assert response.status_code == 302 and response.location.endswith("/actions")
    db.session.refresh(action)
    assert action.status is ActionStatus.DONE and action.closing_note == "Visited on Tuesday; she will help."
    assert action.closed_by_id == team_setup["worker"].id and action.closed_at is not None
    assert "Visit Grandma" not in client.get("/actions").data.decode()
    record = client.get(f"/sessions/{action.meeting_id}/record").data.decode()
    assert "Done: Visited on Tuesday; she will help." in record
    assert "[Done: Visited on Tuesday; she will help.]" in plain_text(action.meeting)


def test_an_action_opens_to_close_and_the_others_stay_links(app, login_as, team_setup, add, make_user, db):
    worker = team_setup["worker"]
    first, second = add("Visit <Grandma>", owner=worker), add("Ring the school", owner=worker)
    colleague = make_user(Role.PRACTITIONER, team_setup["team"], name="Aisha Colleague")
    theirs = add("Their visit", owner=colleague)
    client = login_as(worker)
    page = client.get("/actions").data.decode()
    for action in (first, second):
        assert f'href="/actions/{action.id}/close">Mark done or drop<span class="visually-hidden">' in page
    assert 'name="note"' not in page and 'name="reason"' not in page  # no hidden form per action
    opened = client.get(f"/actions/{first.id}/close").data.decode()
    assert f'id="done-note-{first.id}" name="note" maxlength="500" autofocus' in opened
    assert f'id="drop-reason-{first.id}"' in opened and opened.count('name="note"') == 1
    assert ": Visit &lt;Grandma&gt;</span>" in opened and "<Grandma>" not in opened
    assert f'href="/actions/{second.id}/close">Mark done or drop' in opened
    # Someone else's action is not on this list to open; another team's is not found at all.
    assert client.get(f"/actions/{theirs.id}/close").status_code == 403
    other_team = make_user(Role.PRACTITIONER, name="Other Team")
    assert signed_in(app, other_team).get(f"/actions/{first.id}/close").status_code == 404


def test_drop_needs_a_reason_next_to_the_field(login_as, team_setup, add, db):
    action = add("Refer to parenting course", owner=team_setup["worker"])
    client = login_as(team_setup["worker"])
    response = client.post(f"/actions/{action.id}/drop", data={"reason": "   "})
    assert response.status_code == 400
    page = response.data.decode()
    assert f'id="drop-reason-{action.id}-error">Say why the action is being dropped.' in page
    db.session.refresh(action)
    assert action.status is ActionStatus.OPEN
    client.post(f"/actions/{action.id}/drop", data={"reason": "The family moved to another council"})
    db.session.refresh(action)
    assert action.status is ActionStatus.DROPPED
    assert "[Dropped: The family moved to another council]" in plain_text(action.meeting)


def test_too_long_note_is_refused_and_kept(login_as, team_setup, add):
    action = add("Visit", owner=team_setup["worker"])
    note = "x" * 501
    response = login_as(team_setup["worker"]).post(f"/actions/{action.id}/done", data={"note": note})
    assert response.status_code == 400
    assert f'value="{note}"' in response.data.decode()


def test_a_closed_action_cannot_be_closed_again(login_as, team_setup, add):
    action = add("Visit", owner=team_setup["worker"])
    client = login_as(team_setup["worker"])
    assert client.post(f"/actions/{action.id}/done", data={"note": "ok"}).status_code == 302
    response = client.post(f"/actions/{action.id}/drop", data={"reason": "changed mind"})
    assert response.status_code == 400 and b"already closed (done)" in response.data
    with pytest.raises(DomainError):
        svc.mark_done(action, "", team_setup["worker"])


def test_who_may_close_an_action(login_as, team_setup, add, make_user, client):
    action = add("Visit", owner=team_setup["worker"])
    colleague = make_user(Role.PRACTITIONER, team_setup["team"])
    assert login_as(colleague).post(f"/actions/{action.id}/done").status_code == 403
    client.post("/sign-out")
    assert login_as(team_setup["outsider"]).post(f"/actions/{action.id}/done").status_code == 404
    assert svc.can_close(team_setup["manager"], action)
    assert not svc.can_close(team_setup["outsider"], action)


def test_another_teams_actions_answer_404(login_as, team_setup, make_meeting, db):
    meeting = make_meeting(team_setup["other_case"], team_setup["outsider"])
    action = ops.add_action(meeting, description="Theirs", owner=team_setup["outsider"], owner_name=None,
                            due_on=None, agreed_by=team_setup["outsider"])
    db.session.commit()
    client = login_as(team_setup["manager"])
    for path in ("done", "drop"):
        assert client.post(f"/actions/{action.id}/{path}", data={"reason": "x"}).status_code == 404
    assert client.post("/actions/999999/done").status_code == 404


# --- the review at the next session ------------------------------------------------------------

def test_review_carries_forward_into_the_next_record(team_setup, add, make_meeting, db):
    worker, manager = team_setup["worker"], team_setup["manager"]
    first = team_setup["meeting"]
    carried = add("Ask the school for attendance", owner=worker, due=TODAY - timedelta(days=2))
    done = add("Book the network meeting", owner_name="Grandma", due=TODAY)
    ops.agree(first, manager)
    db.session.commit()
    second = make_meeting(team_setup["case"], manager, days_from_now=14)
    assert {a.id for a in ops.actions_to_review(second)} == {carried.id, done.id}
    ops.review_action(second, carried, ReviewOutcome.CARRIED_FORWARD, "School term ended", manager)
    ops.review_action(second, done, ReviewOutcome.DONE, "Held on Monday", manager)
    db.session.commit()
    db.session.refresh(second)
    assert ops.actions_to_review(second) == []
    [new] = second.actions
    assert (new.description, new.owner_id, new.due_on, new.carried_from_id) == (
        "Ask the school for attendance", worker.id, TODAY - timedelta(days=2), carried.id)
    # Only the carried-forward copy is open, so it shows once in My actions, still overdue.
    mine = svc.my_open_actions(worker, TODAY)
    assert [a.id for a in mine] == [new.id] and svc.timing(new, TODAY) == svc.OVERDUE
    text = plain_text(second)
    assert "REVIEW OF PREVIOUS ACTIONS" in text
    assert "- Ask the school for attendance — Carried forward: School term ended" in text
    assert "- Book the network meeting — Done: Held on Monday" in text
    assert "Carried forward to the session of" in plain_text(first)


# --- the team's tracker -----------------------------------------------------------------------

def test_tracker_counts_by_practitioner_and_case(team_setup, add, make_user, make_case):
    team, worker = team_setup["team"], team_setup["worker"]
    colleague = make_user(Role.PRACTITIONER, team, name="Aisha Colleague")
    add("A", owner=worker, due=TODAY - timedelta(days=5))
    add("B", owner_name="Mum", due=TODAY - timedelta(days=1))
    add("C", owner=colleague, due=TODAY + timedelta(days=3))
    add("D", owner=colleague)
    tracker = svc.team_tracker(team.id, TODAY, svc.TrackerFilters())
    counts = {p.name if p else None: c for p, c in tracker.by_practitioner}
    assert (counts["Grace Worker"].open, counts["Grace Worker"].overdue) == (2, 2)
    assert counts["Grace Worker"].oldest_overdue_days == 5
    assert (counts["Aisha Colleague"].open, counts["Aisha Colleague"].overdue,
            counts["Aisha Colleague"].this_week) == (2, 0, 1)
    assert tracker.by_practitioner[0][0].name == "Grace Worker"  # most overdue first
    assert (tracker.total.open, tracker.total.overdue, tracker.total.this_week) == (4, 2, 1)
    [(case, case_counts)] = tracker.by_case
    assert case.id == team_setup["case"].id and case_counts.overdue == 2


def test_tracker_filters_and_sorts(team_setup, add, make_user, make_case, make_meeting):
    team, worker = team_setup["team"], team_setup["worker"]
    colleague = make_user(Role.PRACTITIONER, team, name="Aisha Colleague")
    other_case = make_case(team, colleague)
    other_meeting = make_meeting(other_case, team_setup["manager"])
    add("Overdue by 5", owner=worker, due=TODAY - timedelta(days=5))
    add("Overdue by 9", owner=colleague, due=TODAY - timedelta(days=9), meeting=other_meeting)
    add("Soon", owner=colleague, due=TODAY + timedelta(days=1), meeting=other_meeting)

    def names(**filters):
        return [r.action.description for r in svc.team_tracker(team.id, TODAY, svc.TrackerFilters(**filters)).rows]

    assert names() == ["Overdue by 9", "Overdue by 5", "Soon"]
    assert names(show=svc.OVERDUE) == ["Overdue by 9", "Overdue by 5"]
    assert names(show=svc.THIS_WEEK) == ["Soon"]
    assert names(practitioner_id=worker.id) == ["Overdue by 5"]
    assert names(case_id=other_case.id) == ["Overdue by 9", "Soon"]
    assert names(sort="practitioner") == ["Overdue by 9", "Soon", "Overdue by 5"]
    assert names(sort="overdue")[0] == "Overdue by 9"


def test_tracker_agrees_with_a_plain_reckoning_for_every_filter_and_sort(team_setup, add, make_user, make_case,
                                                                         make_meeting, db):
    """The tracker's counts, filters and sorts, held to the rules said plainly, on a mixed team."""
    team, worker, manager = team_setup["team"], team_setup["worker"], team_setup["manager"]
    colleague = make_user(Role.PRACTITIONER, team, name="Aisha Colleague")
    unallocated = make_case(team, None)
    meetings = [team_setup["meeting"], make_meeting(make_case(team, colleague), manager),
                make_meeting(unallocated, manager)]
    owners = [dict(owner=worker), dict(owner=colleague), dict(owner_name="Mum"), dict()]
    dues = [None, -40, -9, -1, 0, 3, 6, 7, 30]
    actions = []
    for n in range(36):
        due = dues[n % len(dues)]
        actions.append(add(f"Action {n:02d}", meeting=meetings[n % 3], **owners[n % 4],
                           due=None if due is None else TODAY + timedelta(days=due)))
    for action in actions[::5]:
        svc.mark_done(action, "Done.", manager)
    actions[10].closed_at -= timedelta(days=400)  # closed long ago: not among the recently closed
    db.session.commit()

    def follower(a):
        return a.owner_id if a.owner_id is not None else a.case.practitioner_id

    def timing(a):
        return svc.timing(a, TODAY) if a.status is ActionStatus.OPEN else "closed"

    def expected(show, practitioner_id, case_id, sort):
        if show == "closed":
            chosen = [a for a in actions if a.status is not ActionStatus.OPEN
                      and a.closed_at.date() >= TODAY - timedelta(days=30)]
        else:
            chosen = [a for a in actions if a.status is ActionStatus.OPEN and show in ("open", timing(a))]
        chosen = [a for a in chosen if practitioner_id in (None, follower(a)) and case_id in (None, a.case_id)]

        def due(a):
            return (a.due_on is None, a.due_on or date.max, a.id)

        def name(a):
            return (follower(a) is None, db.session.get(User, follower(a)).name if follower(a) else "")

        def days_overdue(a):
            return (TODAY - a.due_on).days if timing(a) == svc.OVERDUE else 0

        key = {"due": due, "overdue": lambda a: (-days_overdue(a), *due(a)),
               "practitioner": lambda a: (*name(a), *due(a)), "case": lambda a: (a.case.family_label, *due(a))}[sort]
        return [a.description for a in sorted(chosen, key=key)]

    open_ones = [a for a in actions if a.status is ActionStatus.OPEN]
    for show in svc.SHOWS:
        for practitioner_id in (None, worker.id, colleague.id):
            for case_id in (None, *{m.case_id for m in meetings}):
                for sort in svc.SORTS:
                    filters = svc.TrackerFilters(practitioner_id, case_id, show, sort)
                    want = expected(show, practitioner_id, case_id, sort)
                    got = svc.team_tracker(team.id, TODAY, filters)
                    assert [r.action.description for r in got.rows] == want, filters
                    assert got.matching == len(want)
                    cut = svc.team_tracker(team.id, TODAY, filters, limit=3)
                    assert [r.action.description for r in cut.rows] == want[:3] and cut.matching == len(want)
    counts = {p.id if p else None: c for p, c in got.by_practitioner}
    for pid in (worker.id, colleague.id, None):
        mine = [a for a in open_ones if follower(a) == pid]
        overdue = [a for a in mine if timing(a) == svc.OVERDUE]
        assert (counts[pid].open, counts[pid].overdue, counts[pid].this_week,
                counts[pid].oldest_overdue_days) == (
            len(mine), len(overdue), sum(timing(a) == svc.THIS_WEEK for a in mine),
            max(((TODAY - a.due_on).days for a in overdue), default=0))
    assert got.total.open == len(open_ones) == sum(c.open for _, c in got.by_case)
    assert {case.id for case, _ in got.by_case} == {a.case_id for a in open_ones}


def test_tracker_page_for_managers_only_and_team_scoped(login_as, team_setup, add, make_meeting, db, client):
    add("Ours overdue", owner=team_setup["worker"], due=date.today() - timedelta(days=2))
    theirs = make_meeting(team_setup["other_case"], team_setup["outsider"])
    ops.add_action(theirs, description="Theirs overdue", owner=team_setup["outsider"], owner_name=None,
                   due_on=date.today() - timedelta(days=2), agreed_by=team_setup["outsider"])
    db.session.commit()
    assert login_as(team_setup["worker"]).get("/actions/team").status_code == 403
    client.post("/sign-out")
    manager = login_as(team_setup["manager"])
    page = manager.get("/actions/team").data.decode()
    assert "Ours overdue" in page and "Theirs overdue" not in page
    assert 'href="/actions/team"' in manager.get("/").data.decode()  # opened from the home page
    filtered = manager.get(f"/actions/team?practitioner={team_setup['worker'].id}&show=overdue&sort=case")
    assert filtered.status_code == 200 and "Ours overdue" in filtered.data.decode()


def test_tracker_bad_filter_says_why(login_as, team_setup):
    response = login_as(team_setup["manager"]).get("/actions/team?practitioner=abc&sort=sideways")
    assert response.status_code == 400
    page = response.data.decode()
    assert 'id="practitioner-error"' in page and 'id="sort-error"' in page


def test_tracker_shows_recently_closed(login_as, team_setup, add, db):
    action = add("Finished", owner=team_setup["worker"])
    svc.mark_done(action, "All good", team_setup["worker"])
    db.session.commit()
    page = login_as(team_setup["manager"]).get("/actions/team?show=closed").data.decode()
    assert "Finished" in page and "Done: All good" in page


# --- the calendar feed ---------------------------------------------------------------------------

def _feed_path(page: str) -> str:
    match = re.search(r'value="http://localhost(/calendar/[^"]+\.ics)"', page)
    assert match, "the new calendar address is shown"
    return match.group(1)


def test_calendar_feed_is_valid_and_escapes_text(login_as, team_setup, add, db, app):
    worker = team_setup["worker"]
    tricky = 'Ring Mum; then Dad, at 9\\10 "sharp"\nand write it up'
    add(tricky, owner=worker, due=date(2026, 12, 1))
    add("Outside owner", owner_name="Health visitor, Ms Patel", due=date(2026, 12, 2))
    add("No date", owner=worker)
    closed = add("Closed", owner=worker, due=date(2026, 12, 3))
    svc.mark_done(closed, "", worker)
    db.session.commit()
    client = login_as(worker)
    response = client.post("/actions/calendar")
    assert response.status_code == 200
    path = _feed_path(response.data.decode())
    client.post("/sign-out")
    feed = app.test_client().get(path)  # no sign-in: calendar apps cannot sign in
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert "no-store" in feed.headers["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(feed.data)
    events = calendar.walk("VEVENT")
    assert calendar["VERSION"] == "2.0" and len(events) == 2
    by_summary = {str(e["SUMMARY"]): e for e in events}
    assert f"Due: {tricky}" in by_summary
    event = by_summary[f"Due: {tricky}"]
    assert event.decoded("DTSTART") == date(2026, 12, 1) and event.decoded("DTEND") == date(2026, 12, 2)
    assert team_setup["case"].reference in str(event["DESCRIPTION"])
    assert team_setup["case"].family_label not in feed.data.decode()  # no family names in calendars
    assert "On behalf of Health visitor, Ms Patel." in str(by_summary["Due: Outside owner"]["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == 2


def test_calendar_address_is_hashed_reset_and_turned_off(login_as, team_setup, db, app):
    worker = team_setup["worker"]
    client = login_as(worker)
    first = _feed_path(client.post("/actions/calendar").data.decode())
    token = first.removeprefix("/calendar/").removesuffix(".ics")
    db.session.refresh(worker)
    assert worker.calendar_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 40
    assert "Your calendar address is active" in client.get("/actions").data.decode()
    assert token not in client.get("/actions").data.decode()  # shown once only
    second = _feed_path(client.post("/actions/calendar").data.decode())
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 404 and anonymous.get(second).status_code == 200
    assert client.post("/actions/calendar/stop").status_code == 302
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/calendar/guess.ics").status_code == 404


def test_calendar_of_a_deactivated_user_stops(team_setup, db):
    worker = team_setup["worker"]
    token = svc.new_calendar_token(worker)
    db.session.commit()
    assert svc.user_for_calendar_token(token) == worker
    worker.active = False
    db.session.commit()
    assert svc.user_for_calendar_token(token) is None


def test_tracker_lists_the_most_urgent_thirty_then_all_on_request(login_as, team_setup, db):
    meeting, worker = team_setup["meeting"], team_setup["worker"]
    for n in range(105):
        ops.add_action(meeting, description=f"Task number {n:03d}", owner=worker, owner_name=None,
                       due_on=date.today() + timedelta(days=n - 50), agreed_by=team_setup["manager"])
    db.session.commit()
    client = login_as(team_setup["manager"])
    page = client.get("/actions/team?sort=due").data.decode()
    assert "The first 30 of 105 actions" in page
    assert "Task number 029" in page and "Task number 030" not in page
    link = re.search(r'href="(/actions/team\?[^"]*all=1[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "sort=due" in link
    everything = client.get(link).data.decode()
    assert "Task number 104" in everything and "105 actions shown." in everything


def test_the_tracker_lists_the_most_overdue_families_and_all_on_request(login_as, team_setup, make_case,
                                                                        make_meeting, db):
    team, worker, manager = team_setup["team"], team_setup["worker"], team_setup["manager"]
    for n in range(14):  # 14 families, family n overdue by n + 1 days
        case = make_case(team, worker)
        case.family_label = f"Tracked family {n:02d}"
        ops.add_action(make_meeting(case, manager), description=f"Visit {n}", owner=worker, owner_name=None,
                       due_on=TODAY - timedelta(days=n + 1), agreed_by=manager)
    db.session.commit()
    client = login_as(manager)
    page = client.get("/actions/team").get_data(as_text=True)

    def by_family(page: str) -> str:
        start = page.index('id="by-case"')
        return page[start:page.index("</section>", start)]

    shown = by_family(page)
    assert "The 12 most overdue of 14 families." in shown
    assert "Tracked family 13" in shown and "Tracked family 02" in shown and "Tracked family 01" not in shown
    listed = by_family(client.get("/actions/team?families=all").get_data(as_text=True))
    assert "Tracked family 00" in listed and "Tracked family 01" in listed and "most overdue of" not in listed
