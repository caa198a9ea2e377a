"""Every cancelled reminder says what actually happened: fulfilled, waived, terminated, expired, superseded, suspended,
or what in the reminder policy changed; never "the obligation is open" for an obligation that is closed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.agreements.models import AgreementKind
from app.config import get_settings
from app.obligations.schemas import ObligationCreate
from app.obligations.service import add_obligation, list_for_agreement
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.reminders.planner import plan_agreement
from app.reminders.schemas import ReminderPolicyInput
from app.reminders.service import set_policy
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import SET_UP, advance, cast, draft_agreement


def _today():
    return clock.today(get_settings().zone)


def _active(session, people, **term):
    agreement = draft_agreement(session, people, **term)
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, step, people)
    return agreement


def _cancelled(session, subject_type, subject_id):
    stmt = select(Reminder).where(
        Reminder.status == ReminderStatus.CANCELLED,
        Reminder.subject_type == subject_type,
        Reminder.subject_id == subject_id,
    )
    return list(session.scalars(stmt))


def _reasons(session, subject_type, subject_id) -> set[str]:
    rows = _cancelled(session, subject_type, subject_id)
    assert rows, f"no cancelled reminder of {subject_type} {subject_id}"
    return {row.cancel_reason for row in rows}


def _obligation(session, people, agreement, days=30):
    data = ObligationCreate(description="Audit report", due_date=_today() + timedelta(days=days))
    return add_obligation(session, agreement.id, data, people.manager)


def _long(day) -> str:
    return f"{day.day} {day:%B %Y}"


def test_a_fulfilled_obligation_says_it_was_fulfilled_and_when(session, make_user):
    people = cast(make_user)
    obligation = _obligation(session, people, _active(session, people))
    done = _today() - timedelta(days=1)
    payload = {"fulfilled_on": done.isoformat(), "evidence": "Received"}
    engine.fire(session, "obligation", obligation, "fulfil", Actor.person(people.manager), payload=payload)
    assert _reasons(session, "obligation", obligation.id) == {f"the obligation was fulfilled on {_long(done)}"}


def test_a_waived_obligation_says_it_was_waived_and_why(session, make_user):
    people = cast(make_user)
    obligation = _obligation(session, people, _active(session, people))
    payload = {"reason": "The partner merged into another"}
    engine.fire(session, "obligation", obligation, "waive", Actor.person(people.lawyer), payload=payload)
    expected = "the obligation was waived: The partner merged into another"
    assert _reasons(session, "obligation", obligation.id) == {expected}


def test_termination_says_the_agreement_was_terminated_for_its_own_and_its_obligations_reminders(session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=200), notice=30)
    obligation = _obligation(session, people, agreement)
    advance(session, agreement, "terminate", people)
    when = _long(agreement.terminated_on)
    expected = f"the agreement was terminated with effect from {when} (The partner closed its office)"
    assert _reasons(session, "agreement", agreement.id) == {expected}
    assert _reasons(session, "obligation", obligation.id) == {expected}


def test_expiry_says_the_agreement_expired_on_its_end_date(session, make_user):
    people = cast(make_user)
    end = _today() + timedelta(days=100)
    agreement = _active(session, people, end=end, notice=0)
    obligation = _obligation(session, people, agreement, days=60)
    with clock.frozen_at(clock.now()):  # the expiry itself travels past the end date; planning stays today
        advance(session, agreement, "expire", people)
    reason = f"the agreement expired on {_long(end)}"
    assert _reasons(session, "obligation", obligation.id) == {reason}


def test_suspension_says_the_obligations_are_on_hold(session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=200))
    obligation = _obligation(session, people, agreement)
    advance(session, agreement, "suspend", people)
    assert _reasons(session, "obligation", obligation.id) == {"the agreement is suspended: its obligations are on hold"}


def test_an_extension_says_the_agreement_was_superseded_and_where_the_end_date_moved(session, make_user):
    people = cast(make_user)
    end = _today() + timedelta(days=100)
    mou = _active(session, people, end=end, notice=0)
    set_policy(session, mou.id, ReminderPolicyInput(end_date_days=[90, 60, 45, 30, 7]), actor=SET_UP)
    new_end = end + timedelta(days=180)
    extension = draft_agreement(session, people, mou.partnership, kind=AgreementKind.EXTENSION, parent=mou, end=new_end)
    for obligation in list_for_agreement(session, extension.id):
        session.delete(obligation)
    session.flush()
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, extension, step, people)
    # the 45-day reminders belong to the MOU's own policy: the extension does not take them over
    assert _reasons(session, "agreement", mou.id) == {
        f"the agreement was superseded by its extension “{extension.title}”; the end date moved to {_long(new_end)}"
    }


def test_a_policy_change_says_what_in_the_policy_changed(session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=200), notice=30)
    obligation = _obligation(session, people, agreement)
    policy = ReminderPolicyInput(end_date_days=[90, 30, 7], on_overdue=False)
    set_policy(session, agreement.id, policy, actor=SET_UP)
    assert _reasons(session, "agreement", agreement.id) == {"the reminder policy no longer reminds 60 days before"}
    assert _reasons(session, "obligation", obligation.id) == {"overdue reminders are turned off for this agreement"}

    agreement.notice_period_days = 0
    session.flush()
    plan_agreement(session, agreement)
    notice = [r for r in _cancelled(session, "agreement", agreement.id) if r.kind == ReminderKind.NOTICE_DEADLINE]
    assert notice and {r.cancel_reason for r in notice} == {"the agreement no longer has a notice period"}


def test_no_cancel_reason_names_a_raw_state_or_says_open(session, make_user):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=200))
    obligation = _obligation(session, people, agreement)
    engine.fire(session, "obligation", obligation, "waive", Actor.person(people.lawyer), payload={"reason": "Moot"})
    advance(session, agreement, "terminate", people)
    reasons = {row.cancel_reason for row in session.scalars(select(Reminder)) if row.cancel_reason}
    assert reasons
    for reason in reasons:
        assert "is open" not in reason and "is terminated" not in reason and "is waived" not in reason, reason
