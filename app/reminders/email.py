"""The reminder e-mail: subject, plain text and HTML from ``app/templates/emails``, and an iCalendar file of the
deadline, all in the reader's language and for their audience.

The reader (``app.reminders.audience.recipient_for``) is decided when the e-mail is composed: a person of the
organisation reads the internal e-mail (``<kind>.txt.j2``, with a link to the partnership's page); a partner reads
the partner e-mail (``partner/<kind>.txt.j2``: "your agreement with <organisation>", signed by the organisation, no
internal words and no links to the register). Both are rendered under ``app.i18n.use_language`` with the ``mail``
catalog installed in the sandboxed Jinja environment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
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
from app.i18n import MAIL, current_language, use_language
from app.obligations.models import Obligation
from app.partnerships.models import PartyRole
from app.reminders.audience import INTERNAL, Recipient
from app.reminders.calendar import CARRIES_ON, Deadline, calendar_for, deadline_of, sender_domain
from app.reminders.models import Reminder, ReminderKind
from app.reminders.wire import Flattened, flatten, readdressed
from app.reminders.wording import SUBJECT_LIMIT, in_days, long_date, quoted, subject_line, withdrawn_kind
from app.resources import email_templates_dir

__all__ = [
    "CARRIES_ON", "SUBJECT_LIMIT", "Deadline", "MessageCache", "ReminderContext", "SubjectMissing", "build_message",
    "calendar_for", "deadline_of", "load_context", "long_date", "message_id_for", "render_bodies", "render_template",
    "sender_domain", "subject_line", "withdrawn_kind",
]  # fmt: skip


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
    owed_by_us: bool = False  # the obligation is the organisation's own (no partner owes it)
    others: int = (
        0  # how many more partners than the one ``partners`` names ("X & 3 others", said in the reader's words)
    )


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
        partners=" & ".join(names) if len(names) <= 2 else names[0],
        others=0 if len(names) <= 2 else len(names) - 1,
        owed_by_us=obligation is not None and obligation.party is None,
    )


def message_id_for(dedupe_key: str, sender: str) -> str:
    """The Message-ID of a reminder: the same for every attempt, so a re-sent copy is recognisably the same email.

    Between the SMTP server accepting a message and the dispatcher recording it as sent, a crash cannot be
    avoided; the reminder is then sent again after its lease, and this stable Message-ID lets mail systems and
    people see that the second copy is the same email, not a new alert.
    """
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{sender_domain(sender)}>"


@lru_cache
def _environment(autoescape: bool) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=FileSystemLoader(str(email_templates_dir())),
        autoescape=autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # The callables read the language in use on each call, so one environment serves every language.
    environment.install_gettext_callables(*MAIL.jinja_callables(), newstyle=True)  # type: ignore[attr-defined]
    return environment


def render_template(name: str, values: dict[str, object], *, html: bool) -> str:
    """Render ``app/templates/emails/<name>`` (HTML-escaped when ``html``) with undefined values refused."""
    return _environment(html).get_template(name).render(values)


def _named(context: ReminderContext, *, html: bool) -> str:
    title = quoted(context.agreement_title, html=html)
    return f"{title} ({context.agreement_reference})" if context.agreement_reference else title


def render_bodies(
    reminder: Reminder,
    context: ReminderContext,
    today: date,
    settings: Settings,
    recipient: Recipient = INTERNAL,
    reason: str | None = None,
) -> tuple[str, str]:
    """The plain text and HTML bodies of the reminder e-mail, in the language in use, for ``recipient``'s audience.

    ``reason`` (a cancelled deadline's, in the reader's language) defaults to the reminder's stored one.
    """
    days = (reminder.due_on - today).days
    values = {
        "reminder": reminder,
        "kind": reminder.kind.value,
        "context": context,
        "due_on": long_date(reminder.due_on),
        "end_date": long_date(context.end_date) if context.end_date else None,
        "days": days,
        "when": in_days(days),
        "link": None if recipient.partner else partnership_link(context, settings),
        "organisation": settings.organisation_name,
        "language": current_language(),
        "recipient_name": recipient.name,
        "reason": reason if reason is not None else (reminder.cancel_reason or ""),
    }
    name = ("partner/" if recipient.partner else "") + reminder.kind.value
    text = render_template(f"{name}.txt.j2", {**values, "agreement": _named(context, html=False),
                           "title": quoted(context.agreement_title, html=False),
                           "obligation": quoted(context.obligation or "", html=False)}, html=False)  # fmt: skip
    html = render_template(f"{name}.html.j2", {**values, "agreement": _named(context, html=True),
                           "title": quoted(context.agreement_title, html=True),
                           "obligation": quoted(context.obligation or "", html=True)}, html=True)  # fmt: skip
    return text, html


def partnership_link(context: ReminderContext, settings: Settings) -> str:
    """The address of the partnership's page."""
    return f"{settings.base_url.rstrip('/')}/partnerships/{context.partnership_id}"


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
    recipient: Recipient = INTERNAL,
    reason: str | None = None,
    cache: MessageCache | None = None,
) -> EmailMessage:
    """The complete e-mail of ``reminder`` to ``recipient``, in their language: text and HTML alternatives plus the
    deadline as an .ics attachment (whose words are the e-mail's; a partner's carries no link to the register).

    With a ``cache`` (one per batch), an e-mail whose words were already composed for another recipient is that
    e-mail readdressed: its subject, bodies and .ics are not rendered again, nor its MIME parts flattened again
    (``app.reminders.wire``).
    """
    settings = settings or get_settings()
    now = now or clock.now()
    message_id = message_id_for(reminder.dedupe_key, settings.smtp_sender)
    if cache is None or deadline is None:  # without a deadline the event's UID is the Message-ID: nothing shared
        return _compose(reminder, context, settings, now, deadline, recipient, reason, message_id)
    words = reason if reason is not None else (reminder.cancel_reason or "")
    key = (reminder.kind, reminder.due_on, withdrawn_kind(reminder), words, context, recipient, deadline, now)
    flat = cache.composed.get(key)
    if flat is None:
        composed = _compose(reminder, context, settings, now, deadline, recipient, reason, message_id)
        flat = cache.composed[key] = flatten(composed)
    return readdressed(flat, _address(reminder.recipient_email), message_id)


