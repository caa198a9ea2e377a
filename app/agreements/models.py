"""Formal instruments of a partnership, their signatures and their immutable document versions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Connection,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.config import get_settings
from app.db import Base, str_enum, utcnow
from app.partnerships.models import Partnership, PartnershipParty, ReferenceCounter


class AgreementKind(enum.StrEnum):
    """What a written instrument is."""

    MOU = "mou"
    AMENDMENT = "amendment"
    EXTENSION = "extension"
    RENEWAL = "renewal"
    TERMINATION_NOTICE = "termination_notice"


REFERENCE_PREFIXES = {
    AgreementKind.MOU: "MOU",
    AgreementKind.AMENDMENT: "AMD",
    AgreementKind.EXTENSION: "EXT",
    AgreementKind.RENEWAL: "REN",
    AgreementKind.TERMINATION_NOTICE: "TN",
}
"""How each kind shows in a reference: ``MOU-2026-0042``, ``MOU-2026-0042-EXT1``, ``AMD-2026-0003`` without parent."""


class Agreement(Base):
    """A written instrument (most often an MOU) with a term, a notice period and signatures."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint(
            "end_date IS NULL OR effective_date IS NULL OR end_date >= effective_date", name="term_ordered"
        ),
        CheckConstraint("notice_period_days >= 0", name="notice_not_negative"),
        # The partnership list's ending_before filter: agreements in force ending before a day, from the index alone.
        Index("ix_agreements_status_end_partnership", "status", "end_date", "partnership_id"),
        # The agreements as of a past day (app.reports.history), walked newest first from the last one created then.
        Index("ix_agreements_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="SET NULL"), index=True)
    kind: Mapped[AgreementKind] = mapped_column(str_enum(AgreementKind, "agreement_kind"))
    title: Mapped[str] = mapped_column(String(300))
    # Human reference, assigned at insert (see _assign_reference): MOU-2026-0042, MOU-2026-0042-EXT1.
    reference: Mapped[str] = mapped_column(String(80), nullable=True, unique=True, index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)  # a state of app/workflows/agreement.yaml
    effective_date: Mapped[date | None]
    end_date: Mapped[date | None] = mapped_column(index=True)
    notice_period_days: Mapped[int] = mapped_column(default=30)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_version_number: Mapped[int | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    approved_version_number: Mapped[int | None]
    approved_sha256: Mapped[str | None] = mapped_column(String(64))
    terminated_on: Mapped[date | None]
    termination_reason: Mapped[str | None] = mapped_column(Text)
    reminder_policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # overrides of the global policy
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    """The language(s) the agreement is signed in, the first being the one it is drafted in (app.i18n.LANGUAGES)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    partnership: Mapped[Partnership] = relationship(back_populates="agreements")
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="Signature.id"
    )
    document_versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="DocumentVersion.number"
    )

    @property
    def latest_version(self) -> DocumentVersion | None:
        """The newest document version that may bind (courtesy translations never do), if any."""
        binding = [version for version in self.document_versions if not version.courtesy_of_sha256]
        return binding[-1] if binding else None

    __mapper_args__ = {"version_id_col": version}


class DocumentVersion(Base):
    """One rendering or upload of an agreement's text; never changed once written."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    template_key: Mapped[str | None] = mapped_column(String(100))
    template_version: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="en")
    courtesy_of_sha256: Mapped[str | None] = mapped_column(String(64))
    """Set on a courtesy translation: the hash of the signed version it renders in another language (not binding)."""
    body: Mapped[str | None] = mapped_column(Text)
    missing_fields: Mapped[list[str] | None] = mapped_column(JSON, default=list)  # null on versions before 0002
    variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    file_name: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(100))
    file_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="document_versions")


class SignatureMethod(enum.StrEnum):
    """How a party's signature was given."""

    RECORDED = "recorded"  # recorded by staff with the others at once (before per-party signing, or by that form)
    WET_INK = "wet_ink"  # signed on paper; the scan is stored with its SHA-256
    ELECTRONIC = "electronic"  # a simple electronic signature: typed name, consent text, time, version hash


