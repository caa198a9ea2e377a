"""Benchmark: password sign-in under attack, through the HTTP API, on a database of its own.

Usage: python bench/bench_sign_in.py [--url DATABASE_URL] [--rounds 15] [--threads 20]

Prints:
- timing: the median time of a failed sign-in for an unknown e-mail, a known account with a wrong password and
  a deactivated account, and their ratio (an enumeration oracle when far from 1);
- concurrency: how many of ``--threads`` simultaneous wrong passwords for one account (each from its own
  address) were checked (401) rather than refused (429);
- lock-out: how long the real user, from their own address, waits after an attacker failed 50 times from
  another address; and, while an attacker keeps failing once a second from ever new addresses for an hour of
  simulated time, when the real user first gets in (from an address they signed in from before, and from a
  new one).

Time is simulated with ``app.clock.frozen_at`` for the throttling figures; the timing figures are wall clock.
``--url`` names a PostgreSQL server database to create a scratch database beside; default: an SQLite file.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import clock, migrate  # noqa: E402
from app.api.app import create_app  # noqa: E402
from app.config import load_settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.users.models import Role  # noqa: E402
from app.users.schemas import UserCreate  # noqa: E402
from app.users.service import create_user, set_active  # noqa: E402
from app.workflow.actor import Actor  # noqa: E402

PASSWORD = "correct horse battery staple"
TOKEN = "/api/v1/auth/token"
START = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    if not url:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'bench.db'}"
        return
    name = f"bench_sign_in_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Site:
    """The application over a migrated database, with a client per source address."""

    def __init__(self, url: str) -> None:
        migrate.upgrade(url)
        self.engine = make_engine(url)
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.app = create_app(load_settings(database_url=url), self.factory)

    def user(self, email: str, active: bool = True) -> None:
        with self.factory() as session:
            user = create_user(
                session,
                UserCreate(email=email, full_name="Bench", roles=[Role.VIEWER], password=PASSWORD),
                actor=Actor.system(reason="benchmark set-up"),
            )
            if not active:
                set_active(session, user, False)
            session.commit()

    def post(self, address: str, email: str, password: str) -> tuple[int, int]:
        """The status and Retry-After (0 when absent) of one sign-in from ``address``."""
        client = TestClient(self.app, raise_server_exceptions=False, client=(address, 40000))
        response = client.post(TOKEN, json={"email": email, "password": password})
        return response.status_code, int(response.headers.get("retry-after", 0))


def _timing(site: Site, rounds: int) -> None:
    for n in range(rounds):
        site.user(f"known{n}@bench.example")
        site.user(f"inactive{n}@bench.example", active=False)
    figures: dict[str, list[float]] = {"unknown": [], "known, wrong password": [], "deactivated": []}
    for n in range(rounds):
        with clock.frozen_at(START + timedelta(hours=n)):  # an hour apart: never throttled
            for label, email in (
                ("unknown", f"nobody{n}@bench.example"),
                ("known, wrong password", f"known{n}@bench.example"),
                ("deactivated", f"inactive{n}@bench.example"),
            ):
                started = time.perf_counter()
                status, _ = site.post(f"192.0.2.{n + 1}", email, "not the password")
                figures[label].append((time.perf_counter() - started) * 1000)
                assert status == 401, (label, status)
    medians = {label: statistics.median(values) for label, values in figures.items()}
    print(f"timing ({rounds} rounds, median ms):")
    for label, value in medians.items():
        print(f"  {label:<24} {value:8.1f} ms")
    print(f"  ratio known / unknown    {medians['known, wrong password'] / medians['unknown']:8.2f}")


def _concurrency(site: Site, threads: int) -> None:
    site.user("raced@bench.example")
    barrier = threading.Barrier(threads)
    statuses: list[int] = [0] * threads

    def attempt(index: int) -> None:
        barrier.wait(30)
        statuses[index] = site.post(f"198.18.0.{index + 1}", "raced@bench.example", "wrong")[0]

    with clock.frozen_at(START + timedelta(days=2)):
        workers = [threading.Thread(target=attempt, args=(index,)) for index in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
    checked, refused = statuses.count(401), statuses.count(429)
    print(f"concurrency: {threads} wrong passwords at once, limit 5 -> {checked} checked (401), {refused} refused")


def _wait_after_burst(site: Site) -> None:
    site.user("victim@bench.example")
    at = START + timedelta(days=3)
    for _ in range(50):
        with clock.frozen_at(at):
            site.post("203.0.113.66", "victim@bench.example", "guess")
        at += timedelta(seconds=1)
    waited = 0
    while True:
        with clock.frozen_at(at + timedelta(seconds=waited)):
            status, retry_after = site.post("198.51.100.7", "victim@bench.example", PASSWORD)
        if status == 201:
            break
        waited += max(retry_after, 1)
    print(f"lock-out: after 50 failures from another address the real user waited {waited} s")


def _persistent_attacker(site: Site) -> None:
    site.user("target@bench.example")
    start = START + timedelta(days=5)
    with clock.frozen_at(start - timedelta(days=1)):
        assert site.post("198.51.100.8", "target@bench.example", PASSWORD)[0] == 201  # the user's usual address
    first: dict[str, int | None] = {"usual address": None, "new address": None}
    for second in range(3600):
        with clock.frozen_at(start + timedelta(seconds=second)):
            site.post(f"10.{second // 65536}.{second // 256 % 256}.{second % 256}", "target@bench.example", "guess")
            if second >= 60 and second % 10 == 0:  # the attack is under way when the user comes
                for label, address in (("usual address", "198.51.100.8"), ("new address", "198.51.100.9")):
                    if first[label] is None and site.post(address, "target@bench.example", PASSWORD)[0] == 201:
                        first[label] = second - 60
        if all(value is not None for value in first.values()):
            break
    print("persistent attacker (1 failure/s from new addresses; the user tries every 10 s from 60 s; 1 h simulated):")
    for label, value in first.items():
        print(f"  from the {label:<14} " + (f"in after {value} s" if value is not None else "never got in"))


def main() -> None:
    """Run every figure on one scratch database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL database URL on the server to use (default: SQLite)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()
    logging.getLogger("app").setLevel(logging.ERROR)  # the burst alerts' warnings would drown the figures
    with _database(args.url) as url:
        site = Site(url)
        print(f"backend: {site.engine.dialect.name}")
        try:
            _timing(site, args.rounds)
            _concurrency(site, args.threads)
            _wait_after_burst(site)
            _persistent_attacker(site)
        finally:
            site.engine.dispose()


if __name__ == "__main__":
    main()
