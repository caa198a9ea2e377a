"""The services decide: each protected service function, called directly, refuses an actor the policy does not allow.

No route, page or command stands in front here, so a check missing from a service fails its case: with the check
gone, the call either succeeds or fails for another reason (a missing field, a guard, a stale version), never with
``Forbidden``. Ownership-dependent actions are tried by a project manager who does not own the partnership (the
workflow's YAML roles allow managers, so only the policy refuses them); role-only actions by a role lacking it.
``test_every_checking_service_function_has_a_case`` keeps the table complete: a service function that asks the
policy but has no case here fails it.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements import existing, signing, withdrawals
from app.agreements import service as agreements
from app.agreements.existing_schemas import ExistingAgreementConfirm
from app.agreements.models import Agreement, AgreementKind, DocumentVersion
from app.agreements.schemas import AgreementCreate, AgreementUpdate, DocumentVersionCreate
from app.audit import service as audit
from app.audit.models import AuditEntry
from app.config import get_settings
from app.drafting import catalogue, translations
from app.drafting import service as drafting
from app.drafting.outputs import to_docx
from app.errors import Forbidden
from app.imports import service as imports
from app.listing import Paging
from app.obligations import service as obligations
from app.obligations.schemas import ObligationCreate
from app.organisations import service as organisations
from app.organisations.models import Organisation
from app.organisations.schemas import ContactCreate, ContactUpdate, OrganisationCreate, OrganisationUpdate
from app.partner_links import partner, reports
from app.partner_links import service as partner_links
from app.partner_links.models import PartnerAttachment
from app.partnerships import service as partnerships
from app.partnerships.models import Partnership
from app.partnerships.schemas import (
    InteractionCreate,
    PartnershipCreate,
    PartnershipUpdate,
    PartyInput,
    UndertakingCreate,
)
from app.reminders import service as reminders
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.reminders.schemas import ReminderPolicyInput
from app.screening import loading as screening_loading
from app.screening import service as screening
from app.users import password_reset
from app.users import service as users
from app.users.models import ApiToken, Role, User
from app.users.schemas import UserCreate
from app.webhooks import service as webhooks
from app.webhooks.schemas import SubscriptionCreate, SubscriptionUpdate
from app.workflow.actor import Actor
from tests.builders import SCREENING_LIST, Cast, draft_agreement, formalising_partnership, organisation, partnership

ROOT = Path(__file__).resolve().parents[2]
CHECKS = {
    "require",
    "require_on_agreement",
    "require_manage",
    "require_recorder",
    "require_on_partnership",
    "require_sender",
}
"""The calls by which a service asks the policy."""
NOT_CHECKED_HERE = {
    # Building blocks whose callers check (each caller has its case), and checks themselves.
    "app/agreements/existing.py:require_recorder",
    "app/agreements/service.py:require_on_agreement",
    "app/partnerships/service.py:require_on_partnership",
    "app/reminders/service.py:require_manage",
    "app/partner_links/service.py:require_sender",
}


def _today() -> Any:
    return clock.today(get_settings().zone)


class World:
    """The rows the protected functions act on, built on first use; ``people.manager`` owns the partnerships."""

    def __init__(self, session: Session, make_user: Callable[..., User]) -> None:
        self.session = session
        self.make_user = make_user
        self.people = Cast(
            make_user(Role.PROJECT_MANAGER), make_user(Role.LEGAL_OFFICER), make_user(Role.LEGAL_OFFICER),
            make_user(Role.ADMIN),
        )  # fmt: skip
        self.viewer = make_user(Role.VIEWER)
        self.outsider = make_user(Role.PROJECT_MANAGER)
        """A project manager who neither owns nor co-owns anything here."""
        self.former = make_user(Role.LEGAL_OFFICER)
        self.former.is_active = False
        session.commit()
        """Someone who left: refused even what every role may do (read)."""

    @cached_property
    def organisation(self) -> Organisation:
        return organisation(self.session, contacts=[{"name": "Focal", "title": "Director"}])

    @cached_property
    def partnership(self) -> Partnership:
        return partnership(self.session, self.people.manager, self.organisation, legal_officer_id=self.people.lawyer.id)

    @cached_property
    def formalising(self) -> Partnership:
        return formalising_partnership(self.session, self.people)

    @cached_property
    def agreement(self) -> Agreement:
        return draft_agreement(self.session, self.people, self.formalising)

    @cached_property
    def reminder(self) -> Reminder:
        row = Reminder(
            dedupe_key="service-permissions",
            series="service-permissions",
            subject_type="agreement",
            subject_id=self.agreement.id,
            partnership_id=self.agreement.partnership_id,
            kind=ReminderKind.END_DATE,
            due_on=_today(),
            send_at=clock.now(),
            recipient_email="someone@example.org",
            status=ReminderStatus.FAILED,
        )
        self.session.add(row)
        self.session.commit()
        return row

    @cached_property
    def screening_hit(self) -> int:
        suspect = organisation(self.session, "Northern Crescent Foundation", country_code="SO")  # a potential match
        return screening.standing(self.session, suspect).hits[0].id

    @cached_property
    def admin_token(self) -> ApiToken:
        token, _secret = users.create_token(self.session, self.people.admin, "admin's", 30)
        self.session.commit()
        return token


@dataclass(frozen=True)
class Case:
    """One protected service function, called by someone the policy refuses."""

    function: str
    """``path:function`` of the service function (as the completeness check finds it)."""
    call: Callable[[World], Any]


def _partner_link(w: World) -> Any:
    """A link to the formalising partnership's first focal point, sharing the draft (flushed, not committed)."""
    contact = w.formalising.parties[0].organisation.contacts[0]
    contact.email = "focal@partner.example.org"
    version = w.agreement.document_versions[0]
    link, _url = partner_links.issue_partner_link(
        w.session, w.formalising.id, contact.id, actor=w.people.lawyer, document_version_id=version.id
    )
    return link


