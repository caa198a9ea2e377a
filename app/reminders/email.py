"""The reminder email: subject, plain text and HTML from ``app/templates/emails``, and an iCalendar file of the
deadline."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from functools import lru_cache

from icalendar import Alarm, Calendar, Event
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, AgreementKind
from app.config import Settings, get_settings
from app.obligations.models import Obligation
from app.partnerships.models import PartyRole
from app.reminders.models import Reminder, ReminderKind
from app.resources import email_templates_dir

CARRIES_ON = {AgreementKind.AMENDMENT, AgreementKind.EXTENSION, AgreementKind.RENEWAL}


class SubjectMissing(LookupError):
    """The agreement or obligation a reminder is about no longer exists."""


@dataclass(frozen=True)
class ReminderContext:
    """What an email says about the reminder's subject, read from the database before sending."""

    partnership_id: int
    reference: str
    partnership_title: str
    agreement_title: str
    end_date: date | None
    notice_period_days: int
    obligation: str | None = None
    party: str | None = None
    agreement_reference: str = ""
    partners: str = ""  # the partner it is about: the one who owes the obligation, else the partnership's


def load_context(session: Session, reminder: Reminder, settings: Settings | None = None) -> ReminderContext:
    """Read the agreement or obligation behind ``reminder``, or raise ``SubjectMissing``."""
    settings = settings or get_settings()
    obligation = None
    if reminder.subject_type not in {"agreement", "obligation"}:
        raise SubjectMissing(f"a {reminder.kind.value} reminder is about no agreement nor obligation")
    if reminder.subject_type == "obligation":
        obligation = session.get(Obligation, reminder.subject_id)
        agreement = obligation.agreement if obligation is not None else None
    else:
        agreement = session.get(Agreement, reminder.subject_id)
    if agreement is None:
        raise SubjectMissing(f"{reminder.subject_type} {reminder.subject_id} no longer exists")
    partnership = agreement.partnership
    party = None
    if obligation is not None:
        party = obligation.party.organisation.legal_name if obligation.party is not None else settings.organisation_name
    names = [p.organisation.legal_name for p in partnership.parties if p.role is not PartyRole.OBSERVER]
    if obligation is not None and obligation.party is not None:
        names = [obligation.party.organisation.legal_name]  # the partner who owes it
    return ReminderContext(
        partnership_id=partnership.id,
        reference=partnership.reference,
        partnership_title=partnership.title,
        agreement_title=agreement.title,
        end_date=agreement.end_date,
        notice_period_days=agreement.notice_period_days,
        obligation=obligation.description if obligation is not None else None,
        party=party,
        agreement_reference=agreement.reference,
        partners=" & ".join(names) if len(names) <= 2 else f"{names[0]} & {len(names) - 1} others",
    )


