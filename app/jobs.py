"""Scheduled work: the daily automatic transitions (activation, expiry) and housekeeping.

Each entity is moved in its own transaction, so one that is blocked or fails does not hold back the others,
and a run that is interrupted can simply be run again: what was done is not done twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.agreements.models import Agreement
from app.db import get_for_update, get_sessionmaker, unit_of_work
from app.errors import DomainError
from app.idempotency.service import purge
from app.obligations.models import Obligation
from app.partnerships.models import Partnership
from app.workflow import definition, engine
from app.workflow.actor import Actor
from app.workflow.registry import CRITERIA

log = logging.getLogger(__name__)
ENTITY_MODELS: dict[str, type[Agreement] | type[Partnership] | type[Obligation]] = {
    "agreement": Agreement,
    "partnership": Partnership,
    "obligation": Obligation,
}
DAILY_JOB_ID = "daily-transitions"
DISPATCH_JOB_ID = "dispatch-reminders"
WEBHOOK_JOB_ID = "dispatch-webhooks"
WEBHOOK_ROUNDS = 10


@dataclass
class DailyReport:
    """What a daily run did: transitions fired per trigger, and entities it could not move, with why."""

    fired: dict[str, list[int]] = field(default_factory=dict)
    refused: list[tuple[str, int, str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many transitions were fired."""
        return sum(len(ids) for ids in self.fired.values())


def run_daily_transitions(
    factory: sessionmaker[Session] | None = None, stopping: threading.Event | None = None
) -> DailyReport:
    """Fire every due automatic transition (as the system), in the order the workflow files list them.

    When ``stopping`` is set (the process is shutting down) it stops between two entities: what is left is
    found again by the next run, since each entity moves in its own transaction.
    """
    report = DailyReport()
    today = engine.current_date()
    for workflow in definition.load_all():
        model = ENTITY_MODELS[workflow.name]
        for rule in workflow.daily:
            with unit_of_work(factory, write=False) as session:
                due = list(session.scalars(select(model.id).where(CRITERIA[rule.when](today)).order_by(model.id)))
            for entity_id in due:
                if stopping is not None and stopping.is_set():
                    log.info("daily run of %s interrupted by shutdown; the next run finishes it", today)
                    return report
                try:
                    with unit_of_work(factory) as session:
                        entity = get_for_update(session, model, entity_id, workflow.name)
                        state = workflow.state_of(entity)
                        if workflow.find(rule.trigger, state) is None:
                            continue  # moved meanwhile by someone else
                        daily = f"daily run of {today}"
                        engine.fire(session, workflow.name, entity, rule.trigger, Actor.system(reason=daily), daily)
                    report.fired.setdefault(rule.trigger, []).append(entity_id)
                except DomainError as exc:
                    log.warning("daily run: %s %s not moved by %s: %s", workflow.name, entity_id, rule.trigger, exc)
                    report.refused.append((workflow.name, entity_id, rule.trigger, exc.detail))
    with unit_of_work(factory) as session:
        purge(session)
    log.info("daily run of %s: %s transitions fired, %s refused", today, report.total, len(report.refused))
    return report


def daily_job(factory: sessionmaker[Session] | None = None, stopping: threading.Event | None = None) -> None:
    """The scheduler's entry point: run the daily transitions and never let an error kill the scheduler."""
    try:
        run_daily_transitions(factory, stopping)
    except Exception:
        log.exception("daily run failed; it will be tried again at the next run")


def dispatch_job(factory: sessionmaker[Session] | None = None, stopping: threading.Event | None = None) -> None:
    """The scheduler's entry point for the outbox: send what is due; an error waits for the next minute."""
    from app.reminders.dispatcher import dispatch_once

    if stopping is not None and stopping.is_set():
        return  # shutting down: claim nothing more
    try:
        dispatch_once(factory or get_sessionmaker(), stopping=stopping)
    except Exception:
        log.exception("reminder dispatch failed; it will be tried again in a minute")


def webhook_job(factory: sessionmaker[Session] | None = None, stopping: threading.Event | None = None) -> None:
    """The scheduler's entry point for webhooks: deliver what is due, batch after batch; an error waits a round."""
    from app.webhooks.delivery import dispatch_webhooks

    try:
        for _round in range(WEBHOOK_ROUNDS):  # bounded: the scheduler's other jobs get their turn
            if stopping is not None and stopping.is_set():
                return  # shutting down: claim nothing more (a batch under way handed back what it had not sent)
            if not dispatch_webhooks(factory or get_sessionmaker(), stopping=stopping).claimed:
                break
    except Exception:
        log.exception("webhook dispatch failed; it will be tried again at the next round")


