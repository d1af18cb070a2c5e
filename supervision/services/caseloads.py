"""Caseloads: how many children each practitioner holds, weighted for complexity.

A practitioner's caseload is the children on their open cases. The weighted
figure counts each child by the weight the team gives its case's legal status
(court work counts for more). Both are set against the team's limit.
Weekly snapshots keep the history as it was; see docs/caseloads.md.
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from supervision.extensions import db
from supervision.models import (
    Action,
    ActionStatus,
    Case,
    CaseloadSnapshot,
    CaseloadWeight,
    Child,
    LegalStatus,
    Role,
    Team,
    User,
)
from supervision.services.errors import DomainError

log = logging.getLogger(__name__)

# Starting points, documented in docs/caseloads.md; each team's manager sets their own.
DEFAULT_WEIGHTS: dict[LegalStatus, float] = {
    LegalStatus.CHILD_IN_NEED: 1.0,
    LegalStatus.CHILD_PROTECTION: 1.0,
    LegalStatus.LOOKED_AFTER: 1.0,
    LegalStatus.PRE_PROCEEDINGS: 1.5,
    LegalStatus.CARE_PROCEEDINGS: 2.0,
}
DEFAULT_LIMIT = 17
LIMIT_RANGE = (1, 40)
WEIGHT_RANGE = (0.0, 5.0)
# "Rising fast": the weighted figure is up by this much or more on four weeks ago.
RISING_FAST = 3.0
RISING_WEEKS = 4
HISTORY_WEEKS = 8
CASELOAD_ROLES = (Role.PRACTITIONER, Role.SENIOR_PRACTITIONER)


def week_start(day: date) -> date:
    """The Monday of the day's week: snapshots are kept one per week."""
    return day - timedelta(days=day.weekday())


# --- weights and the limit ------------------------------------------------------

def weights_for(team: Team) -> dict[LegalStatus, float]:
    """The team's weight for every legal status: its own where set, the default otherwise."""
    weights = dict(DEFAULT_WEIGHTS)
    for row in db.session.scalars(db.select(CaseloadWeight).filter_by(team_id=team.id)):
        weights[row.legal_status] = row.weight
    return weights


def set_weights(team: Team, weights: dict[LegalStatus, float], by: User) -> None:
    """Set the team's weights (the team manager's decision)."""
    _require_team_manager(team, by)
    low, high = WEIGHT_RANGE
    existing = {row.legal_status: row for row in db.session.scalars(
        db.select(CaseloadWeight).filter_by(team_id=team.id))}
    for status, weight in weights.items():
        if not low <= weight <= high:
            raise DomainError(f"Give each weight from {low:g} to {high:g}.")
        row = existing.get(status)
        if row is None:
            db.session.add(CaseloadWeight(team_id=team.id, legal_status=status, weight=weight, updated_by_id=by.id))
        else:
            row.weight, row.updated_by_id = weight, by.id
    log.info("caseload weights of team %s set by user %s", team.id, by.id)


def set_limit(team: Team, limit: int, by: User) -> None:
    """Set the team's caseload limit (children per practitioner)."""
    _require_team_manager(team, by)
    low, high = LIMIT_RANGE
    if not low <= limit <= high:
        raise DomainError(f"Give a limit from {low} to {high} children.")
    team.caseload_limit = limit
    log.info("caseload limit of team %s set by user %s", team.id, by.id)


def can_set_weights(user: User, team: Team) -> bool:
    return user.team_id == team.id and user.role is Role.TEAM_MANAGER


def _require_team_manager(team: Team, by: User) -> None:
    if not can_set_weights(by, team):
        raise DomainError("Only the team's manager sets the caseload limit and weights.")


# --- figures ----------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFigure:
    case_id: int
    practitioner_id: int | None
    legal_status: LegalStatus
    children: int


@dataclass
class Caseload:
    """One practitioner's caseload now, with where it stood four weeks ago."""

    practitioner: User
    limit: int
    cases: int = 0
    children: int = 0
    weighted: float = 0.0
    weighted_before: float | None = None  # from the snapshot four weeks back, if there is one

    @property
    def above_limit(self) -> bool:
        return self.children > self.limit or self.weighted > self.limit

    @property
    def change(self) -> float | None:
        return None if self.weighted_before is None else round(self.weighted - self.weighted_before, 2)

    @property
    def rising_fast(self) -> bool:
        return self.change is not None and self.change >= RISING_FAST


