"""Write and read the schedulers' heartbeats (``scheduler_heartbeats``), in short transactions of their own."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import unit_of_work
from app.monitoring.models import SchedulerHeartbeat

DISPATCH_COLUMN = "last_dispatch_at"
DAILY_COLUMN = "last_daily_at"
FORGET_AFTER = timedelta(days=7)
ALIVE_WITHIN = timedelta(minutes=10)
"""A scheduler counts as running when one of its jobs finished this recently (the dispatch runs every minute)."""

_table = SchedulerHeartbeat.__table__


def beat(
    factory: sessionmaker[Session], process_id: str, role: str, started_at: datetime, column: str, at: datetime
) -> None:
    """Record that ``process_id``'s job (``column``: its last-run column) finished ``at``."""
    with unit_of_work(factory) as session:
        values = {"seen_at": at, column: at}
        updated = session.execute(update(_table).where(_table.c.process_id == process_id).values(**values))
        if not updated.rowcount:
            session.execute(insert(_table).values(process_id=process_id, role=role, started_at=started_at, **values))
        session.execute(delete(_table).where(_table.c.seen_at < at - FORGET_AFTER))


def farewell(factory: sessionmaker[Session], process_id: str) -> None:
    """Remove ``process_id``'s heartbeat: it stopped gracefully."""
    with unit_of_work(factory) as session:
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
