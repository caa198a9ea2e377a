"""The loaded sanctions list, its entries, each organisation's screening and the hits a person decides."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, str_enum, utcnow


class HitStatus(enum.StrEnum):
    """Where a reviewer's decision on a potential match stands."""

    PENDING = "pending"
    CLEARED = "cleared"  # a false positive
    CONFIRMED = "confirmed"  # a true match


class ScreeningStatus(enum.StrEnum):
    """An organisation's screening status against the current list."""

    UNSCREENED = "unscreened"
    CLEAR = "clear"
    PENDING = "pending"
    CONFIRMED = "confirmed"


class ScreeningList(Base):
    """One load of the Consolidated List: when it was generated, what changed, who loaded it."""

    __tablename__ = "screening_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    date_generated: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(300))
    entries: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    new_hits: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScreeningEntry(Base):
    """An individual or entity of the current list, with every name it is known by."""

    __tablename__ = "screening_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_id: Mapped[str] = mapped_column(String(40), unique=True)
    version_num: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(12))  # individual | entity
    primary_name: Mapped[str] = mapped_column(String(500))
    reference_number: Mapped[str | None] = mapped_column(String(60))
    un_list_type: Mapped[str | None] = mapped_column(String(100))
    listed_on: Mapped[date | None] = mapped_column(Date)
    names: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Every name: ``{"name": …, "quality": "primary" | "Good" | "Low" | "a.k.a." | "f.k.a." | "original script"}``."""
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    """ISO 3166-1 alpha-2 codes of the entry's addresses and nationalities (those that could be read)."""
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What a reviewer reads beside the organisation: comments, original script, addresses, last updated…"""
    content_hash: Mapped[str] = mapped_column(String(64))
    list_id: Mapped[int] = mapped_column(ForeignKey("screening_lists.id", ondelete="CASCADE"), index=True)


class OrganisationScreening(Base):
    """An organisation's latest screening: against which list, when, with which names, and its status."""

    __tablename__ = "organisation_screenings"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("screening_lists.id", ondelete="CASCADE"), index=True)
    names_key: Mapped[str] = mapped_column(String(64))
    """A hash of the names and country screened: a rename makes it stale."""
    status: Mapped[ScreeningStatus] = mapped_column(str_enum(ScreeningStatus, "screening_status"))
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScreeningHit(Base):
    """A potential match of an organisation with a list entry, and the reviewer's decision on it.

    The decision holds for the entry's content as it was decided (``decided_hash``): when the entry changes, the
    hit is pending again.
    """

    __tablename__ = "screening_hits"
    __table_args__ = (
        UniqueConstraint("organisation_id", "data_id"),
        # the hit's own flag, not a workflow state:
        Index("ix_screening_hits_status_active", "active", "status", "organisation_id"),  # not a workflow state
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    data_id: Mapped[str] = mapped_column(String(40))
    version_num: Mapped[int] = mapped_column(Integer, default=1)
    entry_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    """Whether the entry is on the current list and still scores over the threshold."""
    status: Mapped[HitStatus] = mapped_column(str_enum(HitStatus, "screening_hit_status"), default=HitStatus.PENDING)
    decided_hash: Mapped[str | None] = mapped_column(String(64))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    list_id: Mapped[int] = mapped_column(ForeignKey("screening_lists.id", ondelete="CASCADE"), index=True)
