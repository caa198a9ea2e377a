"""The daily automatic transitions: activation on the effective date, expiry after the end date, once each."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from app import clock
from app.config import get_settings
from app.jobs import DAILY_JOB_ID, DISPATCH_JOB_ID, WEBHOOK_JOB_ID, make_scheduler, run_daily_transitions
from app.workflow import engine
from tests.builders import advance, cast, draft_agreement


def _today():
    return clock.today(get_settings().zone)


def _signed(session, people, **term):
    """Signed ten days ago (an effective date reached by then would have activated it at signature)."""
    agreement = draft_agreement(session, people, **term)
    with clock.frozen_at(clock.now() - timedelta(days=10)):
        for step in ("submit_for_review", "approve", "record_signatures"):
            advance(session, agreement, step, people)
    session.commit()
    return agreement


def test_the_daily_run_activates_and_expires_what_is_due_once(session, session_factory, make_user):
    people = cast(make_user)
    due = _signed(session, people, effective=_today())
    later = _signed(session, people, effective=_today() + timedelta(days=10), end=_today() + timedelta(days=40))

    report = run_daily_transitions(session_factory)
    session.expire_all()
    assert report.fired == {"activate": [due.id]} and report.refused == []
    assert (due.status, later.status) == ("active", "signed")
    assert due.partnership.stage == "formal"
    event = engine.history(session, "agreement", due.id)[-1]
    assert (event.trigger, event.actor_id, event.comment) == ("activate", None, f"daily run of {_today()}")
    assert run_daily_transitions(session_factory).total == 0  # nothing twice

    # Fifty days on, after downtime: the later one is activated and expired in the same run, in file order.
    with clock.frozen_at(datetime.combine(_today() + timedelta(days=50), time(7), tzinfo=get_settings().zone)):
        report = run_daily_transitions(session_factory)
    session.expire_all()
    assert (report.fired["activate"], report.fired["expire"]) == ([later.id], [later.id])
    assert len(report.fired["mark_overdue"]) == 6  # both agreements' obligations fell due meanwhile
    assert later.status == "expired"
    assert later.partnership.stage == "ended"
    assert [e.trigger for e in engine.history(session, "partnership", later.partnership_id)][-2:] == [
        "agreement_in_force",
        "last_agreement_ended",
    ]


def test_the_scheduler_catches_up_at_start_with_its_own_job(session, session_factory, make_user):
    people = cast(make_user)
    due = _signed(session, people, effective=_today() - timedelta(days=3))
    scheduler = make_scheduler(6, get_settings().timezone, session_factory)
    assert {job.id for job in scheduler.get_jobs()} == {DAILY_JOB_ID, DISPATCH_JOB_ID, WEBHOOK_JOB_ID}
    assert scheduler.get_job(DISPATCH_JOB_ID).trigger.interval.total_seconds() == 60
    scheduler.remove_job(DISPATCH_JOB_ID)  # this test's connection is not shared between threads
    scheduler.remove_job(WEBHOOK_JOB_ID)
    done = threading.Event()
    outcome: list[int] = []
    scheduler.add_listener(lambda e: (outcome.append(e.code), done.set()), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        assert done.wait(30), "the catch-up run did not happen"
        job = scheduler.get_job(DAILY_JOB_ID)
        assert job.next_run_time.hour == 6 and job.next_run_time > clock.now()
    finally:
        scheduler.shutdown(wait=True)
    assert outcome == [EVENT_JOB_EXECUTED]
    session.expire_all()
    assert due.status == "active"
