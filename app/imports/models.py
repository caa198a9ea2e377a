"""The record of each inventory import: who, when, which file, and what came of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class ImportRun(Base):
    """One import of an inventory file (dry runs are not recorded: they change nothing)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    """``running`` while batches are committed, then ``finished`` (a run left ``running`` was interrupted)."""
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    doubtful: Mapped[int] = mapped_column(default=0)
    organisations_created: Mapped[int] = mapped_column(default=0)
    partnerships_created: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The first rejected and doubtful rows (line, column, outcome, reason), bounded."""
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Totals, the header mapping, the date order, values read through other wordings and conflicts."""
