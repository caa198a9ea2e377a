"""A real HTTP receiver on loopback for webhook tests: it checks each message's signature as a receiver should
(an unsigned or badly signed message is answered 401)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app import clock
from app.webhooks.signing import InvalidSignature, verify


@dataclass
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes
    verified: bool
    path: str

    @property
    def payload(self) -> Any:
        """The JSON body."""
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that verifies Standard Webhooks signatures (one of ``secrets``), answers ``status``.

    ``stop()`` closes the port (connections are refused: a receiver that is down); ``start()`` opens it again.
    """

    secrets: list[str] = field(default_factory=list)
    status: int = 204
    received: list[Received] = field(default_factory=list)
    port: int = 0
    now: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The URL messages are posted to."""
        return f"http://127.0.0.1:{self.port}/hooks/agreements"

    def start(self) -> Receiver:
        """Listen (on the same port as before, after a stop)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                verified = False
                for secret in receiver.secrets:
                    try:
                        verify(secret, headers, body, receiver.now or clock.now())
                        verified = True
                    except InvalidSignature:
                        pass
                receiver.received.append(Received(headers, body, verified, self.path))
                status = receiver.status if verified else 401
                self.send_response(status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections to the port are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
