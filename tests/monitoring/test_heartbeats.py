"""The schedulers' heartbeats: written after each job, removed on a graceful stop, read by ``/metrics``."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.jobs import DAILY_JOB_ID, DISPATCH_JOB_ID, ScheduledWork
from app.monitoring import heartbeat
from app.monitoring.models import SchedulerHeartbeat
from app.monitoring.service import scheduler_families
from app.users.models import Role
from tests.monitoring.promtext import parse, value


class _Stub:
    running = True

    def add_listener(self, *_args) -> None:
        pass

    def start(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        self.running = False


def test_the_heartbeat_knows_every_job_of_the_scheduler():
    assert set(heartbeat.COLUMN_OF_JOB) == {DAILY_JOB_ID, DISPATCH_JOB_ID}


def test_each_finished_job_beats_and_a_graceful_stop_says_goodbye(session, session_factory):
    work = ScheduledWork(_Stub(), threading.Event(), 60, 600, factory=session_factory, role="worker")
    work.start()
    moment = clock.now()
    work._beat(DISPATCH_JOB_ID, moment)
    work._beat(DAILY_JOB_ID, moment + timedelta(seconds=1))
    work._beat(DISPATCH_JOB_ID, moment + timedelta(seconds=2))
    session.expire_all()
    row = session.scalars(select(SchedulerHeartbeat)).one()
    assert row.process_id == work.process_id and row.role == "worker"
    assert row.last_dispatch_at == moment + timedelta(seconds=2) and row.last_daily_at == moment + timedelta(seconds=1)
    work.stop()
    session.expire_all()
    assert session.scalars(select(SchedulerHeartbeat)).all() == []


def test_metrics_give_the_age_of_the_last_runs_and_the_schedulers_running(session, session_factory, client, auth):
    now = clock.now()
    families = {family.name: family for family in scheduler_families(session, now)}
    assert families["agreements_scheduler_last_run_seconds"].samples == []  # no scheduler ever ran
    long_gone = now - timedelta(days=8)
    heartbeat.beat(session, "old:1:a", "worker", long_gone, DISPATCH_JOB_ID, long_gone)
    heartbeat.beat(session, "w:2:b", "worker", now, DAILY_JOB_ID, now - timedelta(minutes=30))
    heartbeat.beat(session, "w:2:b", "worker", now, DISPATCH_JOB_ID, now - timedelta(seconds=40))
    heartbeat.beat(session, "w:3:c", "worker", now, DISPATCH_JOB_ID, now - timedelta(minutes=20))
    session.commit()
    ids = set(session.scalars(select(SchedulerHeartbeat.process_id)))
    assert ids == {"w:2:b", "w:3:c"}  # a week without a beat: forgotten
    response = client.get("/metrics", headers=auth(Role.ADMIN)[1])
    samples, types = parse(response.text)
    assert types["agreements_scheduler_last_run_seconds"] == "gauge"
    dispatch = value(samples, "agreements_scheduler_last_run_seconds", job=DISPATCH_JOB_ID)
    daily = value(samples, "agreements_scheduler_last_run_seconds", job=DAILY_JOB_ID)
    assert 40 <= dispatch < 100 and 1800 <= daily < 1900
    assert value(samples, "agreements_scheduler_processes", role="worker") == 1  # w:3:c is 20 minutes quiet
    assert value(samples, "agreements_scheduler_processes", role="serve") == 0
