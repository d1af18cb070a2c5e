"""Walking every route: fill its URL from fixture data, so tests cover routes added later too.

`World` is one team's fresh case data (a case with a child, a draft session with one of
everything, an action, a colleague). `url_for_rule` fills a rule's arguments from it by
name. A route with an argument name this file does not know fails the walking tests
with a message saying to add it here: then the new route is walked like every other.
"""

from __future__ import annotations

import contextvars
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from supervision import events
from supervision.extensions import db
from supervision.models import (
    Action,
    Case,
    Child,
    DangerStatement,
    LegalStatus,
    MapItem,
    Meeting,
    MeetingKind,
    Role,
    SafetyGoal,
    ScalingScore,
    Section,
    Team,
    User,
)
from supervision.models.live import LiveSession, Proposal
from supervision.models.panel import Panel, PanelSlot
from supervision.models.types import utcnow

_counter = itertools.count(1)


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own, as in production.

    The `db` fixture keeps an app context pushed for the test, and Flask reuses a pushed
    context for test requests: then `g` (where Flask-Login keeps the signed-in user) is
    shared by every client in the test. Several people at once need their own.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def isolated_client(app) -> IsolatedClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)


@dataclass
class World:
    team: Team
    colleague: User
    case: Case
    child: Child
    meeting: Meeting
    item: MapItem
    danger: DangerStatement
    goal: SafetyGoal
    action: Action
    panel: Panel
    slot: PanelSlot
    proposal: Proposal
    ids: dict[str, int]  # kept as plain numbers: usable after the objects leave the session


def make_world(team: Team, facilitator: User, password_hash: str, participants=()) -> World:
    """Fresh case data in `team`; nothing shared with any other world."""
    n = next(_counter)
    with db.session.no_autoflush, events.suspended():  # fixture data: no screen is watching
        colleague = User(email=f"colleague{n}@example.test", name=f"Colleague {n}", role=Role.PRACTITIONER,
                         team=team, password_hash=password_hash)
        db.session.add(colleague)
        case = Case(reference=f"W-{n}", family_label=f"World family {n}", team=team, practitioner=colleague,
                    legal_status=LegalStatus.CHILD_PROTECTION)
        child = Child(name=f"World child {n}", date_of_birth=date(2019, 3, 1))
        case.children = [child]
        case.genogram_json = json.dumps({
            "title": f"World family {n}",
            "people": [{"id": "m", "name": "Mum", "sex": "female", "born": "1990"},
                       {"id": "c", "name": child.name, "sex": "female", "born": "2019", "subject": True}],
            "unions": [{"id": "u", "partners": ["m"], "children": [{"id": "c"}]}],
            "relationships": [], "households": []})
        db.session.add(case)
        meeting = Meeting(case=case, kind=MeetingKind.GROUP_SUPERVISION, facilitator=facilitator,
                          presenter=colleague, scheduled_at=datetime.now().replace(microsecond=0) + timedelta(days=1),
                          participants=[facilitator, colleague, *participants])
        db.session.add(meeting)
        item = MapItem(meeting=meeting, section=Section.WORRIES, position=1, text="A worry", author=colleague)
        danger = DangerStatement(meeting=meeting, position=1, statement="Everyone is worried that...")
        goal = SafetyGoal(meeting=meeting, position=1, statement="Mum will...", danger_statement=danger)
        score = ScalingScore(meeting=meeting, user=colleague, score=5, reason="Some progress")
        action = Action(meeting=meeting, case=case, description="Visit the school", owner=colleague,
                        due_on=date.today() + timedelta(days=7), agreed_by_id=facilitator.id)
        db.session.add_all([item, danger, goal, score, action])
        cmr = Meeting(case=case, kind=MeetingKind.CMR, facilitator=facilitator, presenter=colleague,
                      scheduled_at=meeting.scheduled_at + timedelta(days=7), participants=[facilitator, colleague])
        db.session.add(cmr)
        panel = Panel(team=team, title=f"Panel {n}", starts_at=cmr.scheduled_at, chair=facilitator,
                      members=[facilitator])
        db.session.add(panel)
        slot = PanelSlot(panel=panel, position=1, meeting=cmr)
        db.session.add(slot)
        db.session.flush()
        room = LiveSession(meeting_id=meeting.id, facilitator_id=facilitator.id, join_code=f"W{n:07d}",
                           join_code_expires_at=utcnow() + timedelta(hours=2))
        db.session.add(room)
        proposal = Proposal(meeting_id=meeting.id, author=colleague, section=Section.QUESTIONS, text="What helps?")
        db.session.add(proposal)
        db.session.flush()
        ids = {name: obj.id for name, obj in dict(
            case=case, child=child, meeting=meeting, item=item, danger=danger, goal=goal, action=action,
            colleague=colleague, panel=panel, slot=slot, proposal=proposal, cmr=cmr).items()}
        db.session.commit()
    return World(team, colleague, case, child, meeting, item, danger, goal, action, panel, slot, proposal, ids)