def make_scheduler(
    hour: int,
    zone: str,
    factory: sessionmaker[Session] | None = None,
    stopping: threading.Event | None = None,
):
    """An APScheduler 3 background scheduler with its own in-memory job store (never shared between processes).

    Jobs: the daily run at ``hour`` local time, and once at start so that a day missed while the process was
    down is caught up; the reminder dispatch every ``dispatch_interval_seconds`` (a minute by default); the webhook
    delivery every ``webhook_interval_seconds``. Each stops early, between two items, once ``stopping`` is set.
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BackgroundScheduler(timezone=zone)
    scheduler.add_job(
        daily_job,
        CronTrigger(hour=hour, minute=0, timezone=zone),
        args=[factory, stopping],
        id=DAILY_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=6 * 3600,
        next_run_time=clock.now(),
    )
    from app.config import get_settings

    for job, seconds, job_id in (
        (dispatch_job, get_settings().dispatch_interval_seconds, DISPATCH_JOB_ID),
        (webhook_job, get_settings().webhook_interval_seconds, WEBHOOK_JOB_ID),
    ):
        scheduler.add_job(
            job,
            IntervalTrigger(seconds=seconds, timezone=zone),
            args=[factory, stopping],
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=clock.now(),
        )
    return scheduler


@dataclass
class ScheduledWork:
    """The scheduled work of one process (``serve`` on SQLite, or ``worker``): its scheduler, its stop signal and
    when each job last started and finished, which ``/readyz`` reads to tell a running scheduler from a stuck one.
    """

    scheduler: object
    stopping: threading.Event
    dispatch_interval_seconds: float
    dispatch_lease_seconds: float
    factory: sessionmaker[Session] | None = None
    role: str = "worker"
    heartbeat: bool = True
    started_at: datetime | None = None
    last_started: dict[str, datetime] = field(default_factory=dict)
    last_finished: dict[str, datetime] = field(default_factory=dict)
    process_id: str = field(default_factory=lambda: _process_id())

    def start(self) -> None:
        """Start the jobs (the first runs begin at once)."""
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED

        def note(event) -> None:  # APScheduler's thread: one dict assignment, atomic under the GIL
            moment = clock.now()
            if event.code == EVENT_JOB_SUBMITTED:
                self.last_started[event.job_id] = moment
            else:
                self.last_finished[event.job_id] = moment
                self._beat(event.job_id, moment)

        self.scheduler.add_listener(note, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self.started_at = clock.now()
        self.scheduler.start()

    def stop(self) -> None:
        """Ask the running jobs to stop after the item in hand, then wait for them (no new job starts)."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.heartbeat and self.started_at is not None:
            from app.monitoring.heartbeat import farewell

            try:
                with unit_of_work(self.factory) as session:
                    farewell(session, self.process_id)
            except Exception as exc:
                log.warning("could not remove this scheduler's heartbeat (%s)", exc.__class__.__name__)

    def _beat(self, job_id: str, moment: datetime) -> None:
        """Record in the database that ``job_id`` finished (read by ``/metrics``); a failure is only logged."""
        from app.monitoring.heartbeat import COLUMN_OF_JOB, beat

        if not self.heartbeat or job_id not in COLUMN_OF_JOB or self.started_at is None:
            return
        try:
            with unit_of_work(self.factory) as session:
                beat(session, self.process_id, self.role, self.started_at, job_id, moment)
        except Exception as exc:
            log.warning("could not record this scheduler's heartbeat (%s)", exc.__class__.__name__)

    @property
    def running(self) -> bool:
        """Whether the scheduler is running and not shutting down."""
        return bool(self.scheduler.running) and not self.stopping.is_set()

    def limits(self) -> dict[str, timedelta]:
        """How long each job may go without finishing before the scheduler counts as stuck."""
        dispatch = 3 * self.dispatch_interval_seconds + self.dispatch_lease_seconds / 2
        return {DISPATCH_JOB_ID: timedelta(seconds=dispatch), DAILY_JOB_ID: timedelta(hours=26)}

    def stale_jobs(self, now: datetime | None = None) -> list[str]:
        """The jobs that have not finished within their limit (counted from the start before their first run)."""
        now = now or clock.now()
        reference = self.started_at or now
        return [
            job_id for job_id, limit in self.limits().items() if now - self.last_finished.get(job_id, reference) > limit
        ]

    def status(self, now: datetime | None = None) -> dict[str, object]:
        """What ``/readyz`` says of the scheduler: running or not, each job's last finished run, stale jobs."""
        now = now or clock.now()

        def moment(value: datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value is not None else None

        return {
            "state": "running" if self.running else "stopped",
            "last_dispatch": moment(self.last_finished.get(DISPATCH_JOB_ID)),
            "last_daily_run": moment(self.last_finished.get(DAILY_JOB_ID)),
            "stale": self.stale_jobs(now),
        }


def _process_id() -> str:
    """This process: host, process id and a random suffix (a restarted process is another one)."""
    from app.reminders.dispatcher import default_worker_id

    return default_worker_id()


def scheduled_work(settings, role: str, factory: sessionmaker[Session] | None = None) -> ScheduledWork:
    """The scheduled work for ``settings`` (daily run hour, timezone, dispatch interval) of a ``role`` process
    (``worker`` or ``serve``), not started yet."""
    stopping = threading.Event()
    return ScheduledWork(
        make_scheduler(settings.daily_run_hour, settings.timezone, factory, stopping),
        stopping,
        settings.dispatch_interval_seconds,
        settings.dispatch_lease_seconds,
        factory=factory,
        role=role,
    )
