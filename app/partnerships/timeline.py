"""The timeline of a partnership: everything dated about it, from first contact to the last reminder, in order."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement
from app.config import get_settings
from app.obligations.models import Obligation
from app.partnerships.queries import get_partnership
from app.partnerships.schemas import TimelineEntry
from app.reminders.models import Reminder
from app.workflow.models import TransitionEvent


def _local(instant: datetime) -> date:
    return instant.astimezone(get_settings().zone).date()


def timeline(session: Session, partnership_id: int) -> list[TimelineEntry]:
    """Interactions, undertakings, stage and status changes, agreement dates, obligations and reminders, by date."""
    partnership = get_partnership(session, partnership_id)
    entries: list[TimelineEntry] = []
    add = entries.append
    for item in partnership.interactions:
        add(TimelineEntry(on=item.occurred_on, at=None, kind=f"interaction:{item.kind.value}", title=item.summary[:200],
                          detail=item.participants, subject_type="interaction", subject_id=item.id))  # fmt: skip
    for item in partnership.undertakings:
        add(TimelineEntry(on=item.given_on, at=None, kind="undertaking", title=f"Undertaking given by {item.given_by}",
                          detail=item.scope, subject_type="undertaking", subject_id=item.id))  # fmt: skip
    agreements = list(session.scalars(select(Agreement).where(Agreement.partnership_id == partnership.id)))
    titles = {agreement.id: agreement.title for agreement in agreements}
    for agreement in agreements:
        for label, day in (("effective date", agreement.effective_date), ("end date", agreement.end_date)):
            if day is not None:
                add(TimelineEntry(on=day, at=None, kind=f"agreement:{label.replace(' ', '_')}",
                                  title=f"{agreement.title}: {label}", subject_type="agreement",
                                  subject_id=agreement.id))  # fmt: skip
    obligations = list(session.scalars(select(Obligation).where(Obligation.agreement_id.in_(titles))))
    for obligation in obligations:
        if obligation.due_date is not None:
            add(TimelineEntry(on=obligation.due_date, at=None, kind=f"obligation:{obligation.status}",
                              title=obligation.description[:200], detail=titles[obligation.agreement_id],
                              subject_type="obligation", subject_id=obligation.id))  # fmt: skip
    subjects = [
        ("partnership", [partnership.id]),
        ("agreement", list(titles)),
        ("obligation", [obligation.id for obligation in obligations]),
    ]
    of_subject = [
        and_(TransitionEvent.entity_type == kind, TransitionEvent.entity_id.in_(ids)) for kind, ids in subjects if ids
    ]
    events = select(TransitionEvent).where(or_(*of_subject))
    for event in session.scalars(events):
        title = f"{event.entity_type} {event.trigger.replace('_', ' ')}: {event.from_state or '—'} → {event.to_state}"
        add(TimelineEntry(on=_local(event.occurred_at), at=event.occurred_at, kind=f"transition:{event.trigger}",
                          title=title, detail=event.comment, subject_type=event.entity_type,
                          subject_id=event.entity_id))  # fmt: skip
    for reminder in session.scalars(select(Reminder).where(Reminder.partnership_id == partnership.id)):
        title = f"Reminder ({reminder.kind.value.replace('_', ' ')}) to {reminder.recipient_email}: {reminder.status}"
        add(TimelineEntry(on=_local(reminder.send_at), at=reminder.send_at, kind=f"reminder:{reminder.status}",
                          title=title, detail=f"deadline {reminder.due_on}", subject_type="reminder",
                          subject_id=reminder.id))  # fmt: skip
    # Undated-in-the-day entries (dates) come first on their day, then timestamped ones in order.
    entries.sort(key=_order)
    return entries


def _order(entry: TimelineEntry) -> tuple[date, bool, float, str]:
    return (entry.on, entry.at is not None, entry.at.timestamp() if entry.at else 0.0, entry.kind)
