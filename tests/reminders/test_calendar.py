"""The .ics of the reminders, parsed with icalendar: one event per deadline (the same UID for its 90-, 60-, 30- and
7-day reminders), a SEQUENCE that grows when an extension moves the date, and an alarm."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import select

from app import clock
from app.agreements.models import AgreementKind
from app.config import get_settings, load_settings
from app.obligations.service import list_for_agreement
from app.reminders.dispatcher import dispatch_once
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from tests.builders import advance, cast, draft_agreement
from tests.reminders.smtp import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def _events(received) -> list[tuple[str, icalendar.Event]]:
    found = []
    for item in received:
        for part in item.message.walk():
            if part.get_content_type() == "text/calendar":
                calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
                (event,) = calendar.walk("VEVENT")
                found.append((str(calendar["METHOD"]), event))
    return found


def _send_due(session, session_factory, settings, kind):
    """Send, at its time, the next planned reminder of ``kind`` to every recipient."""
    session.expire_all()
    stmt = select(Reminder).where(Reminder.status == ReminderStatus.PLANNED, Reminder.kind == kind)
    first = session.scalars(stmt.order_by(Reminder.send_at)).first()
    with clock.frozen_at(first.send_at + timedelta(minutes=1)):
        return dispatch_once(session_factory, settings)


def test_one_uid_per_deadline_and_a_higher_sequence_after_an_extension(session, session_factory, make_user, smtp):
    settings = load_settings(smtp_port=smtp.port, smtp_sender="alerts@agreements.example.org")
    people = cast(make_user)
    today = clock.today(get_settings().zone)
    end = today + timedelta(days=100)
    mou = draft_agreement(session, people, end=end, notice=0)
    mou.reminder_policy = {"on_overdue": False, "obligation_days": []}
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, mou, step, people)
    session.commit()

    assert _send_due(session, session_factory, settings, ReminderKind.END_DATE).sent == 2  # 90 days before
    assert _send_due(session, session_factory, settings, ReminderKind.END_DATE).sent == 2  # 60 days before
    before = _events(smtp.received)
    assert len(before) == 4
    uids = {str(event["UID"]) for _method, event in before}
    assert uids == {f"agreement-{mou.id}-end-date@agreements.example.org"}
    assert {event.decoded("DTSTART") for _m, event in before} == {end}
    first_sequence = max(int(event["SEQUENCE"]) for _m, event in before)
    assert all(event.walk("VALARM") for _m, event in before)

    new_end = end + timedelta(days=180)
    extension = draft_agreement(session, people, mou.partnership, kind=AgreementKind.EXTENSION, parent=mou, end=new_end)
    for obligation in list_for_agreement(session, extension.id):
        session.delete(obligation)
    session.flush()
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, extension, step, people)
    session.commit()

    sent_before = len(smtp.received)
    assert _send_due(session, session_factory, settings, ReminderKind.END_DATE).sent == 2
    after = _events(smtp.received[sent_before:])
    assert {str(event["UID"]) for _m, event in after} == uids  # the same event, moved
    assert {event.decoded("DTSTART") for _m, event in after} == {new_end}
    assert min(int(event["SEQUENCE"]) for _m, event in after) > first_sequence
    assert {method for method, _e in before + after} == {"PUBLISH"}

    session.expire_all()
    assert not session.scalars(select(Reminder).where(Reminder.kind == ReminderKind.DEADLINE_CANCELLED)).all()


def test_termination_sends_a_cancel_for_each_event_that_went_out(session, session_factory, make_user, smtp):
    settings = load_settings(smtp_port=smtp.port, smtp_sender="alerts@agreements.example.org")
    people = cast(make_user)
    today = clock.today(get_settings().zone)
    end = today + timedelta(days=100)
    agreement = draft_agreement(session, people, end=end, notice=0)
    agreement.reminder_policy = {"on_overdue": False, "obligation_days": []}
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, step, people)
    session.commit()
    assert _send_due(session, session_factory, settings, ReminderKind.END_DATE).sent == 2
    invitations = _events(smtp.received)
    later = clock.now() + timedelta(days=11)
    with clock.frozen_at(later):
        advance(session, agreement, "terminate", people)
        session.commit()
        cancels = list(session.scalars(select(Reminder).where(Reminder.kind == ReminderKind.DEADLINE_CANCELLED)))
        assert len(cancels) == 2
        assert all(row.cancel_reason.startswith("the agreement was terminated") for row in cancels)
        sent_before = len(smtp.received)
        assert dispatch_once(session_factory, settings).sent == 2
        assert dispatch_once(session_factory, settings).sent == 0  # once only
    withdrawn = smtp.received[sent_before:]
    events = _events(withdrawn)
    assert {method for method, _e in events} == {"CANCEL"}
    assert {str(e["UID"]) for _m, e in events} == {str(e["UID"]) for _m, e in invitations}
    assert min(int(e["SEQUENCE"]) for _m, e in events) > max(int(e["SEQUENCE"]) for _m, e in invitations)
    assert all(str(e["STATUS"]) == "CANCELLED" and not e.walk("VALARM") for _m, e in events)
    # Python's email folding keeps the space before an encoded word it moves to the next line, so the subject read
    # back may hold a doubled space where it was folded (a reader's client unfolds it the same way): compare words.
    subject = " ".join(str(withdrawn[0].message["Subject"]).split())
    assert subject.startswith(f"Cancelled end date {end.day} {end:%b %Y}") and len(subject) <= 69
    text = withdrawn[0].message.get_body(("plain",)).get_content()
    assert "the agreement was terminated" in text


def test_termination_without_any_invitation_sent_sends_no_cancel(session, make_user):
    people = cast(make_user)
    agreement = draft_agreement(session, people, end=clock.today(get_settings().zone) + timedelta(days=100))
    for step in ("submit_for_review", "approve", "record_signatures", "activate", "terminate"):
        advance(session, agreement, step, people)
    assert not session.scalars(select(Reminder).where(Reminder.kind == ReminderKind.DEADLINE_CANCELLED)).all()


def test_waiving_an_obligation_whose_reminder_went_out_withdraws_its_event(session, session_factory, make_user, smtp):
    from app.obligations.schemas import ObligationCreate
    from app.obligations.service import add_obligation
    from app.workflow import engine
    from app.workflow.actor import Actor

    settings = load_settings(smtp_port=smtp.port, smtp_sender="alerts@agreements.example.org")
    people = cast(make_user)
    today = clock.today(get_settings().zone)
    agreement = draft_agreement(session, people, end=today + timedelta(days=300), notice=0)
    agreement.reminder_policy = {"end_date_days": [], "on_overdue": False}
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, step, people)
    data = ObligationCreate(description="Audit report", due_date=today + timedelta(days=40))
    obligation = add_obligation(session, agreement.id, data, people.manager)
    session.commit()
    assert _send_due(session, session_factory, settings, ReminderKind.OBLIGATION_DUE).sent == 2
    invitations = _events(smtp.received)
    engine.fire(session, "obligation", obligation, "waive", Actor.person(people.lawyer), payload={"reason": "Moot"})
    session.commit()
    cancels = list(session.scalars(select(Reminder).where(Reminder.kind == ReminderKind.DEADLINE_CANCELLED)))
    assert len(cancels) == 2 and {row.cancel_reason for row in cancels} == {"the obligation was waived: Moot"}
    sent_before = len(smtp.received)
    assert dispatch_once(session_factory, settings).sent == 2
    events = _events(smtp.received[sent_before:])
    assert {method for method, _e in events} == {"CANCEL"}
    assert {str(e["UID"]) for _m, e in events} == {str(e["UID"]) for _m, e in invitations}
    assert {str(e["UID"]) for _m, e in events} == {f"obligation-{obligation.id}-due@agreements.example.org"}
    assert min(int(e["SEQUENCE"]) for _m, e in events) > max(int(e["SEQUENCE"]) for _m, e in invitations)
