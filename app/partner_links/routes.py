"""HTTP endpoints for staff: send, list and revoke partner links, read their uses, decide proposals, see comments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from app.api.deps import CurrentUser, DbSession, TransactionalRoute
from app.api.downloads import file_response
from app.api.paging import page_response
from app.listing import Page, Paging, page_of
from app.partner_links import partner, reports, service
from app.partner_links.models import PartnerComment, PartnerLink
from app.partner_links.schemas import (
    AttachmentRead,
    CommentRead,
    PartnerLinkCreate,
    PartnerLinkCreated,
    PartnerLinkRead,
    PartnerLinkUseRead,
    ProposalDecision,
    ProposalRead,
)
from app.schemas import MAX_ID

router = APIRouter(route_class=TransactionalRoute, tags=["partner links"])
PartnershipId = Annotated[int, Path(gt=0, le=MAX_ID, description="Partnership id")]
LinkId = Annotated[int, Path(gt=0, le=MAX_ID, description="Partner link id")]
ProposalId = Annotated[int, Path(gt=0, le=MAX_ID, description="Proposal id")]
CommentId = Annotated[int, Path(gt=0, le=MAX_ID, description="Comment id")]
AgreementId = Annotated[int, Path(gt=0, le=MAX_ID, description="Agreement id")]
ObligationId = Annotated[int, Path(gt=0, le=MAX_ID, description="Obligation id")]
AttachmentId = Annotated[int, Path(gt=0, le=MAX_ID, description="Attachment id")]


def link_read(link: PartnerLink, uses: int = 0) -> PartnerLinkRead:
    """A link as the API shows it."""
    return PartnerLinkRead(
        id=link.id, partnership_id=link.partnership_id, party_id=link.party_id,
        organisation_id=link.party.organisation_id, contact_id=link.contact_id, contact_name=link.contact.name,
        recipient_email=link.contact.email, document_version_id=link.document_version_id,
        state=service.link_state(link), created_at=link.created_at, expires_at=link.expires_at,
        revoked_at=link.revoked_at, last_used_at=link.last_used_at, uses=uses,
    )  # fmt: skip


def comment_read(comment: PartnerComment) -> CommentRead:
    """A comment as the API shows it."""
    author = f"{comment.link.contact.name} ({comment.link.organisation.legal_name})"
    return CommentRead(
        id=comment.id, link_id=comment.link_id, document_version_id=comment.document_version_id,
        anchor=comment.anchor, body=comment.body, author=author, created_at=comment.created_at,
        resolved_at=comment.resolved_at, resolved_by_id=comment.resolved_by_id,
    )  # fmt: skip


@router.get("/partnerships/{partnership_id}/partner-links", response_model=Page[PartnerLinkRead])
def list_links(
    session: DbSession, user: CurrentUser, partnership_id: PartnershipId, paging: Annotated[Paging, Query()]
) -> Response:
    """The partnership's partner links, newest first (owners, legal officers, admins)."""
    links = service.list_partner_links(session, partnership_id, actor=user)
    counts = service.use_counts(session, [link.id for link in links])
    return page_response(Page[PartnerLinkRead].of(page_of(links, paging), lambda x: link_read(x, counts.get(x.id, 0))))


@router.post(
    "/partnerships/{partnership_id}/partner-links",
    response_model=PartnerLinkCreated,
    status_code=status.HTTP_201_CREATED,
)
def send_link(
    session: DbSession, user: CurrentUser, partnership_id: PartnershipId, body: PartnerLinkCreate, response: Response
) -> PartnerLinkCreated:
    """Send a focal point of a party a personal link (e-mailed through the outbox after commit; URL shown once)."""
    link, url = service.issue_partner_link(
        session,
        partnership_id,
        body.contact_id,
        actor=user,
        days=body.days,
        document_version_id=body.document_version_id,
    )
    response.headers["Location"] = f"/api/v1/partner-links/{link.id}"
    return PartnerLinkCreated(**link_read(link).model_dump(), url=url)


