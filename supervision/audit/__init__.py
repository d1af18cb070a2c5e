"""The audit log, recorded in one place for views and one place for changes.

- Views: the access-checked loaders in supervision/access.py call `record_view`, so
  every page that shows a case record is logged without any view remembering to.
  Written at once on its own connection: the access is logged even if the page fails.
  A person reloading the same page (or a screen polling it) within
  AUDIT_VIEW_WINDOW_SECONDS is recorded once.
- Changes: an `after_flush` listener on the database session compares each changed
  object's attribute history (before/after) for every model, except those marked
  `__audit__ = False`, and inserts the rows in the same transaction as the change:
  a change is never committed without its audit row, and a rolled-back change
  leaves none. Bulk `update()`/`delete()` statements and upserts bypass this; do not
  use them on case data, or log them with `record_change` right after the statement.
- Reading: what a manager may see of a row (scores hidden until the reveal) is decided
  in report.py, when the log is read; rows are stored as they happened.

Nothing identifying goes to application logs: this table is the place for it.
"""

from __future__ import annotations

import enum
import json
import threading
import time
from collections import OrderedDict
from datetime import date, datetime
from typing import Any

import click
from flask import current_app, g, has_request_context, request
from flask_login import current_user
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Mapper, Session

from supervision.extensions import db
from supervision.models import Action, AuditEvent, AuditKind, Case, Meeting, Team, User
from supervision.models.types import utcnow

REDACTED = "[not recorded]"
_SECRET_WORDS = ("password", "token", "secret", "join_code")

__all__ = ["record_change", "record_event", "record_view", "REDACTED"]


# --- who and where --------------------------------------------------------------

def _actor() -> User | None:
    if has_request_context() and current_user and getattr(current_user, "is_authenticated", False):
        return current_user._get_current_object()
    return None


def _source() -> str:
    if has_request_context():
        return (request.endpoint or request.method)[:120]
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        return ("cli " + " ".join(ctx.command_path.split()[1:]))[:120]
    return "system"


# --- views ----------------------------------------------------------------------

class _RecentViews:
    """Per process: (person, page, record) → when last recorded, bounded in size."""

    def __init__(self, size: int = 20_000) -> None:
        self._seen: OrderedDict[tuple, float] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def should_record(self, key: tuple, window: float) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._seen.get(key)
            if last is not None and now - last < window:
                return False
            self._seen[key] = now
            self._seen.move_to_end(key)
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True


_recent = _RecentViews()


