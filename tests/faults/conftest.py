"""Fixtures of the fault-injection tests: a PostgreSQL cluster of their own, real processes, a real SMTP server.

These tests always run against the throwaway cluster of ``tests/faults/pgcluster.py``, whatever
``AGREEMENTS_TEST_DATABASE_URL`` says: they restart PostgreSQL, which must never touch the shared server.
Every child process writes its output to a file (no pipe to fill up) and is killed in ``finally``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.db import make_engine, unit_of_work
from app.reminders.email import message_id_for
from app.reminders.models import Reminder, ReminderKind
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from tests.builders import SET_UP, cast, draft_agreement
from tests.faults.pgcluster import PgCluster
from tests.reminders.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
SENDER = "alerts@faults.example.org"
AGREEMENTS = [sys.executable, "-m", "app.cli"]
_numbers = itertools.count(1)


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.1) -> object:
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def pgcluster() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL cluster for the whole run (initdb once); removed at the end."""
    cluster = PgCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@dataclass
class FaultDatabase:
    """A database of one test on the throwaway cluster."""

    url: str
    engine: Engine
    factory: sessionmaker[Session]


@pytest.fixture
def fault_db(pgcluster: PgCluster) -> Iterator[FaultDatabase]:
    """A new, empty database on the throwaway cluster (not migrated), dropped afterwards."""
    name = f"faults_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pgcluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(pgcluster.url_of(name))
    try:
        yield FaultDatabase(pgcluster.url_of(name), engine, sessionmaker(bind=engine, expire_on_commit=False))
    finally:
        engine.dispose()
        if not pgcluster.running():
            pgcluster.start()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class World:
    """A migrated database with one agreement to remind about and an admin's API token."""

    db: FaultDatabase
    agreement_id: int
    partnership_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def add_due_reminders(self, count: int, tag: str) -> list[str]:
        """Insert ``count`` reminders due a minute ago (one series each); returns their Message-IDs."""
        send_at = datetime.now(UTC) - timedelta(minutes=1)
        rows = []
        for n in range(count):
            email = f"{tag}-{n}@example.org"
            rows.append(
                {
                    "dedupe_key": f"agreement:{self.agreement_id}:end_date:2027-03-01:{email}",
                    "series": f"agreement:{self.agreement_id}:end_date:{email}",
                    "subject_type": "agreement",
                    "subject_id": self.agreement_id,
                    "partnership_id": self.partnership_id,
                    "kind": ReminderKind.END_DATE,
                    "due_on": date(2027, 3, 31),
                    "offset_days": 30,
                    "send_at": send_at,
                    "recipient_email": email,
                }
            )
        with unit_of_work(self.db.factory) as session:
            session.execute(insert(Reminder), rows)
        return [message_id_for(row["dedupe_key"], SENDER) for row in rows]

    def counts(self) -> dict[str, int]:
        """Reminders by status."""
        with self.db.factory() as session:
            rows = session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all()
            return {str(status): count for status, count in rows}

    def reminders(self) -> list[Reminder]:
        with self.db.factory() as session:
            return list(session.scalars(select(Reminder).order_by(Reminder.id)))


@pytest.fixture
def world(fault_db: FaultDatabase) -> World:
    """The database migrated to head, with users, a draft agreement and an admin token (no reminders yet)."""
    migrate.upgrade(fault_db.url)
    with unit_of_work(fault_db.factory) as session:

        def make_user(*roles: Role):
            email = f"faults{next(_numbers)}@example.org"
            return create_user(
                session, UserCreate(email=email, full_name="Fault Tester", roles=list(roles)), actor=SET_UP
            )

        agreement = draft_agreement(session, cast(make_user))
        admin = make_user(Role.ADMIN)
        _, secret = create_token(session, admin, "faults")
        session.flush()
        ids = agreement.id, agreement.partnership_id
    with unit_of_work(fault_db.factory) as session:  # only the test's own reminders are in the outbox
        session.execute(Reminder.__table__.delete())
    return World(fault_db, ids[0], ids[1], secret)


@pytest.fixture
def mail() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


class SilentSmtp:
    """A TCP server that accepts connections and never says a word: an SMTP server that hangs."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.accepted = 0
        self._sockets: list[socket.socket] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._sockets.append(connection)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._listener.close()
        for connection in self._sockets:
            connection.close()


# real processes ----------------------------------------------------------------------------------------------


class Processes:
    """``agreements serve`` and ``agreements worker`` processes of one test; all killed at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def env(self, url: str, smtp_port: int, **settings: object) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGREEMENTS_")}
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "AGREEMENTS_DATABASE_URL": url,
                "AGREEMENTS_SCHEDULER_ENABLED": "false",
                "AGREEMENTS_SMTP_HOST": "127.0.0.1",
                "AGREEMENTS_SMTP_PORT": str(smtp_port),
                "AGREEMENTS_SMTP_SENDER": SENDER,
                "AGREEMENTS_SMTP_TIMEOUT_SECONDS": "2",
                "AGREEMENTS_DISPATCH_INTERVAL_SECONDS": "0.5",
                "AGREEMENTS_DISPATCH_LEASE_SECONDS": "10",
                "AGREEMENTS_DISPATCH_RETRY_BASE_SECONDS": "1",
                "AGREEMENTS_DISPATCH_MAX_ATTEMPTS": "20",
                "AGREEMENTS_LOG_LEVEL": "WARNING",
            }
        )
        env.update({f"AGREEMENTS_{key.upper()}": str(value) for key, value in settings.items()})
        return env

    def _start(self, args: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        log = self.directory / f"{name}-{len(self.started)}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*AGREEMENTS, *args], env=env, cwd=self.directory, stdout=output, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        self.started.append((process, log))
        return process

    def worker(self, url: str, smtp_port: int, **settings: object) -> subprocess.Popen[bytes]:
        return self._start(["worker"], self.env(url, smtp_port, **settings), "worker")

    def serve(self, url: str, smtp_port: int = 25, **settings: object) -> str:
        """Start ``agreements serve`` on a free port and wait for ``/healthz``; returns its base URL."""
        port = free_port()
        process = self._start(["serve", "--port", str(port)], self.env(url, smtp_port, **settings), "serve")
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"serve exited with {process.returncode}: {self.output(process)}")
            try:
                return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, 60, f"{base}/healthz")
        return base

    def output(self, process: subprocess.Popen[bytes]) -> str:
        for started, log in self.started:
            if started is process:
                return log.read_text(errors="replace")[-4000:]
        return ""

    def assert_alive(self) -> None:
        for process, log in self.started:
            if process.poll() is not None and process.returncode != -signal.SIGKILL:
                raise AssertionError(f"{process.args} exited with {process.returncode}: {log.read_text()[-4000:]}")

    def kill_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.kill()
        for process, _ in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(15)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.kill_all()
