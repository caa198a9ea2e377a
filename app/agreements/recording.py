"""Many agreements signed elsewhere recorded at once (an import's batch), through the same workflow path as one.

Each is opened as a draft, moved by ``record_existing`` with its evidence, then by the automatic ``activate`` and
``expire`` as today requires — every move checked by the engine, with one flush per step for the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement, AgreementKind
from app.errors import DomainError
from app.partnerships.models import Partnership
from app.reminders.models import Reminder, ReminderStatus
from app.workflow import definition, engine
from app.workflow.actor import Actor

WORKFLOW = "agreement"


@dataclass(frozen=True)
class ExistingTerms:
    """What is known of an agreement signed elsewhere."""

    title: str
    effective_date: date
    end_date: date
    notice_period_days: int = 30
    kind: AgreementKind = AgreementKind.MOU


def draft_for(partnership: Partnership, terms: ExistingTerms) -> Agreement:
    """A new draft (not yet added to the session) holding the terms of an agreement signed elsewhere."""
    agreement = Agreement(
        partnership_id=partnership.id,
        kind=terms.kind,
        title=terms.title,
        effective_date=terms.effective_date,
        end_date=terms.end_date,
        notice_period_days=terms.notice_period_days,
        document_versions=[],  # known empty: the guards and effects that look at them need not load them
        signatures=[],
    )
    agreement.partnership = partnership
    return agreement


AUTOMATIC_CATCH_UP = ("activate", "expire")


def record_many(
    session: Session, agreements: list[Agreement], evidence: list[str], actor: Actor
) -> list[DomainError | None]:
    """Record new agreements (not yet flushed) as signed elsewhere and bring them to today's status.

    Returns, per agreement, the error that refused ``record_existing`` (``None`` when it was recorded).
    """
    session.add_all(agreements)
    engine.record_creations(session, WORKFLOW, agreements, actor, flush=False)
    items = [(a, text, {"evidence": text}) for a, text in zip(agreements, evidence, strict=True)]
    # Not flushed on its own: the activation that follows at once writes the agreements' status in one UPDATE.
    results = engine.fire_many(session, WORKFLOW, items, "record_existing", actor, flush=False)
    errors = [result if isinstance(result, DomainError) else None for result in results]
    recorded = [(a, text) for a, text, error in zip(agreements, evidence, errors, strict=True) if error is None]
    bring_many_to_today(session, recorded)
    session.flush()  # those not due for activation are written here
    return errors


def bring_many_to_today(session: Session, agreements: list[tuple[Agreement, str]]) -> None:
    """Fire the automatic transitions each agreement is due for today (activate, then expire), as the scheduler would.

    A transition whose guard says it is not due (the effective date not reached, the end date not passed) is
    simply not taken.
    """
    workflow = definition.get_workflow(WORKFLOW)
    for trigger in AUTOMATIC_CATCH_UP:
        due = [(a, text, None) for a, text in agreements if workflow.find(trigger, a.status) is not None]
        if due:
            engine.fire_many(session, WORKFLOW, due, trigger, Actor.system(reason="catching up to today"))


def planned_reminders(session: Session, agreement_ids: list[int]) -> int:
    """How many reminders are planned for these agreements now."""
    if not agreement_ids:
        return 0
    stmt = select(func.count()).where(
        Reminder.subject_type == "agreement",
        Reminder.subject_id.in_(agreement_ids),
        Reminder.status == ReminderStatus.PLANNED,
    )
    return int(session.scalar(stmt) or 0)
