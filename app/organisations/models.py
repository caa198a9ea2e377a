"""Partner organisations, their focal points and the areas of engagement."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow


class OrganisationKind(enum.StrEnum):
    """What kind of body a partner is."""

    INTERNATIONAL_CSO = "international_cso"
    NATIONAL_CSO = "national_cso"
    COMMUNITY_BASED = "community_based_organisation"
    INTERGOVERNMENTAL = "intergovernmental_organisation"
    REGIONAL = "regional_organisation"
    ACADEMIC = "academic_institution"
    THINK_TANK = "think_tank"
    PRIVATE_SECTOR = "private_sector"
    GOVERNMENT = "government"
    UN_AGENCY = "un_agency"
    OTHER = "other"


class AreaOfEngagement(Base):
    """A thematic area in which the organisation works with partners."""

    __tablename__ = "areas_of_engagement"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


organisation_areas = Table(
    "organisation_areas",
    Base.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas_of_engagement.id", ondelete="RESTRICT"), primary_key=True),
)


class Organisation(Base):
    """A partner: a CSO, an intergovernmental body, a university, a company…"""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("legal_name", "country_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(300), index=True)
    short_name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, "organisation_kind"), index=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    registration_number: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    areas: Mapped[list[AreaOfEngagement]] = relationship(
        secondary=organisation_areas, lazy="selectin", order_by=AreaOfEngagement.id
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Contact.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}


class Contact(Base):
    """A person at a partner organisation, possibly its focal point for us."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    is_focal_point: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")

    __mapper_args__ = {"version_id_col": version}
