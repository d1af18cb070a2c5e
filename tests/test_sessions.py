import re
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from supervision.models import Action, ActionStatus, DangerStatement, MapItem, MeetingStatus, SafetyGoal, Section
from supervision.services import live
from supervision.services import meetings as ops
from supervision.services.errors import DomainError, EditConflict, RecordAgreed
from tests.routes import signed_in


@pytest.fixture()
def manager_client(login_as, team_setup):
    return login_as(team_setup["manager"])


def url(meeting, path=""):
    return f"/sessions/{meeting.id}{path}"


def test_create_a_session_from_the_case(manager_client, team_setup, db):
    case, manager, worker = team_setup["case"], team_setup["manager"], team_setup["worker"]
    response = manager_client.post(
        f"/cases/{case.id}/sessions/new",
        data={
            "kind": "cmr",
            "scheduled_at": "2026-12-01T10:00",
            "facilitator_id": manager.id,
            "presenter_id": worker.id,
            "participant_ids": [manager.id, worker.id],
        },
    )
    assert response.status_code == 302
    page = manager_client.get(response.location).data.decode()
    assert "Case management review" in page and "Tuesday 01 December 2026" in page


def test_bad_session_form_keeps_input_and_says_why(manager_client, team_setup):
    case = team_setup["case"]
    response = manager_client.post(
        f"/cases/{case.id}/sessions/new",
        data={"kind": "cmr", "scheduled_at": "not a date", "facilitator_id": team_setup["manager"].id},
    )
    assert response.status_code == 400
    assert b"Not a valid datetime value" in response.data or b"Give the date and time" in response.data


@pytest.mark.parametrize("section", list(Section))
def test_every_section_takes_items(manager_client, team_setup, section):
    meeting = team_setup["meeting"]
    text = f"An item for {section.label}"
    response = manager_client.post(url(meeting, f"/sections/{section.value}/items"), data={"text": text})
    assert response.status_code == 302
    assert text.encode() in manager_client.get(url(meeting)).data


def test_empty_item_is_refused_next_to_the_box(manager_client, team_setup):
    response = manager_client.post(url(team_setup["meeting"], "/sections/worries/items"), data={"text": "  "})
    assert response.status_code == 400
    assert b"Write something before saving." in response.data


def test_unknown_section_is_404(manager_client, team_setup):
    assert (
        manager_client.post(url(team_setup["meeting"], "/sections/nonsense/items"), data={"text": "x"}).status_code
        == 404
    )


