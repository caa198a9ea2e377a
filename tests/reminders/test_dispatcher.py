"""The dispatcher against a real SMTP server on loopback: every reminder delivered, none twice, none lost."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.agreements.models import Agreement
from app.config import Settings, load_settings
from app.db import make_engine, unit_of_work
from app.errors import Conflict, NotFound, ValidationFailed
from app.obligations.models import Obligation
from app.reminders.claims import MISSED_REASON, claim_due, record_sent
from app.reminders.dispatcher import dispatch_once
from app.reminders.email import message_id_for
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.reminders.service import cancel as cancel_reminder
from app.reminders.service import retry
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP, cast, draft_agreement
from tests.conftest import ROOT
from tests.reminders.smtp import SmtpServer
from tests.support import scratch_database

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SENDER = "Agreements <agreements@example.org>"
_numbers = itertools.count(1)


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    """A running SMTP server on loopback."""
    server = SmtpServer().start()
    yield server
    server.stop()


def _settings(database_url: str, port: int, **overrides) -> Settings:
    values = {
        "database_url": database_url,
        "smtp_port": port,
        "smtp_sender": SENDER,
        "smtp_timeout_seconds": 5,
        "base_url": "https://agreements.example.org/",
        "organisation_name": "The Organisation",
        "dispatch_max_attempts": 3,
        "dispatch_retry_base_seconds": 60,
        "dispatch_lease_seconds": 60,
        **overrides,
    }
    return load_settings(**values)


@pytest.fixture
def config(database_url, settings, mail) -> Settings:
    """Dispatcher settings aimed at the test server."""
    return _settings(database_url, mail.port)


def _reminder(
    session: Session,
    subject: Agreement | Obligation,
    *,
    kind: ReminderKind = ReminderKind.END_DATE,
    offset: int = 30,
    send_at: datetime | None = None,
    due_on: date = date(2027, 3, 31),
    recipient: str = "ana@example.org",
    **fields,
) -> Reminder:
    subject_type = "obligation" if isinstance(subject, Obligation) else "agreement"
    partnership_id = (subject.agreement if isinstance(subject, Obligation) else subject).partnership_id
    send_day = due_on - timedelta(days=offset)
    row = Reminder(
        dedupe_key=f"{subject_type}:{subject.id}:{kind.value}:{send_day}:{recipient}",
        series=f"{subject_type}:{subject.id}:{kind.value}:{recipient}",
        subject_type=subject_type,
        subject_id=subject.id,
        partnership_id=partnership_id,
        kind=kind,
        due_on=due_on,
        offset_days=offset,
        send_at=send_at or NOW - timedelta(minutes=5),
        recipient_email=recipient,
        **fields,
    )
    session.add(row)
    session.commit()
    return row


def _status(factory: sessionmaker[Session], reminder_id: int) -> Reminder:
    with factory() as session:
        return session.get(Reminder, reminder_id)


@pytest.fixture
def agreement(session, make_user) -> Agreement:
    """A draft MOU whose partnership and party names need escaping and are not all Latin."""
    found = draft_agreement(session, cast(make_user))
    found.title = 'MOU "Água & <Saúde>"'
    found.partnership.title = "Water; sanitation, and hygiene — 水と衛生"
    obligation = session.scalars(
        select(Obligation).where(Obligation.agreement_id == found.id, Obligation.party_id.is_not(None))
    ).first()
    obligation.party.organisation.legal_name = "Ассоциация «Мост» & Partners"
    session.commit()
    return found


def _parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    calendars = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    return text, html, calendars


def _unfold(raw: bytes) -> dict[str, str]:
    """The content lines of a one-event calendar by name (with parameters), unfolded and unescaped."""
    text = raw.decode("utf-8")
    assert "\n" not in text.replace("\r\n", ""), "every line must end in CRLF"
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75, line
    lines: dict[str, str] = {}
    for line in text.replace("\r\n ", "").split("\r\n"):
        if line:
            name, _, value = line.partition(":")
            unescaped = value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
            lines.setdefault(name, unescaped)
    return lines


def test_a_due_reminder_is_sent_once_to_its_recipient_with_text_html_and_a_calendar(
    session_factory, session, agreement, mail, config
):
    reminder = _reminder(session, agreement, recipient="zoe@example.org")
    report = dispatch_once(session_factory, config, now=NOW)
    assert (report.sent, report.retried, report.failed, report.skipped) == (1, 0, 0, 0)
    assert len(mail.received) == 1
    received = mail.received[0]
    message = received.message
    assert received.rcpt_tos == ("zoe@example.org",)
    assert message["To"].addresses[0].addr_spec == "zoe@example.org"
    assert message["From"].addresses[0].addr_spec == "agreements@example.org"
    reference = agreement.partnership.reference
    assert message["Subject"].startswith("Ends 31 Mar 2027 (in 30 days): Ассоциация «Мост» & Partners")
    assert len(message["Subject"]) <= 69
    text, html, calendars = _parts(message)
    link = f"https://agreements.example.org/partnerships/{agreement.partnership_id}"
    assert reference in text and "水と衛生" in text and 'MOU "Água & <Saúde>"' in text
    assert "renew or extend" in text and "31 March 2027" in text and link in text
    assert "MOU &#34;Água &amp; &lt;Saúde&gt;&#34;" in html and "<Saúde>" not in html
    assert f'href="{link}"' in html and "renew or extend" in html

    assert len(calendars) == 1
    calendar = calendars[0]
    assert calendar.get_param("method") == "PUBLISH"
    raw = calendar.get_payload(decode=True)
    _unfold(raw)  # CRLF lines folded at 75 octets
    parsed = icalendar.Calendar.from_ical(raw)
    assert parsed["METHOD"] == "PUBLISH"
    (event,) = parsed.walk("VEVENT")
    assert event.decoded("DTSTART") == date(2027, 3, 31) and event.decoded("DTEND") == date(2027, 4, 1)
    assert str(event["UID"]) == f"agreement-{agreement.id}-end-date@example.org"
    assert str(event["SUMMARY"]) == message["Subject"]
    assert str(event["URL"]) == link
    assert "Água & <Saúde>" in str(event["DESCRIPTION"])
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY" and alarm.decoded("TRIGGER") == -timedelta(hours=15)

    row = _status(session_factory, reminder.id)
    assert row.status == ReminderStatus.SENT
    assert row.message_id == message["Message-ID"] == message_id_for(reminder.dedupe_key, SENDER)
    assert row.sent_at == NOW and row.attempts == 0 and row.claimed_by is None

    assert dispatch_once(session_factory, config, now=NOW + timedelta(hours=1)).sent == 0
    assert len(mail.received) == 1


def test_an_obligation_reminder_names_the_obligation_and_the_party(session_factory, session, agreement, mail, config):
    obligation = session.scalars(
        select(Obligation).where(Obligation.agreement_id == agreement.id, Obligation.party_id.is_not(None))
    ).first()
    obligation.description = "Send the annual report, with the audited accounts & <annexes>"
    session.commit()
    _reminder(session, obligation, kind=ReminderKind.OBLIGATION_OVERDUE, offset=-1, due_on=date(2027, 2, 28))
    assert dispatch_once(session_factory, config, now=NOW).sent == 1
    message = mail.received[0].message
    assert message["Subject"].startswith("Obligation overdue since 28 Feb 2027: Ассоциация «Мост» & Partners")
    text, html, _ = _parts(message)
    assert "Ассоциация «Мост» & Partners" in text and "audited accounts & <annexes>" in text
    assert "Ассоциация «Мост» &amp; Partners" in html and "&lt;annexes&gt;" in html


def test_a_reminder_not_yet_due_is_not_sent(session_factory, session, agreement, mail, config):
    later = _reminder(session, agreement, send_at=NOW + timedelta(minutes=1))
    assert dispatch_once(session_factory, config, now=NOW).sent == 0
    assert mail.received == []
    assert _status(session_factory, later.id).status == ReminderStatus.PLANNED


def test_while_smtp_is_down_attempts_back_off_and_the_reminder_goes_out_once_when_it_is_back(
    session_factory, session, agreement, mail, config
):
    reminder = _reminder(session, agreement)
    mail.stop()
    report = dispatch_once(session_factory, config, now=NOW)
    assert (report.sent, report.retried) == (0, 1)
    row = _status(session_factory, reminder.id)
    assert (row.status, row.attempts) == (ReminderStatus.PLANNED, 1)
    assert row.send_at == row.next_attempt_at == NOW + timedelta(seconds=60)
    assert "ConnectionRefusedError" in row.last_error

    assert dispatch_once(session_factory, config, now=NOW + timedelta(seconds=30)).retried == 0  # not due yet
    dispatch_once(session_factory, config, now=NOW + timedelta(seconds=60))
    row = _status(session_factory, reminder.id)
    assert row.attempts == 2 and row.send_at == NOW + timedelta(seconds=60 + 120)  # 60 * 2**(2-1)

    mail.start()
    assert dispatch_once(session_factory, config, now=NOW + timedelta(seconds=180)).sent == 1
    assert dispatch_once(session_factory, config, now=NOW + timedelta(days=2)).sent == 0
    assert len(mail.received) == 1
    row = _status(session_factory, reminder.id)
    assert (row.status, row.last_error, row.next_attempt_at) == (ReminderStatus.SENT, None, None)


def test_after_the_last_attempt_a_reminder_is_failed_and_retry_sends_it(
    session_factory, session, agreement, mail, config
):
    reminder = _reminder(session, agreement)
    mail.refusal = "550 5.7.1 Relaying denied"
    at = NOW
    for _ in range(config.dispatch_max_attempts):
        dispatch_once(session_factory, config, now=at)
        at += timedelta(days=1)
    row = _status(session_factory, reminder.id)
    assert (row.status, row.attempts) == (ReminderStatus.FAILED, 3)
    assert "550" in row.last_error and "Relaying denied" in row.last_error
    assert dispatch_once(session_factory, config, now=at + timedelta(days=5)).sent == 0

    mail.refusal = None
    with pytest.raises(Conflict, match="only a failed reminder"):
        retry(session, _reminder(session, agreement, offset=7).id, actor=SET_UP)
    retried = retry(session, reminder.id, actor=SET_UP)
    session.commit()
    assert (retried.status, retried.attempts) == (ReminderStatus.PLANNED, 0)
    assert dispatch_once(session_factory, config).sent == 1
    assert _status(session_factory, reminder.id).status == ReminderStatus.SENT
    assert len(mail.received) == 1


def test_a_refusal_for_a_while_is_retried_without_losing_the_reminder(
    session_factory, session, agreement, mail, config
):
    reminder = _reminder(session, agreement)
    mail.refusal = "451 4.3.0 Try again later"
    assert dispatch_once(session_factory, config, now=NOW).retried == 1
    assert "451" in _status(session_factory, reminder.id).last_error
    mail.refusal = None
    assert dispatch_once(session_factory, config, now=NOW + timedelta(minutes=1)).sent == 1
    assert len(mail.received) == 1


def test_a_login_failure_is_recorded_without_the_credentials(database_url, session_factory, session, agreement):
    server = SmtpServer(password="right-password").start()
    try:
        config = _settings(database_url, server.port, smtp_username="dispatcher", smtp_password="s3cret-Pa55")
        reminder = _reminder(session, agreement)
        assert dispatch_once(session_factory, config, now=NOW).retried == 1
        error = _status(session_factory, reminder.id).last_error
        assert "535" in error or "Authentication" in error
        assert "s3cret-Pa55" not in error and "dispatcher" not in error

        good = _settings(database_url, server.port, smtp_username="dispatcher", smtp_password="right-password")
        assert dispatch_once(session_factory, good, now=NOW + timedelta(minutes=1)).sent == 1
        assert len(server.received) == 1
    finally:
        server.stop()


def test_cancel_stops_a_planned_reminder_and_refuses_a_sent_one(session_factory, session, agreement, mail, config):
    planned = _reminder(session, agreement)
    sent = _reminder(session, agreement, offset=60, due_on=date(2027, 5, 1))
    dispatch_once(session_factory, config, now=NOW)
    assert len(mail.received) == 2
    later = _reminder(session, agreement, offset=7, send_at=NOW + timedelta(days=1))
    cancelled = cancel_reminder(session, later.id, "The agreement is being renewed", actor=SET_UP)
    session.commit()
    assert (cancelled.status, cancelled.cancel_reason) == (ReminderStatus.CANCELLED, "The agreement is being renewed")
    with pytest.raises(Conflict, match="already sent"):
        cancel_reminder(session, sent.id, "Too late", actor=SET_UP)
    with pytest.raises(Conflict, match="already cancelled"):
        cancel_reminder(session, later.id, "Again", actor=SET_UP)
    assert dispatch_once(session_factory, config, now=NOW + timedelta(days=2)).sent == 0
    assert len(mail.received) == 2
    assert _status(session_factory, planned.id).status == ReminderStatus.SENT


def test_after_downtime_only_the_latest_missed_reminder_of_a_deadline_is_sent(
    session_factory, session, agreement, mail, config
):
    due = date(2027, 3, 31)
    rows = {
        offset: _reminder(
            session, agreement, offset=offset, send_at=datetime(2027, 3, 31, 8, tzinfo=UTC) - timedelta(days=offset)
        )
        for offset in (90, 60, 30, 7)
    }
    other = _reminder(session, agreement, offset=60, recipient="ben@example.org")  # another person's series
    now = datetime(2027, 3, 2, 12, tzinfo=UTC)  # 90, 60 and 30 days before were missed; 7 days before is ahead
    report = dispatch_once(session_factory, config, now=now)
    assert (report.sent, report.skipped) == (2, 2)
    sent = sorted(item.message["Subject"] for item in mail.received)
    assert len(sent) == 2 and all("(in 29 days)" in subject for subject in sent)
    assert sorted(item.rcpt_tos[0] for item in mail.received) == ["ana@example.org", "ben@example.org"]
    statuses = {offset: _status(session_factory, row.id) for offset, row in rows.items()}
    assert {offset: row.status for offset, row in statuses.items()} == {
        90: ReminderStatus.SKIPPED,
        60: ReminderStatus.SKIPPED,
        30: ReminderStatus.SENT,
        7: ReminderStatus.PLANNED,
    }
    assert statuses[90].cancel_reason == MISSED_REASON
    assert _status(session_factory, other.id).status == ReminderStatus.SENT
    assert dispatch_once(session_factory, config, now=datetime.combine(due, datetime.min.time(), UTC)).sent == 1


def test_a_claim_whose_worker_died_is_sent_after_the_lease(session_factory, session, agreement, mail, config):
    reminder = _reminder(session, agreement)
    claimed = claim_due(session, "crashed-worker", NOW, 10, config)
    session.commit()
    assert [row.id for row in claimed] == [reminder.id] and claimed[0].status == ReminderStatus.SENDING
    assert dispatch_once(session_factory, config, now=NOW + timedelta(seconds=30)).sent == 0  # lease still held
    report = dispatch_once(session_factory, config, now=NOW + timedelta(seconds=61))
    assert (report.reclaimed, report.sent) == (1, 1)
    row = _status(session_factory, reminder.id)
    assert (row.status, row.attempts) == (ReminderStatus.SENT, 1)
    assert len(mail.received) == 1


def test_a_reminder_whose_subject_is_gone_is_retried_and_the_others_still_go_out(
    session_factory, session, agreement, mail, config
):
    orphan = Reminder(
        dedupe_key="agreement:999999:end_date:2027-03-01:ana@example.org",
        series="agreement:999999:end_date:ana@example.org",
        subject_type="agreement",
        subject_id=999_999,
        kind=ReminderKind.END_DATE,
        due_on=date(2027, 3, 31),
        offset_days=30,
        send_at=NOW - timedelta(minutes=1),
        recipient_email="ana@example.org",
    )
    session.add(orphan)
    session.commit()
    fine = _reminder(session, agreement, recipient="ben@example.org")
    report = dispatch_once(session_factory, config, now=NOW)
    assert (report.sent, report.retried) == (1, 1)
    assert "agreement 999999 no longer exists" in _status(session_factory, orphan.id).last_error
    assert _status(session_factory, fine.id).status == ReminderStatus.SENT
    assert [item.rcpt_tos for item in mail.received] == [("ben@example.org",)]


def test_cancel_needs_a_reason(session, agreement):
    reminder = _reminder(session, agreement)
    with pytest.raises(ValidationFailed):
        cancel_reminder(session, reminder.id, "  ", actor=SET_UP)
    with pytest.raises(NotFound):
        cancel_reminder(session, 987_654, "Gone", actor=SET_UP)


# several connections: a database of the test's own ----------------------------------------------------------


@pytest.fixture
def live(database_url, settings, tmp_path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """The URL and a session factory of a migrated database of this test's own."""
    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        yield url, sessionmaker(bind=bound, expire_on_commit=False)
        bound.dispose()


