"""Imports every model so the metadata is complete (Alembic, tests), and the audit recorder."""

import app.audit.recorder  # records every write in the audit log
import app.quality.tracking  # noqa: F401  (keeps the data-quality scores current with every write)
from app.agreements.models import Agreement, AgreementKind, DocumentVersion, PartyWithdrawal, Signature
from app.audit.models import AuditEntry
from app.calendars.models import CalendarSubscription
from app.db import Base
from app.drafting.models import CustomTemplate
from app.idempotency.models import IdempotentRequest
from app.imports.models import ImportRun
from app.monitoring.models import SchedulerHeartbeat
from app.obligations.models import Obligation, Recurrence
from app.organisations.models import AreaOfEngagement, Contact, Organisation, OrganisationKind
from app.partner_links.models import (
    PartnerAttachment,
    PartnerComment,
    PartnerLink,
    PartnerLinkUse,
    PartnerProposal,
)
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
from app.quality.models import QualityScore
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.reports.tallies import ReportTally
from app.screening import tracking as _screening_tracking  # noqa: F401  (screens new and renamed organisations)
from app.screening.models import OrganisationScreening, ScreeningEntry, ScreeningHit, ScreeningList
from app.search import index as _search_index  # noqa: F401  (keeps the search index current on every flush)
from app.search.models import SearchDocument, SearchWord
from app.users.models import (
    ApiToken,
    Role,
    SignInThrottle,
    SsoIdentity,
    SsoSignInRequest,
    User,
    UserRole,
)
from app.webhooks import events as _webhook_events  # noqa: F401  (state changes and reminders sent → outbox)
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.workflow.models import TransitionEvent
from app.workflow.stays import StageStay

__all__ = [
    "Agreement",
    "AgreementKind",
    "ApiToken",
    "AreaOfEngagement",
    "AuditEntry",
    "Base",
    "CalendarSubscription",
    "Contact",
    "CustomTemplate",
    "DeliveryStatus",
    "DocumentVersion",
    "IdempotentRequest",
    "ImportRun",
    "Interaction",
    "InteractionKind",
    "Obligation",
    "Organisation",
    "OrganisationKind",
    "OrganisationScreening",
    "PartnerAttachment",
    "PartnerComment",
    "PartnerLink",
    "PartnerLinkUse",
    "PartnerProposal",
    "Partnership",
    "PartnershipParty",
    "PartyRole",
    "PartyWithdrawal",
    "Project",
    "QualityScore",
    "Recurrence",
    "ReferenceCounter",
    "Reminder",
    "ReminderKind",
    "ReminderStatus",
    "ReportTally",
    "Role",
    "SchedulerHeartbeat",
    "ScreeningEntry",
    "ScreeningHit",
    "ScreeningList",
    "SearchDocument",
    "SearchWord",
    "SignInThrottle",
    "Signature",
    "SsoIdentity",
    "SsoSignInRequest",
    "StageStay",
    "TransitionEvent",
    "Undertaking",
    "UndertakingForm",
    "User",
    "UserRole",
    "WebhookDelivery",
    "WebhookSubscription",
]
