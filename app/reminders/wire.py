"""An e-mail's bytes as ``smtplib`` sends them, flattened once for all the recipients of the same words.

Serialising a MIME message (folding each header, encoding each part) costs more than composing it from templates
already rendered. A batch often sends the same words to several people (a deadline's owner and the organisation's
copied mailboxes); the e-mail is then flattened once and each copy only gets its own ``To`` and ``Message-ID``
lines, written by the same policy as the rest (so the bytes are those ``send_message`` would have sent).
"""

from __future__ import annotations

import io
import smtplib
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import getaddresses


class PreparedMessage(EmailMessage):
    """An e-mail with the bytes and envelope it goes out with (``wire`` None: flattened when sent, as usual)."""

    wire: bytes | None = None
    envelope_from: str = ""
    envelope_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flattened:
    """A composed e-mail and its bytes (None when its addresses need SMTPUTF8: then sent by ``send_message``)."""

    message: EmailMessage
    wire: bytes | None


_PERSONAL = ("To", "Message-ID")
"""The headers that differ between two recipients of the same words."""


def _envelope(message: EmailMessage) -> tuple[str, tuple[str, ...]] | None:
    """The envelope ``send_message`` would use, or None when it needs SMTPUTF8 (non-ASCII addresses)."""
    sender = getaddresses([str(message["From"])])[0][1]
    recipients = tuple(address for _name, address in getaddresses([str(v) for v in message.get_all("To", [])]))
    try:
        "".join([sender, *recipients]).encode("ascii")
    except UnicodeEncodeError:
        return None
    return sender, recipients


def flatten(message: EmailMessage) -> Flattened:
    """Flatten ``message`` as ``send_message`` does (CRLF); this also fixes its MIME boundaries for its copies."""
    if _envelope(message) is None:
        message.as_bytes()  # the boundaries, still fixed once
        return Flattened(message, None)
    out = io.BytesIO()
    BytesGenerator(out).flatten(message, linesep="\r\n")
    return Flattened(message, out.getvalue())


def readdressed(flat: Flattened, to: object, message_id: str) -> PreparedMessage:
    """A copy of the flattened e-mail to ``to`` under ``message_id``, sharing its (read-only) MIME parts, and its
    bytes with only the ``To`` and ``Message-ID`` lines written again."""
    composed = flat.message
    message = PreparedMessage(policy=composed.policy)
    for name, value in composed.raw_items():  # parsed header objects: kept as they are, not parsed again
        if name in _PERSONAL:
            message.set_raw(*composed.policy.header_store_parse(name, to if name == "To" else message_id))
        else:
            message.set_raw(name, value)
    message.set_payload(composed.get_payload())
    envelope = _envelope(message)
    if flat.wire is None or envelope is None:
        return message
    policy = composed.policy.clone(linesep="\r\n")
    head, blank, body = flat.wire.partition(b"\r\n\r\n")
    head = b"\r\n" + head + b"\r\n"  # every header line now starts after a CRLF: a line is only matched whole
    for name in _PERSONAL:
        old, new = policy.fold_binary(name, composed[name]), policy.fold_binary(name, message[name])
        if head.count(b"\r\n" + old) != 1:
            return message  # not the expected shape: flattened when sent
        head = head.replace(b"\r\n" + old, b"\r\n" + new, 1)
    message.wire = head[2:-2] + blank + body
    message.envelope_from, message.envelope_to = envelope
    return message


def send(client: smtplib.SMTP, message: EmailMessage) -> None:
    """Send ``message``: its prepared bytes when it has them, else as ``send_message`` flattens it."""
    wire = getattr(message, "wire", None)
    if wire is None:
        client.send_message(message)
        return
    assert isinstance(message, PreparedMessage)
    client.sendmail(message.envelope_from, list(message.envelope_to), wire)
