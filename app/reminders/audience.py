"""Who a reminder is written to: a person of the organisation (internal wording, links to the register) or a partner
(wording written for the partner, no internal links), and in which language.

Decided when the e-mail is composed, so a language changed in a profile after the reminder was planned counts:

- a user of the register (the reminder's ``recipient_user_id``, or a user with that address) reads the internal
  e-mail in ``users.language`` (None: the organisation's default, English);
- a partner contact with that address (a focal point, or an address of the reminder policy's copies) reads the
  partner e-mail in ``contacts.language``, else their organisation's ``correspondence_language``;
- a partner organisation's own address reads the partner e-mail in its correspondence language;
- any other address (the organisation's own mailboxes copied on every reminder, ``AGREEMENTS_REMIND_CC``) reads the
  internal e-mail in English, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import DEFAULT_LANGUAGE, is_supported, normalise
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Partnership
from app.reminders.models import Reminder
from app.users.models import User


@dataclass(frozen=True)
class Recipient:
    """The reader of one e-mail: their language, whether they are a partner, and their name when known."""

    language: str = DEFAULT_LANGUAGE
    partner: bool = False
    name: str | None = None


INTERNAL = Recipient()
"""A person of the organisation whose language is not known: the internal e-mail in English."""


def _language(*choices: str | None) -> str:
    for choice in choices:
        if choice and is_supported(choice):
            return normalise(choice)
    return DEFAULT_LANGUAGE


def _contact(session: Session, email: str, partnership_id: int | None) -> Contact | None:
    """The contact with ``email``: the one at a party of the reminder's partnership first, then a focal point."""
    found = list(session.scalars(select(Contact).where(func.lower(Contact.email) == email).order_by(Contact.id)))
    if not found:
        return None
    partnership = session.get(Partnership, partnership_id) if partnership_id else None
    parties = {party.organisation_id for party in partnership.parties} if partnership is not None else set()
    return min(found, key=lambda c: (c.organisation_id not in parties, not c.is_focal_point, c.id))


def recipient_for(session: Session, reminder: Reminder) -> Recipient:
    """The reader of ``reminder``'s e-mail, read from the people, contacts and organisations as they are now."""
    user = session.get(User, reminder.recipient_user_id) if reminder.recipient_user_id else None
    email = (reminder.recipient_email or "").strip().lower()
    if user is None and email:
        user = session.scalars(select(User).where(func.lower(User.email) == email).order_by(User.id)).first()
    if user is not None:
        return Recipient(_language(user.language), partner=False, name=user.full_name)
    if not email:
        return INTERNAL
    contact = _contact(session, email, reminder.partnership_id)
    if contact is not None:
        language = _language(contact.language, contact.organisation.correspondence_language)
        return Recipient(language, partner=True, name=contact.name)
    organisation = session.scalars(
        select(Organisation).where(func.lower(Organisation.email) == email).order_by(Organisation.id)
    ).first()
    if organisation is not None:
        return Recipient(_language(organisation.correspondence_language), partner=True, name=None)
    return INTERNAL


def recipients_for(session: Session, reminders: list[Reminder]) -> dict[int, Recipient]:
    """The reader of each reminder's e-mail (by reminder id), as :func:`recipient_for` decides, in a few queries.

    A batch's people, contacts and organisations are read once for all its reminders (not up to four queries per
    reminder); each reminder is then decided by the same rules, in the same order.
    """
    emails = {(reminder.recipient_email or "").strip().lower() for reminder in reminders} - {""}
    user_ids = {reminder.recipient_user_id for reminder in reminders if reminder.recipient_user_id}
    users_by_id = {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}
    users_by_email: dict[str, User] = {}
    contacts: dict[str, list[Contact]] = {}
    organisations: dict[str, Organisation] = {}
    if emails:
        for user in session.scalars(select(User).where(func.lower(User.email).in_(emails)).order_by(User.id)):
            users_by_email.setdefault(user.email.lower(), user)
        for contact in session.scalars(
            select(Contact).where(func.lower(Contact.email).in_(emails)).order_by(Contact.id)
        ):
            contacts.setdefault((contact.email or "").lower(), []).append(contact)
        for organisation in session.scalars(
            select(Organisation).where(func.lower(Organisation.email).in_(emails)).order_by(Organisation.id)
        ):
            organisations.setdefault((organisation.email or "").lower(), organisation)
    parties: dict[int | None, set[int]] = {}
    readers: dict[int, Recipient] = {}
    for reminder in reminders:
        email = (reminder.recipient_email or "").strip().lower()
        user = users_by_id.get(reminder.recipient_user_id) if reminder.recipient_user_id else None
        user = user or users_by_email.get(email)
        if user is not None:
            readers[reminder.id] = Recipient(_language(user.language), partner=False, name=user.full_name)
            continue
        found = contacts.get(email)
        if found:
            if reminder.partnership_id not in parties:
                partnership = session.get(Partnership, reminder.partnership_id) if reminder.partnership_id else None
                parties[reminder.partnership_id] = (
                    {party.organisation_id for party in partnership.parties} if partnership is not None else set()
                )
            ours = parties[reminder.partnership_id]
            contact = min(found, key=lambda c: (c.organisation_id not in ours, not c.is_focal_point, c.id))
            language = _language(contact.language, contact.organisation.correspondence_language)
            readers[reminder.id] = Recipient(language, partner=True, name=contact.name)
        elif email in organisations:
            language = _language(organisations[email].correspondence_language)
            readers[reminder.id] = Recipient(language, partner=True, name=None)
        else:
            readers[reminder.id] = INTERNAL
    return readers
