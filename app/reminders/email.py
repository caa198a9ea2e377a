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

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.config import Settings, get_settings
from app.obligations.models import Obligation
from app.reminders.models import Reminder, ReminderKind
from app.resources import email_templates_dir


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
    return ReminderContext(
        partnership_id=partnership.id,
        reference=partnership.reference,
        partnership_title=partnership.title,
        agreement_title=agreement.title,
        end_date=agreement.end_date,
        notice_period_days=agreement.notice_period_days,
        obligation=obligation.description if obligation is not None else None,
        party=party,
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
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def subject_line(reminder: Reminder, context: ReminderContext, today: date) -> str:
    """The Subject header: reference, what falls due and when."""
    days = (reminder.due_on - today).days
    when, on = _in_days(days), long_date(reminder.due_on)
    name = f"{context.agreement_title} on {context.partnership_title}"
    if reminder.kind == ReminderKind.END_DATE:
        text = f"{name} {'ends' if days >= 0 else 'ended'} {when} ({on})"  # not a workflow state: the verb
    elif reminder.kind == ReminderKind.NOTICE_DEADLINE:
        text = f"Last day to give notice on {name}: {on} ({when})"
    elif reminder.kind == ReminderKind.OBLIGATION_DUE:
        text = f"Obligation due {when} ({on}): {_one_line(context.obligation or '', 60)}"
    else:
        text = f"Obligation overdue since {on}: {_one_line(context.obligation or '', 60)}"
    return _one_line(f"[{context.reference}] {text}", 200)


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


# iCalendar (RFC 5545) ------------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never splitting a UTF-8 character."""
    pieces: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += octets
    pieces.append(current)
    return "\r\n".join(pieces)


def calendar_for(reminder: Reminder, summary: str, description: str, url: str, sender: str, stamp: datetime) -> bytes:
    """An all-day VEVENT on the deadline date, as a PUBLISH calendar with CRLF lines folded at 75 octets."""
    uid = message_id_for(reminder.dedupe_key, sender).strip("<>")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Agreements//Reminders//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{reminder.due_on:%Y%m%d}",
        f"DTEND;VALUE=DATE:{reminder.due_on + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{url}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")


def _address(value: str) -> Address | str:
    name, address = parseaddr(value)
    if "@" not in address:
        return value
    username, _, domain = address.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def build_message(
    reminder: Reminder, context: ReminderContext, settings: Settings | None = None, now: datetime | None = None
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
    message["Message-ID"] = message_id_for(reminder.dedupe_key, settings.smtp_sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    ics = calendar_for(reminder, subject, text.strip(), partnership_link(context, settings), settings.smtp_sender, now)
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename=f"{reminder.kind.value.replace('_', '-')}-{reminder.due_on:%Y-%m-%d}.ics",
        params={"method": "PUBLISH", "charset": "utf-8"},
    )
    return message
