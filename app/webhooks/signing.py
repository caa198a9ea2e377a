"""Standard Webhooks signatures: ``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``.

The secret is ``whsec_`` followed by the base64 of random bytes; the key of the HMAC is those bytes. A receiver
checks the signature with :func:`verify` (or any Standard Webhooks library) and refuses an old timestamp, so
that a captured message cannot be replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
DEFAULT_TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """A message whose signature or timestamp does not hold."""


def new_secret() -> str:
    """A fresh signing secret, ``whsec_<base64 of 32 random bytes>``."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str | bytes) -> str:
    """The ``webhook-signature`` value of one message: ``v1,<base64 signature>``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    signed = f"{message_id}.{timestamp}.".encode() + raw
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers_for(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers of one message sent at ``at``."""
    timestamp = int(at.timestamp())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: dict[str, str],
    body: str | bytes,
    now: datetime,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Raise :class:`InvalidSignature` unless the headers sign ``body`` with ``secret`` within the tolerance."""
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    given = lowered.get("webhook-signature")
    if not message_id or not stamp or not given:
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise InvalidSignature("webhook-timestamp is not a whole number of seconds") from None
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        raise InvalidSignature("webhook-timestamp is too old or too far in the future")
    expected = sign(secret, message_id, timestamp, body)
    # Several signatures may be sent, separated by spaces (during a secret's rotation): one valid is enough.
    if not any(hmac.compare_digest(expected, candidate) for candidate in given.split()):
        raise InvalidSignature("no signature matches")
