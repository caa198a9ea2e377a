"""The planner: the reminders an agreement and its obligations call for, kept in step with every change."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app import clock
from app.agreements.models import AgreementKind
from app.config import get_settings
from app.obligations.schemas import ObligationCreate
from app.obligations.service import add_obligation, list_for_agreement
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.workflow import definition, engine
from app.workflow.actor import Actor
from tests.builders import advance, cast, draft_agreement


def _today():
    return clock.today(get_settings().zone)


def _reminders(session, status=ReminderStatus.PLANNED, subject_type=None):
    stmt = select(Reminder).where(Reminder.status == status)
    if subject_type:
        stmt = stmt.where(Reminder.subject_type == subject_type)
    return list(session.scalars(stmt.order_by(Reminder.send_at, Reminder.recipient_email)))


def _active(session, people, **term):
    agreement = draft_agreement(session, people, **term)
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, step, people)
    return agreement


def test_an_agreement_in_force_gets_exactly_the_planned_reminders(session, make_user):
    people = cast(make_user)
    end = _today() + timedelta(days=100)
    agreement = _active(session, people, end=end, notice=30)
    planned = _reminders(session, subject_type="agreement")
    recipients = {people.manager.email.lower(), people.lawyer.email.lower()}
    expected = {
        (ReminderKind.END_DATE, end - timedelta(days=days), email) for days in (90, 60, 30, 7) for email in recipients
    } | {
        (ReminderKind.NOTICE_DEADLINE, end - timedelta(days=30 + days), email)
        for days in (30, 7)
        for email in recipients
    }
    assert {(r.kind, clock.local_date(r.send_at, get_settings().zone), r.recipient_email) for r in planned} == expected
    first = planned[0]
    assert first.send_at.astimezone(get_settings().zone).hour == get_settings().remind_send_hour
    assert first.partnership_id == agreement.partnership_id and first.recipient_user_id is not None
    assert len({r.dedupe_key for r in planned}) == len(planned)

    obligations = _reminders(session, subject_type="obligation")
    due_dates = {o.id: o.due_date for o in list_for_agreement(session, agreement.id)}
    for reminder in obligations:
        assert reminder.due_on == due_dates[reminder.subject_id]
        assert reminder.offset_days in (14, 3, -1)
        assert clock.local_date(reminder.send_at, get_settings().zone) >= _today()

    count = len(_reminders(session))
    definition.get_workflow("agreement")  # planning again changes nothing
    from app.reminders.planner import plan_agreement

    plan_agreement(session, agreement)
    assert len(_reminders(session)) == count


def test_an_extension_reschedules_and_termination_cancels(session, make_user):
    people = cast(make_user)
    end = _today() + timedelta(days=100)
    mou = _active(session, people, end=end, notice=0)
    before = {r.id: r.due_on for r in _reminders(session, subject_type="agreement")}
    assert set(before.values()) == {end}

    new_end = end + timedelta(days=180)
    extension = draft_agreement(session, people, mou.partnership, kind=AgreementKind.EXTENSION, parent=mou, end=new_end)
    for obligation in list_for_agreement(session, extension.id):
        session.delete(obligation)
    session.flush()
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, extension, step, people)
    assert mou.status == "superseded"
    after = {r.id: r for r in _reminders(session, subject_type="agreement")}
    assert set(after) >= set(before)  # the same rows, rescheduled, plus those newly in range
    assert all(after[i].due_on == new_end and after[i].subject_id == extension.id for i in before)
    assert not [r for r in _reminders(session, ReminderStatus.CANCELLED) if r.subject_type == "agreement"]

    advance(session, extension, "terminate", people)
    cancelled = _reminders(session, ReminderStatus.CANCELLED, subject_type="agreement")
    assert {r.id for r in cancelled} == set(after)
    assert all(r.cancel_reason.startswith("the agreement was terminated with effect from") for r in cancelled)
    assert not _reminders(session, subject_type="agreement")
    assert not _reminders(session, subject_type="obligation")


def test_obligation_reminders_follow_its_status(session, make_user):
    people = cast(make_user)
    agreement = _active(session, people)
    due = _today() + timedelta(days=30)
    obligation = add_obligation(
        session, agreement.id, ObligationCreate(description="Audit report", due_date=due, responsible_email="a@x.org"),
        people.manager,
    )  # fmt: skip
    mine = [r for r in _reminders(session, subject_type="obligation") if r.subject_id == obligation.id]
    assert {(r.kind, r.offset_days) for r in mine} == {
        (ReminderKind.OBLIGATION_DUE, 14),
        (ReminderKind.OBLIGATION_DUE, 3),
        (ReminderKind.OBLIGATION_OVERDUE, -1),
    }
    assert "a@x.org" in {r.recipient_email for r in mine}
    payload = {"fulfilled_on": _today().isoformat(), "evidence": "Received"}
    engine.fire(session, "obligation", obligation, "fulfil", Actor.person(people.manager), payload=payload)
    assert not [r for r in _reminders(session, subject_type="obligation") if r.subject_id == obligation.id]
    engine.fire(session, "obligation", obligation, "reopen", Actor.person(people.lawyer), "Wrong report")
    assert len([r for r in _reminders(session, subject_type="obligation") if r.subject_id == obligation.id]) == len(
        mine
    )


def test_a_sent_reminder_is_never_planned_again(session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=100))
    first = _reminders(session, subject_type="agreement")[0]
    first.status, first.sent_at = ReminderStatus.SENT, clock.now()
    session.flush()
    from app.reminders.planner import plan_agreement

    plan_agreement(session, agreement)
    assert session.scalars(select(Reminder).where(Reminder.dedupe_key == first.dedupe_key)).one().status == "sent"


def test_suspension_pauses_obligation_reminders_only(session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=200))
    add_obligation(
        session,
        agreement.id,
        ObligationCreate(description="Report", due_date=_today() + timedelta(days=40)),
        people.manager,
    )
    advance(session, agreement, "suspend", people)
    assert _reminders(session, subject_type="agreement") and not _reminders(session, subject_type="obligation")
    advance(session, agreement, "resume", people)
    assert _reminders(session, subject_type="obligation")


def test_the_daily_run_marks_overdue_obligations(session, session_factory, make_user):
    from app.jobs import run_daily_transitions

    people = cast(make_user)
    agreement = _active(session, people)
    obligation = add_obligation(
        session,
        agreement.id,
        ObligationCreate(description="Report", due_date=_today() + timedelta(days=2)),
        people.manager,
    )
    session.commit()
    later = datetime.combine(_today() + timedelta(days=5), time(7), tzinfo=get_settings().zone)
    with clock.frozen_at(later):
        report = run_daily_transitions(session_factory)
    session.expire_all()
    assert obligation.id in report.fired.get("mark_overdue", []), report
    assert obligation.status == "overdue"
