"""Made-up families of any size, the same every time for a given seed (for the benchmark and tests).

They have what makes real genograms hard to draw: several generations, remarriages with
half-siblings, single parents, twins, adoption and fostering, partners from two drawn families,
deaths, households and emotional relationships. Everyone in them is fictional.
"""

from __future__ import annotations

import random
from typing import Any

_FIRST = {
    "female": ["Amy", "Bella", "Chloe", "Daisy", "Ella", "Freya", "Grace", "Holly", "Isla", "Jade", "Kayla", "Lily",
               "Mia", "Nina", "Olivia", "Poppy", "Ruby", "Sophie", "Tia", "Zara"],
    "male": ["Adam", "Ben", "Callum", "Dean", "Ethan", "Finn", "George", "Harry", "Jack", "Kai", "Leo", "Mason",
             "Noah", "Oscar", "Reece", "Sam", "Theo", "Tyler", "Will", "Zak"],
}
_SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright",
             "Khan", "Evans", "Thomas", "Roberts", "Walker", "Hughes", "Green", "Hall", "Lewis", "Clarke"]
_KINDS = ["close", "very-close", "distant", "conflict", "hostile", "abuse", "cut-off"]


def synthetic_family(people: int, seed: int = 1) -> dict[str, Any]:
    """A valid family dict of about ``people`` people (never more)."""
    rng = random.Random(seed)
    generations = 3 if people <= 20 else 4 if people <= 100 else 5 if people <= 600 else 6
    first_year = 2012 - 27 * generations
    family: dict[str, Any] = {"title": f"Synthetic family of {people}", "people": [], "unions": [],
                              "relationships": [], "households": []}
    born: dict[str, int] = {}
    surname: dict[str, str] = {}
    single: dict[int, list[str]] = {}  # generation -> people still without a partner

    def add_person(year: int, family_name: str, generation: int, **extra: Any) -> str | None:
        if len(family["people"]) >= people:
            return None
        pid = f"p{len(family['people'])}"
        sex = rng.choice(["female", "male"]) if rng.random() > 0.02 else "nonbinary"
        name = f"{rng.choice(_FIRST['female' if sex == 'nonbinary' else sex])} {family_name}"
        person: dict[str, Any] = {"id": pid, "name": name, "sex": sex, "born": str(year)}
        if year < 1925 or (year < 1955 and rng.random() < 0.5):
            person["died"] = str(min(year + rng.randint(55, 95), 2025))
        person.update(extra)
        family["people"].append(person)
        born[pid], surname[pid] = year, family_name
        single.setdefault(generation, []).append(pid)
        return pid

    def add_union(partners: list[str], year: int, generation: int, **extra: Any) -> dict[str, Any] | None:
        children: list[dict[str, Any]] = []
        union = {"id": f"u{len(family['unions'])}", "partners": partners, "type": rng.choice(
            ["married", "married", "cohabiting", "partners"]), "from": str(year), "children": children, **extra}
        family["unions"].append(union)
        count = rng.choice([1, 2, 2, 3, 3, 4])
        year_of_child = year + rng.randint(1, 3)
        twin_done = False
        for index in range(count):
            if year_of_child > 2025:
                break
            child = add_person(year_of_child, surname[partners[0]], generation + 1)
            if child is None:
                break
            link: dict[str, Any] = {"id": child}
            if rng.random() < 0.05:
                link["relation"] = rng.choice(["adopted", "foster", "kinship"])
            children.append(link)
            if not twin_done and index == 0 and rng.random() < 0.08:
                twin = add_person(year_of_child, surname[partners[0]], generation + 1)
                if twin is not None:
                    link["twin"] = "t"
                    children.append({"id": twin, "twin": "t", **({"identical": True} if rng.random() < 0.5 else {})})
                    if "identical" in children[-1]:
                        link["identical"] = True
                twin_done = True
            year_of_child += rng.randint(1, 4)
        return union

    queue: list[tuple[str, int]] = []
    founders = max(1, people // 150)
    for _ in range(founders):
        name = rng.choice(_SURNAMES)
        a = add_person(first_year + rng.randint(0, 4), name, 0)
        b = add_person(first_year + rng.randint(0, 4), rng.choice(_SURNAMES), 0)
        if a is None or b is None:
            break
        queue.append((a, 0))
        single[0] = [p for p in single[0] if p not in (a, b)]
        add_union([a, b], first_year + 22, 0, status="widowed" if rng.random() < 0.3 else "together")
        queue.extend((link["id"], 1) for link in family["unions"][-1]["children"])

    while len(family["people"]) < people:
        if not queue:  # this lineage died out early: start another, so the family reaches its size
            name = rng.choice(_SURNAMES)
            a = add_person(first_year + rng.randint(0, 4), name, 0)
            b = add_person(first_year + rng.randint(0, 4), rng.choice(_SURNAMES), 0)
            if a is None or b is None:
                break
            single[0] = [p for p in single[0] if p not in (a, b)]
            founding = add_union([a, b], first_year + 22, 0)
            queue.extend((link["id"], 1) for link in founding["children"])
            continue
        pid, generation = queue.pop(0)
        if generation >= generations - 1 or rng.random() < 0.25:
            continue
        options = [p for p in single.get(generation, [])
                   if p != pid and surname[p] != surname[pid] and abs(born[p] - born[pid]) <= 5]
        if options and rng.random() < 0.15:  # partner from another drawn family: two lineages join
            partner = rng.choice(options)
        else:
            partner = add_person(born[pid] + rng.randint(-3, 3), rng.choice(_SURNAMES), generation)
        if partner is None:
            break
        year = max(born[pid], born[partner]) + rng.randint(20, 30)
        if year > 2024:
            continue
        for person in (pid, partner):
            if person in single.get(generation, []):
                single[generation].remove(person)
        if rng.random() < 0.1:
            lone = add_union([pid], year - 2, generation)
            if lone is not None:
                queue.extend((link["id"], generation + 1) for link in lone["children"])
        if rng.random() < 0.3:  # separated, then a new partnership: half-siblings
            first = add_union([pid, partner], year, generation, status=rng.choice(["separated", "divorced"]),
                              to=str(year + 6))
            second_partner = add_person(born[pid] + rng.randint(0, 4), rng.choice(_SURNAMES), generation)
            unions = [first]
            if second_partner is not None and year + 8 <= 2025:
                single[generation].remove(second_partner)
                unions.append(add_union([pid, second_partner], year + 8, generation))
        else:
            unions = [add_union([pid, partner], year, generation)]
        for union in unions:
            if union is not None:
                queue.extend((link["id"], generation + 1) for link in union["children"])

    ids = [p["id"] for p in family["people"]]
    youngest = [p for p in family["people"] if int(p["born"]) >= 2008]
    for index, person in enumerate(youngest[:3]):
        person["subject"] = True
        if index == 0:
            family["households"].append({"id": "home", "name": "Family home"})
        person["household"] = "home"
    for _ in range(max(1, len(ids) // 8)):
        a, b = rng.sample(ids, 2) if len(ids) > 1 else (ids[0], ids[0])
        if a != b:
            family["relationships"].append({"from": a, "to": b, "kind": rng.choice(_KINDS)})
    return family
