"""Hostile input, everywhere it can be typed and everywhere it is shown, in real Chromium: no script runs.

Each text a user can type gets a hostile string, through the app's own forms where they exist
and straight into every text column of the case data besides (so pages added later that show
any of it are covered). Then every page a signed-in person can open (every GET route, walked
from the URL map) is loaded in Chromium twice: once as it is served, and once with the
Content-Security-Policy switched off, so escaping itself is proven, not only the CSP. A dialog,
a page error, a CSP violation, an executed script (it would set window.__pwned), or anything
active left in the DOM (inline scripts, on* attributes, javascript:/data: links, iframes) fails.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import icalendar
import pytest
from sqlalchemy import String, Text, inspect

from supervision.models import Action, Role, User
from tests.browser.conftest import CHROMIUM_ARGS, MEETING_ROOM  # noqa: F401 (the browser fixture's settings)
from tests.conftest import _PASSWORD_HASH, PASSWORD
from tests.routes import (
    forms_on,
    has_id,
    make_world,
    methods,
    sample_value,
    signed_in,
    url_for_rule,
    walked_rules,
)

PAYLOADS = [
    '<script>window.__pwned="script"</script>',
    '<img src=x onerror="window.__pwned=\'img\'">',
    '<svg onload="window.__pwned=\'svg\'"><script>window.__pwned="svg"</script></svg>',
    '[click me](javascript:window.__pwned="md-link")',
    '<a href="javascript:window.__pwned=\'a\'">a link</a>',
    '[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+)',
    '"><iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>',
    '</textarea></title><script>window.__pwned="breakout"</script>',
    "'; window.__pwned='js-string'; '\" ",
    '"]; x -> y [label="dot injection"]; z [shape=box URL="javascript:alert(1)',
    '<b onmouseover=window.__pwned=1>hover</b><math><mi xlink:href="javascript:alert(1)">m</mi></math>',
    '<style>body{display:none}</style><meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<x onclick=window.__pwned=1>broken <b <i>tags',
    '{{ 7*7 }} ${7*7} <!-- comment --> &lt;script&gt;',
]
ICS_BREAKOUT = "Ring the GP\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected\r\nX-INJECTED:1\r\nATTACH:http://x"
# Text columns that are not typed by people, or must keep their format.
NOT_TYPED = {"email", "password_hash", "session_token", "calendar_token_hash", "join_code", "payload",
             "genogram_json", "genogram_snapshot", "record_snapshot", "topic"}

ACTIVE_CONTENT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const value = a.value.trim().toLowerCase();
      if (a.name.startsWith('on')) bad.push(`${el.tagName} ${a.name}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(a.name)
          && /^(javascript|vbscript|data):/.test(value) && !value.startsWith('data:image/')) {
        bad.push(`${el.tagName} ${a.name}=${a.value.slice(0, 40)}`);
      }
    }
  }
  // Inline scripts are never served (the CSP forbids them); JSON data blocks are data, not code.
  const active = 'script:not([src]):not([type="application/json"]), iframe, object, embed, style, meta[http-equiv]';
  for (const el of document.querySelectorAll(active)) {
    bad.push(el.tagName);
  }
  for (const el of document.querySelectorAll('script[src]')) {
    if (new URL(el.src).origin !== location.origin) bad.push(`script from ${el.src}`);
  }
  return bad;
}"""


def _hostile_family(payload_of) -> str:
    """A genogram whose every typed string is hostile (names, notes, household, title)."""
    return json.dumps({
        "title": payload_of(0),
        "people": [{"id": "p1", "name": payload_of(1), "sex": "female", "born": "1990", "household": "h",
                    "note": payload_of(2)},
                   {"id": "p2", "name": payload_of(9), "sex": "male", "born": "1988", "household": "h"},
                   {"id": "c1", "name": payload_of(3), "sex": "unknown", "born": "2019", "subject": True,
                    "household": "h"}],
        "unions": [{"id": "u1", "partners": ["p1", "p2"], "type": "married", "status": "together",
                    "children": [{"id": "c1"}]}],
        "relationships": [{"from": "p1", "to": "c1", "kind": "close"}],
        "households": [{"id": "h", "name": payload_of(4)}],
    })


