"""Why a reminder is cancelled, said as what happened: fulfilled, waived, terminated, superseded, a date moved.

The reasons are read from the facts (dates, outcomes, the successor agreement) and the workflow's groups and labels,
never from a state's name, so a new state gets a sensible reason from its label.

They are written in the language in use (the ``mail`` catalog, state labels from ``vocab``): the planner stores them
in English (``cancel_reason``), and a withdrawn deadline's e-mail says them again in its reader's language
(:func:`reason_for`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement, AgreementKind
from app.i18n import DEFAULT_LANGUAGE, MAIL, VOCAB, format_date, normalise, use_language
from app.obligations.models import Obligation
from app.reminders.models import Reminder, ReminderKind
from app.workflow.definition import label, states

_ = MAIL.gettext


def _day(day: date) -> str:
    return format_date(day, "long")


def _kind(kind: AgreementKind) -> str:
    words = {
        AgreementKind.MOU: MAIL.pgettext("agreement kind", "MOU"),
        AgreementKind.AMENDMENT: MAIL.pgettext("agreement kind", "amendment"),
        AgreementKind.EXTENSION: MAIL.pgettext("agreement kind", "extension"),
        AgreementKind.RENEWAL: MAIL.pgettext("agreement kind", "renewal"),
        AgreementKind.TERMINATION_NOTICE: MAIL.pgettext("agreement kind", "termination notice"),
    }
    return words.get(kind, kind.value.replace("_", " "))


def _label(workflow: str, status: str) -> str:
    return VOCAB.gettext(label(workflow, status))


def _successor(session: Session, agreement: Agreement) -> Agreement | None:
    running = sorted(states("agreement", group="running"))
    stmt = select(Agreement).where(Agreement.parent_id == agreement.id, Agreement.status.in_(running))
    return session.scalars(stmt.order_by(Agreement.id.desc())).first()


def agreement_reason(session: Session, agreement: Agreement, *, partner: bool = False) -> str:
    """Why ``agreement`` has no reminders to send any more (it left force, or never reached it).

    ``partner``: said for a partner, without the register's state names nor its staff's notes.
    """
    status = agreement.status
    if status in states("agreement", group="replaced"):
        successor = _successor(session, agreement)
        if successor is None:
            return _("the agreement was superseded")
        kind = _kind(successor.kind)
        text = _("the agreement was superseded by its {kind} “{title}”", kind=kind, title=successor.title)
        if successor.end_date is not None and successor.end_date != agreement.end_date:
            text += _("; the end date moved to {date}", date=_day(successor.end_date))
        return text
    if agreement.terminated_on is not None and status in states("agreement", group="no_longer_in_force"):
        text = _("the agreement was terminated with effect from {date}", date=_day(agreement.terminated_on))
        note = agreement.termination_reason if not partner else None
        return text + (f" ({note})" if note else "")
    if status in states("agreement", group="no_longer_in_force") and agreement.end_date is not None:
        return _("the agreement expired on {date}", date=_day(agreement.end_date))
    if status in states("agreement", group="in_force") and status not in states("agreement", group="running"):
        if partner:
            return _("the obligations under the agreement are on hold")
        return _("the agreement is {state}: its obligations are on hold", state=_label("agreement", status).lower())
    if agreement.end_date is None:
        return _("the agreement no longer has an end date")
    if partner:
        return _("the agreement is no longer in force")
    return _("the agreement is no longer in force (now: {state})", state=_label("agreement", status))


def obligation_reason(session: Session, obligation: Obligation, *, partner: bool = False) -> str:
    """Why ``obligation`` has no reminders to send any more: its outcome, its agreement's or its missing date.

    ``partner``: said for a partner, without the register's state names nor its staff's notes.
    """
    status = obligation.status
    if status in states("obligation", group="waived"):
        if obligation.waived_reason and not partner:
            return _("the obligation was waived: {reason}", reason=obligation.waived_reason)
        return _("the obligation was waived")
    if status in states("obligation", group="closed"):
        if obligation.fulfilled_on:
            return _("the obligation was fulfilled on {date}", date=_day(obligation.fulfilled_on))
        return _("the obligation was fulfilled")
    if obligation.due_date is None:
        return _("the obligation no longer has a due date")
    return agreement_reason(session, obligation.agreement, partner=partner)


def reason_for(session: Session, reminder: Reminder, language: str, *, partner: bool = False) -> str:
    """Why ``reminder``'s deadline was withdrawn, in ``language`` and for its audience.

    People of the organisation reading English get the stored reason; others get it said again from the facts as
    they are (a partner without state names or staff notes). When the subject is gone: the stored reason, or for a
    partner a plain "the deadline was withdrawn".
    """
    stored = reminder.cancel_reason or ""
    if normalise(language) == DEFAULT_LANGUAGE and not partner:
        return stored
    with use_language(language):
        fallback = _("the deadline was withdrawn") if partner else stored
        if reminder.subject_type == "obligation":
            obligation = session.get(Obligation, reminder.subject_id)
            return obligation_reason(session, obligation, partner=partner) if obligation is not None else fallback
        agreement = session.get(Agreement, reminder.subject_id) if reminder.subject_type == "agreement" else None
        return agreement_reason(session, agreement, partner=partner) if agreement is not None else fallback


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