def _case_figures(team_id: int) -> list[CaseFigure]:
    """Every open case of the team with its number of children: one query."""
    rows = db.session.execute(
        db.select(Case.id, Case.practitioner_id, Case.legal_status, func.count(Child.id))
        .outerjoin(Child, Child.case_id == Case.id)
        .where(Case.team_id == team_id, Case.is_open.is_(True))
        .group_by(Case.id, Case.practitioner_id, Case.legal_status)
    )
    return [CaseFigure(*row) for row in rows]


def _add(caseload: Caseload, figure: CaseFigure, weights: dict[LegalStatus, float]) -> None:
    caseload.cases += 1
    caseload.children += figure.children
    caseload.weighted = round(caseload.weighted + figure.children * weights[figure.legal_status], 2)


def _team_practitioners(team: Team, holders: set[int]) -> list[User]:
    """Practitioners of the team, and anyone else in it who holds open cases (an assistant manager may)."""
    return list(db.session.scalars(
        db.select(User).where(User.team_id == team.id)
        .where(((User.active.is_(True)) & User.role.in_(CASELOAD_ROLES)) | User.id.in_(holders or {0}))
        .order_by(User.name)
    ))


def _caseloads_now(team: Team, weights: dict[LegalStatus, float], figures: list[CaseFigure]) -> dict[int, Caseload]:
    holders = {f.practitioner_id for f in figures if f.practitioner_id is not None}
    caseloads = {u.id: Caseload(u, team.caseload_limit) for u in _team_practitioners(team, holders)}
    for figure in figures:
        if figure.practitioner_id in caseloads:
            _add(caseloads[figure.practitioner_id], figure, weights)
    return caseloads


def current_caseloads(team: Team, today: date) -> list[Caseload]:
    """Each practitioner's caseload now, with the figure of four weeks ago for "rising fast"."""
    caseloads = _caseloads_now(team, weights_for(team), _case_figures(team.id))
    before = week_start(today) - timedelta(weeks=RISING_WEEKS)
    for pid, weighted in db.session.execute(db.select(CaseloadSnapshot.practitioner_id, CaseloadSnapshot.weighted)
                                            .filter_by(team_id=team.id, week_start=before)):
        if pid in caseloads:
            caseloads[pid].weighted_before = weighted
    return list(caseloads.values())


@dataclass
class TeamCaseloads:
    team: Team
    caseloads: list[Caseload]
    weights: dict[LegalStatus, float]
    unallocated_children: int
    weeks: list[date] = field(default_factory=list)
    # practitioner id → week → snapshot
    history: dict[int, dict[date, CaseloadSnapshot]] = field(default_factory=dict)
    history_people: list[User] = field(default_factory=list)

    @property
    def limit(self) -> int:
        return self.team.caseload_limit

    @property
    def average_children(self) -> float | None:
        return round(statistics.fmean(c.children for c in self.caseloads), 1) if self.caseloads else None

    @property
    def average_weighted(self) -> float | None:
        return round(statistics.fmean(c.weighted for c in self.caseloads), 1) if self.caseloads else None

    @property
    def above_limit(self) -> list[Caseload]:
        return [c for c in self.caseloads if c.above_limit]

    @property
    def rising_fast(self) -> list[Caseload]:
        return [c for c in self.caseloads if c.rising_fast]

    def week_average(self, week: date) -> tuple[float, float] | None:
        """The team's average children and weighted figure in a past week, from its snapshots."""
        rows = [by_week[week] for by_week in self.history.values() if week in by_week]
        if not rows:
            return None
        return (round(statistics.fmean(r.children for r in rows), 1),
                round(statistics.fmean(r.weighted for r in rows), 1))


def team_caseloads(team: Team, today: date, weeks: int = HISTORY_WEEKS) -> TeamCaseloads:
    """The team view: everyone's figures now against the limit, and the snapshots of past weeks."""
    weights, figures = weights_for(team), _case_figures(team.id)
    caseloads = _caseloads_now(team, weights, figures)
    unallocated = sum(f.children for f in figures if f.practitioner_id is None)
    view = TeamCaseloads(team=team, caseloads=list(caseloads.values()), weights=weights,
                         unallocated_children=unallocated)
    this_week = week_start(today)
    view.weeks = [this_week - timedelta(weeks=n) for n in range(weeks, 0, -1)]
    before = this_week - timedelta(weeks=RISING_WEEKS)
    snapshots = db.session.scalars(
        db.select(CaseloadSnapshot)
        .where(CaseloadSnapshot.team_id == team.id, CaseloadSnapshot.week_start >= min(view.weeks[0], before),
               CaseloadSnapshot.week_start < this_week))
    for snapshot in snapshots:
        if snapshot.week_start == before and snapshot.practitioner_id in caseloads:
            caseloads[snapshot.practitioner_id].weighted_before = snapshot.weighted
        if snapshot.week_start >= view.weeks[0]:
            view.history.setdefault(snapshot.practitioner_id, {})[snapshot.week_start] = snapshot
    # People who have left the team keep their rows in the history: it is not rewritten.
    departed = [pid for pid in view.history if pid not in caseloads]
    view.history_people = [c.practitioner for c in view.caseloads]
    if departed:
        view.history_people += db.session.scalars(db.select(User).where(User.id.in_(departed)).order_by(User.name))
    return view