# Every argument name a route may use, and where its value comes from.
ID_SOURCES: dict[str, Callable[[World], int]] = {
    "case_id": lambda w: w.ids["case"],
    "child_id": lambda w: w.ids["child"],
    "meeting_id": lambda w: w.ids["meeting"],
    "item_id": lambda w: w.ids["item"],
    "statement_id": lambda w: w.ids["danger"],
    "goal_id": lambda w: w.ids["goal"],
    "record_id": lambda w: w.ids["danger"],  # with kind=danger-statements below
    "entry_id": lambda w: w.ids["danger"],  # with kind=danger_statements below
    "action_id": lambda w: w.ids["action"],
    "user_id": lambda w: w.ids["colleague"],
    "panel_id": lambda w: w.ids["panel"],
    "slot_id": lambda w: w.ids["slot"],
    "proposal_id": lambda w: w.ids["proposal"],
}
# For each name, values in order of preference: the first a route's converter accepts is used.
STRING_VALUES: dict[str, list[str]] = {
    "section": [Section.WORRIES.value],
    "kind": ["danger-statements", "danger_statements"],  # so record_id / entry_id are the danger statement
    "fmt": ["json", "md"],
    "change": ["deactivate"],
    "what": ["person"],
}
# Form data a route needs to get past its first check (a POST is walked with these, else empty).
FORM_DATA: dict[str, Callable[[World], dict]] = {
    "caseloads.preview": lambda w: {"source": w.ids["colleague"]},
    "caseloads.confirm": lambda w: {"source": w.ids["colleague"]},
}
# Reached without signing in, each secured its own way (see docs/security.md).
PUBLIC_ENDPOINTS = {"static", "main.healthz", "auth.sign_in", "actions.calendar_feed"}


class UnknownArgument(Exception):
    pass


def walked_rules(app) -> list[Rule]:
    """Every rule a signed-in person can reach, in a stable order."""
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC_ENDPOINTS),
                  key=lambda r: (r.rule, sorted(r.methods)))


def has_id(rule: Rule) -> bool:
    return any(isinstance(c, IntegerConverter) for c in rule._converters.values())


def url_for_rule(rule: Rule, world: World) -> str:
    """The rule's URL with every argument filled from the world, or UnknownArgument."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            if name not in ID_SOURCES:
                raise UnknownArgument(
                    f"Route {rule.rule} ({rule.endpoint}) takes an id called {name!r} that tests/routes.py does "
                    f"not know. Add it to ID_SOURCES (and to World if it needs new fixture data), so the access "
                    f"tests walk this route too.")
            values[name] = ID_SOURCES[name](world)
        else:
            if name not in STRING_VALUES:
                raise UnknownArgument(
                    f"Route {rule.rule} ({rule.endpoint}) takes {name!r}: add a value to STRING_VALUES in "
                    f"tests/routes.py.")
            fits = [v for v in STRING_VALUES[name]
                    if not isinstance(converter, AnyConverter) or v in converter.items]
            if not fits:
                raise UnknownArgument(f"Route {rule.rule}: none of {STRING_VALUES[name]} is one of "
                                      f"{sorted(converter.items)}; add a value for {name!r} in tests/routes.py.")
            values[name] = fits[0]
    _, path = rule.build(values, append_unknown=False)
    return path


def methods(rule: Rule) -> list[str]:
    return sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))


def signed_in(app, user, password: str | None = None) -> IsolatedClient:
    """A browser of its own, signed in as `user` through the real form."""
    from tests.conftest import PASSWORD

    client = isolated_client(app)
    response = client.post("/sign-in", data={"email": user.email, "password": password or PASSWORD})
    assert response.status_code == 302, f"could not sign in as {user.email}"
    return client


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, hidden, number, date, datetime-local, password, ...
    value: str = ""
    options: list[str] | None = None


@dataclass
class PageForm:
    action: str
    method: str
    fields: list[FormField]

    @property
    def typed(self) -> list[FormField]:
        """The fields a person types text into."""
        return [f for f in self.fields if f.kind in ("text", "textarea", "search", "")]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._select: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(PageForm(a.get("action") or "", (a.get("method") or "get").lower(), []))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                existing = next((f for f in self.forms[-1].fields if f.name == a["name"]), None)
                if existing:
                    existing.options.append(a.get("value", "on"))
                    return
                self.forms[-1].fields.append(FormField(a["name"], kind, a.get("value", "on"), [a.get("value", "on")]))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                self.forms[-1].fields.append(FormField(a["name"], kind, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self.forms[-1].fields.append(FormField(a["name"], "textarea"))
        elif tag == "select" and a.get("name"):
            self._select = FormField(a["name"], "select", "", [])
            self.forms[-1].fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_on(html: str) -> list[PageForm]:
    """The forms of a page, with their fields, as a browser would see them."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def sample_value(field: FormField) -> str:
    """A valid-looking value for a field that is not typed text."""
    if field.kind in ("select", "radio"):
        chosen = [o for o in field.options or [] if o not in ("", "0")]
        return chosen[0] if chosen else (field.options or [""])[0]
    return {"number": "4", "date": "2020-02-02", "datetime-local": "2026-12-01T10:00", "email": "someone@example.test",
            "checkbox": (field.options or ["y"])[0]}.get(field.kind, field.value)
