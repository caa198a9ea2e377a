"""Benchmark: reminder dispatch throughput vs a bare smtplib loop, and finding due reminders among a million rows.

Usage: python bench/bench_dispatch.py [--url DATABASE_URL] [--count 2000] [--workers 1] [--rows 1000000]
       [--rounds 5] [--distinct] [--profile N]

Both throughput figures come from the same run against the same local aiosmtpd server: the dispatcher
(claim a batch, build its emails from the database, send them over one connection, record each outcome) and a
bare smtplib loop sending equivalent, pre-built messages over one connection; they alternate for ``--rounds``
rounds and the median of the rounds' ratios is printed (``dispatch / bare``; the target of issue 20 is 0.7 or more).
``--distinct`` makes every reminder about its own agreement, so that no e-mail is composed once for several
recipients; ``--profile N`` prints the top N costs of the first dispatch round (cProfile); ``--rows 0`` skips
the claim-query part. Without ``--url`` the database is
a temporary SQLite file. With a PostgreSQL ``--url`` a fresh scratch database is created on that server
(migrated with ``app.migrate.upgrade``, dropped afterwards), and ``--rows`` reminder rows are inserted with
``INSERT … SELECT generate_series`` to time the claim query and show its ``EXPLAIN`` plan.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import smtplib
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.config import load_settings
from app.db import make_engine
from app.models import Agreement, Organisation, Partnership, Reminder, User
from app.reminders.claims import claim_due, skip_missed
from app.reminders.dispatcher import dispatch_once
from app.reminders.email import build_message, load_context
from app.rules import register_all

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class _Counter:
    """An SMTP handler that counts what it accepts."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, _server, _session, _envelope) -> str:
        self.count += 1
        await asyncio.sleep(0)
        return "250 OK"


@contextmanager
def _smtp_server() -> Iterator[tuple[int, _Counter]]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    """A fresh migrated database: a temporary SQLite file, or a scratch database on the given PostgreSQL server."""
    if not url or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as directory:
            scratch = f"sqlite:///{Path(directory) / 'bench.db'}"
            migrate.upgrade(scratch)
            yield scratch
        return
    name = f"agreements_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(scratch)
        yield scratch
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _subject(session: Session) -> tuple[int, int]:
    """One user, organisation, partnership and agreement for the reminders to be about; their ids."""
    now = datetime.now(UTC)
    user_id = session.execute(
        insert(User).values(email="bench@example.org", full_name="Bench", created_at=now).returning(User.id)
    ).scalar_one()
    session.execute(
        insert(Organisation).values(
            legal_name="Bench & Co", kind="national_cso", country_code="KE", created_at=now, updated_at=now, version=1
        )
    )
    partnership_id = session.execute(
        insert(Partnership)
        .values(
            reference="PA-2026-9999",
            title="Water & sanitation",
            stage="formalising",
            owner_id=user_id,
            handles_personal_data=False,
            created_at=now,
            updated_at=now,
            version=1,
        )
        .returning(Partnership.id)
    ).scalar_one()
    agreement_id = session.execute(
        insert(Agreement)
        .values(
            partnership_id=partnership_id,
            kind="mou",
            title="MOU on water",
            status="active",
            end_date=date(2027, 3, 31),
            notice_period_days=30,
            created_at=now,
            updated_at=now,
            version=1,
        )
        .returning(Agreement.id)
    ).scalar_one()
    session.commit()
    return partnership_id, agreement_id


def _due_rows(partnership_id: int, agreement_id: int, count: int, prefix: str) -> list[dict]:
    return [
        {
            "dedupe_key": f"agreement:{agreement_id}:end_date:2027-03-01:{prefix}{n}@example.org",
            "series": f"agreement:{agreement_id}:end_date:{prefix}{n}@example.org",
            "subject_type": "agreement",
            "subject_id": agreement_id,
            "partnership_id": partnership_id,
            "kind": "end_date",
            "due_on": date(2027, 3, 31),
            "offset_days": 30,
            "send_at": NOW - timedelta(minutes=1),
            "recipient_email": f"{prefix}{n}@example.org",
        }
        for n in range(count)
    ]


def _distinct_agreements(session: Session, partnership_id: int, count: int) -> list[int]:
    """``count`` agreements of one partnership, each with its own title: no two reminders share their words."""
    now = datetime.now(UTC)
    values = [
        {"partnership_id": partnership_id, "kind": "mou", "title": f"MOU on water, part {n}", "status": "active",
         "end_date": date(2027, 3, 31), "notice_period_days": 30, "created_at": now, "updated_at": now, "version": 1}
        for n in range(count)
    ]  # fmt: skip
    ids = list(session.scalars(insert(Agreement).returning(Agreement.id), values))
    session.commit()
    return ids


