"""A refused write changes nothing: for every write endpoint, bad input gets a 4xx and the database is unchanged.

Several cases fail late (after rows were added or the reference counter bumped) to prove the request's
transaction is rolled back as a whole, not just that validation ran first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.obligations.service import list_for_agreement
from app.partnerships.models import PartyRole
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from app.webhooks import service as webhooks
from app.webhooks.schemas import SubscriptionCreate
from tests.builders import (
    SET_UP,
    advance,
    assert_problem,
    cast,
    database_snapshot,
    draft_agreement,
    organisation,
    partnership,
)
from tests.support import built_once

API = "/api/v1"


@dataclass
class World:
    ids: dict[str, int]
    headers: dict[str, dict[str, str]]


pytestmark = pytest.mark.shared_rows  # ~100 tests on the same rows: built once, each test undone


@pytest.fixture(scope="module")
def world(shared_rows) -> World:
    """The rows the refused writes aim at, built once for the module."""
    return built_once(shared_rows, _build_world)


def _build_world(session: Session, auth: Callable[..., Any], make_user: Callable[..., Any]) -> World:
    admin, admin_headers = auth(Role.ADMIN)
    _, viewer_headers = auth(Role.VIEWER)
    _, manager_headers = auth(Role.PROJECT_MANAGER)
    viewer = make_user(Role.VIEWER)
    org = organisation(session, "Main Organisation", contacts=[{"name": "Main Contact"}])
    other = organisation(session, "Taken Organisation", contacts=[{"name": "Other Contact"}])
    stranger = organisation(session, "Stranger")
    people = cast(make_user)
    drafted = draft_agreement(session, people)
    incomplete = draft_agreement(session, people, drafted.partnership, complete=False)
    in_review = draft_agreement(session, people, drafted.partnership)
    advance(session, in_review, "submit_for_review", people)
    active = draft_agreement(session, people, drafted.partnership)
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, active, step, people)
    planned_reminder, sent_reminder = (
        Reminder(
            dedupe_key=f"world:{status}",
            series=f"world:{status}",
            subject_type="agreement",
            subject_id=active.id,
            partnership_id=active.partnership_id,
            kind=ReminderKind.END_DATE,
            due_on=active.end_date,
            send_at=clock.now(),
            recipient_email="someone@example.org",
            status=status,
        )
        for status in (ReminderStatus.PLANNED, ReminderStatus.SENT)
    )
    session.add_all([planned_reminder, sent_reminder])
    admin_token, _ = create_token(session, admin, "admin's own")
    hook = SubscriptionCreate(url="http://127.0.0.1:9/hook", event_types=["*"], allow_private=True)
    webhook, _ = webhooks.create_subscription(session, hook, actor=SET_UP)
    other_webhook, _ = webhooks.create_subscription(session, hook, actor=SET_UP)
    webhook_delivery = webhooks.send_test(session, webhook.id, actor=SET_UP)
    create_user(session, UserCreate(email="taken@example.org", full_name="Taken", roles=[Role.VIEWER]), actor=SET_UP)
    session.commit()
    first = partnership(session, admin, org, project={"name": "First project", "code": "P-1"})
    second = partnership(session, admin, org, (other, PartyRole.DONOR), project={"name": "Second", "code": "P-2"})
    ids = {
        "admin_token": admin_token.id,
        "obligation": list_for_agreement(session, active.id)[0].id,
        "planned_reminder": planned_reminder.id,
        "sent_reminder": sent_reminder.id,
        "formalising": drafted.partnership_id,
        "draft": drafted.id,
        "incomplete": incomplete.id,
        "in_review": in_review.id,
        "active": active.id,
        "party": drafted.partnership.parties[0].id,
        "org": org.id,
        "other": other.id,
        "stranger": stranger.id,
        "contact": org.contacts[0].id,
        "other_contact": other.contacts[0].id,
        "other_party": second.parties[0].id,
        "first": first.id,
        "second": second.id,
        "viewer": viewer.id,
        "webhook": webhook.id,
        "other_webhook": other_webhook.id,
        "webhook_delivery": webhook_delivery.id,
    }
    return World(ids, {"admin": admin_headers, "viewer": viewer_headers, "manager": manager_headers})


def _today() -> str:
    return clock.today(get_settings().zone).isoformat()


def _tomorrow() -> str:
    return (clock.today(get_settings().zone) + timedelta(days=1)).isoformat()


def _party(org_id: int, role: str = "lead_partner") -> dict[str, Any]:
    return {"organisation_id": org_id, "role": role}


# (method, route, url, body or callable, who, extra headers, expected status, field named)
CASES: dict[str, tuple[Any, ...]] = {
    "organisation: unknown area with contacts": (
        "POST",
        "/organisations",
        "/organisations",
        lambda i: {
            "legal_name": "New",
            "kind": "other",
            "country_code": "FR",
            "contacts": [{"name": "A"}],
            "area_codes": ["nope"],
        },
        "admin",
        {},
        422,
        "area_codes",
    ),
    "organisation: duplicate name": (
        "POST",
        "/organisations",
        "/organisations",
        lambda i: {
            "legal_name": "MAIN organisation",
            "kind": "other",
            "country_code": "KE",
            "contacts": [{"name": "B"}],
        },
        "admin",
        {},
        409,
        None,
    ),
    "organisation: bad country": (
        "POST",
        "/organisations",
        "/organisations",
        lambda i: {"legal_name": "New", "kind": "other", "country_code": "ZZ"},
        "admin",
        {},
        422,
        "country_code",
    ),
    "organisation: viewer": (
        "POST",
        "/organisations",
        "/organisations",
        lambda i: {"legal_name": "New", "kind": "other", "country_code": "FR"},
        "viewer",
        {},
        403,
        None,
    ),
    "organisation update: unknown area after a rename": (
        "PATCH",
        "/organisations/{organisation_id}",
        "/organisations/{org}",
        lambda i: {"legal_name": "Renamed", "region": "Somewhere", "area_codes": ["humanitarian", "nope"]},
        "admin",
        {},
        422,
        "area_codes",
    ),
    "organisation update: name taken": (
        "PATCH",
        "/organisations/{organisation_id}",
        "/organisations/{org}",
        lambda i: {"legal_name": "taken organisation", "notes": "changed"},
        "admin",
        {},
        409,
        None,
    ),
    "organisation update: stale If-Match": (
        "PATCH",
        "/organisations/{organisation_id}",
        "/organisations/{org}",
        lambda i: {"notes": "changed"},
        "admin",
        {"If-Match": '"7"'},
        412,
        None,
    ),
    "organisation update: malformed If-Match": (
        "PATCH",
        "/organisations/{organisation_id}",
        "/organisations/{org}",
        lambda i: {"notes": "changed"},
        "admin",
        {"If-Match": "latest"},
        400,
        "If-Match",
    ),
    "organisation update: viewer": (
        "PATCH",
        "/organisations/{organisation_id}",
        "/organisations/{org}",
        lambda i: {"notes": "changed"},
        "viewer",
        {},
        403,
        None,
    ),
    "contact: bad email": (
        "POST",
        "/organisations/{organisation_id}/contacts",
        "/organisations/{org}/contacts",
        lambda i: {"name": "New", "email": "new at example"},
        "admin",
        {},
        422,
        "email",
    ),
    "contact: unknown organisation": (
        "POST",
        "/organisations/{organisation_id}/contacts",
        "/organisations/424242/contacts",
        lambda i: {"name": "New"},
        "admin",
        {},
        404,
        None,
    ),
    "contact: viewer": (
        "POST",
        "/organisations/{organisation_id}/contacts",
        "/organisations/{org}/contacts",
        lambda i: {"name": "New"},
        "viewer",
        {},
        403,
        None,
    ),
    "contact update: emptied name": (
        "PATCH",
        "/organisations/{organisation_id}/contacts/{contact_id}",
        "/organisations/{org}/contacts/{contact}",
        lambda i: {"title": "Changed", "name": None},
        "admin",
        {},
        422,
        "name",
    ),
    "contact update: contact of another organisation": (
        "PATCH",
        "/organisations/{organisation_id}/contacts/{contact_id}",
        "/organisations/{org}/contacts/{other_contact}",
        lambda i: {"title": "Changed"},
        "admin",
        {},
        404,
        None,
    ),
    "partnership: duplicate project code fails after the reference is taken": (
        "POST",
        "/partnerships",
        "/partnerships",
        lambda i: {
            "title": "Late failure",
            "parties": [_party(i["org"])],
            "area_codes": ["humanitarian"],
            "project": {"name": "Clash", "code": "P-1"},
        },
        "admin",
        {},
        409,
        None,
    ),
    "partnership: donor only": (
        "POST",
        "/partnerships",
        "/partnerships",
        lambda i: {"title": "No partner", "parties": [_party(i["org"], "donor")]},
        "admin",
        {},
        422,
        "parties",
    ),
    "partnership: owner is a viewer": (
        "POST",
        "/partnerships",
        "/partnerships",
        lambda i: {"title": "Bad owner", "parties": [_party(i["org"])], "owner_id": i["viewer"]},
        "admin",
        {},
        422,
        "owner_id",
    ),
    "partnership: viewer": (
        "POST",
        "/partnerships",
        "/partnerships",
        lambda i: {"title": "Viewer's", "parties": [_party(i["org"])]},
        "viewer",
        {},
        403,
        None,
    ),
    "partnership update: parties without a partner after a rename": (
        "PATCH",
        "/partnerships/{partnership_id}",
        "/partnerships/{first}",
        lambda i: {"title": "Renamed", "parties": [_party(i["other"], "observer")]},
        "admin",
        {},
        422,
        "parties",
    ),
    "partnership update: project code taken, after parties were replaced": (
        "PATCH",
        "/partnerships/{partnership_id}",
        "/partnerships/{first}",
        lambda i: {
            "title": "Renamed",
            "parties": [_party(i["other"])],
            "project": {"name": "Renamed project", "code": "P-2"},
        },
        "admin",
        {},
        409,
        None,
    ),
    "partnership update: stale If-Match": (
        "PATCH",
        "/partnerships/{partnership_id}",
        "/partnerships/{first}",
        lambda i: {"title": "Renamed"},
        "admin",
        {"If-Match": '"9"'},
        412,
        None,
    ),
    "partnership update: project manager who does not own it": (
        "PATCH",
        "/partnerships/{partnership_id}",
        "/partnerships/{first}",
        lambda i: {"title": "Renamed"},
        "manager",
        {},
        403,
        None,
    ),
    "interaction: in the future": (
        "POST",
        "/partnerships/{partnership_id}/interactions",
        "/partnerships/{first}/interactions",
        lambda i: {"occurred_on": _tomorrow(), "kind": "call", "summary": "Later"},
        "admin",
        {},
        422,
        "occurred_on",
    ),
    "interaction: unknown partnership": (
        "POST",
        "/partnerships/{partnership_id}/interactions",
        "/partnerships/424242/interactions",
        lambda i: {"occurred_on": _today(), "kind": "call", "summary": "Now"},
        "admin",
        {},
        404,
        None,
    ),
    "undertaking: in the future": (
        "POST",
        "/partnerships/{partnership_id}/undertakings",
        "/partnerships/{first}/undertakings",
        lambda i: {"given_on": _tomorrow(), "given_by": "Director", "scope": "Later", "form": "letter"},
        "admin",
        {},
        422,
        "given_on",
    ),
    "undertaking: given by an organisation that is not a party": (
        "POST",
        "/partnerships/{partnership_id}/undertakings",
        "/partnerships/{first}/undertakings",
        lambda i: {
            "given_on": _today(),
            "given_by": "Director",
            "organisation_id": i["stranger"],
            "scope": "Now",
            "form": "verbal",
        },
        "admin",
        {},
        422,
        "organisation_id",
    ),
    "transition: blocked by a guard": (
        "POST",
        "/partnerships/{partnership_id}/transitions/{trigger}",
        "/partnerships/{first}/transitions/start_formalising",
        lambda i: {"comment": "Too early"},
        "admin",
        {},
        409,
        None,
    ),
    "transition: not from this stage": (
        "POST",
        "/partnerships/{partnership_id}/transitions/{trigger}",
        "/partnerships/{first}/transitions/close",
        lambda i: {},
        "admin",
        {},
        409,
        None,
    ),
    "transition: automatic only": (
        "POST",
        "/partnerships/{partnership_id}/transitions/{trigger}",
        "/partnerships/{first}/transitions/agreement_in_force",
        lambda i: {},
        "admin",
        {},
        409,
        None,
    ),
    "transition: stale If-Match": (
        "POST",
        "/partnerships/{partnership_id}/transitions/{trigger}",
        "/partnerships/{first}/transitions/go_dormant",
        lambda i: {},
        "admin",
        {"If-Match": '"99"'},
        412,
        None,
    ),
    "transition: viewer": (
        "POST",
        "/partnerships/{partnership_id}/transitions/{trigger}",
        "/partnerships/{first}/transitions/go_dormant",
        lambda i: {},
        "viewer",
        {},
        403,
        None,
    ),
    "agreement: partnership not formalising yet": (
        "POST",
        "/agreements",
        "/agreements",
        lambda i: {"partnership_id": i["first"], "title": "Too early"},
        "admin",
        {},
        409,
        None,
    ),
    "agreement: end before effective": (
        "POST",
        "/agreements",
        "/agreements",
        lambda i: {
            "partnership_id": i["formalising"],
            "title": "Backwards",
            "effective_date": "2027-01-01",
            "end_date": "2026-01-01",
        },
        "admin",
        {},
        422,
        "end_date",
    ),
    "agreement: amendment without a parent": (
        "POST",
        "/agreements",
        "/agreements",
        lambda i: {"partnership_id": i["formalising"], "title": "Orphan", "kind": "amendment"},
        "admin",
        {},
        422,
        "parent_id",
    ),
    "agreement: viewer": (
        "POST",
        "/agreements",
        "/agreements",
        lambda i: {"partnership_id": i["formalising"], "title": "Not mine"},
        "viewer",
        {},
        403,
        None,
    ),
    "agreement update: stale If-Match": (
        "PATCH",
        "/agreements/{agreement_id}",
        "/agreements/{draft}",
        lambda i: {"title": "Renamed"},
        "admin",
        {"If-Match": '"99"'},
        412,
        None,
    ),
    "agreement update: in review": (
        "PATCH",
        "/agreements/{agreement_id}",
        "/agreements/{in_review}",
        lambda i: {"title": "Renamed"},
        "admin",
        {},
        409,
        None,
    ),
    "agreement update: end before the effective date kept": (
        "PATCH",
        "/agreements/{agreement_id}",
        "/agreements/{draft}",
        lambda i: {"title": "Renamed", "end_date": "2000-01-01"},
        "admin",
        {},
        422,
        "end_date",
    ),
    "version: agreement in review": (
        "POST",
        "/agreements/{agreement_id}/versions",
        "/agreements/{in_review}/versions",
        lambda i: {"body": "New text"},
        "admin",
        {},
        409,
        None,
    ),
    "version: empty text": (
        "POST",
        "/agreements/{agreement_id}/versions",
        "/agreements/{draft}/versions",
        lambda i: {"body": ""},
        "admin",
        {},
        422,
        "body",
    ),
    "obligation: party of another partnership": (
        "POST",
        "/agreements/{agreement_id}/obligations",
        "/agreements/{draft}/obligations",
        lambda i: {"party_id": i["other_party"], "description": "Report", "due_date": "2027-01-01"},
        "admin",
        {},
        422,
        "party_id",
    ),
    "obligation: viewer": (
        "POST",
        "/agreements/{agreement_id}/obligations",
        "/agreements/{draft}/obligations",
        lambda i: {"description": "Report", "due_date": "2027-01-01"},
        "viewer",
        {},
        403,
        None,
    ),
    "agreement transition: incomplete draft, with an idempotency key": (
        "POST",
        "/agreements/{agreement_id}/transitions/{trigger}",
        "/agreements/{incomplete}/transitions/submit_for_review",
        lambda i: {},
        "admin",
        {"Idempotency-Key": "first-try"},
        409,
        "trigger",
    ),
    "agreement transition: termination without its reason and date": (
        "POST",
        "/agreements/{agreement_id}/transitions/{trigger}",
        "/agreements/{active}/transitions/terminate",
        lambda i: {"payload": {"reason": " "}},
        "admin",
        {},
        422,
        "payload.termination_date",
    ),
    "agreement transition: notice period not respected": (
        "POST",
        "/agreements/{agreement_id}/transitions/{trigger}",
        "/agreements/{active}/transitions/terminate",
        lambda i: {"payload": {"reason": "Closing", "termination_date": _tomorrow()}},
        "admin",
        {},
        409,
        "trigger",
    ),
    "agreement transition: cancel without a justification": (
        "POST",
        "/agreements/{agreement_id}/transitions/{trigger}",
        "/agreements/{draft}/transitions/cancel",
        lambda i: {},
        "admin",
        {},
        422,
        "comment",
    ),
    "agreement transition: viewer": (
        "POST",
        "/agreements/{agreement_id}/transitions/{trigger}",
        "/agreements/{draft}/transitions/cancel",
        lambda i: {"comment": "Mine now"},
        "viewer",
        {},
        403,
        None,
    ),
    "template: uses an undeclared variable": (
        "PUT",
        "/templates/{key}/{language}",
        "/templates/house_note/en",
        lambda i: {
            "title": "Note",
            "version": "1.0",
            "kinds": ["ad_hoc_note"],
            "variables": [{"name": "partner", "type": "text", "required": True, "description": "the partner"}],
            "source": "# Note\n\n{{ partner }} and {{ secret_value }}\n",
        },
        "admin",
        {},
        422,
        "source",
    ),
    "template: a server-side template injection": (
        "PUT",
        "/templates/{key}/{language}",
        "/templates/house_note/en",
        lambda i: {
            "title": "Note",
            "version": "1.0",
            "kinds": ["ad_hoc_note"],
            "variables": [],
            "source": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        },
        "admin",
        {},
        422,
        "source",
    ),
    "template: project manager": (
        "PUT",
        "/templates/{key}/{language}",
        "/templates/house_note/en",
        lambda i: {"title": "Note", "version": "1.0", "kinds": ["ad_hoc_note"], "variables": [], "source": "# Note"},
        "manager",
        {},
        403,
        None,
    ),
    "generate: the purpose of the partnership is unknown": (
        "POST",
        "/agreements/{agreement_id}/versions/generate",
        "/agreements/{draft}/versions/generate",
        lambda i: {"template": "mou"},
        "admin",
        {},
        422,
        "purpose",
    ),
    "generate: a variable the template does not declare": (
        "POST",
        "/agreements/{agreement_id}/versions/generate",
        "/agreements/{draft}/versions/generate",
        lambda i: {"variables": {"purpose": "Work", "salary": 1}},
        "admin",
        {},
        422,
        "variables.salary",
    ),
    "generate: agreement in review": (
        "POST",
        "/agreements/{agreement_id}/versions/generate",
        "/agreements/{in_review}/versions/generate",
        lambda i: {"variables": {"purpose": "Work"}},
        "admin",
        {},
        409,
        None,
    ),
    "courtesy translation: the agreement is not signed": (
        "POST",
        "/agreements/{agreement_id}/versions/{number}/translations",
        "/agreements/{draft}/versions/1/translations",
        lambda i: {"language": "fr"},
        "admin",
        {},
        409,
        None,
    ),
    "import: no file": ("POST", "/imports", "/imports", lambda i: {}, "admin", {}, 422, "file"),
    "upload: no file": (
        "POST",
        "/agreements/{agreement_id}/versions/upload",
        "/agreements/{draft}/versions/upload",
        lambda i: {},
        "admin",
        {},
        422,
        "file",
    ),
    "existing agreement: no file": (
        "POST",
        "/partnerships/{partnership_id}/existing-agreements/extract",
        "/partnerships/{formalising}/existing-agreements/extract",
        lambda i: {},
        "admin",
        {},
        422,
        "file",
    ),
    "existing agreement: a draft that is no uploaded signed copy": (
        "POST",
        "/partnerships/{partnership_id}/existing-agreements",
        "/partnerships/{formalising}/existing-agreements",
        lambda i: {
            "upload_id": i["draft"],
            "document_sha256": "0" * 64,
            "title": "Old MOU",
            "effective_date": "2023-03-01",
            "end_date": "2026-02-28",
            "parties": [{"party_id": i["party"]}],
        },
        "admin",
        {},
        422,
        "upload_id",
    ),
    "preview: the event is unknown": (
        "POST",
        "/partnerships/{partnership_id}/drafts",
        "/partnerships/{first}/drafts",
        lambda i: {"template": "ad_hoc_note", "variables": {"areas": ["Health"]}},
        "admin",
        {},
        422,
        "interaction_date",
    ),
    "obligation edit: its agreement is in force": (
        "PATCH",
        "/obligations/{obligation_id}",
        "/obligations/{obligation}",
        lambda i: {"description": "Rewritten after signature"},
        "admin",
        {},
        409,
        None,
    ),
    "obligation delete: viewer": (
        "DELETE",
        "/obligations/{obligation_id}",
        "/obligations/{obligation}",
        lambda i: None,
        "viewer",
        {},
        403,
        None,
    ),
    "obligation transition: fulfilled in the future": (
        "POST",
        "/obligations/{obligation_id}/transitions/{trigger}",
        "/obligations/{obligation}/transitions/fulfil",
        lambda i: {"payload": {"fulfilled_on": _tomorrow()}},
        "admin",
        {},
        409,
        "trigger",
    ),
    "obligation transition: waived without a reason": (
        "POST",
        "/obligations/{obligation_id}/transitions/{trigger}",
        "/obligations/{obligation}/transitions/waive",
        lambda i: {},
        "admin",
        {},
        422,
        "payload.reason",
    ),
    "user: email taken": (
        "POST",
        "/users",
        "/users",
        lambda i: {"email": "taken@example.org", "full_name": "Twice", "roles": ["viewer"]},
        "admin",
        {},
        409,
        None,
    ),
    "user: project manager": (
        "POST",
        "/users",
        "/users",
        lambda i: {"email": "new@example.org", "full_name": "New", "roles": ["admin"]},
        "manager",
        {},
        403,
        None,
    ),
    "user update: no roles left": (
        "PATCH",
        "/users/{user_id}",
        "/users/{viewer}",
        lambda i: {"roles": []},
        "admin",
        {},
        422,
        "roles",
    ),
    "password reset link: not an admin": (
        "POST",
        "/users/{user_id}/password-reset",
        "/users/{viewer}/password-reset",
        lambda i: None,
        "viewer",
        {},
        403,
        None,
    ),
    "my profile: a language not spoken": (
        "PATCH",
        "/me",
        "/me",
        lambda i: {"language": "de"},
        "viewer",
        {},
        422,
        "language",
    ),
    "token: too long a life": (
        "POST",
        "/me/tokens",
        "/me/tokens",
        lambda i: {"name": "forever", "expires_in_days": 99999},
        "viewer",
        {},
        422,
        "expires_in_days",
    ),
    "token revoke: someone else's": (
        "POST",
        "/tokens/{token_id}/revoke",
        "/tokens/{admin_token}/revoke",
        lambda i: None,
        "viewer",
        {},
        403,
        None,
    ),
    "sign-in: no password": (
        "POST",
        "/auth/token",
        "/auth/token",
        lambda i: {"email": "taken@example.org"},
        "viewer",
        {},
        422,
        "password",
    ),
    "reminder retry: not failed": (
        "POST",
        "/reminders/{reminder_id}/retry",
        "/reminders/{planned_reminder}/retry",
        lambda i: None,
        "admin",
        {},
        409,
        None,
    ),
    "reminder cancel: already sent": (
        "POST",
        "/reminders/{reminder_id}/cancel",
        "/reminders/{sent_reminder}/cancel",
        lambda i: {"reason": "Too late"},
        "admin",
        {},
        409,
        None,
    ),
    "reminder cancel: viewer": (
        "POST",
        "/reminders/{reminder_id}/cancel",
        "/reminders/{planned_reminder}/cancel",
        lambda i: {"reason": "Not mine"},
        "viewer",
        {},
        403,
        None,
    ),
    "reminder policy: impossible number of days": (
        "PUT",
        "/agreements/{agreement_id}/reminder-policy",
        "/agreements/{active}/reminder-policy",
        lambda i: {"end_date_days": [30, 5000]},
        "admin",
        {},
        422,
        "end_date_days[1]",
    ),
    "reminder policy: bad cc address": (
        "PUT",
        "/agreements/{agreement_id}/reminder-policy",
        "/agreements/{active}/reminder-policy",
        lambda i: {"cc": ["not an address"]},
        "admin",
        {},
        422,
        "cc[0]",
    ),
    # issue 21: partner links, each party's signature, withdrawals, screening, calendars
    "partner link: viewer": (
        "POST",
        "/partnerships/{partnership_id}/partner-links",
        "/partnerships/{formalising}/partner-links",
        lambda i: {"contact_id": i["contact"]},
        "viewer",
        {},
        403,
        None,
    ),
    "partner link revoke: unknown link": (
        "POST",
        "/partner-links/{link_id}/revoke",
        "/partner-links/999999/revoke",
        lambda i: None,
        "admin",
        {},
        404,
        None,
    ),
    "partner proposal accept: unknown": (
        "POST",
        "/partner-proposals/{proposal_id}/accept",
        "/partner-proposals/999999/accept",
        lambda i: None,
        "admin",
        {},
        404,
        None,
    ),
    "partner proposal reject: unknown": (
        "POST",
        "/partner-proposals/{proposal_id}/reject",
        "/partner-proposals/999999/reject",
        lambda i: {"reason": "No"},
        "admin",
        {},
        404,
        None,
    ),
    "partner comment resolve: unknown": (
        "POST",
        "/partner-comments/{comment_id}/resolve",
        "/partner-comments/999999/resolve",
        lambda i: None,
        "admin",
        {},
        404,
        None,
    ),
    "electronic signature: viewer": (
        "POST",
        "/agreements/{agreement_id}/signing/{party}/electronic",
        "/agreements/{draft}/signing/organisation/electronic",
        lambda i: {"typed_name": "A", "signatory_title": "B", "consent_text": "I agree", "version_sha256": "0" * 64},
        "viewer",
        {},
        403,
        None,
    ),
    "wet-ink signature: no scan": (
        "POST",
        "/agreements/{agreement_id}/signing/{party}/wet-ink",
        "/agreements/{draft}/signing/organisation/wet-ink",
        lambda i: None,
        "admin",
        {},
        422,
        "file",
    ),
    "withdrawal: viewer": (
        "POST",
        "/agreements/{agreement_id}/withdrawals",
        "/agreements/{active}/withdrawals",
        lambda i: {"party_id": i["party"], "reason": "Leaving"},
        "viewer",
        {},
        403,
        None,
    ),
    "screening decision: unknown hit": (
        "POST",
        "/screening/hits/{hit_id}/decision",
        "/screening/hits/999999/decision",
        lambda i: {"decision": "cleared", "reason": "Not them"},
        "admin",
        {},
        404,
        None,
    ),
    "screening list: no file": (
        "POST",
        "/screening/lists",
        "/screening/lists",
        lambda i: None,
        "admin",
        {},
        422,
        "file",
    ),
    "calendar URL: no valid token": (
        "POST",
        "/me/calendar",
        "/me/calendar",
        lambda i: None,
        "viewer",
        {"Authorization": "Bearer agr_wrong"},
        401,
        None,
    ),
    "webhook: a private address": (
        "POST",
        "/webhooks",
        "/webhooks",
        lambda i: {"url": "https://169.254.169.254/latest/meta-data/", "event_types": ["*"]},
        "admin",
        {},
        422,
        "url",
    ),
    "webhook change: plain http without the allowance": (
        "PATCH",
        "/webhooks/{webhook_id}",
        "/webhooks/{webhook}",
        lambda i: {"url": "http://93.184.216.34/hook", "allow_private": False},
        "admin",
        {},
        422,
        "url",
    ),
    "webhook removal: not an admin": (
        "DELETE",
        "/webhooks/{webhook_id}",
        "/webhooks/{webhook}",
        lambda i: None,
        "manager",
        {},
        403,
        None,
    ),
    "webhook secret: not an admin": (
        "POST",
        "/webhooks/{webhook_id}/secret",
        "/webhooks/{webhook}/secret",
        lambda i: None,
        "viewer",
        {},
        403,
        None,
    ),
    "webhook test message: no such webhook": (
        "POST",
        "/webhooks/{webhook_id}/test",
        "/webhooks/999999/test",
        lambda i: None,
        "admin",
        {},
        404,
        None,
    ),
    "webhook replay: a delivery of another webhook": (
        "POST",
        "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
        "/webhooks/{other_webhook}/deliveries/{webhook_delivery}/replay",
        lambda i: None,
        "admin",
        {},
        404,
        None,
    ),
    "calendar URL revoke: no valid token": (
        "DELETE",
        "/me/calendar",
        "/me/calendar",
        lambda i: None,
        "viewer",
        {"Authorization": "Bearer agr_wrong"},
        401,
        None,
    ),
    "undertaking: viewer": (
        "POST",
        "/partnerships/{partnership_id}/undertakings",
        "/partnerships/{first}/undertakings",
        lambda i: {"given_on": _today(), "given_by": "Director", "scope": "Now", "form": "verbal"},
        "viewer",
        {},
        403,
        None,
    ),
}


def test_every_write_endpoint_has_a_refused_case(client):
    writes = {
        (method.upper(), path.removeprefix(API))
        for path, item in client.app.openapi()["paths"].items()
        for method in item
        if method in {"post", "patch", "put", "delete"}
    }
    covered = {(case[0], case[1]) for case in CASES.values()}
    assert writes == covered


@pytest.mark.parametrize("case", list(CASES))
def test_a_refused_write_changes_nothing(client, session, world, case):
    method, _route, url, body, who, extra, status, field = CASES[case]
    headers = {**world.headers[who], **extra}
    # Use every token once, so that the last-used time of a token is already set before the snapshot.
    for token_headers in world.headers.values():
        assert client.get(f"{API}/me", headers=token_headers).status_code == 200
    before = database_snapshot(session)

    response = client.request(method, API + url.format(**world.ids), json=body(world.ids), headers=headers)

    assert_problem(response, status, *([field] if field else []))
    assert database_snapshot(session) == before


def test_after_a_late_failure_references_carry_on_without_a_gap(client, world):
    headers = world.headers["admin"]
    clash = {"title": "Clash", "parties": [_party(world.ids["org"])], "project": {"name": "X", "code": "P-1"}}
    taken = [
        client.get(f"{API}/partnerships/{world.ids[name]}", headers=headers).json() for name in ("first", "second")
    ]
    assert client.post(f"{API}/partnerships", json=clash, headers=headers).status_code == 409
    created = client.post(f"{API}/partnerships", json={**clash, "project": None}, headers=headers)
    assert created.status_code == 201, created.text
    series, number = created.json()["reference"].rsplit("-", 1)
    assert taken[1]["reference"] == f"{series}-{int(number) - 1:04d}"
