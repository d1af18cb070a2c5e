"""Live events: the one place where a change to a session becomes an update on every open screen.

How it works:

* ONE hook. SQLAlchemy session events notice every flushed change to a session's records
  (its map items, statements, scores, actions, room state...), wherever it was made: the
  editor, the console, a phone, a CLI task. Just before the transaction commits, the hook
  stores one event per changed topic ("meeting:12", "panel:3") in the `live_events` table,
  holding the topic's whole public state (built by the services, never with hidden scores).
  After the commit, the event is fanned out.
* Fan-out: through Redis pub/sub when REDIS_URL is set (one listener thread per process
  hands messages to that process's streams), or inside this process when it is not.
* Event ids are the table's ids, ordered across every server process, so a screen that
  reconnects sends Last-Event-ID and gets what it missed from the table.
* Each event is the whole state, so a slow screen only ever needs the newest one: the
  mailboxes keep one event, never a growing queue.
* Streams (SSE) send a first event at once (so proxies do not buffer), a heartbeat, and end
  after a bounded time so a worker is never held forever; the browser reconnects with
  backoff. A stream holds no database connection while it waits, but it holds a thread:
  LIVE_MAX_STREAMS caps them per process (gunicorn.conf.py sets it), and a refused
  stream (503) sends the browser to polling.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import Flask, Response, current_app, has_app_context, jsonify, request
from sqlalchemy import bindparam, delete, event, func, select
from sqlalchemy.orm import Session

from supervision.extensions import db
from supervision.models import (
    Action,
    ActionReview,
    Amendment,
    CarriedForward,
    Case,
    Child,
    DangerStatement,
    LiveEvent,
    LiveSession,
    MapItem,
    Meeting,
    MeetingStatus,
    Panel,
    PanelSlot,
    Proposal,
    SafetyGoal,
    ScalingScore,
)

log = logging.getLogger(__name__)

# Records that belong to one session: a change to any of them is a change to that session.
MEETING_PARTS = (MapItem, DangerStatement, SafetyGoal, ScalingScore, Amendment, Action, ActionReview,
                 LiveSession, Proposal, CarriedForward)

_DIRTY = "live_dirty_topics"
_OUTBOX = "live_outbox"
_PAUSED = "live_paused"
REDIS_CHANNEL_PREFIX = "supervision:live:"

DEFAULTS = {
    "LIVE_STREAM_SECONDS": 300,    # a stream ends after this; the browser reconnects at once
    "LIVE_HEARTBEAT_SECONDS": 15,  # keeps proxies from closing a quiet stream; also checks for missed events
    "LIVE_RETRY_MS": 1000,         # the browser's first reconnection delay
    "LIVE_KEEP_EVENTS": 20,        # per topic; each event is the whole state, so the newest is enough
    "LIVE_MAX_STREAMS": 0,         # per process; beyond it a stream is refused (503) and the page polls. 0: no cap
}


def meeting_topic(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def panel_topic(panel_id: int) -> str:
    return f"panel:{panel_id}"


@dataclass(frozen=True)
class Event:
    id: int
    topic: str
    data: str  # the state, as JSON text

    @cached_property
    def sse_bytes(self) -> bytes:
        """As sent on the stream: formatted once, however many screens it goes to."""
        return f"id: {self.id}\nevent: state\ndata: {self.data}\n\n".encode()

    def sse(self) -> str:
        return self.sse_bytes.decode()

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "state": json.loads(self.data)}

    def json_text(self, **extra: Any) -> str:
        """{"id":…,"state":…} plus `extra`, without parsing the stored state again."""
        head = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in extra.items())
        return f'{{{head}"id":{self.id},"state":{self.data}}}'


# --- fan-out inside one process -----------------------------------------------------

class Subscription:
    """One open stream's mailbox. It keeps only the newest event: each one is the whole state."""

    def __init__(self, topic: str, after_id: int) -> None:
        self.topic = topic
        self.last_id = after_id
        self._pending: Event | None = None
        self._ready = threading.Condition()

    def offer(self, event: Event) -> None:
        with self._ready:
            if event.id > self.last_id and (self._pending is None or event.id > self._pending.id):
                self._pending = event
                self._ready.notify()

    def wait(self, timeout: float) -> Event | None:
        """The next newer event, or None after `timeout` seconds."""
        with self._ready:
            if self._pending is None:
                self._ready.wait(timeout)
            event, self._pending = self._pending, None
        if event is None or event.id <= self.last_id:
            return None
        self.last_id = event.id
        return event


