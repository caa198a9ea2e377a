"""The few SQL expressions that differ between SQLite and PostgreSQL, each behind one function.

- ``median_by_group``: PostgreSQL has ``percentile_cont``; SQLite has not, so there the middle row(s) of each
  group are picked with window functions (which both backends have) and averaged.
- ``days_between``: the difference of two timestamps in (fractional) days.
- ``year_month``: a date's month as ``YYYY-MM`` text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, Subquery, cast, extract, func, select, text
from sqlalchemy.orm import Session


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def days_between(session: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    """``later - earlier`` in days, with fractions, as SQL."""
    if _dialect(session) == "postgresql":
        return extract("epoch", later - earlier) / 86400.0
    return cast(func.julianday(later) - func.julianday(earlier), Float)


def year_month(session: Session, day: Any) -> ColumnElement[str]:
    """The month of a date column as ``YYYY-MM`` text, as SQL."""
    if _dialect(session) == "postgresql":
        return func.to_char(day, "YYYY-MM")
    return func.strftime("%Y-%m", day)


def median_by_group(session: Session, values: Subquery) -> dict[Any, tuple[float, int]]:
    """For a subquery with columns ``key`` and ``value``: the median value and the row count of each key.

    The median of an even count is the mean of the two middle values (``percentile_cont(0.5)``).
    """
    key, value = values.c.key, values.c.value
    if _dialect(session) == "postgresql":
        stmt = select(key, func.percentile_cont(0.5).within_group(value), func.count()).group_by(key)
        return {row[0]: (float(row[1]), int(row[2])) for row in session.execute(stmt)}
    ranked = select(
        key.label("key"),
        value.label("value"),
        func.row_number().over(partition_by=key, order_by=value).label("position"),
        func.count().over(partition_by=key).label("size"),
    ).subquery()
    # Integer division: (n + 1) / 2 and (n + 2) / 2 are the same row when n is odd, the two middle ones when even.
    middle = ranked.c.position.in_([(ranked.c.size + 1) // 2, (ranked.c.size + 2) // 2])
    stmt = select(ranked.c.key, func.avg(ranked.c.value), func.max(ranked.c.size)).where(middle).group_by(ranked.c.key)
    return {row[0]: (float(row[1]), int(row[2])) for row in session.execute(stmt)}


REPORT_WORK_MEM = "64MB"


def prepare_for_aggregates(session: Session) -> None:
    """Let this transaction's sorts and hashes stay in memory (PostgreSQL ``SET LOCAL work_mem``; SQLite: nothing).

    The report's window functions, medians and DISTINCTs over a few hundred thousand rows spill to disk with the
    default 4 MB; ``SET LOCAL`` ends with the transaction, so nothing else is affected.
    """
    if _dialect(session) == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))
