"""The outbox: one row per email alert to send, claimed and sent by the dispatcher."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, str_enum, utcnow


class ReminderStatus(enum.StrEnum):
    """Where a reminder is in its delivery."""

    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Reminder(Base):
    """An email alert due at ``send_at``; ``dedupe_key`` makes a second send of the same alert impossible."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date]
    send_at: Mapped[datetime]
    recipient_email: Mapped[str] = mapped_column(String(254))
    status: Mapped[ReminderStatus] = mapped_column(
        str_enum(ReminderStatus, "reminder_status"), default=ReminderStatus.PLANNED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
