"""A reminder sent through the real dispatcher to a real SMTP server on loopback (for the reminder.sent message)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, load_settings
from app.reminders.dispatcher import dispatch_once
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from tests.builders import cast, draft_agreement
from tests.reminders.smtp import SmtpServer

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def send_one_reminder(session: Session, factory: sessionmaker[Session], make_user, settings: Settings) -> int:
    """Plan one due end-date reminder of a new agreement and send it; its id."""
    agreement = draft_agreement(session, cast(make_user))
    reminder = Reminder(
        dedupe_key=f"agreement:{agreement.id}:end_date:2027-03-01:ana@example.org",
        series=f"agreement:{agreement.id}:end_date:ana@example.org",
        subject_type="agreement",
        subject_id=agreement.id,
        partnership_id=agreement.partnership_id,
        kind=ReminderKind.END_DATE,
        due_on=date(2027, 3, 31),
        offset_days=30,
        send_at=NOW - timedelta(minutes=5),
        recipient_email="ana@example.org",
    )
    session.add(reminder)
    session.commit()
    mail = SmtpServer().start()
    try:
        config = load_settings(
            database_url=settings.database_url,
            smtp_port=mail.port,
            smtp_sender="Agreements <agreements@example.org>",
            smtp_timeout_seconds=5,
        )
        report = dispatch_once(factory, config, now=NOW)
    finally:
        mail.stop()
    assert report.sent == 1, report.failures
    session.expire_all()
    assert session.get(Reminder, reminder.id).status == ReminderStatus.SENT
    return reminder.id
