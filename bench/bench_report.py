"""Benchmark: the portfolio report on 100,000 partnerships (PostgreSQL), against a bare GROUP BY in the same run.

Usage: python bench/bench_report.py [--database-url URL] [--organisations 10000] [--partnerships 100000]
       [--runs 5] [--skip-generate]

Drops and recreates the database's ``public`` schema, migrates it (``alembic upgrade head``), generates the
portfolio with ``app.devtools.generate.generate_portfolio``, runs VACUUM ANALYZE, then times the whole report cold
(the first one on a new engine: new connections, nothing prepared) and warm (median and p95 of ``--runs`` after
it), the baseline (``SELECT stage, count(*) FROM partnerships GROUP BY stage``), each section of the report on its
own, and prints the EXPLAIN ANALYZE of the slowest section. Target: report < 1 s cold.
Run it with the repository root first on ``PYTHONPATH`` (``PYTHONPATH=. python bench/bench_report.py``) so that the
``app`` measured is the checkout's.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app import clock, migrate
from app.config import get_settings
from app.db import make_engine
from app.devtools.generate import generate_portfolio
from app.reports import service
from app.reports.dialect import REPORT_WORKERS, prepare_for_aggregates, run_sections
from app.rules import register_all

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/agreements_bench"
BASELINE = "SELECT stage, count(*) FROM partnerships GROUP BY stage"


def _timings(action: Callable[[], Any], runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return timings


def _median_seconds(action: Callable[[], Any], runs: int) -> float:
    action()  # warm-up
    return statistics.median(_timings(action, runs))


def p95(timings: list[float]) -> float:
    """The 95th percentile of a few timings (nearest rank)."""
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _explain(session: Session, section: Callable[[Session], Any]) -> list[str]:
    """EXPLAIN ANALYZE of every statement a section runs (caught by a cursor hook)."""
    statements: list[tuple[str, Any]] = []
    connection = session.connection()

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    from sqlalchemy import event

    event.listen(connection, "before_cursor_execute", catch)
    try:
        section(session)
    finally:
        event.remove(connection, "before_cursor_execute", catch)
    lines = []
    raw = connection.connection.driver_connection
    for statement, parameters in statements:
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines += [row[0] for row in cursor.fetchall()]
    return lines


def cold_seconds(url: str) -> float:
    """The first report on a new engine (new connections, nothing prepared or cached by this process)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return _timings(lambda: service.portfolio(session), 1)[0]
    finally:
        engine.dispose()


def measure(session: Session, runs: int) -> dict[str, Any]:
    """Time the report (warm: median and p95), the baseline and each section."""
    today = clock.today(get_settings().zone)
    service.portfolio(session, today)  # warm-up
    warm = _timings(lambda: service.portfolio(session, today), runs)
    report = statistics.median(warm)
    one_by_one = _median_seconds(lambda: run_sections(session, service._sections(today, None), workers=1), runs)
    prepare_for_aggregates(session)  # as the report does (SET LOCAL: this transaction only)
    baseline = _median_seconds(lambda: session.execute(text(BASELINE)).all(), runs)
    # Each section as the report runs it (today's whole portfolio: the running counts where they are kept).
    chosen = service._sections(today, None)
    sections = {name: _median_seconds(lambda s=section: s(session), runs) for name, section in chosen.items()}
    return {
        "report": report,
        "report_p95": p95(warm),
        "one_by_one": one_by_one,
        "baseline": baseline,
        "sections": sections,
        "chosen": chosen,
    }


def _print(title: str, figures: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"{'measure':<40}{'ms':>10}")
    if "cold" in figures:
        print(f"{'whole report, cold (first on a new engine)':<40}{figures['cold'] * 1000:>10.1f}")
    print(f"{'whole report, warm (median)':<40}{figures['report'] * 1000:>10.1f}")
    print(f"{'whole report, warm (p95)':<40}{figures['report_p95'] * 1000:>10.1f}")
    print(f"{'  sections one after the other (median)':<40}{figures['one_by_one'] * 1000:>10.1f}")
    print(f"{'baseline: GROUP BY stage (median)':<40}{figures['baseline'] * 1000:>10.1f}")
    print(f"{'ratio report / baseline':<40}{figures['report'] / figures['baseline']:>10.1f}")
    slowest = max(figures.get("cold", 0), figures["report_p95"])
    print(f"{'target met (< 1000 ms cold and p95)':<40}{'yes' if slowest < 1 else 'NO':>10}")
    print("sections, slowest first:")
    for name, seconds in sorted(figures["sections"].items(), key=lambda item: -item[1]):
        print(f"  {name:<38}{seconds * 1000:>10.1f}")


def main() -> None:
    """Generate, analyse, time, explain; print tables."""
    register_all()  # as start-up does: every domain's workflow rules
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--partnerships", type=int, default=100_000)
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
        generated = time.perf_counter() - started
        print(f"generated in {generated:.1f} s: " + ", ".join(f"{table} {n:,}" for table, n in written.items()))
        print(f"rows: {sum(written.values()):,} ({sum(written.values()) / generated:,.0f} rows/s)")
    migrate.upgrade(url)  # also brings an existing benchmark database to the newest indexes
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))  # as autovacuum leaves a table: index-only scans need it
    cold = cold_seconds(url)
    with Session(engine) as session:
        partnerships = session.execute(text("SELECT count(*) FROM partnerships")).scalar_one()
        events = session.execute(text("SELECT count(*) FROM transition_events")).scalar_one()
        print(f"backend: postgresql, partnerships: {partnerships:,}, transition events: {events:,}")
        figures = measure(session, args.runs) | {"cold": cold}
        _print(f"the report (sections on up to {REPORT_WORKERS} connections sharing one snapshot)", figures)
        slowest = max(figures["sections"], key=figures["sections"].get)
        print(f"\nEXPLAIN ANALYZE of the slowest section, {slowest}:")
        for line in _explain(session, figures["chosen"][slowest]):
            print("  " + line)
        session.rollback()
    engine.dispose()


if __name__ == "__main__":
    main()
