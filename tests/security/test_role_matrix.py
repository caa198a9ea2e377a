"""Every endpoint against every role: allowed -> 2xx, not allowed -> 403, no token -> 401 (all problem+json).

The table of routes below is checked against the application, so a new endpoint fails the matrix until it is
added here with a valid request and the roles it allows. Each case runs in its own fresh world, built lazily:
the project manager of the cast OWNS the partnerships used and the cast's legal officer IS their legal officer,
so "allowed" means allowed to the people in the relationship the policy asks for. ``Spec.outsiders`` says what
a fresh user of the same role who is NOT in that relationship gets, and ``WORKFLOW_ROLES`` checks the roles that
``app/workflows/*.yaml`` declares on top of the policy (system-only triggers are refused to everyone).

The expectations state the INTENDED policy (``app/users/policy.py`` plus the roles in ``app/workflows/*.yaml``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

import pytest
from httpx import Response
from sqlalchemy.orm import Session

from app import clock
from app.agreements.existing import upload_signed_copy
from app.agreements.models import Agreement
from app.config import get_settings
from app.drafting.outputs import to_docx
from app.drafting.service import DOCX_MEDIA_TYPE
from app.imports.models import ImportRun
from app.obligations.service import list_for_agreement
from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.partnerships.schemas import UndertakingCreate
from app.partnerships.service import record_undertaking
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from app.webhooks import service as webhooks
from app.webhooks.models import WebhookSubscription
from app.webhooks.schemas import SubscriptionCreate
from tests.builders import (
    PROBLEM_JSON,
    SCREENING_LIST,
    SET_UP,
    Cast,
    advance,
    draft_agreement,
    formalising_partnership,
    organisation,
    partnership,
    signed_generated_agreement,
)

ADMIN, LEGAL, MANAGER, VIEWER = Role.ADMIN, Role.LEGAL_OFFICER, Role.PROJECT_MANAGER, Role.VIEWER
EVERYONE = frozenset(Role)
NOBODY: frozenset[Role] = frozenset()
API = "/api/v1"
PASSWORD = "correct horse battery staple"


def _today() -> str:
    return clock.today(get_settings().zone).isoformat()


class World:
    """A fresh cast and, built on first use, the rows a request refers to.

    ``people.manager`` owns every partnership here and ``people.lawyer`` is its legal officer; the agreement was
    created and will be submitted by the manager, so the lawyer may approve it (four eyes).
    """

    def __init__(self, session: Session, make_user: Callable[..., User]) -> None:
        self.session = session
        self.people = Cast(make_user(MANAGER), make_user(LEGAL), make_user(LEGAL), make_user(ADMIN))
        self.viewer = make_user(VIEWER)

    def user_for(self, role: Role) -> User:
        """The user of ``role`` who is in the relationships of this world."""
        return {
            ADMIN: self.people.admin,
            LEGAL: self.people.lawyer,
            MANAGER: self.people.manager,
            VIEWER: self.viewer,
        }[role]

    @cached_property
    def organisation(self) -> Organisation:
        return organisation(self.session, contacts=[{"name": "Focal", "title": "Director"}])

    @cached_property
    def partnership(self) -> Partnership:
        """An informal partnership (an undertaking is recorded) owned by the manager, with the lawyer assigned."""
        created = partnership(
            self.session, self.people.manager, self.organisation, legal_officer_id=self.people.lawyer.id
        )
        undertaking = UndertakingCreate(given_on=_today(), given_by="The director", scope="Joint work", form="verbal")
        record_undertaking(self.session, created.id, undertaking, self.people.manager)
        self.session.commit()
        return created

    @cached_property
    def formalising(self) -> Partnership:
        return formalising_partnership(self.session, self.people)

    @cached_property
    def agreement(self) -> Agreement:
        """A complete draft (one version, an obligation per party) of the formalising partnership."""
        return draft_agreement(self.session, self.people, self.formalising)

    @cached_property
    def webhook(self) -> WebhookSubscription:
        """A subscription (to a loopback address an admin allowed) with one message in its delivery log."""
        data = SubscriptionCreate(url="http://127.0.0.1:9/hook", event_types=["*"], allow_private=True)
        subscription, _ = webhooks.create_subscription(self.session, data, actor=SET_UP)
        self.webhook_delivery = webhooks.send_test(self.session, subscription.id, actor=SET_UP)
        self.session.commit()
        return subscription

    def reminder(self, status: ReminderStatus) -> Reminder:
        row = Reminder(
            dedupe_key=f"matrix:{status}",
            series=f"matrix:{status}",
            subject_type="agreement",
            subject_id=self.agreement.id,
            partnership_id=self.agreement.partnership_id,
            kind=ReminderKind.END_DATE,
            due_on=clock.today(get_settings().zone),
            send_at=clock.now(),
            recipient_email="someone@example.org",
            status=status,
        )
        self.session.add(row)
        self.session.commit()
        return row


@dataclass
class Call:
    """One concrete request."""

    url: str
    json: Any = None
    files: dict[str, Any] | None = None


Build = Callable[[World, Role], Call]


@dataclass
class Spec:
    """A route's valid request (for the role whose case it is) and the roles it allows.

    ``outsiders``: for a user of a role who is not in the relationship the world builds (not the owner, not the
    assigned legal officer, not the token's holder), the status class expected: 2 (2xx) or 403.
    """

    build: Build
    allowed: frozenset[Role]
    outsiders: dict[Role, int] = field(default_factory=dict)


def get(url: Callable[[World], str], allowed: frozenset[Role] = EVERYONE) -> Spec:
    return Spec(lambda w, role: Call(url(w)), allowed)


# Ownership-dependent writes: the owner (manager), the assigned legal officer and admins; nobody else.
OWNERS = frozenset({ADMIN, MANAGER, LEGAL})
NOT_THEIRS = {MANAGER: 403, LEGAL: 403}
EDITORS = frozenset({ADMIN, MANAGER, LEGAL})  # manage organisations


def _org(w: World) -> str:
    return f"{API}/organisations/{w.organisation.id}"


def _ptn(w: World) -> str:
    return f"{API}/partnerships/{w.partnership.id}"


def _agr(w: World) -> str:
    return f"{API}/agreements/{w.agreement.id}"


def _obligation(w: World) -> str:
    return f"{API}/obligations/{list_for_agreement(w.session, w.agreement.id)[0].id}"


def _partnership_transition(w: World, role: Role) -> Call:
    # go_dormant is for admins and managers; a legal officer's trigger from `informal` is record_undertaking.
    trigger = "record_undertaking" if role is LEGAL else "go_dormant"
    return Call(f"{_ptn(w)}/transitions/{trigger}", {"comment": "Matrix"})


def _agreement_transition(w: World, role: Role) -> Call:
    # Submitting is for admins and managers (and legal officers); approving is for legal officers only, and the
    # approver must not be the submitter: the manager submits first.
    if role is LEGAL:
        advance(w.session, w.agreement, "submit_for_review", w.people)
        w.session.commit()
        payload = {"version_sha256": w.agreement.latest_version.sha256}
        return Call(f"{_agr(w)}/transitions/approve", {"payload": payload})
    return Call(f"{_agr(w)}/transitions/submit_for_review", {})


def _courtesy(w: World, role: Role) -> Call:
    agreement, number = signed_generated_agreement(w.session, w.people)
    return Call(f"{API}/agreements/{agreement.id}/versions/{number}/translations", {"language": "fr"})


def _upload(w: World, role: Role) -> Call:
    docx = to_docx("# Edited\n\n## 1. Purpose\n\nText.\n")
    return Call(f"{_agr(w)}/versions/upload", files={"file": ("edited.docx", docx, DOCX_MEDIA_TYPE)})


def _ad_hoc(w: World) -> str:
    return f"{API}/partnerships/{partnership(w.session, w.user_for(MANAGER), w.organisation).id}"


def _import_upload(w: World, role: Role) -> Call:
    inventory = b"Organisation name,Country,Partner type\nMatrix Import Partner,Kenya,NGO\n"
    return Call(f"{API}/imports", files={"file": ("inventory.csv", inventory, "text/csv")})


def _signed_copy(w: World) -> Agreement:
    """A signed copy uploaded by the partnership's legal officer, waiting for confirmation."""
    docx = to_docx("# Memorandum of Understanding\n\nThis Memorandum shall enter into force on 1 March 2023.\n")
    review = upload_signed_copy(w.session, w.formalising.id, docx, "signed.docx", w.people.lawyer)
    w.session.commit()
    return review.agreement


def _existing_upload(w: World, role: Role) -> Call:
    docx = to_docx("# Memorandum of Understanding\n\nSigned in Nairobi on 15 February 2023.\n")
    url = f"{API}/partnerships/{w.formalising.id}/existing-agreements/extract"
    return Call(url, files={"file": ("signed.docx", docx, DOCX_MEDIA_TYPE)})


def _existing_confirm(w: World, role: Role) -> Call:
    upload = _signed_copy(w)
    body = {
        "upload_id": upload.id,
        "document_sha256": upload.latest_version.sha256,
        "title": "MOU signed in 2023",
        "effective_date": "2023-03-01",
        "end_date": "2026-02-28",
        "parties": [{"party_id": party.id} for party in w.formalising.parties],
    }
    return Call(f"{API}/partnerships/{w.formalising.id}/existing-agreements", body)


def _import_run(w: World) -> int:
    run = ImportRun(file_name="matrix.csv", sha256="0" * 64, problems=[])
    w.session.add(run)
    w.session.commit()
    return run.id


def _revoke(w: World, role: Role) -> Call:
    # A second token of the role's user: the caller's own (or, for an outsider, someone else's).
    token, _ = create_token(w.session, w.user_for(role), "second")
    w.session.commit()
    return Call(f"{API}/tokens/{token.id}/revoke")


def _sign_in(w: World, role: Role) -> Call:
    person = create_user(
        w.session,
        UserCreate(email=f"signing.{role.value}@example.org", full_name="Signs In", roles=[role], password=PASSWORD),
        actor=SET_UP,
    )
    w.session.commit()
    return Call(f"{API}/auth/token", {"email": person.email, "password": PASSWORD})


def _linked(w: World) -> dict[str, int]:
    """A partner link of the world's people with a proposal, a comment and a reported obligation (built once)."""
    if not hasattr(w, "_linked_ids"):
        from app.partner_links import partner, reports
        from tests.partner_links.support import link_for, scene

        found = scene(w.session, w.people)
        link, _ = link_for(w.session, w.people, found)
        proposal = partner.propose_correction(w.session, link, {"organisation": {"short_name": "X"}}, None, "127.0.0.1")
        comment = partner.add_comment(w.session, link, "clause-1", "Name the clinics", "127.0.0.1")
        reports.report_obligation(w.session, link, found.obligation.id, "Done", "r.txt", b"Q1", "127.0.0.1")
        w.session.commit()
        attachment = reports.attachments_of(w.session, found.obligation.id)[0]
        w._linked_ids = {"link": link.id, "partnership": found.partnership.id, "agreement": found.agreement.id,
                         "obligation": found.obligation.id, "proposal": proposal.id, "comment": comment.id,
                         "attachment": attachment.id,
                         "contact": found.partnership.parties[1].organisation.contacts[0].id}  # fmt: skip
    return w._linked_ids


def _hit(w: World) -> int:
    """A potential sanctions-list match of an organisation of this world (built once)."""
    if not hasattr(w, "_hit_id"):
        from app.screening import service as screening_service

        suspect = organisation(w.session, "Northern Crescent Foundation", country_code="SO")
        w.session.commit()
        w._hit_id = screening_service.standing(w.session, suspect).hits[0].id
    return w._hit_id


def _approved(w: World) -> Agreement:
    for trigger in ("submit_for_review", "approve"):
        advance(w.session, w.agreement, trigger, w.people)
    w.session.commit()
    return w.agreement


def _active(w: World) -> Agreement:
    for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(w.session, w.agreement, trigger, w.people)
    w.session.commit()
    return w.agreement


def _electronic(w: World, role: Role) -> Call:
    sha = _approved(w).latest_version.sha256
    body = {"typed_name": "Dana", "signatory_title": "Director", "consent_text": "I agree", "version_sha256": sha}
    return Call(f"{_agr(w)}/signing/organisation/electronic", body)


def _withdrawal(w: World, role: Role) -> Call:
    party = _active(w).partnership.parties[0].id
    return Call(f"{_agr(w)}/withdrawals", {"party_id": party, "reason": "Leaving"})


def _signed_pdf(w: World) -> str:
    _active(w)
    return f"{_agr(w)}/signed.pdf"


def _send_link(w: World, role: Role) -> Call:
    ids = _linked(w)
    return Call(f"{API}/partnerships/{ids['partnership']}/partner-links", {"contact_id": ids["contact"]})


ROUTES: dict[tuple[str, str], Spec] = {
    ("GET", "/healthz"): get(lambda w: "/healthz"),
    ("GET", "/readyz"): get(lambda w: "/readyz"),
    ("GET", "/metrics"): get(lambda w: "/metrics", frozenset({ADMIN})),
    ("GET", "/api/v1/me"): get(lambda w: f"{API}/me"),
    ("GET", "/api/v1/areas"): get(lambda w: f"{API}/areas"),
    # organisations ---------------------------------------------------------------------------------------------
    ("GET", "/api/v1/organisations"): get(lambda w: f"{API}/organisations"),
    ("POST", "/api/v1/organisations"): Spec(
        lambda w, role: Call(
            f"{API}/organisations", {"legal_name": "Matrix Organisation", "kind": "national_cso", "country_code": "KE"}
        ),
        EDITORS,
    ),
    ("GET", "/api/v1/organisations/{organisation_id}"): get(_org),
    ("PATCH", "/api/v1/organisations/{organisation_id}"): Spec(
        lambda w, role: Call(_org(w), {"notes": "Met in March"}), EDITORS
    ),
    ("GET", "/api/v1/organisations/{organisation_id}/contacts"): get(lambda w: f"{_org(w)}/contacts"),
    ("POST", "/api/v1/organisations/{organisation_id}/contacts"): Spec(
        lambda w, role: Call(f"{_org(w)}/contacts", {"name": "B Person", "title": "Officer"}), EDITORS
    ),
    ("PATCH", "/api/v1/organisations/{organisation_id}/contacts/{contact_id}"): Spec(
        lambda w, role: Call(f"{_org(w)}/contacts/{w.organisation.contacts[0].id}", {"title": "Head"}), EDITORS
    ),
    # partnerships ----------------------------------------------------------------------------------------------
    ("GET", "/api/v1/partnerships"): get(lambda w: f"{API}/partnerships"),
    ("POST", "/api/v1/partnerships"): Spec(
        lambda w, role: Call(
            f"{API}/partnerships",
            {
                "title": "Matrix partnership",
                "parties": [{"organisation_id": w.organisation.id, "role": "lead_partner"}],
            },
        ),
        frozenset({ADMIN, MANAGER}),
    ),
    ("GET", "/api/v1/partnerships/{partnership_id}"): get(_ptn),
    ("PATCH", "/api/v1/partnerships/{partnership_id}"): Spec(
        lambda w, role: Call(_ptn(w), {"title": "Renamed partnership"}), OWNERS, NOT_THEIRS
    ),
    ("GET", "/api/v1/partnerships/{partnership_id}/interactions"): get(lambda w: f"{_ptn(w)}/interactions"),
    ("POST", "/api/v1/partnerships/{partnership_id}/interactions"): Spec(
        lambda w, role: Call(f"{_ptn(w)}/interactions", {"occurred_on": _today(), "kind": "meeting", "summary": "Met"}),
        OWNERS,
        NOT_THEIRS,
    ),
    ("GET", "/api/v1/partnerships/{partnership_id}/undertakings"): get(lambda w: f"{_ptn(w)}/undertakings"),
    ("POST", "/api/v1/partnerships/{partnership_id}/undertakings"): Spec(
        lambda w, role: Call(
            f"{_ptn(w)}/undertakings",
            {"given_on": _today(), "given_by": "The director", "scope": "Scope", "form": "verbal"},
        ),
        OWNERS,
        NOT_THEIRS,
    ),
    ("GET", "/api/v1/partnerships/{partnership_id}/transitions"): get(lambda w: f"{_ptn(w)}/transitions"),
    ("POST", "/api/v1/partnerships/{partnership_id}/transitions/{trigger}"): Spec(
        _partnership_transition, OWNERS, NOT_THEIRS
    ),
    ("GET", "/api/v1/partnerships/{partnership_id}/history"): get(lambda w: f"{_ptn(w)}/history"),
    ("GET", "/api/v1/partnerships/{partnership_id}/stage"): get(lambda w: f"{_ptn(w)}/stage?on={_today()}"),
    ("GET", "/api/v1/partnerships/{partnership_id}/timeline"): get(lambda w: f"{_ptn(w)}/timeline"),
    ("POST", "/api/v1/partnerships/{partnership_id}/drafts"): Spec(
        lambda w, role: Call(
            f"{_ptn(w)}/drafts",
            {
                "template": "ad_hoc_note",
                "language": "en",
                "variables": {"interaction_date": _today(), "event": "Workshop", "summary": "Met", "areas": []},
                "format": "html",
            },
        ),
        OWNERS,
        NOT_THEIRS,
    ),
    # agreements ------------------------------------------------------------------------------------------------
    ("GET", "/api/v1/agreements"): get(lambda w: f"{API}/agreements"),
    ("POST", "/api/v1/agreements"): Spec(
        lambda w, role: Call(
            f"{API}/agreements",
            {
                "partnership_id": w.formalising.id,
                "kind": "mou",
                "title": "Matrix MOU",
                "effective_date": "2027-01-01",
                "end_date": "2028-12-31",
                "notice_period_days": 60,
            },
        ),
        OWNERS,
        NOT_THEIRS,
    ),
    ("GET", "/api/v1/agreements/{agreement_id}"): get(_agr),
    ("PATCH", "/api/v1/agreements/{agreement_id}"): Spec(
        lambda w, role: Call(_agr(w), {"title": "Renamed MOU"}), OWNERS, NOT_THEIRS
    ),
    ("GET", "/api/v1/agreements/{agreement_id}/versions"): get(lambda w: f"{_agr(w)}/versions"),
    ("POST", "/api/v1/agreements/{agreement_id}/versions"): Spec(
        lambda w, role: Call(f"{_agr(w)}/versions", {"body": "Text & <clauses>"}), OWNERS, NOT_THEIRS
    ),
    ("GET", "/api/v1/agreements/{agreement_id}/versions/{number}"): get(lambda w: f"{_agr(w)}/versions/1"),
    ("GET", "/api/v1/agreements/{agreement_id}/obligations"): get(lambda w: f"{_agr(w)}/obligations"),
    ("POST", "/api/v1/agreements/{agreement_id}/obligations"): Spec(
        lambda w, role: Call(f"{_agr(w)}/obligations", {"description": "Quarterly report", "due_date": "2027-03-31"}),
        OWNERS,
        NOT_THEIRS,
    ),
    ("GET", "/api/v1/agreements/{agreement_id}/signatures"): get(lambda w: f"{_agr(w)}/signatures"),
    ("GET", "/api/v1/agreements/{agreement_id}/transitions"): get(lambda w: f"{_agr(w)}/transitions"),
    # Any legal officer may act on agreements (four eyes needs a second one); managers only on their own.
    ("POST", "/api/v1/agreements/{agreement_id}/transitions/{trigger}"): Spec(
        _agreement_transition, OWNERS, {MANAGER: 403, LEGAL: 2}
    ),
    ("GET", "/api/v1/agreements/{agreement_id}/history"): get(lambda w: f"{_agr(w)}/history"),
    ("PUT", "/api/v1/agreements/{agreement_id}/reminder-policy"): Spec(
        lambda w, role: Call(f"{_agr(w)}/reminder-policy", {"end_date_days": [60, 30]}), OWNERS, NOT_THEIRS
    ),
    # drafting --------------------------------------------------------------------------------------------------
    ("GET", "/api/v1/templates"): get(lambda w: f"{API}/templates"),
    ("GET", "/api/v1/templates/{key}"): get(lambda w: f"{API}/templates/mou"),
    ("PUT", "/api/v1/templates/{key}/{language}"): Spec(
        lambda w, role: Call(
            f"{API}/templates/house_mou/en",
            {
                "title": "House MOU",
                "version": "1.0",
                "kinds": ["mou"],
                "variables": [{"name": "partner", "type": "text", "required": True, "description": "the partner"}],
                "source": "# Memorandum\n\nWith {{ partner | inline }}.\n",
            },
        ),
        frozenset({ADMIN, LEGAL}),
    ),
    ("GET", "/api/v1/agreements/{agreement_id}/preflight"): get(lambda w: f"{_agr(w)}/preflight"),
    ("POST", "/api/v1/agreements/{agreement_id}/versions/generate"): Spec(
        lambda w, role: Call(
            f"{_agr(w)}/versions/generate",
            {"template": "mou", "language": "fr", "variables": {"purpose": "to cooperate on migrant health"}},
        ),
        OWNERS,
        NOT_THEIRS,
    ),
    # Courtesy translations of the signed version: like generating a version, the owners of the agreement.
    ("POST", "/api/v1/agreements/{agreement_id}/versions/{number}/translations"): Spec(_courtesy, OWNERS, NOT_THEIRS),
    # Hand-edited Word documents: legal officers (any of them, as they act on agreements) and admins.
    ("POST", "/api/v1/agreements/{agreement_id}/versions/upload"): Spec(_upload, frozenset({ADMIN, LEGAL}), {LEGAL: 2}),
    ("GET", "/api/v1/agreements/{agreement_id}/versions/{number}/document"): get(
        lambda w: f"{_agr(w)}/versions/1/document"
    ),
    ("GET", "/api/v1/agreements/{agreement_id}/versions/{number}/diff/{other}"): get(
        lambda w: f"{_agr(w)}/versions/1/diff/1"
    ),
    # agreements signed before the registry: legal officers (any of them) and admins; the stored file: everyone
    ("POST", "/api/v1/partnerships/{partnership_id}/existing-agreements/extract"): Spec(
        _existing_upload, frozenset({ADMIN, LEGAL}), {LEGAL: 2}
    ),
    ("GET", "/api/v1/partnerships/{partnership_id}/existing-agreements/{upload_id}"): Spec(
        lambda w, role: Call(f"{API}/partnerships/{w.formalising.id}/existing-agreements/{_signed_copy(w).id}"),
        frozenset({ADMIN, LEGAL}),
        {LEGAL: 2},
    ),
    ("POST", "/api/v1/partnerships/{partnership_id}/existing-agreements"): Spec(
        _existing_confirm, frozenset({ADMIN, LEGAL}), {LEGAL: 2}
    ),
    ("GET", "/api/v1/agreements/{agreement_id}/versions/{number}/file"): get(
        lambda w: f"{API}/agreements/{_signed_copy(w).id}/versions/1/file"
    ),
    # obligations -----------------------------------------------------------------------------------------------
    ("GET", "/api/v1/obligations"): get(lambda w: f"{API}/obligations"),
    ("GET", "/api/v1/obligations/{obligation_id}"): get(_obligation),
    ("PATCH", "/api/v1/obligations/{obligation_id}"): Spec(
        lambda w, role: Call(_obligation(w), {"description": "Revised report"}),
        OWNERS,
        NOT_THEIRS,
    ),
    ("DELETE", "/api/v1/obligations/{obligation_id}"): Spec(lambda w, role: Call(_obligation(w)), OWNERS, NOT_THEIRS),
    ("GET", "/api/v1/obligations/{obligation_id}/transitions"): get(lambda w: f"{_obligation(w)}/transitions"),
    ("POST", "/api/v1/obligations/{obligation_id}/transitions/{trigger}"): Spec(
        lambda w, role: Call(
            f"{_obligation(w)}/transitions/fulfil", {"payload": {"fulfilled_on": _today(), "evidence": "Report"}}
        ),
        OWNERS,
        NOT_THEIRS,
    ),
    ("GET", "/api/v1/obligations/{obligation_id}/history"): get(lambda w: f"{_obligation(w)}/history"),
    # reminders -------------------------------------------------------------------------------------------------
    ("GET", "/api/v1/reminders"): get(lambda w: f"{API}/reminders"),
    ("POST", "/api/v1/reminders/{reminder_id}/retry"): Spec(
        lambda w, role: Call(f"{API}/reminders/{w.reminder(ReminderStatus.FAILED).id}/retry"), OWNERS, NOT_THEIRS
    ),
    ("POST", "/api/v1/reminders/{reminder_id}/cancel"): Spec(
        lambda w, role: Call(
            f"{API}/reminders/{w.reminder(ReminderStatus.PLANNED).id}/cancel", {"reason": "The partner asked"}
        ),
        OWNERS,
        NOT_THEIRS,
    ),
    ("GET", "/api/v1/me/upcoming"): get(lambda w: f"{API}/me/upcoming"),
    # users, tokens, sign-in ------------------------------------------------------------------------------------
    ("GET", "/api/v1/users"): get(lambda w: f"{API}/users", frozenset({ADMIN})),
    ("POST", "/api/v1/users"): Spec(
        lambda w, role: Call(
            f"{API}/users", {"email": "new.person@example.org", "full_name": "New Person", "roles": ["viewer"]}
        ),
        frozenset({ADMIN}),
    ),
    ("PATCH", "/api/v1/users/{user_id}"): Spec(
        lambda w, role: Call(f"{API}/users/{w.people.second_lawyer.id}", {"full_name": "Renamed Lawyer"}),
        frozenset({ADMIN}),
    ),
    ("POST", "/api/v1/users/{user_id}/password-reset"): Spec(
        lambda w, role: Call(f"{API}/users/{w.people.second_lawyer.id}/password-reset"), frozenset({ADMIN})
    ),
    ("PATCH", "/api/v1/me"): Spec(lambda w, role: Call(f"{API}/me", {"language": "fr"}), EVERYONE),
    ("GET", "/api/v1/me/tokens"): get(lambda w: f"{API}/me/tokens"),
    ("POST", "/api/v1/me/tokens"): Spec(lambda w, role: Call(f"{API}/me/tokens", {"name": "script"}), EVERYONE),
    # calendars: my own subscription URL; a partnership's partner-safe feed for everyone who may read it
    ("GET", "/api/v1/me/calendar"): get(lambda w: f"{API}/me/calendar"),
    ("POST", "/api/v1/me/calendar"): Spec(lambda w, role: Call(f"{API}/me/calendar"), EVERYONE),
    ("DELETE", "/api/v1/me/calendar"): Spec(lambda w, role: Call(f"{API}/me/calendar"), EVERYONE),
    ("GET", "/api/v1/partnerships/{partnership_id}/calendar.ics"): get(lambda w: f"{_ptn(w)}/calendar.ics"),
    # Everyone may revoke their own tokens; only admins anyone's.
    ("POST", "/api/v1/tokens/{token_id}/revoke"): Spec(
        _revoke, EVERYONE, {ADMIN: 2, LEGAL: 403, MANAGER: 403, VIEWER: 403}
    ),
    ("POST", "/api/v1/auth/token"): Spec(_sign_in, EVERYONE),  # public: the password is the credential
    # audit and workflows ---------------------------------------------------------------------------------------
    ("GET", "/api/v1/audit"): get(lambda w: f"{API}/audit", frozenset({ADMIN})),
    ("GET", "/api/v1/workflows/{name}"): get(lambda w: f"{API}/workflows/agreement"),
    ("GET", "/api/v1/workflows/{name}/diagram"): get(lambda w: f"{API}/workflows/agreement/diagram"),
    # inventory imports: admins and project managers ------------------------------------------------------------
    ("POST", "/api/v1/imports"): Spec(_import_upload, frozenset({ADMIN, MANAGER})),
    ("GET", "/api/v1/imports"): get(lambda w: f"{API}/imports", frozenset({ADMIN, MANAGER})),
    ("GET", "/api/v1/imports/{import_id}"): get(
        lambda w: f"{API}/imports/{_import_run(w)}", frozenset({ADMIN, MANAGER})
    ),
    # reports ---------------------------------------------------------------------------------------------------
    ("GET", "/api/v1/reports/portfolio"): get(lambda w: f"{API}/reports/portfolio"),
    ("GET", "/api/v1/reports/portfolio.pdf"): get(lambda w: f"{API}/reports/portfolio.pdf"),
    ("GET", "/api/v1/reports/as-of/partnerships"): get(lambda w: f"{API}/reports/as-of/partnerships?on=2026-01-01"),
    ("GET", "/api/v1/reports/as-of/agreements"): get(lambda w: f"{API}/reports/as-of/agreements?on=2026-01-01"),
    ("GET", "/api/v1/reports/changes"): get(lambda w: f"{API}/reports/changes?start=2026-01-01&end=2026-01-31"),
    ("GET", "/api/v1/reports/changes/{category}"): get(
        lambda w: f"{API}/reports/changes/new?start=2026-01-01&end=2026-01-31"
    ),
    # exports: everyone who may read the lists ------------------------------------------------------------------
    ("GET", "/api/v1/exports/organisations"): get(
        lambda w: f"{API}/exports/organisations?q={w.organisation.legal_name}"
    ),
    ("GET", "/api/v1/exports/partnerships"): get(
        lambda w: f"{API}/exports/partnerships?q={w.partnership.reference}&format=xlsx"
    ),
    ("GET", "/api/v1/exports/agreements"): get(
        lambda w: f"{API}/exports/agreements?partnership_id={w.agreement.partnership_id}"
    ),
    ("GET", "/api/v1/exports/obligations"): get(
        lambda w: f"{API}/exports/obligations?partnership_id={w.agreement.partnership_id}&format=xlsx"
    ),
    # data quality: everyone who may read -----------------------------------------------------------------------
    ("GET", "/api/v1/quality/summary"): get(lambda w: f"{API}/quality/summary"),
    ("GET", "/api/v1/quality/records"): get(lambda w: f"{API}/quality/records?entity=organisation&sort=score"),
    ("GET", "/api/v1/quality/organisations/{organisation_id}"): get(
        lambda w: f"{API}/quality/organisations/{w.organisation.id}"
    ),
    ("GET", "/api/v1/quality/partnerships/{partnership_id}"): get(
        lambda w: f"{API}/quality/partnerships/{w.partnership.id}"
    ),
    # issue 21: partner links (senders: legal officers, admins, the owner), signatures and withdrawals (legal
    # officers, admins), calendars (everyone for their own) -----------------------------------------------------
    ("POST", "/api/v1/partnerships/{partnership_id}/partner-links"): Spec(_send_link, OWNERS),
    ("GET", "/api/v1/partnerships/{partnership_id}/partner-links"): get(
        lambda w: f"{API}/partnerships/{_linked(w)['partnership']}/partner-links", OWNERS
    ),
    ("GET", "/api/v1/partner-links/{link_id}"): get(lambda w: f"{API}/partner-links/{_linked(w)['link']}", OWNERS),
    ("GET", "/api/v1/partner-links/{link_id}/uses"): get(
        lambda w: f"{API}/partner-links/{_linked(w)['link']}/uses", OWNERS
    ),
    ("POST", "/api/v1/partner-links/{link_id}/revoke"): Spec(
        lambda w, role: Call(f"{API}/partner-links/{_linked(w)['link']}/revoke"), OWNERS
    ),
    ("GET", "/api/v1/partnerships/{partnership_id}/partner-proposals"): get(
        lambda w: f"{API}/partnerships/{_linked(w)['partnership']}/partner-proposals", OWNERS
    ),
    ("POST", "/api/v1/partner-proposals/{proposal_id}/accept"): Spec(
        lambda w, role: Call(f"{API}/partner-proposals/{_linked(w)['proposal']}/accept"), OWNERS
    ),
    ("POST", "/api/v1/partner-proposals/{proposal_id}/reject"): Spec(
        lambda w, role: Call(f"{API}/partner-proposals/{_linked(w)['proposal']}/reject", {"reason": "No"}), OWNERS
    ),
    ("GET", "/api/v1/agreements/{agreement_id}/partner-comments"): get(
        lambda w: f"{API}/agreements/{_linked(w)['agreement']}/partner-comments"
    ),
    ("POST", "/api/v1/partner-comments/{comment_id}/resolve"): Spec(
        lambda w, role: Call(f"{API}/partner-comments/{_linked(w)['comment']}/resolve"), OWNERS
    ),
    ("GET", "/api/v1/obligations/{obligation_id}/partner-attachments"): get(
        lambda w: f"{API}/obligations/{_linked(w)['obligation']}/partner-attachments"
    ),
    ("GET", "/api/v1/partner-attachments/{attachment_id}"): get(
        lambda w: f"{API}/partner-attachments/{_linked(w)['attachment']}"
    ),
    ("GET", "/api/v1/agreements/{agreement_id}/signing"): get(lambda w: f"{_agr(w)}/signing"),
    ("GET", "/api/v1/agreements/{agreement_id}/signed.pdf"): get(_signed_pdf),
    ("POST", "/api/v1/agreements/{agreement_id}/signing/{party}/electronic"): Spec(
        _electronic, frozenset({ADMIN, LEGAL})
    ),
    ("POST", "/api/v1/agreements/{agreement_id}/signing/{party}/wet-ink"): Spec(
        lambda w, role: Call(
            f"{API}/agreements/{_approved(w).id}/signing/organisation/wet-ink",
            files={"file": ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")},
            json={
                "signatory_name": "DG",
                "signatory_title": "DG",
                "signed_on": _today(),
                "version_sha256": w.agreement.latest_version.sha256,
            },
        ),
        frozenset({ADMIN, LEGAL}),
    ),
    ("POST", "/api/v1/agreements/{agreement_id}/withdrawals"): Spec(_withdrawal, frozenset({ADMIN, LEGAL})),
    # screening: everyone reads; legal officers and admins decide; admins load a list
    ("GET", "/api/v1/screening"): get(lambda w: f"{API}/screening"),
    ("GET", "/api/v1/screening/hits"): get(lambda w: f"{API}/screening/hits"),
    ("GET", "/api/v1/screening/hits/{hit_id}"): get(lambda w: f"{API}/screening/hits/{_hit(w)}"),
    ("GET", "/api/v1/organisations/{organisation_id}/screening"): get(
        lambda w: f"{API}/organisations/{w.organisation.id}/screening"
    ),
    ("POST", "/api/v1/screening/hits/{hit_id}/decision"): Spec(
        lambda w, role: Call(f"{API}/screening/hits/{_hit(w)}/decision", {"decision": "cleared", "reason": "Other"}),
        frozenset({ADMIN, LEGAL}),
    ),
    ("POST", "/api/v1/screening/lists"): Spec(
        lambda w, role: Call(
            f"{API}/screening/lists",
            files={"file": ("consolidated.xml", SCREENING_LIST.read_bytes(), "application/xml")},
        ),
        frozenset({ADMIN}),
    ),
    # webhooks: admins only
    ("GET", "/api/v1/webhooks"): get(lambda w: f"{API}/webhooks", frozenset({ADMIN})),
    ("POST", "/api/v1/webhooks"): Spec(
        lambda w, role: Call(f"{API}/webhooks", {"url": "https://93.184.216.34/hook", "event_types": ["*"]}),
        frozenset({ADMIN}),
    ),
    ("GET", "/api/v1/webhooks/{webhook_id}"): get(lambda w: f"{API}/webhooks/{w.webhook.id}", frozenset({ADMIN})),
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): Spec(
        lambda w, role: Call(f"{API}/webhooks/{w.webhook.id}", {"description": "CRM"}), frozenset({ADMIN})
    ),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): Spec(
        lambda w, role: Call(f"{API}/webhooks/{w.webhook.id}"), frozenset({ADMIN})
    ),
    ("POST", "/api/v1/webhooks/{webhook_id}/secret"): Spec(
        lambda w, role: Call(f"{API}/webhooks/{w.webhook.id}/secret"), frozenset({ADMIN})
    ),
    ("POST", "/api/v1/webhooks/{webhook_id}/test"): Spec(
        lambda w, role: Call(f"{API}/webhooks/{w.webhook.id}/test"), frozenset({ADMIN})
    ),
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): get(
        lambda w: f"{API}/webhooks/{w.webhook.id}/deliveries", frozenset({ADMIN})
    ),
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"): get(
        lambda w: f"{API}/webhooks/{w.webhook.id}/deliveries/{w.webhook_delivery.id}", frozenset({ADMIN})
    ),
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"): Spec(
        lambda w, role: Call(f"{API}/webhooks/{w.webhook.id}/deliveries/{w.webhook_delivery.id}/replay"),
        frozenset({ADMIN}),
    ),
}
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/api/v1/auth/token")}
CASES = [(method, path, role) for (method, path) in ROUTES for role in Role]
OUTSIDER_CASES = [(method, path, role) for (method, path), spec in ROUTES.items() for role in spec.outsiders]


