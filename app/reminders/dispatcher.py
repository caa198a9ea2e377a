"""The dispatcher: claims due reminders from the outbox and sends them by SMTP, never losing and never doubling one.

A dispatch is three steps. (1) In one short transaction: reminders whose claim outlived its lease (a crashed
worker) become claimable again, missed reminders superseded by a later one of the same deadline are skipped,
and a batch of due reminders is claimed (``sending``, with the worker's id). (2) The emails are built and
sent over one SMTP connection. (3) Right after each SMTP call its outcome is recorded in a transaction of its
own: ``sent``, or back to ``planned`` later with exponential backoff, or ``failed`` after the last attempt.

A crash between the SMTP server accepting a message and step (3) cannot be closed by any database: that
reminder stays ``sending`` until its lease expires and is then sent again. The re-sent copy carries the same
Message-ID (derived from the dedupe key, see ``app.reminders.email.message_id_for``), so it is recognisably
the same email; at most the messages in flight at the crash (one per worker) can arrive twice.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import and_, exists, or_, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, aliased, sessionmaker

from app import clock
from app.config import Settings, get_settings
from app.db import get_sessionmaker, unit_of_work
from app.reminders import outbox
from app.reminders.alerts import build_sign_in_alert
from app.reminders.email import ReminderContext, build_message, load_context, message_id_for
from app.reminders.models import Reminder, ReminderKind, ReminderStatus

log = logging.getLogger(__name__)

RECORD_RETRY_SECONDS = 30.0
MISSED_REASON = "missed while the dispatcher was down; a later reminder of the same deadline was sent"
MAX_BACKOFF_SECONDS = 86_400
ERROR_LIMIT = 2_000


@dataclass
class DispatchReport:
    """What one dispatch did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    reclaimed: int = 0
    released: int = 0

    @property
    def claimed(self) -> int:
        """How many reminders this dispatch took on (each ends sent, retried, failed or released)."""
        return self.sent + self.retried + self.failed + self.released


