"""The one place text becomes DOT.

User text (names, titles, household names) only ever reaches DOT through ``label``: backslashes are
escaped (so ``\\N`` or ``\\l`` typed by a user stay literal), ``&`` is written as an entity (Graphviz
decodes entities in labels, so "&lt;" would otherwise be drawn as "<"), and the result is marked
``nohtml`` so a value like ``<b>x</b>`` can never become an HTML-like label. ``attrs`` then quotes labels
with the graphviz package's ``quote`` (which escapes double quotes). Our own values (numbers, colours,
positions) are checked to hold no quote or backslash, so nothing can break out of an attribute.
"""

from __future__ import annotations

import graphviz
from graphviz.quoting import NoHtml, quote


def label(*lines: str, left: bool = False) -> NoHtml:
    """A DOT label drawing each line exactly as written, centred (or left-aligned), one under another."""
    parts = [part for line in lines for part in line.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    safe = [graphviz.escape(part.replace("&", "&amp;").replace("\t", " ")) for part in parts]
    if left:
        return graphviz.nohtml("".join(f"{part}\\l" for part in safe))
    return graphviz.nohtml("\\n".join(safe))


def quoted_label(*lines: str) -> str:
    """``label(*lines)`` quoted for a DOT attribute value."""
    return quote(label(*lines))


def attrs(values: dict[str, str]) -> str:
    """A DOT attribute list body: ``key="value" ...``."""
    parts = []
    for key, value in values.items():
        if isinstance(value, NoHtml):
            parts.append(f"{key}={quote(value)}")
        elif '"' in value or "\\" in value:
            raise ValueError(f"attribute {key} is not a label but holds a quote or backslash")
        else:
            parts.append(f'{key}="{value}"')
    return " ".join(parts)


def node(name: str, values: dict[str, str]) -> str:
    """A node statement line for a graphviz ``body`` (names are generated, never user text)."""
    return f"\t{name} [{attrs(values)}]\n"


def edge(tail: str, head: str, values: dict[str, str]) -> str:
    """An edge statement line for a graphviz ``body``."""
    return f"\t{tail} -> {head} [{attrs(values)}]\n"
