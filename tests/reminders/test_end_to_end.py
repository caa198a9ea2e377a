"""The promise, end to end with a real SMTP server: each planned reminder is sent once, on its day, to the right
people, with a valid calendar event; extending reschedules, terminating cancels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.config import get_settings, load_settings
from app.reminders.dispatcher import dispatch_once
from app.reminders.models import Reminder, ReminderStatus
from tests.builders import advance, cast, draft_agreement
from tests.reminders.smtp import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def _calendar(message) -> str:
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [part.get_content_type() for part in message.walk()]
    return parts[0].get_content() if isinstance(parts[0].get_content(), str) else parts[0].get_content().decode()


def test_each_reminder_goes_out_once_on_its_day_to_the_right_people(session, session_factory, make_user, smtp):
    settings = load_settings(smtp_port=smtp.port, smtp_sender="alerts@agreements.example.org")
    people = cast(make_user)
    today = clock.today(get_settings().zone)
    agreement = draft_agreement(session, people, end=today + timedelta(days=100), notice=30)
    agreement.reminder_policy = {"on_overdue": False}  # keep this story to the agreement's own deadlines
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, step, people)
    session.commit()
    planned = list(session.scalars(select(Reminder).where(Reminder.status == ReminderStatus.PLANNED)))
    assert len(planned) == 12  # end date: 90, 60, 30, 7 days; notice deadline: 30, 7 days; to two people each
    recipients = {people.manager.email.lower(), people.lawyer.email.lower()}

    for send_at in sorted({reminder.send_at for reminder in planned}):
        expected = {(r.recipient_email, r.dedupe_key) for r in planned if r.send_at == send_at}
        before = len(smtp.received)
        with clock.frozen_at(send_at - timedelta(minutes=1)):
            assert dispatch_once(session_factory, settings).sent == 0  # not yet
        with clock.frozen_at(send_at + timedelta(minutes=5)):
            report = dispatch_once(session_factory, settings)
            assert dispatch_once(session_factory, settings).sent == 0  # and not twice
        assert report.sent == len(expected)
        arrived = smtp.received[before:]
        assert sorted(tuple(m.rcpt_tos) for m in arrived) == sorted((email,) for email, _ in expected)

    assert len(smtp.received) == 12 and len(set(smtp.message_ids())) == 12
    for item in smtp.received:
        message = item.message
        assert message["From"] == "alerts@agreements.example.org"
        assert set(item.rcpt_tos) <= recipients
        subject = " ".join(message["Subject"].split())
        assert len(subject) <= 69 and subject.startswith(("Ends ", "Notice deadline "))
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert agreement.partnership.reference in text and agreement.partnership.reference in html
        calendar = _calendar(message)
        assert calendar.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in calendar and "\r\n" in calendar
        dates = {agreement.end_date.strftime("%Y%m%d"),
                 (agreement.end_date - timedelta(days=30)).strftime("%Y%m%d")}  # fmt: skip
        assert any(f"DTSTART;VALUE=DATE:{day}" in calendar for day in dates)
    session.expire_all()
    assert {r.status for r in session.scalars(select(Reminder))} == {ReminderStatus.SENT}
    assert all(r.message_id and r.sent_at for r in session.scalars(select(Reminder)))