@dataclass
class PractitionerCaseload:
    caseload: Caseload
    cases: list[Case]
    weights: dict[LegalStatus, float]
    history: list[CaseloadSnapshot]


def practitioner_caseload(practitioner: User, today: date, weeks: int = 12) -> PractitionerCaseload:
    """One practitioner's open cases, their figures and their own weekly history."""
    team = practitioner.team
    weights = weights_for(team)
    cases = list(db.session.scalars(
        db.select(Case).options(selectinload(Case.children))
        .where(Case.team_id == team.id, Case.practitioner_id == practitioner.id, Case.is_open.is_(True))
        .order_by(Case.family_label)))
    caseload = Caseload(practitioner, team.caseload_limit)
    for case in cases:
        _add(caseload, CaseFigure(case.id, practitioner.id, case.legal_status, len(case.children)), weights)
    since = week_start(today) - timedelta(weeks=weeks)
    history = list(db.session.scalars(
        db.select(CaseloadSnapshot)
        .where(CaseloadSnapshot.team_id == team.id, CaseloadSnapshot.practitioner_id == practitioner.id,
               CaseloadSnapshot.week_start >= since, CaseloadSnapshot.week_start < week_start(today))
        .order_by(CaseloadSnapshot.week_start)))
    before = week_start(today) - timedelta(weeks=RISING_WEEKS)
    caseload.weighted_before = next((s.weighted for s in history if s.week_start == before), None)
    return PractitionerCaseload(caseload=caseload, cases=cases, weights=weights, history=history)


# --- snapshots --------------------------------------------------------------------

def record_snapshot(team: Team, practitioner: User, week: date, *, cases: int, children: int, weighted: float,
                    caseload_limit: int) -> CaseloadSnapshot:
    """Write one week's figure for one practitioner, replacing an earlier one for the same week."""
    week = week_start(week)
    snapshot = db.session.scalar(db.select(CaseloadSnapshot).filter_by(
        team_id=team.id, practitioner_id=practitioner.id, week_start=week))
    if snapshot is None:
        snapshot = CaseloadSnapshot(team_id=team.id, practitioner_id=practitioner.id, week_start=week)
        db.session.add(snapshot)
    snapshot.cases, snapshot.children, snapshot.weighted = cases, children, weighted
    snapshot.caseload_limit = caseload_limit
    return snapshot


def take_snapshots(today: date, teams: list[Team] | None = None) -> int:
    """Record this week's figures for every practitioner of every team (or those given).

    Run weekly (or daily: a later run in the same week replaces that week's figures).
    Earlier weeks are never touched, so moving cases later does not change them.
    """
    written = 0
    for team in teams if teams is not None else db.session.scalars(db.select(Team).order_by(Team.id)):
        for caseload in current_caseloads(team, today):
            record_snapshot(team, caseload.practitioner, today, cases=caseload.cases, children=caseload.children,
                            weighted=caseload.weighted, caseload_limit=team.caseload_limit)
            written += 1
    return written


# --- moving cases -----------------------------------------------------------------

@dataclass
class MoveRow:
    """What one practitioner's caseload is now and would become."""

    practitioner: User
    before: Caseload
    after: Caseload
    cases_in: list[Case] = field(default_factory=list)
    cases_out: list[Case] = field(default_factory=list)


@dataclass
class MovePreview:
    moves: list[tuple[Case, User]]
    rows: list[MoveRow]

    @property
    def above_limit_after(self) -> list[MoveRow]:
        return [r for r in self.rows if r.after.above_limit]


def movable_cases(team: Team, practitioner: User) -> list[Case]:
    """The open cases allocated to one practitioner, for sharing out."""
    return list(db.session.scalars(
        db.select(Case).options(selectinload(Case.children))
        .where(Case.team_id == team.id, Case.practitioner_id == practitioner.id, Case.is_open.is_(True))
        .order_by(Case.family_label)))


