"""A whole fictional children's service, for benchmarks and for trying the app at scale.

`flask demo-data --scale service` calls `build(SERVICE)`: 6 teams, 40 practitioners plus their
managers, 800 families with genograms, 6,000 sessions over three years with full mappings,
about 150,000 map items, 60,000 scaling scores and 25,000 actions. Every name and event is invented.

Deterministic from the seed (dates are relative to `today`, as in the small demo). Fast because it
writes with SQLAlchemy Core: rows are plain dicts with ids chosen here, inserted with executemany
in chunks, parents before children; the password is hashed once; text comes from templates.
The tests build the same service at a few families per practitioner (`Scale(...)`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, Table, func, select, text

from supervision.extensions import db
from supervision.identity import hash_password
from supervision.models import (
    Action,
    ActionReview,
    ActionStatus,
    Amendment,
    Case,
    Child,
    DangerStatement,
    LegalStatus,
    LiveSession,
    MapItem,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Phase,
    ReviewOutcome,
    Role,
    SafetyGoal,
    ScalingScore,
    ScalingState,
    Section,
    Team,
    User,
)
from supervision.models.meeting import (
    DEFAULT_SCALE_TEN,
    DEFAULT_SCALE_ZERO,
    DEFAULT_SCALING_QUESTION,
    meeting_participants,
)
from supervision.services import record

DEMO_PASSWORD = "demo"
CHUNK = 5000  # rows per executemany: big enough to be fast, small enough to keep memory flat


@dataclass(frozen=True)
class Scale:
    """How big a service to build. Totals are met exactly, except scores (capped by who was there)."""

    teams: int = 6
    practitioners: int = 40
    families: int = 800
    sessions: int = 6000
    items: int = 150_000
    scores: int = 60_000
    actions: int = 25_000
    years: int = 3
    genogram_people: tuple[int, int] = (5, 40)
    # Only for building two services side by side in one database (the query-count test does).
    prefix: str = ""

    @property
    def domain(self) -> str:
        return f"{self.prefix}service.demo.test"


SERVICE = Scale()
SMALL = Scale(teams=2, practitioners=4, families=8, sessions=24, items=360, scores=120, actions=80,
              genogram_people=(5, 12))

TEAM_NAMES = [
    "Assessment and Intervention (North)", "Assessment and Intervention (South)",
    "Family Support and Child Protection (East)", "Family Support and Child Protection (West)",
    "Children in Care (Riverside)", "Court and Pre-proceedings (Hillside)",
    "Disabled Children (Millbrook)", "Adolescents at Risk (Castlegate)",
]
FEMALE = ["Aisha", "Amy", "Ania", "Bethany", "Carmen", "Chloe", "Danielle", "Ebony", "Fatima", "Gemma", "Hannah",
          "Imani", "Jade", "Joy", "Kerry", "Laura", "Leanne", "Maria", "Megan", "Nadia", "Nicola", "Olivia", "Paige",
          "Priya", "Rachel", "Rosie", "Samira", "Shannon", "Sophie", "Tanya", "Tracey", "Zainab", "Zofia", "Helen",
          "Grace", "Margaret", "Linda", "Patricia", "Susan", "Janet", "Brenda", "Carol"]
MALE = ["Aaron", "Ali", "Ben", "Callum", "Craig", "Daniel", "Dean", "Emeka", "Gary", "Hamza", "Imran", "Jason",
        "Kieran", "Lee", "Liam", "Luis", "Marcus", "Mark", "Mohammed", "Nathan", "Piotr", "Reece", "Ryan", "Shaun",
        "Tariq", "Tom", "Tyler", "Wayne", "Yusuf", "Zak", "Ron", "Keith", "Barry", "Trevor", "Derek", "Alan"]
CHILD_FEMALE = ["Ada", "Alisha", "Amelia", "Ava", "Ellie-May", "Evie", "Freya", "Hana", "Isla", "Kayla", "Lacey",
                "Lily", "Maisie", "Mia", "Nevaeh", "Poppy", "Precious", "Ruby", "Sofia", "Tia", "Willow", "Zara"]
CHILD_MALE = ["Alfie", "Bilal", "Charlie", "Chidi", "Ethan", "Finley", "Freddie", "Harvey", "Jayden", "Kai",
              "Leo", "Logan", "Mason", "Noah", "Obi", "Oscar", "Riley", "Tommy", "Tyler-James", "Zain"]
SURNAMES = ["Ahmed", "Akhtar", "Allen", "Bailey", "Baker", "Begum", "Bennett", "Brennan", "Brooks", "Campbell",
            "Carter", "Clarke", "Collins", "Cooper", "Davies", "Dixon", "Edwards", "Evans", "Fairweather", "Fisher",
            "Foster", "Gallagher", "Graham", "Gray", "Hall", "Harlow", "Harris", "Hughes", "Hussain", "Jackson",
            "James", "Jenkins", "Johnson", "Kaur", "Kelly", "Khan", "Kowalczyk", "Lewis", "Lloyd", "Marsden",
            "Mason", "McCarthy", "Mills", "Mitchell", "Morgan", "Murphy", "Nkemelu", "Nowak", "Okafor", "Okonjo",
            "O'Neill", "Owen", "Palmer", "Parker", "Patel", "Pellow", "Phillips", "Price", "Quinlan", "Reid",
            "Richards", "Ridley", "Roberts", "Robinson", "Rossi", "Shaw", "Singh", "Smith", "Stevens", "Taylor",
            "Thornton", "Turner", "Vasquez", "Walker", "Ward", "Watson", "Whitmore", "Williams", "Wilson", "Wright",
            "Yilmaz", "Young"]
SCHOOLS = ["Oakfield Primary", "St Mary's Primary", "Hillside Academy", "Riverside Juniors", "Castlegate High",
           "Millbrook Nursery"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]

# Map items by section: {p1} the father or mother's partner, {p2} the mother, {c1} the eldest child,
# {c2} another child, {gm} the grandmother, {school}, {month}, {n} a small number.
MAP = {
    Section.PAST_HARM: [
        "In {month}, police were called after {p1} shouted at and pushed {p2}; {c1} was in the room.",
        "{c1} arrived at {school} hungry on {n} days last term; the school recorded each one.",
        "{c2} was found alone at home for about two hours in {month} while {p2} was at the shop.",
        "{p1} hit {c1} with a slipper in {month}; {c1} told the teacher and had a bruise on the arm.",
        "The health visitor saw the flat cold and without food on {n} visits over the winter.",
        "{c1} has seen **repeated arguments** at home, some with objects thrown, since {month}.",
        "{p2} was admitted to hospital after drinking heavily in {month}; {c2} stayed with a neighbour.",
    ],
    Section.STRENGTHS: [
        "{p2} takes the children to {school} every day; attendance is now above 95%.",
        "{gm} visits every Sunday and the children say she is *the one who listens*.",
        "{p1} has kept every contact session for {n} months and arrives on time.",
        "{c1} is doing well in reading and is proud of a certificate from {school}.",
        "{p2} has kept the flat warm and clean since the new tenancy began in {month}.",
        "The family asked for help with the rent themselves, before the arrears grew.",
        "{p2} and {gm} cook together on Fridays; {c2} calls it *pizza night*.",
    ],
    Section.EXISTING_SAFETY: [
        "When {p1} came home drunk in {month}, {p2} took the children to {gm}'s and rang the worker.",
        "Since {month}, {gm} has collected {c1} from school whenever {p2} has a hospital appointment.",
        "{p2} called the police herself in {month} and kept the children upstairs until they came.",
        "For {n} weeks, {p1} has gone to his brother's when he felt the arguments rising.",
    ],
    Section.WORRIES: [
        "Children's services are worried that {c1} will be hurt if the arguments turn physical again.",
        "{c1} may stop telling school what happens at home because {p1} told {c1} not to.",
        "{c2} could be left without an adult again if {p2} starts drinking.",
        "The school is worried {c1} will fall further behind if mornings at home stay chaotic.",
        "If the eviction goes ahead the family may move away from {gm} and the safety network.",
    ],
    Section.COMPLICATING_FACTORS: [
        "Rent arrears of about £{n},200 and a notice from the housing association.",
        "{p2} had a difficult childhood in care and is wary of social workers.",
        "{p1} works nights, so the plan relies on {p2} in the mornings.",
        "The family's first language is not English; an interpreter is needed for meetings.",
        "{c2} has a diagnosis of autism and finds changes of routine very hard.",
        "{p2} has long-term back pain and waits for surgery.",
    ],
    Section.HYPOTHESES: [
        "{p1}'s drinking rises when he is out of work; the arguments follow the drinking.",
        "{p2} minimises the arguments because she fears the children will be removed.",
        "{c1} is taking on a parent's role for {c2}, which hides how tired {p2} is.",
        "The family pulls away from help when they feel judged; that is when things slip.",
        "{gm} may be the safest adult, but she has not been asked to do more.",
    ],
    Section.QUESTIONS: [
        "When was a time {p1} was angry and {c1} stayed safe? What did you do?",
        "Who in your family would notice first if things started to go wrong again?",
        "On a good morning, what is different about how the day starts?",
        "What would {gm} say she has seen you do that keeps the children safe?",
        "If {c1} were in the room, what would {c1} want us to know?",
        "What would it take for you to feel confident the plan will hold for {n} months?",
    ],
    Section.NEXT_STEPS: [
        "Ask {gm} to join a safety network meeting.",
        "Use **Three Houses** with {c1} before the next review.",
        "Use **Words and Pictures** to explain to {c2} why we are involved.",
        "Check with {school} whether the breakfast club has a place for {c1}.",
        "Share the draft safety plan with {p2} and {p1} in plain words.",
        "Ask the housing officer for a meeting about the arrears.",
    ],
}
SECTION_WEIGHTS = {Section.PAST_HARM: 3, Section.STRENGTHS: 4, Section.EXISTING_SAFETY: 2, Section.WORRIES: 3,
                   Section.COMPLICATING_FACTORS: 3, Section.HYPOTHESES: 3, Section.QUESTIONS: 4,
                   Section.NEXT_STEPS: 3}
ACTIONS = [
    "Invite {gm} to a safety network meeting", "Complete Three Houses with {c1}", "Refer {p1} to the alcohol service",
    "Write Words and Pictures for {c2}", "Ask {school} for attendance since {month}",
    "Book an interpreter for the next visit", "Visit unannounced before the next review",
    "Draft the safety plan with {p2}", "Ask the health visitor to share her notes", "Chase the housing referral",
    "Arrange a family network meeting", "Check {c1}'s GP registration",
]
OUTSIDE_OWNERS = ["{p2}", "{p1}", "{gm}", "The health visitor", "The school's safeguarding lead", "The GP"]
REASONS = ["School attendance is up and {gm} is involved.", "The drinking has not changed yet.",
           "{p2} acted protectively in {month}.", "Too early to say: the plan is only weeks old.",
           "{c1} says home is calmer.", "The network is small and tired.", ""]
LEGAL_STATUSES = [(LegalStatus.CHILD_PROTECTION, 35), (LegalStatus.CHILD_IN_NEED, 35),
                  (LegalStatus.LOOKED_AFTER, 12), (LegalStatus.PRE_PROCEEDINGS, 10),
                  (LegalStatus.CARE_PROCEEDINGS, 8)]
SLOTS = [time(9, 30), time(10, 0), time(11, 0), time(13, 30), time(14, 0)]


def build(scale: Scale = SERVICE, seed: int = 2026, today: date | None = None) -> dict[str, int]:
    """Add the service to the database in the current transaction. The caller commits."""
    counts = _Builder(scale, random.Random(seed), today or date.today()).run(db.session.connection())
    record.snapshot_agreed()  # its sessions were written as agreed, not agreed through the app
    return counts


def service_exists(scale: Scale = SERVICE) -> bool:
    """Whether this service's staff are already in the database (its emails are unique)."""
    return db.session.scalar(select(User.id).where(User.email == f"head@{scale.domain}")) is not None


