"""Why a reminder is cancelled, said as what happened: fulfilled, waived, terminated, superseded, a date moved.

The reasons are read from the facts (dates, outcomes, the successor agreement) and the workflow's groups and labels,
never from a state's name, so a new state gets a sensible reason from its label.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement
from app.obligations.models import Obligation
from app.reminders.models import Reminder, ReminderKind
from app.workflow.definition import label, states


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _successor(session: Session, agreement: Agreement) -> Agreement | None:
    running = sorted(states("agreement", group="running"))
    stmt = select(Agreement).where(Agreement.parent_id == agreement.id, Agreement.status.in_(running))
    return session.scalars(stmt.order_by(Agreement.id.desc())).first()


def agreement_reason(session: Session, agreement: Agreement) -> str:
    """Why ``agreement`` has no reminders to send any more (it left force, or never reached it)."""
    status = agreement.status
    if status in states("agreement", group="replaced"):
        successor = _successor(session, agreement)
        if successor is None:
            return "the agreement was superseded"
        text = f"the agreement was superseded by its {successor.kind.value.replace('_', ' ')} “{successor.title}”"
        if successor.end_date is not None and successor.end_date != agreement.end_date:
            text += f"; the end date moved to {_day(successor.end_date)}"
        return text
    if agreement.terminated_on is not None and status in states("agreement", group="no_longer_in_force"):
        text = f"the agreement was terminated with effect from {_day(agreement.terminated_on)}"
        return text + (f" ({agreement.termination_reason})" if agreement.termination_reason else "")
    if status in states("agreement", group="no_longer_in_force") and agreement.end_date is not None:
        return f"the agreement expired on {_day(agreement.end_date)}"
    if status in states("agreement", group="in_force") and status not in states("agreement", group="running"):
        return f"the agreement is {label('agreement', status).lower()}: its obligations are on hold"
    if agreement.end_date is None:
        return "the agreement no longer has an end date"
    return f"the agreement is no longer in force (now: {label('agreement', status)})"


def obligation_reason(session: Session, obligation: Obligation) -> str:
    """Why ``obligation`` has no reminders to send any more: its outcome, its agreement's or its missing date."""
    status = obligation.status
    if status in states("obligation", group="waived"):
        return "the obligation was waived" + (f": {obligation.waived_reason}" if obligation.waived_reason else "")
    if status in states("obligation", group="closed"):
        done = f" on {_day(obligation.fulfilled_on)}" if obligation.fulfilled_on else ""
        return f"the obligation was fulfilled{done}"
    if obligation.due_date is None:
        return "the obligation no longer has a due date"
    return agreement_reason(session, obligation.agreement)


NOT_WANTED = {
    ReminderKind.NOTICE_DEADLINE: "the agreement no longer has a notice period",
    ReminderKind.OBLIGATION_OVERDUE: "overdue reminders are turned off for this agreement",
}


def leftover_reason(row: Reminder, wanted: list[tuple[str, int, str]]) -> str:
    """Why one pending reminder is cancelled while its subject still has others: what in the policy changed."""
    kinds = {kind for kind, _offset, _email in wanted}
    if row.kind.value not in kinds:
        return NOT_WANTED.get(row.kind, f"{row.kind.value.replace('_', ' ')} reminders no longer apply")
    offsets = {offset for kind, offset, _email in wanted if kind == row.kind.value}
    if row.offset_days not in offsets:
        return f"the reminder policy no longer reminds {row.offset_days} days before"
    return f"{row.recipient_email} is no longer among the people reminded"