@router.get("/partner-links/{link_id}", response_model=PartnerLinkRead)
def read_link(session: DbSession, user: CurrentUser, link_id: LinkId) -> PartnerLinkRead:
    """One partner link."""
    uses = service.link_uses(session, link_id, actor=user)
    return link_read(service.get_link(session, link_id), len(uses))


@router.post("/partner-links/{link_id}/revoke", response_model=PartnerLinkRead)
def revoke_link(session: DbSession, user: CurrentUser, link_id: LinkId) -> PartnerLinkRead:
    """Stop a link working at once (again: no change)."""
    link = service.revoke_partner_link(session, link_id, actor=user)
    return link_read(link, service.use_counts(session, [link.id]).get(link.id, 0))


@router.get("/partner-links/{link_id}/uses", response_model=Page[PartnerLinkUseRead])
def link_uses(session: DbSession, user: CurrentUser, link_id: LinkId, paging: Annotated[Paging, Query()]) -> Response:
    """Every use of a link: when, what, from which (hashed, truncated) address."""
    uses = service.link_uses(session, link_id, actor=user)
    return page_response(Page[PartnerLinkUseRead].of(page_of(uses, paging), PartnerLinkUseRead.model_validate))


@router.get("/partnerships/{partnership_id}/partner-proposals", response_model=Page[ProposalRead])
def list_proposals(
    session: DbSession, user: CurrentUser, partnership_id: PartnershipId, paging: Annotated[Paging, Query()]
) -> Response:
    """Corrections partners proposed through the partnership's links, newest first."""
    found = partner.list_proposals(session, partnership_id, actor=user)
    return page_response(Page[ProposalRead].of(page_of(found, paging), ProposalRead.model_validate))


@router.post("/partner-proposals/{proposal_id}/accept", response_model=ProposalRead)
def accept_proposal(
    session: DbSession, user: CurrentUser, proposal_id: ProposalId, body: ProposalDecision | None = None
) -> ProposalRead:
    """Apply a partner's correction through the organisations service; it counts as the partner's confirmation."""
    reason = body.reason if body else None
    return ProposalRead.model_validate(partner.decide_proposal(session, proposal_id, True, reason, actor=user))


@router.post("/partner-proposals/{proposal_id}/reject", response_model=ProposalRead)
def reject_proposal(
    session: DbSession, user: CurrentUser, proposal_id: ProposalId, body: ProposalDecision
) -> ProposalRead:
    """Reject a partner's correction, saying why (required)."""
    return ProposalRead.model_validate(partner.decide_proposal(session, proposal_id, False, body.reason, actor=user))


@router.get("/agreements/{agreement_id}/partner-comments", response_model=Page[CommentRead])
def agreement_comments(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, paging: Annotated[Paging, Query()]
) -> Response:
    """Partners' comments on the agreement's versions, by version and clause."""
    found = partner.comments_on_agreement(session, agreement_id, actor=user)
    return page_response(Page[CommentRead].of(page_of(found, paging), comment_read))


@router.post("/partner-comments/{comment_id}/resolve", response_model=CommentRead)
def resolve_comment(session: DbSession, user: CurrentUser, comment_id: CommentId) -> CommentRead:
    """Mark a partner's comment resolved."""
    return comment_read(partner.resolve_comment(session, comment_id, actor=user))


@router.get("/obligations/{obligation_id}/partner-attachments", response_model=Page[AttachmentRead])
def obligation_attachments(
    session: DbSession, user: CurrentUser, obligation_id: ObligationId, paging: Annotated[Paging, Query()]
) -> Response:
    """The files partners sent with reports of this obligation, oldest first."""
    found = reports.attachments_for_staff(session, obligation_id, actor=user)
    return page_response(Page[AttachmentRead].of(page_of(found, paging), AttachmentRead.model_validate))


@router.get("/partner-attachments/{attachment_id}", response_class=Response)
def download_attachment(session: DbSession, user: CurrentUser, attachment_id: AttachmentId) -> Response:
    """A file a partner sent with an obligation report."""
    attachment = reports.get_attachment(session, attachment_id, actor=user)
    return file_response(attachment.content, attachment.media_type, attachment.file_name)