@pytest.fixture
def world(session, make_user) -> World:
    return World(session, make_user)


def _send(client, method: str, call: Call, headers: dict[str, str]) -> Response:
    if call.files:  # a multipart form: its fields beside the file
        return client.request(method, call.url, data=call.json, files=call.files, headers=headers)
    return client.request(method, call.url, json=call.json, files=call.files, headers=headers)


def _check(response: Response, expected: int, what: str) -> None:
    if expected == 2:
        assert 200 <= response.status_code < 300, f"{what}: {response.status_code} {response.text[:500]}"
        return
    assert response.status_code == expected, f"{what}: {response.status_code} {response.text[:500]}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers["content-type"]
    assert response.json()["status"] == expected


def test_the_matrix_covers_every_route(client):
    served = {(method.upper(), path) for path, item in client.app.openapi()["paths"].items() for method in item}
    assert served == set(ROUTES)


def test_the_matrix_knows_every_role():
    assert set(Role) == {ADMIN, LEGAL, MANAGER, VIEWER}


@pytest.mark.parametrize(("method", "path", "role"), CASES, ids=lambda part: str(part))
def test_each_role_gets_what_the_policy_allows(client, world, auth, method, path, role):
    spec = ROUTES[(method, path)]
    caller = world.user_for(role)
    call = spec.build(world, role)
    _, headers = auth(user=caller)
    response = _send(client, method, call, headers)
    _check(response, 2 if role in spec.allowed else 403, f"{role} {method} {call.url}")