class Broker:
    """The streams open in this process, by topic."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: dict[str, set[Subscription]] = defaultdict(set)
        self._open = 0

    def subscribe(self, topic: str, after_id: int = 0, limit: int = 0) -> Subscription | None:
        """A mailbox for a new stream; None if `limit` streams are open in this process already."""
        subscription = Subscription(topic, after_id)
        with self._lock:
            if limit and self._open >= limit:
                return None
            self._subscriptions[topic].add(subscription)
            self._open += 1
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            subscribers = self._subscriptions.get(subscription.topic)
            if subscribers is not None and subscription in subscribers:
                subscribers.discard(subscription)
                self._open -= 1
                if not subscribers:
                    del self._subscriptions[subscription.topic]

    def deliver(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscriptions.get(event.topic, ()))
        for subscription in subscribers:
            subscription.offer(event)

    def open_streams(self) -> int:
        with self._lock:
            return self._open

    def listeners(self, topic: str) -> int:
        with self._lock:
            return len(self._subscriptions.get(topic, ()))


broker = Broker()


# --- fan-out across processes ----------------------------------------------------------

class RedisRelay:
    """Publishes events to Redis; one listener thread per process hands them to the local broker."""

    def __init__(self, url: str, local: Broker) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30)
        self.local = local
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self.connected = threading.Event()

    def publish(self, event: Event) -> None:
        self.client.publish(REDIS_CHANNEL_PREFIX + event.topic, json.dumps([event.id, event.data]))

    def ensure_listening(self) -> None:
        """Start this process's listener (lazily, so it starts after a server forks its workers)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self.connected.clear()
            self._thread = threading.Thread(target=self._listen, name="live-redis-listener", daemon=True)
            self._thread.start()

    def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(REDIS_CHANNEL_PREFIX + "*")
                self.connected.set()
                delay = 0.5
                for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    topic = message["channel"].decode()[len(REDIS_CHANNEL_PREFIX):]
                    event_id, data = json.loads(message["data"])
                    self.local.deliver(Event(int(event_id), topic, data))
            except Exception:  # noqa: BLE001 - the listener must outlive any Redis hiccup
                self.connected.clear()
                log.warning("Live updates: lost Redis; reconnecting in %.1fs", delay)
                time.sleep(delay)
                delay = min(delay * 2, 10)


def _relay(app: Flask | None = None) -> RedisRelay | None:
    app = app or (current_app._get_current_object() if has_app_context() else None)
    return None if app is None else app.extensions.get("live_relay")


def _fan_out(event: Event) -> None:
    broker.deliver(event)  # this process's streams at once; the Redis echo is ignored by id
    relay = _relay()
    if relay is not None:
        try:
            relay.publish(event)
        except Exception:  # noqa: BLE001 - a commit has happened; other processes catch up from the table
            log.warning("Live updates: could not publish to Redis; other processes will catch up")


# --- the one hook: changed records -> stored events -> fan-out after commit -------------------

def mark_changed(session: Session, topic: str) -> None:
    """Say that a topic changed in a way the ORM cannot see (a Core statement such as an upsert)."""
    session.info.setdefault(_DIRTY, set()).add(topic)


def publish(session: Session, topic: str, state: dict[str, Any]) -> LiveEvent:
    """Store an event for a topic in this transaction; it is fanned out once the transaction commits."""
    record = LiveEvent(topic=topic, payload=json.dumps(state, separators=(",", ":"), ensure_ascii=False))
    session.add(record)
    session.info.setdefault(_OUTBOX, []).append(record)
    return record


@contextlib.contextmanager
def suspended(session: Session | None = None) -> Iterator[None]:
    """No live events inside this block (bulk loads such as demo data at a service's scale)."""
    session = session or db.session()
    session.info[_PAUSED] = True
    try:
        yield
    finally:
        session.info.pop(_PAUSED, None)
        session.info.pop(_DIRTY, None)


