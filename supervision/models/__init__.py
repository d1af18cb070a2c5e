"""The data model, one module per aggregate."""

from supervision.models.action import Action, ActionReview, ActionStatus, ReviewOutcome
from supervision.models.audit import AuditEvent, AuditKind
from supervision.models.case import Case, Child, LegalStatus
from supervision.models.caseload import CaseloadSnapshot, CaseloadWeight
from supervision.models.live import LiveEvent, LiveSession, Phase, Proposal, ProposalStatus, ScalingState
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
from supervision.models.panel import CarriedForward, Panel, PanelSlot
from supervision.models.sign_in import SignInFailure
from supervision.models.team import Team
from supervision.models.user import Role, User

__all__ = [
    "Action", "ActionReview", "ActionStatus", "Amendment", "Case", "CaseloadSnapshot", "CaseloadWeight", "Child",
    "DangerStatement",
    "LegalStatus", "MapItem", "Meeting", "MeetingKind", "MeetingStatus", "ReviewOutcome", "Role",
    "SafetyGoal", "ScalingScore", "Section", "Team", "User",
    "AuditEvent", "AuditKind", "SignInFailure",
    "CarriedForward", "LiveEvent", "LiveSession", "Panel", "PanelSlot", "Phase", "Proposal", "ProposalStatus",
    "ScalingState",
]
