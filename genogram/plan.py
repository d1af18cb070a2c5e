"""Decide generations and the left-to-right order of everyone, before Graphviz places them.

Graphviz is good at spacing but poor at genogram conventions, so (as measured in the notation doc) we
choose the order ourselves and pin it: one row per generation; partners side by side with their union
point between them; a person's several partnerships in time order, earliest farthest out; children of
a union in birth order; and rows arranged so each sibship sits under its parents with few crossings.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from genogram.model import ChildLink, ChildRelation, Family, Union

Item = tuple[str, str]  # ("p", person id) or ("u", union id)
_SWEEPS = ("down", "up", "down")  # more passes changed little on test families and cost time on big ones


@dataclass(frozen=True)
class Plan:
    """Rows of people and union points, top generation first, each in left-to-right order."""

    rows: list[list[Item]]
    generation: dict[str, int]  # person id -> row
    drawn_children: dict[str, list[ChildLink]]  # union id -> the children drawn hanging from it, in birth order


class _Groups:
    """Union-find over person ids: partners share a generation."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {pid: pid for pid in ids}

    def find(self, pid: str) -> str:
        root = pid
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[pid] != root:
            self.parent[pid], pid = root, self.parent[pid]
        return root

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def plan(family: Family) -> Plan:
    """Generations and order for a valid family (deterministic: same family, same plan)."""
    drawn = {union.id: _birth_order(family, _drawn_links(family, union)) for union in family.unions}
    generation = _generations(family, drawn)
    rows = _order(family, drawn, generation)
    return Plan(rows, generation, drawn)


# --- which children hang from which union, oldest first -----------------------------------------


def _drawn_links(family: Family, union: Union) -> list[ChildLink]:
    """Step-children are joined to their own parent, not to the step-parent (when that parent is known)."""
    links = []
    for link in union.children:
        if link.relation is ChildRelation.STEP:
            others = [other for _, other in family.parent_links[link.id] if other.relation is not ChildRelation.STEP]
            if others:
                continue
        links.append(link)
    return links


def _birth_order(family: Family, links: list[ChildLink]) -> list[ChildLink]:
    """Sort by date of birth when every child has one; otherwise keep the order given. Twins stay together."""
    people = family.person
    if links and all(people[link.id].born is not None for link in links):
        links = sorted(links, key=lambda link: people[link.id].born.earliest)  # type: ignore[union-attr]
    grouped: list[ChildLink] = []
    for link in links:
        if link in grouped:
            continue
        grouped.append(link)
        if link.twin is not None:
            grouped.extend(other for other in links if other.twin == link.twin and other is not link)
    return grouped


def _union_time(family: Family, union: Union, index: int) -> tuple[date, int]:
    """When a partnership began: its start date, else its first child's birth, else list order."""
    if union.start is not None:
        return union.start.earliest, index
    births = [family.person[c.id].born for c in union.children if family.person[c.id].born is not None]
    if births:
        return min(b.earliest for b in births if b is not None), index
    return date.max, index


# --- generations ------------------------------------------------------------------------------------


def _generations(family: Family, drawn: dict[str, list[ChildLink]]) -> dict[str, int]:
    groups = _Groups(p.id for p in family.people)
    for union in family.unions:
        for partner in union.partners[1:]:
            groups.join(union.partners[0], partner)
    roots = list(dict.fromkeys(groups.find(p.id) for p in family.people))
    children: dict[str, list[str]] = {root: [] for root in roots}
    parents: dict[str, list[str]] = {root: [] for root in roots}
    for union in family.unions:
        top = groups.find(union.partners[0])
        for link in drawn[union.id]:
            below = groups.find(link.id)
            if below != top:
                children[top].append(below)
                parents[below].append(top)

    # Longest path from the top, in a topological order (Kahn); loops are broken in list order.
    level = {root: 0 for root in roots}
    waiting = {root: len(set(parents[root])) for root in roots}
    ready = [root for root in roots if waiting[root] == 0]
    done: list[str] = []
    remaining = set(roots)
    while remaining:
        if not ready:  # a loop through partnerships: release the first waiting group
            ready.append(next(root for root in roots if root in remaining))
        root = ready.pop(0)
        if root not in remaining:
            continue
        remaining.discard(root)
        done.append(root)
        for child in dict.fromkeys(children[root]):
            if child in remaining:
                level[child] = max(level[child], level[root] + 1)
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.append(child)

    # Pull childless-parent-free groups (in-laws' parents, say) down to sit just above their children.
    for root in reversed(done):
        if not parents[root] and children[root]:
            level[root] = min(level[child] for child in children[root]) - 1

    # People with no family links at all sit beside the first person they have a relationship with.
    linked = {root for root in roots if parents[root] or children[root]}
    for rel in family.relationships:
        for alone, other in ((rel.source, rel.target), (rel.target, rel.source)):
            group = groups.find(alone)
            if group not in linked and groups.find(other) in linked:
                level[group] = level[groups.find(other)]
                linked.add(group)

    lowest = min(level.values(), default=0)
    return {p.id: level[groups.find(p.id)] - lowest for p in family.people}


