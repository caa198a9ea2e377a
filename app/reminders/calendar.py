"""The calendar file of a reminder (RFC 5545, written by the icalendar library): one event per deadline.

The event's words (SUMMARY, DESCRIPTION, the alarm's description) are the e-mail's own, already in the reader's
language; a partner's event carries no link to the register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from icalendar import Alarm, Calendar, Event
from sqlalchemy.orm import Session

from app.agreements.models import Agreement, AgreementKind
from app.obligations.models import Obligation
from app.reminders.models import Reminder
from app.reminders.wording import withdrawn_kind

CARRIES_ON = {AgreementKind.AMENDMENT, AgreementKind.EXTENSION, AgreementKind.RENEWAL}


def sender_domain(sender: str) -> str:
    """The domain of the sender's address (``localhost`` when it has none)."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


@dataclass(frozen=True)
class Deadline:
    """The calendar event of one deadline: the same UID for every reminder of it, a SEQUENCE that grows as it moves."""

    uid: str
    sequence: int


def _agreement_chain(session: Session, agreement: Agreement) -> list[Agreement]:
    """The agreement and those it carries on from (an extension's MOU, a renewal's original), newest first."""
    chain = [agreement]
    while chain[-1].parent_id is not None and chain[-1].kind in CARRIES_ON and len(chain) < 100:
        parent = session.get(Agreement, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
    return chain


def deadline_of(session: Session, reminder: Reminder, sender: str) -> Deadline:
    """The event of ``reminder``'s deadline: one UID for the 90-, 30- and 7-day reminders of one end date, notice
    deadline or obligation due date, kept when an extension moves the date, with a SEQUENCE that grows then.

    An agreement's deadlines are named after the first agreement of its chain (an extension continues its MOU); the
    SEQUENCE sums the chain's row versions, which only grow, and grows by at least one with each extension.
    """
    domain = sender_domain(sender)
    if reminder.subject_type == "obligation":
        obligation = session.get(Obligation, reminder.subject_id)
        version = obligation.version if obligation is not None else 1
        return Deadline(f"obligation-{reminder.subject_id}-due@{domain}", version - 1)
    kind = withdrawn_kind(reminder) or reminder.kind
    agreement = session.get(Agreement, reminder.subject_id)
    chain = _agreement_chain(session, agreement) if agreement is not None else []
    root = chain[-1].id if chain else reminder.subject_id
    sequence = sum(item.version for item in chain) - 1 if chain else 0
    return Deadline(f"agreement-{root}-{kind.value.replace('_', '-')}@{domain}", max(sequence, 0))


def calendar_for(
    reminder: Reminder,
    summary: str,
    description: str,
    url: str | None,
    deadline: Deadline,
    stamp: datetime,
    *,
    cancel: bool = False,
    language: str | None = None,
) -> bytes:
    """An all-day VEVENT on the deadline date with a reminder alarm the morning before; ``cancel`` withdraws it.

    ``url`` (the partnership's page) is left out when None: a partner cannot open the register's pages.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Agreements//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancel else "PUBLISH")
    event = Event()
    event.add("uid", deadline.uid)
    event.add("sequence", deadline.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", reminder.due_on)
    event.add("dtend", reminder.due_on + timedelta(days=1))
    words = {"parameters": {"LANGUAGE": language}} if language else {}
    event.add("summary", summary, **words)
    event.add("description", description, **words)
    if url:
        event.add("url", url)
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    if not cancel:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary, **words)
        alarm.add("trigger", timedelta(hours=-15))  # 9:00 the day before the all-day event
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()
