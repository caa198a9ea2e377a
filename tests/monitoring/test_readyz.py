"""``/readyz``: ready when the database answers and its schema is at the code's revision; a 503 problem otherwise."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from app import __version__, clock, migrate
from app.api.app import create_app
from app.db import make_engine
from app.monitoring.service import NO_SCHEDULER
from tests.builders import assert_problem
from tests.support import scratch_database


def test_ready_at_the_code_revision(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "schema": migrate.head_revision(),
        "scheduler": {"state": "not_in_this_process", "note": NO_SCHEDULER},
        "version": __version__,
    }


def _readyz(settings, url: str):
    engine = make_engine(url, connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {})
    try:
        with TestClient(create_app(settings, sessionmaker(bind=engine)), raise_server_exceptions=False) as client:
            return client.get("/readyz")
    finally:
        engine.dispose()


def test_not_ready_on_a_schema_behind_the_code(settings, database_url, tmp_path):
    head = migrate.head_revision()
    with scratch_database(database_url, tmp_path) as url:
        empty = assert_problem(_readyz(settings, url), 503)
        assert "revision none" in empty["detail"] and "agreements init" in empty["detail"]
        migrate.upgrade(url, "0001")
        behind = assert_problem(_readyz(settings, url), 503)
        assert "revision 0001" in behind["detail"] and head in behind["detail"]
        migrate.upgrade(url)
        assert _readyz(settings, url).status_code == 200


def test_not_ready_without_a_database(settings):
    response = _readyz(settings, "postgresql+psycopg://postgres@127.0.0.1:1/nope")
    body = assert_problem(response, 503)
    assert "unreachable" in body["detail"] and "127.0.0.1" not in response.text


def test_a_request_finding_no_free_connection_gets_503_with_retry_after(settings, database_url, tmp_path):
    """Pool exhausted (every connection busy past the pool timeout): a 503 problem to retry, not a 500."""
    from app.db import unit_of_work
    from app.users.models import Role
    from app.users.schemas import UserCreate
    from app.users.service import create_token, create_user
    from app.workflow.actor import Actor
    from tests.support import migrated_scratch_database

    with migrated_scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
        try:
            with unit_of_work(sessionmaker(bind=engine)) as session:
                user = create_user(
                    session,
                    UserCreate(email="busy@example.org", full_name="Busy", roles=[Role.ADMIN]),
                    actor=Actor.system(reason="test"),
                )
                _, token = create_token(session, user, "busy", expires_in_days=1)
            with (
                engine.connect(),  # holds the pool's only connection
                TestClient(create_app(settings, sessionmaker(bind=engine)), raise_server_exceptions=False) as client,
            ):
                response = client.get("/api/v1/partnerships", headers={"Authorization": f"Bearer {token}"})
            body = assert_problem(response, 503)
            assert "busy" in body["detail"] and response.headers["Retry-After"] == "5"
        finally:
            engine.dispose()


class _StubScheduler:
    """Stands for APScheduler in ``ScheduledWork``: running or not, no threads."""

    def __init__(self, running: bool = True) -> None:
        self.running = running

    def add_listener(self, *_args) -> None:
        pass

    def start(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        self.running = False


def _work(interval: float = 60.0, lease: float = 600.0):
    from app.jobs import ScheduledWork

    work = ScheduledWork(_StubScheduler(), threading.Event(), interval, lease, heartbeat=False)
    work.start()
    return work


def test_the_in_process_scheduler_is_reported_with_its_last_runs(client):
    from app.jobs import DAILY_JOB_ID, DISPATCH_JOB_ID

    work = _work()
    now = clock.now()
    work.last_finished |= {DISPATCH_JOB_ID: now, DAILY_JOB_ID: now}
    client.app.state.scheduled_work = work
    try:
        body = client.get("/readyz").json()
    finally:
        del client.app.state.scheduled_work
    assert body["scheduler"] == {
        "state": "running",
        "last_dispatch": now.isoformat(timespec="seconds"),
        "last_daily_run": now.isoformat(timespec="seconds"),
        "stale": [],
    }


def test_a_disabled_scheduler_is_said_not_failed(client):
    client.app.state.scheduler_note = "disabled in this process (AGREEMENTS_SCHEDULER_ENABLED=false)"
    try:
        response = client.get("/readyz")
    finally:
        del client.app.state.scheduler_note
    assert response.status_code == 200
    assert response.json()["scheduler"]["note"].startswith("disabled in this process")


def test_a_stuck_or_stopped_scheduler_makes_the_process_not_ready(client):
    from app.jobs import DAILY_JOB_ID, DISPATCH_JOB_ID

    work = _work(interval=60, lease=600)  # the dispatch must finish within 3 x 60 + 300 s
    now = clock.now()
    work.last_finished |= {DISPATCH_JOB_ID: now - timedelta(seconds=481), DAILY_JOB_ID: now}
    client.app.state.scheduled_work = work
    try:
        stale = assert_problem(client.get("/readyz"), 503)
        assert "dispatch-reminders" in stale["detail"]
        work.last_finished[DISPATCH_JOB_ID] = now
        work.last_finished[DAILY_JOB_ID] = now - timedelta(hours=27)
        assert "daily-transitions" in assert_problem(client.get("/readyz"), 503)["detail"]
        work.last_finished[DAILY_JOB_ID] = now
        assert client.get("/readyz").status_code == 200
        work.stop()
        assert "not running" in assert_problem(client.get("/readyz"), 503)["detail"]
    finally:
        del client.app.state.scheduled_work


def test_before_its_first_runs_a_scheduler_is_judged_from_its_start():
    from app.jobs import DISPATCH_JOB_ID

    work = _work(interval=60, lease=600)
    assert work.stale_jobs() == []
    assert work.stale_jobs(work.started_at + timedelta(seconds=481)) == [DISPATCH_JOB_ID]
