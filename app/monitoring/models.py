"""The heartbeat of each process that runs the scheduled work, read by ``/metrics`` (a worker has no HTTP)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class SchedulerHeartbeat(Base):
    """One running scheduler (an ``agreements worker``, or ``serve`` on SQLite): when each of its jobs last finished.

    Written after every job the scheduler runs, deleted when the process stops gracefully; rows of processes that
    died are left behind and removed after a week.
    """

    __tablename__ = "scheduler_heartbeats"

    process_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    last_dispatch_at: Mapped[datetime | None]
    last_daily_at: Mapped[datetime | None]
