"""Security alerts to the administrators, through the same outbox as the reminders (written now, sent after commit).

A burst of failed sign-ins becomes one outbox row per active administrator; the dispatcher builds the e-mail
from the row alone (``build_sign_in_alert``). The alert names an account only when it exists: what was typed
for an unknown one may be a password typed in the wrong box, and is never kept.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.config import Settings, get_settings
from app.i18n import MAIL, use_language
from app.reminders.audience import recipient_for
from app.reminders.email import message_id_for, render_template
from app.reminders.models import Reminder, ReminderKind
from app.users.models import Role, User, UserRole

ALL_ACCOUNTS = "sign_in_all"
ONE_ACCOUNT = "sign_in_account"


def queue_sign_in_alert(
    session: Session, window_start: datetime, account: User | None, one_account: bool, scope_key: str
) -> list[Reminder]:
    """Write one alert per active administrator about failed sign-ins in the window; flush only.

    ``one_account`` says whether the burst concerns one account name (``account`` is its user, when it exists)
    or all accounts; ``scope_key`` tells apart the bursts of one window (it goes into the dedupe key).
    """
    now = clock.now()
    admins = session.scalars(
        select(User)
        .where(User.is_active.is_(True), User.role_grants.any(UserRole.role == Role.ADMIN))
        .order_by(User.id)
    )
    alerts = []
    for admin in admins:
        dedupe_key = f"sign_in_alert:{scope_key}:{window_start:%Y%m%dT%H%M}:{admin.id}"
        alert = Reminder(
            dedupe_key=dedupe_key,
            series=dedupe_key,
            subject_type=ONE_ACCOUNT if one_account else ALL_ACCOUNTS,
            subject_id=account.id if account is not None else 0,
            partnership_id=None,
            kind=ReminderKind.SIGN_IN_ALERT,
            due_on=now.date(),
            offset_days=0,
            send_at=now,
            recipient_email=admin.email,
            recipient_user_id=admin.id,
        )
        session.add(alert)
        alerts.append(alert)
    session.flush()
    return alerts


def _scope(session: Session, reminder: Reminder) -> str:
    if reminder.subject_type == ALL_ACCOUNTS:
        return MAIL.gettext("across all accounts")
    account = session.get(User, reminder.subject_id) if reminder.subject_id else None
    if account is None:
        return MAIL.gettext("for an account name that does not exist (what was typed is not kept)")
    return MAIL.gettext("for the account {email}", email=account.email)


def build_sign_in_alert(
    session: Session, reminder: Reminder, settings: Settings | None = None, now: datetime | None = None
) -> EmailMessage:
    """The e-mail of a sign-in alert, in the administrator's language: how many failures, where, what to do."""
    settings = settings or get_settings()
    now = now or clock.now()
    with use_language(recipient_for(session, reminder).language) as language:
        return _sign_in_alert(session, reminder, settings, now, language)


def _sign_in_alert(
    session: Session, reminder: Reminder, settings: Settings, now: datetime, language: str
) -> EmailMessage:
    one_account = reminder.subject_type == ONE_ACCOUNT
    values = {
        "threshold": settings.sign_in_alert_account_failures if one_account else settings.sign_in_alert_failures,
        "scope": _scope(session, reminder),
        "window": settings.sign_in_alert_window_minutes,
        "noticed": f"{reminder.created_at:%Y-%m-%d %H:%M} UTC",
        "client_cap": settings.sign_in_max_delay_seconds,
        "account_cap": settings.sign_in_account_max_delay_seconds,
        "organisation": settings.organisation_name,
        "link": settings.base_url.rstrip("/") + "/dashboard",
        "language": language,
    }
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = reminder.recipient_email
    message["Subject"] = MAIL.gettext(
        "[Security] {threshold} or more failed sign-ins in {window} minutes",
        threshold=values["threshold"], window=values["window"],
    )  # fmt: skip
    message["Date"] = now
    message["Message-ID"] = message_id_for(reminder.dedupe_key, settings.smtp_sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template("sign_in_alert.txt.j2", values, html=False))
    message.add_alternative(render_template("sign_in_alert.html.j2", values, html=True), subtype="html")
    message["Content-Language"] = language  # after the parts: setting the content drops Content-* headers
    return message
