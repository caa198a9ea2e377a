"""What each party owes under an agreement, and when."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agreements.models import Agreement
from app.db import Base, str_enum, utcnow
from app.partnerships.models import PartnershipParty


class Recurrence(enum.StrEnum):
    """How often a recurring obligation falls due."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMI_ANNUALLY = "semi_annually"
    ANNUALLY = "annually"


class Obligation(Base):
    """A duty of one party (or of the organisation, when ``party_id`` is null) under an agreement."""

    __tablename__ = "obligations"
    __table_args__ = (
        CheckConstraint("due_date IS NOT NULL OR recurrence IS NOT NULL", name="has_due_date_or_recurrence"),
        # The late ones (marked, or still open after their due date) for the portfolio report, with their party.
        Index("ix_obligations_status_due_date", "status", "due_date", postgresql_include=["party_id", "agreement_id"]),
        # The partnership list's overdue filter: from the late obligations to their agreements, from the index alone.
        Index("ix_obligations_status_agreement", "status", "agreement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("partnership_parties.id", ondelete="RESTRICT"))
    description: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(index=True)
    recurrence: Mapped[Recurrence | None] = mapped_column(str_enum(Recurrence, "recurrence"))
    recurrence_until: Mapped[date | None]
    # A state of app/workflows/obligation.yaml (the engine writes it, starting at the initial state).
    status: Mapped[str] = mapped_column(String(40), index=True)
    fulfilled_on: Mapped[date | None]
    evidence_note: Mapped[str | None] = mapped_column(Text)
    waived_reason: Mapped[str | None] = mapped_column(Text)
    responsible_email: Mapped[str | None] = mapped_column(String(254))
    # Owed after the agreement ends (confidentiality, a final report): its due date may fall after the end date.
    survives_termination: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    agreement: Mapped[Agreement] = relationship()
    party: Mapped[PartnershipParty | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
