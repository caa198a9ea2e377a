"""The outbox's leases: claiming due reminders and recording each outcome, each in a short transaction of its own.

With ``app.reminders.recording`` (a batch's outcomes), this is where the dispatcher opens transactions, from the
session factory its owner (the scheduler's job or the ``reminders send`` command) gives it. It must: SMTP is not
transactional, so a claim is committed before any email goes out and each email the server accepted is recorded
before the next one goes out; one transaction around the whole dispatch would lose or double emails on a crash.
The ``claim_due``, ``reclaim_expired`` and ``skip_missed`` steps only flush, in the transaction they are given.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, func, or_, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, aliased, sessionmaker

from app.config import Settings, get_settings
from app.db import unit_of_work
from app.reminders import outbox
from app.reminders.models import Reminder, ReminderStatus

log = logging.getLogger(__name__)

RECORD_RETRY_SECONDS = 30.0
MISSED_REASON = "missed while the dispatcher was down; a later reminder of the same deadline goes out instead"
MAX_BACKOFF_SECONDS = 86_400


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
    # Compared as an expression, so that no database looks the sent ones up by the status index: SQLite would scan
    # every reminder ever sent for each due one (a quarter of a second per batch at 2,000 sent), and PostgreSQL
    # does the same whenever its statistics say few are sent (a new outbox, or just after an ANALYZE): measured,
    # a tenth of a second per batch by the end of a 2,000-reminder run. Probing the series is cheap either way.
    sent = func.coalesce(later.c.status, "") == ReminderStatus.SENT.value
    postgresql = session.get_bind().dialect.name == "postgresql"
    superseded = or_(
        exists().where(
            same_deadline_later,
            or_(
                and_(later.c.status == ReminderStatus.PLANNED, later.c.send_at <= now),
                later.c.status == ReminderStatus.SENDING,
            ),
        ),
        exists().where(same_deadline_later, sent),
    )
    if postgresql:
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
    session: Session,
    worker_id: str,
    now: datetime,
    limit: int,
    settings: Settings | None = None,
    due_by: datetime | None = None,
    *,
    reclaim: bool = True,
) -> list[Reminder]:
    """Claim up to ``limit`` reminders due by ``due_by`` (now by default) for ``worker_id``, oldest first; flush only.

    Reminders whose claim outlived the lease are reclaimed first (unless ``reclaim`` is false: the caller did).
    The one place where the backends differ:
    PostgreSQL locks the due rows with ``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint
    batches without waiting; SQLite has no row locks, so a conditional ``UPDATE … WHERE status = 'planned'``
    claims them inside its single-writer transaction and the worker then reads back what it claimed.
    """
    settings = settings or get_settings()
    if reclaim:
        reclaim_expired(session, now, settings.dispatch_lease_seconds, settings.dispatch_max_attempts)
    due = (
        select(Reminder.id)
        .where(Reminder.status == ReminderStatus.PLANNED, Reminder.send_at <= max(now, due_by or now))
        .order_by(Reminder.send_at, Reminder.id)
        .limit(limit)
    )
    table = Reminder.__table__
    # One statement claims the batch: UPDATE … WHERE id IN (the due ids); the worker then reads back what it claimed.
    if session.get_bind().dialect.name == "postgresql":
        # The due ids locked, skipping those another worker holds, in a CTE computed once: as a plain IN (…)
        # subquery PostgreSQL may run it again for each row and claim more than ``limit``.
        locked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        due_ids = table.c.id.in_(select(locked.c.id))
    else:
        due_ids = table.c.id.in_(due.correlate(None).scalar_subquery())
    claimed = {"claimed_by": worker_id, "claimed_at": now, "updated_at": now}
    if not outbox.move_all(session, {ReminderStatus.PLANNED}, ReminderStatus.SENDING, due_ids, **claimed):
        return []
    mine = select(Reminder).where(
        Reminder.status == ReminderStatus.SENDING, Reminder.claimed_by == worker_id, Reminder.claimed_at == now
    )
    stmt = mine.order_by(Reminder.send_at, Reminder.id).execution_options(populate_existing=True)
    return list(session.scalars(stmt))


def claim_batch(
    factory: sessionmaker[Session], worker_id: str, at: datetime, settings: Settings, due_by: datetime | None = None
) -> tuple[int, int, list[tuple[int, str]]]:
    """The claim step, committed before any email goes out: reclaim expired leases, skip missed ones, claim a batch.

    ``due_by`` (``agreements remind --days``) also claims what falls due before it, sent ahead of its time.

    Returns how many were reclaimed and skipped, and the ``(id, dedupe key)`` of each claimed reminder.
    """
    with unit_of_work(factory) as session:
        reclaimed = reclaim_expired(session, at, settings.dispatch_lease_seconds, settings.dispatch_max_attempts)
        skipped = skip_missed(session, at)
        batch = claim_due(session, worker_id, at, settings.dispatch_batch_size, settings, due_by, reclaim=False)
        claimed = [(reminder.id, reminder.dedupe_key) for reminder in batch]
    return reclaimed, skipped, claimed


@contextmanager
def reading_claimed(factory: sessionmaker[Session], ids: list[int]) -> Iterator[tuple[Session, list[Reminder]]]:
    """The claimed reminders, in a read-only transaction of their own (the emails are built from it)."""
    with unit_of_work(factory, write=False) as session:
        yield session, list(session.scalars(select(Reminder).where(Reminder.id.in_(ids))))


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


def until_recorded(settings: Settings, record: Callable[..., Any], factory: sessionmaker[Session], *args: Any) -> Any:
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


def record_sent(factory: sessionmaker[Session], reminder_id: int, message_id: str, at: datetime) -> None:
    """Record that the email went out: ``sent``, with its Message-ID."""
    with unit_of_work(factory) as session:
        mark_sent(session, reminder_id, message_id, at)


@dataclass(frozen=True)
class SentHook:
    """Something else to write when a reminder is recorded sent, in the same transaction (a webhook message).

    ``wanted`` says whether it has anything to write at all (asked once per batch, so that the records of
    ``sent`` keep their one-statement transactions when nobody listens); ``record`` writes it.
    """

    wanted: Callable[[Session | Connection], bool]
    record: Callable[[Session | Connection, int, datetime], None]


SENT_HOOKS: list[SentHook] = []
"""Registered by the domains above (``app.webhooks.events``); this module never imports them."""


def sent_hooks_wanted(session: Session | Connection) -> bool:
    """Whether any hook wants to hear of reminders sent (one query per hook)."""
    return any(hook.wanted(session) for hook in SENT_HOOKS)


def mark_sent(
    session: Session | Connection, reminder_id: int, message_id: str, at: datetime, *, announce: bool | None = None
) -> None:
    """Mark one reminder ``sent`` with its Message-ID, in one UPDATE; flush only.

    When it was not sent already, the hooks that want it (``announce``: known by the caller, asked when ``None``)
    write their rows in the same transaction.
    """
    moved = session.execute(MARK_SENT, {"reminder_id": reminder_id, "new_message_id": message_id, "at": at})
    if not moved.rowcount or not SENT_HOOKS or announce is False:
        return
    for hook in SENT_HOOKS:
        if announce or hook.wanted(session):
            hook.record(session, reminder_id, at)


_table = Reminder.__table__
MARK_SENT = outbox.move_statement(
    # Also when the claim was lost meanwhile (lease expired: planned again, or failed): it did go out.
    [ReminderStatus.SENDING, ReminderStatus.PLANNED, ReminderStatus.FAILED],
    ReminderStatus.SENT,
    _table.c.id == bindparam("reminder_id"),
    message_id=bindparam("new_message_id"),
    sent_at=bindparam("at", type_=_table.c.sent_at.type),
    last_error=None,
    next_attempt_at=None,
    claimed_by=None,
    claimed_at=None,
    updated_at=bindparam("at", type_=_table.c.updated_at.type),
).execution_options(synchronize_session=False)
"""Marks one reminder sent (parameters ``reminder_id``, ``new_message_id``, ``at``): built once, run per email."""


def release(factory: sessionmaker[Session], reminder_ids: list[int], worker_id: str, at: datetime) -> None:
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
