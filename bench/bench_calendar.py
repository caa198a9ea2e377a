"""Benchmark: a calendar feed for a user responsible for thousands of deadlines, beside two baselines.

Usage: python bench/bench_calendar.py [--database-url URL] [--agreements 2000 5000] [--repeat 5]
For each size, fills a scratch database (SQLite file by default; a PostgreSQL server URL makes a scratch database
there, dropped afterwards) with one user owning that many partnerships, each with an agreement in force (an end
date and a notice deadline), a one-off obligation and a quarterly one (the current occurrence and those of the next
year). Prints, in ms (median and p95 of ``--repeat`` runs after a warm-up):
- ``feed``: the whole feed, ``user_feed`` (three queries, then the iCalendar text);
- ``rows only``: the same three queries alone, their rows fetched and nothing built (the floor);
- ``per deadline``: what building it one deadline at a time would cost, the reminders' way (``deadline_of``'s
  ``session.get`` per agreement and obligation), timed on a sample of 200 deadlines and scaled to all of them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import clock, migrate
from app.agreements.models import Agreement, AgreementKind
from app.calendars import feed
from app.config import get_settings
from app.db import make_engine
from app.obligations.models import Obligation, Recurrence
from app.partnerships.models import Partnership
from app.rules import register_all
from app.users.models import User
from app.workflow.definition import load_all


def timings(repeat: int, action: Callable[[], Any]) -> dict[str, float]:
    """Median and p95 of ``repeat`` runs in ms, after one warm-up run."""
    action()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    return {"median": statistics.median(runs), "p95": runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]}


def fill(session: Session, size: int) -> User:
    """One user owning ``size`` partnerships, each with an active agreement and two open obligations."""
    now = datetime.now(UTC)
    today = clock.today(get_settings().zone)
    user = User(email="owner@example.org", full_name="Owner", is_active=True)
    session.add(user)
    session.flush()
    session.execute(
        insert(Partnership),
        [
            {"id": n, "reference": f"PA-B-{n:06d}", "title": f"Partnership {n}", "stage": "formal",
             "owner_id": user.id, "created_at": now, "updated_at": now, "version": 1}
            for n in range(1, size + 1)
        ],
    )  # fmt: skip
    session.execute(
        insert(Agreement),
        [
            {"id": n, "partnership_id": n, "kind": AgreementKind.MOU, "title": f"MOU {n}", "reference": f"MOU-{n:06d}",
             "status": "active", "effective_date": today - timedelta(days=30),
             "end_date": today + timedelta(days=200 + n % 500), "notice_period_days": 30, "languages": ["en"],
             "created_at": now, "updated_at": now, "version": 3}
            for n in range(1, size + 1)
        ],
    )  # fmt: skip
    obligations = []
    for n in range(1, size + 1):
        common = {"agreement_id": n, "status": "open", "created_at": now, "updated_at": now, "version": 1,
                  "survives_termination": False}  # fmt: skip
        obligations.append({**common, "description": f"Final report {n}", "due_date": today + timedelta(days=n % 180)})
        obligations.append(
            {**common, "description": f"Quarterly report {n}", "due_date": today + timedelta(days=n % 90),
             "recurrence": Recurrence.QUARTERLY}
        )  # fmt: skip
    session.execute(insert(Obligation), obligations)
    session.commit()
    return user


def rows_only(session: Session, user: User) -> int:
    """The feed's three queries, their rows fetched and nothing built."""
    mine = feed.responsible_partnerships(user)
    partnerships = session.scalars(mine).all()
    agreements = session.execute(
        select(Agreement.id, Agreement.parent_id, Agreement.kind, Agreement.end_date, Agreement.version)
        .where(Agreement.partnership_id.in_(mine))
    ).all()  # fmt: skip
    obligations = session.execute(
        select(Obligation.id, Obligation.due_date, Obligation.version).where(
            Obligation.agreement_id.in_(select(Agreement.id).where(Agreement.partnership_id.in_(mine)))
        )
    ).all()
    return len(partnerships) + len(agreements) + len(obligations)


def per_deadline(session: Session, sample: list[tuple[str, int]]) -> None:
    """One lookup per deadline, as each reminder's ``deadline_of`` does (the chain read row by row)."""
    session.expire_all()
    for kind, identifier in sample:
        if kind == "obligation":
            session.get(Obligation, identifier)
            continue
        agreement = session.get(Agreement, identifier)
        while agreement is not None and agreement.parent_id is not None:
            agreement = session.get(Agreement, agreement.parent_id)


def run(url: str, size: int, repeat: int) -> dict[str, Any]:
    """Fill a scratch database at ``url`` with ``size`` agreements and time the three measures."""
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = fill(session, size)
            events = len(feed.user_events(session, user))
            body = feed.user_feed(session, user)
            assert body.count(b"BEGIN:VEVENT") == events
            result = {
                "agreements": size,
                "events": events,
                "feed_bytes": len(body),
                "feed": timings(repeat, lambda: feed.user_feed(session, user)),
                "rows only": timings(repeat, lambda: rows_only(session, user)),
            }
            sample = [("agreement", n) for n in range(1, 101)] + [("obligation", n) for n in range(1, 101)]
            one = timings(repeat, lambda: per_deadline(session, sample))
            scale = events / len(sample)
            result["per deadline"] = {key: value * scale for key, value in one.items()}
            return result
    finally:
        engine.dispose()


def scratch(base: str | None, directory: Path) -> tuple[str, Callable[[], None]]:
    """A new empty database (SQLite file, or on the PostgreSQL server of ``base``) and how to drop it."""
    if not base or base.startswith("sqlite"):
        return f"sqlite:///{directory / f'calendar-{uuid.uuid4().hex[:8]}.db'}", lambda: None
    name = f"agreements_bench_calendar_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: SQLite files)")
    parser.add_argument("--agreements", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    register_all()
    load_all()
    print(f"{'agreements':>10} {'events':>7} {'KiB':>6} | {'measure':<13} {'median ms':>10} {'p95 ms':>9} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as directory:
        for size in args.agreements:
            url, drop = scratch(args.database_url, Path(directory))
            try:
                result = run(url, size, args.repeat)
            finally:
                drop()
            floor = result["rows only"]["median"]
            for measure in ("feed", "rows only", "per deadline"):
                numbers = result[measure]
                print(
                    f"{result['agreements']:>10} {result['events']:>7} {result['feed_bytes'] // 1024:>6} | "
                    f"{measure:<13} {numbers['median']:>10.1f} {numbers['p95']:>9.1f} {numbers['median'] / floor:>6.1f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
