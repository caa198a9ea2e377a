"""Benchmark: the data-quality summary and the first page of records to fix over a large portfolio.

Usage: python bench/bench_quality.py [--database-url URL] [--partnerships 100000] [--organisations 16000] [--repeat 3]
Fills the database with ``app.devtools.generate.generate_portfolio`` (it adds rows: give it an empty, migrated
database of its own, or none for a temporary SQLite file), then prints the best of ``--repeat`` timings of
``summary``, of the first page of ``records_to_fix`` in each sort order and for one check, and of one record's
checks; the baseline, measured in the same run, is the first page of the ordinary partnership list and a plain count.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import clock, migrate
from app.config import get_settings
from app.db import make_engine
from app.devtools.generate import generate_portfolio
from app.listing import PageParams
from app.partnerships.models import Partnership
from app.partnerships.schemas import PartnershipFilter
from app.partnerships.service import list_partnerships
from app.quality.schemas import RecordsQuery
from app.quality.service import record_quality, records_to_fix, summary
from app.rules import register_all


def _best(repeat: int, action: Callable[[], Any]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    """Fill the database, time the data-quality queries, print a table of figures."""
    register_all()  # as start-up does: every domain's workflow rules
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database to fill (default: a temporary SQLite file)")
    parser.add_argument("--partnerships", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=16_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        generate_portfolio(engine, args.organisations, args.partnerships)
        generated = time.perf_counter() - started
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would have gathered by now
        today = clock.today(get_settings().zone)
        with Session(engine) as session:
            partnerships = session.scalar(select(func.count()).select_from(Partnership))
            some_id = session.scalar(select(func.max(Partnership.id)))
            figures = {
                "baseline: count(*) partnerships": _best(
                    args.repeat, lambda: session.scalar(select(func.count()).select_from(Partnership))
                ),
                "baseline: partnership list page 1": _best(
                    args.repeat, lambda: list_partnerships(session, PartnershipFilter(), PageParams())
                ),
                "summary (both entities)": _best(args.repeat, lambda: summary(session, today)),
            }
            for sort in ("impact", "score", "name"):
                query = RecordsQuery(sort=sort)
                figures[f"records to fix, page 1 by {sort}"] = _best(
                    args.repeat, lambda query=query: records_to_fix(session, today, query)
                )
            query = RecordsQuery(entity="partnership", check="signed_versions")
            figures["records to fix, one check"] = _best(args.repeat, lambda: records_to_fix(session, today, query))
            figures["one partnership's checks"] = _best(
                args.repeat, lambda: record_quality(session, "partnership", some_id, today)
            )
            result = summary(session, today)
        engine.dispose()

    backend = make_engine(url).dialect.name
    print(f"backend: {backend}, partnerships: {partnerships}, organisations: {args.organisations}")
    print(f"portfolio generated in {generated:.1f} s; overall score {result.overall.score}")
    print(f"{'measure':<40}{'best of ' + str(args.repeat) + ', ms':>16}")
    for name, seconds in figures.items():
        print(f"{name:<40}{seconds * 1000:>16.1f}")


if __name__ == "__main__":
    main()
