"""Never a 500: garbage in every field, path, query parameter and header of every endpoint gets a 4xx problem.

The table of routes below is checked against the application, so a new endpoint fails the sweep until it is
added here with a valid request; every field of that request is then replaced by each kind of garbage.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app import clock
from app.agreements.existing import upload_signed_copy
from app.agreements.routes import AgreementQuery
from app.audit.routes import AuditQuery
from app.config import get_settings
from app.drafting.outputs import to_docx
from app.drafting.service import DOCX_MEDIA_TYPE
from app.exports.schemas import (
    AgreementExportQuery,
    ObligationExportQuery,
    OrganisationExportQuery,
    PartnershipExportQuery,
)
from app.imports.models import ImportRun
from app.obligations.routes import ObligationQuery
from app.obligations.service import list_for_agreement
from app.organisations.routes import OrganisationQuery
from app.partner_links import partner, reports
from app.partnerships.routes import PartnershipQuery
from app.quality.schemas import RecordsQuery
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.reminders.routes import ReminderQuery
from app.reports.routes import AsOfQuery, ReportQuery
from app.reports.schemas import ChangesFilter
from app.screening import service as screening_service
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from app.webhooks import service as webhooks
from app.webhooks.routes import DeliveryQuery
from app.webhooks.schemas import SubscriptionCreate
from tests.builders import (
    PROBLEM_JSON,
    SCREENING_LIST,
    SET_UP,
    advance,
    cast,
    draft_agreement,
    organisation,
    partnership,
    signed_generated_agreement,
)
from tests.partner_links.support import link_for, scene
from tests.support import built_once

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

GARBAGE: list[Any] = [
    None,
    True,
    -1,
    0,
    2**31,
    -(2**63) - 1,
    10**30,
    1.5,
    "",
    "   ",
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "💥" * 400,
    "'; DROP TABLE organisations; --",
    "%_\\",
    "2026-02-30",
    "-1",
    [],
    {},
    ["x", None],
    {"nested": {"deeper": [1, 2, 3]}},
]
PATH_GARBAGE = ["0", "-1", "2147483648", "9223372036854775808", "99999999999999999999999", "abc", "1.5", "1e3", "%00"]
QUERY_GARBAGE = [
    "",
    "-1",
    "0",
    "2147483648",
    "99999999999999999999999",
    "x" * 5000,
    "\x00",
    "a\x00b",
    "null",
    "💥",
    "%",
]
RAW_BODIES = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"42",
    b"{",
    b'{"a": }',
    b"\xff\xfe\xfd",
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
    b'{"title": "\\ud800"}',
    b'{"x": 1e999}',
]


@dataclass
class World:
    """Rows the valid requests refer to, and an administrator's headers."""

    headers: dict[str, str]
    values: dict[str, int | str]


