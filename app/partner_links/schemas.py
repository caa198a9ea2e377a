"""What the partner-link endpoints take and return (staff side; partners use the pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from app.schemas import Id, InputModel, LongText, OutputModel


class PartnerLinkCreate(InputModel):
    """Send a partner focal point a personal link."""

    contact_id: Id = Field(description="A contact, with an e-mail address, of one of the partnership's parties")
    days: int | None = Field(None, ge=1, le=365, description="Days the link stays valid (default 30, at most 90)")
    document_version_id: Id | None = Field(None, description="The draft version the partner may read and comment on")


class PartnerLinkRead(OutputModel):
    """A partner link (never its token)."""

    id: int
    partnership_id: int
    party_id: int
    organisation_id: int
    contact_id: int
    contact_name: str
    recipient_email: str | None
    document_version_id: int | None
    state: str = Field(description="active, expired or revoked")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    uses: int


class PartnerLinkCreated(PartnerLinkRead):
    """A new link: its URL is shown once (the e-mail carrying it goes out through the outbox)."""

    url: str


class PartnerLinkUseRead(OutputModel):
    """One use of a partner link."""

    id: int
    link_id: int
    at: datetime
    action: str
    client: str = Field(description="Salted SHA-256 of the client's address truncated to /24 (IPv4) or /48 (IPv6)")
    detail: str | None


class ProposalRead(OutputModel):
    """A partner's correction of their organisation's facts."""

    id: int
    link_id: int
    organisation_id: int
    changes: dict[str, Any]
    note: str | None
    status: str
    created_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    reason: str | None


class ProposalDecision(InputModel):
    """Why a proposal is rejected (required) or accepted (optional)."""

    reason: LongText | None = None


class CommentRead(OutputModel):
    """A partner's comment on a clause of a shared version."""

    id: int
    link_id: int
    document_version_id: int
    anchor: str
    body: str
    author: str = Field(description="The partner contact who wrote it, and their organisation")
    created_at: datetime
    resolved_at: datetime | None
    resolved_by_id: int | None


class AttachmentRead(OutputModel):
    """A file a partner sent with an obligation report (download it at ``/api/v1/partner-attachments/{id}``)."""

    id: int
    obligation_id: int
    link_id: int
    file_name: str
    media_type: str
    sha256: str
    created_at: datetime
