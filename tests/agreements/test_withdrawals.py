"""A party withdraws from an agreement in force on notice; the others stay bound; the last partner ends it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from app import clock
from app.agreements import withdrawals
from app.agreements.models import WithdrawalStatus
from app.agreements.rules import signing_parties
from app.config import get_settings
from app.errors import ValidationFailed
from app.jobs import run_daily_transitions
from app.obligations.models import Obligation
from app.reminders.models import Reminder, ReminderStatus
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import advance, cast, draft_agreement, formalising_partnership


@pytest.fixture
def people(make_user):
    return cast(make_user)


def _today():
    return clock.today(get_settings().zone)


def _active(session, people, partners=2, notice=30):
    agreement = draft_agreement(session, people, formalising_partnership(session, people, partners), notice=notice)
    agreement.reminder_policy = {"focal_points": True, "obligation_days": [3]}
    session.commit()
    for trigger in ("submit_for_review", "approve", "record_signatures"):
        advance(session, agreement, trigger, people)
    session.commit()
    assert agreement.status == "active"
    return agreement


def _obligations(session, agreement, party):
    rows = session.query(Obligation).filter_by(agreement_id=agreement.id, party_id=party.id).all()
    return rows


def test_a_withdrawal_takes_effect_after_the_notice_on_the_daily_run_and_the_others_stay_bound(
    session, session_factory, people
):
    agreement = _active(session, people, partners=2, notice=30)
    leaving, staying = signing_parties(agreement)
    for obligation in _obligations(session, agreement, leaving):  # due later, so not overdue before it takes effect
        obligation.due_date = _today() + timedelta(days=60)
    session.commit()
    focal = leaving.organisation.contacts[0]
    focal.email = "leaving.focal@example.org"
    session.commit()
    from app.reminders.planner import plan_agreement

    plan_agreement(session, agreement)
    session.commit()
    planned = session.query(Reminder).filter_by(recipient_email=focal.email, status=ReminderStatus.PLANNED).count()
    assert planned > 0

    lawyer = Actor.person(people.lawyer)
    with pytest.raises(ValidationFailed) as early:
        withdrawals.withdraw_party(session, agreement, leaving, reason="Closing", actor=lawyer,
                                   effective_on=_today() + timedelta(days=10))  # fmt: skip
    assert early.value.problems[0].field == "effective_on"
    withdrawal = withdrawals.withdraw_party(session, agreement, leaving, reason="Closing its office", actor=lawyer,
                                            notice_given_on=_today() - timedelta(days=2))  # fmt: skip
    session.commit()
    assert withdrawal.effective_on == _today() + timedelta(days=28)  # notice date + 30 days
    assert (withdrawal.status, agreement.status) == (WithdrawalStatus.PENDING, "active")
    assert engine.history(session, "agreement", agreement.id)[-1].trigger == "withdraw_party"
    # The owner hears before it takes effect (at the notice offsets, and on the day).
    owner_reminders = session.query(Reminder).filter_by(kind="withdrawal", subject_id=agreement.id).all()
    assert {(r.recipient_user_id, r.due_on, r.status) for r in owner_reminders} == {
        (people.manager.id, withdrawal.effective_on, ReminderStatus.PLANNED)
    }
    offsets = {0, *get_settings().remind_notice_days}
    assert sorted(r.offset_days for r in owner_reminders) == sorted(d for d in offsets if d <= 28)  # none in the past
    from app.reminders.email import build_message, load_context

    message = build_message(owner_reminders[0], load_context(session, owner_reminders[0]))
    assert message["Subject"].startswith("A partner withdraws")
    assert "withdrawal from" in message.get_body(("plain",)).get_content()

    # Before its date nothing changes; on its date the daily run makes it effective.
    assert "withdrawal_takes_effect" not in run_daily_transitions(session_factory).fired
    on_the_day = datetime.combine(withdrawal.effective_on, time(7), tzinfo=get_settings().zone)
    with clock.frozen_at(on_the_day):
        report = run_daily_transitions(session_factory)
    session.expire_all()
    assert report.fired["withdrawal_takes_effect"] == [agreement.id]
    assert withdrawal.status == WithdrawalStatus.EFFECTIVE and agreement.status == "active"
    assert {o.status for o in _obligations(session, agreement, leaving)} == {"waived"}
    assert {o.status for o in _obligations(session, agreement, staying)} == {"overdue"}  # still owed: due today
    left = session.query(Reminder).filter_by(recipient_email=focal.email, subject_type="agreement").all()
    assert left and all(r.status == ReminderStatus.CANCELLED for r in left)
    assert session.query(Reminder).filter_by(subject_type="obligation", status=ReminderStatus.PLANNED).filter(
        Reminder.subject_id.in_([o.id for o in _obligations(session, agreement, leaving)])
    ).count() == 0  # fmt: skip
    with clock.frozen_at(on_the_day):
        assert "withdrawal_takes_effect" not in run_daily_transitions(session_factory).fired  # once only


def test_the_last_partner_withdrawing_terminates_the_agreement(session, people):
    agreement = _active(session, people, partners=2, notice=15)
    first, last = signing_parties(agreement)
    lawyer = Actor.person(people.lawyer)
    withdrawals.withdraw_party(session, agreement, first, reason="Merged", actor=lawyer)
    session.commit()
    assert agreement.status == "active"
    with pytest.raises(Exception) as twice:
        withdrawals.withdraw_party(session, agreement, first, reason="Again", actor=lawyer)
    assert "already withdrawn" in str(twice.value.detail if hasattr(twice.value, "detail") else twice.value)
    session.rollback()
    later = _today() + timedelta(days=40)
    withdrawals.withdraw_party(session, agreement, last, reason="Funding ended", actor=lawyer, effective_on=later)
    session.commit()
    assert agreement.status == "terminated" and agreement.terminated_on == later
    assert engine.history(session, "agreement", agreement.id)[-1].trigger == "terminate"


def test_a_project_manager_may_not_withdraw_a_party_and_only_in_force(session, people):
    from app.errors import Conflict, Forbidden

    agreement = draft_agreement(session, people)
    party = signing_parties(agreement)[0]
    with pytest.raises(Conflict):
        withdrawals.withdraw_party(session, agreement, party, reason="x", actor=Actor.person(people.lawyer))
    with pytest.raises(Forbidden):
        withdrawals.withdraw_party(session, agreement, party, reason="x", actor=Actor.person(people.manager))
