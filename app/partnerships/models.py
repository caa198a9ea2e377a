"""Partnerships, their parties, the projects they serve, and the informal steps before an MOU."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow
from app.organisations.models import AreaOfEngagement, Organisation
from app.users.models import User

if TYPE_CHECKING:
    from app.agreements.models import Agreement


class PartyRole(enum.StrEnum):
    """The part an organisation plays in a partnership."""

    LEAD_PARTNER = "lead_partner"
    CO_PARTNER = "co_partner"
    IMPLEMENTING_PARTNER = "implementing_partner"
    DONOR = "donor"
    OBSERVER = "observer"


class InteractionKind(enum.StrEnum):
    """How an ad hoc contact took place."""

    MEETING = "meeting"
    EVENT = "event"
    WORKSHOP = "workshop"
    CONFERENCE = "conference"
    CALL = "call"
    CORRESPONDENCE = "correspondence"
    FIELD_VISIT = "field_visit"
    JOINT_ACTIVITY = "joint_activity"
    OTHER = "other"


class UndertakingForm(enum.StrEnum):
    """How an agreement in principle was expressed."""

    VERBAL = "verbal"
    EMAIL = "email"
    LETTER = "letter"


class Project(Base):
    """A project or programme a partnership serves."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    code: Mapped[str | None] = mapped_column(String(60), unique=True)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    objectives: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


partnership_areas = Table(
    "partnership_areas",
    Base.metadata,
    Column("partnership_id", ForeignKey("partnerships.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas_of_engagement.id", ondelete="RESTRICT"), primary_key=True),
    Index("ix_partnership_areas_area_partnership", "area_id", "partnership_id"),  # the list's area filter
)

partnership_co_owners = Table(
    "partnership_co_owners",
    Base.metadata,
    Column("partnership_id", ForeignKey("partnerships.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class ReferenceCounter(Base):
    """The last number handed out for a reference series such as ``PA-2026``."""

    __tablename__ = "reference_counters"

    series: Mapped[str] = mapped_column(String(80), primary_key=True)  # PA-2026, MOU-2026, MOU-2026-0042-EXT
    last_value: Mapped[int] = mapped_column(default=0)


class Partnership(Base):
    """A relationship with one or more partners, from first contact to a signed MOU and beyond."""

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    objectives: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(32))  # a state of app/workflows/partnership.yaml
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    legal_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    handles_personal_data: Mapped[bool] = mapped_column(default=False)
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    """The partnership's identifier in the inventory it was imported from (re-imports find it by this)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    # Each documented filter and sort of the list, with the id that follows it (the list's order and its keyset).
    __table_args__ = (
        Index("ix_partnerships_created_at_id", "created_at", "id"),
        Index("ix_partnerships_updated_at_id", "updated_at", "id"),
        Index("ix_partnerships_title_id", "title", "id"),
        Index("ix_partnerships_stage_id", "stage", "id"),
        Index("ix_partnerships_owner_id_id", "owner_id", "id"),
        Index("ix_partnerships_legal_officer_id_id", "legal_officer_id", "id"),
    )

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")
    legal_officer: Mapped[User | None] = relationship(foreign_keys=[legal_officer_id], lazy="joined")
    project: Mapped[Project | None] = relationship(lazy="joined")
    areas: Mapped[list[AreaOfEngagement]] = relationship(
        secondary=partnership_areas, lazy="selectin", order_by=AreaOfEngagement.id
    )
    co_owners: Mapped[list[User]] = relationship(secondary=partnership_co_owners, lazy="selectin", order_by=User.id)
    parties: Mapped[list[PartnershipParty]] = relationship(
        back_populates="partnership",
        cascade="all, delete-orphan",
        order_by="PartnershipParty.id",
        lazy="selectin",
    )
    interactions: Mapped[list[Interaction]] = relationship(
        back_populates="partnership", cascade="all, delete-orphan", order_by="Interaction.occurred_on"
    )
    undertakings: Mapped[list[Undertaking]] = relationship(
        back_populates="partnership", cascade="all, delete-orphan", order_by="Undertaking.given_on"
    )
    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="partnership", cascade="all, delete-orphan", order_by="Agreement.id"
    )

    __mapper_args__ = {"version_id_col": version}


class PartnershipParty(Base):
    """An organisation taking part in a partnership, in a given role."""

    __tablename__ = "partnership_parties"
    __table_args__ = (
        UniqueConstraint("partnership_id", "organisation_id"),
        # Filtering partnerships by a party's country or kind goes from organisations to partnerships.
        Index("ix_partnership_parties_organisation_partnership", "organisation_id", "partnership_id"),
        # The partnership list's party filters, on the party's copy of its organisation's facts (partnerships.facets).
        Index("ix_partnership_parties_kind_partnership", "organisation_kind", "partnership_id"),
        Index("ix_partnership_parties_country_partnership", "organisation_country_code", "partnership_id"),
        Index("ix_partnership_parties_region_partnership", "organisation_region_key", "partnership_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    role: Mapped[PartyRole] = mapped_column(str_enum(PartyRole, "party_role"))
    focal_point_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    # Copies of the organisation's kind, country and lower-cased region, kept current by app.partnerships.facets so
    # that the partnership list filters by a party's facts from one index, without joining organisations.
    organisation_kind: Mapped[str | None] = mapped_column(String(40))
    organisation_country_code: Mapped[str | None] = mapped_column(String(2))
    organisation_region_key: Mapped[str | None] = mapped_column(String(100))

    partnership: Mapped[Partnership] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Interaction(Base):
    """An ad hoc contact or event with partners."""

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date]
    kind: Mapped[InteractionKind] = mapped_column(str_enum(InteractionKind, "interaction_kind"))
    summary: Mapped[str] = mapped_column(Text)
    participants: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partnership: Mapped[Partnership] = relationship(back_populates="interactions")


class Undertaking(Base):
    """An informal agreement in principle, mostly on the strength of someone's word."""

    __tablename__ = "undertakings"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    given_on: Mapped[date]
    given_by: Mapped[str] = mapped_column(String(300))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    scope: Mapped[str] = mapped_column(Text)
    form: Mapped[UndertakingForm] = mapped_column(str_enum(UndertakingForm, "undertaking_form"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partnership: Mapped[Partnership] = relationship(back_populates="undertakings")