@pytest.fixture()
def hostile(app, make_team, make_user, db):
    team = make_team("Hostile team")
    manager = make_user(Role.TEAM_MANAGER, team, name="Priya Manager")
    admin = make_user(Role.ADMIN, team, name="Alex Admin")
    world = make_world(team, manager, _PASSWORD_HASH)
    client = signed_in(app, manager)
    counter = iter(range(10_000))

    def payload(_: int | None = None) -> str:
        return PAYLOADS[next(counter) % len(PAYLOADS)]

    # Through the forms people use: every form with a text box, on every page, gets hostile text.
    submitted = _type_everywhere(app, client, world, payload)
    assert submitted >= 12, f"only {submitted} forms took the hostile text"
    admin_client = signed_in(app, admin)
    assert admin_client.post("/admin/users/new", data={
        "name": payload(), "email": "hostile@example.test", "role": "practitioner",
        "password": "long enough password", "confirm": "long enough password"}).status_code == 302

    # And straight into every other text column of the case data.
    db.session.expire_all()
    for obj in (world.case, world.child, world.meeting, world.item, world.danger, world.goal, world.action,
                world.panel, world.proposal, world.colleague, *world.case.children, *world.meeting.items,
                *world.meeting.danger_statements, *world.meeting.safety_goals, *world.meeting.scores,
                *world.meeting.actions):
        for column in inspect(type(obj)).columns:
            if isinstance(column.type, String | Text) and column.key not in NOT_TYPED and not hasattr(
                    column.type, "enum_class"):
                limit = getattr(column.type, "length", None) or 10_000
                setattr(obj, column.key, payload()[:limit])
    world.case.genogram_json = _hostile_family(lambda i: PAYLOADS[i % len(PAYLOADS)])
    db.session.commit()
    hostile_user = db.session.scalar(db.select(User).filter_by(email="hostile@example.test"))
    world.meeting.participants.append(hostile_user)
    db.session.commit()
    # An action of the manager's whose text tries to break out of its calendar event.
    db.session.add(Action(meeting_id=world.ids["meeting"], case_id=world.ids["case"], owner_id=manager.id,
                          description=ICS_BREAKOUT, due_on=date.today() + timedelta(days=3), agreed_by_id=manager.id))
    db.session.commit()
    # The calendar feed: a private address, made the way a user makes it.
    page = client.post("/actions/calendar").data.decode()
    calendar = re.search(r"(/calendar/[^\"<\s]+\.ics)", page)
    return dict(world=world, manager=manager, admin=admin, calendar=calendar.group(1) if calendar else None)


# Forms not to submit here: they sign the walker out or start again from scratch.
SKIP_ACTIONS = ("/sign-out", "/sign-in", "/join", "/admin/")


def _type_everywhere(app, client, world, payload) -> int:
    """Find every form with a text box on every page, fill each box with hostile text, send it."""
    submitted, seen = 0, set()
    for rule in walked_rules(app):
        if "GET" not in methods(rule) or (rule.arguments and not has_id(rule)):
            continue
        response = client.get(url_for_rule(rule, world), buffered=False)
        if response.mimetype != "text/html":
            response.close()
            continue
        for form in forms_on(response.get_data(as_text=True)):
            key = (form.action, tuple(sorted(f.name for f in form.fields)))
            if form.method != "post" or not form.typed or key in seen or form.action.startswith(SKIP_ACTIONS):
                continue
            seen.add(key)
            data = {f.name: payload() if f in form.typed else sample_value(f) for f in form.fields
                    if f.kind != "password"}
            answer = client.post(form.action or url_for_rule(rule, world), data=data)
            assert answer.status_code < 500, f"{form.action} answered {answer.status_code} to hostile text"
            submitted += answer.status_code < 400
    return submitted


