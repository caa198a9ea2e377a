"""Benchmark: importing an inventory of N partnership lines, against a raw ``executemany`` of the same rows.

Usage: python bench/bench_import.py [--sizes 25000 100000] [--database-url URL] [--batch-size 1000] [--trace]

For each size it writes a CSV shaped like an office inventory (one line per partner in a partnership: a tenth of
the partnerships have two partners, organisations recur under spelling variants, focal points, areas, modalities
in words, a third of the partnerships formal with an MOU's dates — half of them still running, half expired —
and a total line at the bottom), imports it into a fresh database (a new SQLite file by default; with
``--database-url`` that PostgreSQL database's ``public`` schema is DROPPED and rebuilt) and then measures the
**baseline**: every row the import wrote, in every table, read back and inserted again into a fresh schema with
plain ``executemany`` (one statement per table and batch, committed per batch as the import does). The ratio
baseline seconds / import seconds is what the import achieves of a raw insert of the same rows (target ≥ 0.1).
Memory: the growth of the process's maximum resident set, and with ``--trace`` the tracemalloc peak, at each size.
"""

from __future__ import annotations

import argparse
import csv
import gc
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import app.models  # noqa: F401  (every mapper and the audit recorder, before the first query)
from app import migrate
from app.db import make_engine
from app.imports.service import ImportOptions, InventoryImport
from app.rules import register_all
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from app.workflow.actor import Actor

HEADERS = [
    "Partner ID", "Organisation name (full)", "Acronym", "Kind of partner", "Country", "Region", "Registration No.",
    "Focal point", "Focal pt email", "Focal point phone", "Areas of engagement", "Partnership ref",
    "Partnership title", "Modality", "Agreement starts", "MoU end", "Notice (days)",
]  # fmt: skip
COUNTRIES = ["Kenya", "Uganda", "Côte d'Ivoire", "RDC", "UK", "The Gambia", "Türkiye", "ETH", "Sénégal", "Jordan",
             "Perú", "Viet Nam", "Schweiz", "Turquía", "México"]  # fmt: skip
KINDS = ["NGO", "INGO", "CBO", "University", "Think tank", "Private sector", "Government", "ONG nationale",
         "Organización comunitaria"]  # fmt: skip
AREAS = ["AVRR", "health; CT", "DRR", "research, data", "policy dialogue", "integration", "training",
         "labour migration", "trata de personas", "santé des migrants"]  # fmt: skip
MODALITIES = ["signed MoU", "oral commitment", "single workshop", "MoU under negotiation", "informal",
              "convenio firmado", "compromiso verbal", "atelier ponctuel", "MoU"]  # fmt: skip
FORMAL = {"signed MoU", "convenio firmado", "MoU"}
SKIP_TABLES = {"alembic_version", "areas_of_engagement", "import_runs"}
SETUP_TABLES = ("users", "user_roles")  # the importing user: copied first, not timed


def write_inventory(path: Path, size: int) -> None:
    """A CSV of about ``size`` lines; every tenth partnership has a second partner; a total line ends it."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(["Inventory of partners — bench office"])
        writer.writerow([])
        writer.writerow(HEADERS)
        line = 0
        partnership = 0
        while line < size:
            partnership += 1
            parties = 2 if partnership % 10 == 0 else 1
            modality = MODALITIES[partnership % len(MODALITIES)]
            dated = modality in FORMAL and partnership % 3 != 0
            expired = partnership % 2 == 0
            for party in range(parties):
                org = partnership * 2 + party
                # One line in seven names an earlier partner again, in capitals and without its ID: merged.
                again = partnership % 7 == 3 and party == 0 and partnership > 3
                if again:
                    org = (partnership - 3) * 2
                name = f"Bench Organisation {org}"
                writer.writerow(
                    [
                        f"ORG-{org:07d}" if org % 5 and not again else "",
                        name.upper() if again else name,
                        f"BO{org}",
                        KINDS[org % len(KINDS)],
                        COUNTRIES[org % len(COUNTRIES)],
                        f"Region {org % 7}",
                        f"REG-{org:07d}" if org % 3 == 0 else "",
                        f"Person {org}",
                        f"person{org}@bench.example.org",
                        f"+254 700 {org % 1000:03d} {org % 997:03d}",
                        AREAS[partnership % len(AREAS)],
                        f"PB-{partnership:07d}",
                        f"Bench partnership {partnership}",
                        modality,
                        ("15/01/2019" if expired else "15/01/2025") if dated else "",
                        ("31/12/2023" if expired else "31/12/2031") if dated else "",
                        "60" if dated else "",
                    ]
                )
                line += 1
        writer.writerow(["TOTAL", line])


def fresh_database(url: str | None, directory: Path, label: str) -> str:
    """A migrated empty database: a new SQLite file, or the PostgreSQL database with its schema rebuilt."""
    if url is None:
        url = f"sqlite:///{directory / f'bench-{label}.db'}"
    elif url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    return url


def measure(work: Callable[[], Any], trace: bool) -> tuple[float, float | None, float, Any]:
    """Seconds, tracemalloc peak (MB), growth of max RSS (MB) and the result of ``work``."""
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024  # KB on Linux
    return elapsed, peak, rss_growth, result


def import_file(url: str, path: Path, batch: int) -> Any:
    """The import itself, committing per batch as the CLI does."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(
            session,
            UserCreate(email="bench@example.org", full_name="Bench", roles=[Role.ADMIN, Role.PROJECT_MANAGER]),
            actor=Actor.system(reason="benchmark set-up"),
        )
        session.commit()
        with path.open("rb") as stream:
            job = InventoryImport(session, stream, path.name, user, ImportOptions(batch_size=batch))
            for _lines_read in job.batches():
                session.commit()
            summary = job.finish()
        session.commit()
    engine.dispose()
    return summary