def _first_obligation(w: World, party: bool = False) -> int:
    """The draft's first obligation (``party``: of the first party, as a partner link sees it)."""
    found = obligations.list_for_agreement(w.session, w.agreement.id)
    wanted = w.formalising.parties[0].id
    return next(o.id for o in found if not party or o.party_id == wanted)


def _first_attachment(w: World) -> int:
    """The id of the first file a partner sent."""
    return w.session.scalars(select(PartnerAttachment.id)).first()


def _partnership_input(w: World) -> PartnershipCreate:
    return PartnershipCreate(
        title="Refused", parties=[PartyInput(organisation_id=w.organisation.id, role="lead_partner")]
    )


def _agreement_input(w: World) -> AgreementCreate:
    today = _today()
    return AgreementCreate(
        partnership_id=w.formalising.id,
        kind=AgreementKind.MOU,
        title="Refused",
        effective_date=today,
        end_date=today.replace(year=today.year + 1),
        notice_period_days=30,
    )


ORGS = "app/organisations/service.py"
PTNS = "app/partnerships/service.py"
AGRS = "app/agreements/service.py"
OBLS = "app/obligations/service.py"
DRAFT = "app/drafting/service.py"
EXIST = "app/agreements/existing.py"
USERS = "app/users/service.py"
REMS = "app/reminders/service.py"
HOOKS = "app/webhooks/service.py"
IMPS = "app/imports/service.py"