def _pages(app, world, calendar) -> list[tuple[str, Role]]:
    """Every GET page: routes with ids filled from the hostile world, the pages without ids, the feed."""
    pages = []
    for rule in walked_rules(app):
        if "GET" not in methods(rule):
            continue
        who = Role.ADMIN if rule.endpoint.startswith("admin.") else Role.TEAM_MANAGER
        if has_id(rule) or not rule.arguments:
            pages.append((url_for_rule(rule, world), who, rule.endpoint))
    if calendar:
        pages.append((calendar, Role.TEAM_MANAGER, "actions.calendar_feed"))
    return pages


def _context(browser, live_server, user, bypass_csp: bool):
    context = browser.new_context(viewport=MEETING_ROOM, base_url=live_server, bypass_csp=bypass_csp,
                                  accept_downloads=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/sign-in")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
    return context, page


def _visit(page, url: str, problems: list[str]) -> str:
    """Load a page and report anything that ran or could run."""
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(f"dialog {d.message!r}"), d.dismiss()))
    page.on("pageerror", lambda e: seen.append(f"page error {e}"))
    page.on("console", lambda m: seen.append(f"console {m.text}") if m.type == "error" and (
        "Content Security Policy" in m.text or "Refused" in m.text) else None)
    try:
        page.goto(url, wait_until="load")
    except Exception as error:  # a file download (record.txt, .ics): shown by no browser page
        if "Download is starting" in str(error):
            return "download"
        raise
    page.wait_for_timeout(50)
    if page.evaluate("() => window.__pwned !== undefined || (window.top && window.top.__pwned !== undefined)"):
        seen.append(f"script ran: {page.evaluate('() => window.__pwned')}")
    seen += page.evaluate(ACTIVE_CONTENT)
    problems += [f"{url}: {s}" for s in seen]
    return "page"


def _streams(app, user, urls) -> set[str]:
    """Live streams never end by themselves: their safety is their JSON, checked by the pages that read it."""
    client = signed_in(app, user)
    found = set()
    for url in urls:
        response = client.get(url, buffered=False)
        if response.mimetype == "text/event-stream":
            found.add(url)
        response.close()
    return found


# With the CSP on as served, the pages where the text is shown most: nothing may even try to run.
SHOWN_MOST = {"main.home", "cases.show", "sessions.editor", "sessions.record", "live.screen", "live.console",
              "live.take_part", "panels.screen", "audit.index", "admin.users", "genograms.editor"}


def _walk(app, browser, live_server, hostile, pages, bypass_csp: bool) -> tuple[int, list[str]]:
    by_user = {Role.TEAM_MANAGER: hostile["manager"], Role.ADMIN: hostile["admin"]}
    streams = _streams(app, hostile["manager"], [u for u, r in pages if r is Role.TEAM_MANAGER and (
        "stream" in u or "events" in u or "state" in u)])
    problems: list[str] = []
    loaded = 0
    for role, user in by_user.items():
        context, page = _context(browser, live_server, user, bypass_csp)
        try:
            for url, who in pages:
                if who is not role or url in streams:
                    continue
                page.close()
                page = context.new_page()
                page.set_default_timeout(10_000)
                if _visit(page, url, problems) == "page":
                    loaded += 1
        finally:
            context.close()
    return loaded, problems


