"""The case's story over time: the scaling chart and the statements' changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from supervision.models import DangerStatement, Meeting, MeetingKind, MeetingStatus, SafetyGoal, ScalingScore
from supervision.services import story


def test_word_diff_marks_and_escapes():
    marked = str(story.word_diff("Dad shouts at <Mum>", "Dad shouts at and pushes <Mum> & Kayla"))
    assert "<ins>" in marked and "&lt;Mum&gt;" in marked and "&amp; Kayla" in marked
    assert "<Mum>" not in marked
    assert story.word_diff("for three months", "for six months") == (
        'for <del><span class="visually-hidden">[removed: </span>three<span class="visually-hidden">]</span></del>'
        '<ins><span class="visually-hidden">[added: </span>six<span class="visually-hidden">]</span></ins> months')
    assert str(story.word_diff("same words", "same words")) == "same words"


def test_compare_pairs_reworded_statements_and_marks_new_and_removed():
    before = ["Dad drinks and shouts at Mum while Kayla watches.", "The house is cold and there is no food."]
    after = ["There is a new worry about school.", "Dad drinks and shouts at and pushes Mum while Kayla watches."]
    changes = story.compare_statements(before, after)
    assert [c.status for c in changes] == [story.NEW, story.CHANGED, story.REMOVED]
    assert "<ins>" in changes[1].marked and "pushes" in changes[1].marked
    assert changes[2].text == "The house is cold and there is no food." and "<del>" in changes[2].marked
    assert [c.status for c in story.compare_statements(after, after)] == [story.UNCHANGED] * 2
    assert [c.status for c in story.compare_statements(None, after)] == [story.FIRST] * 2
    assert "<ins>" not in story.compare_statements(None, after)[0].marked


@pytest.fixture()
def sessions(db, team_setup, make_meeting):
    """Three agreed sessions of the team's case, a month apart, with statements and scores; and a draft."""
    case, manager, worker = team_setup["case"], team_setup["manager"], team_setup["worker"]
    made = []
    for n, (danger, goal, scores, family) in enumerate([
        ("Dad shouts at Mum.", "Mum will keep Kayla safe for three months.", (3, 5), 2),
        ("Dad shouts at and pushes Mum.", "Mum will keep Kayla safe for six months.", (4, 6), None),
        ("Dad shouts at and pushes Mum.", "Mum will keep Kayla safe for six months.", (7, 7), 6),
    ]):
        meeting = make_meeting(case, manager, days_from_now=-90 + 30 * n)
        meeting.danger_statements.append(DangerStatement(statement=danger, position=1))
        meeting.safety_goals.append(SafetyGoal(statement=goal, position=1))
        meeting.scores += [ScalingScore(user=manager, score=scores[0]), ScalingScore(user=worker, score=scores[1])]
        meeting.family_score = family
        meeting.status = MeetingStatus.AGREED  # agreed records show their scores (drafts wait for the reveal)
        made.append(meeting)
    made.append(make_meeting(case, manager, days_from_now=5))  # a draft with nothing yet
    db.session.commit()
    return made


def test_statements_history_session_by_session(sessions):
    steps = story.statements_history(sessions)
    assert [s.meeting for s in steps] == sessions[:3]  # the empty draft is left out
    assert steps[0].first and not steps[0].changed
    assert steps[1].danger_statements[0].status == story.CHANGED and steps[1].changed
    assert steps[2].safety_goals[0].status == story.UNCHANGED and not steps[2].changed


def test_chart_places_sessions_by_date_with_medians(sessions):
    chart = story.scaling_chart(sessions)
    assert [s.meeting for s in chart.sessions] == sessions[:3]
    xs = [s.x for s in chart.sessions]
    assert xs == sorted(xs) and xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], rel=0.01)  # a month apart
    assert [s.median for s in chart.sessions] == [4, 5, 7]
    assert len(chart.dots) == 6 and len(chart.family) == 2
    assert chart.medians[2].y < chart.medians[0].y  # higher score, higher on the chart
    top, bottom = story._y(10), story._y(0)
    assert top == chart.top and bottom == chart.bottom
    assert chart.summary.startswith("3 sessions with scores. The median went from 4 on")
    # Two people giving the same score in the same session are both visible.
    same = [d for d in chart.dots if d.title.endswith(f"({chart.sessions[2].date_label})")]
    assert len({d.x for d in same}) == 2


def test_chart_is_none_without_scores_and_labels_never_overlap(db, team_setup, make_meeting):
    assert story.scaling_chart([make_meeting(team_setup["case"], team_setup["manager"])]) is None
    base = datetime(2026, 1, 5, 10, 0)
    meetings = [Meeting(kind=MeetingKind.GROUP_SUPERVISION, scheduled_at=base + timedelta(days=d), id=i,
                        scores=[ScalingScore(user=team_setup["worker"], score=5)])
                for i, d in enumerate([0, 2, 4, 30, 200, 201], 1)]
    chart = story.scaling_chart(meetings)
    shown = [s.x for s in chart.sessions if s.show_label]
    assert chart.sessions[-1].show_label
    assert all(b - a >= story.MIN_LABEL_GAP for a, b in zip(shown, shown[1:], strict=False))


def test_case_page_shows_chart_text_alternative_and_changes(login_as, team_setup, sessions, db):
    team_setup["worker"].name = "Grace <b>Worker</b>"
    db.session.commit()
    page = login_as(team_setup["manager"]).get(f"/cases/{team_setup['case'].id}").data.decode()
    assert '<svg viewBox="0 0 760 300" role="img" aria-labelledby="chart-title chart-desc"' in page
    assert "The median went from 4 on" in page and "The scores as a table" in page
    assert "Grace &lt;b&gt;Worker&lt;/b&gt;: 5" in page and "<b>Worker</b>" not in page
    assert "<ins>" in page and "pushes" in page and "<del>" in page
    assert page.index("Scaling over time") < page.index("Danger statements and safety goals over time")
    for fmt in ("record.md", "record.json", "record.txt"):
        assert f"/sessions/{sessions[0].id}/{fmt}" in page
