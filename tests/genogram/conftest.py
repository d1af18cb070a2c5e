"""Shared helpers for the genogram tests: example families, a fixed 'today', and dot's own layout."""

from __future__ import annotations

import copy
import json
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from genogram import Family, layout_source
from genogram.layout import NodeNames

AS_OF = date(2026, 11, 22)
EXAMPLES = Path(__file__).resolve().parents[2] / "genogram" / "examples"


def example_dict(name: str) -> dict[str, Any]:
    """A fresh copy of one of the example families, as decoded JSON."""
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def example(name: str) -> Family:
    return Family.from_dict(example_dict(name))


def small_family(**changes: Any) -> dict[str, Any]:
    """A valid two-generation family to break in one place per test."""
    data: dict[str, Any] = {
        "title": "Test family",
        "people": [
            {"id": "mum", "name": "Amy Jones", "sex": "female", "born": "1988"},
            {"id": "dad", "name": "Dean Smith", "sex": "male", "born": "1984"},
            {"id": "kid", "name": "Kayla Smith", "sex": "female", "born": "2016-04-09", "subject": True},
        ],
        "unions": [{"id": "u1", "partners": ["dad", "mum"], "type": "married", "children": [{"id": "kid"}]}],
        "relationships": [],
        "households": [],
    }
    data.update(copy.deepcopy(changes))
    return data


@dataclass(frozen=True)
class Placed:
    """Where dot itself put a node (points, y up), read from ``dot -Tjson``."""

    x: float
    y: float


def dot_layout(family: Family) -> tuple[dict[str, Placed], dict[str, Placed]]:
    """Run dot -Tjson on our structure graph; return positions of people and union points, by our ids."""
    done = subprocess.run(["dot", "-Tjson"], input=layout_source(family, as_of=AS_OF).encode(), capture_output=True,
                          check=True, timeout=60)
    objects = {obj["name"]: obj for obj in json.loads(done.stdout)["objects"] if "pos" in obj}
    names = NodeNames.of(family)

    def where(node: str) -> Placed:
        x, y = objects[node]["pos"].split(",")
        return Placed(float(x), float(y))

    people = {pid: where(node) for pid, node in names.person.items()}
    unions = {uid: where(node) for uid, node in names.union.items()}
    return people, unions
