"""A batch goes out over one SMTP connection, opened again when it breaks; each e-mail exactly once."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.generator import BytesGenerator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.agreements.models import Agreement
from app.config import Settings
from app.db import make_engine
from app.reminders.audience import INTERNAL
from app.reminders.calendar import deadline_of
from app.reminders.dispatcher import dispatch_once
from app.reminders.email import MessageCache, build_message, load_context
from app.reminders.models import ReminderStatus
from tests.builders import cast, draft_agreement
from tests.reminders.smtp import SmtpServer
from tests.reminders.test_dispatcher import NOW, SENDER, _counts, _fill, _reminder, _settings
from tests.support import scratch_database


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    """A running SMTP server on loopback."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def live(database_url, settings, tmp_path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """The URL and a session factory of a migrated database of this test's own (real connections, real commits)."""
    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        yield url, sessionmaker(bind=bound, expire_on_commit=False)
        bound.dispose()


@pytest.fixture
def agreement(session, make_user) -> Agreement:
    """A draft MOU to be reminded of."""
    return draft_agreement(session, cast(make_user))


@pytest.fixture
def config(database_url, settings, mail) -> Settings:
    """Dispatcher settings aimed at the test server."""
    return _settings(database_url, mail.port)


def test_a_batch_goes_out_over_one_connection_and_each_reminder_is_recorded_sent(live, mail):
    url, factory = live
    _fill(factory, 12, NOW - timedelta(minutes=1))
    report = dispatch_once(factory, _settings(url, mail.port, dispatch_batch_size=50), now=NOW)
    assert (report.sent, report.retried, report.failed) == (12, 0, 0)
    assert len(mail.peers) == 1, "one SMTP connection for the whole batch"
    assert _counts(factory) == {ReminderStatus.SENT: 12}
    assert len(set(mail.message_ids())) == 12


def test_a_connection_dropped_by_the_server_mid_batch_delivers_every_reminder_exactly_once(live, mail):
    url, factory = live
    _fill(factory, 12, NOW - timedelta(minutes=1))
    config = _settings(url, mail.port, dispatch_batch_size=50)
    mail.drop_after = 5  # accepts five, then hangs up on the sixth before accepting it

    report = dispatch_once(factory, config, now=NOW)
    assert (report.sent, report.retried, report.failed) == (11, 1, 0), report.failures
    assert len(mail.peers) == 2, "the rest of the batch went out over a new connection"
    [(_dropped, error)] = report.failures
    assert "SMTPServerDisconnected" in error
    assert _counts(factory) == {ReminderStatus.SENT: 11, ReminderStatus.PLANNED: 1}

    assert dispatch_once(factory, config, now=NOW + timedelta(seconds=30)).claimed == 0  # backing off
    assert dispatch_once(factory, config, now=NOW + timedelta(seconds=61)).sent == 1  # the one whose fate was unknown
    received = Counter(mail.message_ids())
    assert len(received) == 12 and set(received.values()) == {1}, received.most_common(2)
    assert _counts(factory) == {ReminderStatus.SENT: 12}


def test_a_refusal_of_a_whole_batch_counts_one_attempt_for_each_reminder(live, mail):
    url, factory = live
    _fill(factory, 4, NOW - timedelta(minutes=1))
    config = _settings(url, mail.port, dispatch_batch_size=50, dispatch_max_attempts=2)
    mail.refusal = "451 4.3.0 Try again later"
    assert dispatch_once(factory, config, now=NOW).retried == 4
    assert _counts(factory) == {ReminderStatus.PLANNED: 4}
    report = dispatch_once(factory, config, now=NOW + timedelta(seconds=61))
    assert (report.retried, report.failed) == (0, 4)
    assert _counts(factory) == {ReminderStatus.FAILED: 4}
    mail.refusal = None
    assert not mail.received


def test_an_email_readdressed_from_a_batch_is_sent_as_send_message_would_send_it(session, agreement, config):
    first = _reminder(session, agreement, recipient="ana@example.org")
    second = _reminder(session, agreement, recipient="Bea Example <bea@example.org>")
    context = load_context(session, first, config)
    deadline = deadline_of(session, first, config.smtp_sender)
    cache = MessageCache()
    messages = [build_message(r, context, config, NOW, deadline, INTERNAL, cache=cache) for r in (first, second)]
    assert len(cache.composed) == 1, "the same words are composed once"
    for message, reminder in zip(messages, (first, second), strict=True):
        out = io.BytesIO()
        BytesGenerator(out).flatten(message, linesep="\r\n")
        assert message.wire == out.getvalue()
        assert message.envelope_to == (reminder.recipient_email.rpartition("<")[2].rstrip(">"),)
        assert message.envelope_from == "agreements@example.org"
    assert messages[0]["Message-ID"] != messages[1]["Message-ID"]
    alone = build_message(second, context, config, NOW, deadline, INTERNAL)  # composed on its own
    assert str(alone["To"]) == str(messages[1]["To"]) and alone["Message-ID"] == messages[1]["Message-ID"]
    assert alone.get_body(("plain",)).get_content() == messages[1].get_body(("plain",)).get_content()
    assert SENDER.endswith(f"<{messages[0].envelope_from}>")
