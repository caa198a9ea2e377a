"""A real SMTP server on loopback for tests: collects what it receives, can stop and start, refuse or be slow."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.server.lock:
            self.server.peers.add(session.peer)
            drop = self.server.drop_after is not None and len(self.server.received) >= self.server.drop_after
            if drop:
                self.server.drop_after = None  # once
        if drop:  # the connection breaks before the server accepts: the client cannot know the message's fate
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        if self.server.refusal:
            return self.server.refusal
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message, raw))
        return "250 2.0.0 OK"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 and a free port, listing every message it accepted in ``received``.

    ``refusal`` (e.g. ``"451 4.3.0 Try later"``) makes it refuse each message; ``delay`` slows each one down;
    ``stop()`` and ``start()`` take it down and bring it back on the same port. ``drop_after`` (a number of
    accepted messages) makes it close the connection, once, on the next message's data instead of accepting it;
    ``peers`` lists the client connections (address and port) that sent data.
    """

    def __init__(self, port: int | None = None, password: str | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.refusal: str | None = None
        self.delay = 0.0
        self.drop_after: int | None = None
        self.peers: set[tuple[str, int]] = set()
        self.password = password
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def _authenticate(self, _server, _session, _envelope, _mechanism, auth_data) -> AuthResult:
        return AuthResult(success=auth_data.password.decode() == self.password, handled=False)

    def start(self) -> SmtpServer:
        """Listen (again) on the server's port."""
        extra = {}
        if self.password is not None:
            extra = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **extra)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start()``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        """The Message-ID of every accepted message, duplicates included."""
        with self.lock:
            return [str(item.message["Message-ID"]) for item in self.received]
