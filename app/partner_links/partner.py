"""What a partner does through a live link, and what staff decide about it; flush only.

Nothing a partner sends is written to the register directly: facts are confirmed (a timestamp), corrections become
proposals applied through ``app.organisations.service`` when an owner or legal officer accepts them, comments sit
beside the version shared, and an obligation reported done moves through the workflow engine (trigger ``report``,
fired by the system on behalf of the link's sender), so it is audited like any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, DocumentVersion
from app.drafting import markup
from app.errors import Conflict, NotFound, invalid
from app.i18n import MESSAGES
from app.organisations import service as organisations
from app.organisations.models import OrganisationKind
from app.organisations.schemas import ContactCreate, ContactUpdate, OrganisationUpdate
from app.partner_links.models import (
    PartnerComment,
    PartnerLink,
    PartnerProposal,
    ProposalStatus,
)
from app.partner_links.service import list_partner_links, record_use, require_sender
from app.users.models import User
from app.users.policy import Action, require
from app.workflow.actor import Actor

ORGANISATION_FIELDS = ("legal_name", "short_name", "kind", "country_code", "area_codes")
CONTACT_FIELDS = ("name", "title", "email", "phone")


@dataclass(frozen=True)
class Clause:
    """A numbered clause of the shared version: its anchor, number, heading and text."""

    anchor: str
    number: str
    heading: str
    paragraphs: list[str]


def facts(link: PartnerLink) -> dict[str, Any]:
    """The organisation's facts the partner may see: its own, and only the contacts of its own organisation."""
    organisation = link.organisation
    return {
        "legal_name": organisation.legal_name,
        "short_name": organisation.short_name,
        "kind": organisation.kind.value,
        "country_code": organisation.country_code,
        "area_codes": [area.code for area in organisation.areas],
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "title": c.title,
                "email": c.email,
                "phone": c.phone,
                "is_focal_point": c.is_focal_point,
            }
            for c in organisation.contacts
        ],
        "partner_confirmed_at": organisation.partner_confirmed_at,
    }


def confirm_facts(session: Session, link: PartnerLink, client: str) -> None:
    """The partner says the facts are right: "confirmed by partner on <date>"; flush only."""
    organisations.record_partner_confirmation(session, link.organisation.id, clock.now())
    record_use(session, link, "confirm_facts", client)


def _clean_changes(session: Session, link: PartnerLink, raw: dict[str, Any]) -> dict[str, Any]:
    """Only the fields a partner may correct, only what differs from the record, checked as the service would."""
    current = facts(link)
    wanted = {k: v for k, v in (raw.get("organisation") or {}).items() if k in ORGANISATION_FIELDS}
    changes: dict[str, Any] = {}
    for name, value in wanted.items():
        if isinstance(value, str):
            value = value.strip() or None
        if name == "area_codes":
            value = sorted(set(value or []))
            if value != sorted(current["area_codes"]):
                organisations.resolve_areas(session, value, "organisation.area_codes")
                changes[name] = value
        elif value != current[name]:
            changes[name] = value
    if changes:
        try:
            OrganisationUpdate.model_validate(changes)
        except ValidationError as exc:  # name the first field wrong, as the API would
            first = exc.errors()[0]
            raise invalid(f"organisation.{'.'.join(str(p) for p in first['loc'])}", first["msg"]) from None
        if changes.get("kind") and changes["kind"] not in {k.value for k in OrganisationKind}:
            raise invalid("organisation.kind", MESSAGES.gettext("is not a kind of organisation"))
    known = {c["id"]: c for c in current["contacts"]}
    contacts = []
    for index, item in enumerate(raw.get("contacts") or []):
        contact_id = item.get("id")
        fields = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in item.items() if k in CONTACT_FIELDS}
        if contact_id is not None and contact_id not in known:
            raise invalid(f"contacts.{index}.id", MESSAGES.gettext("is not a contact of your organisation"))
        if contact_id is not None:
            fields = {k: v for k, v in fields.items() if v != known[contact_id][k]}
            if not fields:
                continue
        elif not fields.get("name"):
            continue
        model = ContactUpdate if contact_id is not None else ContactCreate
        try:
            model.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise invalid(f"contacts.{index}.{'.'.join(str(p) for p in first['loc'])}", first["msg"]) from None
        contacts.append({"id": contact_id, **fields})
    result: dict[str, Any] = {}
    if changes:
        result["organisation"] = changes
    if contacts:
        result["contacts"] = contacts
    return result


def propose_correction(
    session: Session, link: PartnerLink, changes: dict[str, Any], note: str | None, client: str
) -> PartnerProposal:
    """A correction of the organisation's facts, waiting for an owner or legal officer; flush only."""
    cleaned = _clean_changes(session, link, changes)
    if not cleaned:
        raise invalid("organisation", MESSAGES.gettext("nothing differs from the facts on record"))
    proposal = PartnerProposal(
        link_id=link.id, organisation_id=link.organisation.id, changes=cleaned, note=(note or "").strip()[:4000] or None
    )
    session.add(proposal)
    session.flush()
    record_use(session, link, "propose_correction", client, f"proposal {proposal.id}")
    return proposal


def get_proposal(session: Session, proposal_id: int) -> PartnerProposal:
    """The proposal with this id, or ``NotFound``."""
    proposal = session.get(PartnerProposal, proposal_id)
    if proposal is None:
        raise NotFound(MESSAGES.gettext("proposal {proposal_id} does not exist", proposal_id=proposal_id))
    return proposal