def default_worker_id() -> str:
    """A worker id unique to this process and call: host, process id and a random suffix."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# claiming --------------------------------------------------------------------------------------------------


def reclaim_expired(session: Session, now: datetime, lease_seconds: int, max_attempts: int) -> int:
    """Make reminders stuck in ``sending`` past their lease claimable again (counting the lost attempt); flush only.

    A claim outlives its lease only when its worker died (or hung) between claiming and recording: the
    email may or may not have gone out, so it is sent again under the same Message-ID.
    """
    cutoff = now - timedelta(seconds=lease_seconds)
    table = Reminder.__table__
    return outbox.move_all(
        session,
        {ReminderStatus.SENDING},
        outbox.Either(table.c.attempts + 1 >= max_attempts, ReminderStatus.FAILED, ReminderStatus.PLANNED),
        table.c.claimed_at < cutoff,
        attempts=table.c.attempts + 1,
        last_error="the dispatcher that claimed it stopped before recording the outcome (lease expired)",
        claimed_by=None,
        claimed_at=None,
        updated_at=now,
    )


def skip_missed(session: Session, now: datetime) -> int:
    """Skip due reminders that a later reminder of the same deadline supersedes (one set-based UPDATE); flush only.

    After downtime several reminders of one series (90, 60, 30 days before a deadline) can be due at once;
    only the latest is worth sending. "Later" means planned closer to the deadline (smaller ``offset_days``,
    then larger ``send_at``): ``send_at`` itself moves forward when an attempt is retried, the offset does not.
    A later reminder of the same deadline already sent or being sent supersedes too.
    """
    table = Reminder.__table__
    later = aliased(table)
    same_deadline_later = and_(
        later.c.series == table.c.series,
        later.c.due_on == table.c.due_on,
        later.c.id != table.c.id,
        or_(
            later.c.offset_days < table.c.offset_days,
            and_(later.c.offset_days == table.c.offset_days, later.c.send_at > table.c.send_at),
            and_(
                later.c.offset_days == table.c.offset_days,
                later.c.send_at == table.c.send_at,
                later.c.id > table.c.id,
            ),
        ),
    )
    # Two EXISTS joined by OR: PostgreSQL then probes the series index once per due row, instead of hashing
    # every sent reminder ever (which a single semi-join over "planned, sending or sent" would do).
    superseded = or_(
        exists().where(
            same_deadline_later,
            or_(
                and_(later.c.status == ReminderStatus.PLANNED, later.c.send_at <= now),
                later.c.status == ReminderStatus.SENDING,
            ),
        ),
        exists().where(same_deadline_later, later.c.status == ReminderStatus.SENT),
    )
    if session.get_bind().dialect.name == "postgresql":
        # Status and send_at are correlated (planned rows lie ahead, sent rows behind), which the planner cannot
        # know: it expects a large share of the table to be due and compiles this small UPDATE with JIT, whose
        # 250 ms dwarf the milliseconds the statement takes. Only this transaction is affected.
        session.execute(text("SET LOCAL jit = off"))
    return outbox.move_all(
        session,
        {ReminderStatus.PLANNED},
        ReminderStatus.SKIPPED,
        table.c.send_at <= now,
        superseded,
        synchronize_session=False,
        cancel_reason=MISSED_REASON,
        updated_at=now,
    )


def claim_due(
    session: Session, worker_id: str, now: datetime, limit: int, settings: Settings | None = None
) -> list[Reminder]:
    """Claim up to ``limit`` due reminders for ``worker_id`` (status ``sending``), oldest first; flush only.

    Reminders whose claim outlived the lease are reclaimed first. The one place where the backends differ:
    PostgreSQL locks the due rows with ``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint
    batches without waiting; SQLite has no row locks, so a conditional ``UPDATE … WHERE status = 'planned'``
    claims them inside its single-writer transaction and the worker then reads back what it claimed.
    """
    settings = settings or get_settings()
    reclaim_expired(session, now, settings.dispatch_lease_seconds, settings.dispatch_max_attempts)
    due = (
        select(Reminder.id)
        .where(Reminder.status == ReminderStatus.PLANNED, Reminder.send_at <= now)
        .order_by(Reminder.send_at, Reminder.id)
        .limit(limit)
    )
    table = Reminder.__table__
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(due.with_for_update(skip_locked=True)))
        if not ids:
            return []
        claimed = {"claimed_by": worker_id, "claimed_at": now, "updated_at": now}
        outbox.move_all(session, {ReminderStatus.PLANNED}, ReminderStatus.SENDING, table.c.id.in_(ids), **claimed)
        mine = select(Reminder).where(Reminder.id.in_(ids))
    else:
        due_ids = table.c.id.in_(due.correlate(None).scalar_subquery())
        claimed = {"claimed_by": worker_id, "claimed_at": now, "updated_at": now}
        outbox.move_all(session, {ReminderStatus.PLANNED}, ReminderStatus.SENDING, due_ids, **claimed)
        mine = select(Reminder).where(
            Reminder.status == ReminderStatus.SENDING, Reminder.claimed_by == worker_id, Reminder.claimed_at == now
        )
    stmt = mine.order_by(Reminder.send_at, Reminder.id).execution_options(populate_existing=True)
    return list(session.scalars(stmt))


# recording outcomes ----------------------------------------------------------------------------------------


def backoff_seconds(attempts: int, base: float) -> float:
    """The wait before attempt ``attempts + 1``: ``base * 2**(attempts-1)``, at most one day."""
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def _database_gone(factory: sessionmaker[Session], exc: DBAPIError) -> bool:
    """Whether ``exc`` means the database server went away (restart, failover) rather than a refused statement."""
    if exc.connection_invalidated:
        return True
    bind = factory.kw.get("bind")
    return isinstance(exc, OperationalError) and bind is not None and bind.dialect.name == "postgresql"


def _until_recorded(settings: Settings, record: Callable[..., Any], factory: sessionmaker[Session], *args: Any) -> Any:
    """Run ``record(factory, *args)`` (one transaction), again while the database is unreachable, for a bounded time.

    An email that the SMTP server accepted must be recorded as sent: if a database restart made the record fail,
    the reminder would stay ``sending`` until its lease and then go out a second time. The wait is bounded by
    half the lease (sending stops at the other half), so the claim is still ours when the database is back.
    """
    deadline = time.monotonic() + min(RECORD_RETRY_SECONDS, settings.dispatch_lease_seconds / 2)
    pause = 0.2
    while True:
        try:
            return record(factory, *args)
        except DBAPIError as exc:
            if not _database_gone(factory, exc) or time.monotonic() + pause > deadline:
                raise
            log.warning("cannot record a dispatch outcome, the database is unreachable; trying again (%s)", exc.orig)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def _record_sent(factory: sessionmaker[Session], reminder_id: int, message_id: str, at: datetime) -> None:
    table = Reminder.__table__
    with unit_of_work(factory) as session:
        # Also when the claim was lost meanwhile (lease expired: planned again, or failed): it did go out.
        went_out = [ReminderStatus.SENDING, ReminderStatus.PLANNED, ReminderStatus.FAILED]
        outbox.move_all(
            session,
            went_out,
            ReminderStatus.SENT,
            table.c.id == reminder_id,
            message_id=message_id,
            sent_at=at,
            last_error=None,
            next_attempt_at=None,
            claimed_by=None,
            claimed_at=None,
            updated_at=at,
        )


def _record_failure(
    factory: sessionmaker[Session], reminder_id: int, worker_id: str, error: str, at: datetime, settings: Settings
) -> ReminderStatus | None:
    """Count a failed attempt: back to ``planned`` after a backoff, or ``failed`` after the last attempt."""
    with unit_of_work(factory) as session:
        reminder = session.scalars(
            select(Reminder)
            .where(
                Reminder.id == reminder_id,
                Reminder.status == ReminderStatus.SENDING,
                Reminder.claimed_by == worker_id,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if reminder is None:  # the claim was lost meanwhile; whoever holds it now decides
            return None
        reminder.attempts += 1
        reminder.last_error = error
        reminder.claimed_by = reminder.claimed_at = None
        if reminder.attempts >= settings.dispatch_max_attempts:
            outbox.move(reminder, ReminderStatus.FAILED)
            reminder.next_attempt_at = None
        else:
            retry_at = at + timedelta(seconds=backoff_seconds(reminder.attempts, settings.dispatch_retry_base_seconds))
            outbox.move(reminder, ReminderStatus.PLANNED)
            reminder.send_at = reminder.next_attempt_at = retry_at
        return reminder.status


def _release(factory: sessionmaker[Session], reminder_ids: list[int], worker_id: str, at: datetime) -> None:
    """Hand unsent claims back untouched (no attempt counted), e.g. when the lease is running out."""
    table = Reminder.__table__
    with unit_of_work(factory) as session:
        outbox.move_all(
            session,
            {ReminderStatus.SENDING},
            ReminderStatus.PLANNED,
            table.c.id.in_(reminder_ids),
            table.c.claimed_by == worker_id,
            claimed_by=None,
            claimed_at=None,
            updated_at=at,
        )


def describe_error(exc: BaseException, settings: Settings) -> str:
    """A one-line description of a sending error, with any credential blanked out."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    secrets = [settings.smtp_password.get_secret_value() if settings.smtp_password else None, settings.smtp_username]
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:ERROR_LIMIT]