def record_view(user: User, *, case: Case, meeting: Meeting | None = None, entity: str | None = None,
                entity_id: int | None = None) -> None:
    """Log that `user` opened a case record (a GET of a page or file that shows it)."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return  # a change is logged by the listener below, with what changed
    entity = entity or ("meetings" if meeting is not None else "cases")
    entity_id = entity_id if entity_id is not None else (meeting.id if meeting is not None else case.id)
    # The session token makes the key unique to this person's sign-in generation.
    key = (user.id, user.session_token, request.endpoint, entity, entity_id)
    done = g.setdefault("_audit_views", set())
    if key in done:
        return
    done.add(key)
    if not _recent.should_record(key, current_app.config.get("AUDIT_VIEW_WINDOW_SECONDS", 60)):
        return
    _write_now(dict(at=utcnow(), user_id=user.id, team_id=case.team_id, case_id=case.id,
                    meeting_id=meeting.id if meeting is not None else None, kind=AuditKind.VIEW.value,
                    entity=entity, entity_id=entity_id, source=_source(), changes=None))


def record_event(kind: AuditKind, *, entity: str, user: User | None = None, team_id: int | None = None,
                 case_id: int | None = None, meeting_id: int | None = None, entity_id: int | None = None,
                 details: dict | None = None) -> None:
    """Log something that is not a row change, such as an export, at once."""
    user = user or _actor()
    _write_now(dict(at=utcnow(), user_id=user.id if user else None,
                    team_id=team_id if team_id is not None else (user.team_id if user else None),
                    case_id=case_id, meeting_id=meeting_id, kind=kind.value, entity=entity, entity_id=entity_id,
                    source=_source(), changes=json.dumps(details, ensure_ascii=False) if details else None))


def record_change(kind: AuditKind, *, entity: str, values: dict, meeting: Meeting | None = None,
                  entity_id: int | None = None, user: User | None = None) -> None:
    """Log a change made by a statement the listener cannot see (an upsert, a bulk update),
    in the same transaction as the change: committed with it, rolled back with it.
    `values`: the columns written, as the listener would record them ({column: value})."""
    user = user or _actor()
    case_id = meeting.case_id if meeting is not None else None
    team_id = meeting.case.team_id if meeting is not None else (user.team_id if user else None)
    changes = {name: REDACTED if _secret(name) and value is not None else _plain(value)
               for name, value in values.items()}
    db.session.execute(insert(AuditEvent.__table__), [dict(
        at=utcnow(), user_id=user.id if user else None, team_id=team_id, case_id=case_id,
        meeting_id=meeting.id if meeting is not None else None, kind=kind.value, entity=entity[:64],
        entity_id=entity_id, source=_source(), changes=json.dumps(changes, ensure_ascii=False, default=str))])


def _write_now(row: dict) -> None:
    if db.session.new or db.session.dirty or db.session.deleted:
        # The request is part-way through changes of its own (SQLite: it may hold the write lock):
        # the row goes with them, in the same transaction.
        db.session.execute(insert(AuditEvent.__table__), [row])
        return
    with db.engine.begin() as conn:
        conn.execute(insert(AuditEvent.__table__), [row])


# --- changes --------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, db.Model):
        ident = inspect(value).identity
        return ident[0] if ident and len(ident) == 1 else str(ident)
    return str(value)


def _secret(name: str) -> bool:
    return any(word in name for word in _SECRET_WORDS)


def _audited(obj: Any) -> bool:
    return isinstance(obj, db.Model) and getattr(type(obj), "__audit__", True)


def _snapshot(obj: Any) -> dict:
    """Every loaded column of an added or removed object (never loads anything)."""
    state = inspect(obj)
    values = {}
    for attr in state.mapper.column_attrs:
        if attr.key in state.dict:
            value = state.dict[attr.key]
            values[attr.key] = REDACTED if _secret(attr.key) and value is not None else _plain(value)
    return values


def _diff(obj: Any) -> dict:
    """{column: [before, after]} of what changed, and many-to-many lists (e.g. a session's participants)."""
    state = inspect(obj)
    changes = {}
    for prop in state.mapper.column_attrs:
        history = state.attrs[prop.key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        changes[prop.key] = [REDACTED, REDACTED] if _secret(prop.key) else [_plain(before), _plain(after)]
    for prop in state.mapper.relationships:
        if prop.secondary is None:
            continue  # a one-to-many change shows as its foreign key column on the other object
        history = state.attrs[prop.key].history
        if history.has_changes():
            kept = [_plain(o) for o in history.unchanged]
            changes[prop.key] = [sorted(kept + [_plain(o) for o in history.deleted]),
                                 sorted(kept + [_plain(o) for o in history.added])]
    return changes


def _ident(obj: Any) -> int | None:
    """The object's integer primary key (known for new objects too, after their INSERT)."""
    state = inspect(obj)
    keys = [state.mapper.get_property_by_column(column).key for column in state.mapper.primary_key]
    value = state.dict.get(keys[0]) if len(keys) == 1 else None
    return value if isinstance(value, int) else None


def _noop(target, value, oldvalue, initiator):
    return value


@event.listens_for(Mapper, "after_configured")
def _want_old_values() -> None:
    """Load a column's old value before it is replaced, so "before" is known even when the object
    was expired by an earlier commit (SQLAlchemy's active history, switched on per column)."""
    for mapper in db.Model.registry.mappers:
        if mapper.class_ in _WATCHED or not getattr(mapper.class_, "__audit__", True):
            continue
        _WATCHED.add(mapper.class_)
        for prop in mapper.column_attrs:
            event.listen(getattr(mapper.class_, prop.key), "set", _noop, active_history=True, retval=True)


_WATCHED: set[type] = set()


def _links(obj: Any) -> dict:
    """The case, session and team an object belongs to, as far as its own columns say."""
    links = {"case_id": None, "meeting_id": None, "team_id": None, "action_id": None}
    own = {Case: "case_id", Meeting: "meeting_id", Team: "team_id", Action: "action_id"}
    for model, name in own.items():
        if isinstance(obj, model):
            links[name] = _ident(obj)
    loaded = inspect(obj).dict
    for name in links:
        if links[name] is None and isinstance(loaded.get(name), int):
            links[name] = loaded[name]
    return links


def _known(session: Session, model: type, ident: int, column: str) -> int | None:
    """A column of an object the session already holds, without asking the database."""
    obj = session.identity_map.get(inspect(model).identity_key_from_primary_key((ident,)))
    value = inspect(obj).dict.get(column) if obj is not None else None
    return value if isinstance(value, int) else None


def _resolve(session: Session, rows: list[dict]) -> None:
    """Fill case and team from sessions and actions: from the objects in the session where it can,
    else in one query per kind for the whole flush."""
    conn = session.connection()
    for source, model, target, column in (("action_id", Action, "case_id", Action.case_id),
                                          ("meeting_id", Meeting, "case_id", Meeting.case_id),
                                          ("case_id", Case, "team_id", Case.team_id)):
        wanted = {r[source] for r in rows if r[source] and not r[target]}
        found = {i: v for i in wanted if (v := _known(session, model, i, column.key)) is not None}
        missing = wanted - set(found)
        if missing:
            found.update(conn.execute(select(model.id, column).where(model.id.in_(missing))).all())
        for r in rows:
            r[target] = r[target] or found.get(r[source])


_VERSIONS = "_audit_versions"


@event.listens_for(FlaskSession, "before_flush")
def _note_versions(session: Session, _flush_context, _instances) -> None:
    """A model's version counter (`version_id_col`) has no history left by after_flush: note it now."""
    noted = session.info.setdefault(_VERSIONS, {})
    for obj in session.dirty:
        state = inspect(obj)
        if not _audited(obj) or state.mapper.version_id_col is None:
            continue
        key = state.mapper.get_property_by_column(state.mapper.version_id_col).key
        history = state.attrs[key].history
        if history.added and history.deleted and history.added[0] != history.deleted[0]:
            noted[id(obj)] = [_plain(history.deleted[0]), _plain(history.added[0])]


@event.listens_for(FlaskSession, "after_flush")
def _record_changes(session: Session, _flush_context) -> None:
    versions = session.info.pop(_VERSIONS, {})
    pending = []
    for kind, objects in ((AuditKind.CREATE, session.new), (AuditKind.UPDATE, session.dirty),
                          (AuditKind.DELETE, session.deleted)):
        for obj in objects:
            if not _audited(obj):
                continue
            if kind is AuditKind.UPDATE:
                changes = _diff(obj)
                if id(obj) in versions:
                    changes.setdefault(inspect(obj).mapper.get_property_by_column(
                        inspect(obj).mapper.version_id_col).key, versions[id(obj)])
                if not changes:
                    continue
            else:
                changes = _snapshot(obj)
            pending.append((kind, obj, changes))
    if not pending:
        return
    actor, source, now = _actor(), _source(), utcnow()
    rows = []
    for kind, obj, changes in pending:
        links = _links(obj)
        rows.append(dict(at=now, user_id=actor.id if actor else None, kind=kind.value,
                         entity=inspect(obj).mapper.persist_selectable.name[:64], entity_id=_ident(obj),
                         source=source, changes=json.dumps(changes, ensure_ascii=False, default=str), **links))
    _resolve(session, rows)
    for row in rows:
        row.pop("action_id")
        if row["team_id"] is None and actor is not None:
            row["team_id"] = actor.team_id
    session.connection().execute(insert(AuditEvent.__table__), rows)
