"""Benchmark: claiming due reminders among 1,000,000 on PostgreSQL, with the query plan, against a bare SELECT.

Usage: python bench/bench_claim.py [--url POSTGRESQL_SERVER_URL] [--rows 1000000] [--due-percent 2] [--batch 50]

A scratch database is created on the server (migrated, dropped afterwards) and ``--rows`` reminders are bulk-inserted
with ``INSERT … SELECT generate_series``: ``--due-percent`` of them planned and due now, the others planned for
the next three years or already sent. Timed, median of ``--repeat`` runs each rolled back so every run sees the
same table:

* ``claim_due`` (``app/reminders/claims.py``, the real function: reclaim expired leases, lock a batch with
  ``FOR UPDATE SKIP LOCKED``, mark it ``sending``, read it back);
* baseline: the bare ``SELECT id … WHERE status = 'planned' AND send_at <= now ORDER BY send_at, id LIMIT n``;
* the same ``claim_due`` on a 10,000-row table (how much the million rows cost).

The ``EXPLAIN (ANALYZE, BUFFERS)`` of the locking SELECT that ``claim_due`` really sends is printed; a sequential
scan there is reported as a failure (the index it needs is named).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from bench_dispatch import _database, _subject
from sqlalchemy import event, text
from sqlalchemy.orm import Session, sessionmaker

import app.models  # noqa: F401  (every mapper and the audit recorder, before the first query)
from app.config import load_settings
from app.db import make_engine
from app.reminders.claims import claim_due

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NEEDED_INDEX = "CREATE INDEX … ON reminders (status, send_at, id)  -- or a partial one WHERE status = 'planned'"

FILL = text(
    """
    INSERT INTO reminders (dedupe_key, series, subject_type, subject_id, partnership_id, kind, due_on, offset_days,
                           send_at, recipient_email, status, attempts, created_at, updated_at, sent_at)
    SELECT 'agreement:' || :agreement || ':end_date:' || n || '.p' || n || '@example.org',
           'agreement:' || :agreement || ':end_date:p' || n || '@example.org',
           'agreement', :agreement, :partnership, 'end_date', DATE '2027-03-31', 30,
           CASE WHEN n % 1000 < :due_per_mille THEN CAST(:now AS timestamptz) - (n % 600) * interval '1 minute'
                WHEN n % 3 = 0 THEN CAST(:now AS timestamptz) - (1 + n % 700) * interval '1 day'
                ELSE CAST(:now AS timestamptz) + (1 + n % 1100) * interval '1 day' END,
           'p' || n || '@example.org',
           CASE WHEN n % 1000 < :due_per_mille THEN 'planned' WHEN n % 3 = 0 THEN 'sent' ELSE 'planned' END,
           0, CAST(:now AS timestamptz), CAST(:now AS timestamptz),
           CASE WHEN n % 1000 >= :due_per_mille AND n % 3 = 0 THEN CAST(:now AS timestamptz) END
    FROM generate_series(1, :rows) AS n
    """
)


def _fill(url: str, rows: int, due_percent: float) -> float:
    engine = make_engine(url)
    with sessionmaker(bind=engine)() as session:
        partnership_id, agreement_id = _subject(session)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            FILL,
            {"agreement": agreement_id, "partnership": partnership_id, "now": NOW, "rows": rows,
             "due_per_mille": round(due_percent * 10)},
        )  # fmt: skip
    seconds = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE reminders"))
    engine.dispose()
    return seconds


def _median_ms(factory: sessionmaker[Session], action: Any, repeat: int) -> float:
    timings = []
    for _ in range(repeat + 1):
        with factory() as session:
            started = time.perf_counter()
            action(session)
            timings.append((time.perf_counter() - started) * 1000)
            session.rollback()
    return statistics.median(timings[1:])  # the first run warms the caches


def _claim_plan(factory: sessionmaker[Session], batch: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the locking SELECT that ``claim_due`` sends, captured as it is sent."""
    caught: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "SKIP LOCKED" in statement:
            caught.append((statement, parameters))

    engine = factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", catch)
    try:
        with factory() as session:
            claim_due(session, "bench-plan", NOW, batch)
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", catch)
    statement, parameters = caught[0]
    with factory() as session:
        cursor = session.connection().connection.driver_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        session.rollback()
    return plan


def _measure(url: str, batch: int, repeat: int) -> tuple[float, float, int, str]:
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    settings = load_settings()
    bare = text(
        "SELECT id FROM reminders WHERE status = 'planned' AND send_at <= :now ORDER BY send_at, id LIMIT :limit"
    )
    claimed: list[int] = []

    def claim(session: Session) -> None:
        claimed.append(len(claim_due(session, "bench", NOW, batch, settings)))

    claim_ms = _median_ms(factory, claim, repeat)
    bare_ms = _median_ms(factory, lambda s: s.execute(bare, {"now": NOW, "limit": batch}).all(), repeat)
    plan = _claim_plan(factory, batch)
    engine.dispose()
    return claim_ms, bare_ms, min(claimed), plan


def run(
    url: str = DEFAULT_URL, rows: int = 1_000_000, due_percent: float = 2.0, batch: int = 50, repeat: int = 20,
    small_rows: int = 10_000, log: Any = print,
) -> dict[str, Any]:  # fmt: skip
    """Measure; returns the figures (milliseconds), the plan and whether it avoids a sequential scan."""
    with _database(url) as scratch:
        fill_seconds = _fill(scratch, rows, due_percent)
        log(f"inserted {rows:,} reminders ({due_percent}% due) in {fill_seconds:.1f} s")
        claim_ms, bare_ms, claimed, plan = _measure(scratch, batch, repeat)
    with _database(url) as scratch:
        _fill(scratch, small_rows, due_percent)
        small_ms, _small_bare, _, _ = _measure(scratch, batch, repeat)
    seq_scan = "Seq Scan on reminders" in plan
    return {
        "rows": rows, "due_percent": due_percent, "batch": batch, "claimed": claimed, "fill_seconds": fill_seconds,
        "claim_ms": claim_ms, "bare_select_ms": bare_ms, "claim_small_ms": small_ms, "small_rows": small_rows,
        "ratio_vs_bare": claim_ms / bare_ms, "ratio_vs_small": claim_ms / small_ms, "plan": plan,
        "index_scan": not seq_scan,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="a PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--due-percent", type=float, default=2.0)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    result = run(args.url, args.rows, args.due_percent, args.batch, args.repeat)
    print(f"\nclaim_due of {args.batch} among {args.rows:,} reminders, median of {args.repeat}")
    print(f"{'what':<52}{'ms':>10}{'ratio':>8}")
    print(f"{'claim_due (reclaim + lock + mark + read back)':<52}{result['claim_ms']:>10.2f}{'':>8}")
    print(f"{'bare SELECT … LIMIT (baseline)':<52}{result['bare_select_ms']:>10.2f}{result['ratio_vs_bare']:>8.1f}")
    label = f"claim_due at {result['small_rows']:,} reminders (baseline)"
    print(f"{label:<52}{result['claim_small_ms']:>10.2f}{result['ratio_vs_small']:>8.1f}")
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the claim's locking SELECT:")
    print(result["plan"])
    if not result["index_scan"]:
        print(f"\nSEQUENTIAL SCAN: the claim needs an index (a migration): {NEEDED_INDEX}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
