"""Partner links, every use of one, and what partners send back through them: proposals, comments, reports.

A link's secret is never stored: only its SHA-256 (like API tokens). Until the e-mail carrying it has been built by
the dispatcher, a sealed copy (Fernet, key from settings) waits in ``sealed_token``; the first use clears it.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agreements.models import DocumentVersion
from app.db import Base, str_enum, utcnow
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Partnership, PartnershipParty


class ProposalStatus(enum.StrEnum):
    """Where a partner's correction stands."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class PartnerLink(Base):
    """A personal link for one focal point of one party of one partnership; only the token's SHA-256 is stored."""

    __tablename__ = "partner_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("partnership_parties.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_token: Mapped[str | None] = mapped_column(Text)
    """The token sealed for the outbox e-mail; cleared when the link is first used or revoked."""
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id", ondelete="SET NULL"))
    """The draft version shared for the partner's review, if any."""
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship(lazy="joined")
    party: Mapped[PartnershipParty] = relationship(lazy="joined")
    contact: Mapped[Contact] = relationship(lazy="joined")
    document_version: Mapped[DocumentVersion | None] = relationship()

    @property
    def organisation(self) -> Organisation:
        """The party's organisation: the only one whose facts this link shows."""
        return self.party.organisation


class PartnerLinkUse(Base):
    """One use of a partner link: when, what was done, from which (truncated, hashed) address."""

    __tablename__ = "partner_link_uses"
    __table_args__ = (Index("ix_partner_link_uses_link_at", "link_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("partner_links.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    client: Mapped[str] = mapped_column(String(32))
    """SHA-256 (salted, 32 hex digits) of the client's address truncated to its /24 (IPv4) or /48 (IPv6)."""
    detail: Mapped[str | None] = mapped_column(String(300))


class PartnerProposal(Base):
    """A partner's correction of their organisation's facts, applied through the organisations service if accepted."""

    __tablename__ = "partner_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("partner_links.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    """``{"organisation": {field: value}, "contacts": [{"id": int|None, field: value}]}``."""
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, "proposal_status"), default=ProposalStatus.PROPOSED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)

    link: Mapped[PartnerLink] = relationship(lazy="joined")


class PartnerComment(Base):
    """A partner's comment on one clause of the version shared with them."""

    __tablename__ = "partner_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("partner_links.id", ondelete="CASCADE"), index=True)
    document_version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id", ondelete="CASCADE"), index=True)
    anchor: Mapped[str] = mapped_column(String(80))
    """The clause's anchor (``clause-3``, ``clause-3-2``) as the rendered version numbers it."""
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    link: Mapped[PartnerLink] = relationship(lazy="joined")
    document_version: Mapped[DocumentVersion] = relationship()


class PartnerAttachment(Base):
    """A file a partner sent with an obligation report (limits of app.uploads)."""

    __tablename__ = "partner_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("partner_links.id", ondelete="CASCADE"), index=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
