"""The fictional demo service. Every name, family and event here is invented.

Deterministic: the same seed gives the same data, with dates relative to today
so there is always something overdue and something coming up.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from genogram import Family
from supervision.caseloads.demo import seed_after_meeting
from supervision.extensions import db
from supervision.identity import hash_password
from supervision.models import (
    Action,
    ActionStatus,
    Case,
    Child,
    DangerStatement,
    LegalStatus,
    MapItem,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Role,
    SafetyGoal,
    ScalingScore,
    Section,
    Team,
    User,
)
from supervision.models.types import utcnow
from supervision.services import panels, record

DEMO_PASSWORD = "demo"
SOUTH_WEST = "Family Support and Child Protection (South West)"
IN_CARE = "Children in Care"

STAFF = [
    ("manager@demo.test", "Priya Shah", Role.TEAM_MANAGER, SOUTH_WEST),
    ("atm@demo.test", "Tom Okafor", Role.ASSISTANT_TEAM_MANAGER, SOUTH_WEST),
    ("worker@demo.test", "Grace Whitfield", Role.PRACTITIONER, SOUTH_WEST),
    ("sam@demo.test", "Sam Lewandowski", Role.PRACTITIONER, SOUTH_WEST),
    ("ola@demo.test", "Ola Bennett", Role.SENIOR_PRACTITIONER, SOUTH_WEST),
    ("senior@demo.test", "Helen Marsh", Role.HEAD_OF_SERVICE, SOUTH_WEST),
    ("admin@demo.test", "Alex Reid", Role.ADMIN, SOUTH_WEST),
    ("other@demo.test", "Chris Doyle", Role.PRACTITIONER, IN_CARE),
]

# (surname, parent one, parent two, children, legal status)
FAMILIES = [
    ("Harlow", "Dean", "Amy", ["Kayla", "Jayden"], LegalStatus.CHILD_PROTECTION),
    ("Brennan", "Mark", "Leanne", ["Tia"], LegalStatus.CHILD_IN_NEED),
    ("Okonjo", "Emeka", "Joy", ["Chidi", "Ada", "Obi"], LegalStatus.PRE_PROCEEDINGS),
    ("Fairweather", None, "Sophie", ["Mia", "Lily"], LegalStatus.CHILD_PROTECTION),
    ("Kowalczyk", "Piotr", "Ania", ["Zofia"], LegalStatus.CHILD_IN_NEED),
    ("Marsden", "Lee", "Kerry", ["Tyler", "Ellie-May"], LegalStatus.CARE_PROCEEDINGS),
    ("Ahmed", "Yusuf", "Samira", ["Bilal", "Hana"], LegalStatus.CHILD_PROTECTION),
    ("Thornton", "Gary", None, ["Ruby"], LegalStatus.LOOKED_AFTER),
    ("Pellow", "Ryan", "Danielle", ["Noah", "Evie", "Freddie"], LegalStatus.CHILD_PROTECTION),
    ("Quinlan", "Shaun", "Tracey", ["Callum"], LegalStatus.CHILD_IN_NEED),
    ("Nkemelu", None, "Grace", ["Precious"], LegalStatus.PRE_PROCEEDINGS),
    ("Ridley", "Craig", "Jade", ["Alfie", "Poppy"], LegalStatus.CHILD_PROTECTION),
    ("Vasquez", "Luis", "Carmen", ["Sofia"], LegalStatus.CHILD_IN_NEED),
    ("Whitmore", "Jason", "Nicola", ["Harvey", "Isla"], LegalStatus.LOOKED_AFTER),
]

MAP = {
    Section.PAST_HARM: [
        "March this year: police called twice after {p1} shouted at and pushed {p2}; {c1} was in the room.",
        "{c1} arrived at school hungry on several days in the autumn term; the school recorded it.",
    ],
    Section.STRENGTHS: [
        "{p2} takes the children to school every day and their attendance is now 96%.",
        "Grandma visits every Sunday and the children say she is 'the one who listens'.",
    ],
    Section.EXISTING_SAFETY: [
        "When {p1} came home drunk in June, {p2} took the children to Grandma's and rang the worker the next morning.",
    ],
    Section.WORRIES: [
        "Children's services are worried that {c1} will be hurt if the arguments turn physical again.",
        "{c1} may stop telling school what happens at home because {p1} told {c1} not to.",
    ],
    Section.COMPLICATING_FACTORS: [
        "Rent arrears of about £1,200 and a notice from the housing association.",
        "{p2} had a difficult childhood in care and is wary of social workers.",
    ],
    Section.HYPOTHESES: [
        "{p1}'s drinking rises when he is out of work; the arguments follow the drinking.",
        "{p2} minimises the arguments because she fears the children will be removed.",
    ],
    Section.QUESTIONS: [
        "When was a time {p1} was angry and {c1} stayed safe? What did you do?",
        "Who in your family would notice first if things started to go wrong again?",
    ],
    Section.NEXT_STEPS: [
        "Ask Grandma to join a safety network meeting.",
        "Use **Three Houses** with {c1} before the next review.",
    ],
}


def seed(seed: int = 2026) -> dict[str, int]:
    """Add the demo teams, staff, families and sessions. The caller commits."""
    rng = random.Random(seed)
    today = date.today()
    teams = {name: Team(name=name, caseload_limit=17) for name in (SOUTH_WEST, IN_CARE)}
    db.session.add_all(teams.values())
    password = hash_password(DEMO_PASSWORD)
    staff = {email: User(email=email, name=name, role=role, team=teams[team], password_hash=password)
             for email, name, role, team in STAFF}
    db.session.add_all(staff.values())
    workers = [staff["worker@demo.test"], staff["sam@demo.test"], staff["ola@demo.test"]]
    manager, atm = staff["manager@demo.test"], staff["atm@demo.test"]

    counts = {"teams": len(teams), "staff": len(staff), "families": 0, "sessions": 0, "actions": 0}
    for index, (surname, p1, p2, children, status) in enumerate(FAMILIES):
        team = teams[IN_CARE] if index == len(FAMILIES) - 1 else teams[SOUTH_WEST]
        practitioner = staff["other@demo.test"] if team is teams[IN_CARE] else workers[index % len(workers)]
        case = Case(reference=f"DEMO-{1001 + index}", family_label=f"{surname} family", team=team,
                    practitioner=practitioner, legal_status=status)
        births = sorted(today - timedelta(days=365 * rng.randint(1, 15) + rng.randint(0, 300)) for _ in children)
        case.children = [Child(name=f"{name} {surname}", date_of_birth=born)
                         for name, born in zip(children, births, strict=True)]
        case.genogram_json = Family.from_dict(_genogram(surname, p1, p2, children, births, rng)).to_json()
        db.session.add(case)
        counts["families"] += 1
        names = {"p1": p1 or "Dad", "p2": p2 or "Mum", "c1": children[0]}
        for n in range(rng.randint(1, 3)):
            when = datetime.combine(today - timedelta(days=42 * (n + 1) + rng.randint(0, 10)), time(10, 0))
            _past_meeting(case, when, manager if n % 2 == 0 else atm, practitioner, workers, names, rng, today)
            counts["sessions"] += 1
        if team is teams[SOUTH_WEST] and index < 4:
            upcoming = Meeting(case=case, kind=MeetingKind.GROUP_SUPERVISION if index % 2 == 0 else MeetingKind.CMR,
                               scheduled_at=datetime.combine(today + timedelta(days=index + 1), time(10, 0)),
                               facilitator=manager, presenter=practitioner,
                               participants=[manager, atm, *workers])
            db.session.add(upcoming)
            counts["sessions"] += 1
    db.session.flush()
    counts.update(seed_after_meeting(list(teams.values()), staff, today, rng))
    counts["panel slots"] = _panel_day(teams[SOUTH_WEST], staff, today)
    counts["actions"] = db.session.query(Action).count()
    record.snapshot_agreed()  # the sessions above were written as agreed, not agreed through the app
    return counts


def _panel_day(team, staff, today) -> int:
    """A CMR panel next week: three families where things are not getting better; the first slot prepared."""
    starts = datetime.combine(today + timedelta(days=7), time(9, 30))
    panel = panels.create_panel(
        team.id, title="Case management review panel", starts_at=starts,
        chair=staff["senior@demo.test"], members=[staff["manager@demo.test"], staff["ola@demo.test"]],
        other_members="Dana Hughes, service manager; Lou Patel, team manager (family support)")
    for label in ("Okonjo family", "Marsden family", "Ridley family"):
        case = db.session.scalar(db.select(Case).filter_by(family_label=label, team_id=team.id))
        panels.add_slot(panel, case, presenter=case.practitioner, assistant_manager=staff["atm@demo.test"], minutes=40)
    panels.carry_forward(panel.slots[0].meeting)
    return len(panel.slots)


def _past_meeting(case, when, facilitator, presenter, workers, names, rng, today) -> Meeting:
    meeting = Meeting(case=case, kind=MeetingKind.GROUP_SUPERVISION, scheduled_at=when, facilitator=facilitator,
                      presenter=presenter, participants=sorted({facilitator, *workers}, key=lambda u: u.name),
                      status=MeetingStatus.AGREED, agreed_at=when + timedelta(minutes=90), agreed_by=facilitator,
                      genogram_snapshot=case.genogram_json, family_score=rng.randint(2, 7),
                      family_score_note=f"{names['p2']} said things are better since the new flat.")
    db.session.add(meeting)
    for section, texts in MAP.items():
        for position, text in enumerate(texts, 1):
            meeting.items.append(MapItem(section=section, position=position, text=text.format(**names),
                                         author=presenter))
    danger = DangerStatement(
        position=1, who_is_worried="Children's services and the school are worried that",
        behaviour=f"when {names['p1']} drinks he shouts at and pushes {names['p2']}",
        impact=f"and {names['c1']} sees this, is frightened, and could be hurt",
        if_nothing_changes=f"{names['c1']} could be physically hurt or grow up believing this is normal",
        statement="")
    danger.statement = (f"{danger.who_is_worried} {danger.behaviour} {danger.impact}. "
                        f"If nothing changes, {danger.if_nothing_changes}.")
    meeting.danger_statements.append(danger)
    goal = SafetyGoal(
        position=1, danger_statement=danger,
        what_will_happen=f"{names['p2']} and {names['p1']} will show that {names['c1']} is always cared for by a "
                         "sober adult, and their safety network will know the plan and check it",
        who_will_see="Children's services, the school and Grandma", how_long="for six months before we close the case",
        statement="")
    goal.statement = f"{goal.what_will_happen}. {goal.who_will_see} will see this {goal.how_long}."
    meeting.safety_goals.append(goal)
    base = rng.randint(3, 6)
    for person in meeting.participants:
        score = max(0, min(10, base + rng.randint(-2, 2)))
        meeting.scores.append(ScalingScore(user=person, score=score,
                                           reason=rng.choice(["School attendance is up and Grandma is involved.",
                                                              "The drinking has not changed yet.",
                                                              f"{names['p2']} acted protectively in June."])))
    for n, (what, days) in enumerate([("Invite Grandma to a safety network meeting", -5),
                                      ("Complete Three Houses with " + names["c1"], 10),
                                      ("Refer to the alcohol service", 25)]):
        due = when.date() + timedelta(days=days + 30)
        status = ActionStatus.OPEN if due > today - timedelta(days=20) else ActionStatus.DONE
        owner = presenter if n != 2 else None
        meeting.actions.append(Action(case=case, description=what, owner=owner,
                                      owner_name=None if owner else names["p1"], due_on=due, status=status,
                                      agreed_by_id=facilitator.id,
                                      closed_at=utcnow() if status is ActionStatus.DONE else None,
                                      closing_note="Done." if status is ActionStatus.DONE else None))
    return meeting


# The demo children's sex, for their genograms (a name not listed is drawn at random).
CHILD_SEX = {"Kayla": "female", "Jayden": "male", "Tia": "female", "Chidi": "male", "Ada": "female", "Obi": "male",
             "Mia": "female", "Lily": "female", "Zofia": "female", "Tyler": "male", "Ellie-May": "female",
             "Bilal": "male", "Hana": "female", "Ruby": "female", "Noah": "male", "Evie": "female",
             "Freddie": "male", "Callum": "male", "Precious": "female", "Alfie": "male", "Poppy": "female",
             "Sofia": "female", "Harvey": "male", "Isla": "female"}


def _genogram(surname, p1, p2, children, births, rng) -> dict:
    """A three-generation family in the genogram interchange format (docs/genogram-format.md)."""
    drawn = [rng.choice(["female", "male"]) for _ in children]  # one draw a child keeps the demo's sequence
    sexes = [CHILD_SEX.get(name, sex) for name, sex in zip(children, drawn, strict=True)]
    if surname in RICH_GENOGRAMS:
        return RICH_GENOGRAMS[surname](surname, children, births, sexes)
    people = [{"id": "gm", "name": f"Margaret {surname}", "sex": "female", "born": str(births[0].year - 52)},
              {"id": "gf", "name": f"Ron {surname}", "sex": "male", "born": str(births[0].year - 55),
               "deceased": True, "died": str(births[0].year + 1)}]
    partners = []
    if p1:
        people.append({"id": "p1", "name": f"{p1} {surname}", "sex": "male", "born": str(births[0].year - 28),
                       "household": "home"})
        partners.append("p1")
    if p2:
        people.append({"id": "p2", "name": f"{p2} {surname}", "sex": "female", "born": str(births[0].year - 25),
                       "household": "home"})
        partners.append("p2")
    kids = []
    for i, (name, born, sex) in enumerate(zip(children, births, sexes, strict=True)):
        people.append({"id": f"c{i}", "name": f"{name} {surname}", "sex": sex,
                       "born": born.isoformat(), "subject": True, "household": "home"})
        kids.append({"id": f"c{i}", "relation": "biological"})
    unions = [{"id": "u0", "partners": ["gf", "gm"], "type": "married", "status": "widowed",
               "children": [{"id": partners[0]}]}]
    unions.append({"id": "u1", "partners": partners, "type": "cohabiting", "status": "together", "children": kids})
    relationships = [{"from": "gm", "to": "c0", "kind": "close"}]
    if p1 and p2:
        relationships.append({"from": "p1", "to": "p2", "kind": "conflict"})
    return {"title": f"{surname} family", "people": people, "unions": unions, "relationships": relationships,
            "households": [{"id": "home", "name": "Family home"}]}


def _subject_children(surname, children, births, sexes, household) -> list[dict]:
    return [{"id": name.lower(), "name": f"{name} {surname}", "sex": sex, "born": born.isoformat(), "subject": True,
             "household": household} for name, born, sex in zip(children, births, sexes, strict=True)]


def _harlow(surname, children, births, sexes) -> dict:
    """Parents divorced and both re-partnered: half- and step-siblings, a grandfather who died, a conflict."""
    year, last = births[0].year, births[-1]
    today = date.today()
    people = [
        {"id": "ron", "name": f"Ron {surname}", "sex": "male", "born": str(year - 58), "died": str(year + 1)},
        {"id": "margaret", "name": f"Margaret {surname}", "sex": "female", "born": str(year - 55), "household": "nan"},
        {"id": "gary", "name": "Gary Jones", "sex": "male", "born": str(year - 54)},
        {"id": "linda", "name": "Linda Jones", "sex": "female", "born": str(year - 51)},
        {"id": "dean", "name": f"Dean {surname}", "sex": "male", "born": str(year - 29), "household": "dad"},
        {"id": "claire", "name": f"Claire {surname}", "sex": "female", "born": str(year - 27)},
        {"id": "amy", "name": "Amy Jones", "sex": "female", "born": str(year - 26), "household": "mum"},
        {"id": "lee", "name": "Lee Carter", "sex": "male", "born": str(year - 28), "household": "mum"},
        {"id": "shannon", "name": "Shannon Price", "sex": "female", "born": str(year - 22), "household": "dad"},
        {"id": "riley", "name": "Riley Price", "sex": "nonbinary", "gender": "non-binary", "born": str(year - 3),
         "household": "dad"},
        *_subject_children(surname, children, births, sexes, "mum"),
    ]
    if (today - last).days > 900:  # room for a half-sister born since the parents parted
        people.append({"id": "mia", "name": "Mia Carter", "sex": "female",
                       "born": (last + timedelta(days=700)).isoformat(), "household": "mum"})
    else:
        people.append({"id": "mia", "name": "", "sex": "unknown", "kind": "pregnancy",
                       "born": (today + timedelta(days=120)).strftime("%Y-%m"), "household": "mum"})
    kids = [{"id": name.lower()} for name in children]
    unions = [
        {"id": "u-ron-margaret", "partners": ["ron", "margaret"], "type": "married", "status": "widowed",
         "from": str(year - 33), "to": str(year + 1), "children": [{"id": "dean"}, {"id": "claire"}]},
        {"id": "u-gary-linda", "partners": ["gary", "linda"], "type": "married", "status": "divorced",
         "from": str(year - 30), "to": str(year - 15), "children": [{"id": "amy"}]},
        {"id": "u-dean-amy", "partners": ["dean", "amy"], "type": "married", "status": "divorced",
         "from": str(year - 2), "to": str(last.year), "children": kids},
        {"id": "u-amy-lee", "partners": ["amy", "lee"], "type": "cohabiting", "from": str(last.year),
         "children": [{"id": "mia"}]},
        {"id": "u-dean-shannon", "partners": ["dean", "shannon"], "type": "partners", "from": str(today.year - 1),
         "children": [{"id": "riley", "relation": "step"}]},
        {"id": "u-shannon", "partners": ["shannon"], "children": [{"id": "riley"}]},
    ]
    relationships = [
        {"from": "dean", "to": "amy", "kind": "conflict"},
        {"from": kids[0]["id"], "to": "margaret", "kind": "very-close"},
        {"from": "amy", "to": "linda", "kind": "cut-off"},
        {"from": kids[0]["id"], "to": "lee", "kind": "distant"},
    ]
    if len(kids) > 1:
        relationships.append({"from": kids[0]["id"], "to": kids[1]["id"], "kind": "close"})
    households = [{"id": "mum", "name": "Mum's home"}, {"id": "dad", "name": "Dad's flat"},
                  {"id": "nan", "name": "Nan's house"}]
    return {"title": f"{surname} family", "people": people, "unions": unions, "relationships": relationships,
            "households": households}


def _thornton(surname, children, births, sexes) -> dict:
    """A child looked after in foster care, her half-brother in kinship care with their grandmother."""
    year, now = births[0].year, date.today().year
    people = [
        {"id": "derek", "name": "Derek Shaw", "sex": "male", "born": str(year - 60), "died": str(year - 4)},
        {"id": "pauline", "name": "Pauline Shaw", "sex": "female", "born": str(year - 58), "household": "nan"},
        {"id": "kelly", "name": "Kelly Shaw", "sex": "female", "born": str(year - 24), "died": str(min(year + 3, now)),
         "note": "Died of an overdose; the reason the children are looked after."},
        {"id": "connor-dad", "name": "Father not named", "sex": "male"},
        {"id": "connor", "name": "Connor Shaw", "sex": "male", "born": str(year - 5), "household": "nan"},
        {"id": "gary", "name": f"Gary {surname}", "sex": "male", "born": str(year - 27)},
        {"id": "sue", "name": "Sue Bradley", "sex": "female", "born": str(year - 45), "household": "foster"},
        {"id": "mike", "name": "Mike Bradley", "sex": "male", "born": str(year - 47), "household": "foster"},
        *_subject_children(surname, children, births, sexes, "foster"),
    ]
    kids = [{"id": name.lower()} for name in children]
    unions = [
        {"id": "u-shaw", "partners": ["derek", "pauline"], "type": "married", "status": "widowed",
         "from": str(year - 36), "to": str(year - 4),
         "children": [{"id": "kelly"}, {"id": "connor", "relation": "kinship"}]},
        {"id": "u-kelly-connor", "partners": ["kelly", "connor-dad"], "type": "partners", "status": "separated",
         "children": [{"id": "connor"}]},
        {"id": "u-gary-kelly", "partners": ["gary", "kelly"], "type": "cohabiting", "status": "separated",
         "from": str(year - 1), "to": str(min(year + 2, now)), "children": kids},
        {"id": "u-bradley", "partners": ["mike", "sue"], "type": "married", "from": str(year - 20),
         "children": [{"id": k["id"], "relation": "foster"} for k in kids]},
    ]
    relationships = [
        {"from": kids[0]["id"], "to": "connor", "kind": "close"},
        {"from": kids[0]["id"], "to": "sue", "kind": "close"},
    ]
    households = [{"id": "foster", "name": "Foster home"}, {"id": "nan", "name": "Nan's house"}]
    return {"title": f"{surname} family", "people": people, "unions": unions, "relationships": relationships,
            "households": households}


RICH_GENOGRAMS = {"Harlow": _harlow, "Thornton": _thornton}
