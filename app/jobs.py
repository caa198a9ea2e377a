"""Scheduled work: the daily automatic transitions (activation, expiry) and housekeeping.

Each entity is moved in its own transaction, so one that is blocked or fails does not hold back the others,
and a run that is interrupted can simply be run again: what was done is not done twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

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


def run_daily_transitions(factory: sessionmaker[Session] | None = None) -> DailyReport:
    """Fire every due automatic transition (as the system), in the order the workflow files list them."""
    report = DailyReport()
    today = engine.current_date()
    for workflow in definition.load_all():
        model = ENTITY_MODELS[workflow.name]
        for rule in workflow.daily:
            with unit_of_work(factory, write=False) as session:
                due = list(session.scalars(select(model.id).where(CRITERIA[rule.when](today)).order_by(model.id)))
            for entity_id in due:
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


def daily_job(factory: sessionmaker[Session] | None = None) -> None:
    """The scheduler's entry point: run the daily transitions and never let an error kill the scheduler."""
    try:
        run_daily_transitions(factory)
    except Exception:
        log.exception("daily run failed; it will be tried again at the next run")


def dispatch_job(factory: sessionmaker[Session] | None = None) -> None:
    """The scheduler's entry point for the outbox: send what is due; an error waits for the next minute."""
    from app.reminders.dispatcher import dispatch_once

    try:
        dispatch_once(factory or get_sessionmaker())
    except Exception:
        log.exception("reminder dispatch failed; it will be tried again in a minute")


def webhook_job(factory: sessionmaker[Session] | None = None) -> None:
    """The scheduler's entry point for webhooks: deliver what is due, batch after batch; an error waits a round."""
    from app.webhooks.delivery import dispatch_webhooks

    try:
        for _round in range(WEBHOOK_ROUNDS):  # bounded: the scheduler's other jobs get their turn
            if not dispatch_webhooks(factory or get_sessionmaker()).claimed:
                break
    except Exception:
        log.exception("webhook dispatch failed; it will be tried again at the next round")


def make_scheduler(hour: int, zone: str, factory: sessionmaker[Session] | None = None, *, blocking: bool = False):
    """An APScheduler 3 scheduler with its own in-memory job store (never shared between processes).

    Jobs: the daily run at ``hour`` local time, and once at start so that a day missed while the process was
    down is caught up; the reminder dispatch every ``dispatch_interval_seconds`` (a minute by default).
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=zone)
    scheduler.add_job(
        daily_job,
        CronTrigger(hour=hour, minute=0, timezone=zone),
        args=[factory],
        id=DAILY_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=6 * 3600,
        next_run_time=clock.now(),
    )
    from app.config import get_settings

    scheduler.add_job(
        dispatch_job,
        IntervalTrigger(seconds=get_settings().dispatch_interval_seconds, timezone=zone),
        args=[factory],
        id=DISPATCH_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        next_run_time=clock.now(),
    )
    scheduler.add_job(
        webhook_job,
        IntervalTrigger(seconds=get_settings().webhook_interval_seconds, timezone=zone),
        args=[factory],
        id=WEBHOOK_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        next_run_time=clock.now(),
    )
    return scheduler
