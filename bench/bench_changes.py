"""Benchmark: the portfolio's history at scale (PostgreSQL) — the portfolio as of past days and what changed
between two days, on a generated portfolio (``agreements generate``'s generator).

Usage: PYTHONPATH=. python bench/bench_changes.py [--database-url URL] [--organisations 160000]
       [--partnerships 1000000] [--runs 5] [--skip-generate]

Drops and recreates the database's ``public`` schema, migrates it, generates the portfolio, runs VACUUM ANALYZE,
then times (median and p95 of ``--runs`` after a warm-up, and the first call on a new engine for the one the pages
open with) each question below, and prints the EXPLAIN ANALYZE of the changes over a week and of the first page
as of a past day, with whether any plan reads the whole partnerships table (a sequential scan). Target: every
question over a narrow period, and every first page, well under a second at 1,000,000 partnerships.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app import clock, migrate
from app.config import get_settings
from app.db import make_engine
from app.devtools.generate import generate_portfolio
from app.listing import Paging
from app.reports import history
from app.reports.schemas import AsOfFilter, ChangesFilter
from app.rules import register_all

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/agreements_bench_changes"


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _timed(action: Callable[[], Any], runs: int) -> tuple[float, float]:
    action()  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), p95(timings)


def _reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _explain(session: Session, action: Callable[[], Any]) -> list[str]:
    """EXPLAIN ANALYZE of every statement ``action`` runs (caught by a cursor hook)."""
    statements: list[tuple[str, Any]] = []
    connection = session.connection()

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", catch)
    try:
        action()
    finally:
        event.remove(connection, "before_cursor_execute", catch)
    lines = []
    raw = connection.connection.driver_connection
    for statement, parameters in statements:
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines += [row[0] for row in cursor.fetchall()]
        lines.append("")
    return lines


def questions(session: Session, today: date) -> dict[str, Callable[[], Any]]:
    """What the pages, the API and the CLI ask, by name."""
    page = Paging(page_size=50)

    def changes(days: int, end: date = today) -> Callable[[], Any]:
        return lambda: history.changes_between(session, ChangesFilter(start=end - timedelta(days=days - 1), end=end))

    def as_of(day: date, agreements: bool = False, **filters: Any) -> Callable[[], Any]:
        read = history.agreements_as_of if agreements else history.partnerships_as_of
        return lambda: read(session, AsOfFilter(on=day, **filters), page)

    year_ago = today - timedelta(days=365)
    return {
        "changes, yesterday (1 day)": changes(1, today - timedelta(days=1)),
        "changes, last 7 days": changes(7),
        "changes, last 30 days": changes(30),
        "changes, a week a year ago": changes(7, year_ago),
        "changes, last 30 days, one area": lambda: history.changes_between(
            session, ChangesFilter(start=today - timedelta(days=29), end=today, area="humanitarian")
        ),
        "records behind 'new', last 7 days (page 1)": lambda: history.change_records(
            session, "new", ChangesFilter(start=today - timedelta(days=6), end=today), page
        ),
        "records behind 'agreements_signed', 30 days": lambda: history.change_records(
            session, "agreements_signed", ChangesFilter(start=today - timedelta(days=29), end=today), page
        ),
        "partnerships as of a year ago (page 1)": as_of(year_ago),
        "partnerships as of a year ago, one area": as_of(year_ago, area="humanitarian"),
        "partnerships as of a year ago, one region": as_of(year_ago, region="Eastern Africa"),
        "partnerships as of a year ago, stage formal": as_of(year_ago, stage=_a_stage("in_force")),
        "agreements as of a year ago (page 1)": as_of(year_ago, agreements=True),
        "changes over the whole history (wide)": changes(3650),
    }


def _a_stage(group: str) -> str:
    from app.workflow.definition import states

    return sorted(states("partnership", group=group))[0]


def main() -> None:
    register_all()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--organisations", type=int, default=160_000)
    parser.add_argument("--partnerships", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the data already in the database")
    args = parser.parse_args()
    url = args.database_url
    engine = make_engine(url)
    if engine.dialect.name != "postgresql":
        parser.error("the target is a PostgreSQL figure: give a postgresql+psycopg:// URL")
    if not args.skip_generate:
        _reset(url)
        migrate.upgrade(url)
        started = time.perf_counter()
        written = generate_portfolio(engine, args.organisations, args.partnerships)
        print(f"generated in {time.perf_counter() - started:.1f} s: {sum(written.values()):,} rows")
    migrate.upgrade(url)  # an existing benchmark database gets the newest indexes
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    today = clock.today(get_settings().zone)
    cold_engine = make_engine(url)
    with Session(cold_engine) as session:
        started = time.perf_counter()
        history.changes_between(session, ChangesFilter(start=today - timedelta(days=29), end=today))
        cold = time.perf_counter() - started
    cold_engine.dispose()
    with Session(engine) as session:
        counts = {
            table: session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("partnerships", "agreements", "transition_events", "stage_stays")
        }
        print("backend: postgresql, " + ", ".join(f"{table}: {n:,}" for table, n in counts.items()))
        print(f"\n{'question':<48}{'median ms':>10}{'p95 ms':>10}")
        print(f"{'changes, last 30 days, cold (new engine)':<48}{cold * 1000:>10.1f}")
        slowest_narrow = cold
        asked = questions(session, today)
        for name, action in asked.items():
            median, high = _timed(action, args.runs)
            print(f"{name:<48}{median * 1000:>10.1f}{high * 1000:>10.1f}")
            if "wide" not in name:
                slowest_narrow = max(slowest_narrow, high)
        print(f"target met (narrow periods and first pages < 1000 ms p95): {'yes' if slowest_narrow < 1 else 'NO'}")
        for name in ("changes, last 7 days", "partnerships as of a year ago (page 1)"):
            plan = _explain(session, asked[name])
            whole = any("Seq Scan on partnerships" in line for line in plan)
            print(f"\nEXPLAIN ANALYZE: {name} (sequential scan of partnerships: {'YES' if whole else 'no'})")
            for line in plan:
                print("  " + line)
        session.rollback()
    engine.dispose()


if __name__ == "__main__":
    main()
