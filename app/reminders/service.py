"""Reminders as people see them: lists, a personal upcoming list, per-agreement policy, and a dry run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.agreements.service import get_agreement, require_on_agreement
from app.db import get_for_update
from app.errors import Conflict, NotFound, invalid
from app.i18n import MESSAGES
from app.listing import PageParams, Paging, Slice, order_by, paginate, sort_keys
from app.obligations.models import Obligation
from app.partnerships.service import get_partnership, permission_context
from app.reminders import outbox
from app.reminders.models import Reminder, ReminderStatus
from app.reminders.planner import plan_agreement
from app.reminders.schemas import ReminderFilter, ReminderPolicyInput
from app.users.models import User
from app.users.policy import Action, require
from app.versioning import check_version
from app.workflow.actor import Actor
from app.workflow.definition import state_name, states

SORTABLE = {"send_at": Reminder.send_at, "due_on": Reminder.due_on, "status": Reminder.status}
SortKey = sort_keys(SORTABLE)


def planned_about_agreement(session: Session, agreement_id: int, limit: int = 10) -> list[Reminder]:
    """The next reminders still to be sent about the agreement or its obligations, soonest first."""
    obligation_ids = select(Obligation.id).where(Obligation.agreement_id == agreement_id)
    about = ((Reminder.subject_type == "agreement") & (Reminder.subject_id == agreement_id)) | (
        (Reminder.subject_type == "obligation") & Reminder.subject_id.in_(obligation_ids)
    )
    stmt = (
        select(Reminder)
        .where(about, Reminder.status.in_([ReminderStatus.PLANNED, ReminderStatus.FAILED]))
        .order_by(Reminder.send_at, Reminder.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def get_reminder(session: Session, reminder_id: int) -> Reminder:
    """The reminder with this id, or ``NotFound``."""
    reminder = session.get(Reminder, reminder_id)
    if reminder is None:
        raise NotFound(MESSAGES.gettext("reminder {reminder_id} does not exist", reminder_id=reminder_id))
    return reminder


def list_reminders(session: Session, filters: ReminderFilter, params: PageParams) -> Slice:
    """Reminders matching ``filters``, soonest first unless sorted otherwise."""
    stmt = select(Reminder)
    if filters.status:
        stmt = stmt.where(Reminder.status == filters.status)
    if filters.kind:
        stmt = stmt.where(Reminder.kind == filters.kind)
    if filters.partnership_id:
        stmt = stmt.where(Reminder.partnership_id == filters.partnership_id)
    if filters.recipient:
        stmt = stmt.where(func.lower(Reminder.recipient_email) == filters.recipient.strip().lower())
    if filters.send_before:
        stmt = stmt.where(Reminder.send_at < filters.send_before)
    stmt = order_by(stmt, params.sort, SORTABLE, default=[Reminder.send_at, Reminder.id])
    return paginate(session, stmt, params)


def _upcoming_query(user: User) -> Select[tuple[Reminder]]:
    return (
        select(Reminder)
        .where(
            (Reminder.recipient_user_id == user.id) | (func.lower(Reminder.recipient_email) == user.email.lower()),
            Reminder.status.in_([ReminderStatus.PLANNED, ReminderStatus.FAILED]),
        )
        .order_by(Reminder.send_at, Reminder.id)
    )


def upcoming_for(session: Session, user: User, limit: int = 100) -> list[Reminder]:
    """The first ``limit`` reminders still to be sent to ``user``, soonest first."""
    return list(session.scalars(_upcoming_query(user).limit(limit)))


def upcoming_page(session: Session, user: User, params: Paging) -> Slice:
    """One page of the reminders still to be sent to ``user``, soonest first."""
    return paginate(session, _upcoming_query(user), params)


def failed(
    session: Session, *, partnerships: Select[Any] | None = None, addressed_to: User | None = None, limit: int = 25
) -> Slice:
    """Reminders that could not be sent, newest first: given up (failed) or being retried after a failed attempt;
    all of them, or those on ``partnerships`` or to a person."""
    retrying = (Reminder.status == ReminderStatus.PLANNED) & Reminder.last_error.is_not(None)
    stmt = select(Reminder).where((Reminder.status == ReminderStatus.FAILED) | retrying)
    scope = []
    if partnerships is not None:
        scope.append(Reminder.partnership_id.in_(partnerships))
    if addressed_to is not None:
        scope.append(Reminder.recipient_user_id == addressed_to.id)
        scope.append(func.lower(Reminder.recipient_email) == addressed_to.email.lower())
    if scope:
        stmt = stmt.where(or_(*scope))
    stmt = stmt.order_by(Reminder.updated_at.desc(), Reminder.id.desc())
    return paginate(session, stmt, PageParams(page_size=limit))


def due_now(session: Session, until: datetime | None = None) -> list[Reminder]:
    """What the dispatcher would send if it ran at ``until`` (now by default): the dry run."""
    until = until or clock.now()
    stmt = select(Reminder).where(Reminder.status == ReminderStatus.PLANNED, Reminder.send_at <= until)
    return list(session.scalars(stmt.order_by(Reminder.send_at, Reminder.id)))


def require_manage(session: Session, actor: User | Actor, reminder: Reminder) -> None:
    """Raise ``Forbidden`` unless ``actor`` may retry or cancel ``reminder``: whoever may edit its partnership,
    or an admin for a reminder about no partnership (a sign-in alert)."""
    if reminder.partnership_id is None:
        require(actor, Action.MANAGE_USERS)
    else:
        require(actor, Action.EDIT_PARTNERSHIP, **permission_context(get_partnership(session, reminder.partnership_id)))


def set_policy(session: Session, agreement_id: int, data: ReminderPolicyInput, *, actor: User | Actor) -> Agreement:
    """Give an agreement its own reminder policy and re-plan its reminders accordingly."""
    agreement = get_agreement(session, agreement_id)
    require_on_agreement(actor, agreement, Action.EDIT_PARTNERSHIP)
    if agreement.status in states("agreement", group="closed"):
        raise Conflict(
            MESSAGES.gettext(
                "the agreement is {state}: it has no reminders to plan", state=state_name("agreement", agreement.status)
            )
        )
    agreement.reminder_policy = data.as_overrides() or None
    session.flush()
    plan_agreement(session, agreement)
    return agreement


def retry(session: Session, reminder_id: int, expected_version: int | None = None, *, actor: User | Actor) -> Reminder:
    """Send a failed reminder again at the next dispatch, with its attempts counted afresh; flush only."""
    reminder = get_for_update(session, Reminder, reminder_id, "reminder")
    require_manage(session, actor, reminder)
    check_version("reminder", reminder.version, expected_version)
    if reminder.status != ReminderStatus.FAILED:
        raise Conflict(
            MESSAGES.gettext(
                "reminder {reminder_id} is {status}: only a failed reminder can be retried",
                reminder_id=reminder_id,
                status=reminder.status.value,
            )
        )
    outbox.move(reminder, ReminderStatus.PLANNED)
    reminder.attempts = 0
    reminder.send_at = reminder.next_attempt_at = clock.now()
    reminder.claimed_by = reminder.claimed_at = None
    session.flush()
    return reminder


def cancel(
    session: Session, reminder_id: int, reason: str, expected_version: int | None = None, *, actor: User | Actor
) -> Reminder:
    """Cancel a planned or failed reminder so it is never sent, keeping the reason; flush only."""
    if not reason or not reason.strip():
        raise invalid("reason", MESSAGES.gettext("say why the reminder is cancelled"))
    reminder = get_for_update(session, Reminder, reminder_id, "reminder")
    require_manage(session, actor, reminder)
    check_version("reminder", reminder.version, expected_version)
    if reminder.status == ReminderStatus.SENT:
        when = f" on {reminder.sent_at:%Y-%m-%d %H:%M} UTC" if reminder.sent_at else ""
        raise Conflict(
            MESSAGES.gettext("reminder {reminder_id} was already sent{when}", reminder_id=reminder_id, when=when)
        )
    if reminder.status == ReminderStatus.SENDING:
        raise Conflict(
            MESSAGES.gettext(
                "reminder {reminder_id} is being sent right now; try again in a moment", reminder_id=reminder_id
            )
        )
    if reminder.status not in (ReminderStatus.PLANNED, ReminderStatus.FAILED):
        raise Conflict(
            MESSAGES.gettext(
                "reminder {reminder_id} is already {status}", reminder_id=reminder_id, status=reminder.status.value
            )
        )
    outbox.move(reminder, ReminderStatus.CANCELLED)
    reminder.cancel_reason = reason.strip()
    reminder.next_attempt_at = None
    session.flush()
    return reminder
