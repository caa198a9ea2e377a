"""``agreements serve`` and ``agreements worker`` stopped by SIGTERM (``systemctl stop``), as real processes.

The server finishes the request in flight and exits 0; the worker finishes and records the e-mail being sent,
hands the rest of its batch back untouched and exits 0, and the restarted worker sends every reminder once (a real
SMTP server on loopback counts them). Every line either process writes is one JSON object.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import sessionmaker

from app.db import make_engine, unit_of_work
from app.monitoring.models import SchedulerHeartbeat
from app.organisations.models import Organisation
from app.reminders.email import message_id_for
from app.reminders.models import Reminder, ReminderKind
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from tests.builders import SET_UP, cast, draft_agreement
from tests.reminders.smtp import SmtpServer, free_port
from tests.support import migrated_scratch_database

ROOT = Path(__file__).resolve().parents[2]
AGREEMENTS = [sys.executable, "-m", "app.cli"]
SENDER = "alerts@graceful.example.org"
_numbers = itertools.count(1)


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``condition`` until it is truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
    return result


class Started:
    """Processes of one test, each writing standard output and error to its own file; killed at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, args: list[str], url: str, **settings: object) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGREEMENTS_")}
        env |= {
            "PYTHONPATH": str(ROOT),
            "AGREEMENTS_DATABASE_URL": url,
            "AGREEMENTS_LOG_FORMAT": "json",
            "AGREEMENTS_LOG_LEVEL": "INFO",
            "AGREEMENTS_SMTP_SENDER": SENDER,
            "AGREEMENTS_SMTP_TIMEOUT_SECONDS": "10",
            "AGREEMENTS_DISPATCH_INTERVAL_SECONDS": "0.5",
        }
        env |= {f"AGREEMENTS_{key.upper()}": str(value) for key, value in settings.items()}
        log = self.directory / f"{args[0]}-{len(self.processes)}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*AGREEMENTS, *args], env=env, cwd=self.directory, stdout=output, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        self.processes.append((process, log))
        return process

    def lines(self, process: subprocess.Popen[bytes]) -> list[dict]:
        """Every line the process wrote, each parsed as one JSON object with the fields a shipper relies on."""
        text = next(log for started, log in self.processes if started is process).read_text()
        documents = []
        for line in text.splitlines():
            try:
                document = json.loads(line)
            except ValueError:
                raise AssertionError(f"not a JSON line: {line!r}\n{text[-3000:]}") from None
            assert {"ts", "level", "logger", "message"} <= set(document), line
            documents.append(document)
        return documents

    def kill_all(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(15)


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Started]:
    processes = Started(tmp_path)
    try:
        yield processes
    finally:
        processes.kill_all()