def sender_domain(sender: str) -> str:
    """The domain of the sender's address (``localhost`` when it has none)."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def message_id_for(dedupe_key: str, sender: str) -> str:
    """The Message-ID of a reminder: the same for every attempt, so a re-sent copy is recognisably the same email.

    Between the SMTP server accepting a message and the dispatcher recording it as sent, a crash cannot be
    avoided; the reminder is then sent again after its lease, and this stable Message-ID lets mail systems and
    people see that the second copy is the same email, not a new alert.
    """
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{sender_domain(sender)}>"


def long_date(day: date) -> str:
    """A date as people write it in English: ``31 March 2027``."""
    return f"{day.day} {day:%B %Y}"


def _in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def _one_line(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip(" &,;:—-") + "…"


SUBJECT_LIMIT = 69
"""Longest subject, in characters: with ``Subject: `` the header line keeps to the 78 that RFC 5322 recommends, so
an ASCII subject is never folded (a folded one reads back with a leading space in some mail programs)."""


def subject_line(reminder: Reminder, context: ReminderContext, today: date) -> str:
    """The Subject header, at most 69 characters (a header line under 78): what falls due, when, which partner.

    The partner's name is shortened with an ellipsis when long; the obligation and the reference follow if they fit.
    """
    days = (reminder.due_on - today).days
    when = f"{reminder.due_on.day} {reminder.due_on:%b %Y} ({_in_days(days)})"
    if reminder.kind == ReminderKind.END_DATE:
        head = f"{'Ends' if days >= 0 else 'Ended'} {when}"
    elif reminder.kind == ReminderKind.NOTICE_DEADLINE:
        head = f"Notice deadline {when}"
    elif reminder.kind == ReminderKind.OBLIGATION_DUE:
        head = f"Obligation due {when}"
    elif reminder.kind == ReminderKind.OBLIGATION_OVERDUE:
        head = f"Obligation overdue since {reminder.due_on.day} {reminder.due_on:%b %Y}"
    else:
        what = {ReminderKind.END_DATE: "end date", ReminderKind.NOTICE_DEADLINE: "notice deadline"}
        withdrawn = what.get(withdrawn_kind(reminder) or reminder.kind, "obligation due")
        head = f"Cancelled {withdrawn} {reminder.due_on.day} {reminder.due_on:%b %Y}"
    partner = " ".join((context.partners or context.partnership_title).split())
    text = f"{head}: {_one_line(partner, SUBJECT_LIMIT - len(head) - len(': '))}"
    obligation = " ".join((context.obligation or "").split())
    if obligation and SUBJECT_LIMIT - len(text) - len(" — ") >= min(len(obligation), 12):
        text += f" — {_one_line(obligation, SUBJECT_LIMIT - len(text) - len(' — '))}"
    reference = f" [{context.reference}]"  # last: the body gives it anyway
    return text + reference if len(text) + len(reference) <= SUBJECT_LIMIT else text


@lru_cache
def _environment(autoescape: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(email_templates_dir())),
        autoescape=autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(name: str, values: dict[str, object], *, html: bool) -> str:
    """Render ``app/templates/emails/<name>`` (HTML-escaped when ``html``) with undefined values refused."""
    return _environment(html).get_template(name).render(values)


def render_bodies(reminder: Reminder, context: ReminderContext, today: date, settings: Settings) -> tuple[str, str]:
    """The plain text and HTML bodies of the reminder email."""
    days = (reminder.due_on - today).days
    values = {
        "reminder": reminder,
        "kind": reminder.kind.value,
        "context": context,
        "due_on": long_date(reminder.due_on),
        "end_date": long_date(context.end_date) if context.end_date else None,
        "days": days,
        "when": _in_days(days),
        "link": partnership_link(context, settings),
        "organisation": settings.organisation_name,
    }
    name = reminder.kind.value
    text = _environment(False).get_template(f"{name}.txt.j2").render(values)
    html = _environment(True).get_template(f"{name}.html.j2").render(values)
    return text, html


def partnership_link(context: ReminderContext, settings: Settings) -> str:
    """The address of the partnership's page."""
    return f"{settings.base_url.rstrip('/')}/partnerships/{context.partnership_id}"


# iCalendar (RFC 5545), written by the icalendar library --------------------------------------------------------


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


def withdrawn_kind(reminder: Reminder) -> ReminderKind | None:
    """For a ``deadline_cancelled`` e-mail, the kind of deadline it withdraws (kept in its series)."""
    if reminder.kind != ReminderKind.DEADLINE_CANCELLED:
        return None
    return ReminderKind(reminder.series.split(":")[2])


def calendar_for(
    reminder: Reminder,
    summary: str,
    description: str,
    url: str,
    deadline: Deadline,
    stamp: datetime,
    *,
    cancel: bool = False,
) -> bytes:
    """An all-day VEVENT on the deadline date with a reminder alarm the morning before; ``cancel`` withdraws it."""
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
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    if not cancel:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(hours=-15))  # 9:00 the day before the all-day event
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()


def _address(value: str) -> Address | str:
    name, address = parseaddr(value)
    if "@" not in address:
        return value
    username, _, domain = address.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def build_message(
    reminder: Reminder,
    context: ReminderContext,
    settings: Settings | None = None,
    now: datetime | None = None,
    deadline: Deadline | None = None,
) -> EmailMessage:
    """The complete email of ``reminder``: text and HTML alternatives plus the deadline as an .ics attachment."""
    settings = settings or get_settings()
    now = now or clock.now()
    today = clock.local_date(now, settings.zone)
    subject = subject_line(reminder, context, today)
    text, html = render_bodies(reminder, context, today, settings)
    message = EmailMessage()
    message["From"] = _address(settings.smtp_sender)
    message["To"] = _address(reminder.recipient_email)
    message["Subject"] = subject
    message["Date"] = now
    message_id = message_id_for(reminder.dedupe_key, settings.smtp_sender)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    link = partnership_link(context, settings)
    cancel = reminder.kind == ReminderKind.DEADLINE_CANCELLED
    event = deadline or Deadline(message_id.strip("<>"), 0)
    ics = calendar_for(reminder, subject, text.strip(), link, event, now, cancel=cancel)
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename=f"{reminder.kind.value.replace('_', '-')}-{reminder.due_on:%Y-%m-%d}.ics",
        params={"method": "CANCEL" if cancel else "PUBLISH", "charset": "utf-8"},
    )
    return message
