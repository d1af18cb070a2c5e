"""The audit log: who saw or changed which case record, when, and what changed.

Append-only. The migration adds a database trigger that refuses UPDATE and
DELETE on this table (SQLite and PostgreSQL), so not even the app can rewrite
history. Rows carry plain ids, not foreign keys: the log outlives what it names.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from supervision.extensions import db
from supervision.models.types import Labelled, utcnow


class AuditKind(Labelled):
    VIEW = ("view", "Viewed")
    CREATE = ("create", "Added")
    UPDATE = ("update", "Changed")
    DELETE = ("delete", "Removed")
    EXPORT = ("export", "Exported")


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __audit__ = False  # the log does not log itself

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None]  # None: the command line or the system
    team_id: Mapped[int | None]
    case_id: Mapped[int | None]
    meeting_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(64))  # the table, e.g. "map_items"
    entity_id: Mapped[int | None]
    # The endpoint ("sessions.edit_item") or the command ("cli users create"): never a query string.
    source: Mapped[str] = mapped_column(String(120), default="")
    # JSON: {"column": [before, after]} for a change; {"column": value} for an addition or removal.
    changes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_events_team_at", "team_id", "at"),
        Index("ix_audit_events_case_id", "case_id"),
        Index("ix_audit_events_user_id", "user_id"),
    )

    @property
    def kind_label(self) -> str:
        return AuditKind(self.kind).label if self.kind in AuditKind._value2member_map_ else self.kind

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.kind} {self.entity}>"


APPEND_ONLY_TABLES = ("audit_events",)