Body = Callable[[World], Any]
ROUTES: dict[tuple[str, str], Body | None] = {
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("GET", "/metrics"): None,  # world.headers are an administrator's
    ("GET", "/api/v1/me"): None,
    ("GET", "/api/v1/areas"): None,
    ("GET", "/api/v1/organisations"): None,
    ("POST", "/api/v1/organisations"): lambda w: {
        "legal_name": "Sweep Organisation",
        "short_name": "SO",
        "kind": "national_cso",
        "country_code": "KE",
        "region": "East Africa",
        "registration_number": "REG-1",
        "website": "https://sweep.example.org",
        "email": "info@sweep.example.org",
        "notes": "Notes",
        "area_codes": ["humanitarian"],
        "contacts": [
            {
                "name": "A Person",
                "title": "Director",
                "email": "a@example.org",
                "phone": "+254 1",
                "is_focal_point": True,
            }
        ],
    },
    ("GET", "/api/v1/organisations/{organisation_id}"): None,
    ("PATCH", "/api/v1/organisations/{organisation_id}"): lambda w: {
        "legal_name": "Renamed Organisation",
        "short_name": "RO",
        "kind": "think_tank",
        "country_code": "FR",
        "region": "Europe",
        "registration_number": "REG-2",
        "website": "https://renamed.example.org",
        "email": "info@renamed.example.org",
        "notes": "Other notes",
        "area_codes": ["migrant_health"],
    },
    ("GET", "/api/v1/organisations/{organisation_id}/contacts"): None,
    ("POST", "/api/v1/organisations/{organisation_id}/contacts"): lambda w: {
        "name": "B Person",
        "title": "Officer",
        "email": "b@example.org",
        "phone": "+254 2",
        "is_focal_point": False,
    },
    ("PATCH", "/api/v1/organisations/{organisation_id}/contacts/{contact_id}"): lambda w: {
        "name": "C Person",
        "title": "Head",
        "email": "c@example.org",
        "phone": "+254 3",
        "is_focal_point": True,
    },
    ("GET", "/api/v1/partnerships"): None,
    ("POST", "/api/v1/partnerships"): lambda w: {
        "title": "Sweep partnership",
        "objectives": "Objectives",
        "area_codes": ["humanitarian"],
        "owner_id": w.values["admin_id"],
        "co_owner_ids": [w.values["admin_id"]],
        "legal_officer_id": w.values["legal_officer_id"],
        "project": {
            "name": "Project",
            "code": None,
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "objectives": "Goals",
        },
        "parties": [
            {
                "organisation_id": w.values["organisation_id"],
                "role": "lead_partner",
                "focal_point_id": w.values["contact_id"],
            }
        ],
        "handles_personal_data": True,
    },
    ("GET", "/api/v1/partnerships/{partnership_id}"): None,
    ("PATCH", "/api/v1/partnerships/{partnership_id}"): lambda w: {
        "title": "Renamed partnership",
        "objectives": "New objectives",
        "area_codes": ["migrant_health"],
        "owner_id": w.values["admin_id"],
        "legal_officer_id": w.values["legal_officer_id"],
        "project": {"name": "Project", "start_date": "2026-01-01", "end_date": "2026-12-31"},
        "parties": [{"organisation_id": w.values["organisation_id"], "role": "co_partner"}],
        "handles_personal_data": False,
    },
    ("GET", "/api/v1/partnerships/{partnership_id}/interactions"): None,
    ("POST", "/api/v1/partnerships/{partnership_id}/interactions"): lambda w: {
        "occurred_on": clock.today(get_settings().zone).isoformat(),
        "kind": "meeting",
        "summary": "Met",
        "participants": "Everyone",
    },
    ("GET", "/api/v1/partnerships/{partnership_id}/undertakings"): None,
    ("POST", "/api/v1/partnerships/{partnership_id}/undertakings"): lambda w: {
        "given_on": "2020-01-01",
        "given_by": "The director",
        "organisation_id": w.values["organisation_id"],
        "scope": "Scope",
        "form": "verbal",
    },
    ("GET", "/api/v1/partnerships/{partnership_id}/transitions"): None,
    ("POST", "/api/v1/partnerships/{partnership_id}/transitions/{trigger}"): lambda w: {"comment": "Quiet year"},
    ("GET", "/api/v1/partnerships/{partnership_id}/history"): None,
    ("GET", "/api/v1/partnerships/{partnership_id}/stage"): None,
    ("GET", "/api/v1/agreements"): None,
    ("POST", "/api/v1/agreements"): lambda w: {
        "partnership_id": w.values["formalising_id"],
        "kind": "mou",
        "title": "Sweep MOU",
        "parent_id": None,
        "effective_date": "2027-01-01",
        "end_date": "2028-12-31",
        "notice_period_days": 60,
    },
    ("GET", "/api/v1/agreements/{agreement_id}"): None,
    ("PATCH", "/api/v1/agreements/{agreement_id}"): lambda w: {
        "title": "Renamed MOU",
        "effective_date": "2027-02-01",
        "end_date": "2029-01-31",
        "notice_period_days": 90,
    },
    ("GET", "/api/v1/agreements/{agreement_id}/versions"): None,
    ("POST", "/api/v1/agreements/{agreement_id}/versions"): lambda w: {"body": "Text & <clauses>", "language": "fr"},
    ("GET", "/api/v1/agreements/{agreement_id}/versions/{number}"): None,
    ("GET", "/api/v1/agreements/{agreement_id}/obligations"): None,
    ("POST", "/api/v1/agreements/{agreement_id}/obligations"): lambda w: {
        "party_id": w.values["party_id"],
        "description": "Quarterly report",
        "due_date": "2027-03-31",
        "recurrence": "quarterly",
        "recurrence_until": "2028-12-31",
        "survives_termination": True,
        "responsible_email": "focal@example.org",
    },
    ("GET", "/api/v1/agreements/{agreement_id}/signatures"): None,
    ("GET", "/api/v1/agreements/{agreement_id}/transitions"): None,
    ("POST", "/api/v1/agreements/{agreement_id}/transitions/{trigger}"): lambda w: {
        "comment": "No longer needed",
        "payload": {},
    },
    ("GET", "/api/v1/agreements/{agreement_id}/history"): None,
    ("GET", "/api/v1/templates"): None,
    ("GET", "/api/v1/templates/{key}"): None,
    ("PUT", "/api/v1/templates/{key}/{language}"): lambda w: {
        "title": "House MOU",
        "version": "2.1",
        "kinds": ["mou"],
        "variables": [{"name": "partner", "type": "text", "required": True, "description": "the partner"}],
        "source": "# Memorandum\n\nWith {{ partner | inline }}.\n",
    },
    ("GET", "/api/v1/agreements/{agreement_id}/preflight"): None,
    ("POST", "/api/v1/agreements/{agreement_id}/versions/generate"): lambda w: {
        "template": "mou",
        "language": "fr",
        "variables": {"purpose": "to cooperate on migrant health"},
    },
    ("POST", "/api/v1/agreements/{agreement_id}/versions/upload"): lambda w: {},
    ("POST", "/api/v1/agreements/{agreement_id}/versions/{number}/translations"): lambda w: {"language": "fr"},
    ("GET", "/api/v1/agreements/{agreement_id}/versions/{number}/document"): None,
    ("GET", "/api/v1/agreements/{agreement_id}/versions/{number}/diff/{other}"): None,
    ("POST", "/api/v1/partnerships/{partnership_id}/drafts"): lambda w: {
        "template": "ad_hoc_note",
        "language": "en",
        "variables": {
            "interaction_date": "2026-01-20",
            "event": "Workshop",
            "summary": "Met the partners",
            "areas": ["Migrant health"],
        },
        "format": "html",
    },
    ("POST", "/api/v1/partnerships/{partnership_id}/existing-agreements/extract"): lambda w: {},  # a file upload
    ("GET", "/api/v1/partnerships/{partnership_id}/existing-agreements/{upload_id}"): None,
    ("POST", "/api/v1/partnerships/{partnership_id}/existing-agreements"): lambda w: {
        "upload_id": w.values["upload_id"],
        "document_sha256": w.values["upload_sha256"],
        "title": "MOU signed in 2023",
        "kind": "mou",
        "parent_id": None,
        "effective_date": "2023-03-01",
        "end_date": "2026-02-28",
        "notice_period_days": 60,
        "parties": [
            {
                "party_id": None,
                "signatory_name": "Chief of Mission",
                "signatory_title": "Chief",
                "signed_on": "2023-02-15",
            },
            *({"party_id": int(party_id)} for party_id in str(w.values["party_ids"]).split(",")),
        ],
    },
    ("GET", "/api/v1/agreements/{agreement_id}/versions/{number}/file"): None,
    ("GET", "/api/v1/obligations"): None,
    ("GET", "/api/v1/obligations/{obligation_id}"): None,
    ("PATCH", "/api/v1/obligations/{obligation_id}"): lambda w: {"description": "Quarterly report, revised"},
    ("DELETE", "/api/v1/obligations/{obligation_id}"): None,
    ("GET", "/api/v1/obligations/{obligation_id}/transitions"): None,
    ("POST", "/api/v1/obligations/{obligation_id}/transitions/{trigger}"): lambda w: {
        "comment": "Received on time",
        "payload": {"fulfilled_on": clock.today(get_settings().zone).isoformat(), "evidence": "Report"},
    },
    ("GET", "/api/v1/obligations/{obligation_id}/history"): None,
    ("GET", "/api/v1/reminders"): None,
    ("POST", "/api/v1/reminders/{reminder_id}/retry"): None,  # takes no body
    ("POST", "/api/v1/reminders/{reminder_id}/cancel"): lambda w: {"reason": "The partner asked us to stop"},
    ("GET", "/api/v1/me/upcoming"): None,
    ("PUT", "/api/v1/agreements/{agreement_id}/reminder-policy"): lambda w: {
        "end_date_days": [60, 30],
        "notice_days": [14],
        "obligation_days": [7],
        "on_overdue": False,
        "focal_points": True,
        "cc": ["partnerships@example.org"],
    },
    ("GET", "/api/v1/partnerships/{partnership_id}/timeline"): None,
    ("GET", "/api/v1/audit"): None,
    ("GET", "/api/v1/users"): None,
    ("POST", "/api/v1/users"): lambda w: {
        "email": "swept.user@example.org",
        "full_name": "Swept User",
        "roles": ["viewer", "project_manager"],
        "password": "a long enough password",
    },
    ("POST", "/api/v1/users/{user_id}/password-reset"): None,  # takes no body
    ("PATCH", "/api/v1/users/{user_id}"): lambda w: {
        "full_name": "Renamed Officer",
        "roles": ["legal_officer"],
        "is_active": True,
    },
    ("PATCH", "/api/v1/me"): lambda w: {"language": "es"},
    ("GET", "/api/v1/me/tokens"): None,
    ("POST", "/api/v1/me/tokens"): lambda w: {"name": "sweep script", "expires_in_days": 30},
    ("POST", "/api/v1/tokens/{token_id}/revoke"): None,  # takes no body
    ("POST", "/api/v1/auth/token"): lambda w: {"email": "signer@example.org", "password": "a long enough password"},
    ("GET", "/api/v1/workflows/{name}"): None,
    ("GET", "/api/v1/workflows/{name}/diagram"): None,
    ("POST", "/api/v1/imports"): lambda w: {},  # a file upload: see UPLOAD_FILES
    ("GET", "/api/v1/imports"): None,
    ("GET", "/api/v1/imports/{import_id}"): None,
    ("GET", "/api/v1/reports/portfolio"): None,
    ("GET", "/api/v1/reports/portfolio.pdf"): None,
    ("GET", "/api/v1/reports/as-of/partnerships"): None,
    ("GET", "/api/v1/reports/as-of/agreements"): None,
    ("GET", "/api/v1/reports/changes"): None,
    ("GET", "/api/v1/reports/changes/{category}"): None,
    ("GET", "/api/v1/exports/organisations"): None,
    ("GET", "/api/v1/exports/partnerships"): None,
    ("GET", "/api/v1/exports/agreements"): None,
    ("GET", "/api/v1/exports/obligations"): None,
    ("GET", "/api/v1/quality/summary"): None,
    ("GET", "/api/v1/quality/records"): None,
    ("GET", "/api/v1/quality/organisations/{organisation_id}"): None,
    ("GET", "/api/v1/quality/partnerships/{partnership_id}"): None,
    ("GET", "/api/v1/screening"): None,
    ("GET", "/api/v1/screening/hits"): None,
    ("GET", "/api/v1/screening/hits/{hit_id}"): None,
    ("POST", "/api/v1/screening/hits/{hit_id}/decision"): lambda w: {"decision": "cleared", "reason": "Another body"},
    ("GET", "/api/v1/organisations/{organisation_id}/screening"): None,
    ("POST", "/api/v1/screening/lists"): lambda w: {},  # a file upload: see UPLOAD_FILES
    # issue 21: partner links, each party's signature, withdrawals, calendars
    ("POST", "/api/v1/partnerships/{partnership_id}/partner-links"): lambda w: {"contact_id": w.values["link_contact"]},
    ("GET", "/api/v1/partnerships/{partnership_id}/partner-links"): None,
    ("GET", "/api/v1/partner-links/{link_id}"): None,
    ("GET", "/api/v1/partner-links/{link_id}/uses"): None,
    ("POST", "/api/v1/partner-links/{link_id}/revoke"): None,
    ("GET", "/api/v1/partnerships/{partnership_id}/partner-proposals"): None,
    ("POST", "/api/v1/partner-proposals/{proposal_id}/accept"): None,
    ("POST", "/api/v1/partner-proposals/{proposal_id}/reject"): lambda w: {"reason": "We keep the registered name"},
    ("GET", "/api/v1/agreements/{agreement_id}/partner-comments"): None,
    ("POST", "/api/v1/partner-comments/{comment_id}/resolve"): None,
    ("GET", "/api/v1/obligations/{obligation_id}/partner-attachments"): None,
    ("GET", "/api/v1/partner-attachments/{attachment_id}"): None,
    ("GET", "/api/v1/agreements/{agreement_id}/signing"): None,
    ("GET", "/api/v1/agreements/{agreement_id}/signed.pdf"): None,
    ("POST", "/api/v1/agreements/{agreement_id}/signing/{party}/electronic"): lambda w: {
        "typed_name": "Dana Signer",
        "signatory_title": "Director",
        "consent_text": "I agree to sign electronically",
        "version_sha256": w.values["approved_sha256"],
    },
    ("POST", "/api/v1/agreements/{agreement_id}/signing/{party}/wet-ink"): lambda w: {},  # a file: see UPLOAD_FORMS
    ("POST", "/api/v1/agreements/{agreement_id}/withdrawals"): lambda w: {
        "party_id": w.values["active_party_id"],
        "reason": "The partner closes its office",
    },
    ("GET", "/api/v1/me/calendar"): None,
    ("POST", "/api/v1/me/calendar"): None,
    ("DELETE", "/api/v1/me/calendar"): None,
    ("GET", "/api/v1/partnerships/{partnership_id}/calendar.ics"): None,
    ("GET", "/api/v1/webhooks"): None,
    ("POST", "/api/v1/webhooks"): lambda w: {
        "url": "https://93.184.216.34/hook",
        "event_types": ["workflow.transition", "agreement.signed"],
        "description": "CRM",
        "active": True,
        "allow_private": False,
    },
    ("GET", "/api/v1/webhooks/{webhook_id}"): None,
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): lambda w: {"description": "CRM", "event_types": ["*"], "active": True},
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): None,
    ("POST", "/api/v1/webhooks/{webhook_id}/secret"): None,
    ("POST", "/api/v1/webhooks/{webhook_id}/test"): None,
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): None,
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"): None,
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"): None,
}
WRITES = [route for route, body in ROUTES.items() if body is not None]
WITH_PATH_PARAMETERS = [route for route in ROUTES if "{" in route[1]]
LISTS = {
    "/api/v1/organisations": OrganisationQuery,
    "/api/v1/partnerships": PartnershipQuery,
    "/api/v1/agreements": AgreementQuery,
    "/api/v1/reminders": ReminderQuery,
    "/api/v1/obligations": ObligationQuery,
    "/api/v1/audit": AuditQuery,
    "/api/v1/reports/portfolio": ReportQuery,
    "/api/v1/reports/as-of/partnerships": AsOfQuery,
    "/api/v1/reports/as-of/agreements": AsOfQuery,
    "/api/v1/reports/changes": ChangesFilter,
    "/api/v1/exports/organisations": OrganisationExportQuery,
    "/api/v1/exports/partnerships": PartnershipExportQuery,
    "/api/v1/exports/agreements": AgreementExportQuery,
    "/api/v1/exports/obligations": ObligationExportQuery,
    "/api/v1/quality/records": RecordsQuery,
    "/api/v1/webhooks/{webhook_id}/deliveries": DeliveryQuery,
}
# Path parameters that take another world value on some routes (parameter -> key of World.values).
ROUTE_VALUES = {
    "/api/v1/partnerships/{partnership_id}/partner-links": {"partnership_id": "link_partnership_id"},
    "/api/v1/partnerships/{partnership_id}/partner-proposals": {"partnership_id": "link_partnership_id"},
    "/api/v1/agreements/{agreement_id}/partner-comments": {"agreement_id": "link_agreement_id"},
    "/api/v1/obligations/{obligation_id}/partner-attachments": {"obligation_id": "link_obligation_id"},
    "/api/v1/agreements/{agreement_id}/signed.pdf": {"agreement_id": "signed_id"},
    "/api/v1/agreements/{agreement_id}/signing/{party}/electronic": {"agreement_id": "approved_id"},
    "/api/v1/agreements/{agreement_id}/signing/{party}/wet-ink": {"agreement_id": "approved_id"},
    "/api/v1/agreements/{agreement_id}/withdrawals": {"agreement_id": "active_id"},
    "/api/v1/reports/changes/{category}": {"category": "change"},
    "/api/v1/partnerships/{partnership_id}/existing-agreements/extract": {"partnership_id": "formalising_id"},
    "/api/v1/partnerships/{partnership_id}/existing-agreements/{upload_id}": {"partnership_id": "formalising_id"},
    "/api/v1/partnerships/{partnership_id}/existing-agreements": {"partnership_id": "formalising_id"},
    "/api/v1/agreements/{agreement_id}/versions/{number}/file": {"agreement_id": "upload_id"},
    "/api/v1/agreements/{agreement_id}/versions/{number}/translations": {
        "agreement_id": "signed_id",
        "number": "signed_number",
    },
    "/api/v1/agreements/{agreement_id}/transitions/{trigger}": {"trigger": "agreement_trigger"},
    "/api/v1/reminders/{reminder_id}/cancel": {"reminder_id": "planned_reminder_id"},
    "/api/v1/obligations/{obligation_id}/transitions/{trigger}": {"trigger": "obligation_trigger"},
}
UPLOADS = {
    "/api/v1/agreements/{agreement_id}/signing/{party}/wet-ink",
    "/api/v1/agreements/{agreement_id}/versions/upload",
    "/api/v1/imports",
    "/api/v1/partnerships/{partnership_id}/existing-agreements/extract",
    "/api/v1/screening/lists",
}
# The file each upload route's valid request sends (default: a Word document).
UPLOAD_FILES = {
    "/api/v1/screening/lists": ("consolidated.xml", SCREENING_LIST.read_bytes(), "application/xml"),
    "/api/v1/agreements/{agreement_id}/signing/{party}/wet-ink": ("scan.png", PNG, "image/png"),
    "/api/v1/imports": (
        "inventory.csv",
        b"Organisation name,Country,Partner type\nSwept Import Partner,Kenya,NGO\n",
        "text/csv",
    ),
}
# The form fields each upload route's valid request sends beside its file.
UPLOAD_FORMS: dict[str, Callable[[World], dict[str, str]]] = {
    "/api/v1/agreements/{agreement_id}/signing/{party}/wet-ink": lambda w: {
        "signatory_name": "Director General",
        "signatory_title": "DG",
        "signed_on": clock.today(get_settings().zone).isoformat(),
        "version_sha256": str(w.values["approved_sha256"]),
    },
}
ROUTE_QUERIES = {
    "/api/v1/partnerships/{partnership_id}/stage": "?on=2026-01-01",
    "/api/v1/reports/as-of/partnerships": "?on=2026-01-01",
    "/api/v1/reports/as-of/agreements": "?on=2026-01-01",
    "/api/v1/reports/changes": "?start=2026-01-01&end=2026-01-31",
    "/api/v1/reports/changes/{category}": "?start=2026-01-01&end=2026-01-31",
}


