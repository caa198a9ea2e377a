"""The dispatcher: claims due reminders from the outbox and sends them by SMTP, never losing and never doubling one.

A dispatch is three steps. (1) In one short transaction: reminders whose claim outlived its lease (a crashed
worker) become claimable again, missed reminders superseded by a later one of the same deadline are skipped,
and a batch of due reminders is claimed (``sending``, with the worker's id). (2) The emails are built and
sent over one SMTP connection, opened again when it breaks. (3) Each email the server accepted is recorded
``sent`` right away (``app.reminders.recording``: one UPDATE on a connection held for the batch, run by a thread of
the dispatch while the next email's envelope goes out), and always before the server can accept the next one: its
DATA waits for the record (``app.reminders.smtp``'s ``before_data``); the batch's failures are counted at its end
in one UPDATE: back to ``planned`` later with exponential backoff, or ``failed`` after the last attempt. A message
whose fate is unknown (the connection broke before the server replied) is such a failure: it is tried again under
the same Message-ID.

A crash between the SMTP server accepting a message and step (3) cannot be closed by any database: that
reminder stays ``sending`` until its lease expires and is then sent again. The re-sent copy carries the same
Message-ID (derived from the dedupe key, see ``app.reminders.email.message_id_for``), so it is recognisably
the same email; at most the messages in flight at the crash (one per worker) can arrive twice. The records of
``sent`` are committed without waiting for the disk, except the last of each batch (which makes the earlier
ones durable too): a crash of the database server itself, not of a worker, may re-send one batch's messages.

Steps (1) and (3) live in ``app.reminders.claims`` and ``app.reminders.recording`` (the dispatcher's only
transactions), the SMTP client in
``app.reminders.smtp``; this module builds the emails and runs the steps in order.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.agreements.models import Agreement
from app.config import Settings, get_settings
from app.obligations.models import Obligation
from app.partner_links.mail import build_partner_link_email
from app.partnerships.models import Partnership
from app.reminders.alerts import build_sign_in_alert
from app.reminders.audience import recipients_for
from app.reminders.claims import claim_batch, reading_claimed, release, until_recorded
from app.reminders.email import (
    Deadline,
    MessageCache,
    ReminderContext,
    build_message,
    deadline_of,
    load_context,
    message_id_for,
    withdrawn_kind,
)
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.reminders.reasons import reason_for
from app.reminders.recording import BatchRecorder
from app.reminders.smtp import Client, SSLClient, close_smtp, describe_error, open_smtp
from app.reminders.wire import send

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


def _read_subjects(session: Session, reminders: list[Reminder]) -> list[object]:
    """Read the batch's obligations, agreements and partnerships in one query each (their eager relationships
    batched too); the caller keeps the list while it composes, so that the session's identity map (which holds
    objects weakly) answers each e-mail's look-ups instead of a query per reminder."""
    ids: dict[str, set[int]] = {"agreement": set(), "obligation": set()}
    for reminder in reminders:
        ids.get(reminder.subject_type, set()).add(reminder.subject_id)
    held: list[object] = []
    if ids["obligation"]:
        held += session.scalars(select(Obligation).where(Obligation.id.in_(ids["obligation"]))).all()
        ids["agreement"] |= {obligation.agreement_id for obligation in held if isinstance(obligation, Obligation)}
    if ids["agreement"]:
        agreements = session.scalars(select(Agreement).where(Agreement.id.in_(ids["agreement"]))).all()
        partnerships = {agreement.partnership_id for agreement in agreements}
        held += agreements
        held += session.scalars(select(Partnership).where(Partnership.id.in_(partnerships))).all()
    return held


