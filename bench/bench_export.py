"""Benchmark: the partnership export (CSV and XLSX) against a bare csv.writer over the same rows, at two sizes.

Usage: python bench/bench_export.py [--database-url URL] [--sizes 10000 40000]
Seeds the portfolio (two parties and two areas per partnership), then for each size prints rows per second and
the peak Python memory (tracemalloc) of the export to a file, next to a baseline measured in the same run: a bare
``csv.writer`` over one flat SELECT of the partnership columns (no parties, areas or agreements). Memory must stay
flat as the list grows: the export reads a server-side cursor 500 rows at a time.
"""

from __future__ import annotations

import argparse
import csv
import gc
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.db import make_engine
from app.exports import service
from app.models import AreaOfEngagement, Organisation, Partnership, PartnershipParty, User
from app.partnerships.models import partnership_areas
from app.rules import register_all


def _seed(session: Session, count: int) -> None:
    """``count`` partnerships (as many organisations as partnerships / 4), each with two parties and two areas."""
    session.execute(delete(partnership_areas))
    session.execute(delete(PartnershipParty))
    session.execute(delete(Partnership))
    session.execute(delete(Organisation))
    session.execute(delete(User))
    now = datetime.now(UTC)
    user_id = session.execute(
        insert(User).values(email="bench@example.org", full_name="Bench Manager", created_at=now).returning(User.id)
    ).scalar_one()
    organisations = max(2, count // 4)
    session.execute(
        insert(Organisation),
        [
            {
                "legal_name": f"Bench Organisation {n}",
                "name_key": f"bench organisation {n}",
                "kind": "national_cso",
                "country_code": "KE",
                "region": "East Africa",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for n in range(organisations)
        ],
    )
    org_ids = list(session.scalars(select(Organisation.id).order_by(Organisation.id)))
    area_ids = list(session.scalars(select(AreaOfEngagement.id).order_by(AreaOfEngagement.id)))
    for start in range(0, count, 10_000):
        rows = [
            {
                "reference": f"PA-BENCH-{n:07d}",
                "title": f"Bench partnership {n}",
                "stage": ("ad_hoc", "informal", "formalising", "formal")[n % 4],
                "owner_id": user_id,
                "handles_personal_data": False,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for n in range(start, min(count, start + 10_000))
        ]
        ids = list(session.scalars(insert(Partnership).returning(Partnership.id, sort_by_parameter_order=True), rows))
        session.execute(
            insert(PartnershipParty),
            [
                {"partnership_id": pid, "organisation_id": org_ids[(i + k) % len(org_ids)], "role": role}
                for i, pid in enumerate(ids)
                for k, role in ((0, "lead_partner"), (1, "co_partner"))
            ],
        )
        session.execute(
            insert(partnership_areas),
            [
                {"partnership_id": pid, "area_id": area_ids[(i + k) % len(area_ids)]}
                for i, pid in enumerate(ids)
                for k in (0, 3)
            ],
        )
    session.commit()


def _export(factory: sessionmaker[Session], file_format: str, target: Path) -> int:
    with factory() as session:
        query = service.parse_query("partnerships", {"format": file_format})
        export = service.prepare(session, "partnerships", query)
        with target.open("wb") as file:
            return service.write(session, export, file)


def _baseline(factory: sessionmaker[Session], target: Path) -> int:
    columns = (Partnership.reference, Partnership.title, Partnership.stage, Partnership.created_at)
    with factory() as session, target.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([column.key for column in columns])
        count = 0
        for row in session.execute(select(*columns).execution_options(yield_per=500)):
            writer.writerow(row)
            count += 1
        return count


def _measure(run: Callable[[], int]) -> tuple[int, float, float]:
    """Rows, rows per second (a plain run) and peak traced memory in MiB (a second run under tracemalloc)."""
    gc.collect()
    started = time.perf_counter()
    rows = run()
    elapsed = time.perf_counter() - started
    gc.collect()
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return rows, rows / elapsed if elapsed else float("inf"), peak / 2**20


def main() -> None:
    """Run the benchmark and print a table of figures."""
    register_all()  # as start-up does: every domain's workflow rules
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="database URL (default: a temporary SQLite file); its data is replaced")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 40_000])
    parser.add_argument("--skip-xlsx", action="store_true", help="only CSV (XLSX is several times slower)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        print(f"database: {engine.dialect.name}")
        baseline, csv_file, xlsx_file = folder / "baseline.csv", folder / "export.csv", folder / "export.xlsx"
        print(f"{'rows':>8}  {'what':<28} {'rows/s':>10} {'peak MiB':>9} {'file MiB':>9}")
        for size in args.sizes:
            with factory() as session:
                _seed(session, size)
                if engine.dialect.name == "postgresql":
                    session.execute(text("ANALYZE"))
                    session.commit()
            runs: list[tuple[str, Callable[[], int], Path]] = [
                ("baseline: bare csv.writer", lambda: _baseline(factory, baseline), baseline),
                ("export CSV", lambda: _export(factory, "csv", csv_file), csv_file),
            ]
            if not args.skip_xlsx:
                runs.append(("export XLSX", lambda: _export(factory, "xlsx", xlsx_file), xlsx_file))
            for label, run, produced in runs:
                rows, rate, peak = _measure(run)
                size_mib = produced.stat().st_size / 2**20
                print(f"{rows:>8}  {label:<28} {rate:>10,.0f} {peak:>9.1f} {size_mib:>9.1f}")
        engine.dispose()


if __name__ == "__main__":
    main()