def _fill(factory: sessionmaker[Session], count: int, send_at: datetime) -> None:
    """``count`` due end-date reminders of one agreement, one per recipient."""
    with unit_of_work(factory) as session:

        def make_user(*roles):
            email = f"dispatch{next(_numbers)}@example.org"
            return create_user(session, UserCreate(email=email, full_name="Dispatch", roles=list(roles)), actor=SET_UP)

        agreement = draft_agreement(session, cast(make_user))
        rows = [
            {
                "dedupe_key": f"agreement:{agreement.id}:end_date:2027-03-01:person{n}@example.org",
                "series": f"agreement:{agreement.id}:end_date:person{n}@example.org",
                "subject_type": "agreement",
                "subject_id": agreement.id,
                "partnership_id": agreement.partnership_id,
                "kind": ReminderKind.END_DATE,
                "due_on": date(2027, 3, 31),
                "offset_days": 30,
                "send_at": send_at,
                "recipient_email": f"person{n}@example.org",
            }
            for n in range(count)
        ]
        session.execute(insert(Reminder), rows)


def _counts(factory: sessionmaker[Session]) -> dict[ReminderStatus, int]:
    with factory() as session:
        return dict(session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())


def test_two_dispatchers_at_once_deliver_each_of_a_thousand_reminders_exactly_once(live, mail):
    url, factory = live
    config = _settings(url, mail.port, dispatch_batch_size=50)
    _fill(factory, 1000, NOW - timedelta(minutes=1))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait(10)
            while dispatch_once(factory, config, worker_id=name, now=NOW).claimed:
                pass
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    ids = Counter(mail.message_ids())
    assert len(ids) == 1000 and max(ids.values()) == 1
    assert len({item.rcpt_tos for item in mail.received}) == 1000
    assert _counts(factory) == {ReminderStatus.SENT: 1000}
    with factory() as session:
        senders = session.scalars(select(Reminder.claimed_by).distinct()).all()
        assert senders == [None]


