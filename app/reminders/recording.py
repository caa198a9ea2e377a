"""Recording a batch's outcomes: each accepted email at once, cheaply; the failures of the batch in one UPDATE.

An email the SMTP server accepted is recorded ``sent`` before the next one goes out, so a worker killed at any
point leaves at most the one message in flight to be sent again (see ``app.reminders.dispatcher``). That record is
one UPDATE on a connection held for the whole batch, committed without waiting for the disk (SQLite
``synchronous=NORMAL``, PostgreSQL ``synchronous_commit=off``): a killed worker cannot lose a commit that its
database has received, only a crash of the database server (or the machine) can, and the last record of each batch
is committed durably, which makes every earlier one durable too (the log is written in order). So a database crash
can at worst re-send the current batch's messages under their stable Message-IDs; a worker crash, one message.

On PostgreSQL the held connection is in autocommit for the records of ``sent``: each is the UPDATE alone, one
round trip (a transaction of its own would add BEGIN, SET LOCAL and COMMIT: measured, the record was a quarter of a
dispatch). ``synchronous_commit`` is then set for the connection's session, off for the batch and on again before
its last record; a connection left relaxed by an error is discarded, never handed back to the pool.

Failures are not urgent (the reminder stays ``sending`` until they are recorded, and a lost record is a lease
expiry, which counts the attempt the same way): they are recorded at the end of the batch, in one transaction.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import WRITE_OPTION
from app.reminders import outbox
from app.reminders.claims import backoff_seconds, mark_sent, sent_hooks_wanted, until_recorded
from app.reminders.models import Reminder, ReminderStatus

RELAXED_SESSION = text("SET synchronous_commit = off")
"""PostgreSQL: this connection's commits do not wait for their log records to reach the disk."""
DURABLE_SESSION = text("SET synchronous_commit = on")
"""PostgreSQL: this connection's commits wait for the disk again (and with them, every earlier one is durable)."""


