"""Sending over SMTP: one connected client per dispatch, and errors described without credentials."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from typing import Any

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


class _BeforeData:
    """An SMTP client that runs ``before_data`` just before DATA, the command whose end has the server accept the
    message: what must happen before a message goes out (the previous one's record) overlaps the envelope's
    round trips (MAIL FROM, RCPT TO) instead of preceding them."""

    before_data: Callable[[], None] | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        if self.before_data is not None:
            self.before_data()
        return super().data(msg)  # type: ignore[misc]


class Client(_BeforeData, smtplib.SMTP):
    """A plain or STARTTLS client with the ``before_data`` hook."""


class SSLClient(_BeforeData, smtplib.SMTP_SSL):
    """A client over TLS from the start, with the ``before_data`` hook."""


def open_smtp(settings: Settings) -> Client | SSLClient:
    """A connected (and, per settings, encrypted and authenticated) SMTP client, always with a timeout."""
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_security == "ssl":
        client: Client | SSLClient = SSLClient(
            settings.smtp_host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = Client(settings.smtp_host, settings.smtp_port, timeout=timeout)
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
