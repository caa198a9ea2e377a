"""What ``/metrics`` and ``/readyz`` read from the database: one grouped query per family."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import __version__, clock
from app.agreements.models import Agreement
from app.monitoring.exposition import Family
from app.partnerships.models import Partnership
from app.reminders.dispatcher import SEND_FAILURES
from app.reminders.models import Reminder, ReminderStatus
from app.webhooks.delivery import DELIVERY_COUNTS
from app.webhooks.models import DeliveryStatus, WebhookDelivery
from app.workflow.definition import STATE_ATTRIBUTES, get_workflow
from app.workflow.models import TransitionEvent


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def reminder_families(session: Session, now: datetime | None = None) -> list[Family]:
    """Reminders by status (every status, zero when none), how many are due now and how late the oldest is."""
    now = now or clock.now()
    counts = dict(session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
    by_status = Family("agreements_reminders", "gauge", "Reminders in the outbox by delivery status.")
    for status in ReminderStatus:
        by_status.add(counts.get(status, 0), status=status.value)
    due_count, oldest = session.execute(
        select(func.count(), func.min(Reminder.send_at)).where(
            Reminder.status == ReminderStatus.PLANNED, Reminder.send_at <= now
        )
    ).one()
    lateness = max((now - _as_utc(oldest)).total_seconds(), 0.0) if oldest is not None else 0.0
    failing = dict(
        session.execute(
            select(Reminder.status, func.count())
            .where(
                Reminder.status.in_([ReminderStatus.PLANNED, ReminderStatus.FAILED]), Reminder.last_error.is_not(None)
            )
            .group_by(Reminder.status)
        ).all()
    )
    failing_family = Family(
        "agreements_reminders_failing",
        "gauge",
        "Reminders whose last sending attempt failed: being retried (planned) or given up (failed).",
    )
    for status in (ReminderStatus.PLANNED, ReminderStatus.FAILED):
        failing_family.add(failing.get(status, 0), status=status.value)
    return [
        failing_family,
        by_status,
        Family("agreements_reminders_due_now", "gauge", "Planned reminders whose send time has passed.").add(due_count),
        Family(
            "agreements_reminders_oldest_due_seconds",
            "gauge",
            "How late the oldest due planned reminder is (0 when none is due); growing means no worker is sending.",
        ).add(lateness),
    ]


def transition_family(session: Session) -> Family:
    """Transitions ever fired, by workflow and trigger, counted from the durable ``transition_events`` table."""
    rows = session.execute(
        select(TransitionEvent.entity_type, TransitionEvent.trigger, func.count()).group_by(
            TransitionEvent.entity_type, TransitionEvent.trigger
        )
    ).all()
    counts: dict[tuple[str, str], int] = {(workflow, trigger): count for workflow, trigger, count in rows}
    for name in STATE_ATTRIBUTES:  # every declared trigger appears, at zero until it fires
        for transition in get_workflow(name).transitions:
            counts.setdefault((name, transition.trigger), 0)
    family = Family(
        "agreements_transitions_total", "counter", "Workflow transitions fired (all processes, since the start)."
    )
    for (workflow, trigger), count in sorted(counts.items()):
        family.add(count, workflow=workflow, trigger=trigger)
    return family


def state_families(session: Session) -> list[Family]:
    """Partnerships by stage and agreements by status (every state of the workflow, zero when none)."""
    families = []
    for column, workflow, metric, label, what in (
        (Partnership.stage, "partnership", "agreements_partnerships", "stage", "Partnerships by stage."),
        (Agreement.status, "agreement", "agreements_agreements", "status", "Agreements by status."),
    ):
        counts = dict(session.execute(select(column, func.count()).group_by(column)).all())
        for state in get_workflow(workflow).states:
            counts.setdefault(state, 0)
        family = Family(metric, "gauge", what)
        for state, count in sorted(counts.items()):
            family.add(count, **{label: state})
        families.append(family)
    return families


def scheduler_families(session: Session, now: datetime | None = None) -> list[Family]:
    """How long ago any scheduler last finished each job, and how many schedulers run, from their heartbeats."""
    from app.monitoring import heartbeat

    now = now or clock.now()
    last = heartbeat.last_runs(session)
    ages = Family(
        "agreements_scheduler_last_run_seconds",
        "gauge",
        "Seconds since any scheduler (worker, or serve on SQLite) last finished the job; absent until one has.",
    )
    for job, column in sorted(heartbeat.COLUMN_OF_JOB.items()):
        if last[column] is not None:
            ages.add(max((now - _as_utc(last[column])).total_seconds(), 0.0), job=job)
    running = heartbeat.running_by_role(session, now)
    processes = Family(
        "agreements_scheduler_processes",
        "gauge",
        "Schedulers that finished a job in the last 10 minutes, by role (worker, serve).",
    )
    for role in ("serve", "worker"):
        processes.add(running.get(role, 0), role=role)
    return [ages, processes]


def database_families(session: Session) -> list[Family]:
    """Every family read from the database."""
    return [
        *reminder_families(session),
        webhook_family(session),
        transition_family(session),
        *state_families(session),
        *scheduler_families(session),
    ]


def webhook_family(session: Session) -> Family:
    """``agreements_webhook_deliveries{status=…}``: webhook messages in the outbox by status (zero when none)."""
    counts = dict(session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all())
    family = Family("agreements_webhook_deliveries", "gauge", "Webhook messages in the outbox by delivery status.")
    for status in DeliveryStatus:
        family.add(counts.get(status, 0), status=status.value)
    return family


def webhook_attempt_family() -> Family:
    """``agreements_webhook_attempts_total{outcome=delivered|retried|failed}``: attempts this process made."""
    family = Family(
        "agreements_webhook_attempts_total",
        "counter",
        "Webhook delivery attempts this process made, by outcome (delivered, retried later, failed for good).",
    )
    for outcome, count in sorted(DELIVERY_COUNTS.items()):
        family.add(count, outcome=outcome)
    return family


def send_failure_family() -> Family:
    """``agreements_reminder_send_failures_total{outcome=retried|failed}``: attempts this process could not send."""
    family = Family(
        "agreements_reminder_send_failures_total",
        "counter",
        "Reminder emails this process could not send (SMTP refused or unreachable), by what happens next.",
    )
    for outcome, count in sorted(SEND_FAILURES.items()):
        family.add(count, outcome=outcome)
    return family


def build_family() -> Family:
    """``agreements_build_info{version=…} 1``."""
    return Family("agreements_build_info", "gauge", "The running version.").add(1, version=__version__)


def database_up_family(up: bool) -> Family:
    """``agreements_database_up`` 1 or 0."""
    return Family("agreements_database_up", "gauge", "Whether the database answered this scrape.").add(int(up))


@lru_cache
def code_revision() -> str:
    """The schema revision this code needs (the newest migration shipped)."""
    from app import migrate

    return migrate.head_revision()


def schema_revision(session: Session) -> str | None:
    """The revision the database's schema is at (``None`` when it was never migrated)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(session.connection()).get_current_revision()


NO_SCHEDULER = "not run by this process; run 'agreements worker'"


def scheduler_status(state: object) -> dict[str, object]:
    """The scheduler of this process as ``/readyz`` reports it: running (with its last runs and stale jobs),
    stopped, or not run here and why (``agreements serve`` on PostgreSQL, or with the scheduler disabled)."""
    work = getattr(state, "scheduled_work", None)
    if work is None:
        return {"state": "not_in_this_process", "note": getattr(state, "scheduler_note", None) or NO_SCHEDULER}
    return work.status()
