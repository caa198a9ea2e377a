"""Write and read the schedulers' heartbeats (``scheduler_heartbeats``); the scheduler's job owns the transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.monitoring.models import SchedulerHeartbeat

DISPATCH_COLUMN = "last_dispatch_at"
DAILY_COLUMN = "last_daily_at"
COLUMN_OF_JOB = {"daily-transitions": DAILY_COLUMN, "dispatch-reminders": DISPATCH_COLUMN}
"""Each job of ``app.jobs`` (by its id) and the column of its last finished run."""
FORGET_AFTER = timedelta(days=7)
ALIVE_WITHIN = timedelta(minutes=10)
"""A scheduler counts as running when one of its jobs finished this recently (the dispatch runs every minute)."""

_table = SchedulerHeartbeat.__table__


def beat(session: Session, process_id: str, role: str, started_at: datetime, job_id: str, at: datetime) -> None:
    """Record that ``process_id``'s job ``job_id`` finished ``at`` (and forget schedulers silent for a week)."""
    values = {"seen_at": at, COLUMN_OF_JOB[job_id]: at}
    updated = session.execute(update(_table).where(_table.c.process_id == process_id).values(**values))
    if not updated.rowcount:
        session.execute(insert(_table).values(process_id=process_id, role=role, started_at=started_at, **values))
    session.execute(delete(_table).where(_table.c.seen_at < at - FORGET_AFTER))


def farewell(session: Session, process_id: str) -> None:
    """Remove ``process_id``'s heartbeat: it stopped gracefully."""
    session.execute(delete(_table).where(_table.c.process_id == process_id))


def last_runs(session: Session) -> dict[str, datetime | None]:
    """The latest finished dispatch and daily run over every scheduler."""
    dispatch, daily = session.execute(
        select(func.max(_table.c.last_dispatch_at), func.max(_table.c.last_daily_at))
    ).one()
    return {DISPATCH_COLUMN: dispatch, DAILY_COLUMN: daily}


def running_by_role(session: Session, now: datetime) -> dict[str, int]:
    """How many schedulers of each role finished a job within ``ALIVE_WITHIN`` of ``now``."""
    rows = session.execute(
        select(_table.c.role, func.count()).where(_table.c.seen_at >= now - ALIVE_WITHIN).group_by(_table.c.role)
    ).all()
    return {role: count for role, count in rows}
