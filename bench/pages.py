"""The app's main pages, each one line: a name, who opens it, and its URL built from a dataset.

Used by tests/test_query_counts.py (statements per page must not grow with the data) and by
bench/pages_bench.py (latency per page against /healthz). To measure a new page, add one line to
PAGES. A page whose endpoint is not registered (yet) is reported as missing, not as a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from werkzeug.routing import BuildError

from supervision.extensions import db
from supervision.models import Action, ActionStatus, Case, MapItem, Meeting, MeetingStatus, Role, User


@dataclass(frozen=True)
class Sample:
    """The records of one team that the pages are opened on: the heaviest of each kind."""

    team_id: int
    manager_email: str  # the team manager: sees the tracker and the caseloads
    worker_email: str  # the practitioner with the most open actions
    case_id: int  # the open case with the most sessions
    live_meeting_id: int  # a session not yet agreed, in progress if there is one, with the longest history
    agreed_meeting_id: int  # the agreed session with the most map items (record)

    @classmethod
    def of_team(cls, team_id: int) -> Sample:
        """Pick the records from the database (call inside an app context)."""
        def one(query):
            value = db.session.execute(query.limit(1)).scalar()
            if value is None:
                raise LookupError(f"The team {team_id} has no data for {query}")
            return value

        manager = one(select(User.email).where(User.team_id == team_id, User.role == Role.TEAM_MANAGER)
                      .order_by(User.id))
        open_actions = func.count(Action.id)
        worker = one(select(User.email).join(Action, Action.owner_id == User.id)
                     .where(User.team_id == team_id, User.role == Role.PRACTITIONER,
                            Action.status == ActionStatus.OPEN)
                     .group_by(User.id, User.email).order_by(open_actions.desc(), User.id))
        case_id = one(select(Case.id).join(Meeting, Meeting.case_id == Case.id)
                      .where(Case.team_id == team_id, Case.is_open.is_(True))
                      .group_by(Case.id).order_by(func.count(Meeting.id).desc(), Case.id))
        earlier = aliased(Meeting)
        history = (select(func.count(earlier.id)).where(earlier.case_id == Meeting.case_id,
                                                       earlier.scheduled_at < Meeting.scheduled_at)
                   .scalar_subquery())
        live = one(select(Meeting.id).join(Case, Case.id == Meeting.case_id)
                   .where(Case.team_id == team_id, Meeting.status != MeetingStatus.AGREED)
                   .order_by((Meeting.status == MeetingStatus.IN_PROGRESS).desc(), history.desc(), Meeting.id))
        agreed = one(select(Meeting.id).join(MapItem, MapItem.meeting_id == Meeting.id)
                     .where(Meeting.case_id == case_id, Meeting.status == MeetingStatus.AGREED)
                     .group_by(Meeting.id).order_by(func.count(MapItem.id).desc(), Meeting.id.desc()))
        return cls(team_id, manager, worker, case_id, live, agreed)


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Sample], str]  # called inside a request context, so url_for works
    user: str = "manager"  # "manager" or "worker": whose sign-in opens it


PAGES = [
    Page("home", lambda s: url_for("main.home"), "worker"),
    Page("cases", lambda s: url_for("cases.index")),
    Page("case", lambda s: url_for("cases.show", case_id=s.case_id)),
    Page("session editor", lambda s: url_for("sessions.editor", meeting_id=s.live_meeting_id)),
    Page("screen", lambda s: url_for("live.screen", meeting_id=s.live_meeting_id)),
    Page("console", lambda s: url_for("live.console", meeting_id=s.live_meeting_id)),
    Page("participant", lambda s: url_for("live.take_part", meeting_id=s.live_meeting_id), "worker"),
    Page("record", lambda s: url_for("sessions.record", meeting_id=s.agreed_meeting_id)),
    Page("my actions", lambda s: url_for("actions.mine"), "worker"),
    Page("tracker", lambda s: url_for("actions.tracker")),
    Page("caseloads", lambda s: url_for("caseloads.team")),
    Page("genogram", lambda s: url_for("genograms.editor", case_id=s.case_id)),
]


def build_urls(sample: Sample) -> dict[str, str | None]:
    """Each page's URL on this sample; None for a page the app does not have (yet)."""
    urls: dict[str, str | None] = {}
    for page in PAGES:
        try:
            urls[page.name] = page.url(sample)
        except BuildError:
            urls[page.name] = None
    return urls
