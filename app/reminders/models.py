"""The outbox: one row per email alert to one recipient, planned ahead, claimed and sent by a dispatcher."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, str_enum, utcnow


class ReminderStatus(enum.StrEnum):
    """Where a reminder is in its delivery."""

    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # not a workflow state: the outbox's own (app/reminders), not app/workflows/*.yaml
    SKIPPED = "skipped"


class ReminderKind(enum.StrEnum):
    """What a reminder warns about."""

    END_DATE = "end_date"
    NOTICE_DEADLINE = "notice_deadline"
    OBLIGATION_DUE = "obligation_due"
    OBLIGATION_OVERDUE = "obligation_overdue"
    SIGN_IN_ALERT = "sign_in_alert"  # to the administrators: a burst of failed sign-ins (app.reminders.alerts)
    # the deadline of reminders already sent was withdrawn (a termination): its calendar event is cancelled; the
    # series ends in ":cancel" after the withdrawn kind, and cancel_reason says why
    DEADLINE_CANCELLED = "deadline_cancelled"
    PARTNER_LINK = "partner_link"  # a partner link to a partner's focal point (app.partner_links.mail)
    # to the partnership's owner: a partner party's withdrawal from an agreement takes effect on ``due_on`` (issue 21)
    WITHDRAWAL = "withdrawal"


class Reminder(Base):
    """An email alert to one recipient, due at ``send_at``.

    ``dedupe_key`` (subject, kind, date, recipient) makes a second row, and so a second email, of the same alert
    impossible; ``series`` groups the reminders of one deadline for one recipient (90, 60, 30 and 7 days
    before), so that after downtime only the latest missed one is sent.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_status_send_at", "status", "send_at"),
        Index("ix_reminders_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    series: Mapped[str] = mapped_column(String(255), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, "reminder_kind"))
    due_on: Mapped[date]
    offset_days: Mapped[int] = mapped_column(default=0)
    send_at: Mapped[datetime]
    recipient_email: Mapped[str] = mapped_column(String(254))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[ReminderStatus] = mapped_column(
        str_enum(ReminderStatus, "reminder_status"), default=ReminderStatus.PLANNED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}
