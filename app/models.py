"""Imports every model so the metadata is complete (Alembic, tests), and the audit recorder."""

import app.audit.recorder  # noqa: F401  (records every write in the audit log)
from app.agreements.models import Agreement, AgreementKind, DocumentVersion, Signature
from app.audit.models import AuditEntry
from app.db import Base
from app.drafting.models import CustomTemplate
from app.idempotency.models import IdempotentRequest
from app.imports.models import ImportRun
from app.obligations.models import Obligation, Recurrence
from app.organisations.models import AreaOfEngagement, Contact, Organisation, OrganisationKind
from app.partnerships import facets as _party_facets  # noqa: F401  (each party's copy of its organisation's facts)
from app.partnerships.models import (
    Interaction,
    InteractionKind,
    Partnership,
    PartnershipParty,
    PartyRole,
    Project,
    ReferenceCounter,
    Undertaking,
    UndertakingForm,
)
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.users.models import ApiToken, Role, SignInThrottle, User, UserRole
from app.workflow.models import TransitionEvent

__all__ = [
    "Agreement",
    "AgreementKind",
    "ApiToken",
    "AreaOfEngagement",
    "AuditEntry",
    "Base",
    "Contact",
    "CustomTemplate",
    "DocumentVersion",
    "IdempotentRequest",
    "ImportRun",
    "Interaction",
    "InteractionKind",
    "Obligation",
    "Organisation",
    "OrganisationKind",
    "Partnership",
    "PartnershipParty",
    "PartyRole",
    "Project",
    "Recurrence",
    "ReferenceCounter",
    "Reminder",
    "ReminderKind",
    "ReminderStatus",
    "Role",
    "SignInThrottle",
    "Signature",
    "TransitionEvent",
    "Undertaking",
    "UndertakingForm",
    "User",
    "UserRole",
]