CASES = [
    # organisations: managing them is for admins, project managers and legal officers
    Case(f"{ORGS}:create_organisation", lambda w: organisations.create_organisation(
        w.session, OrganisationCreate(legal_name="Refused", kind="other", country_code="FR"), actor=w.viewer)),
    Case(f"{ORGS}:update_organisation", lambda w: organisations.update_organisation(
        w.session, w.organisation.id, OrganisationUpdate(notes="refused"), actor=w.viewer)),
    Case(f"{ORGS}:add_contact", lambda w: organisations.add_contact(
        w.session, w.organisation.id, ContactCreate(name="Refused"), actor=w.viewer)),
    Case(f"{ORGS}:update_contact", lambda w: organisations.update_contact(
        w.session, w.organisation.id, w.organisation.contacts[0].id, ContactUpdate(title="Refused"), actor=w.viewer)),
    # partnerships: opening one is for admins and managers; changing one for those it belongs to
    Case(f"{PTNS}:create_partnership", lambda w: partnerships.create_partnership(
        w.session, _partnership_input(w), w.people.lawyer)),
    Case(f"{PTNS}:create_partnerships", lambda w: partnerships.create_partnerships(
        w.session, [_partnership_input(w)], w.viewer)),
    Case(f"{PTNS}:update_partnership", lambda w: partnerships.update_partnership(
        w.session, w.partnership.id, PartnershipUpdate(title="Refused"), actor=w.outsider)),
    Case(f"{PTNS}:record_interaction", lambda w: partnerships.record_interaction(
        w.session, w.partnership.id, InteractionCreate(occurred_on=_today(), kind="meeting", summary="Refused"),
        w.outsider)),
    Case(f"{PTNS}:record_undertaking", lambda w: partnerships.record_undertaking(
        w.session, w.partnership.id,
        UndertakingCreate(given_on=_today(), given_by="The director", scope="Refused", form="verbal"), w.outsider)),
    Case(f"{PTNS}:transition_partnership", lambda w: partnerships.transition_partnership(
        w.session, w.formalising.id, "go_dormant", w.outsider, "refused")),
    Case(f"{PTNS}:set_focal_point", lambda w: partnerships.set_focal_point(
        w.session, w.formalising.id, w.formalising.parties[0].id, None, actor=w.outsider)),
    # agreements: drafting is for those the partnership belongs to; acting on one also for any legal officer
    Case(f"{AGRS}:create_agreement", lambda w: agreements.create_agreement(w.session, _agreement_input(w), w.outsider)),
    Case(f"{AGRS}:update_agreement", lambda w: agreements.update_agreement(
        w.session, w.agreement.id, AgreementUpdate(title="Refused"), actor=w.outsider)),
    Case(f"{AGRS}:add_typed_version", lambda w: agreements.add_typed_version(
        w.session, w.agreement.id, DocumentVersionCreate(body="Refused"), w.outsider)),
    Case(f"{AGRS}:transition_agreement", lambda w: agreements.transition_agreement(
        w.session, w.agreement.id, "submit_for_review", w.outsider)),
    Case(f"{OBLS}:add_obligation", lambda w: obligations.add_obligation(
        w.session, w.agreement.id, ObligationCreate(description="Refused", due_date=_today()), w.outsider)),
    Case(f"{OBLS}:transition_obligation", lambda w: obligations.transition_obligation(
        w.session, obligations.list_for_agreement(w.session, w.agreement.id)[0].id, "fulfil", w.outsider)),
    # drafting: generating and previewing for those the partnership belongs to; Word uploads for legal officers
    Case(f"{DRAFT}:generate_version", lambda w: drafting.generate_version(
        w.session, w.agreement.id, None, "en", {}, w.outsider)),
    Case(f"{DRAFT}:preview_document", lambda w: drafting.preview_document(
        w.session, w.formalising.id, "mou", "en", {}, "html", actor=w.outsider)),
    Case(f"{DRAFT}:upload_docx", lambda w: drafting.upload_docx(
        w.session, w.agreement.id, to_docx("# Refused\n"), "refused.docx", w.people.manager)),
    Case("app/drafting/translations.py:courtesy_translation", lambda w: translations.courtesy_translation(
        w.session, w.agreement.id, 1, "fr", w.outsider)),
    Case("app/drafting/catalogue.py:save_custom_template", lambda w: catalogue.save_custom_template(
        w.session, "refused", "en", {}, w.people.manager)),
    Case(f"{EXIST}:upload_signed_copy", lambda w: existing.upload_signed_copy(
        w.session, w.formalising.id, to_docx("# Signed\n"), "signed.docx", w.people.manager)),
    Case(f"{EXIST}:confirm_signed_copy", lambda w: existing.confirm_signed_copy(
        w.session, w.formalising.id, ExistingAgreementConfirm.model_construct(), w.people.manager)),
    # accounts: for admins (a token also for its holder)
    Case(f"{USERS}:create_user", lambda w: users.create_user(
        w.session, UserCreate(email="refused@example.org", full_name="Refused", roles=[Role.ADMIN]),
        actor=w.people.manager)),
    Case(f"{USERS}:list_accounts", lambda w: users.list_accounts(w.session, actor=w.people.lawyer)),
    Case(f"{USERS}:update_user", lambda w: users.update_user(
        w.session, w.people.manager.id, {"roles": [Role.ADMIN]}, actor=w.people.manager)),
    Case(f"{USERS}:revoke_token", lambda w: users.revoke_token(w.session, w.admin_token.id, actor=w.people.manager)),
    Case("app/users/password_reset.py:issue_reset_link", lambda w: password_reset.issue_reset_link(
        w.session, w.people.manager.id, get_settings(), actor=w.people.lawyer)),
    # reminders: for those the partnership belongs to
    Case(f"{REMS}:set_policy", lambda w: reminders.set_policy(
        w.session, w.agreement.id, ReminderPolicyInput(), actor=w.outsider)),
    Case(f"{REMS}:retry", lambda w: reminders.retry(w.session, w.reminder.id, actor=w.outsider)),
    Case(f"{REMS}:cancel", lambda w: reminders.cancel(w.session, w.reminder.id, "refused", actor=w.outsider)),
    # imports: for those who may open partnerships
    Case(f"{IMPS}:InventoryImport.__init__", lambda w: imports.InventoryImport(
        w.session, io.BytesIO(b"Organisation name,Country\nRefused,Kenya\n"), "refused.csv", w.people.lawyer)),
    Case(f"{IMPS}:list_runs", lambda w: imports.list_runs(w.session, actor=w.people.lawyer)),
    Case(f"{IMPS}:get_run", lambda w: imports.get_run(w.session, 987_654, actor=w.people.lawyer)),
    # partner links: for legal officers, admins and the partnership's owners; what partners sent, for active staff
    Case("app/partner_links/service.py:issue_partner_link", lambda w: partner_links.issue_partner_link(
        w.session, w.formalising.id, w.formalising.parties[0].organisation.contacts[0].id, actor=w.outsider)),
    Case("app/partner_links/service.py:revoke_partner_link", lambda w: partner_links.revoke_partner_link(
        w.session, _partner_link(w).id, actor=w.outsider)),
    Case("app/partner_links/service.py:list_partner_links", lambda w: partner_links.list_partner_links(
        w.session, w.formalising.id, actor=w.viewer)),
    Case("app/partner_links/service.py:link_uses", lambda w: partner_links.link_uses(
        w.session, _partner_link(w).id, actor=w.outsider)),
    Case("app/partner_links/partner.py:decide_proposal", lambda w: partner.decide_proposal(
        w.session, partner.propose_correction(w.session, _partner_link(w), {"organisation": {"short_name": "RF"}},
                                              None, "192.0.2.1").id, True, None, actor=w.outsider)),
    Case("app/partner_links/partner.py:resolve_comment", lambda w: partner.resolve_comment(
        w.session, partner.add_comment(w.session, _partner_link(w), "clause-0", "Refused", "192.0.2.1").id,
        actor=w.viewer)),
    Case("app/partner_links/partner.py:comments_on_agreement", lambda w: partner.comments_on_agreement(
        w.session, w.agreement.id, actor=w.former)),
    Case("app/partner_links/reports.py:attachments_for_staff", lambda w: reports.attachments_for_staff(
        w.session, _first_obligation(w), actor=w.former)),
    Case("app/partner_links/reports.py:get_attachment", lambda w: reports.get_attachment(
        w.session, reports.report_obligation(w.session, _partner_link(w), _first_obligation(w, party=True), None,
                                             "r.pdf", b"%PDF-1.4", "192.0.2.1") and _first_attachment(w),
        actor=w.former)),
    # the audit log: for admins
    Case("app/audit/service.py:audit_entries", lambda w: audit.audit_entries(
        w.session, Paging(), actor=w.people.manager)),
    # each party's own signature and withdrawals: legal officers and admins (issue 21)
    Case("app/agreements/withdrawals.py:withdraw_party", lambda w: withdrawals.withdraw_party(
        w.session, w.agreement, w.agreement.partnership.parties[0], reason="Refused",
        actor=Actor.person(w.people.manager))),
    Case("app/agreements/signing.py:sign_electronically", lambda w: signing.sign_electronically(
        w.session, w.agreement, None, typed_name="Refused", signatory_title="T", consent_text="I agree",
        version_sha256="0" * 64, via_link_id=None, actor=Actor.person(w.viewer))),
    Case("app/agreements/signing.py:record_wet_ink", lambda w: signing.record_wet_ink(
        w.session, w.agreement, None, signatory_name="Refused", signatory_title="T", signed_on=_today(),
        scan=b"%PDF-1.4 scan", file_name="scan.pdf", version_sha256="0" * 64, actor=Actor.person(w.people.manager))),
    # screening: deciding on a hit is for legal officers and admins; loading a list for admins
    Case("app/screening/service.py:decide", lambda w: screening.decide(
        w.session, w.screening_hit, "cleared", "Refused", actor=Actor.person(w.viewer))),
    Case("app/screening/loading.py:load_list", lambda w: screening_loading.load_list(
        w.session, io.BytesIO(SCREENING_LIST.read_bytes()), actor=Actor.person(w.people.lawyer))),
    # webhooks: for admins only (a subscription is checked for its right before anything else is read)
    Case(f"{HOOKS}:create_subscription", lambda w: webhooks.create_subscription(
        w.session, SubscriptionCreate(url="https://hooks.example.org/in", event_types=["*"]), actor=w.people.lawyer)),
    Case(f"{HOOKS}:list_subscriptions", lambda w: webhooks.list_subscriptions(w.session, actor=w.people.lawyer)),
    Case(f"{HOOKS}:get_subscription", lambda w: webhooks.get_subscription(w.session, 987_654, actor=w.viewer)),
    Case(f"{HOOKS}:update_subscription", lambda w: webhooks.update_subscription(
        w.session, 987_654, SubscriptionUpdate(active=False), actor=w.people.manager)),
    Case(f"{HOOKS}:renew_secret", lambda w: webhooks.renew_secret(w.session, 987_654, actor=w.people.lawyer)),
    Case(f"{HOOKS}:delete_subscription", lambda w: webhooks.delete_subscription(
        w.session, 987_654, actor=w.people.manager)),
    Case(f"{HOOKS}:get_delivery", lambda w: webhooks.get_delivery(w.session, 987_654, 1, actor=w.viewer)),
]  # fmt: skip


