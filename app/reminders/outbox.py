"""The outbox's states and the moves allowed between them, declared once; every change of ``Reminder.status``
goes through :func:`move` (one row) or :func:`move_all` (one UPDATE over many).

A reminder is created ``planned``. The dispatcher claims it (``sending``) and records the outcome: ``sent``, or
back to ``planned`` for a retry after a backoff (or when its claim is released or its lease expires), or
``failed`` after the last attempt. A failed reminder may be retried or cancelled; a missed one that a later
reminder of the same deadline supersedes is ``skipped``; re-planning revives a cancelled or skipped one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, Connection, Update, case, update
from sqlalchemy.orm import Session

from app.reminders.models import Reminder, ReminderStatus

PLANNED, SENDING, SENT = ReminderStatus.PLANNED, ReminderStatus.SENDING, ReminderStatus.SENT
FAILED, CANCELLED, SKIPPED = ReminderStatus.FAILED, ReminderStatus.CANCELLED, ReminderStatus.SKIPPED

MOVES: Mapping[ReminderStatus, frozenset[ReminderStatus]] = MappingProxyType(
    {
        # re-planned in place (planned again), claimed, skipped as missed, cancelled; or recorded as sent after
        # its lease expired while the email was in fact going out
        PLANNED: frozenset({PLANNED, SENDING, SKIPPED, CANCELLED, SENT}),
        # the outcome of a claim: sent, back to planned (retry, release, lease expired) or failed (last attempt)
        SENDING: frozenset({SENT, PLANNED, FAILED}),
        # retried (by hand or by re-planning), cancelled, or recorded as sent after all (lease expired meanwhile)
        FAILED: frozenset({PLANNED, CANCELLED, SENT}),
        CANCELLED: frozenset({PLANNED}),  # revived: what it reminds of applies again
        SKIPPED: frozenset({PLANNED}),  # revived likewise
        SENT: frozenset(),  # an email that went out never goes out again
    }
)
"""From each state, the states a reminder may move to."""
INITIAL = PLANNED
"""The state every reminder is written in (the model's default; a bulk insert names it from here)."""


class UndeclaredMove(Exception):
    """A change of ``Reminder.status`` that :data:`MOVES` does not declare: a programming error."""


def check_move(source: ReminderStatus, dest: ReminderStatus) -> None:
    """Raise :class:`UndeclaredMove` unless ``source -> dest`` is declared."""
    if dest not in MOVES[ReminderStatus(source)]:
        allowed = ", ".join(sorted(MOVES[ReminderStatus(source)])) or "nothing"
        raise UndeclaredMove(f"a {source} reminder cannot become {dest}; from {source} it may become: {allowed}")


def move(reminder: Reminder, dest: ReminderStatus) -> None:
    """Move one reminder (loaded, in the session) to ``dest``, if the move is declared."""
    check_move(reminder.status, dest)
    reminder.status = dest


@dataclass(frozen=True)
class Either:
    """A destination chosen per row by the database: ``then`` where ``when`` holds, else ``otherwise``."""

    when: ColumnElement[bool]
    then: ReminderStatus
    otherwise: ReminderStatus


def move_all(
    session: Session | Connection,
    sources: Collection[ReminderStatus],
    dest: ReminderStatus | Either,
    *where: ColumnElement[bool],
    synchronize_session: bool = True,
    rows: list[dict[str, Any]] | None = None,
    **values: Any,
) -> int:
    """Move every reminder in one of ``sources`` matching ``where`` to ``dest`` in one UPDATE; the rows moved.

    Every pair of a source and a destination must be declared; ``values`` sets other columns in the same UPDATE.
    ``rows`` runs the one UPDATE once per parameter set (its ``bindparam`` values), sent together (executemany).
    """
    stmt = move_statement(sources, dest, *where, **values)
    if not synchronize_session or rows is not None:
        stmt = stmt.execution_options(synchronize_session=False)
    if rows is not None:
        return session.execute(stmt, rows).rowcount or 0
    return session.execute(stmt).rowcount or 0


def move_statement(
    sources: Collection[ReminderStatus], dest: ReminderStatus | Either, *where: ColumnElement[bool], **values: Any
) -> Update:
    """The UPDATE of :func:`move_all`, checked, to be built once and run many times with ``bindparam`` values."""
    dests = (dest.then, dest.otherwise) if isinstance(dest, Either) else (dest,)
    for source in sources:
        for target in dests:
            check_move(source, target)
    table = Reminder.__table__
    status = case((dest.when, dest.then.value), else_=dest.otherwise.value) if isinstance(dest, Either) else dest.value
    in_sources = table.c.status == next(iter(sources)) if len(sources) == 1 else table.c.status.in_(list(sources))
    return update(table).where(in_sources, *where).values(status=status, **values)