# SMTP ------------------------------------------------------------------------------------------------------


def open_smtp(settings: Settings) -> smtplib.SMTP:
    """A connected (and, per settings, encrypted and authenticated) SMTP client, always with a timeout."""
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    try:
        client.ehlo()
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            client.login(settings.smtp_username, password)
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


# the dispatch ----------------------------------------------------------------------------------------------


def _build(
    factory: sessionmaker[Session], ids: list[int], settings: Settings, at: datetime
) -> dict[int, EmailMessage | str]:
    """The email of each claimed reminder, or the reason it could not be built."""
    built: dict[int, EmailMessage | str] = {}
    contexts: dict[tuple[str, int], ReminderContext] = {}  # a batch often shares subjects
    with unit_of_work(factory, write=False) as session:
        for reminder in session.scalars(select(Reminder).where(Reminder.id.in_(ids))):
            try:
                if reminder.kind == ReminderKind.SIGN_IN_ALERT:
                    built[reminder.id] = build_sign_in_alert(session, reminder, settings, at)
                    continue
                key = (reminder.subject_type, reminder.subject_id)
                if key not in contexts:
                    contexts[key] = load_context(session, reminder, settings)
                built[reminder.id] = build_message(reminder, contexts[key], settings, at)
            except Exception as exc:
                log.exception("cannot build the email of reminder %s", reminder.id)
                built[reminder.id] = describe_error(exc, settings)
    return built