def _counts(session: Session) -> tuple[int, ...]:
    """How many rows the refused calls could have added (nothing of a refused call may stay)."""
    models = (Organisation, Partnership, Agreement, DocumentVersion, User, AuditEntry)
    return tuple(session.scalar(select(func.count()).select_from(model)) or 0 for model in models)


@pytest.mark.parametrize("case", CASES, ids=[case.function.rsplit(":", 1)[1] for case in CASES])
def test_a_service_refuses_an_actor_the_policy_does_not_allow(session, make_user, case: Case) -> None:
    world = World(session, make_user)
    for row in ("organisation", "partnership", "formalising", "agreement", "reminder", "admin_token", "screening_hit"):
        getattr(world, row)  # built and committed first, so that only the refused call is counted
    before = _counts(session)
    with pytest.raises(Forbidden):
        case.call(world)
    session.rollback()
    assert _counts(session) == before


def _checking_functions() -> set[str]:
    """Every public function (or ``__init__``) in the services that calls one of the ``CHECKS`` itself."""
    found = set()
    for path in sorted((ROOT / "app").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/web/" in relative or relative.endswith(("routes.py", "policy.py")) or "/cli/" in relative:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for owner, function in _functions(tree):
            if function.name.startswith("_") and function.name != "__init__":
                continue
            calls = {
                node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                for node in ast.walk(function)
                if isinstance(node, ast.Call)
            }
            if calls & CHECKS:
                name = f"{owner}.{function.name}" if owner else function.name
                found.add(f"{relative}:{name}")
    return found - NOT_CHECKED_HERE


def _functions(tree: ast.Module) -> list[tuple[str | None, ast.FunctionDef]]:
    found: list[tuple[str | None, ast.FunctionDef]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found.append((None, node))
        elif isinstance(node, ast.ClassDef):
            found += [(node.name, item) for item in node.body if isinstance(item, ast.FunctionDef)]
    return found


def test_every_checking_service_function_has_a_case() -> None:
    missing = sorted(_checking_functions() - {case.function for case in CASES})
    assert not missing, f"service functions that ask the policy but have no refusal case here: {missing}"
