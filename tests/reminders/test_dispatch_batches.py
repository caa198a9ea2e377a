"""A batch goes out over one SMTP connection, opened again when it breaks; each e-mail exactly once."""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.generator import BytesGenerator
from email.policy import default

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st
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
from app.reminders.recording import BatchRecorder
from app.reminders.wire import _personal
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


RECIPIENTS = [
    "ana@example.org",
    "Bea Example <bea@example.org>",
    "José Núñez <jose@example.org>",  # an encoded word in the header, the address still ASCII
    '"Doe, Jane" <jane.doe@example.org>',  # a quoted display name
    "o'brien+alerts@sub.example-mail.org",
    "a.very.long.mailbox.name.for.the.partnerships.desk@regional-office.example.org",  # folded past 78
]


def test_an_email_readdressed_from_a_batch_is_sent_as_send_message_would_send_it(session, agreement, config):
    reminders = [_reminder(session, agreement, recipient=recipient) for recipient in RECIPIENTS]
    context = load_context(session, reminders[0], config)
    deadline = deadline_of(session, reminders[0], config.smtp_sender)
    cache = MessageCache()
    messages = [build_message(r, context, config, NOW, deadline, INTERNAL, cache=cache) for r in reminders]
    assert len(cache.composed) == 1, "the same words are composed once"
    for message, reminder in zip(messages, reminders, strict=True):
        out = io.BytesIO()
        BytesGenerator(out).flatten(message, linesep="\r\n")
        assert message.wire == out.getvalue()
        assert message.envelope_to == (reminder.recipient_email.rpartition("<")[2].rstrip(">"),)
        assert message.envelope_from == "agreements@example.org"
        alone = build_message(reminder, context, config, NOW, deadline, INTERNAL)  # composed on its own
        assert str(alone["To"]) == str(message["To"]) and alone["Message-ID"] == message["Message-ID"]
        assert alone.get_body(("plain",)).get_content() == message.get_body(("plain",)).get_content()
        alone_out = io.BytesIO()
        BytesGenerator(alone_out).flatten(alone, linesep="\r\n")
        assert _header_lines(alone_out.getvalue(), "To") == _header_lines(message.wire, "To")
    assert len({message["Message-ID"] for message in messages}) == len(messages)
    assert SENDER.endswith(f"<{messages[0].envelope_from}>")


def _header_lines(wire: bytes, name: str) -> bytes:
    """The (possibly folded) lines of header ``name`` in ``wire``."""
    head = wire.partition(b"\r\n\r\n")[0].split(b"\r\n")
    start = next(i for i, line in enumerate(head) if line.startswith(name.encode() + b":"))
    stop = next((i for i in range(start + 1, len(head)) if not head[i][:1].isspace()), len(head))
    return b"\r\n".join(head[start:stop])


@given(
    local=st.from_regex(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-\"\\ ]{1,70}", fullmatch=True),
    domain=st.from_regex(r"[a-z0-9\-]{1,20}(\.[a-z0-9\-]{1,20}){0,3}", fullmatch=True),
)
@examples(max_examples=300, deadline=None)
def test_a_header_line_written_without_parsing_is_the_one_the_policy_writes(local, domain):
    policy = default.clone(linesep="\r\n")
    for name, value in (("To", f"{local}@{domain}"), ("Message-ID", f"<{local}@{domain}>")):
        try:
            parsed = policy.header_store_parse(name, value)[1]
            expected = policy.fold_binary(name, parsed)
        except Exception:  # a value the policy itself cannot write is not ours to write either
            continue
        _stored, line = _personal(policy, name, value)
        assert line == expected, (name, value)


def test_each_email_is_recorded_before_the_server_can_accept_the_next(live, mail, monkeypatch):
    """The record of one e-mail runs while the next one's envelope goes out, never past its DATA: a worker killed at
    any moment leaves at most one accepted e-mail unrecorded."""
    url, factory = live
    _fill(factory, 6, NOW - timedelta(minutes=1))
    recorded: list[int] = []
    record = BatchRecorder.sent

    def slow_record(self, reminder_id, *args, **kwargs):
        time.sleep(0.05)  # a slow database: the next e-mail's envelope is long sent by now
        record(self, reminder_id, *args, **kwargs)
        recorded.append(reminder_id)

    monkeypatch.setattr(BatchRecorder, "sent", slow_record)
    records_done_at_acceptance: list[int] = []

    class Watched(list):
        def append(self, item) -> None:
            records_done_at_acceptance.append(len(recorded))
            super().append(item)

    mail.received = Watched()
    report = dispatch_once(factory, _settings(url, mail.port, dispatch_batch_size=50), now=NOW)
    assert report.sent == 6
    assert records_done_at_acceptance == [0, 1, 2, 3, 4, 5], "the k-th e-mail accepted after exactly k records"
    assert _counts(factory) == {ReminderStatus.SENT: 6}
