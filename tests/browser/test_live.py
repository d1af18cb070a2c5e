"""The meeting room in real Chromium: several pages open at once on one session."""

from __future__ import annotations

import http.client
import re
import threading
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from supervision.services import live, panels
from tests.browser.conftest import PHONE

SECRET = "Quokka-reason-5521"


@pytest.fixture(autouse=True)
def live_settings(app, monkeypatch):
    """Real CSRF (the pages' scripts must send their tokens) and quick heartbeats."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "LIVE_HEARTBEAT_SECONDS", 1)


@pytest.fixture()
def session_pages(team_setup, new_page):
    """The facilitator's console and the meeting-room screen, in one browser."""
    meeting, manager = team_setup["meeting"], team_setup["manager"]
    console = new_page(manager)
    console.goto(f"/sessions/{meeting.id}/console")
    screen = console.context.new_page()
    screen.goto(f"/sessions/{meeting.id}/screen")
    expect(screen.locator("[data-bind=phase-label]")).to_have_text("Context and genogram")
    screen.evaluate("window.stillTheSamePage = true")
    return dict(team_setup, console=console, screen=screen)


class StreamReader(threading.Thread):
    """Reads a session's event stream as a browser would, keeping every line it receives."""

    def __init__(self, base: str, path: str, cookies: list[dict]) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.path = path
        self.cookie = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
        self.text = ""
        self.socket = None
        self.greeted = threading.Event()

    def run(self) -> None:
        self.connection.connect()
        self.socket = self.connection.sock  # kept: the response takes it over from the connection
        self.connection.request("GET", self.path, headers={"Cookie": self.cookie, "Accept": "text/event-stream"})
        response = self.connection.getresponse()
        try:
            while line := response.readline():
                self.text += line.decode()
                if "event: hello" in self.text:
                    self.greeted.set()
        except (OSError, ValueError, AttributeError):
            pass  # closed by stop()

    def stop(self) -> str:
        try:
            self.socket.shutdown(2)
        except OSError:
            pass
        self.join(5)
        return self.text


def test_the_console_adds_items_and_moves_phases_and_the_screen_follows_without_reload(session_pages):
    console, screen = session_pages["console"], session_pages["screen"]
    expect(console.locator("[data-connection]")).to_have_text("Live")
    console.get_by_role("button", name="Past harm", exact=True).click()
    expect(screen.locator("[data-bind=phase-label]")).to_have_text("Past harm")

    box = console.get_by_label("Add to past harm")
    box.fill("Police called twice in March; Kayla was in the room.")
    box.press("Enter")
    expect(box).to_have_value("")
    expect(box).to_be_focused()  # type, Enter, next item
    box.fill("Kayla arrived at school hungry on five days.")
    box.press("Enter")
    focus = screen.locator(".map-block.is-focus")
    expect(focus).to_contain_text("Police called twice in March")
    expect(focus).to_contain_text("Kayla arrived at school hungry")
    expect(console.locator("[data-entries][data-section=past_harm] li")).to_have_count(2)

    box.blur()
    console.keyboard.press("n")  # the documented shortcut: next phase
    expect(screen.locator("[data-bind=phase-label]")).to_have_text("What's working well")
    console.keyboard.press("t")  # start the timer
    expect(screen.locator(".screen-timer")).not_to_have_class("screen-timer is-paused")
    assert screen.evaluate("window.stillTheSamePage") is True


