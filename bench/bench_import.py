"""Benchmark: importing inventories of 40,000 and 160,000 organisations, against baselines from the same run.

Usage: python bench/bench_import.py [--sizes 40000 160000] [--database-url URL] [--batch-size 1000] [--no-trace]

For each size it writes a CSV (one organisation per line; one line in eight also opens a partnership that the
workflow engine moves to its stage) in a temporary directory, imports it into a fresh database (a new SQLite
file by default; with ``--database-url`` that PostgreSQL database's ``public`` schema is DROPPED and rebuilt),
and prints rows/s and peak memory (tracemalloc peak, and the growth of the process's maximum resident set).
Baselines: reading and parsing the same file with no database, and a raw ``executemany`` insert of the same
organisations into a bare table. Memory must stay flat: the peak at 160,000 is about the peak at 40,000.
With ``--no-trace`` tracemalloc is off (faster, truer rows/s; no tracemalloc peak).
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

from sqlalchemy import text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import migrate
from app.db import make_engine
from app.imports.normalise import match_headers
from app.imports.reader import open_table
from app.imports.rows import parse_row
from app.imports.service import ImportOptions, run_import
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user

HEADERS = ["organisation_ref", "organisation_name", "partner_type", "country", "region", "registration_number",
           "email", "areas", "partnership_ref", "partnership_title", "modality", "start_date", "end_date"]  # fmt: skip
COUNTRIES = ["KE", "Uganda", "Côte d'Ivoire", "DRC", "UK", "USA", "Türkiye", "ETH", "Senegal", "Jordan"]
KINDS = ["NGO", "INGO", "CBO", "University", "Think tank", "Company", "Government", "UN agency"]
AREAS = ["AVRR", "health; CT", "DRR", "research, data", "policy dialogue", "integration", "training"]
MODALITIES = ["MoU", "informal", "event", "negotiating"]


def write_inventory(path: Path, size: int) -> None:
    """A CSV of ``size`` organisations; every eighth also opens a partnership."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADERS)
        for n in range(size):
            partnership = n % 8 == 0
            writer.writerow(
                [
                    f"ORG-{n:07d}",
                    f"Bench Organisation {n}",
                    KINDS[n % len(KINDS)],
                    COUNTRIES[n % len(COUNTRIES)],
                    "Region " + str(n % 7),
                    f"REG-{n:07d}" if n % 3 == 0 else "",
                    f"info{n}@bench.example.org",
                    AREAS[n % len(AREAS)],
                    f"PB-{n:07d}" if partnership else "",
                    f"Bench partnership {n}" if partnership else "",
                    MODALITIES[(n // 8) % len(MODALITIES)] if partnership else "",
                    "2026-01-15" if partnership else "",
                    "31/12/2028" if partnership else "",
                ]
            )


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


def parse_only(path: Path) -> int:
    """Baseline: read and parse every line, no database."""
    with path.open("rb") as stream:
        table = open_table(path.name, stream)
        mapping, _missing, _ignored = match_headers(table.headers)
        count = 0
        for line, raw in table.rows:
            cells = {column: raw[index] if index < len(raw) else None for index, column in mapping.items()}  # type: ignore[index]
            parse_row(line, cells, {}, "auto")
            count += 1
        table.close()
    return count


def raw_insert(url: str, path: Path, batch: int) -> int:
    """Baseline: the same organisations as plain rows in a bare table with ``executemany``, committed per batch."""
    engine = make_engine(url)
    count = 0
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, name VARCHAR(300), "
                                "kind VARCHAR(40), country VARCHAR(100), email VARCHAR(254))"))  # fmt: skip
    insert = text("INSERT INTO bench_raw (id, name, kind, country, email) VALUES (:id, :name, :kind, :country, :email)")
    with path.open(encoding="utf-8", newline="") as stream, engine.connect() as connection:
        reader = csv.reader(stream)
        next(reader)
        rows = []
        for cells in reader:
            count += 1
            rows.append({"id": count, "name": cells[1], "kind": cells[2], "country": cells[3], "email": cells[6]})
            if len(rows) >= batch:
                connection.execute(insert, rows)
                connection.commit()
                rows = []
        if rows:
            connection.execute(insert, rows)
            connection.commit()
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_raw"))
    engine.dispose()
    return count


def import_file(url: str, path: Path, batch: int) -> Any:
    """The import itself, committing per batch as the CLI does."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(
            session, UserCreate(email="bench@example.org", full_name="Bench", roles=[Role.ADMIN, Role.PROJECT_MANAGER])
        )
        session.commit()
        with path.open("rb") as stream:
            summary = run_import(
                session, stream, path.name, user, ImportOptions(batch_size=batch), commit=session.commit
            )
        session.commit()
    engine.dispose()
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40_000, 160_000])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (its public schema is dropped)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--no-trace", action="store_true", help="do not run tracemalloc")
    args = parser.parse_args()
    trace = not args.no_trace
    backend = "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
    print(f"backend: {backend}; batch size {args.batch_size}; tracemalloc {'on' if trace else 'off'}")
    header = (
        f"{'rows':>8}  {'what':<26}{'seconds':>9}{'rows/s':>10}{'peak MB':>9}{'RSS +MB':>9}{'x parse':>9}{'x raw':>7}"
    )
    print(header)
    peaks = {}
    with tempfile.TemporaryDirectory() as directory:
        for size in args.sizes:
            path = Path(directory) / f"inventory-{size}.csv"
            write_inventory(path, size)
            parse = measure(partial(parse_only, path), trace)
            raw_url = fresh_database(args.database_url, Path(directory), f"raw-{size}")
            raw = measure(partial(raw_insert, raw_url, path, args.batch_size), trace)
            url = fresh_database(args.database_url, Path(directory), f"import-{size}")
            done = measure(partial(import_file, url, path, args.batch_size), trace)
            summary = done[3]
            assert summary.counts["created"] == size, summary.counts
            peaks[size] = done[1]
            for what, (seconds, peak, rss, _) in (
                ("read + parse (baseline)", parse),
                ("raw executemany (baseline)", raw),
                ("import", done),
            ):
                peak_text = f"{peak:9.1f}" if peak is not None else f"{'-':>9}"
                ratio = f"{seconds / parse[0]:9.1f}{seconds / raw[0]:7.1f}"
                print(f"{size:>8}  {what:<26}{seconds:9.1f}{size / seconds:10,.0f}{peak_text}{rss:9.1f}{ratio}")
            print(
                f"{'':>8}  created {summary.organisations_created:,} organisations and "
                f"{summary.partnerships_created:,} partnerships"
            )
    if trace and len(peaks) > 1:
        sizes = sorted(peaks)
        small, large = peaks[sizes[0]], peaks[sizes[-1]]
        print(
            f"import peak memory: {small:.1f} MB at {sizes[0]:,} rows, {large:.1f} MB at {sizes[-1]:,} rows "
            f"(x{large / small:.2f} for x{sizes[-1] / sizes[0]:.0f} the rows): "
            + ("flat" if large < small * 1.5 else "NOT flat")
        )


if __name__ == "__main__":
    main()