def spread(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split `total` into whole shares proportional to `weights`, each at least `minimum`, summing to total."""
    if not weights:
        return []
    floor_total = minimum * len(weights)
    rest = max(0, total - floor_total)
    weight_sum = sum(weights) or 1.0
    exact = [rest * w / weight_sum for w in weights]
    shares = [minimum + int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in order[: max(0, total - sum(shares))]:
        shares[i] += 1
    return shares


@dataclass
class _Staff:
    id: int
    name: str
    role: Role


@dataclass
class _TeamPlan:
    id: int
    manager: _Staff
    atms: list[_Staff]
    caseholders: list[_Staff]  # practitioners and the senior practitioner
    members: list[_Staff] = field(default_factory=list)


@dataclass
class _Family:
    names: dict[str, str]
    children: list[tuple[str, date, str]]  # name, date of birth, sex
    opened: date
    closed: date | None


class _Writer:
    """Buffers rows per table; flushes every table in foreign-key order once enough are waiting."""

    def __init__(self, conn: Connection, tables: list[Table]) -> None:
        self.conn = conn
        self.tables = tables
        self.rows: dict[str, list[dict]] = {t.name: [] for t in tables}
        self.counts: dict[str, int] = dict.fromkeys(self.rows, 0)
        self.waiting = 0

    def add(self, table: Table, row: dict) -> None:
        self.rows[table.name].append(row)
        self.waiting += 1
        if self.waiting >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for table in self.tables:
            rows = self.rows[table.name]
            if rows:
                self.conn.execute(table.insert(), rows)
                self.counts[table.name] += len(rows)
                rows.clear()
        self.waiting = 0


class _Builder:
    def __init__(self, scale: Scale, rng: random.Random, today: date) -> None:
        self.scale = scale
        self.rng = rng
        self.today = today
        self.start = today - timedelta(days=365 * scale.years)
        self.password = hash_password(DEMO_PASSWORD)

    # --- ids ------------------------------------------------------------------------------------

    def _next_ids(self, conn: Connection, tables: list[Table]) -> dict[str, Iterator[int]]:
        """Ids continue after what is there, so a service can be added beside the small demo."""
        ids = {}
        for table in tables:
            if "id" in table.c:
                top = conn.execute(select(func.max(table.c.id))).scalar() or 0
                ids[table.name] = iter(range(top + 1, 1 << 62))
        return ids

    def new_id(self, table: Table) -> int:
        return next(self.ids[table.name])

    # --- the whole service ----------------------------------------------------------------------

    def run(self, conn: Connection) -> dict[str, int]:
        t = {m.__tablename__: m.__table__ for m in (Team, User, Case, Child, Meeting, MapItem, DangerStatement,
                                                     SafetyGoal, ScalingScore, Action, ActionReview, Amendment,
                                                     LiveSession)}
        t["meeting_participants"] = meeting_participants
        self.t = t
        order = [t[n] for n in ("teams", "users", "cases", "children", "meetings", "meeting_participants",
                                "map_items", "danger_statements", "safety_goals", "scaling_scores", "actions",
                                "action_reviews", "amendments", "live_sessions")]
        self.ids = self._next_ids(conn, order)
        self.out = _Writer(conn, order)
        teams = self._staff()
        self._families(teams)
        self.out.flush()
        self._after_bulk_load(conn, order)
        counts = self.out.counts
        return {"teams": counts["teams"], "staff": counts["users"], "families": counts["cases"],
                "children": counts["children"], "sessions": counts["meetings"], "map items": counts["map_items"],
                "scaling scores": counts["scaling_scores"], "actions": counts["actions"],
                "action reviews": counts["action_reviews"]}

    def _after_bulk_load(self, conn: Connection, tables: list[Table]) -> None:
        if conn.dialect.name == "postgresql":
            # Ids were chosen here: move each sequence past them so the app's own inserts work.
            for table in tables:
                if "id" in table.c:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
        # Fresh statistics, so the planners pick the indexes the pages were written for.
        conn.execute(text("ANALYZE"))

    # --- staff ----------------------------------------------------------------------------------

    def _person(self, female: bool | None = None) -> str:
        pool = (FEMALE if female else MALE) if female is not None else self.rng.choice([FEMALE, MALE])
        return f"{self.rng.choice(pool)} {self.rng.choice(SURNAMES)}"

    def _user(self, team_id: int, email: str, role: Role) -> _Staff:
        staff = _Staff(self.new_id(self.t["users"]), self._person(), role)
        self.out.add(self.t["users"], {"id": staff.id, "email": f"{email}@{self.scale.domain}", "name": staff.name,
                                       "password_hash": self.password, "role": role, "team_id": team_id,
                                       "active": True})
        return staff

    def _staff(self) -> list[_TeamPlan]:
        scale = self.scale
        teams = []
        per_team = spread(scale.practitioners, [1.0] * scale.teams)
        for n in range(scale.teams):
            team_id = self.new_id(self.t["teams"])
            name = TEAM_NAMES[n % len(TEAM_NAMES)] + (f" {n // len(TEAM_NAMES) + 1}" if n >= len(TEAM_NAMES) else "")
            self.out.add(self.t["teams"], {"id": team_id, "name": f"{scale.prefix}{name}", "caseload_limit": 17})
            k = n + 1
            plan = _TeamPlan(team_id, self._user(team_id, f"manager{k}", Role.TEAM_MANAGER),
                             [self._user(team_id, f"atm{k}{x}", Role.ASSISTANT_TEAM_MANAGER) for x in "ab"],
                             [self._user(team_id, f"senior{k}", Role.SENIOR_PRACTITIONER)])
            plan.caseholders += [self._user(team_id, f"worker{k}.{i + 1}", Role.PRACTITIONER)
                                 for i in range(per_team[n])]
            plan.members = [plan.manager, *plan.atms, *plan.caseholders]
            teams.append(plan)
        # The service's head and its administrator sit in the first team.
        self._user(teams[0].id, "head", Role.HEAD_OF_SERVICE)
        self._user(teams[0].id, "admin", Role.ADMIN)
        return teams

    # --- families -------------------------------------------------------------------------------

    def _family(self, closed: bool) -> _Family:
        rng = self.rng
        surname = rng.choice(SURNAMES)
        mum = rng.choice(FEMALE)
        dad = rng.choice(MALE) if rng.random() < 0.8 else None
        count = rng.choices([1, 2, 3, 4], weights=[40, 35, 18, 7])[0]
        eldest_age = rng.randint(max(2, count), 16)
        ages = sorted([eldest_age, *[rng.randint(0, eldest_age) for _ in range(count - 1)]], reverse=True)
        children = []
        for age in ages:
            sex = rng.choice(["female", "male"])
            name = rng.choice(CHILD_FEMALE if sex == "female" else CHILD_MALE)
            children.append((f"{name} {surname}", self.today - timedelta(days=365 * age + rng.randint(0, 360)), sex))
        if closed:
            opened = self.start + timedelta(days=rng.randint(0, 365 * self.scale.years - 150))
            ended = min(opened + timedelta(days=rng.randint(90, 720)), self.today - timedelta(days=7))
        else:
            opened = self.start + timedelta(days=rng.randint(0, 365 * self.scale.years - 30))
            ended = None
        names = {"surname": surname, "p2": mum, "p1": dad or "Mum's partner", "dad": dad or "",
                 "c1": children[0][0].split()[0], "c2": children[-1][0].split()[0] if count > 1 else "the baby",
                 "gm": f"Grandma {rng.choice(FEMALE)}", "school": rng.choice(SCHOOLS)}
        return _Family(names, children, opened, ended)

    def _families(self, teams: list[_TeamPlan]) -> None:
        scale, rng = self.scale, self.rng
        # About 45% of the families of three years are open today: ~15 children per practitioner.
        closed_flags = [rng.random() >= 0.45 for _ in range(scale.families)]
        families = [self._family(closed) for closed in closed_flags]
        spans = [max(60, ((f.closed or self.today) - f.opened).days) for f in families]
        holders = [(team, p) for team in teams for p in team.caseholders]
        holder_weights = [0.4 if p.role is Role.SENIOR_PRACTITIONER else 1.0 for _, p in holders]
        in_progress_teams: set[int] = set()
        plans = []
        for index, (family, n_sessions) in enumerate(zip(families, spread(scale.sessions, spans, 1), strict=True)):
            team, practitioner = holders[index] if index < len(holders) else \
                rng.choices(holders, weights=holder_weights)[0]
            plans.append((family, team, practitioner, self._session_plan(family, team, n_sessions,
                                                                          in_progress_teams)))
        # Drafts have no scores or actions yet: the totals are shared among the sessions that have.
        held = sum(1 for *_, plan in plans for _, status in plan if status is not MeetingStatus.DRAFT)
        self.item_quota = _Quota(scale.items / scale.sessions)
        self.action_quota = _Quota(scale.actions / max(1, held))
        self.score_quota = _Quota(scale.scores / max(1, held))
        for index, (family, team, practitioner, plan) in enumerate(plans):
            self._case(index, family, team, practitioner, plan)

    def _session_plan(self, family: _Family, team: _TeamPlan, n_sessions: int,
                      in_progress_teams: set[int]) -> list[tuple[date, MeetingStatus]]:
        """When the case's sessions happen, spread over its open months; the last may be today or soon."""
        rng = self.rng
        end = family.closed or self.today
        span = max(1, (end - family.opened).days)
        days = sorted({min(span, int(span * (k + 0.5 + rng.uniform(-0.3, 0.3)) / n_sessions))
                       for k in range(n_sessions)})
        while len(days) < n_sessions:  # a very short case: sessions on consecutive days rather than fewer
            days.append(days[-1] + 1)
        plan = [(family.opened + timedelta(days=d), MeetingStatus.AGREED) for d in days]
        if family.closed is None:
            if team.id not in in_progress_teams:
                # One session per team is happening now: the meeting room has something to show.
                in_progress_teams.add(team.id)
                plan[-1] = (self.today, MeetingStatus.IN_PROGRESS)
            elif rng.random() < 0.3:
                plan[-1] = (self.today + timedelta(days=rng.randint(1, 28)), MeetingStatus.DRAFT)
        return plan

    def _case(self, index: int, family: _Family, team: _TeamPlan, practitioner: _Staff,
              plan: list[tuple[date, MeetingStatus]]) -> None:
        rng, t = self.rng, self.t
        case_id = self.new_id(t["cases"])
        status = rng.choices([s for s, _ in LEGAL_STATUSES], weights=[w for _, w in LEGAL_STATUSES])[0]
        genogram = json.dumps(self._genogram(family), separators=(",", ":"))
        self.out.add(t["cases"], {
            "id": case_id, "reference": f"{self.scale.prefix.upper()}SVC-{10001 + index}",
            "family_label": f"{family.names['surname']} family", "team_id": team.id, "practitioner_id": practitioner.id,
            "legal_status": status, "is_open": family.closed is None, "genogram_json": genogram,
            "created_at": datetime.combine(family.opened, time(9, 0))})
        for name, born, _sex in family.children:
            self.out.add(t["children"], {"id": self.new_id(t["children"]), "case_id": case_id, "name": name,
                                         "date_of_birth": born})
        # Actions are written once final: after the next session reviews them, or when the case ends.
        pending: list[dict] = []
        for day, status_ in plan:
            pending = self._meeting(case_id, family, team, practitioner, day, status_, pending, genogram)
        for action in pending:
            if family.closed is not None:  # a closed case leaves nothing open
                self._close(action, ActionStatus.DONE, "Done before the case closed.", family.closed, team.manager)
            self.out.add(t["actions"], action)

    # --- one session ----------------------------------------------------------------------------

    def _meeting(self, case_id: int, family: _Family, team: _TeamPlan, presenter: _Staff, day: date,
                 status: MeetingStatus, pending: list[dict], genogram: str) -> list[dict]:
        """Write one session; return its actions (and any still awaiting review), not yet written."""
        rng, t = self.rng, self.t
        meeting_id = self.new_id(t["meetings"])
        kind = MeetingKind.CMR if rng.random() < 0.12 else MeetingKind.GROUP_SUPERVISION
        facilitator = team.manager if kind is MeetingKind.CMR or rng.random() < 0.5 else rng.choice(team.atms)
        when = datetime.combine(day, rng.choice(SLOTS))
        agreed = status is MeetingStatus.AGREED
        names = {**family.names, "month": MONTHS[(day.month - 2) % 12], "n": str(rng.randint(2, 6))}
        progress = min(1.0, max(0.0, (day - family.opened).days / 540))
        base = 3 + round(3 * progress) + rng.randint(-1, 1)
        self.out.add(t["meetings"], {
            "id": meeting_id, "case_id": case_id, "kind": kind, "scheduled_at": when,
            "facilitator_id": facilitator.id, "presenter_id": presenter.id, "status": status,
            "scaling_question": DEFAULT_SCALING_QUESTION, "scale_zero": DEFAULT_SCALE_ZERO,
            "scale_ten": DEFAULT_SCALE_TEN,
            "family_score": max(0, min(10, base + rng.randint(-1, 2))) if agreed else None,
            "family_score_note": (_fill(rng.choice(REASONS), names) or None) if agreed else None,
            "agreed_at": when + timedelta(minutes=95) if agreed else None,
            "agreed_by_id": facilitator.id if agreed else None,
            "genogram_snapshot": genogram if agreed else None, "version": 1,
            "created_at": when - timedelta(days=7)})
        present = [m for m in team.members if m in (facilitator, presenter) or rng.random() < 0.97]
        for person in present:
            self.out.add(t["meeting_participants"], {"meeting_id": meeting_id, "user_id": person.id})
        self._map(meeting_id, names, presenter, present, when)
        if status is MeetingStatus.DRAFT:
            # Reviewed in the meeting itself: until then the last session's actions stay open.
            return pending
        self._scores(meeting_id, present, base, names, when)
        if status is MeetingStatus.IN_PROGRESS:
            # Under way now, two thirds through: the room has reached the scaling, open and not yet revealed.
            minutes = 40 if kind is MeetingKind.CMR else 90
            self.out.add(t["live_sessions"], {
                "meeting_id": meeting_id, "phase": Phase.SCALING, "facilitator_id": facilitator.id,
                "slot_minutes": minutes, "timer_remaining_seconds": minutes * 20,
                "scaling": ScalingState.OPEN, "anonymous": False, "updated_at": when})
        carried = self._review(meeting_id, pending, facilitator, when)
        actions = self._actions(meeting_id, case_id, names, presenter, present, facilitator, when, carried)
        if agreed and rng.random() < 0.01:
            self.out.add(t["amendments"], {
                "id": self.new_id(t["amendments"]), "meeting_id": meeting_id, "author_id": facilitator.id,
                "reason": "A date was wrong in the record.", "text": f"The police call-out was in {names['month']}.",
                "created_at": when + timedelta(days=2)})
        return actions

    def _map(self, meeting_id: int, names: dict, presenter: _Staff, present: list[_Staff], when: datetime) -> None:
        rng, t = self.rng, self.t
        total = self.item_quota.take()
        per_section = spread(total, [w * rng.uniform(0.6, 1.4) for w in SECTION_WEIGHTS.values()])
        for section, count in zip(SECTION_WEIGHTS, per_section, strict=True):
            templates = MAP[section]
            for position in range(1, count + 1):
                author = presenter if rng.random() < 0.6 else rng.choice(present)
                self.out.add(t["map_items"], {
                    "id": self.new_id(t["map_items"]), "meeting_id": meeting_id, "section": section,
                    "position": position, "text": _fill(templates[(position + meeting_id) % len(templates)], names),
                    "author_id": author.id, "version": 1, "updated_at": when})
        for position in range(1, rng.choice([1, 1, 2]) + 1):
            danger_id = self.new_id(t["danger_statements"])
            who = "Children's services and the school are worried that"
            behaviour = _fill(rng.choice(["when {p1} drinks he shouts at and pushes {p2}",
                                          "when {p2} is very low she stays in bed and nobody gets {c2} up",
                                          "when {p1} and {p2} argue, things get thrown"]), names)
            impact = _fill("and {c1} sees this, is frightened, and could be hurt", names)
            if_nothing = _fill("{c1} could be physically hurt or grow up believing this is normal", names)
            self.out.add(t["danger_statements"], {
                "id": danger_id, "meeting_id": meeting_id, "position": position, "who_is_worried": who,
                "behaviour": behaviour, "impact": impact, "if_nothing_changes": if_nothing,
                "statement": f"{who} {behaviour} {impact}. If nothing changes, {if_nothing}.", "version": 1})
            what = _fill("{p2} and {p1} will show that {c1} is always cared for by a sober, calm adult, "
                         "and their safety network will know the plan and check it", names)
            who_sees = _fill("Children's services, {school} and {gm}", names)
            how_long = "for six months before we close the case"
            self.out.add(t["safety_goals"], {
                "id": self.new_id(t["safety_goals"]), "meeting_id": meeting_id, "danger_statement_id": danger_id,
                "position": position, "what_will_happen": what, "who_will_see": who_sees, "how_long": how_long,
                "statement": f"{what}. {who_sees} will see this {how_long}.", "version": 1})

    def _scores(self, meeting_id: int, present: list[_Staff], base: int, names: dict, when: datetime) -> None:
        rng = self.rng
        count = self.score_quota.take(cap=len(present))
        for person in rng.sample(present, count):
            score = None if rng.random() < 0.03 else max(0, min(10, base + rng.randint(-2, 2)))
            self.out.add(self.t["scaling_scores"], {
                "id": self.new_id(self.t["scaling_scores"]), "meeting_id": meeting_id, "user_id": person.id,
                "score": score, "reason": _fill(rng.choice(REASONS), names), "created_at": when})

    def _review(self, meeting_id: int, pending: list[dict], facilitator: _Staff, when: datetime) -> list[dict]:
        """Review the last session's open actions (done, dropped, or carried into this one), then write them."""
        rng, t, carried, reviews = self.rng, self.t, [], []
        for action in pending:
            if action["status"] is not ActionStatus.OPEN:
                continue
            outcome = rng.choices(list(ReviewOutcome), weights=[65, 20, 15])[0]
            note = {ReviewOutcome.DONE: "", ReviewOutcome.CARRIED_FORWARD: "Not started yet.",
                    ReviewOutcome.DROPPED: "No longer needed: the family moved school."}[outcome]
            reviews.append({"id": self.new_id(t["action_reviews"]), "meeting_id": meeting_id,
                            "action_id": action["id"], "outcome": outcome, "note": note,
                            "reviewed_by_id": facilitator.id, "created_at": when})
            if outcome is ReviewOutcome.DROPPED:
                self._close(action, ActionStatus.DROPPED, note, when.date(), facilitator)
            elif outcome is ReviewOutcome.DONE:
                self._close(action, ActionStatus.DONE, "", when.date(), facilitator)
            else:
                self._close(action, ActionStatus.CARRIED_FORWARD, f"Carried forward to the session of {when:%d %B %Y}.",
                            when.date(), facilitator)
                carried.append(action)
        for action in pending:  # final now: written before the reviews that point at them
            self.out.add(t["actions"], action)
        for review in reviews:
            self.out.add(t["action_reviews"], review)
        return carried

    def _actions(self, meeting_id: int, case_id: int, names: dict, presenter: _Staff, present: list[_Staff],
                 facilitator: _Staff, when: datetime, carried: list[dict]) -> list[dict]:
        rng, t = self.rng, self.t
        quota = self.action_quota.take()
        rows = []
        for old in carried[:quota]:
            rows.append({**old, "id": self.new_id(t["actions"]), "meeting_id": meeting_id,
                         "agreed_by_id": facilitator.id, "carried_from_id": old["id"], "status": ActionStatus.OPEN,
                         "closing_note": None, "closed_at": None, "closed_by_id": None, "created_at": when})
        descriptions = rng.sample(ACTIONS, min(len(ACTIONS), max(0, quota - len(rows))))
        for n in range(quota - len(rows)):
            roll = rng.random()
            owner = presenter if roll < 0.55 else rng.choice(present) if roll < 0.7 else None
            rows.append({
                "id": self.new_id(t["actions"]), "meeting_id": meeting_id, "case_id": case_id,
                "description": _fill(descriptions[n % len(descriptions)], names),
                "owner_id": owner.id if owner else None,
                "owner_name": None if owner else _fill(rng.choice(OUTSIDE_OWNERS), names),
                "due_on": when.date() + timedelta(days=rng.randint(14, 56)) if rng.random() < 0.92 else None,
                "status": ActionStatus.OPEN, "closing_note": None, "closed_at": None, "closed_by_id": None,
                "agreed_by_id": facilitator.id, "carried_from_id": None, "created_at": when})
        return rows

    @staticmethod
    def _close(action: dict, status: ActionStatus, note: str, day: date, by: _Staff) -> None:
        """Close an action not yet written."""
        action.update(status=status, closing_note=note or None, closed_at=datetime.combine(day, time(12, 0)),
                      closed_by_id=by.id)

    # --- genograms ------------------------------------------------------------------------------

    def _genogram(self, family: _Family) -> dict:
        """Three generations in the genogram interchange format, 5–40 people (docs/genogram-format.md)."""
        return _GenogramMaker(self.rng, family, self.rng.randint(*self.scale.genogram_people), self.today).make()


class _Quota:
    """Hands out whole numbers averaging `mean`, so totals come out exact."""

    def __init__(self, mean: float) -> None:
        self.mean = mean
        self.given = 0
        self.calls = 0

    def take(self, cap: int | None = None) -> int:
        """The next share; what a cap withholds is added to later shares."""
        self.calls += 1
        share = max(0, round(self.mean * self.calls) - self.given)
        if cap is not None:
            share = min(share, cap)
        self.given += share
        return share


class _GenogramMaker:
    def __init__(self, rng: random.Random, family: _Family, size: int, today: date) -> None:
        self.rng, self.family, self.today = rng, family, today
        self.size = max(size, 1 + len(family.children))
        self.people: list[dict] = []
        self.unions: list[dict] = []
        self.relationships: list[dict] = []
        self.households = [{"id": "home", "name": "Family home"}]
        self.surname = family.names["surname"]
        self.serial = 0

    def person(self, pid: str, name: str, sex: str, born: int | str, **extra) -> dict:
        row = {"id": pid, "name": name, "sex": sex, "born": str(born), **extra}
        self.people.append(row)
        return row

    def full(self) -> bool:
        return len(self.people) >= self.size

    def pid(self, letter: str) -> str:
        self.serial += 1
        return f"{letter}{self.serial}"

    def make(self) -> dict:
        rng, names = self.rng, self.family.names
        eldest = min(born for _, born, _ in self.family.children)
        mum_born = eldest.year - rng.randint(18, 34)
        self.person("mum", f"{names['p2']} {self.surname}", "female", mum_born, household="home")
        kids = []
        for i, (name, born, sex) in enumerate(self.family.children):
            self.person(f"c{i}", name, sex, born.isoformat(), subject=True, household="home")
            kids.append({"id": f"c{i}"})
        parents = {"id": "u-parents", "partners": ["mum"], "type": "unknown", "children": kids}
        self.unions.append(parents)
        dad_born = mum_born - rng.randint(-2, 6)
        if names["dad"] and not self.full():
            separated = rng.random() < 0.35
            self.person("dad", f"{names['dad']} {self.surname}", "male", dad_born,
                        household="dad-home" if separated else "home")
            if separated:
                self.households.append({"id": "dad-home", "name": "Dad's flat"})
            parents.update(partners=["dad", "mum"], type=rng.choice(["married", "cohabiting", "partners"]),
                           status="separated" if separated else "together")
            self.relationships.append({"from": "dad", "to": "mum", "kind": rng.choice(["conflict", "hostile",
                                                                                         "abuse", "distant"])})
        maternal = self.grandparents("m", "mum", mum_born)
        paternal = self.grandparents("p", "dad", dad_born) if any(p["id"] == "dad" for p in self.people) else None
        if any(p["id"] == "mgm" for p in self.people):
            self.relationships.append({"from": "mgm", "to": "c0", "kind": rng.choice(["close", "very-close"])})
        extras = [lambda: self.sibling(maternal, mum_born), lambda: self.ex_partner(mum_born),
                  lambda: self.pregnancy(mum_born)]
        if paternal:
            extras.append(lambda: self.sibling(paternal, dad_born))
        while not self.full() and (maternal or paternal):
            rng.choices(extras, weights=[5, 2, 1, 5][:len(extras)])[0]()
        while not self.full():  # no grandparents' union (a very small family): cousins of nobody
            self.person(self.pid("f"), f"{rng.choice(FEMALE)} {self.surname}", "female", mum_born - 2,
                        note="Family friend in the safety network.")
        return {"title": f"{self.surname} family", "people": self.people, "unions": self.unions,
                "relationships": self.relationships, "households": self.households}

    def grandparents(self, side: str, parent: str, parent_born: int) -> dict | None:
        if self.full():
            return None
        rng = self.rng
        gm_born = parent_born - rng.randint(20, 34)
        gm = self.person(f"{side}gm", f"{rng.choice(FEMALE)} {self.surname}", "female", gm_born)
        union = {"id": f"u-{side}", "partners": [gm["id"]], "type": "married", "children": [{"id": parent}]}
        if side == "m":
            gm["household"] = "nan"
            self.households.append({"id": "nan", "name": "Nan's house"})
        if not self.full():
            gf_born = gm_born - rng.randint(-1, 6)
            extra = {}
            if rng.random() < 0.3:
                died = min(self.today.year, gf_born + rng.randint(50, 80))
                extra = {"died": str(died)}
                union["status"] = "widowed"
            self.person(f"{side}gf", f"{rng.choice(MALE)} {self.surname}", "male", gf_born, **extra)
            union["partners"] = [f"{side}gf", gm["id"]]
        self.unions.append(union)
        return union

    def sibling(self, union: dict | None, parent_born: int) -> None:
        """An aunt or uncle, and sometimes their partner and the cousins."""
        if union is None:
            return
        rng = self.rng
        sex = rng.choice(["female", "male"])
        born = parent_born + rng.randint(-6, 6)
        sib = self.person(self.pid("a"), f"{rng.choice(FEMALE if sex == 'female' else MALE)} {self.surname}", sex,
                          born)
        union["children"].append({"id": sib["id"]})
        if self.full() or rng.random() < 0.4:
            return
        partner = self.person(self.pid("s"), self.rng_name("male" if sex == "female" else "female"),
                              "male" if sex == "female" else "female", born + rng.randint(-3, 3))
        cousins = []
        for _ in range(rng.randint(0, 3) if born + 20 < self.today.year else 0):
            if self.full():
                break
            cousin = self.person(self.pid("k"), self.rng_name(rng.choice(["female", "male"])),
                                 rng.choice(["female", "male"]), min(self.today.year, born + rng.randint(20, 34)))
            cousins.append({"id": cousin["id"]})
        self.unions.append({"id": self.pid("u"), "partners": [sib["id"], partner["id"]],
                            "type": rng.choice(["married", "cohabiting"]), "children": cousins})

    def ex_partner(self, mum_born: int) -> None:
        """Mum's earlier partner, and a half-sibling of the children."""
        rng = self.rng
        ex = self.person(self.pid("x"), self.rng_name("male"), "male", mum_born - rng.randint(0, 5))
        union = {"id": self.pid("u"), "partners": [ex["id"], "mum"], "type": "partners", "status": "separated",
                 "children": []}
        if not self.full():
            half = self.person(self.pid("h"), f"{rng.choice(CHILD_FEMALE + CHILD_MALE)} {self.surname}",
                               rng.choice(["female", "male"]), mum_born + rng.randint(17, 20), household="home")
            union["children"].append({"id": half["id"]})
        self.unions.append(union)
        if rng.random() < 0.3:
            self.relationships.append({"from": ex["id"], "to": "mum", "kind": "abuse"})

    def pregnancy(self, mum_born: int) -> None:
        if any(p.get("kind") == "pregnancy" for p in self.people):
            return self.ex_partner(mum_born)
        baby = self.person(self.pid("b"), "", "unknown", (self.today + timedelta(days=120)).strftime("%Y-%m"),
                           kind="pregnancy", household="home")
        self.unions[0]["children"].append({"id": baby["id"]})
        return None

    def rng_name(self, sex: str) -> str:
        return f"{self.rng.choice(FEMALE if sex == 'female' else MALE)} {self.rng.choice(SURNAMES)}"


def _fill(template: str, names: dict) -> str:
    return template.format_map(names)

