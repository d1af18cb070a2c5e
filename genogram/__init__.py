"""Genograms: a family model, its validation, a Graphviz layout in social-work notation, and renders.

A pure library (no Flask). The parts the web app uses::

    family = genogram.load(json_text)          # or Family.from_dict(data); FamilyError lists problems
    problems = genogram.validate(data)         # list[Problem], empty when drawable; never raises
    svg = genogram.render(family, "svg")       # also "png", "pdf", "dot"; cached by content
    svg = genogram.render_json(text, "svg")    # same, from JSON text; a cache hit skips parsing
    words = genogram.text_alternative(family)  # for screen readers and the case record
    key = family.content_key                   # sha256 of the canonical JSON
"""

from genogram.cache import RenderCache, default_cache
from genogram.model import (
    ChildLink,
    ChildRelation,
    Family,
    Household,
    Kind,
    Person,
    Relationship,
    RelationshipKind,
    Sex,
    Union,
    UnionStatus,
    UnionType,
    load,
)
from genogram.problems import FamilyError, Problem, RenderError
from genogram.render import FORMATS, drawing_source, layout, layout_source, render, render_json
from genogram.text import text_alternative
from genogram.validate import validate

__all__ = [
    "FORMATS",
    "ChildLink",
    "ChildRelation",
    "Family",
    "FamilyError",
    "Household",
    "Kind",
    "Person",
    "Problem",
    "Relationship",
    "RelationshipKind",
    "RenderCache",
    "RenderError",
    "Sex",
    "Union",
    "UnionStatus",
    "UnionType",
    "default_cache",
    "drawing_source",
    "layout",
    "layout_source",
    "load",
    "render",
    "render_json",
    "text_alternative",
    "validate",
]
