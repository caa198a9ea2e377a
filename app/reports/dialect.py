"""The few SQL expressions that differ between SQLite and PostgreSQL, each behind one function.

- ``median_by_group``: PostgreSQL has ``percentile_cont``; SQLite has not, so there the middle row(s) of each
  group are picked with window functions (which both backends have) and averaged.
- ``middle_of``: the median from the one or two middle values, as ``median_by_group`` gives it.
- ``year_month``: a date's month as ``YYYY-MM`` text.
- ``run_sections``: on PostgreSQL (a session bound to an engine) the independent sections run concurrently on
  a few connections that share one exported snapshot, so they see the same data; elsewhere one after the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import ColumnElement, Engine, Subquery, func, select, text
from sqlalchemy.orm import Session


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def middle_of(session: Session, values: list[float]) -> float:
    """The median of the one or two middle values of a group, computed as ``median_by_group`` computes it here."""
    if len(values) == 1:
        return float(values[0])
    low, high = (float(v) for v in values)
    if _dialect(session) == "postgresql":
        return low + (high - low) * 0.5  # percentile_cont's interpolation
    return (low + high) / 2  # SQLite's avg of the two


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
    """Let this transaction's sorts and hashes stay in memory, without JIT (PostgreSQL ``SET LOCAL``; SQLite: nothing).

    The report's window functions, medians and DISTINCTs over a few hundred thousand rows spill to disk with the
    default 4 MB; ``SET LOCAL`` ends with the transaction, so nothing else is affected.
    """
    if _dialect(session) == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))
        # Compiling a query costs more than running these ones (a few index reads estimated at millions of rows).
        session.execute(text("SET LOCAL jit = off"))


REPORT_WORKERS = 3
"""Connections one report uses at most on PostgreSQL (besides the one holding the snapshot)."""
_SNAPSHOT = re.compile(r"^[0-9A-Fa-f]+-[0-9A-Fa-f]+(-[0-9A-Fa-f]+)?$")

Section = Callable[[Session], Any]


def run_sections(session: Session, sections: dict[str, Section], workers: int = REPORT_WORKERS) -> dict[str, Any]:
    """Run read-only ``sections`` and return their results by name, all computed from one consistent snapshot.

    On PostgreSQL, when ``session`` is bound to an engine, they run concurrently (``workers`` threads, each on its
    own connection importing the snapshot exported by a holding transaction). Otherwise — SQLite, or a session
    bound to a single connection as in the tests' rolled-back transactions — they run one after the other in
    ``session`` itself.
    """
    bind = session.get_bind()
    if _dialect(session) != "postgresql" or not isinstance(bind, Engine) or workers < 2:
        prepare_for_aggregates(session)
        return {name: section(session) for name, section in sections.items()}
    with bind.connect() as holder:
        holder = holder.execution_options(isolation_level="REPEATABLE READ")
        with holder.begin():
            snapshot = holder.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report") as pool:
                futures = {name: pool.submit(_in_snapshot, bind, snapshot, run) for name, run in sections.items()}
                return {name: future.result() for name, future in futures.items()}


def _in_snapshot(engine: Engine, snapshot: str, section: Section) -> Any:
    if not _SNAPSHOT.match(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # Must be the transaction's first statement; the id is validated above (SET takes no parameters).
            connection.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            with Session(bind=connection) as session:
                prepare_for_aggregates(session)
                return section(session)