def _replan(factory: sessionmaker[Session]) -> None:
    """Every reminder planned and due again, as before the first round."""
    with factory() as session:
        session.execute(
            update(Reminder).values(
                status="planned", sent_at=None, message_id=None, claimed_by=None, claimed_at=None, attempts=0
            )
        )
        session.commit()
    if factory.kw["bind"].dialect.name == "postgresql":  # the previous round's dead rows gone, as in a live outbox
        with factory.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE reminders"))


def throughput(
    url: str, count: int, workers: int, profile: int = 0, rounds: int = 5, distinct: bool = False
) -> list[tuple[str, str]]:
    """Reminders per second: the dispatcher vs a bare smtplib loop sending the same messages to the same server.

    The two alternate for ``rounds`` rounds; the median rate of each is reported, and the median of the rounds'
    ratios (a dispatch and the bare loop right after it share the machine's load at that moment). With
    ``distinct`` every reminder is about its own agreement: no e-mail's words recur, nothing is composed once for
    several recipients (the dispatcher's worst case).
    """
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session:
        partnership_id, agreement_id = _subject(session)
        rows_ = _due_rows(partnership_id, agreement_id, count, "person")
        if distinct:
            for row, subject in zip(rows_, _distinct_agreements(session, partnership_id, count), strict=True):
                row["subject_id"] = subject
                row["dedupe_key"] = row["dedupe_key"].replace(f":{agreement_id}:", f":{subject}:")
                row["series"] = row["series"].replace(f":{agreement_id}:", f":{subject}:")
        session.execute(insert(Reminder), rows_)
        session.commit()
    rows: list[tuple[str, str]] = []
    dispatch_times: list[float] = []
    bare_times: list[float] = []
    with _smtp_server() as (port, handler):
        settings = load_settings(database_url=url, smtp_port=port, smtp_sender="agreements@example.org")

        def work(name: str) -> None:
            while dispatch_once(factory, settings, worker_id=name, now=NOW).claimed:
                pass

        with factory() as session:
            reminders = list(session.scalars(select(Reminder).order_by(Reminder.id)))
            contexts = {r.subject_id: load_context(session, r, settings) for r in reminders}
            started = time.perf_counter()
            messages = [build_message(r, contexts[r.subject_id], settings, NOW) for r in reminders]
            build_seconds = time.perf_counter() - started

        for round_ in range(rounds):
            if round_:
                _replan(factory)
            handler.count = 0
            profiler = cProfile.Profile() if profile and not round_ else None
            started = time.perf_counter()
            if profiler is not None:  # one worker in this thread, so that the profile sees it
                profiler.enable()
                work("bench-0")
                profiler.disable()
            else:
                threads = [threading.Thread(target=work, args=(f"bench-{n}",)) for n in range(workers)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            dispatch_times.append(time.perf_counter() - started)
            if profiler is not None:
                print(f"cProfile of the dispatch (top {profile} by own time, then by cumulative time)")
                pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
            assert handler.count == count, (handler.count, count)

            handler.count = 0
            started = time.perf_counter()
            client = smtplib.SMTP("127.0.0.1", port, timeout=30)
            for message in messages:
                client.send_message(message)
            client.quit()
            bare_times.append(time.perf_counter() - started)
            assert handler.count == count
    engine.dispose()
    dispatch_seconds, bare_seconds = statistics.median(dispatch_times), statistics.median(bare_times)
    words = "every e-mail its own words" if distinct else "one agreement, 1 recipient each"
    rows.append((f"dispatch_once, {workers} worker(s), {count} reminders", f"{count / dispatch_seconds:,.0f} /s"))
    rows.append(("bare smtplib loop, pre-built equivalent messages", f"{count / bare_seconds:,.0f} /s"))
    # each round's dispatch and bare loop ran back to back, under the same load: the median of their ratios
    ratio = statistics.median(bare / dispatched for bare, dispatched in zip(bare_times, dispatch_times, strict=True))
    rows.append((f"dispatch / bare (target >= 0.70), {words}", f"{ratio:.2f}x"))
    rows.append((f"median of {rounds} alternating rounds; each round (dispatch /s)",
                 " ".join(f"{count / t:,.0f}" for t in dispatch_times)))  # fmt: skip
    rows.append(("each round (bare /s)", " ".join(f"{count / t:,.0f}" for t in bare_times)))
    rows.append(("building the messages alone, no cache (templates, .ics)", f"{count / build_seconds:,.0f} /s"))
    return rows


def million(url: str, rows_count: int) -> tuple[list[tuple[str, str]], str]:
    """Insert ``rows_count`` reminders on PostgreSQL and time finding the due ones; rows of figures and the plan."""
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session:
        partnership_id, agreement_id = _subject(session)
    # 1 in 1,000 due now; most others sent long ago or planned for the years ahead, as in a live outbox.
    fill = text(
        """
        INSERT INTO reminders (dedupe_key, series, subject_type, subject_id, partnership_id, kind, due_on,
                               offset_days, send_at, recipient_email, status, attempts, created_at, updated_at,
                               sent_at, message_id)
        SELECT :key_prefix || n || '.p' || n || '@example.org',
               :series_prefix || 'p' || n || '@example.org',
               'agreement', :agreement, :partnership, 'end_date', DATE '2027-03-31', 30,
               CASE WHEN n % 1000 = 0 THEN CAST(:now AS timestamptz) - interval '1 minute'
                    WHEN n % 2 = 0 THEN CAST(:now AS timestamptz) - (n % 700) * interval '1 day'
                    ELSE CAST(:now AS timestamptz) + (1 + n % 900) * interval '1 day' END,
               'p' || n || '@example.org',
               CASE WHEN n % 1000 = 0 THEN 'planned' WHEN n % 2 = 0 THEN 'sent' ELSE 'planned' END,
               0, CAST(:now AS timestamptz), CAST(:now AS timestamptz),
               CASE WHEN n % 2 = 0 AND n % 1000 <> 0 THEN CAST(:now AS timestamptz) END,
               NULL
        FROM generate_series(1, :rows) AS n
        """
    )
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            fill,
            {
                "agreement": agreement_id,
                "partnership": partnership_id,
                "now": NOW,
                "rows": rows_count,
                "key_prefix": f"agreement:{agreement_id}:end_date:",
                "series_prefix": f"agreement:{agreement_id}:end_date:",
            },
        )
    insert_seconds = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE reminders"))
    claim_sql = (
        "SELECT id FROM reminders WHERE status = 'planned' AND send_at <= :now "
        "ORDER BY send_at, id LIMIT 50 FOR UPDATE SKIP LOCKED"
    )
    query_times, claim_times, skip_times = [], [], []
    for _ in range(10):
        with factory() as session:
            started = time.perf_counter()
            session.execute(text(claim_sql), {"now": NOW}).all()
            query_times.append(time.perf_counter() - started)
            session.rollback()
            started = time.perf_counter()
            skip_missed(session, NOW)
            skip_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            claimed = claim_due(session, "bench", NOW, 50)
            claim_times.append(time.perf_counter() - started)
            assert len(claimed) == 50
            session.rollback()
    with engine.connect() as connection:
        plan = "\n".join(
            row[0]
            for row in connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {claim_sql}"), {"now": NOW})
        )
        connection.rollback()
    engine.dispose()
    figures = [
        (f"insert {rows_count:,} reminders (INSERT … SELECT generate_series)", f"{insert_seconds:.1f} s"),
        (
            "claim query alone (50 due of ~1,000 among all), median of 10",
            f"{statistics.median(query_times) * 1000:.2f} ms",
        ),
        ("skip_missed (catch-up UPDATE), median of 10", f"{statistics.median(skip_times) * 1000:.2f} ms"),
        ("claim_due (reclaim + claim + mark 50), median of 10", f"{statistics.median(claim_times) * 1000:.2f} ms"),
    ]
    return figures, plan


