"""Exports of a session record: plain text, Markdown, and JSON that reads back the same."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest

from supervision.models import ActionStatus, LegalStatus, Meeting, MeetingStatus, ReviewOutcome, Section
from supervision.services import exports
from supervision.services import meetings as ops
from supervision.services.record import markdown_safe, markdown_text, plain_text, record_data, record_of, render


@pytest.fixture()
def full_record(db, team_setup, make_meeting):
    """An agreed session with every part filled in, reviewing the one before it."""
    manager, worker, case = team_setup["manager"], team_setup["worker"], team_setup["case"]
    before = make_meeting(case, manager, days_from_now=-30)
    earlier = ops.add_action(before, description="Ask the school", owner=worker, owner_name=None,
                             due_on=date(2026, 11, 1), agreed_by=manager)
    db.session.commit()
    meeting = team_setup["meeting"]
    ops.review_action(meeting, earlier, ReviewOutcome.CARRIED_FORWARD, "Term ended", manager)
    ops.add_item(meeting, Section.PAST_HARM, "Bruise on **3 March**;\nseen by the school", worker)
    ops.add_item(meeting, Section.STRENGTHS, "Grandma visits — “every Sunday”", worker)
    danger = ops.save_danger_statement(meeting, None, who_is_worried="The school is worried that",
                                       behaviour="when Dad drinks he shouts", impact="and Kayla (6) is scared",
                                       if_nothing_changes="She could be hurt")
    db.session.flush()
    ops.save_safety_goal(meeting, None, danger_statement=danger, what_will_happen="Mum will keep Kayla safe",
                         who_will_see="and the school will see it", how_long="for six months")
    ops.record_score(meeting, manager, 4, "Drinking")
    ops.record_score(meeting, worker, 7, "Grandma, school")
    ops.set_family_score(meeting, 6, "Mum said")
    done = ops.add_action(meeting, description='Refer to "Families First"', owner=None, owner_name="Mum",
                          due_on=date(2026, 12, 1), agreed_by=manager)
    ops.add_action(meeting, description="Visit", owner=worker, owner_name=None, due_on=None, agreed_by=manager)
    meeting.case.genogram_json = json.dumps({"title": "Family", "people": []})
    ops.agree(meeting, manager)
    db.session.flush()
    ops.close_action(done, ActionStatus.DONE, "Referred on Monday", worker)
    ops.amend(meeting, manager, "Date was wrong", "The bruise was seen on 4 March")
    db.session.commit()
    db.session.refresh(meeting)
    return meeting


def test_json_export_round_trip(full_record):
    text = exports.record_json(full_record)
    data = exports.load_record_json(text)
    assert data == record_data(full_record)
    # The machine-readable record carries the whole record, and the same text comes back from it.
    assert render(data, markdown=False) == plain_text(full_record)
    assert render(data, markdown=True) == markdown_text(full_record)
    assert exports.load_record_json(json.dumps(data)) == data


def test_json_export_has_every_part(full_record):
    data = json.loads(exports.record_json(full_record))
    assert (data["format"], data["version"]) == ("supervision-session-record", 1)
    assert data["session"]["status"] == "agreed" and data["session"]["agreed_by"]["name"] == "Priya Manager"
    assert data["case"]["reference"] == full_record.case.reference
    assert [s["section"] for s in data["map"]] == [s.value for s in Section]
    assert data["map"][0]["items"][0]["text"] == "Bruise on **3 March**;\nseen by the school"
    assert data["danger_statements"][0]["behaviour"] == "when Dad drinks he shouts"
    assert data["safety_goals"][0]["danger_statement_id"] == data["danger_statements"][0]["id"]
    assert data["scaling"]["median"] == 5.5 and data["scaling"]["family_score"] == 6
    assert [a["status"] for a in data["actions"]] == ["open", "done", "open"]
    assert data["actions"][0]["carried_from_id"] is not None
    assert data["actions"][1]["closing_note"] == "Referred on Monday"
    assert data["action_reviews"][0]["outcome"] == "carried_forward"
    assert data["amendments"][0]["reason"] == "Date was wrong"
    assert data["genogram"] == {"title": "Family", "people": []}


def test_json_is_documented(full_record):
    doc = open("docs/record-json.md", encoding="utf-8").read()
    data = record_data(full_record)

    def keys(value, prefix=""):
        if isinstance(value, dict):
            for key, inner in value.items():
                if prefix.endswith("genogram"):
                    continue
                yield f"{prefix}.{key}".lstrip(".")
                yield from keys(inner, f"{prefix}.{key}")
        elif isinstance(value, list) and value:
            yield from keys(value[0], f"{prefix}[]")

    missing = [k for k in keys(data) if f"`{k}`" not in doc]
    assert not missing, f"undocumented fields: {missing}"


@pytest.mark.parametrize("bad", [
    "not json", "[]", json.dumps({"format": "something-else"}),
    json.dumps({"format": "supervision-session-record", "version": 99}),
    json.dumps({"format": "supervision-session-record", "version": 1, "session": {}}),
])
def test_load_refuses_what_is_not_a_record(bad):
    with pytest.raises(exports.RecordFormatError):
        exports.load_record_json(bad)


def test_markdown_and_plain_text(full_record):
    md = markdown_text(full_record)
    assert md.startswith(f"# Group supervision: {full_record.case.family_label}")
    assert "## Past harm\n- Bruise on **3 March**;\n  seen by the school" in md
    assert "- **Facilitator:** Priya Manager" in md
    text = plain_text(full_record)
    assert "PAST HARM\n- Bruise on **3 March**;" in text
    assert '- Refer to "Families First" — Mum, by 01 December 2026 [Done: Referred on Monday]' in text
    assert "Median 5.5; range 4 to 7." in text


def test_export_routes(login_as, team_setup, full_record, make_meeting):
    client = login_as(team_setup["worker"])
    md = client.get(f"/sessions/{full_record.id}/record.md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert "attachment; filename=session-" in md.headers["Content-Disposition"]
    assert full_record.case.family_label not in md.headers["Content-Disposition"]
    js = client.get(f"/sessions/{full_record.id}/record.json")
    assert js.mimetype == "application/json" and exports.load_record_json(js.data.decode())["session"]["id"]
    assert client.get(f"/sessions/{full_record.id}/record.pdf").status_code == 404
    theirs = make_meeting(team_setup["other_case"], team_setup["outsider"])
    for fmt in ("md", "json"):
        assert client.get(f"/sessions/{theirs.id}/record.{fmt}").status_code == 404


def test_record_page_links_to_every_export(login_as, team_setup, full_record):
    page = login_as(team_setup["manager"]).get(f"/cases/{team_setup['case'].id}").data.decode()
    assert f"/sessions/{full_record.id}/record.json" in page and f"/sessions/{full_record.id}/record.md" in page


# --- hostile text in the Markdown export ----------------------------------------------------------

HOSTILE_TEXT = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript\\:alert(1))",
    "[click](java\tscript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[ref]: vbscript:msgbox(1)\n\n[click][ref]",
    "![pixel](https://tracker.example/pixel.png)",
    "\\![pixel](https://tracker.example/pixel.png)",
    "\\<b onmouseover=alert(1)>escaped?\\</b>",
    "<!-- hidden --><iframe src='https://example.test'></iframe>",
]
_RUNS = ("javascript:", "vbscript:", "livescript:", "data:", "file:")


class _Live(HTMLParser):
    """What a browser would make of rendered HTML: its elements, and each link as a browser reads it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.addresses: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            self.attrs.append(name)
            if name in ("href", "src"):  # browsers drop tabs and line breaks, and leading spaces
                self.addresses.append(re.sub(r"[\t\r\n]", "", value or "").strip().lower())


