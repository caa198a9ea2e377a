"""Sending over SMTP: one connected client per dispatch, and errors described without credentials."""

from __future__ import annotations

import smtplib
import ssl

from app.config import Settings

ERROR_LIMIT = 2_000


def describe_error(exc: BaseException, settings: Settings) -> str:
    """A one-line description of a sending error, with any credential blanked out."""
    detail = str(exc)
    if isinstance(exc, smtplib.SMTPResponseException):  # the server's reply as it said it: "550 5.7.1 Relaying denied"
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        detail = f"the SMTP server replied {exc.smtp_code} {reply}"
    text = " ".join(f"{type(exc).__name__}: {detail}".split())
    secrets = [settings.smtp_password.get_secret_value() if settings.smtp_password else None, settings.smtp_username]
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:ERROR_LIMIT]


def open_smtp(settings: Settings) -> smtplib.SMTP:
    """A connected (and, per settings, encrypted and authenticated) SMTP client, always with a timeout."""
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    try:
        client.ehlo()
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            client.login(settings.smtp_username, password)
    except BaseException:
        close_smtp(client)
        raise
    return client


def close_smtp(client: smtplib.SMTP | None) -> None:
    """Say goodbye to the server (or just drop the connection when it no longer answers)."""
    if client is None:
        return
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