def _topics_of(obj: object) -> set[str]:
    if isinstance(obj, Meeting):
        return {meeting_topic(obj.id)}
    if isinstance(obj, MEETING_PARTS):
        topics = {meeting_topic(obj.meeting_id)}
        if isinstance(obj, CarriedForward):
            topics.add(meeting_topic(obj.from_meeting_id))
        return topics
    if isinstance(obj, PanelSlot):
        return {panel_topic(obj.panel_id), f"panel-meetings:{obj.panel_id}", meeting_topic(obj.meeting_id)}
    if isinstance(obj, Panel):
        return {panel_topic(obj.id), f"panel-meetings:{obj.id}"}
    if isinstance(obj, Case):
        return {f"case:{obj.id}"}
    if isinstance(obj, Child):
        return {f"case:{obj.case_id}"}
    return set()


def _after_flush(session: Session, _flush_context) -> None:
    if session.info.get(_PAUSED):
        return
    topics = session.info.setdefault(_DIRTY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        topics |= _topics_of(obj)
    topics.discard("meeting:None")


def _expand(session: Session, topics: set[str]) -> set[str]:
    """Case and panel changes reach the screens of the sessions they show on."""
    result = set()
    for topic in topics:
        kind, _, ident = topic.partition(":")
        if kind == "case":
            result |= {meeting_topic(i) for i in session.scalars(
                select(Meeting.id).where(Meeting.case_id == int(ident), Meeting.status != MeetingStatus.AGREED))}
        elif kind == "panel-meetings":
            result |= {meeting_topic(i) for i in session.scalars(
                select(PanelSlot.meeting_id).where(PanelSlot.panel_id == int(ident)))}
        else:
            result.add(topic)
    return result


def _state_of(topic: str) -> dict[str, Any]:
    # Imported here: the services build the states and themselves use this module.
    from supervision.services.live import load_meeting, meeting_state
    from supervision.services.panels import panel_state

    kind, _, ident = topic.partition(":")
    if kind == "meeting":
        meeting = load_meeting(int(ident))
        return meeting_state(meeting) if meeting is not None else {"gone": True}
    panel = db.session.get(Panel, int(ident))
    return panel_state(panel) if panel is not None else {"gone": True}


def _before_commit(session: Session) -> None:
    if session.info.get(_PAUSED):
        return
    session.flush()  # the last changes, so the states below include them (and _after_flush sees them)
    topics = session.info.pop(_DIRTY, set())
    if not topics:
        return
    topics = sorted(_expand(session, topics))
    if session.get_bind().dialect.name == "postgresql":
        # One writer per topic at a time from here to commit, so a later event id always
        # holds a later state. (SQLite already serialises writers.)
        for topic in topics:
            session.execute(select(func.pg_advisory_xact_lock(4242, zlib.crc32(topic.encode()) - 2**31)))
    session.expire_all()  # read what is committed now, not what this request loaded earlier
    keep = current_app.config.get("LIVE_KEEP_EVENTS", DEFAULTS["LIVE_KEEP_EVENTS"]) if has_app_context() else 20
    for topic in topics:
        publish(session, topic, _state_of(topic))
    session.flush()
    for topic in topics:
        cutoff = session.scalar(select(LiveEvent.id).where(LiveEvent.topic == topic)
                                .order_by(LiveEvent.id.desc()).offset(keep).limit(1))
        if cutoff is not None:
            session.execute(delete(LiveEvent).where(LiveEvent.topic == topic, LiveEvent.id <= cutoff)
                            .execution_options(synchronize_session=False))


def _after_commit(session: Session) -> None:
    outbox = session.info.pop(_OUTBOX, [])
    for record in outbox:
        _fan_out(Event(record.id, record.topic, record.payload))


def _after_rollback(session: Session) -> None:
    session.info.pop(_OUTBOX, None)
    session.info.pop(_DIRTY, None)


_installed = False


def init_app(app: Flask) -> None:
    """Install the hook (once per process) and, with REDIS_URL, the relay between processes."""
    global _installed
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    if not _installed:
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "before_commit", _before_commit)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
        _installed = True
    url = app.config.get("REDIS_URL") or os.environ.get("REDIS_URL")
    if url and "live_relay" not in app.extensions:
        app.extensions["live_relay"] = RedisRelay(url, broker)