def _build(
    factory: sessionmaker[Session], ids: list[int], settings: Settings, at: datetime
) -> dict[int, EmailMessage | str]:
    """The email of each claimed reminder, or the reason it could not be built.

    What a batch shares is read and composed once: each subject's context and deadline, the readers (a few
    queries for the whole batch), and each e-mail whose words recur for another address (``MessageCache``).
    """
    built: dict[int, EmailMessage | str] = {}
    contexts: dict[tuple[str, int], ReminderContext] = {}
    deadlines: dict[tuple[str, int, ReminderKind], Deadline] = {}
    cache = MessageCache()
    with reading_claimed(factory, ids) as (session, reminders):
        own_builders = (ReminderKind.SIGN_IN_ALERT, ReminderKind.PARTNER_LINK)
        readers = recipients_for(session, [r for r in reminders if r.kind not in own_builders])
        subjects = _read_subjects(session, reminders)  # noqa: F841 (held while composing)
        for reminder in reminders:
            try:
                if reminder.kind == ReminderKind.SIGN_IN_ALERT:
                    built[reminder.id] = build_sign_in_alert(session, reminder, settings, at)
                    continue
                if reminder.kind == ReminderKind.PARTNER_LINK:
                    built[reminder.id] = build_partner_link_email(session, reminder, settings, at)
                    continue
                key = (reminder.subject_type, reminder.subject_id)
                if key not in contexts:
                    contexts[key] = load_context(session, reminder, settings)
                event = (*key, withdrawn_kind(reminder) or reminder.kind)
                if event not in deadlines:
                    deadlines[event] = deadline_of(session, reminder, settings.smtp_sender)
                reader = readers[reminder.id]  # read now, so a language changed since planning counts
                reason = None
                if reminder.kind == ReminderKind.DEADLINE_CANCELLED:
                    reason = reason_for(session, reminder, reader.language, partner=reader.partner)
                built[reminder.id] = build_message(
                    reminder, contexts[key], settings, at, deadlines[event], reader, reason, cache=cache
                )
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
    stopping: threading.Event | None = None,
) -> DispatchReport:
    """Send one batch of due reminders; every claimed reminder ends sent, retried later, failed or released.

    Runs in the short transactions of ``app.reminders.claims``, opened from the ``factory`` that its owner (the
    job or the command) gives. ``now`` fixes the instant for the whole dispatch (tests, time travel); by default
    the clock is asked at each step. ``due_by`` also sends, ahead of time, what falls due before it. Once
    ``stopping`` is set (the process is shutting down) the message being sent finishes and is recorded, and the
    rest of the batch is handed back untouched for the next dispatch, of this process or another.
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

    client: Client | SSLClient | None = None
    recorder = BatchRecorder(factory, settings, worker_id)
    recording = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-record")
    pending: list[Future[None]] = []  # the record of the last e-mail sent, while it runs (at most one)

    def settle() -> None:
        """Wait until the e-mail sent last is recorded (its error, if any, raised here)."""
        while pending:
            pending.pop().result()

    try:
        for position, (reminder_id, dedupe_key) in enumerate(claimed):
            # Never send on a claim that may have expired, nor once asked to stop: hand the rest back.
            expiring = time.monotonic() - started > settings.dispatch_lease_seconds / 2
            if expiring or (stopping is not None and stopping.is_set()):
                settle()
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
                        client.before_data = settle  # the last one recorded before this one can be accepted
                    send(client, message)
                except (smtplib.SMTPException, OSError) as exc:
                    # Refused, or its fate unknown (the connection broke before the server's reply): an attempt
                    # that failed, tried again after the backoff under the same Message-ID.
                    error = describe_error(exc, settings)
                    if not isinstance(exc, smtplib.SMTPResponseException) or exc.smtp_code in (421, 451):
                        close_smtp(client)  # the connection may be unusable: reconnect for the next one
                        client = None
            if error is None:  # recorded before the next one can be accepted: a crash doubles at most this one
                last = position == len(claimed) - 1
                settle()
                message_id = message_id_for(dedupe_key, settings.smtp_sender)
                pending.append(recording.submit(recorder.sent, reminder_id, message_id, stamp(), durable=last))
                report.sent += 1
            else:
                recorder.failed(reminder_id, error)
                report.failures.append((reminder_id, error))
        settle()
        outcomes = recorder.record_failures(stamp())
    finally:
        recording.shutdown(wait=True)  # never close the connection under a record still running
        recorder.close()
        close_smtp(client)
    for reminder_id, error in report.failures:
        outcome = outcomes.get(reminder_id)
        if outcome == ReminderStatus.FAILED:
            report.failed += 1
            SEND_FAILURES["failed"] += 1
            log.error("reminder %s could not be sent and will not be tried again: %s", reminder_id, error)
        elif outcome == ReminderStatus.PLANNED:
            report.retried += 1
            SEND_FAILURES["retried"] += 1
            log.warning("reminder %s could not be sent, it will be tried again: %s", reminder_id, error)
    return report
