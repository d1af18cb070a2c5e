"""The data model, one module per aggregate."""

from supervision.models.action import Action, ActionReview, ActionStatus, ReviewOutcome
from supervision.models.case import Case, Child, LegalStatus
from supervision.models.meeting import (
    Amendment,
    DangerStatement,
    MapItem,
    Meeting,
    MeetingKind,
    MeetingStatus,
    SafetyGoal,
    ScalingScore,
    Section,
)
from supervision.models.team import Team
from supervision.models.user import Role, User

__all__ = [
    "Action", "ActionReview", "ActionStatus", "Amendment", "Case", "Child", "DangerStatement",
    "LegalStatus", "MapItem", "Meeting", "MeetingKind", "MeetingStatus", "ReviewOutcome", "Role",
    "SafetyGoal", "ScalingScore", "Section", "Team", "User",
]