@pytest.mark.parametrize(("method", "path", "role"), OUTSIDER_CASES, ids=lambda part: str(part))
def test_a_user_outside_the_relationship(client, world, auth, make_user, method, path, role):
    """Not the owner, not the assigned legal officer, not the token's holder: a fresh user of ``role``."""
    spec = ROUTES[(method, path)]
    call = spec.build(world, role)
    _, headers = auth(user=make_user(role))
    response = _send(client, method, call, headers)
    _check(response, spec.outsiders[role], f"outside {role} {method} {call.url}")


@pytest.mark.parametrize(("method", "path"), list(ROUTES), ids=lambda part: str(part))
def test_no_token_is_a_401_challenge(client, world, method, path):
    call = ROUTES[(method, path)].build(world, VIEWER)
    response = _send(client, method, call, {})
    if (method, path) in PUBLIC:
        assert 200 <= response.status_code < 300, response.text
        return
    _check(response, 401, f"no token {method} {call.url}")
    assert response.headers["www-authenticate"] == "Bearer"


def _signed(w: World) -> str:
    # Effective in a month: signed today, it waits for the daily tick (signed in effect, it is active at once).
    w.agreement.effective_date = clock.today(get_settings().zone) + timedelta(days=30)
    for trigger in ("submit_for_review", "approve", "record_signatures"):
        advance(w.session, w.agreement, trigger, w.people)
    return _agr(w)