def _the_hostile_text_is_really_on_the_pages(app, hostile):
    """The walk means something only if the payloads reached the pages, shown as text."""
    client = signed_in(app, hostile["manager"])
    world = hostile["world"]
    editor = client.get(f"/sessions/{world.meeting.id}").data.decode()
    assert "&lt;script&gt;window.__pwned=&#34;script&#34;&lt;/script&gt;" in editor or \
        "&lt;script&gt;window.__pwned=&quot;script&quot;&lt;/script&gt;" in editor
    assert "<script>window.__pwned" not in editor
    record = client.get(f"/sessions/{world.meeting.id}/record.txt")
    assert '<img src=x onerror="window.__pwned=\'img\'">' in record.data.decode()  # plain text keeps what was typed
    assert record.mimetype == "text/plain" and record.headers["X-Content-Type-Options"] == "nosniff"
    # The calendar feed: the breakout text stays inside its own event's summary.
    assert hostile["calendar"], "no calendar address was made"
    feed = icalendar.Calendar.from_ical(client.get(hostile["calendar"]).data)
    events = feed.walk("VEVENT")
    breakout = [str(e["SUMMARY"]) for e in events if "BEGIN:VEVENT" in str(e["SUMMARY"])]
    assert len(breakout) == 1 and "Ring the GP" in breakout[0] and "X-INJECTED:1" in breakout[0]
    assert not [e for e in events if str(e["SUMMARY"]) == "injected" or "ATTACH" in e or "X-INJECTED" in e]


def test_no_hostile_input_runs_anywhere(app, browser, live_server, hostile):
    _the_hostile_text_is_really_on_the_pages(app, hostile)
    every = _pages(app, hostile["world"], hostile["calendar"])
    # Every page, with the CSP switched off: escaping alone must hold.
    loaded, problems = _walk(app, browser, live_server, hostile, [(u, who) for u, who, _ in every], True)
    assert not problems, "\n".join(problems)
    assert loaded >= 25  # the walk really loaded the editor, record, case, home, screen, admin... pages
    # The main pages as served, CSP on: not even an attempt to run anything (no CSP violation).
    main = [(u, who) for u, who, endpoint in every if endpoint in SHOWN_MOST]
    loaded, problems = _walk(app, browser, live_server, hostile, main, False)
    assert not problems, "\n".join(problems)
    assert loaded >= len(SHOWN_MOST) - 3


def test_the_markdown_and_json_exports_carry_the_hostile_text_inert(app, browser, hostile):
    """The files people carry to other systems: the Markdown must stay inert wherever it is rendered,
    the JSON must hold exactly what was typed, as data."""
    import markdown

    client = signed_in(app, hostile["manager"])
    meeting_id = hostile["world"].meeting.id
    md = client.get(f"/sessions/{meeting_id}/record.md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert md.headers["X-Content-Type-Options"] == "nosniff"
    text = md.data.decode()
    for live in ("<script", "<img", "<svg", "<iframe", "<a href", "<style", "<meta", "](javascript:", "](data:"):
        assert live not in text.lower(), live
    assert "&lt;script>window.__pwned" in text and "[click me](javascript :window.__pwned" in text  # words kept

    # Rendered the way many systems do (raw HTML passed through), then opened in Chromium: nothing runs.
    html = markdown.markdown(text)
    assert "&lt;script&gt;window.__pwned" in html
    page = browser.new_page()
    try:
        ran: list[str] = []
        page.on("dialog", lambda d: (ran.append(d.message), d.dismiss()))
        page.set_content(html, wait_until="load")
        # Each link as the browser itself parses its address (it drops tabs, line breaks, backslashes).
        protocols = page.evaluate("() => [...document.links].map(a => a.protocol)")
        assert protocols and not {"javascript:", "vbscript:", "data:", "file:"} & set(protocols), protocols
        assert not ran and page.evaluate("() => window.__pwned === undefined")
        assert page.evaluate(ACTIVE_CONTENT) == []
    finally:
        page.close()

    js = client.get(f"/sessions/{meeting_id}/record.json")
    assert js.mimetype == "application/json" and js.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in js.headers["Content-Disposition"]
    data = json.loads(js.data.decode())  # valid JSON, whatever was typed
    typed = [item["text"] for section in data["map"] for item in section["items"]]
    assert typed and set(typed) <= set(PAYLOADS)  # exactly what was typed, as data
    assert any("<script>" in t for t in typed)
