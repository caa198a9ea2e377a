"""The one place that knows what time it is, so tests can travel in time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return _now().astimezone(UTC)


def today(zone: ZoneInfo) -> date:
    """Today's calendar date in the given timezone."""
    return now().astimezone(zone).date()


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar date of ``instant`` in the given timezone."""
    return instant.astimezone(zone).date()


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Make ``now()`` return ``instant`` inside the block (tests and simulations)."""
    if instant.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    global _now
    previous = _now
    _now = lambda: instant  # noqa: E731
    try:
        yield
    finally:
        _now = previous