def test_the_screen_opened_on_a_phone_fits_its_width_in_every_phase(team_setup, new_page):
    """Built for the wall, it still reads on a phone: one column that scrolls, nothing off the edge."""
    meeting = team_setup["meeting"]
    page = new_page(team_setup["manager"], viewport=PHONE)
    page.goto(f"/sessions/{meeting.id}/screen?preview=1")  # the preview steps through phases on its own
    for phase in range(13):
        title = page.locator(".screen-phase h1")
        expect(title).to_have_text(re.compile(r"\S"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (phase, title.inner_text(), width)
        box = title.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (phase, box)
        page.get_by_role("button", name="Next phase").click()


def test_a_score_from_a_phone_stays_hidden_until_the_reveal(session_pages, new_page, live_server):
    meeting, worker = session_pages["meeting"], session_pages["worker"]
    console, screen = session_pages["console"], session_pages["screen"]
    console.get_by_role("button", name="Scaling", exact=True).click()
    console.get_by_role("button", name="Open the scaling").click()
    expect(screen.locator(".join-code")).to_be_visible()
    code = screen.locator(".join-code").inner_text()
    expect(screen.locator(".scaling-wait .progress")).to_have_text("0 of 2 have scaled")

    phone = new_page(worker, viewport=PHONE)
    readers = [StreamReader(live_server, f"/sessions/{meeting.id}/live/stream?last_event_id=0", ctx.cookies())
               for ctx in (phone.context, console.context)]
    for reader in readers:
        reader.start()
        assert reader.greeted.wait(5)
    phone.goto("/join")
    phone.get_by_label("Join code").fill(code.lower())
    phone.get_by_role("button", name="Join the session").click()
    phone.get_by_text("7", exact=True).click()
    phone.get_by_label("Why this score").fill(SECRET)
    phone.get_by_role("button", name="Save my score").click()
    expect(phone.get_by_text("Your answer is in")).to_be_visible()
    expect(screen.locator(".scaling-wait .progress")).to_have_text("1 of 2 have scaled")

    # Before the reveal: no page and no stream event anywhere holds the score.
    pages = {"console": console, "screen": screen, "phone": phone}
    for name, page in pages.items():
        assert SECRET not in page.content(), name
    state = phone.request.get(f"/sessions/{meeting.id}/live/state").text()
    assert SECRET not in state and '"result":null' in state.replace(" ", "")
    for reader in readers:
        text = reader.stop()
        assert "event: state" in text and SECRET not in text

    console.get_by_role("button", name="Reveal the scores").click()
    expect(screen.locator(".reasons")).to_contain_text(SECRET)
    expect(screen.locator(".reasons")).to_contain_text(worker.name)
    expect(phone.locator("[data-scaling-result] .reasons")).to_contain_text(SECRET)  # live on the phone too


def test_a_dropped_screen_says_it_is_offline_and_catches_up(team_setup, new_page):
    meeting, manager = team_setup["meeting"], team_setup["manager"]
    screen = new_page(manager)
    screen.goto(f"/sessions/{meeting.id}/screen")
    console = new_page(manager)
    console.goto(f"/sessions/{meeting.id}/console")
    console.get_by_role("button", name="Worries", exact=True).click()
    expect(screen.locator("[data-bind=phase-label]")).to_have_text("Worries")
    indicator = screen.locator("[data-connection]")
    expect(indicator).to_be_hidden()

    screen.context.set_offline(True)
    expect(indicator).to_be_visible()
    expect(indicator).to_contain_text("Offline")
    box = console.get_by_label("Add to worries (future danger)")
    for text in ("Made while the screen was offline", "And a second one"):
        box.fill(text)
        box.press("Enter")
    expect(console.locator("[data-entries][data-section=worries] li")).to_have_count(2)
    expect(screen.locator(".map-block.is-focus")).not_to_contain_text("Made while the screen was offline")

    screen.context.set_offline(False)
    expect(screen.locator(".map-block.is-focus")).to_contain_text("Made while the screen was offline")
    expect(screen.locator(".map-block.is-focus")).to_contain_text("And a second one")
    expect(indicator).to_be_hidden()


def test_where_streaming_is_blocked_the_screen_polls(team_setup, new_page):
    meeting, manager = team_setup["meeting"], team_setup["manager"]
    screen = new_page(manager)
    screen.goto(f"/sessions/{meeting.id}/screen?transport=poll")
    expect(screen.locator("[data-connection]")).to_have_text("Updating every few seconds")
    _add_hypothesis_on_the_console(new_page(manager), meeting, "Dad drinks more when he is out of work")
    expect(screen.locator(".big-list")).to_contain_text("Dad drinks more when he is out of work", timeout=8000)


def _add_hypothesis_on_the_console(console, meeting, text: str) -> None:
    """The facilitator moves the room to the hypotheses and adds one, typing and pressing Enter."""
    console.goto(f"/sessions/{meeting.id}/console")
    console.get_by_role("button", name="Hypotheses", exact=True).click()
    box = console.get_by_label("Add to hypotheses")
    box.fill(text)
    box.press("Enter")


FALLBACK = "Updating every few seconds: this network blocks live updates"


def _refuse_streams(page, failure: str) -> list[str]:
    """A council proxy that refuses the live stream (a 502, or a reset connection) but lets pages through."""
    refused: list[str] = []

    def refuse(route) -> None:
        refused.append(route.request.url)
        if failure == "502":
            route.fulfill(status=502, content_type="text/html", body="<h1>Bad gateway</h1>")
        else:
            route.abort("connectionreset")

    page.route(re.compile(r"/(live/)?stream\?"), refuse)
    return refused


@pytest.mark.parametrize("failure", ["502", "connection reset"])
def test_where_the_stream_fails_the_screen_polls_says_so_and_gets_the_consoles_items(team_setup, new_page,
                                                                                       failure):
    meeting, manager = team_setup["meeting"], team_setup["manager"]
    screen = new_page(manager)
    refused = _refuse_streams(screen, failure)
    screen.goto(f"/sessions/{meeting.id}/screen")
    indicator = screen.locator("[data-connection]")
    expect(indicator).to_have_text(FALLBACK)
    expect(indicator).to_have_attribute("data-state", "polling")
    expect(screen.locator("body")).not_to_have_class(re.compile("is-offline"))
    assert len(refused) >= 3  # three streams failed in a row before it fell back

    _add_hypothesis_on_the_console(new_page(manager), meeting, "Mum stops eating when the bills come")
    expect(screen.locator("[data-bind=phase-label]")).to_have_text("Hypotheses")
    expect(screen.locator(".big-list")).to_contain_text("Mum stops eating when the bills come")
    expect(indicator).to_have_text(FALLBACK)  # still polling, still saying so

    # Polling that cannot reach the server says it is offline, and recovers on its own.
    screen.context.set_offline(True)
    expect(indicator).to_contain_text("Offline")
    screen.context.set_offline(False)
    expect(indicator).to_have_text(FALLBACK)


def test_a_polling_screen_tries_the_stream_again_and_goes_live_when_it_works(team_setup, new_page):
    meeting, manager = team_setup["meeting"], team_setup["manager"]
    screen = new_page(manager)
    screen.add_init_script("window.liveTuning = {pollMs: 300, tryStreamEvery: 3}")
    refused = _refuse_streams(screen, "502")
    screen.goto(f"/sessions/{meeting.id}/screen")
    indicator = screen.locator("[data-connection]")
    expect(indicator).to_have_text(FALLBACK)
    tries = len(refused)
    expect(indicator).to_have_text(FALLBACK)
    screen.wait_for_timeout(1500)  # about five polls: the stream is tried again meanwhile
    assert len(refused) > tries
    expect(indicator).to_have_text(FALLBACK)

    screen.unroute_all()  # the proxy lets streams through again
    expect(screen.locator("body")).to_have_attribute("data-live-mode", "live")
    expect(indicator).to_be_hidden()
    console = new_page(manager)
    console.goto(f"/sessions/{meeting.id}/console")
    console.get_by_role("button", name="Worries", exact=True).click()
    expect(screen.locator("[data-bind=phase-label]")).to_have_text("Worries")


def test_a_panel_screen_whose_stream_is_blocked_polls_and_follows_the_chair(team_setup, new_page, db):
    manager, case = team_setup["manager"], team_setup["case"]
    panel = panels.create_panel(team_setup["team"].id, title="CMR panel", starts_at=datetime(2026, 11, 26, 9, 30),
                                chair=manager, members=[manager], other_members="")
    db.session.add(panel)
    slot = panels.add_slot(panel, case, presenter=None, assistant_manager=None, minutes=40)
    db.session.commit()
    panel_id, meeting_id = panel.id, slot.meeting_id

    screen = new_page(manager)
    _refuse_streams(screen, "502")
    screen.goto(f"/panels/{panel_id}/screen")
    expect(screen.locator("[data-connection]")).to_have_text(FALLBACK)
    chair = new_page(manager)
    chair.goto(f"/panels/{panel_id}")
    chair.get_by_role("button", name="Start with the first family").click()
    screen.wait_for_url(re.compile(rf"/sessions/{meeting_id}/screen"))
    expect(screen.locator("[data-connection]")).to_have_text(FALLBACK)  # the slot's screen polls too


def test_only_the_facilitator_can_use_the_room_controls(team_setup, new_page, db):
    meeting, worker = team_setup["meeting"], team_setup["worker"]
    colleague = new_page(worker)
    colleague.goto(f"/sessions/{meeting.id}/console")
    expect(colleague.get_by_text("Only the facilitator moves the room")).to_be_visible()
    expect(colleague.get_by_role("button", name="Next phase")).to_be_disabled()
    expect(colleague.get_by_role("button", name="Start the timer")).to_be_disabled()
    assert live.room_for(meeting).phase.value == "context"