class World:
    """A migrated scratch database with a draft agreement to remind about and an admin's API token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        with unit_of_work(self.factory) as session:

            def make_user(*roles: Role):
                email = f"graceful{next(_numbers)}@example.org"
                return create_user(
                    session, UserCreate(email=email, full_name="Graceful", roles=list(roles)), actor=SET_UP
                )

            agreement = draft_agreement(session, cast(make_user))
            _, self.token = create_token(session, make_user(Role.ADMIN), "graceful")
            session.flush()
            self.agreement_id, self.partnership_id = agreement.id, agreement.partnership_id
        with unit_of_work(self.factory) as session:
            session.execute(Reminder.__table__.delete())

    def add_due_reminders(self, count: int) -> list[str]:
        """``count`` reminders due a minute ago; their Message-IDs."""
        rows = [
            {
                "dedupe_key": f"agreement:{self.agreement_id}:end_date:2027-03-01:graceful-{n}@example.org",
                "series": f"agreement:{self.agreement_id}:end_date:graceful-{n}@example.org",
                "subject_type": "agreement",
                "subject_id": self.agreement_id,
                "partnership_id": self.partnership_id,
                "kind": ReminderKind.END_DATE,
                "due_on": date(2027, 3, 31),
                "offset_days": 30,
                "send_at": datetime.now(UTC) - timedelta(minutes=1),
                "recipient_email": f"graceful-{n}@example.org",
            }
            for n in range(count)
        ]
        with unit_of_work(self.factory) as session:
            session.execute(insert(Reminder), rows)
        return [message_id_for(row["dedupe_key"], SENDER) for row in rows]

    def counts(self) -> dict[str, int]:
        with self.factory() as session:
            rows = session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all()
            return {str(status): count for status, count in rows}

    def heartbeats(self) -> list[str]:
        """The role of each scheduler that has a heartbeat."""
        with self.factory() as session:
            return list(session.scalars(select(SchedulerHeartbeat.role)))

    def attempts(self) -> int:
        with self.factory() as session:
            return session.scalar(select(func.coalesce(func.sum(Reminder.attempts), 0))) or 0


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    with migrated_scratch_database(database_url, tmp_path) as url:
        made = World(url)
        try:
            yield made
        finally:
            made.engine.dispose()


def test_a_worker_stopped_mid_dispatch_finishes_the_message_in_flight_and_nothing_goes_out_twice(world, started):
    count = 12
    expected = world.add_due_reminders(count)
    mail = SmtpServer().start()
    try:
        mail.delay = 1.5  # each message takes a while: SIGTERM lands while one is being sent
        settings = {"smtp_port": mail.port, "smtp_host": "127.0.0.1", "dispatch_batch_size": count}
        worker = started.start(["worker"], world.url, **settings)
        wait_for(lambda: len(mail.received) >= 2, 60, "the worker to deliver its first reminders")
        assert world.heartbeats() == ["worker"], "the worker's first jobs finished: it beats"
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)  # a second SIGTERM (an impatient operator) waits on as well
        assert worker.wait(30) == 0, started.lines(worker)[-5:]
        delivered = len(mail.received)
        assert 2 <= delivered < count, "the worker stopped in the middle of its batch"
        # The message in flight was accepted and recorded; the rest went back to the outbox untouched.
        assert world.counts() == {"sent": delivered, "planned": count - delivered}
        assert world.attempts() == 0, "handing claims back is not a failed attempt"
        assert world.heartbeats() == [], "a graceful stop removes the worker's heartbeat"
        messages = [line["message"] for line in started.lines(worker)]
        assert "SIGTERM received" in messages and "worker stopped" in messages

        mail.delay = 0
        again = started.start(["worker"], world.url, **settings)
        wait_for(lambda: world.counts() == {"sent": count}, 60, "the restarted worker to send the rest")
        again.send_signal(signal.SIGINT)  # Ctrl-C in a terminal stops it gracefully too
        assert again.wait(30) == 0
        received = Counter(mail.message_ids())
        assert set(received) == set(expected) and set(received.values()) == {1}, received.most_common(2)
        started.lines(again)  # every line JSON
    finally:
        mail.stop()


def test_ctrl_c_twice_stops_a_worker_at_once_and_the_message_in_flight_waits_for_its_lease(world, started):
    world.add_due_reminders(3)
    mail = SmtpServer().start()
    try:
        mail.delay = 20  # the first message would take 20 s
        worker = started.start(["worker"], world.url, smtp_port=mail.port, smtp_host="127.0.0.1")
        wait_for(lambda: mail.peers, 60, "the worker to start sending the first message")  # its DATA is in
        worker.send_signal(signal.SIGINT)
        time.sleep(0.5)
        assert worker.poll() is None, "the first Ctrl-C waits for the message in flight"
        worker.send_signal(signal.SIGINT)
        assert worker.wait(10) == 130
        assert not mail.received
        assert world.counts() == {"sending": 3}  # claimed, sent again after the lease: never lost
        assert any("second interrupt" in line["message"] for line in started.lines(worker))
    finally:
        mail.stop()


def _slow_request(port: int, token: str) -> tuple[socket.socket, bytes]:
    """A POST whose headers and first bytes are sent now; returns the socket and the rest of the body."""
    body = json.dumps({"legal_name": "Graceful Shutdown Society", "kind": "national_cso", "country_code": "KE"})
    raw = body.encode()
    head = (
        f"POST /api/v1/organisations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\nX-Request-ID: in-flight-1\r\n\r\n"
    ).encode()
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(head + raw[:10])
    return connection, raw[10:]


def _serve(started: Started, world: World, **settings: object) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    server = started.start(["serve", "--port", str(port)], world.url, smtp_port=free_port(), **settings)

    def healthy() -> bool:
        assert server.poll() is None, started.lines(server)[-5:]
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(healthy, 60, "the server to answer /healthz")
    return server, port


def test_serve_finishes_the_request_in_flight_on_sigterm_then_exits_0(world, started):
    server, port = _serve(started, world, scheduler_enabled="true")
    ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).json()
    in_process = world.url.startswith("sqlite")  # on PostgreSQL 'serve' never runs the scheduler
    assert ready["scheduler"]["state"] == ("running" if in_process else "not_in_this_process"), ready
    connection, rest = _slow_request(port, world.token)
    try:
        time.sleep(0.5)  # the request is in the application, waiting for the rest of its body
        server.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert server.poll() is None, "the server waits for the request in flight"
        with pytest.raises(httpx.TransportError):  # but takes no new connection
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        connection.sendall(rest)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    finally:
        connection.close()
    assert answer.startswith(b"HTTP/1.1 201"), answer[:500]
    assert server.wait(30) == 0
    with world.factory() as session:
        assert session.scalar(select(func.count()).where(Organisation.legal_name == "Graceful Shutdown Society")) == 1
    lines = started.lines(server)
    access = [
        line for line in lines if line.get("request_id") == "in-flight-1" and line["logger"] == "agreements.access"
    ]
    assert access and access[0]["status"] == 201
    messages = [line["message"] for line in lines]
    assert "server stopped" in messages
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # uvicorn's own lines are JSON too
    assert ("stopping the scheduled work: the e-mail being sent finishes, nothing more is claimed" in messages) is (
        in_process
    )
    assert world.token not in "\n".join(map(json.dumps, lines))


def test_serve_gives_up_on_a_request_that_outlives_the_grace_period_and_still_exits_0(world, started):
    server, port = _serve(started, world, scheduler_enabled="false", shutdown_grace_seconds=1)
    connection, _ = _slow_request(port, world.token)  # never finished
    try:
        time.sleep(0.5)
        began = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
        assert time.monotonic() - began < 15
    finally:
        connection.close()
    lines = started.lines(server)
    assert any("graceful shutdown exceeded" in line["message"] for line in lines), lines[-5:]
