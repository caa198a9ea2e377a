"""Benchmark: the data-quality summary and the records to fix, read from the stored scores, beside the computation
from the source tables they replace (``app.quality.live``) and beside plain SQL over the same tables.

Usage: python bench/bench_quality.py [--database-url URL] [--partnerships 100000] [--organisations N] [--repeat 20]
Fills an empty migrated database with ``app.devtools.generate.generate_portfolio`` (default: a scratch PostgreSQL
database on the local server, dropped afterwards; ``sqlite`` for a temporary file), times the rebuild of every score
(what the migration's backfill costs), then prints p95 and median of each measure with its baseline in the same run:
``summary`` beside ``SELECT count(*) FROM quality_scores`` and the live summary, each list of records to fix beside
the first page of ``quality_scores`` by its primary key and the live list.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from app import clock
from app.config import get_settings
from app.db import make_engine
from app.devtools.generate import generate_portfolio
from app.quality import live, service
from app.quality.models import QualityScore
from app.quality.schemas import RecordsQuery
from app.quality.store import rebuild_quality_scores
from app.rules import register_all

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LISTS = {
    "records to fix, by impact": RecordsQuery(),
    "records to fix, by score": RecordsQuery(sort="score"),
    "records to fix, by name": RecordsQuery(sort="name"),
    "records to fix, partnerships, page 40": RecordsQuery(entity="partnership", page=40),
    "records to fix, one check (signed_versions)": RecordsQuery(check="signed_versions"),
    "records to fix, one check (stale)": RecordsQuery(check="stale"),
}


def timings(repeat: int, action: Callable[[], Any]) -> dict[str, float]:
    """p95 and median of ``repeat`` runs, in ms (one warm-up run first); NaN for none."""
    if not repeat:
        return {"p95": float("nan"), "median": float("nan")}
    action()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    return {"p95": runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))], "median": statistics.median(runs)}


def measure(session: Session, repeat: int, live_repeat: int) -> list[dict[str, Any]]:
    """Every measure with its baselines: rows of (measure, stored, plain SQL, live computation)."""
    today = clock.today(get_settings().zone)
    count = select(func.count()).select_from(QualityScore)
    page = select(QualityScore).order_by(QualityScore.entity, QualityScore.record_id).limit(50)
    rows = [
        {
            "measure": "summary",
            "stored": timings(repeat, lambda: service.summary(session, today)),
            "sql": timings(repeat, lambda: session.scalar(count)),
            "sql_name": "count(*) quality_scores",
            "live": timings(live_repeat, lambda: live.summary(session, today)),
        }
    ]
    if live_repeat:
        assert service.summary(session, today) == live.summary(session, today), "the stored summary differs"
    for name, query in LISTS.items():
        rows.append(
            {
                "measure": name,
                "stored": timings(repeat, lambda query=query: service.records_to_fix(session, today, query)),
                "sql": timings(repeat, lambda: session.execute(page).all()),
                "sql_name": "first 50 rows of quality_scores",
                "live": timings(live_repeat, lambda query=query: live.records_to_fix(session, today, query)),
            }
        )
    return rows


def run(url: str, organisations: int, partnerships: int, repeat: int, live_repeat: int, log=print) -> dict[str, Any]:
    """Generate the portfolio into ``url``, rebuild the scores alone (timed), and measure."""
    engine = make_engine(url)
    started = time.perf_counter()
    generate_portfolio(engine, organisations, partnerships)
    generated = time.perf_counter() - started
    with Session(engine) as session:
        started = time.perf_counter()
        written = rebuild_quality_scores(session)
        session.commit()
        rebuilt = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would have gathered by now
    log(f"generated in {generated:.1f} s; scores of {sum(written.values()):,} records rebuilt in {rebuilt:.1f} s")
    with Session(engine) as session:
        rows = measure(session, repeat, live_repeat)
    engine.dispose()
    return {"generated_s": generated, "rebuild_s": rebuilt, "records": sum(written.values()), "rows": rows}


def main() -> None:
    """Fill a database, time the data-quality answers, print a table of figures."""
    register_all()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty migrated database, or 'sqlite' (default: scratch PostgreSQL)")
    parser.add_argument("--partnerships", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, help="default: a tenth of the partnerships")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--live-repeat", type=int, default=3, help="runs of the live computation (slow)")
    parser.add_argument("--measure-only", action="store_true", help="read an already filled and migrated database")
    args = parser.parse_args()
    organisations = args.organisations or max(4, args.partnerships // 10)
    from bench_dispatch import _database

    server = None if args.database_url == "sqlite" else SERVER_URL
    if args.measure_only:
        engine = make_engine(args.database_url)
        with Session(engine) as session:
            result = {"records": session.scalar(select(func.count()).select_from(QualityScore)),
                      "rows": measure(session, args.repeat, args.live_repeat)}  # fmt: skip
        engine.dispose()
    elif args.database_url and args.database_url != "sqlite":
        result = run(args.database_url, organisations, args.partnerships, args.repeat, args.live_repeat)
    else:
        with _database(server) as url:
            result = run(url, organisations, args.partnerships, args.repeat, args.live_repeat)
    if args.measure_only:
        print(f"an existing database: {result['records']:,} records scored")
    else:
        print(f"partnerships: {args.partnerships:,}, organisations: {organisations:,}, records: {result['records']:,}")
    print(f"{'measure':<46}{'p95 ms':>9}{'median':>9}{'plain SQL p95':>15}{'ratio':>7}{'live p95':>10}{'speed-up':>10}")
    for row in result["rows"]:
        stored, sql, computed = row["stored"]["p95"], row["sql"]["p95"], row["live"]["p95"]
        print(f"{row['measure']:<46}{stored:>9.1f}{row['stored']['median']:>9.1f}{sql:>15.1f}{stored / sql:>7.1f}"
              f"{computed:>10.1f}{computed / stored:>9.0f}x")  # fmt: skip
    print("plain SQL: " + "; ".join(sorted({row["sql_name"] for row in result["rows"]})))


if __name__ == "__main__":
    main()
