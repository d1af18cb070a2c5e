"""The case's story over time: the scaling chart and the statements' changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

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


def _chart_of(page: str) -> str:
    start = page.index('<svg viewBox="0 0 760 300"')
    return page[start:page.index("</svg>", start)]


def test_the_drawn_chart_follows_every_change_of_content(login_as, team_setup, sessions, db):
    """The chart's drawing is kept between views: a changed score, name or family label draws it anew."""
    client, case = login_as(team_setup["manager"]), team_setup["case"]
    first = _chart_of(client.get(f"/cases/{case.id}").data.decode())
    assert _chart_of(client.get(f"/cases/{case.id}").data.decode()) == first
    latest = sessions[2]
    day = f"{latest.scheduled_at:%d %b %Y}"
    worker_score = next(s for s in latest.scores if s.user is team_setup["worker"])
    assert f"{team_setup['worker'].name}: 7 ({day})" in first

    worker_score.score = 9
    db.session.commit()
    changed = _chart_of(client.get(f"/cases/{case.id}").data.decode())
    worker = team_setup["worker"].name
    assert f"{worker}: 9 ({day})" in changed and f"{worker}: 7 ({day})" not in changed
    assert "Median 8 (" in changed and "to 8 on" in changed

    team_setup["worker"].name = "Ada <img src=x onerror=alert(1)>"
    case.family_label = "Owens & <script>alert(1)</script>"
    db.session.commit()
    for _ in range(2):  # drawn, then from the kept drawing: escaped both times
        hostile = _chart_of(client.get(f"/cases/{case.id}").data.decode())
        assert f"Ada &lt;img src=x onerror=alert(1)&gt;: 9 ({day})" in hostile and "<img" not in hostile
        assert "Scaling scores of Owens &amp; &lt;script&gt;alert(1)&lt;/script&gt;, session by session" in hostile
        assert "<script>" not in hostile


def test_chart_svg_draws_once_per_content(app, sessions):
    from flask import get_template_attribute

    with app.test_request_context():
        draw = get_template_attribute("cases/_story.html", "scaling_svg")
        drawn = story.chart_svg(story.scaling_chart(sessions), "Family A", draw)
        assert story.chart_svg(story.scaling_chart(sessions), "Family A", draw) is drawn  # kept, not redrawn
        assert story.chart_svg(story.scaling_chart(sessions), "Family B", draw) is not drawn
        assert "Family B" in story.chart_svg(story.scaling_chart(sessions), "Family B", draw)
        sessions[0].family_score = 9
        redrawn = story.chart_svg(story.scaling_chart(sessions), "Family A", draw)
        assert redrawn != drawn and "The family&#39;s own score: 9" in redrawn


def test_chart_of_an_anonymous_round_names_nobody_and_gives_scores_in_score_order(db, team_setup):
    people = [team_setup["manager"], team_setup["worker"], team_setup["manager"], team_setup["worker"]]
    meeting = Meeting(kind=MeetingKind.GROUP_SUPERVISION, scheduled_at=datetime(2026, 3, 2, 10, 0), id=1, scores=[
        ScalingScore(user=user, score=score, reason=reason)
        for user, score, reason in zip(people, (7, None, 3, 3), ("b", "", "z", "a"), strict=True)])
    named, anonymous = story.scaling_chart([meeting]), story.scaling_chart([meeting], frozenset({1}))
    assert [score for _, score in named.sessions[0].scores] == [7, None, 3, 3]  # in the order they came
    assert anonymous.sessions[0].scores == [("A colleague", 3), ("A colleague", 3), ("A colleague", 7),
                                            ("A colleague", None)]
    assert anonymous.sessions[0].median == 3 and [d.title[:14] for d in anonymous.dots] == ["A colleague: 3"] * 2 + [
        "A colleague: 7"]
    assert not any(team_setup["worker"].name in d.title or team_setup["manager"].name in d.title
                   for d in anonymous.dots)


def test_a_scaling_line_is_drawn_once_per_content_and_again_when_it_changes(app):
    from supervision.drawings import scale_line

    marks = [{"label": "Grace <Worker>", "score": 6, "reason": ""}, {"label": "A colleague", "score": 4}]
    summary = {"count": 2, "median": 5, "low": 4, "high": 6, "spread": 2, "skipped": 0}
    with app.test_request_context():
        first = scale_line(marks, summary, 7)
        # An agreed record's data (dicts) and a live page's objects with the same content: one drawing.
        as_objects = [SimpleNamespace(**m) for m in marks]
        assert scale_line(as_objects, SimpleNamespace(**{**summary, "median": 5.0}), 7) is first
        assert "Grace &lt;Worker&gt; 6, A colleague 4; median 5" in first and "<Worker>" not in first
        assert 'fill="#2d6a2d"><title>Family: 7</title>' in first
        changed = scale_line([{**marks[0], "score": 8}, marks[1]], {**summary, "median": 6, "high": 8}, 7)
        assert changed is not first and "Grace &lt;Worker&gt; 8" in changed and "median 6" in changed
