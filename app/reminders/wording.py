"""The words of a reminder e-mail that are built in Python: its subject, dates, "in 30 days", quoted titles.

Every message comes from the ``mail`` catalog in the language in use (``app.i18n.use_language``), so the e-mail
composer only has to choose the reader's language; English reads as it always has.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from app.i18n import MAIL, current_language, format_date
from app.reminders.audience import INTERNAL, Recipient
from app.reminders.models import Reminder, ReminderKind

if TYPE_CHECKING:
    from app.reminders.email import ReminderContext

_ = MAIL.gettext

SUBJECT_LIMIT = 69
"""Longest subject, in characters: with ``Subject: `` the header line keeps to the 78 that RFC 5322 recommends, so
an ASCII subject is never folded (a folded one reads back with a leading space in some mail programs)."""


def long_date(day: date) -> str:
    """A date as people write it in the language in use: ``31 March 2027``, ``31 mars 2027``."""
    return format_date(day, "long")


def short_date(day: date) -> str:
    """A date for a subject line: ``31 Mar 2027``, ``31 mars 2027``, ``31 mar 2027``."""
    if current_language() == "en":
        return f"{day.day} {day:%b %Y}"
    return format_date(day, "d MMM y")


def in_days(days: int) -> str:
    """How far a day is from today: "today", "in 30 days", "2 days ago", in the language in use."""
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if days == -1:
        return _("yesterday")
    if days > 0:
        return MAIL.ngettext("in {n} day", "in {n} days", days)
    return MAIL.ngettext("{n} day ago", "{n} days ago", -days)


def quoted(text: str, *, html: bool) -> str:
    """A title in quotation marks the reader's way ("…" in plain text and “…” in HTML in English, « … » in French)."""
    if html:
        return MAIL.pgettext("quoted in HTML", "“{text}”", text=text)
    return MAIL.pgettext("quoted in plain text", '"{text}"', text=text)


def one_line(text: str, limit: int = 80) -> str:
    """``text`` on one line, shortened with an ellipsis to ``limit`` characters."""
    line = " ".join(text.split())
    if limit <= 1:
        return "…" if line else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip(" &,;:—-") + "…"


def withdrawn_kind(reminder: Reminder) -> ReminderKind | None:
    """For a ``deadline_cancelled`` e-mail, the kind of deadline it withdraws (kept in its series)."""
    if reminder.kind != ReminderKind.DEADLINE_CANCELLED:
        return None
    return ReminderKind(reminder.series.split(":")[2])


def partners(context: ReminderContext) -> str:
    """The partner(s) a reminder is about: "UNICEF & WHO", or "UNICEF & 3 others"; else the partnership's title."""
    if context.others:
        return MAIL.ngettext("{name} & {n} other", "{name} & {n} others", context.others, name=context.partners)
    return context.partners or context.partnership_title


def _head(reminder: Reminder, days: int) -> str:
    day = short_date(reminder.due_on)
    when = _("{date} ({relative})", date=day, relative=in_days(days))
    if reminder.kind == ReminderKind.END_DATE:
        return _("Ends {when}", when=when) if days >= 0 else _("Ended {when}", when=when)
    if reminder.kind == ReminderKind.NOTICE_DEADLINE:
        return _("Notice deadline {when}", when=when)
    if reminder.kind == ReminderKind.OBLIGATION_DUE:
        return _("Obligation due {when}", when=when)
    if reminder.kind == ReminderKind.OBLIGATION_OVERDUE:
        return _("Obligation overdue since {date}", date=day)
    if reminder.kind == ReminderKind.WITHDRAWAL:
        return _("A partner withdraws {when}", when=when)
    withdrawn = withdrawn_kind(reminder) or reminder.kind
    if withdrawn == ReminderKind.END_DATE:
        return _("Cancelled end date {date}", date=day)
    if withdrawn == ReminderKind.NOTICE_DEADLINE:
        return _("Cancelled notice deadline {date}", date=day)
    return _("Cancelled obligation due {date}", date=day)


def subject_line(
    reminder: Reminder, context: ReminderContext, today: date, recipient: Recipient = INTERNAL, organisation: str = ""
) -> str:
    """The Subject header, at most 69 characters (a header line under 78): what falls due, when, which agreement.

    The people of the organisation read which partner it is about and the partnership's reference; a partner reads
    "your agreement with <organisation>" (or "your agreement" when the name does not fit) and the agreement's
    reference. A long name is shortened with an ellipsis;
    the obligation and the reference follow if they fit.
    """
    head = _head(reminder, (reminder.due_on - today).days)
    frame = _("{what}: {about}", what=head, about="")
    room = SUBJECT_LIMIT - len(frame)
    if recipient.partner:
        about = _("your agreement with {organisation}", organisation=" ".join(organisation.split()))
        if len(about) > room:  # the sender says who it is from: better no name than half of it
            about = _("your agreement")
        reference = context.agreement_reference
    else:
        about = one_line(partners(context), room)
        reference = context.reference
    text = one_line(_("{what}: {about}", what=head, about=about), SUBJECT_LIMIT)
    obligation = " ".join((context.obligation or "").split())
    if obligation and SUBJECT_LIMIT - len(text) - len(" — ") >= min(len(obligation), 12):
        text += f" — {one_line(obligation, SUBJECT_LIMIT - len(text) - len(' — '))}"
    suffix = f" [{reference}]" if reference else ""  # last: the body gives it anyway
    return text + suffix if len(text) + len(suffix) <= SUBJECT_LIMIT else text