def test_items_keep_their_order_and_can_be_reordered_edited_and_removed(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    for text in ("first", "second", "third"):
        manager_client.post(url(meeting, "/sections/hypotheses/items"), data={"text": text})
    db.session.expire_all()
    items = meeting.items_in(Section.HYPOTHESES)
    assert [i.text for i in items] == ["first", "second", "third"]
    manager_client.post(url(meeting, f"/items/{items[2].id}/move"), data={"direction": "up"})
    manager_client.post(url(meeting, f"/items/{items[0].id}/remove"))
    manager_client.post(url(meeting, f"/items/{items[1].id}"), data={"text": "second, edited", "version": "1"})
    db.session.expire_all()
    assert [i.text for i in meeting.items_in(Section.HYPOTHESES)] == ["third", "second, edited"]


def test_an_item_opens_to_edit_move_or_remove_and_the_others_stay_links(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    for text in ("first", "second <b>&", "third"):
        manager_client.post(url(meeting, "/sections/worries/items"), data={"text": text})
    db.session.expire_all()
    first, second, third = meeting.items_in(Section.WORRIES)
    editor = manager_client.get(url(meeting)).data.decode()
    # Each item is its text and one link: no hidden form per item.
    for n, item in enumerate((first, second, third), 1):
        assert (f'href="/sessions/{meeting.id}/items/{item.id}">Edit<span class="visually-hidden">'
                f' item {n} of worries (future danger)</span></a>') in editor
    assert 'name="version"' not in editor and "Move up" not in editor and "Remove<span" not in editor
    opened = manager_client.get(url(meeting, f"/items/{second.id}"))
    page = opened.data.decode()
    assert opened.status_code == 200
    # The one item open: its text (escaped) focused to edit, its version, and its buttons.
    assert ('autofocus id="text" maxlength="10000" name="text" required rows="3">\r\nsecond &lt;b&gt;&amp;</textarea>'
            in page)
    assert '<input type="hidden" name="version" value="1">' in page
    assert page.count('name="direction"') == 2 and "Remove<span" in page
    assert f'href="/sessions/{meeting.id}/items/{first.id}">Edit' in page  # the others: links
    assert f'href="/sessions/{meeting.id}#item-{second.id}">Cancel' in page
    # Moved, it stays open where it went with the same button focused, so a second move is one key;
    # moved to the top, there is no Move up: its text is focused.
    moved = manager_client.post(url(meeting, f"/items/{third.id}/move"), data={"direction": "up"})
    assert moved.status_code == 302 and moved.location.endswith(f"/items/{third.id}?moved=up")
    page = manager_client.get(moved.location).data.decode()
    assert 'value="up" class="button-secondary" autofocus>Move up' in page and 'autofocus id="text"' not in page
    manager_client.post(url(meeting, f"/items/{third.id}/move"), data={"direction": "up"})
    page = manager_client.get(url(meeting, f"/items/{third.id}?moved=up")).data.decode()
    assert "Move up<span" not in page and 'autofocus id="text"' in page
    db.session.expire_all()
    assert [i.id for i in meeting.items_in(Section.WORRIES)] == [third.id, first.id, second.id]
    # Another session's item is not found through this one, and an agreed session has only its record.
    other = ops.create_meeting(meeting.case, kind=meeting.kind, scheduled_at=meeting.scheduled_at,
                               facilitator=team_setup["manager"], presenter=None, participants=[])
    db.session.commit()
    assert manager_client.get(f"/sessions/{other.id}/items/{second.id}").status_code == 404
    manager_client.post(url(meeting, "/agree"))
    after = manager_client.get(url(meeting, f"/items/{second.id}"))
    assert after.status_code == 302 and after.location.endswith(f"/sessions/{meeting.id}/record")


def test_the_session_details_open_to_edit_and_a_bad_date_keeps_what_was_typed(manager_client, team_setup, db):
    meeting, manager, worker = team_setup["meeting"], team_setup["manager"], team_setup["worker"]
    editor = manager_client.get(url(meeting)).data.decode()
    assert f"Participants: {', '.join(sorted([manager.name, worker.name]))}." in editor
    assert f'href="/sessions/{meeting.id}/details">Edit the session details and scaling question</a>' in editor
    assert 'name="scaling_question"' not in editor
    page = manager_client.get(url(meeting, "/details")).data.decode()
    assert 'autofocus id="kind" name="kind"' in page and 'name="scaling_question"' in page
    for person in (manager, worker):  # the participants, ticked
        assert re.search(rf'<input checked id="participant_ids-\d+" name="participant_ids" type="checkbox" '
                         rf'value="{person.id}">', page), person.name
    assert page.count('<input checked id="participant_ids-') == 2
    response = manager_client.post(url(meeting, "/details"), data={
        "kind": meeting.kind.value, "scheduled_at": "next Tuesday", "facilitator_id": manager.id,
        "scaling_question": "Kept while the date is fixed?"})
    assert response.status_code == 400
    page = response.data.decode()
    assert '<p class="error" id="scheduled_at-error">' in page and "Kept while the date is fixed?</textarea>" in page
    db.session.refresh(meeting)
    assert meeting.scaling_question != "Kept while the date is fixed?"  # nothing saved


def test_a_stale_edit_does_not_overwrite_and_shows_both_texts(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    manager_client.post(url(meeting, "/sections/worries/items"), data={"text": "original"})
    item = db.session.scalar(db.select(MapItem).filter_by(meeting_id=meeting.id))
    assert (
        manager_client.post(url(meeting, f"/items/{item.id}"), data={"text": "first save", "version": "1"}).status_code
        == 302
    )
    response = manager_client.post(url(meeting, f"/items/{item.id}"), data={"text": "second save", "version": "1"})
    assert response.status_code == 409
    page = response.data.decode()
    assert "first save" in page and "second save" in page
    db.session.refresh(item)
    assert item.text == "first save"


def test_danger_statement_is_composed_from_its_parts(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    manager_client.post(
        url(meeting, "/danger-statements"),
        data={
            "danger-who_is_worried": "Children's services are worried that",
            "danger-behaviour": "when Dad drinks he shouts at Mum",
            "danger-impact": "and Jayden (4) sees this and is frightened",
            "danger-if_nothing_changes": "Jayden could be hurt.",
        },
    )
    db.session.refresh(meeting)
    assert meeting.danger_statements[0].statement == (
        "Children's services are worried that when Dad drinks he shouts at Mum and Jayden (4) sees this and "
        "is frightened. If nothing changes, Jayden could be hurt."
    )


def test_compose_danger_statement():
    text = ops.compose_danger_statement(
        "The school is worried that",
        "when Mum is drunk she leaves Tia alone",
        "and Tia (3) could be hurt",
        "She could be badly injured.",
    )
    assert text == (
        "The school is worried that when Mum is drunk she leaves Tia alone and Tia (3) could be hurt. "
        "If nothing changes, she could be badly injured."
    )


def test_written_statement_wins_over_the_parts(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    manager_client.post(
        url(meeting, "/danger-statements"), data={"danger-behaviour": "x", "danger-statement": "My own words."}
    )
    db.session.refresh(meeting)
    assert meeting.danger_statements[0].statement == "My own words."


def test_empty_danger_statement_is_refused(manager_client, team_setup):
    response = manager_client.post(url(team_setup["meeting"], "/danger-statements"), data={})
    assert response.status_code == 400
    assert b"Write the danger statement" in response.data


def test_safety_goal_answers_a_danger_statement(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    manager_client.post(url(meeting, "/danger-statements"), data={"danger-statement": "Worried."})
    db.session.refresh(meeting)
    danger = meeting.danger_statements[0]
    manager_client.post(
        url(meeting, "/safety-goals"),
        data={
            "goal-danger_statement_id": danger.id,
            "goal-what_will_happen": "Mum will keep Tia with a sober adult",
            "goal-who_will_see": "and the school will see it",
            "goal-how_long": "for six months",
        },
    )
    db.session.refresh(meeting)
    goal = meeting.safety_goals[0]
    assert goal.danger_statement_id == danger.id
    assert goal.statement == "Mum will keep Tia with a sober adult and the school will see it for six months."


def _composed_danger_statement(client, meeting, db):
    client.post(url(meeting, "/danger-statements"), data={
        "danger-who_is_worried": "The school is worried that", "danger-behaviour": "when Mum drinks she sleeps",
        "danger-impact": "and Tia (3) is left alone", "danger-if_nothing_changes": "Tia could be hurt"})
    db.session.expire_all()
    [danger] = db.session.get(type(meeting), meeting.id).danger_statements
    return danger


def test_a_saved_danger_statement_is_edited_in_the_editor(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    danger = _composed_danger_statement(manager_client, meeting, db)
    editor = manager_client.get(url(meeting)).data.decode()
    # The editor links to it; the link opens the editor with its own form, filled in: the parts, the
    # words and the version it was opened at (and no other statement's form).
    opens = f"/sessions/{meeting.id}/danger-statements/{danger.id}"
    assert f'href="{opens}">Edit danger statement 1</a>' in editor
    assert f'name="danger-{danger.id}-who_is_worried"' not in editor
    page = manager_client.get(opens).data.decode()
    assert f'action="/sessions/{meeting.id}/danger-statements/{danger.id}"' in page
    assert f'autofocus id="danger-{danger.id}-who_is_worried"' in page
    assert f'name="danger-{danger.id}-who_is_worried" type="text" value="The school is worried that"' in page
    assert f"{danger.statement}</textarea>" in page
    assert f'name="danger-{danger.id}-version" type="hidden" value="1"' in page
    prefix = f"danger-{danger.id}-"
    parts = {prefix + k: getattr(danger, k) for k in ops.DANGER_STATEMENT_PARTS}
    response = manager_client.post(url(meeting, f"/danger-statements/{danger.id}"), data={
        **parts, prefix + "statement": "The school is worried that Tia (3) is left alone when Mum drinks.",
        prefix + "version": "1"})
    assert response.status_code == 302 and response.location.endswith(f"#danger-{danger.id}")
    db.session.refresh(danger)
    assert (danger.statement, danger.version) == ("The school is worried that Tia (3) is left alone when Mum drinks.",
                                                  2)
    assert len(db.session.get(type(meeting), meeting.id).danger_statements) == 1  # changed, not added


def test_a_composed_statement_follows_its_parts_and_written_words_stay(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    danger = _composed_danger_statement(manager_client, meeting, db)
    prefix = f"danger-{danger.id}-"
    parts = {prefix + k: getattr(danger, k) for k in ops.DANGER_STATEMENT_PARTS}
    manager_client.post(url(meeting, f"/danger-statements/{danger.id}"), data={
        **parts, prefix + "behaviour": "when Mum drinks she falls asleep", prefix + "statement": danger.statement,
        prefix + "version": "1"})
    db.session.refresh(danger)
    assert danger.statement == ("The school is worried that when Mum drinks she falls asleep and Tia (3) is left "
                                "alone. If nothing changes, Tia could be hurt.")
    manager_client.post(url(meeting, f"/danger-statements/{danger.id}"), data={
        **parts, prefix + "statement": "In my own words.", prefix + "version": "2"})
    manager_client.post(url(meeting, f"/danger-statements/{danger.id}"), data={
        **parts, prefix + "impact": "and Tia (3) is alone for hours", prefix + "statement": "In my own words.",
        prefix + "version": "3"})
    db.session.refresh(danger)
    assert (danger.statement, danger.impact, danger.version) == (
        "In my own words.", "and Tia (3) is alone for hours", 4)


def test_a_stale_danger_statement_edit_shows_both_texts(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    danger = _composed_danger_statement(manager_client, meeting, db)
    prefix = f"danger-{danger.id}-"
    first = manager_client.post(url(meeting, f"/danger-statements/{danger.id}"),
                                data={prefix + "statement": "First save.", prefix + "version": "1"})
    assert first.status_code == 302
    response = manager_client.post(url(meeting, f"/danger-statements/{danger.id}"),
                                   data={prefix + "statement": "Second save.", prefix + "version": "1"})
    assert response.status_code == 409
    page = response.data.decode()
    assert "Someone else changed this while you were editing" in page
    assert "<blockquote>First save.</blockquote>" in page and "\nSecond save.</textarea>" in page
    assert f'name="{prefix}version" type="hidden" value="2"' in page  # saving again now means it
    db.session.refresh(danger)
    assert danger.statement == "First save."


def test_a_saved_safety_goal_is_edited_and_relinked(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    for words in ("Worried about drinking.", "Worried about school."):
        manager_client.post(url(meeting, "/danger-statements"), data={"danger-statement": words})
    manager_client.post(url(meeting, "/safety-goals"), data={"goal-statement": "Tia is with a sober adult."})
    db.session.expire_all()
    meeting = db.session.get(type(meeting), meeting.id)
    [goal], second = meeting.safety_goals, meeting.danger_statements[1]
    assert goal.danger_statement_id is None
    page = manager_client.get(url(meeting, f"/safety-goals/{goal.id}")).data.decode()
    assert f'id="goal-{goal.id}-danger_statement_id"' in page and "\nTia is with a sober adult.</textarea>" in page
    assert '<option selected value="0">Not linked yet' in page
    prefix = f"goal-{goal.id}-"
    response = manager_client.post(url(meeting, f"/safety-goals/{goal.id}"), data={
        prefix + "danger_statement_id": second.id, prefix + "statement": "Tia goes to school every day.",
        prefix + "version": "1"})
    assert response.status_code == 302
    db.session.refresh(goal)
    assert (goal.statement, goal.danger_statement_id, goal.version) == ("Tia goes to school every day.", second.id, 2)
    stale = manager_client.post(url(meeting, f"/safety-goals/{goal.id}"), data={
        prefix + "danger_statement_id": "0", prefix + "statement": "An older idea.", prefix + "version": "1"})
    assert stale.status_code == 409 and "<blockquote>Tia goes to school every day.</blockquote>" in stale.data.decode()
    empty = manager_client.post(url(meeting, f"/safety-goals/{goal.id}"), data={
        prefix + "danger_statement_id": "0", prefix + "statement": " ", prefix + "version": "2"})
    assert empty.status_code == 400 and b"Write the safety goal" in empty.data


def test_scaling_scores_summary_and_range_checks(manager_client, team_setup, db):
    meeting, manager, worker = team_setup["meeting"], team_setup["manager"], team_setup["worker"]
    manager_client.post(
        url(meeting, "/scores"), data={"score-user_id": manager.id, "score-score": "3", "score-reason": "Drinking"}
    )
    manager_client.post(
        url(meeting, "/scores"), data={"score-user_id": worker.id, "score-score": "7", "score-reason": "Grandma"}
    )
    response = manager_client.post(url(meeting, "/scores"), data={"score-user_id": worker.id, "score-score": "11"})
    assert response.status_code == 400 and b"whole number from 0 to 10" in response.data
    db.session.refresh(meeting)
    summary = ops.summarise(meeting.scores)
    assert (summary.count, summary.median, summary.spread) == (2, 5, 4)
    manager_client.post(url(meeting, "/scores"), data={"score-user_id": worker.id, "score-skip": "y"})
    db.session.refresh(meeting)
    assert ops.summarise(meeting.scores).skipped == 1


FAMILY_SECRET = "Mum-said-Zebra-8812"


def test_only_the_facilitator_or_a_manager_types_scores_in_the_editor(app, team_setup, db):
    meeting, worker = team_setup["meeting"], team_setup["worker"]
    practitioner = signed_in(app, worker)
    page = practitioner.get(url(meeting)).data.decode()
    assert "Save score" not in page and "Save the family&#39;s score" not in page
    assert "The facilitator or a manager types in scores here" in page and "Give your own score" in page
    assert practitioner.post(url(meeting, "/scores"), data={"score-user_id": worker.id, "score-score": "9"}
                             ).status_code == 403
    assert practitioner.post(url(meeting, "/family-score"), data={"family-family_score": "9"}).status_code == 403
    db.session.refresh(meeting)
    assert meeting.scores == [] and meeting.family_score is None
    # Handed the facilitator's role in the room, a practitioner records for the room.
    live.hand_over(live.open_room(meeting), worker, team_setup["manager"])
    db.session.commit()
    assert "Save score" in practitioner.get(url(meeting)).data.decode()
    assert practitioner.post(url(meeting, "/scores"), data={"score-user_id": worker.id, "score-score": "9"}
                             ).status_code == 302


def test_the_family_score_is_not_shown_in_the_editor_before_the_reveal(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    manager_client.post(url(meeting, "/family-score"),
                        data={"family-family_score": "6", "family-family_score_note": FAMILY_SECRET})
    db.session.refresh(meeting)
    assert meeting.family_score == 6
    page = manager_client.get(url(meeting)).data.decode()
    assert FAMILY_SECRET not in page and 'name="family-family_score" required type="number" value="6"' not in page
    assert 'name="family-family_score" required type="number" value=""' in page


def test_scores_stay_as_given_once_revealed(manager_client, team_setup, db):
    meeting, manager, worker = team_setup["meeting"], team_setup["manager"], team_setup["worker"]
    assert manager_client.post(url(meeting, "/scores"), data={"score-user_id": worker.id, "score-score": "4",
                                                              "score-reason": "Drinking"}).status_code == 302
    assert manager_client.post(url(meeting, "/live/scaling"), data={"action": "reveal"}).status_code == 302
    page = manager_client.get(url(meeting)).data.decode()
    assert "Drinking" in page and "they stay as they were given" in page and "Save score" not in page
    late = manager_client.post(url(meeting, "/scores"), data={"score-user_id": worker.id, "score-score": "8"})
    assert late.status_code == 409 and b"The scores have been revealed, so they stay as they were given" in late.data
    family = manager_client.post(url(meeting, "/family-score"), data={"family-family_score": "8"})
    assert family.status_code == 409
    db.session.refresh(meeting)
    assert [s.score for s in meeting.scores] == [4] and meeting.family_score is None
    with pytest.raises(ops.ScoresRevealed):
        ops.record_score(meeting, manager, 2, "")


def test_family_score(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    assert manager_client.post(url(meeting, "/family-score"), data={"family-family_score": "-1"}).status_code == 400
    manager_client.post(
        url(meeting, "/family-score"), data={"family-family_score": "6", "family-family_score_note": "Mum"}
    )
    db.session.refresh(meeting)
    assert meeting.family_score == 6


def test_actions_need_an_owner(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    response = manager_client.post(
        url(meeting, "/actions"), data={"action-description": "Visit", "action-owner_id": "0"}
    )
    assert response.status_code == 400 and b"name the person" in response.data
    manager_client.post(
        url(meeting, "/actions"),
        data={
            "action-description": "Ring the GP",
            "action-owner_id": "0",
            "action-owner_name": "Health visitor",
            "action-due_on": "2026-12-01",
        },
    )
    action = db.session.scalar(db.select(Action).filter_by(meeting_id=meeting.id))
    assert action.owner_label == "Health visitor" and action.due_on == date(2026, 12, 1)


def test_only_the_accountable_manager_agrees_actions(app, team_setup, db):
    meeting, manager, worker = team_setup["meeting"], team_setup["manager"], team_setup["worker"]
    action = {"action-description": "Ring the GP", "action-owner_id": worker.id}
    practitioner = signed_in(app, worker)
    page = practitioner.get(url(meeting)).data.decode()
    assert "Add agreed action" not in page and "What will be done" not in page
    assert "The accountable team manager or assistant team manager agrees actions" in page
    assert 'href="#next_steps">Next steps</a>' in page
    assert practitioner.post(url(meeting, "/actions"), data=action).status_code == 403
    assert db.session.scalars(db.select(Action).filter_by(meeting_id=meeting.id)).all() == []
    with pytest.raises(DomainError, match="Only the accountable team manager"):
        ops.add_action(meeting, description="Ring the GP", owner=worker, owner_name=None, due_on=None,
                       agreed_by=worker)
    # The group's idea goes in Next steps, and the manager agrees it as an action, under their name.
    assert practitioner.post(url(meeting, "/sections/next_steps/items"), data={"text": "Ring the GP?"}
                             ).status_code == 302
    manager_client = signed_in(app, manager)
    assert "Add agreed action" in manager_client.get(url(meeting)).data.decode()
    assert manager_client.post(url(meeting, "/actions"), data=action).status_code == 302
    [agreed] = db.session.scalars(db.select(Action).filter_by(meeting_id=meeting.id)).all()
    assert agreed.agreed_by_id == manager.id
    assert practitioner.post(url(meeting, f"/actions/{agreed.id}/remove")).status_code == 403
    assert db.session.get(Action, agreed.id) is not None


def test_a_practitioner_reviews_last_times_actions_but_only_a_manager_carries_one_forward(
        app, team_setup, make_meeting, db):
    first, manager, worker = team_setup["meeting"], team_setup["manager"], team_setup["worker"]
    done, carried = (ops.add_action(first, description=d, owner=worker, owner_name=None, due_on=None,
                                    agreed_by=manager) for d in ("Do A", "Do B"))
    ops.agree(first, manager)
    db.session.commit()
    second = make_meeting(team_setup["case"], manager, days_from_now=14)
    practitioner = signed_in(app, worker)
    page = practitioner.get(url(second)).data.decode()
    assert 'value="carried_forward"' not in page and "the accountable manager does that" in page
    refused = practitioner.post(url(second, "/reviews"),
                                data={"review-action_id": carried.id, "review-outcome": "carried_forward"})
    assert refused.status_code == 400 and b"Only the accountable team manager" in refused.data
    assert practitioner.post(url(second, "/reviews"), data={"review-action_id": done.id, "review-outcome": "done"}
                             ).status_code == 302
    db.session.expire_all()
    assert [a.description for a in second.actions] == [] and carried.status is ActionStatus.OPEN
    assert 'value="carried_forward"' in signed_in(app, manager).get(url(second)).data.decode()


def test_agree_makes_the_record_read_only_and_amendments_keep_the_original(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    manager_client.post(url(meeting, "/sections/past_harm/items"), data={"text": "Bruise, 3 March"})
    assert manager_client.post(url(meeting, "/agree")).status_code == 302
    db.session.refresh(meeting)
    assert meeting.status is MeetingStatus.AGREED and meeting.agreed_by_id == team_setup["manager"].id
    assert meeting.genogram_snapshot == meeting.case.genogram_json
    assert manager_client.get(url(meeting)).status_code == 302  # the editor sends you to the record
    manager_client.post(url(meeting, "/sections/past_harm/items"), data={"text": "late addition"})
    db.session.refresh(meeting)
    assert [i.text for i in meeting.items] == ["Bruise, 3 March"]
    response = manager_client.post(url(meeting, "/amendments"), data={"amend-reason": "", "amend-text": "x"})
    assert response.status_code == 400 and b"Say why" in response.data
    manager_client.post(
        url(meeting, "/amendments"), data={"amend-reason": "Date was wrong", "amend-text": "It was 4 March"}
    )
    page = manager_client.get(url(meeting, "/record")).data.decode()
    assert "Bruise, 3 March" in page and "It was 4 March" in page and "Date was wrong" in page


def test_only_managers_agree(login_as, team_setup):
    client = login_as(team_setup["worker"])
    assert client.post(url(team_setup["meeting"], "/agree")).status_code == 403


def test_service_refuses_changes_to_an_agreed_record(team_setup, db):
    meeting = team_setup["meeting"]
    ops.agree(meeting, team_setup["manager"])
    with pytest.raises(RecordAgreed):
        ops.add_item(meeting, Section.WORRIES, "x", team_setup["manager"])


def test_edit_conflict_in_the_service(team_setup, db):
    item = ops.add_item(team_setup["meeting"], Section.WORRIES, "a", team_setup["manager"])
    db.session.commit()
    ops.edit_item(item, "b", expected_version=1)
    with pytest.raises(EditConflict) as caught:
        ops.edit_item(item, "c", expected_version=1)
    assert caught.value.current_text == "b"


def _saved_meanwhile(db, model, record_id: int, **values) -> None:
    """Another request's save, on its own connection, landing after this request read the record."""
    with Session(db.engine) as other:
        record = other.get(model, record_id)
        for name, value in values.items():
            setattr(record, name, value)
        record.version += 1
        other.commit()


def test_two_saves_at_once_cannot_both_win(team_setup, db):
    """The race: this save read version 1 and passed the check, but another landed before it was written."""
    item = ops.add_item(team_setup["meeting"], Section.WORRIES, "original", team_setup["manager"])
    db.session.commit()
    assert item.version == 1  # read now, as a request does before comparing
    _saved_meanwhile(db, MapItem, item.id, text="their save")
    with pytest.raises(EditConflict) as caught:
        ops.edit_item(item, "my save", expected_version=1)  # this request's copy still says version 1
    assert (caught.value.current_text, caught.value.current_version) == ("their save", 2)
    db.session.expire_all()
    saved = db.session.get(MapItem, item.id)
    assert (saved.text, saved.version) == ("their save", 2)


@pytest.mark.parametrize("model", [DangerStatement, SafetyGoal])
def test_a_statement_save_that_raced_another_does_not_overwrite_it(team_setup, db, model):
    meeting = team_setup["meeting"]
    if model is DangerStatement:
        save = ops.save_danger_statement
        record = save(meeting, None, statement="Worried about drinking.")
    else:
        def save(*args, **kwargs):
            return ops.save_safety_goal(*args, danger_statement=None, **kwargs)
        record = save(meeting, None, statement="A sober adult, always.")
    db.session.commit()
    assert record.version == 1
    _saved_meanwhile(db, model, record.id, statement="Their words.")
    with pytest.raises(EditConflict) as caught:
        save(meeting, record, expected_version=1, statement="My words.")
    assert (caught.value.current_text, caught.value.current_version) == ("Their words.", 2)
    db.session.expire_all()
    assert db.session.get(model, record.id).statement == "Their words."


def test_removing_what_someone_has_just_edited_is_refused(team_setup, db):
    item = ops.add_item(team_setup["meeting"], Section.WORRIES, "original", team_setup["manager"])
    db.session.commit()
    assert item.version == 1
    _saved_meanwhile(db, MapItem, item.id, text="their save")
    with pytest.raises(EditConflict):
        ops.remove_item(item)
    db.session.expire_all()
    assert db.session.get(MapItem, item.id).text == "their save"


def test_moving_an_item_is_not_an_edit(manager_client, team_setup, db):
    meeting = team_setup["meeting"]
    first = ops.add_item(meeting, Section.WORRIES, "one", team_setup["manager"])
    second = ops.add_item(meeting, Section.WORRIES, "two", team_setup["manager"])
    db.session.commit()
    manager_client.post(url(meeting, f"/items/{second.id}/move"), data={"direction": "up"})
    # Someone opened the first item before the move: their save is no conflict.
    assert manager_client.post(url(meeting, f"/items/{first.id}"), data={"text": "one, edited", "version": "1"}
                               ).status_code == 302
    db.session.expire_all()
    assert [i.text for i in meeting.items_in(Section.WORRIES)] == ["two", "one, edited"]


def test_previous_open_actions_are_reviewed_in_the_next_session(manager_client, team_setup, make_meeting, db):
    first = team_setup["meeting"]
    manager_client.post(
        url(first, "/actions"),
        data={
            "action-description": "Do A",
            "action-owner_id": team_setup["worker"].id,
            "action-due_on": (date.today() - timedelta(days=3)).isoformat(),
        },
    )
    manager_client.post(
        url(first, "/actions"), data={"action-description": "Do B", "action-owner_id": team_setup["worker"].id}
    )
    manager_client.post(url(first, "/agree"))
    second = make_meeting(team_setup["case"], team_setup["manager"], days_from_now=14)
    page = manager_client.get(url(second)).data.decode()
    assert "Do A" in page and "Do B" in page
    # The review is part of the record: it comes before agreeing.
    refused = manager_client.post(url(second, "/agree"), follow_redirects=True).get_data(as_text=True)
    assert "review the last session&#39;s open actions" in refused and "2 are still waiting" in refused
    db.session.refresh(second)
    assert not second.is_agreed
    a, b = sorted(first.actions, key=lambda x: x.description)
    manager_client.post(
        url(second, "/reviews"), data={"review-action_id": a.id, "review-outcome": "done", "review-note": "Done well"}
    )
    response = manager_client.post(
        url(second, "/reviews"), data={"review-action_id": b.id, "review-outcome": "dropped"}
    )
    assert response.status_code == 400 and b"Say why" in response.data
    manager_client.post(url(second, "/reviews"), data={"review-action_id": b.id, "review-outcome": "carried_forward"})
    db.session.expire_all()
    assert a.status is ActionStatus.DONE
    assert [x.description for x in second.actions] == ["Do B"]
    assert "Carried forward" in manager_client.get(url(second, "/record")).data.decode()
    # The original is closed as carried forward, not done: the done figures count only what was done.
    assert b.status is ActionStatus.CARRIED_FORWARD and b.closed_at is not None
    assert second.actions[0].status is ActionStatus.OPEN and second.actions[0].carried_from_id == b.id
    manager_client.post(url(second, "/agree"))
    db.session.refresh(second)
    assert second.is_agreed
    done = db.session.scalars(db.select(Action).filter_by(case_id=first.case_id, status=ActionStatus.DONE)).all()
    assert done == [a]
    assert "<td>Carried forward: Carried forward to the session of" in manager_client.get(
        url(first, "/record")).data.decode()


def test_record_plain_text_and_print_view(manager_client, team_setup):
    meeting = team_setup["meeting"]
    manager_client.post(url(meeting, "/sections/strengths/items"), data={"text": "Mum **always** walks to school"})
    page = manager_client.get(url(meeting, "/record")).data.decode()
    assert "What's working well?" in page and "<strong>always</strong>" in page
    text = manager_client.get(url(meeting, "/record.txt"))
    assert text.mimetype == "text/plain"
    assert "EXISTING STRENGTHS\n- Mum **always** walks to school" in text.data.decode()


def test_another_teams_session_is_404_everywhere(login_as, team_setup, make_meeting):
    other = make_meeting(team_setup["other_case"], team_setup["outsider"])
    client = login_as(team_setup["manager"])
    for path in ("", "/record", "/record.txt"):
        assert client.get(url(other, path)).status_code == 404
    for path in (
        "/sections/worries/items",
        "/agree",
        "/actions",
        "/scores",
        "/amendments",
        "/details",
        "/danger-statements",
        "/safety-goals",
        "/reviews",
        "/start",
        "/family-score",
    ):
        assert client.post(url(other, path), data={"text": "x"}).status_code == 404, path


def test_the_record_says_which_safety_goal_answers_which_danger_statement(manager_client, team_setup, db):
    from supervision.models import DangerStatement, SafetyGoal

    meeting = team_setup["meeting"]
    first = DangerStatement(meeting=meeting, position=1, statement="We worry Dad drinks and shouts.")
    second = DangerStatement(meeting=meeting, position=2, statement="We worry Jayden misses school.")
    db.session.add_all([first, second, SafetyGoal(meeting=meeting, position=1, danger_statement=first,
                                                   statement="Dad will be sober when caring for Jayden.")])
    db.session.commit()
    page = manager_client.get(url(meeting, "/record")).get_data(as_text=True)
    goal_at = page.index("Dad will be sober when caring for Jayden.")
    assert "(Answers danger statement 1.)" in page[goal_at:goal_at + 200]
    missing_at = page.index("We worry Jayden misses school.")
    assert "(No safety goal answers this yet.)" in page[missing_at:missing_at + 200]
    answered_at = page.index("We worry Dad drinks and shouts.")
    assert "No safety goal answers this yet." not in page[answered_at:missing_at]
