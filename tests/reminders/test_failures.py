"""SMTP failures are never silent: each is logged with the reminder id and the server's reply (no credentials),
counted in ``/metrics``, listed on the dashboard while retried, and reported by the dispatch."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from app.config import load_settings
from app.monitoring.service import reminder_families, send_failure_family
from app.reminders.dispatcher import dispatch_once
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.reminders.service import failed
from tests.builders import cast, draft_agreement
from tests.reminders.smtp import SmtpServer

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def refusing():
    server = SmtpServer(password="right-password").start()
    server.refusal = "550 5.7.1 Relaying denied for this sender"
    yield server
    server.stop()


def _reminder(session, agreement) -> Reminder:
    row = Reminder(
        dedupe_key=f"failures:{agreement.id}", series=f"failures:{agreement.id}", subject_type="agreement",
        subject_id=agreement.id, partnership_id=agreement.partnership_id, kind=ReminderKind.END_DATE,
        due_on=date(2027, 3, 31), offset_days=30, send_at=NOW - timedelta(minutes=1),
        recipient_email="ana@example.org",
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


def _samples(families) -> dict[tuple[str, tuple], float]:
    return {(f.name + suffix, tuple(sorted(labels.items()))): v for f in families for suffix, labels, v in f.samples}


def test_a_refused_reminder_is_logged_counted_reported_and_listed(
    database_url, session, session_factory, make_user, refusing, caplog
):
    settings = load_settings(
        database_url=database_url, smtp_port=refusing.port, smtp_username="dispatcher",
        smtp_password="right-password", dispatch_max_attempts=2, dispatch_retry_base_seconds=60,
    )  # fmt: skip
    agreement = draft_agreement(session, cast(make_user))
    reminder = _reminder(session, agreement)
    before = dict(_samples([send_failure_family()]))
    with caplog.at_level(logging.WARNING, logger="app.reminders.dispatcher"):
        report = dispatch_once(session_factory, settings, now=NOW)
    assert report.retried == 1 and report.failures == [(reminder.id, report.failures[0][1])]
    assert "550 5.7.1 Relaying denied for this sender" in report.failures[0][1]
    logged = [r.getMessage() for r in caplog.records if f"reminder {reminder.id}" in r.getMessage()]
    assert logged and "550 5.7.1 Relaying denied for this sender" in logged[0] and "tried again" in logged[0]
    assert not any("right-password" in r.getMessage() or "dispatcher" in r.getMessage() for r in caplog.records)

    session.expire_all()
    assert [row.id for row in failed(session).items] == [reminder.id]  # retried, yet listed already
    gauges = _samples(reminder_families(session, NOW))
    assert gauges[("agreements_reminders_failing", (("status", "planned"),))] == 1

    with caplog.at_level(logging.WARNING, logger="app.reminders.dispatcher"):
        report = dispatch_once(session_factory, settings, now=NOW + timedelta(minutes=2))
    assert report.failed == 1
    assert any("will not be tried again" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    after = _samples([send_failure_family()])
    for outcome in ("retried", "failed"):
        key = ("agreements_reminder_send_failures_total", (("outcome", outcome),))
        assert after[key] == before[key] + 1
    session.expire_all()
    assert session.get(Reminder, reminder.id).status == ReminderStatus.FAILED
    gauges = _samples(reminder_families(session, NOW))
    assert gauges[("agreements_reminders_failing", (("status", "failed"),))] == 1
