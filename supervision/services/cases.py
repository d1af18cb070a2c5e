"""What a case does: its details and its children."""

from __future__ import annotations

from datetime import date

from supervision.extensions import db
from supervision.models import Case, Child, LegalStatus, Team, User
from supervision.services.errors import DomainError


def save_case(case: Case | None, team: Team, *, reference: str, family_label: str, practitioner: User | None,
              legal_status: LegalStatus, is_open: bool) -> Case:
    """Create a case in `team`, or update one; references are unique across the service."""
    reference = reference.strip()
    clash = db.session.scalar(db.select(Case.id).where(Case.reference == reference))
    if clash is not None and (case is None or clash != case.id):
        raise DomainError("Another case already has that reference.")
    if case is None:
        case = Case(team=team)
        db.session.add(case)
    case.reference = reference
    case.family_label = family_label.strip()
    case.practitioner = practitioner
    case.legal_status = legal_status
    case.is_open = is_open
    return case


def add_child(case: Case, name: str, date_of_birth: date | None) -> Child:
    child = Child(case=case, name=name.strip(), date_of_birth=date_of_birth)
    db.session.add(child)
    return child


def remove_child(child: Child) -> None:
    db.session.delete(child)