def list_proposals(session: Session, partnership_id: int, *, actor: User | Actor) -> list[PartnerProposal]:
    """The proposals sent through the partnership's links, newest first."""
    links = [link.id for link in list_partner_links(session, partnership_id, actor=actor)]
    if not links:
        return []
    return list(
        session.scalars(
            select(PartnerProposal).where(PartnerProposal.link_id.in_(links)).order_by(PartnerProposal.id.desc())
        )
    )


def decide_proposal(
    session: Session, proposal_id: int, accept: bool, reason: str | None, *, actor: User | Actor
) -> PartnerProposal:
    """Accept (apply through the organisations service, and count as the partner's confirmation) or reject."""
    proposal = get_proposal(session, proposal_id)
    require_sender(actor, proposal.link.partnership)
    if proposal.status != ProposalStatus.PROPOSED:
        raise Conflict(MESSAGES.gettext("this proposal was already {status}", status=proposal.status.value))
    if not accept and not (reason or "").strip():
        raise invalid("reason", MESSAGES.gettext("is required: say why you reject it"))
    now = clock.now()
    if accept:
        changes = proposal.changes.get("organisation") or {}
        if changes:
            organisations.update_organisation(
                session, proposal.organisation_id, OrganisationUpdate.model_validate(changes), actor=actor
            )
        for item in proposal.changes.get("contacts") or []:
            fields = {k: v for k, v in item.items() if k != "id"}
            if item.get("id") is None:
                organisations.add_contact(session, proposal.organisation_id, ContactCreate(**fields), actor=actor)
            else:
                organisations.update_contact(
                    session, proposal.organisation_id, item["id"], ContactUpdate(**fields), actor=actor
                )
        organisations.record_partner_confirmation(session, proposal.organisation_id, now)
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
    proposal.decided_by_id = None if isinstance(actor, Actor) else actor.id
    proposal.decided_at = now
    proposal.reason = (reason or "").strip() or None
    session.flush()
    return proposal


def clauses(version: DocumentVersion) -> list[Clause]:
    """The shared version's text cut into clauses at its numbered headings (the preamble is ``clause-0``)."""
    document = markup.parse(version.body or "")
    result = [Clause("clause-0", "", document.title, [])]
    for block in document.blocks:
        if isinstance(block, markup.Heading) and block.number and block.level == 2:
            result.append(Clause(f"clause-{block.number}", block.number, block.text, []))
        elif isinstance(block, markup.Heading):
            result[-1].paragraphs.append(block.display)
        elif isinstance(block, markup.Paragraph):
            result[-1].paragraphs.append(block.text)
        elif isinstance(block, markup.Bullets):
            result[-1].paragraphs.extend(f"• {item}" for item in block.items)
        else:
            result[-1].paragraphs.extend(" | ".join(row) for row in [block.header, *block.rows])
    return result


def add_comment(session: Session, link: PartnerLink, anchor: str, body: str, client: str) -> PartnerComment:
    """A comment on one clause of the version shared with the partner; flush only."""
    version = link.document_version
    if version is None:
        raise invalid("anchor", MESSAGES.gettext("no draft was shared through this link"))
    if anchor not in {clause.anchor for clause in clauses(version)}:
        raise invalid("anchor", MESSAGES.gettext("is not a clause of the draft"))
    text = (body or "").strip()
    if not text:
        raise invalid("body", MESSAGES.gettext("cannot be empty"))
    if len(text) > 4000:
        raise invalid("body", MESSAGES.gettext("must be at most {n} characters", n=4000))
    comment = PartnerComment(link_id=link.id, document_version_id=version.id, anchor=anchor, body=text)
    session.add(comment)
    session.flush()
    record_use(session, link, "comment", client, anchor)
    return comment


def comments_on_link(session: Session, link: PartnerLink) -> list[PartnerComment]:
    """The comments sent through this link, oldest first."""
    return list(
        session.scalars(select(PartnerComment).where(PartnerComment.link_id == link.id).order_by(PartnerComment.id))
    )


def comments_on_agreement(session: Session, agreement_id: int, *, actor: User | Actor) -> list[PartnerComment]:
    """Every partner comment on the agreement's versions, by version then clause."""
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(MESSAGES.gettext("agreement {agreement_id} does not exist", agreement_id=agreement_id))
    require(actor, Action.READ)
    return list(
        session.scalars(
            select(PartnerComment)
            .join(DocumentVersion)
            .where(DocumentVersion.agreement_id == agreement_id)
            .order_by(DocumentVersion.number, PartnerComment.anchor, PartnerComment.id)
        )
    )


def resolve_comment(session: Session, comment_id: int, *, actor: User | Actor) -> PartnerComment:
    """Mark a partner comment resolved (legal officers, admins, the partnership's owners); flush only."""
    comment = session.get(PartnerComment, comment_id)
    if comment is None:
        raise NotFound(MESSAGES.gettext("comment {comment_id} does not exist", comment_id=comment_id))
    require_sender(actor, comment.link.partnership)
    if comment.resolved_at is None:
        comment.resolved_at = clock.now()
        comment.resolved_by_id = None if isinstance(actor, Actor) else actor.id
    session.flush()
    return comment