# --- blocks: a partner group laid out as one run ----------------------------------------------------


def _block(family: Family, members: list[str], owned: set[str], times: dict[str, tuple[date, int]],
           people_index: dict[str, int]) -> list[Item]:
    """One partner group as a run: a person with several partnerships sits between them, earliest farthest out.

    ``owned`` are the unions drawn in this run (those whose first partner is a member).
    """
    in_group = set(members)
    unions_by_id = {u.id: u for pid in members for u in family.unions_of[pid]}
    anchor = min(members, key=lambda pid: (-len(family.unions_of[pid]), not family.parent_links[pid],
                                           people_index[pid]))
    placed_people = {anchor}
    placed_unions: set[str] = set()

    def other_unions(pid: str) -> list[Union]:
        unions = [u for u in family.unions_of[pid] if u.id in owned and u.id not in placed_unions]
        placed_unions.update(u.id for u in unions)
        return sorted(unions, key=lambda u: times[u.id])

    def partner_of(union: Union, pid: str) -> str | None:
        others = [p for p in union.partners if p != pid and p in in_group and p not in placed_people]
        placed_people.update(others)
        return others[0] if others else None

    def left_block(union: Union, pid: str) -> list[Item]:
        partner = partner_of(union, pid)
        return (expand_left(partner) if partner else []) + [("u", union.id)]

    def right_block(union: Union, pid: str) -> list[Item]:
        partner = partner_of(union, pid)
        return [("u", union.id)] + (expand_right(partner) if partner else [])

    def expand_left(pid: str) -> list[Item]:
        run: list[Item] = []
        for union in other_unions(pid):  # earliest first = farthest out
            run += left_block(union, pid)
        return [*run, ("p", pid)]

    def expand_right(pid: str) -> list[Item]:
        run: list[Item] = [("p", pid)]
        for union in reversed(other_unions(pid)):
            run += right_block(union, pid)
        return run

    unions = other_unions(anchor)
    left_side, right_side = unions[0::2], unions[1::2]
    if len(unions) == 1 and len(unions[0].partners) == 1:
        left_side, right_side = [], unions  # a lone parent's union point sits to their right
    run: list[Item] = []
    for union in left_side:
        run += left_block(union, anchor)
    run.append(("p", anchor))
    for union in reversed(right_side):
        run += right_block(union, anchor)
    # A second partnership of the same two people (they married again) also goes between them.
    for uid in [key for kind, key in run if kind == "u"]:
        partners = [p for p in unions_by_id[uid].partners if p in in_group]
        if len(partners) == 2:
            here, ends = run.index(("u", uid)), sorted(run.index(("p", p)) for p in partners)
            if not ends[0] < here < ends[1]:
                run.remove(("u", uid))
                run.insert(ends[0] + 1, ("u", uid))
    return run


# --- ordering ---------------------------------------------------------------------------------------