class Signature(Base):
    """A signature on an agreement: by a partner party, or by the organisation itself when ``party_id`` is null."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("partnership_parties.id", ondelete="RESTRICT"))
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_title: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date]
    document_version_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id", ondelete="RESTRICT"))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    method: Mapped[SignatureMethod] = mapped_column(
        str_enum(SignatureMethod, "signature_method"), default=SignatureMethod.RECORDED, server_default="recorded"
    )
    signed_at: Mapped[datetime | None]
    """The moment of an electronic signature (UTC); a wet-ink one knows only its day (``signed_on``)."""
    typed_name: Mapped[str | None] = mapped_column(String(200))
    consent_text: Mapped[str | None] = mapped_column(Text)
    """The consent text shown to the signer, stored verbatim."""
    consent_language: Mapped[str | None] = mapped_column(String(8))
    via_link_id: Mapped[int | None]
    """The partner link an electronic signature came through (an opaque id: partner links are another table, issue
    21 item 1; no foreign key so that this table stands alone); ``None`` when recorded by staff."""
    scan_file_name: Mapped[str | None] = mapped_column(String(255))
    scan_media_type: Mapped[str | None] = mapped_column(String(100))
    scan_content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    scan_sha256: Mapped[str | None] = mapped_column(String(64))

    agreement: Mapped[Agreement] = relationship(back_populates="signatures")
    party: Mapped[PartnershipParty | None] = relationship()


class WithdrawalStatus(enum.StrEnum):
    """Where a party's withdrawal from an agreement in force stands."""

    PENDING = "pending"  # notice given; the party is bound until ``effective_on``
    EFFECTIVE = "effective"  # the party is no longer bound


class PartyWithdrawal(Base):
    """A partner party leaving an agreement in force, on notice, while the others stay bound."""

    __tablename__ = "party_withdrawals"
    __table_args__ = (
        UniqueConstraint("agreement_id", "party_id", name="uq_party_withdrawals_agreement_party"),
        CheckConstraint("effective_on >= notice_given_on", name="withdrawal_after_notice"),
        Index("ix_party_withdrawals_status_effective", "status", "effective_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("partnership_parties.id", ondelete="RESTRICT"))
    notice_given_on: Mapped[date]
    effective_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[WithdrawalStatus] = mapped_column(
        str_enum(WithdrawalStatus, "withdrawal_status"), default=WithdrawalStatus.PENDING
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    party: Mapped[PartnershipParty] = relationship()


class ImmutableRecordError(Exception):
    """Raised when code tries to change or delete a record that is append-only."""


@event.listens_for(DocumentVersion, "before_update")
def _document_versions_are_immutable(_mapper: Any, _connection: Any, target: DocumentVersion) -> None:
    raise ImmutableRecordError(
        f"document version {target.number} of agreement {target.agreement_id} is immutable; create a new version"
    )


def _next_in_series(connection: Connection, series: str) -> int:
    """The next number of ``series``, taken by one atomic upsert (the row stays locked until commit)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    table = ReferenceCounter.__table__
    statement = dialect.insert(table).values(series=series, last_value=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.series], set_={"last_value": table.c.last_value + 1}
    ).returning(table.c.last_value)
    return int(connection.execute(statement).scalar_one())


def reference_for(connection: Connection, kind: AgreementKind, parent_id: int | None) -> str:
    """A new unique reference: per kind and year for a first instrument, per parent for one that modifies another."""
    prefix = REFERENCE_PREFIXES[AgreementKind(kind)]
    parent_reference = None
    if parent_id is not None and kind != AgreementKind.MOU:
        parent_reference = connection.execute(
            select(Agreement.reference).where(Agreement.id == parent_id)
        ).scalar_one_or_none()
    if parent_reference:
        series = f"{parent_reference}-{prefix}"
        return f"{series}{_next_in_series(connection, series)}"
    series = f"{prefix}-{clock.today(get_settings().zone).year}"
    return f"{series}-{_next_in_series(connection, series):04d}"


@event.listens_for(Agreement, "before_insert")
def _assign_reference(_mapper: Any, connection: Connection, target: Agreement) -> None:
    if not target.reference:
        target.reference = reference_for(connection, target.kind, target.parent_id)
