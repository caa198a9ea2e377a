"""An e-mail's bytes as ``smtplib`` sends them, flattened once for all the recipients of the same words.

Serialising a MIME message (folding each header, encoding each part) costs more than composing it from templates
already rendered. A batch often sends the same words to several people (a deadline's owner and the organisation's
copied mailboxes); the e-mail is then flattened once and each copy only gets its own ``To`` and ``Message-ID``
lines, written by the same policy as the rest (so the bytes are those ``send_message`` would have sent).
"""

from __future__ import annotations

import io
import re
import smtplib
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import Policy
from email.utils import getaddresses


class PreparedMessage(EmailMessage):
    """An e-mail with the bytes and envelope it goes out with (``wire`` None: flattened when sent, as usual)."""

    wire: bytes | None = None
    envelope_from: str = ""
    envelope_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flattened:
    """A composed e-mail and its bytes (None when its addresses need SMTPUTF8: then sent by ``send_message``).

    ``pieces`` are the bytes around its ``To`` and ``Message-ID`` lines, in the order they come (``names``), so that
    a copy for someone else is those pieces with two new lines between them; ``sender`` is its envelope sender.
    """

    message: EmailMessage
    wire: bytes | None
    sender: str = ""
    names: tuple[str, ...] = ()
    pieces: tuple[bytes, ...] = ()


_PERSONAL = ("To", "Message-ID")
"""The headers that differ between two recipients of the same words."""
_SIMPLE = {
    "To": re.compile(
        r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"
    ),
    "Message-ID": re.compile(
        r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*>"
    ),
}
"""A bare address, a Message-ID of dot-atoms (and no "=?", which could read as an encoded word): values the policy
writes exactly as they are."""
_LINE_LIMIT = 78  # the policy's max_line_length: a shorter line is written as it is, unfolded


def _envelope(message: EmailMessage) -> tuple[str, tuple[str, ...]] | None:
    """The envelope ``send_message`` would use, or None when it needs SMTPUTF8 (non-ASCII addresses)."""
    sender = getaddresses([str(message["From"])])[0][1]
    recipients = tuple(address for _name, address in getaddresses([str(v) for v in message.get_all("To", [])]))
    return (sender, recipients) if all(a.isascii() for a in (sender, *recipients)) else None


def flatten(message: EmailMessage) -> Flattened:
    """Flatten ``message`` as ``send_message`` does (CRLF); this also fixes its MIME boundaries for its copies."""
    envelope = _envelope(message)
    if envelope is None:
        message.as_bytes()  # the boundaries, still fixed once
        return Flattened(message, None)
    out = io.BytesIO()
    BytesGenerator(out).flatten(message, linesep="\r\n")
    wire = out.getvalue()
    head, blank, body = wire.partition(b"\r\n\r\n")
    head = b"\r\n" + head + b"\r\n"  # every header line now starts after a CRLF: a line is only matched whole
    policy = message.policy.clone(linesep="\r\n")
    spans = []
    for name in _PERSONAL:
        line = b"\r\n" + policy.fold_binary(name, message[name])
        if head.count(line) != 1:
            return Flattened(message, wire, envelope[0])  # not the expected shape: each copy flattened when sent
        start = head.index(line) + 2
        spans.append((start, start + len(line) - 2, name))
    spans.sort()
    pieces, names, position = [], [], 0
    for start, stop, name in spans:
        pieces.append(head[position:start])
        names.append(name)
        position = stop
    pieces.append(head[position:])
    pieces[0], pieces[-1] = pieces[0][2:], pieces[-1][:-2] + blank + body
    return Flattened(message, wire, envelope[0], tuple(names), tuple(pieces))


def _personal(policy: Policy, name: str, value: str) -> tuple[object, bytes]:
    """The header value to store for ``name: value`` and the line the policy writes for it: a short, plain value is
    kept as text (the policy writes such a line as it is, and parses it only if it is read); any other is parsed."""
    if _SIMPLE[name].fullmatch(value) and "=?" not in value and len(name) + 2 + len(value) <= _LINE_LIMIT:
        return value, f"{name}: {value}\r\n".encode("ascii")
    parsed = policy.header_store_parse(name, value)[1]
    return parsed, policy.fold_binary(name, parsed)


def readdressed(flat: Flattened, to: object, message_id: str) -> PreparedMessage:
    """A copy of the flattened e-mail to ``to`` under ``message_id``, sharing its (read-only) MIME parts, and its
    bytes with only the ``To`` and ``Message-ID`` lines written again."""
    composed = flat.message
    policy = composed.policy.clone(linesep="\r\n")
    personal = {name: _personal(policy, name, str(value)) for name, value in (("To", to), ("Message-ID", message_id))}
    message = PreparedMessage(policy=composed.policy)
    for name, value in composed.raw_items():  # parsed header objects: kept as they are, not parsed again
        message.set_raw(name, personal[name][0] if name in personal else value)
    message.set_payload(composed.get_payload())
    if flat.wire is None or not flat.pieces:
        return message
    address = to.addr_spec if isinstance(to, Address) else getaddresses([str(to)])[0][1]
    if not address.isascii():
        return message  # SMTPUTF8: send_message knows how
    lines = [personal[name][1] for name in flat.names]
    message.wire = b"".join(part for pair in zip(flat.pieces, [*lines, b""], strict=True) for part in pair)
    message.envelope_from, message.envelope_to = flat.sender, (address,)
    return message


def send(client: smtplib.SMTP, message: EmailMessage) -> None:
    """Send ``message``: its prepared bytes when it has them, else as ``send_message`` flattens it."""
    wire = getattr(message, "wire", None)
    if wire is None:
        client.send_message(message)
        return
    assert isinstance(message, PreparedMessage)
    client.sendmail(message.envelope_from, list(message.envelope_to), wire)