def written_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row the import wrote, table by table in dependency order (seed and bookkeeping tables left out)."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    rows: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in SKIP_TABLES or not connection.scalar(select(func.count()).select_from(table)):
                continue
            rows[table.name] = [dict(row._mapping) for row in connection.execute(select(table))]
    engine.dispose()
    return rows


def raw_insert(url: str, rows: dict[str, list[dict[str, Any]]], batch: int) -> float:
    """Baseline: the same rows inserted with plain ``executemany``, one statement per table and batch; seconds."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for name in SETUP_TABLES:
            if rows.get(name):
                connection.execute(metadata.tables[name].insert(), rows[name])
    started = time.perf_counter()
    with engine.connect() as connection:
        for name, table_rows in rows.items():
            if name in SETUP_TABLES:
                continue
            table = metadata.tables[name]
            for start in range(0, len(table_rows), batch):
                connection.execute(table.insert(), table_rows[start : start + batch])
                connection.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def main() -> None:
    register_all()  # as start-up does: every domain's workflow rules
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (its public schema is dropped)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--trace", action="store_true", help="also run tracemalloc (slower)")
    args = parser.parse_args()
    backend = "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
    print(f"backend: {backend}; batch size {args.batch_size}; tracemalloc {'on' if args.trace else 'off'}")
    print(f"{'lines':>8}  {'what':<34}{'seconds':>9}{'lines/s':>10}{'rows':>10}{'peak MB':>9}{'RSS +MB':>9}")
    with tempfile.TemporaryDirectory() as directory:
        for size in args.sizes:
            path = Path(directory) / f"inventory-{size}.csv"
            write_inventory(path, size)
            url = fresh_database(args.database_url, Path(directory), f"import-{size}")
            seconds, peak, rss, summary = measure(partial(import_file, url, path, args.batch_size), args.trace)
            rows = written_rows(url)
            total_rows = sum(len(table_rows) for name, table_rows in rows.items() if name not in SETUP_TABLES)
            raw_url = fresh_database(args.database_url, Path(directory), f"raw-{size}")
            raw_seconds = raw_insert(raw_url, rows, args.batch_size)
            del rows
            peak_text = f"{peak:9.1f}" if peak is not None else f"{'-':>9}"
            print(
                f"{size:>8}  {'import':<34}{seconds:9.1f}{size / seconds:10,.0f}{total_rows:10,}{peak_text}{rss:9.1f}"
            )
            print(f"{size:>8}  {'raw executemany of the same rows':<34}{raw_seconds:9.1f}{size / raw_seconds:10,.0f}")
            print(f"{'':>8}  ratio import / raw executemany: {raw_seconds / seconds:.3f}x (target >= 0.1x)")
            totals = summary.totals()
            print(
                f"{'':>8}  {totals['organisations_created']:,} organisations ({totals['organisations_merged']:,} "
                f"merged), {totals['partnerships_created']:,} partnerships, {totals['agreements_recorded']:,} "
                f"agreements, {totals['reminders_planned']:,} reminders, {totals['rejected']:,} rejected, "
                f"{totals['skipped_total']:,} total line(s) skipped"
            )


if __name__ == "__main__":
    main()