def _table(rows: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value:>12}" for name, value in rows)


def main() -> None:
    """Run the benchmark and print its table."""
    register_all()  # as start-up does: every domain's workflow rules
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL URL of a server on which a scratch database may be created")
    parser.add_argument("--count", type=int, default=2000, help="reminders to dispatch")
    parser.add_argument("--workers", type=int, default=1, help="dispatchers running at once (threads)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of dispatch and bare loop")
    parser.add_argument("--distinct", action="store_true", help="every reminder about its own agreement (no reuse)")
    parser.add_argument("--profile", type=int, default=0, help="print the top N costs of the dispatch (cProfile)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="reminder rows for the claim query (PostgreSQL)")
    args = parser.parse_args()

    with _database(args.url) as url:
        backend = make_url(url).get_backend_name()
        print(f"Dispatch throughput on {backend}, local aiosmtpd server")
        print(_table(throughput(url, args.count, args.workers, args.profile, args.rounds, args.distinct)))
    if args.url and args.url.startswith("postgresql") and args.rows:
        with _database(args.url) as url:
            figures, plan = million(url, args.rows)
            print(f"\nFinding due reminders among {args.rows:,} rows on postgresql")
            print(_table(figures))
            print("\nEXPLAIN of the claim query:")
            print(plan)


if __name__ == "__main__":
    main()
