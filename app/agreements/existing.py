"""Agreements signed before they were registered: recorded through the workflow as already signed.

An inventory import and a legal officer holding a signed copy use the same path: a draft is opened, the
``record_existing`` transition moves it to signed with its evidence, and the engine's own daily transitions
(``activate``, then ``expire`` if its end date has passed) bring it to the status today requires, with their
effects (partnership in force or ended, reminders planned or cancelled) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.agreements.models import Agreement, AgreementKind
from app.partnerships.models import Partnership
from app.reminders.models import Reminder, ReminderStatus
from app.users.models import User
from app.workflow import engine

WORKFLOW = "agreement"
RECORDABLE_STAGES = {"formalising", "formal"}


@dataclass(frozen=True)
class ExistingTerms:
    """What is known of an agreement signed elsewhere."""

    title: str
    effective_date: date
    end_date: date
    notice_period_days: int = 30
    kind: AgreementKind = AgreementKind.MOU


def open_existing(session: Session, partnership: Partnership, terms: ExistingTerms, actor_id: int | None) -> Agreement:
    """Open the draft that will be recorded as signed (no stage check: the caller has placed the partnership)."""
    agreement = Agreement(
        partnership_id=partnership.id,
        kind=terms.kind,
        title=terms.title,
        effective_date=terms.effective_date,
        end_date=terms.end_date,
        notice_period_days=terms.notice_period_days,
    )
    agreement.partnership = partnership
    session.add(agreement)
    engine.record_creation(session, WORKFLOW, agreement, actor_id)
    return agreement


def bring_to_today(session: Session, agreement: Agreement, comment: str) -> None:
    """Fire the automatic transitions the agreement is due for today (activate, then expire), as the scheduler would."""
    for trigger in ("activate", "expire"):
        workflow = engine.get_workflow(WORKFLOW)
        if workflow.find(trigger, agreement.status) is None:
            continue
        if any(a.trigger == trigger and a.allowed for a in engine.available(session, WORKFLOW, agreement, None)):
            engine.fire(session, WORKFLOW, agreement, trigger, None, comment)


def record_existing(
    session: Session,
    agreement: Agreement,
    evidence: str,
    *,
    actor: User | None,
    actor_id: int | None,
    document_sha256: str | None = None,
) -> Agreement:
    """Record a draft as signed elsewhere (``record_existing``), then bring it to today's status.

    ``actor`` is the person recording it (role checked), or ``None`` when the system (an import) does, with
    ``actor_id`` the user on whose behalf it acts.
    """
    payload: dict[str, str] = {"evidence": evidence}
    if document_sha256:
        payload["document_sha256"] = document_sha256
    engine.fire(session, WORKFLOW, agreement, "record_existing", actor_id, evidence, actor=actor, payload=payload)
    bring_to_today(session, agreement, evidence)
    return agreement


def planned_reminder_count(session: Session, agreement: Agreement) -> int:
    """How many reminders are planned for the agreement now (for import reports)."""
    from sqlalchemy import func, select

    stmt = select(func.count()).where(
        Reminder.subject_type == "agreement",
        Reminder.subject_id == agreement.id,
        Reminder.status == ReminderStatus.PLANNED,
    )
    return int(session.scalar(stmt) or 0)