pytestmark = pytest.mark.shared_rows  # ~450 tests on rows that take seconds to build: built once, each test undone


@pytest.fixture(scope="module")
def world(shared_rows) -> World:
    """The rows the valid requests refer to, built once for the module."""
    return built_once(shared_rows, _build_world)


def _build_world(session: Session, auth: Callable[..., Any], make_user: Callable[..., Any]) -> World:
    admin, headers = auth(Role.ADMIN)
    lawyer = make_user(Role.LEGAL_OFFICER)
    org = organisation(session, "Swept Organisation", contacts=[{"name": "Focal"}])
    swept = partnership(session, admin, org)
    people = cast(make_user)
    drafted = draft_agreement(session, people)
    failed, planned = (
        Reminder(
            dedupe_key=f"sweep:{status}",
            series=f"sweep:{status}",
            subject_type="agreement",
            subject_id=drafted.id,
            partnership_id=swept.id,
            kind=ReminderKind.END_DATE,
            due_on=clock.today(get_settings().zone),
            send_at=clock.now(),
            recipient_email="someone@example.org",
            status=status,
        )
        for status in (ReminderStatus.FAILED, ReminderStatus.PLANNED)
    )
    session.add_all([failed, planned])
    spare_token, _ = create_token(session, admin, "spare")
    import_run = ImportRun(user_id=admin.id, file_name="swept.csv", sha256="0" * 64, problems=[])
    session.add(import_run)
    signed_copy = to_docx("# Memorandum of Understanding\n\nIt shall enter into force on 1 March 2023.\n")
    upload = upload_signed_copy(session, drafted.partnership_id, signed_copy, "signed.docx", admin).agreement
    signed, signed_number = signed_generated_agreement(session, people)
    create_user(session, UserCreate(email="signer@example.org", full_name="Signer", roles=[Role.VIEWER],
                                    password="a long enough password"), actor=SET_UP)  # fmt: skip
    suspect = organisation(session, "Northern Crescent Foundation", country_code="SO")  # a screening hit
    hook = SubscriptionCreate(url="http://127.0.0.1:9/hook", event_types=["*"], allow_private=True)
    webhook, _ = webhooks.create_subscription(session, hook, actor=SET_UP)
    webhook_delivery = webhooks.send_test(session, webhook.id, actor=SET_UP)
    session.commit()
    linked = scene(session, people)  # a partner link with a proposal, a comment and a reported obligation
    link, _ = link_for(session, people, linked)
    proposal = partner.propose_correction(session, link, {"organisation": {"short_name": "SWN"}}, None, "127.0.0.1")
    comment = partner.add_comment(session, link, "clause-1", "Name the clinics", "127.0.0.1")
    reports.report_obligation(session, link, linked.obligation.id, "Done", "report.txt", b"Q1 report", "127.0.0.1")
    approved = draft_agreement(session, people)
    for trigger in ("submit_for_review", "approve"):
        advance(session, approved, trigger, people)
    active = draft_agreement(session, people)
    for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, active, trigger, people)
    session.commit()
    values = {
        "link_id": link.id,
        "link_contact": linked.partnership.parties[1].organisation.contacts[0].id,
        "link_partnership_id": linked.partnership.id,
        "link_agreement_id": linked.agreement.id,
        "link_obligation_id": linked.obligation.id,
        "proposal_id": proposal.id,
        "comment_id": comment.id,
        "attachment_id": reports.attachments_of(session, linked.obligation.id)[0].id,
        "approved_id": approved.id,
        "approved_sha256": approved.latest_version.sha256,
        "party": "organisation",
        "active_id": active.id,
        "active_party_id": active.partnership.parties[0].id,
        "hit_id": screening_service.standing(session, suspect).hits[0].id,
        "admin_id": admin.id,
        "legal_officer_id": lawyer.id,
        "organisation_id": org.id,
        "contact_id": org.contacts[0].id,
        "partnership_id": swept.id,
        "trigger": "go_dormant",
        "name": "agreement",
        "formalising_id": drafted.partnership_id,
        "agreement_id": drafted.id,
        "party_id": drafted.partnership.parties[0].id,
        "number": 1,
        "other": 1,
        "agreement_trigger": "cancel",
        "obligation_trigger": "fulfil",
        "obligation_id": list_for_agreement(session, drafted.id)[0].id,
        "reminder_id": failed.id,
        "user_id": lawyer.id,
        "token_id": spare_token.id,
        "planned_reminder_id": planned.id,
        "key": "mou",
        "change": "new",
        "language": "en",
        "import_id": import_run.id,
        "upload_id": upload.id,
        "upload_sha256": upload.latest_version.sha256,
        "signed_id": signed.id,
        "signed_number": signed_number,
        "party_ids": ",".join(str(party.id) for party in drafted.partnership.parties),
        "webhook_id": webhook.id,
        "delivery_id": webhook_delivery.id,
    }
    return World(headers, values)