def _assert_inert(html: str) -> None:
    live = _Live(html)
    assert not set(live.tags) - {"p", "a", "ul", "li", "strong", "em", "h1", "h2", "br", "code", "pre"}, live.tags
    assert not [a for a in live.attrs if a.startswith("on") or a == "src"], live.attrs
    assert not [a for a in live.addresses if a.startswith(_RUNS)], live.addresses


@pytest.fixture()
def hostile_record(db, team_setup):
    meeting, worker = team_setup["meeting"], team_setup["worker"]
    for text in HOSTILE_TEXT:
        ops.add_item(meeting, Section.WORRIES, text, worker)
    ops.add_action(meeting, description="[call](javascript:alert(2)) <b>now</b>", owner=None,
                   owner_name="<i>Mum</i>", due_on=None, agreed_by=team_setup["manager"])
    db.session.commit()
    db.session.refresh(meeting)
    return meeting


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_markdown_safe_leaves_nothing_live_in_a_renderer_that_passes_html(text):
    # Python-Markdown as configured by default passes raw HTML through, as many systems do.
    import markdown

    assert "<script" in markdown.markdown("<script>alert(1)</script>")  # the renderer is a fair test
    _assert_inert(markdown.markdown(markdown_safe(text)))


def test_markdown_export_is_inert_and_keeps_the_words(hostile_record):
    import markdown

    md = markdown_text(hostile_record)
    _assert_inert(markdown.markdown(md))
    assert "<script>" not in md and "<img" not in md and "](javascript:" not in md.lower()
    assert "&lt;script>alert(1)&lt;/script>" in md  # shown as the text that was typed
    assert "[click](javascript :alert(1))" in md and "&#33;[pixel](https://tracker.example/pixel.png)" in md
    assert "- [call](javascript :alert(2)) &lt;b>now&lt;/b> — &lt;i>Mum&lt;/i>" in md
    # The plain text and the JSON keep exactly what was typed: neither is ever rendered as Markdown.
    assert "- [click](javascript:alert(1))" in plain_text(hostile_record)
    items = json.loads(exports.record_json(hostile_record))["map"]
    assert [i["text"] for s in items for i in s["items"]] == HOSTILE_TEXT


