"""Demo data for after the meeting (called by supervision/demo.py).

Fills the demo team's caseloads to realistic sizes (one worker above the limit,
one rising fast), writes twelve past weeks of snapshots as the weekly command
would have, and lets earlier sessions' danger statements and safety goals read
as first drafts, so the case's story shows them changing. Deterministic from
the caller's random generator.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from supervision.extensions import db
from supervision.models import Case, Child, LegalStatus, Meeting, MeetingStatus, Team, User
from supervision.services import caseloads as svc

SURNAMES = ["Abbott", "Baines", "Carrick", "Dunmore", "Eastwood", "Farrant", "Goddard", "Hesketh", "Ingram",
            "Jessop", "Kershaw", "Lockwood", "Mallory", "Norcross", "Ormerod", "Pickering", "Rowntree", "Stanton",
            "Tillotson", "Underwood", "Varley", "Wainwright"]
FIRST_NAMES = ["Ava", "Leo", "Maisie", "Oscar", "Ruby", "Finley", "Daisy", "Archie", "Phoebe", "Reggie", "Esme",
               "Jude", "Sienna", "Teddy", "Willow", "Harrison", "Ivy", "Louie"]
# Extra families per practitioner's email, as (legal status, number of children).
EXTRA = {
    "worker@demo.test": [(LegalStatus.CHILD_IN_NEED, 2), (LegalStatus.CHILD_PROTECTION, 1),
                         (LegalStatus.CHILD_IN_NEED, 1), (LegalStatus.PRE_PROCEEDINGS, 2)],
    "sam@demo.test": [(LegalStatus.CARE_PROCEEDINGS, 2), (LegalStatus.CARE_PROCEEDINGS, 2),
                      (LegalStatus.CARE_PROCEEDINGS, 1), (LegalStatus.CHILD_PROTECTION, 2),
                      (LegalStatus.PRE_PROCEEDINGS, 1), (LegalStatus.CHILD_IN_NEED, 2)],
    "ola@demo.test": [(LegalStatus.CHILD_IN_NEED, 1), (LegalStatus.LOOKED_AFTER, 2)],
    "other@demo.test": [(LegalStatus.LOOKED_AFTER, 1), (LegalStatus.LOOKED_AFTER, 2),
                        (LegalStatus.CHILD_IN_NEED, 2)],
}
# How each caseload moved over the past weeks: weighted change per week back (negative: it was lower),
# over the last TREND_WEEKS weeks; steady before that.
TREND = {"worker@demo.test": 0.0, "sam@demo.test": -1.5, "ola@demo.test": 1.0, "other@demo.test": 0.0}
TREND_WEEKS = 5
WEEKS = 12


def seed_after_meeting(teams: list[Team], staff: dict[str, User], today: date, rng: random.Random) -> dict[str, int]:
    """Add the extra families, the past weeks' snapshots and the statements' earlier wording. The caller commits."""
    db.session.flush()
    earlier_drafts(teams)
    names = iter(rng.sample(SURNAMES, len(SURNAMES)))
    added = 0
    for email, families in EXTRA.items():
        worker = staff[email]
        for status, children in families:
            surname = next(names)
            case = Case(reference=f"DEMO-{2001 + added}", family_label=f"{surname} family", team=worker.team,
                        practitioner=worker, legal_status=status)
            case.children = [Child(name=f"{rng.choice(FIRST_NAMES)} {surname}",
                                   date_of_birth=today - timedelta(days=rng.randint(200, 5500)))
                             for _ in range(children)]
            db.session.add(case)
            added += 1
    db.session.flush()
    return {"extra families": added, "caseload snapshots": seed_history(teams, today, rng, TREND, staff)}


def seed_history(teams: list[Team], today: date, rng: random.Random, trend: dict[str, float] | None = None,
                 staff: dict[str, User] | None = None, weeks: int = WEEKS) -> int:
    """Past weeks' snapshots worked back from today's figures, with a trend and a little noise.

    Also used by the benchmark's service-sized data, where every caseload drifts a little.
    """
    by_id = {u.id: email for email, u in (staff or {}).items()}
    written = 0
    for team in teams:
        for caseload in svc.current_caseloads(team, today):
            if not caseload.children:
                continue
            per_child = caseload.weighted / caseload.children
            slope = (trend or {}).get(by_id.get(caseload.practitioner.id, ""), rng.choice([-0.5, 0.0, 0.0, 0.5]))
            for back in range(1, weeks + 1):
                noise = rng.choice([-1, 0, 0, 0, 1])
                children = max(0, round(caseload.children + (slope * min(back, TREND_WEEKS)) / per_child) + noise)
                svc.record_snapshot(team, caseload.practitioner, today - timedelta(weeks=back),
                                    cases=max(1, round(caseload.cases * children / caseload.children)),
                                    children=children, weighted=round(children * per_child, 1),
                                    caseload_limit=team.caseload_limit)
                written += 1
    return written


# Earlier sessions' wording, before the team sharpened it: (later phrase, earlier phrase).
DANGER_DRAFT = [("shouts at and pushes", "shouts at"), ("is frightened, and could be hurt", "is upset")]
GOAL_DRAFT = [(", and their safety network will know the plan and check it", ""),
              ("for six months", "for three months")]


def earlier_drafts(teams: list[Team]) -> None:
    """Make every agreed session but a case's latest read as an earlier draft of its statements."""
    meetings = db.session.scalars(
        db.select(Meeting).join(Meeting.case)
        .where(Case.team_id.in_([t.id for t in teams]), Meeting.status == MeetingStatus.AGREED)
        .order_by(Meeting.case_id, Meeting.scheduled_at.desc()))
    latest_seen: set[int] = set()
    for meeting in meetings:
        if meeting.case_id not in latest_seen:
            latest_seen.add(meeting.case_id)
            continue
        for statement in meeting.danger_statements:
            for later, earlier in DANGER_DRAFT:
                statement.statement = statement.statement.replace(later, earlier)
        for goal in meeting.safety_goals:
            for later, earlier in GOAL_DRAFT:
                goal.statement = goal.statement.replace(later, earlier)