def test_concurrent_claims_are_disjoint_on_this_backend(live, backend):
    url, factory = live
    config = _settings(url, 25)
    _fill(factory, 10, NOW - timedelta(minutes=1))
    first = factory()
    mine = claim_due(first, "first", NOW, 4, config)  # claimed, not yet committed
    result: dict[str, list[int]] = {}

    def second() -> None:
        with unit_of_work(factory) as session:
            result["ids"] = [row.id for row in claim_due(session, "second", NOW, 100, config)]

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(1.0)
    if backend == "postgresql":
        assert not thread.is_alive(), "SKIP LOCKED: the second worker must not wait for the first"
        assert len(result["ids"]) == 6
    else:
        assert thread.is_alive(), "SQLite: the second worker waits for the first one's write transaction"
    first.commit()
    first.close()
    thread.join(20)
    assert sorted(result["ids"] + [row.id for row in mine]) == sorted(set(result["ids"] + [row.id for row in mine]))
    assert len(result["ids"]) == 6 and _counts(factory) == {ReminderStatus.SENDING: 10}


DISPATCH_LOOP = """
import sys
from sqlalchemy.orm import sessionmaker
import app.models
from app.config import load_settings
from app.db import make_engine
from app.reminders.dispatcher import dispatch_once
url, port = sys.argv[1], int(sys.argv[2])
settings = load_settings(database_url=url, smtp_port=port, smtp_sender={sender!r}, dispatch_batch_size=10,
                         dispatch_lease_seconds=10, smtp_timeout_seconds=5)
factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
print("ready", flush=True)
while True:
    dispatch_once(factory, settings, worker_id="doomed")
"""


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_doubles_at_most_the_message_in_flight(live, mail):
    url, factory = live
    count = 30
    _fill(factory, count, datetime.now(UTC) - timedelta(minutes=1))
    mail.delay = 0.05
    process = subprocess.Popen(
        [sys.executable, "-c", DISPATCH_LOOP.format(sender=SENDER), url, str(mail.port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while len(mail.received) < 12 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    delivered_before = len(mail.received)
    assert 12 <= delivered_before < count, "the process must die mid-way"
    counts = _counts(factory)
    assert counts.get(ReminderStatus.SENDING, 0) > 0, counts  # its last claims are stranded until the lease

    mail.delay = 0
    config = _settings(url, mail.port, dispatch_lease_seconds=10)
    after_lease = datetime.now(UTC) + timedelta(seconds=11)
    while dispatch_once(factory, config, now=after_lease).claimed:
        pass
    ids = Counter(mail.message_ids())
    assert len(ids) == count, "every reminder delivered"
    assert len(mail.received) <= count + 1, ids.most_common(2)
    assert _counts(factory) == {ReminderStatus.SENT: count}


def test_a_reminder_recorded_sent_after_its_claim_was_lost_stays_sent(session_factory, session, agreement, config):
    reminder = _reminder(session, agreement)
    claim_due(session, "slow-worker", NOW, 1, config)
    session.commit()
    session.execute(update(Reminder).where(Reminder.id == reminder.id).values(status=ReminderStatus.PLANNED))
    session.commit()
    record_sent(session_factory, reminder.id, "<x@example.org>", NOW)
    assert _status(session_factory, reminder.id).status == ReminderStatus.SENT