def receivers(team: Team) -> list[User]:
    """Who can take a case: the team's active staff who hold or may hold a caseload."""
    return list(db.session.scalars(
        db.select(User).where(User.team_id == team.id, User.active.is_(True),
                              User.role.in_((*CASELOAD_ROLES, Role.ASSISTANT_TEAM_MANAGER, Role.TEAM_MANAGER)))
        .order_by(User.name)))


def _resolve(team: Team, moves: dict[int, int]) -> list[tuple[Case, User]]:
    cases = {c.id: c for c in db.session.scalars(
        db.select(Case).options(selectinload(Case.children)).where(Case.id.in_(moves or {0})))}
    people = {u.id: u for u in receivers(team)}
    resolved = []
    for case_id, user_id in moves.items():
        case = cases.get(case_id)
        if case is None or case.team_id != team.id or not case.is_open:
            raise DomainError("One of those cases is not an open case of this team any more. Start again.")
        person = people.get(user_id)
        if person is None:
            raise DomainError("Choose someone in the team to take each case.")
        if case.practitioner_id != user_id:
            resolved.append((case, person))
    return resolved


def preview_moves(team: Team, moves: dict[int, int], today: date) -> MovePreview:
    """What each caseload touched by the moves would become, before anything is changed."""
    resolved = _resolve(team, moves)
    weights = weights_for(team)
    now = {c.practitioner.id: c for c in current_caseloads(team, today)}
    rows: dict[int, MoveRow] = {}

    def row_for(person: User) -> MoveRow:
        if person.id not in rows:
            before = now.get(person.id) or Caseload(person, team.caseload_limit)
            after = Caseload(person, team.caseload_limit, before.cases, before.children, before.weighted,
                             before.weighted_before)
            rows[person.id] = MoveRow(person, before, after)
        return rows[person.id]

    for case, person in resolved:
        figure = CaseFigure(case.id, person.id, case.legal_status, len(case.children))
        incoming = row_for(person)
        _add(incoming.after, figure, weights)
        incoming.cases_in.append(case)
        if case.practitioner is not None:
            outgoing = row_for(case.practitioner)
            outgoing.after.cases -= 1
            outgoing.after.children -= figure.children
            outgoing.after.weighted = round(outgoing.after.weighted - figure.children * weights[case.legal_status], 2)
            outgoing.cases_out.append(case)
    ordered = sorted(rows.values(), key=lambda r: (not r.cases_out, r.practitioner.name))
    return MovePreview(moves=resolved, rows=ordered)


def apply_moves(team: Team, moves: dict[int, int], by: User, *, move_open_actions: bool) -> int:
    """Allocate each case to its new practitioner; their open actions on it go too if asked."""
    resolved = _resolve(team, moves)
    for case, person in resolved:
        previous = case.practitioner_id
        case.practitioner_id = person.id
        if move_open_actions and previous is not None:
            for action in db.session.scalars(db.select(Action).filter_by(
                    case_id=case.id, owner_id=previous, status=ActionStatus.OPEN)):
                action.owner_id = person.id
        log.info("case %s moved from user %s to user %s by user %s", case.id, previous, person.id, by.id)
    return len(resolved)


@dataclass(frozen=True)
class Allocation:
    """Who could hold a case, and what their caseload would become with it."""

    practitioner: User
    with_case: Caseload
    holds_it: bool

    @property
    def label(self) -> str:
        load = self.with_case
        words = (f"{self.practitioner.name}: {'holds it, ' if self.holds_it else 'with this family '}"
                 f"{load.children} children, weighted {load.weighted:g} (limit {load.limit})")
        return words + (", above the limit" if load.above_limit else "")


def allocations(team: Team, case: Case | None, today: date) -> list[Allocation]:
    """Each possible holder of the case with their caseload as it would be: the choice is made
    seeing what it does to each caseload, before anything is saved."""
    weights = weights_for(team)
    now = {c.practitioner.id: c for c in current_caseloads(team, today)}
    result = []
    for person in receivers(team):
        before = now.get(person.id) or Caseload(person, team.caseload_limit)
        after = Caseload(person, team.caseload_limit, before.cases, before.children, before.weighted)
        holds_it = case is not None and case.practitioner_id == person.id
        if case is not None and case.is_open and not holds_it:
            _add(after, CaseFigure(case.id, person.id, case.legal_status, len(case.children)), weights)
        result.append(Allocation(person, after, holds_it))
    return result


def children_by_status(cases: list[Case]) -> dict[LegalStatus, int]:
    counts: dict[LegalStatus, int] = defaultdict(int)
    for case in cases:
        counts[case.legal_status] += len(case.children)
    return dict(counts)