def _in_review(w: World) -> str:
    advance(w.session, w.agreement, "submit_for_review", w.people)
    return _agr(w)


# (workflow, trigger) -> (the URL of an entity in the trigger's source state, body, roles the workflow allows).
WORKFLOW_ROLES: dict[tuple[str, str], tuple[Callable[[World], str], dict[str, Any], frozenset[Role]]] = {
    # System-only triggers: nobody may fire them by hand, not even an admin.
    ("partnership", "agreement_in_force"): (lambda w: f"{API}/partnerships/{w.formalising.id}", {}, NOBODY),
    ("agreement", "activate"): (_signed, {}, NOBODY),
    ("obligation", "mark_overdue"): (_obligation, {}, NOBODY),
    ("partnership", "import_as_formal"): (_ad_hoc, {}, NOBODY),
    # People's triggers that some of the roles the policy lets in may not fire.
    ("partnership", "go_dormant"): (_ptn, {}, frozenset({ADMIN, MANAGER})),
    ("agreement", "request_changes"): (_in_review, {"comment": "Tighten clause 3"}, frozenset({ADMIN, LEGAL})),
    ("agreement", "approve"): (_in_review, {}, frozenset({LEGAL})),
    # The project manager who owns the partnership may waive (app/workflows/obligation.yaml); the viewer may not.
    ("obligation", "waive"): (_obligation, {"payload": {"reason": "Dropped"}}, frozenset({ADMIN, LEGAL, MANAGER})),
}
WORKFLOW_CASES = [(name, trigger, role) for (name, trigger) in WORKFLOW_ROLES for role in Role]


@pytest.mark.parametrize(("workflow", "trigger", "role"), WORKFLOW_CASES, ids=lambda part: str(part))
def test_workflow_roles_are_enforced_over_the_policy(client, world, auth, workflow, trigger, role):
    """Roles declared in ``app/workflows/*.yaml``: a role the policy lets in still gets 403 for another's trigger."""
    url, body, allowed = WORKFLOW_ROLES[(workflow, trigger)]
    target = url(world)
    world.session.commit()
    _, headers = auth(user=world.user_for(role))
    response = client.post(f"{target}/transitions/{trigger}", json=body, headers=headers)
    _check(response, 2 if role in allowed else 403, f"{role} {workflow} {trigger}")