@dataclass
class MessageCache:
    """The e-mails composed in one batch, flattened, by everything their words depend on (not the address)."""

    composed: dict[tuple[object, ...], Flattened] = field(default_factory=dict)


def _compose(
    reminder: Reminder,
    context: ReminderContext,
    settings: Settings,
    now: datetime,
    deadline: Deadline | None,
    recipient: Recipient,
    reason: str | None,
    message_id: str,
) -> EmailMessage:
    today = clock.local_date(now, settings.zone)
    with use_language(recipient.language) as language:
        subject = subject_line(reminder, context, today, recipient, settings.organisation_name)
        text, html = render_bodies(reminder, context, today, settings, recipient, reason)
    message = EmailMessage()
    message["From"] = _address(settings.smtp_sender)
    message["To"] = _address(reminder.recipient_email)
    message["Subject"] = subject
    message["Date"] = now
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    link = None if recipient.partner else partnership_link(context, settings)
    cancel = reminder.kind == ReminderKind.DEADLINE_CANCELLED
    event = deadline or Deadline(message_id.strip("<>"), 0)
    ics = calendar_for(reminder, subject, text.strip(), link, event, now, cancel=cancel, language=language)
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename=f"{reminder.kind.value.replace('_', '-')}-{reminder.due_on:%Y-%m-%d}.ics",
        params={"method": "CANCEL" if cancel else "PUBLISH", "charset": "utf-8"},
    )
    message["Content-Language"] = language  # after the parts: setting the content drops Content-* headers
    return message