class BatchRecorder:
    """The outcomes of one batch, recorded through one held connection (closed by :meth:`close`)."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings, worker_id: str) -> None:
        self.factory = factory
        self.settings = settings
        self.worker_id = worker_id
        self.failures: dict[int, str] = {}
        self._connection: Connection | None = None
        self._session: Session | None = None
        self._relaxed = False
        self._autocommitting = False
        self._announce: bool | None = None  # whether a hook (a webhook) records reminders sent too

    # the held connection -----------------------------------------------------------------------------------

    def _open(self) -> Session:
        if self._session is not None:
            return self._session
        bind = self.factory.kw.get("bind")
        if isinstance(bind, Engine):  # ours for the batch: no pool check-out and ping per record
            self._connection = bind.connect().execution_options(**{WRITE_OPTION: True})
            self._session = Session(bind=self._connection, expire_on_commit=False)
        else:  # a session factory bound to an outer connection (tests): its own transactions, nothing to tune
            self._session = self.factory()
        return self._session

    def _autocommit(self, on: bool) -> Connection:
        """The held connection, committing each statement as it runs (``on``: PostgreSQL's records of ``sent``), or
        in transactions again (the batch's failures)."""
        connection = self._connection
        assert connection is not None
        if on != self._autocommitting:  # in place; the pool restores the level when the connection goes back
            level = "AUTOCOMMIT" if on else connection.default_isolation_level
            connection.execution_options(isolation_level=level)
            self._autocommitting = on
        return connection

    def _drop(self) -> None:
        """Forget the held connection (after an error): the next record opens a new one."""
        session, connection, self._session, self._connection = self._session, self._connection, None, None
        self._autocommitting = False
        if session is not None:
            session.rollback()
            session.close()
        if connection is not None:
            if self._relaxed:  # never hand a connection that commits without waiting for the disk back to the pool
                connection.invalidate()
            connection.close()
        self._relaxed = False

    def _relax(self, relaxed: bool) -> None:
        """Commit without waiting for the disk (``relaxed``), or durably; only on a connection of our own, outside
        any transaction (a setting of the connection's session, not of one transaction)."""
        if self._connection is None or relaxed == self._relaxed:
            return
        if self._connection.dialect.name == "postgresql":
            connection = self._autocommit(True)  # a SET run alone, outside any transaction
            with connection.begin():  # SQLAlchemy's own bracket: in autocommit no BEGIN reaches the server
                connection.execute(RELAXED_SESSION if relaxed else DURABLE_SESSION)
        else:  # a pragma on the driver's connection, which begins no transaction by itself
            self._connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
                "PRAGMA synchronous = NORMAL" if relaxed else "PRAGMA synchronous = FULL"
            )
        self._relaxed = relaxed

    def close(self) -> None:
        """Give the connection back, as it was."""
        if self._connection is not None and self._relaxed:
            with suppress(Exception):  # when the link is broken, _drop discards it
                self._relax(False)
        self._drop()

    # outcomes ----------------------------------------------------------------------------------------------

    def sent(self, reminder_id: int, message_id: str, at: datetime, *, durable: bool) -> None:
        """Record that the email went out, before the next one is sent; ``durable`` for the last of the batch."""
        until_recorded(self.settings, self._sent, self.factory, reminder_id, message_id, at, durable)

    def _sent(self, _factory: Any, reminder_id: int, message_id: str, at: datetime, durable: bool) -> None:
        session = self._open()
        try:
            if self._connection is None:  # a factory's session: its own transaction, nothing to tune
                mark_sent(session, reminder_id, message_id, at)
                session.commit()
                return
            self._relax(not durable)  # before the record's transaction begins
            connection = self._connection
            if self._announce is None:  # asked once per batch: does anything else record reminders sent?
                with connection.begin():
                    self._announce = sent_hooks_wanted(connection)
            if connection.dialect.name == "postgresql":
                # the UPDATE alone, committed as it runs: one round trip; with a hook's rows, one transaction
                connection = self._autocommit(not self._announce)
            with connection.begin():  # BEGIN IMMEDIATE on SQLite
                mark_sent(connection, reminder_id, message_id, at, announce=self._announce)
        except BaseException:
            self._drop()
            raise

    def failed(self, reminder_id: int, error: str) -> None:
        """Note a failed attempt, recorded with the batch's others by :meth:`record_failures`."""
        self.failures[reminder_id] = error

    def record_failures(self, at: datetime) -> dict[int, ReminderStatus]:
        """Count each noted failure in one UPDATE: back to ``planned`` after a backoff, or ``failed`` after the last
        attempt; the outcome of each (a reminder whose claim was lost meanwhile is left to whoever holds it now)."""
        if not self.failures:
            return {}
        return until_recorded(self.settings, self._record_failures, self.factory, at)

    def _record_failures(self, _factory: Any, at: datetime) -> dict[int, ReminderStatus]:
        session = self._open()
        try:
            if self._connection is not None:
                self._relax(False)
                self._autocommit(False)
            outcomes = _count_failures(session, self.failures, self.worker_id, at, self.settings)
            session.commit()
        except BaseException:
            self._drop()
            raise
        return outcomes


def _count_failures(
    session: Session, failures: dict[int, str], worker_id: str, at: datetime, settings: Settings
) -> dict[int, ReminderStatus]:
    table = Reminder.__table__
    held = select(table.c.id, table.c.attempts).where(
        table.c.id.in_(list(failures)), table.c.status == ReminderStatus.SENDING, table.c.claimed_by == worker_id
    )
    attempts: dict[int, int] = {row.id: row.attempts for row in session.execute(held.with_for_update())}
    if not attempts:
        return {}
    last = settings.dispatch_max_attempts
    rows = [
        {
            "reminder_id": reminder_id,
            "error": failures[reminder_id],
            "retry_at": at + timedelta(seconds=backoff_seconds(count + 1, settings.dispatch_retry_base_seconds)),
        }
        for reminder_id, count in attempts.items()
    ]
    gives_up = table.c.attempts + 1 >= last
    outbox.move_all(
        session,
        {ReminderStatus.SENDING},
        outbox.Either(gives_up, ReminderStatus.FAILED, ReminderStatus.PLANNED),
        table.c.id == bindparam("reminder_id"),
        table.c.claimed_by == worker_id,
        rows=rows,
        attempts=table.c.attempts + 1,
        last_error=bindparam("error"),
        claimed_by=None,
        claimed_at=None,
        next_attempt_at=case((gives_up, None), else_=bindparam("retry_at", type_=table.c.send_at.type)),
        send_at=case((gives_up, table.c.send_at), else_=bindparam("retry_at", type_=table.c.send_at.type)),
        updated_at=at,
    )
    return {
        reminder_id: ReminderStatus.FAILED if count + 1 >= last else ReminderStatus.PLANNED
        for reminder_id, count in attempts.items()
    }