def _order(family: Family, drawn: dict[str, list[ChildLink]], generation: dict[str, int]) -> list[list[Item]]:
    times = {u.id: _union_time(family, u, i) for i, u in enumerate(family.unions)}
    groups = _Groups(p.id for p in family.people)
    for union in family.unions:
        for partner in union.partners[1:]:
            if generation[partner] == generation[union.partners[0]]:
                groups.join(union.partners[0], partner)
    members: dict[str, list[str]] = {}
    for person in family.people:
        members.setdefault(groups.find(person.id), []).append(person.id)
    people_index = {p.id: i for i, p in enumerate(family.people)}
    block_of_person = {pid: key for key, ids in members.items() for pid in ids}
    union_block = {u.id: block_of_person[u.partners[0]] for u in family.unions}
    owned: dict[str, set[str]] = {key: set() for key in members}
    for uid, key in union_block.items():
        owned[key].add(uid)
    blocks = {key: _block(family, ids, owned[key], times, people_index) for key, ids in members.items()}
    depth = max(generation.values(), default=-1) + 1
    block_gen = {key: generation[ids[0]] for key, ids in members.items()}

    # First guess: depth-first from the top, each sibship in birth order, as a family tree is drawn by hand.
    order: list[list[str]] = [[] for _ in range(depth)]
    seen: set[str] = set()

    def visit(key: str, entered_by: str | None) -> None:
        stack = [(key, entered_by)]
        while stack:
            current, via = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            run = blocks[current]
            if via is not None and run.index(("p", via)) * 2 > len(run) - 1:
                run.reverse()  # the person we came from goes on the side nearer their parents
            order[block_gen[current]].append(current)
            later = [(block_of_person[link.id], link.id) for kind, uid in run if kind == "u" for link in drawn[uid]]
            stack.extend(reversed(later))

    for key in sorted(blocks, key=lambda k: (block_gen[k], min(people_index[pid] for pid in members[k]))):
        visit(key, None)

    # Then a few barycentre sweeps that keep every sibship in birth order.
    constraints = _sibling_constraints(family, drawn, block_of_person)
    neighbours: dict[Item, list[Item]] = {}  # a person's parent unions; a union's children
    for union in family.unions:
        for link in drawn[union.id]:
            neighbours.setdefault(("p", link.id), []).append(("u", union.id))
            neighbours.setdefault(("u", union.id), []).append(("p", link.id))
    for direction in _SWEEPS:
        rows = range(1, depth) if direction == "down" else range(depth - 2, -1, -1)
        for row in rows:
            order[row] = _sweep(order, row, direction, blocks, neighbours, constraints)
    return [[item for key in order[row] for item in blocks[key]] for row in range(depth)]


def _sibling_constraints(family: Family, drawn: dict[str, list[ChildLink]],
                         block_of_person: dict[str, str]) -> dict[str, set[str]]:
    """Block A must come before block B when A holds an older sibling of someone in B."""
    after: dict[str, set[str]] = {}
    for union in family.unions:
        keys = [block_of_person[link.id] for link in drawn[union.id]]
        for older, younger in zip(keys, keys[1:], strict=False):
            if older != younger:
                after.setdefault(older, set()).add(younger)
    return after


def _positions(order: list[list[str]], row: int, blocks: dict[str, list[Item]]) -> dict[Item, float]:
    """Each item's place along its row, scaled to 0..1 so rows of different lengths compare."""
    items = [item for key in order[row] for item in blocks[key]]
    scale = max(len(items) - 1, 1)
    return {item: index / scale for index, item in enumerate(items)}


def _sweep(order: list[list[str]], row: int, direction: str, blocks: dict[str, list[Item]],
           neighbours: dict[Item, list[Item]], constraints: dict[str, set[str]]) -> list[str]:
    """Reorder one row by the mean place of each block's parents (down) or children (up)."""
    here = _positions(order, row, blocks)
    there = _positions(order, row - 1 if direction == "down" else row + 1, blocks)
    wanted_kind = "p" if direction == "down" else "u"
    targets: dict[Item, float] = {}
    for key in order[row]:
        for item in blocks[key]:
            if item[0] != wanted_kind:
                continue
            places = [there[other] for other in neighbours.get(item, ()) if other in there]
            if places:
                targets[item] = sum(places) / len(places)

    keys: dict[str, float] = {}
    for key in order[row]:
        run = blocks[key]
        wanted = [targets[item] for item in run if item in targets]
        keys[key] = sum(wanted) / len(wanted) if wanted else sum(here[item] for item in run) / len(run)
        # Face the block the way its members' families lie (a couple with both families shown).
        scored = [(index, targets[item]) for index, item in enumerate(run) if item in targets]
        if len(scored) >= 2:
            forward = sum(index * target for index, target in scored)
            backward = sum((len(run) - 1 - index) * target for index, target in scored)
            if backward > forward + 1e-9:
                run.reverse()

    current = {key: index for index, key in enumerate(order[row])}
    in_row = set(order[row])
    waiting = {key: 0 for key in order[row]}
    for key in order[row]:
        for later in constraints.get(key, ()):
            if later in in_row:
                waiting[later] += 1
    heap = [(keys[key], current[key], key) for key in order[row] if waiting[key] == 0]
    heapq.heapify(heap)
    result: list[str] = []
    placed: set[str] = set()
    while len(result) < len(order[row]):
        if not heap:  # contradictory sibling orders (rare): take the best remaining block
            key = min((k for k in order[row] if k not in placed), key=lambda k: (keys[k], current[k]))
            heap.append((keys[key], current[key], key))
        _, _, key = heapq.heappop(heap)
        if key in placed:
            continue
        placed.add(key)
        result.append(key)
        for later in constraints.get(key, ()):
            if later in in_row and later not in placed:
                waiting[later] -= 1
                if waiting[later] == 0:
                    heapq.heappush(heap, (keys[later], current[later], later))
    return result