@pytest.mark.parametrize("text", [
    "**Mum** took the children to [school](https://school.example/) & back",
    "Data: the school says 3 < 5 and Dad: fine",
    "- one\n- two",
])
def test_ordinary_markdown_and_prose_are_unchanged(text):
    assert markdown_safe(text) == text


# --- the agreed record as it was signed off -------------------------------------------------------

def _article(html: str) -> str:
    """The record itself, without the breadcrumb (which names the family as it is now)."""
    return html[html.index('<article class="record">'):html.index("</article>")]


def test_an_agreed_record_stays_as_it_was_signed_off_and_shows_what_came_after(
        login_as, team_setup, full_record, db):
    case, worker, manager = full_record.case, team_setup["worker"], team_setup["manager"]
    client = login_as(manager)
    url = f"/sessions/{full_record.id}/record"
    agreed_label, agreed_child = case.family_label, case.children[0].name
    before = _article(client.get(url).data.decode())
    assert agreed_label in before and agreed_child in before and "Child protection plan" in before
    assert "Grace Worker" in before

    # After sign-off the case moves on: renamed, a child's name corrected, a new legal status,
    # a colleague's name changed. The record keeps the day it was agreed.
    case.family_label = "Renamed family"
    case.children[0].name = "Corrected Name"
    case.legal_status = LegalStatus.LOOKED_AFTER
    worker.name = "Grace Renamed"
    # What happens after sign-off is part of the record: how the actions went, the amendments.
    [visit] = [a for a in full_record.actions if a.description == "Visit"]
    ops.close_action(visit, ActionStatus.DONE, "Visited on Tuesday", worker)
    ops.amend(full_record, manager, "A name was misspelt", "Grandma's name is Jean")
    db.session.commit()

    page = client.get(url).data.decode()
    after = _article(page)
    assert agreed_label in after and agreed_child in after and "Child protection plan" in after
    assert "Grace Worker" in after
    as_agreed, since = after.split("<h2>Agreed actions</h2>")
    for later in ("Renamed family", "Corrected Name", "Child looked after", "Grace Renamed"):
        assert later not in as_agreed
    # The actions are followed up after the meeting: their progress and who has them now.
    assert "Done: Visited on Tuesday" in since and "Grace Renamed" in since
    assert "Grandma&#39;s name is Jean" in since
    assert "Renamed family" in page  # the way back to the case is the case as it is now

    # Every format says the same as the page.
    data = exports.load_record_json(client.get(f"{url}.json").data.decode())
    assert data["case"]["family_label"] == agreed_label and data["case"]["legal_status"] == "child_protection"
    assert {p["name"] for p in data["session"]["participants"]} == {"Priya Manager", "Grace Worker"}
    assert [a["status"] for a in data["actions"] if a["description"] == "Visit"] == ["done"]
    text = client.get(f"{url}.txt").data.decode()
    assert text == render(data, markdown=False)
    assert agreed_label in text and "Renamed family" not in text and "Grandma's name is Jean" in text


def test_a_draft_record_preview_shows_the_session_as_it_is_now(login_as, team_setup, db):
    meeting, case = team_setup["meeting"], team_setup["case"]
    client = login_as(team_setup["manager"])
    url = f"/sessions/{meeting.id}/record"
    assert "Grandma visits on Sundays" not in client.get(url).data.decode()
    ops.add_item(meeting, Section.STRENGTHS, "Grandma visits on Sundays", team_setup["worker"])
    case.family_label = "Renamed family"
    db.session.commit()
    assert meeting.record_snapshot is None
    page = _article(client.get(url).data.decode())
    assert "Grandma visits on Sundays" in page and "Renamed family" in page


def test_a_record_agreed_before_snapshots_were_kept_reads_the_session(full_record, db):
    kept = record_of(full_record)
    full_record.record_snapshot = None
    db.session.commit()
    assert record_of(full_record) == record_data(full_record) == kept  # nothing changed since: the same


def test_demo_sessions_written_as_agreed_have_their_snapshot(app, db):
    from supervision import demo

    demo.seed()
    db.session.commit()
    agreed = db.session.scalars(db.select(Meeting).where(Meeting.status == MeetingStatus.AGREED)).all()
    assert agreed and all(m.record_snapshot for m in agreed)
    assert all(record_of(m) == record_data(m) for m in agreed)
