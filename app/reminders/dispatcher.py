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

Steps (1) and (3) live in ``app.reminders.claims`` (the dispatcher's only transactions), the SMTP client in
``app.reminders.smtp``; this module builds the emails and runs the steps in order.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.config import Settings, get_settings
from app.reminders.alerts import build_sign_in_alert
from app.reminders.audience import recipient_for
from app.reminders.claims import claim_batch, reading_claimed, record_failure, record_sent, release, until_recorded
from app.reminders.email import ReminderContext, build_message, deadline_of, load_context, message_id_for
from app.reminders.models import ReminderKind, ReminderStatus
from app.reminders.reasons import reason_for
from app.reminders.smtp import close_smtp, describe_error, open_smtp

log = logging.getLogger(__name__)

SEND_FAILURES = {"retried": 0, "failed": 0}
"""Attempts this process could not send, by outcome (read by ``/metrics``; each one is also logged)."""


@dataclass
class DispatchReport:
    """What one dispatch did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    reclaimed: int = 0
    released: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)
    """Each reminder this dispatch could not send, with why (the SMTP server's reply, credentials blanked)."""

    @property
    def claimed(self) -> int:
        """How many reminders this dispatch took on (each ends sent, retried, failed or released)."""
        return self.sent + self.retried + self.failed + self.released


def default_worker_id() -> str:
    """A worker id unique to this process and call: host, process id and a random suffix."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# the dispatch ----------------------------------------------------------------------------------------------


def _build(
    factory: sessionmaker[Session], ids: list[int], settings: Settings, at: datetime
) -> dict[int, EmailMessage | str]:
    """The email of each claimed reminder, or the reason it could not be built."""
    built: dict[int, EmailMessage | str] = {}
    contexts: dict[tuple[str, int], ReminderContext] = {}  # a batch often shares subjects
    with reading_claimed(factory, ids) as (session, reminders):
        for reminder in reminders:
            try:
                if reminder.kind == ReminderKind.SIGN_IN_ALERT:
                    built[reminder.id] = build_sign_in_alert(session, reminder, settings, at)
                    continue
                key = (reminder.subject_type, reminder.subject_id)
                if key not in contexts:
                    contexts[key] = load_context(session, reminder, settings)
                deadline = deadline_of(session, reminder, settings.smtp_sender)
                reader = recipient_for(session, reminder)  # now, so a language changed since planning counts
                reason = None
                if reminder.kind == ReminderKind.DEADLINE_CANCELLED:
                    reason = reason_for(session, reminder, reader.language, partner=reader.partner)
                built[reminder.id] = build_message(reminder, contexts[key], settings, at, deadline, reader, reason)
            except Exception as exc:
                log.exception("cannot build the email of reminder %s", reminder.id)
                built[reminder.id] = describe_error(exc, settings)
    return built


def dispatch_once(
    factory: sessionmaker[Session],
    settings: Settings | None = None,
    worker_id: str | None = None,
    now: datetime | None = None,
    due_by: datetime | None = None,
) -> DispatchReport:
    """Send one batch of due reminders; every claimed reminder ends sent, retried later, failed or released.

    Runs in the short transactions of ``app.reminders.claims``, opened from the ``factory`` that its owner (the
    job or the command) gives. ``now`` fixes the instant for the whole dispatch (tests, time travel); by default
    the clock is asked at each step. ``due_by`` also sends, ahead of time, what falls due before it.
    """
    settings = settings or get_settings()
    worker_id = worker_id or default_worker_id()
    stamp: Callable[[], datetime] = (lambda: now) if now is not None else clock.now
    report = DispatchReport()

    report.reclaimed, report.skipped, claimed = claim_batch(factory, worker_id, stamp(), settings, due_by)
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
                until_recorded(settings, release, factory, rest, worker_id, stamp())
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
                        close_smtp(client)  # the connection may be unusable: reconnect for the next one
                        client = None
            if error is None:
                message_id = message_id_for(dedupe_key, settings.smtp_sender)
                until_recorded(settings, record_sent, factory, reminder_id, message_id, stamp())
                report.sent += 1
                continue
            outcome = until_recorded(
                settings, record_failure, factory, reminder_id, worker_id, error, stamp(), settings
            )
            report.failures.append((reminder_id, error))
            if outcome == ReminderStatus.FAILED:
                report.failed += 1
                SEND_FAILURES["failed"] += 1
                log.error("reminder %s could not be sent and will not be tried again: %s", reminder_id, error)
            elif outcome == ReminderStatus.PLANNED:
                report.retried += 1
                SEND_FAILURES["retried"] += 1
                log.warning("reminder %s could not be sent, it will be tried again: %s", reminder_id, error)
    finally:
        close_smtp(client)
    return report