def dispatch_once(
    factory: sessionmaker[Session] | None = None,
    settings: Settings | None = None,
    worker_id: str | None = None,
    now: datetime | None = None,
) -> DispatchReport:
    """Send one batch of due reminders; every claimed reminder ends sent, retried later, failed or released.

    Job entry point: owns its transactions. ``now`` fixes the instant for the whole dispatch (tests, time
    travel); by default the clock is asked at each step.
    """
    settings = settings or get_settings()
    factory = factory or get_sessionmaker()
    worker_id = worker_id or default_worker_id()
    stamp: Callable[[], datetime] = (lambda: now) if now is not None else clock.now
    report = DispatchReport()

    with unit_of_work(factory) as session:
        at = stamp()
        report.reclaimed = reclaim_expired(session, at, settings.dispatch_lease_seconds, settings.dispatch_max_attempts)
        report.skipped = skip_missed(session, at)
        claimed = [
            (r.id, r.dedupe_key) for r in claim_due(session, worker_id, at, settings.dispatch_batch_size, settings)
        ]
    if not claimed:
        return report
    started = time.monotonic()
    built = _build(factory, [reminder_id for reminder_id, _ in claimed], settings, stamp())

    client: smtplib.SMTP | None = None
    try:
        for position, (reminder_id, dedupe_key) in enumerate(claimed):
            # Never send on a claim that may have expired: hand the rest back for the next dispatch.
            if time.monotonic() - started > settings.dispatch_lease_seconds / 2:
                rest = [other for other, _ in claimed[position:]]
                _until_recorded(settings, _release, factory, rest, worker_id, stamp())
                report.released += len(rest)
                break
            message = built.get(reminder_id, "the reminder disappeared while it was being sent")
            error: str | None = message if isinstance(message, str) else None
            if isinstance(message, EmailMessage):
                try:
                    if client is None:
                        client = open_smtp(settings)
                    client.send_message(message)
                except (smtplib.SMTPException, OSError) as exc:
                    error = describe_error(exc, settings)
                    if not isinstance(exc, smtplib.SMTPResponseException) or exc.smtp_code in (421, 451):
                        _close(client)  # the connection may be unusable: reconnect for the next one
                        client = None
            if error is None:
                message_id = message_id_for(dedupe_key, settings.smtp_sender)
                _until_recorded(settings, _record_sent, factory, reminder_id, message_id, stamp())
                report.sent += 1
                continue
            outcome = _until_recorded(
                settings, _record_failure, factory, reminder_id, worker_id, error, stamp(), settings
            )
            if outcome == ReminderStatus.FAILED:
                report.failed += 1
            elif outcome == ReminderStatus.PLANNED:
                report.retried += 1
    finally:
        _close(client)
    return report