def _url(path: str, world: World, **overrides: str) -> str:
    values = {**world.values, **{name: world.values[key] for name, key in ROUTE_VALUES.get(path, {}).items()}}
    return path.format(**{**{k: str(v) for k, v in values.items()}, **overrides}) + ROUTE_QUERIES.get(path, "")


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document, containers included."""
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaf_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaf_paths(item, (*prefix, index))


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


def _check(response, what: str, failures: list[str]) -> None:
    if response.status_code >= 500:
        failures.append(f"{what} -> {response.status_code} {response.text[:200]}")
    elif response.status_code >= 400 and not response.headers.get("content-type", "").startswith(PROBLEM_JSON):
        failures.append(f"{what} -> {response.status_code} without problem+json")


def test_the_sweep_covers_every_route(client):
    served = {(method.upper(), path) for path, item in client.app.openapi()["paths"].items() for method in item}
    assert served == set(ROUTES)


@pytest.mark.parametrize(("method", "path"), list(ROUTES), ids=lambda part: str(part))
def test_the_valid_request_of_each_route_succeeds(client, world, method, path):
    body = ROUTES[(method, path)]
    if path in UPLOADS and method == "POST":
        default = ("edited.docx", to_docx("# Edited\n\n## 1. Purpose\n\nText.\n"), DOCX_MEDIA_TYPE)
        files = {"file": UPLOAD_FILES.get(path, default)}
        form = UPLOAD_FORMS[path](world) if path in UPLOAD_FORMS else None
        response = client.request(method, _url(path, world), files=files, data=form, headers=world.headers)
        assert response.status_code == 201, response.text
        return
    response = client.request(method, _url(path, world), json=body(world) if body else None, headers=world.headers)
    assert 200 <= response.status_code < 300, response.text


@pytest.mark.parametrize(("method", "path"), WRITES, ids=lambda part: str(part))
def test_garbage_in_any_field_of_a_body_is_never_a_500(client, world, method, path):
    valid = ROUTES[(method, path)](world)
    failures: list[str] = []
    for place in _leaf_paths(valid):
        for value in GARBAGE:
            body = _replace(valid, place, value)
            response = client.request(method, _url(path, world), json=body, headers=world.headers)
            _check(response, f"{method} {path} {place}={value!r:.40}", failures)
    # Unknown fields anywhere are refused, never stored.
    for place in _leaf_paths(valid):
        if isinstance(place[-1], str):
            body = _replace(valid, (*place[:-1], "unexpected_field"), "surprise")
            response = client.request(method, _url(path, world), json=body, headers=world.headers)
            _check(response, f"{method} {path} extra field beside {place}", failures)
            if response.status_code != 422:
                failures.append(f"{method} {path} extra field beside {place} -> {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("method", "path"), WRITES, ids=lambda part: str(part))
def test_garbage_bodies_are_never_a_500(client, world, method, path):
    failures: list[str] = []
    for raw in RAW_BODIES:
        for content_type in ("application/json", "text/plain"):
            response = client.request(
                method,
                _url(path, world),
                content=raw,
                headers={**world.headers, "Content-Type": content_type},
            )
            _check(response, f"{method} {path} body {raw[:30]!r} as {content_type}", failures)
            assert response.status_code >= 400, f"{method} {path} accepted {raw[:30]!r}"
    for document in GARBAGE:
        response = client.request(method, _url(path, world), content=json.dumps(document), headers=world.headers)
        _check(response, f"{method} {path} body {document!r:.40}", failures)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("method", "path"), WITH_PATH_PARAMETERS, ids=lambda part: str(part))
def test_garbage_in_path_parameters_is_never_a_500(client, world, method, path):
    body = ROUTES[(method, path)]
    parameters = [name for name in world.values if "{" + name + "}" in path]
    failures: list[str] = []
    for name in parameters:
        for value in PATH_GARBAGE:
            url = _url(path, world, **{name: value})
            response = client.request(method, url, json=body(world) if body else None, headers=world.headers)
            _check(response, f"{method} {url}", failures)
            creates_by_name = method == "PUT" and name == "key" and value.isalpha()  # PUT /templates/abc adds one
            if response.status_code < 400 and not creates_by_name:
                failures.append(f"{method} {url} -> {response.status_code}: an impossible id was accepted")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", list(LISTS))
def test_garbage_in_query_parameters_is_never_a_500(client, world, path):
    failures: list[str] = []
    for name in LISTS[path].model_fields:
        for value in QUERY_GARBAGE:
            response = client.get(path, params={name: value}, headers=world.headers)
            _check(response, f"GET {path}?{name}={value!r:.40}", failures)
        response = client.get(path, params=[(name, "1"), (name, "2")], headers=world.headers)
        _check(response, f"GET {path}?{name}=1&{name}=2", failures)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("method", "path"), list(ROUTES), ids=lambda part: str(part))
def test_garbage_headers_are_never_a_500(client, world, method, path):
    body = ROUTES[(method, path)]
    failures: list[str] = []
    variants = [
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer " + "x" * 10_000},
        {"Authorization": "bearer agr_" + "y" * 40},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": b"Bearer agr_\xff\xfe"},
        {**world.headers, "If-Match": '"99999999999999999999999"'},
        {**world.headers, "If-Match": 'W/"1", "2"'},
        {**world.headers, "If-Match": ""},
        {**world.headers, "If-Match": "\t"},
        {**world.headers, "Content-Type": "application/xml"},
    ]
    for headers in variants:
        response = client.request(method, _url(path, world), json=body(world) if body else None, headers=headers)
        _check(response, f"{method} {path} with {headers}", failures)
    assert not failures, "\n".join(failures)