# --- reading events back ---------------------------------------------------------------

# Read on every live page and every poll: built once (building a statement costs more than running it here).
_LATEST = (select(LiveEvent.id, LiveEvent.topic, LiveEvent.payload)
           .where(LiveEvent.topic == bindparam("topic"), LiveEvent.id > bindparam("after_id"))
           .order_by(LiveEvent.id.desc()).limit(1))


def latest(topic: str, after_id: int = 0) -> Event | None:
    """The newest stored event of a topic, if newer than `after_id`."""
    row = db.session.execute(_LATEST, {"topic": topic, "after_id": after_id}).first()
    return None if row is None else Event(*row)


def latest_id(topic: str) -> int:
    return db.session.scalar(select(func.max(LiveEvent.id)).where(LiveEvent.topic == topic)) or 0


def parse_last_event_id(header: str | None, query: str | None) -> int:
    for value in (header, query):
        if value and value.strip().isdigit():
            return int(value.strip())
    return 0


def _server_ms() -> int:
    return int(time.time() * 1000)


def stream(topic: str, last_event_id: int = 0) -> Response:
    """A Server-Sent Events response for one topic. Call it after the access check."""
    app = current_app._get_current_object()
    relay = _relay(app)
    if relay is not None:
        relay.ensure_listening()
    # Each open stream holds a server thread: past the cap, refuse at once so pages keep their threads;
    # the browser falls back to polling after a few refusals and tries the stream again later.
    subscription = broker.subscribe(topic, last_event_id, int(app.config.get("LIVE_MAX_STREAMS") or 0))
    if subscription is None:
        db.session.rollback()
        return Response("Too many live screens on this server just now: the page will poll instead.\n",
                        status=503, mimetype="text/plain", headers={"Retry-After": "60", "Cache-Control": "no-store"})
    # Subscribed before reading the table: nothing falls between.
    missed = latest(topic, last_event_id)
    db.session.rollback()  # nothing to save: this hands the connection back; the stream waits without one
    generator = _generate(app, subscription, missed, app.config["LIVE_STREAM_SECONDS"],
                          app.config["LIVE_HEARTBEAT_SECONDS"], app.config["LIVE_RETRY_MS"])
    return Response(generator, mimetype="text/event-stream", headers={
        "Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def requested_stream(topic: str) -> Response:
    """`stream` from where the browser says it got to: Last-Event-ID, or ?last_event_id= on a reconnect."""
    return stream(topic, parse_last_event_id(request.headers.get("Last-Event-ID"), request.args.get("last_event_id")))


def poll(topic: str, current_state: Callable[[], dict[str, Any]]) -> Response:
    """The polling fallback, for networks that block streaming: the newest stored state, 204 when
    nothing is newer than ?since=, or (before any event) the state as it is now."""
    since = request.args.get("since", type=int)
    newest = latest(topic, since or 0)
    if newest is not None:
        return Response(newest.json_text(server_ms=_server_ms()), mimetype="application/json")
    if since is not None:
        return Response(status=204)
    return jsonify(server_ms=_server_ms(), id=0, state=current_state())


def _generate(app: Flask, subscription: Subscription, missed: Event | None, seconds: float,
              heartbeat: float, retry_ms: int) -> Iterator[str | bytes]:
    try:
        # The first event goes at once, so no proxy waits for more before passing anything on.
        yield f"retry: {retry_ms}\nevent: hello\ndata: {json.dumps({'server_ms': _server_ms()})}\n\n"
        if missed is not None and missed.id > subscription.last_id:
            subscription.last_id = missed.id
            yield missed.sse_bytes
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            event_ = subscription.wait(min(heartbeat, remaining))
            if event_ is not None:
                yield event_.sse_bytes
                continue
            # A quiet spell: a heartbeat, and a look at the table in case a message between processes was lost.
            with app.app_context():
                found = latest(subscription.topic, subscription.last_id)
            if found is not None:
                subscription.last_id = found.id
                yield found.sse_bytes
            else:
                yield f"event: ping\ndata: {json.dumps({'server_ms': _server_ms()})}\n\n"
        yield "event: bye\ndata: {}\n\n"  # the browser reconnects at once, with its Last-Event-ID
    finally:
        broker.unsubscribe(subscription)
