"""The e-mail carrying a partner link, built by the dispatcher from its outbox row (never inside a request)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.orm import Session

from app.config import Settings
from app.i18n import MAIL, use_language
from app.partner_links.models import PartnerLink
from app.partner_links.service import link_language, partner_url, unseal
from app.reminders.email import message_id_for, render_template
from app.reminders.models import Reminder
from app.reminders.wording import long_date


class LinkNotSendable(Exception):
    """The link was revoked, used or re-keyed before its e-mail could be built: nothing to send."""


def build_partner_link_email(session: Session, reminder: Reminder, settings: Settings, now: datetime) -> EmailMessage:
    """The invitation with the partner's personal link, in the partner's language."""
    link = session.get(PartnerLink, reminder.subject_id)
    if link is None or link.revoked_at is not None or not link.sealed_token:
        raise LinkNotSendable(f"partner link {reminder.subject_id} is revoked or no longer sealed for sending")
    token = unseal(link.sealed_token, settings)
    if token is None:
        raise LinkNotSendable(f"partner link {link.id} was sealed with another key (AGREEMENTS_PARTNER_LINK_KEY)")
    with use_language(link_language(link)) as language:
        values = {
            "name": link.contact.name,
            "organisation": settings.organisation_name,
            "title": link.partnership.title,
            "reference": link.partnership.reference,
            "link": partner_url(token, settings),
            "calendar": partner_url(token, settings) + "/calendar.ics",
            "expires": long_date(link.expires_at.astimezone(settings.zone).date()),
            "language": language,
        }
        message = EmailMessage()
        message["From"] = settings.smtp_sender
        message["To"] = reminder.recipient_email
        message["Subject"] = MAIL.gettext(
            "Your partnership {reference} with {organisation}: your personal link",
            reference=link.partnership.reference, organisation=settings.organisation_name,
        )  # fmt: skip
        message["Date"] = now
        message["Message-ID"] = message_id_for(reminder.dedupe_key, settings.smtp_sender)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(render_template("partner_link.txt.j2", values, html=False))
        message.add_alternative(render_template("partner_link.html.j2", values, html=True), subtype="html")
        message["Content-Language"] = language
        return message
