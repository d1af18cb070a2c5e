"""What goes wrong with a family description, said so a social worker can fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a family: a plain-English message and where in the JSON it is."""

    message: str
    where: str = ""

    def __str__(self) -> str:
        return self.message


class FamilyError(ValueError):
    """The family could not be loaded; ``problems`` lists every reason, in the order found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"- {problem.message}" for problem in self.problems)
        super().__init__(f"The family has {len(self.problems)} problem(s):\n{lines}")


class RenderError(RuntimeError):
    """Graphviz is missing, failed, or took too long; the message says which."""
