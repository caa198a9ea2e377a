"""Requests are judged before their bodies are read: first who sends them, then how large they are.

An anonymous client must not make the server read, buffer or parse a body. A request that may carry one (POST,
PUT, PATCH, DELETE) to the API needs a valid API token, and a page form a valid session cookie, checked here from
the headers alone (the route checks again and loads the user); only signing in (and a password reset link) is
open to anyone. Every body is then counted as it streams in and refused with 413 once it passes the endpoint's
cap: at once, unread, when its ``Content-Length`` already says so. Endpoints that take a file (``UPLOAD_ROUTES``)
have their own, larger caps; everything else has ``max_request_mb``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.api import problems
from app.api.deps import read_only
from app.config import Settings
from app.i18n import MESSAGES
from app.uploads import MB, document_upload_bytes, import_upload_bytes, sanctions_list_upload_bytes
from app.users.service import is_live_token
from app.web.security import SESSION_COOKIE

log = logging.getLogger(__name__)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC_WRITES = frozenset({"/sign-in", "/api/v1/auth/token", "/language"})
"""Where anyone may send a body: the sign-in form and its API twin (the password is the credential), and the
language switch (its own CSRF check; a visitor may switch before signing in); small cap."""
PUBLIC_WRITE_PREFIXES = ("/reset-password/", "/partner/")
"""Likewise under these: the page a password reset link opens (the link is the credential), and the partner area
(a partner link's session is the credential, checked by the partner pages themselves: app.web.partner_area)."""


def is_public_write(path: str) -> bool:
    """Whether anyone may send a body to ``path`` (signing in, setting a password through a reset link)."""
    return path in PUBLIC_WRITES or path.startswith(PUBLIC_WRITE_PREFIXES)


FORM_ALLOWANCE = 64 * 1024
"""What the form fields and multipart boundaries around an uploaded file may add to the file's own cap."""
SIGN_IN_BYTES = 16 * 1024
CLOSE = {"Connection": "close"}  # the unread rest of the body is not worth reading: end the connection
NO_TOKEN = MESSAGES.lazy("an API token is required: send 'Authorization: Bearer <token>'")
UNAVAILABLE = MESSAGES.lazy("the database is unavailable; try again shortly")
BAD_TOKEN = MESSAGES.lazy("the API token is unknown, expired or revoked")


@dataclass(frozen=True)
class UploadRoute:
    """An endpoint that takes a file, and the cap of that file (the request may add ``FORM_ALLOWANCE``)."""

    method: str
    path: re.Pattern[str]
    file_bytes: Callable[[Settings], int]


def _route(method: str, path: str, file_bytes: Callable[[Settings], int]) -> UploadRoute:
    return UploadRoute(method, re.compile(path.replace("{id}", r"[^/]+") + "$"), file_bytes)


UPLOAD_ROUTES = (
    _route("POST", "/api/v1/imports", import_upload_bytes),
    _route("POST", "/api/v1/agreements/{id}/versions/upload", document_upload_bytes),
    _route("POST", "/api/v1/partnerships/{id}/existing-agreements/extract", document_upload_bytes),
    _route("POST", "/agreements/{id}/versions/upload", document_upload_bytes),
    _route("POST", "/partnerships/{id}/existing-agreements", document_upload_bytes),
    _route("POST", "/partner/obligations/{id}/report", document_upload_bytes),
    _route("POST", "/api/v1/agreements/{id}/signing/{id}/wet-ink", document_upload_bytes),  # a party's signed scan
    _route("POST", "/agreements/{id}/signing/{id}/wet-ink", document_upload_bytes),
    _route("POST", "/api/v1/screening/lists", sanctions_list_upload_bytes),
    _route("POST", "/screening/lists", sanctions_list_upload_bytes),
)
"""Every endpoint that accepts a file; tests/security/test_upload_bounds.py checks none is missing."""


def body_cap(settings: Settings, method: str, path: str) -> tuple[int, str]:
    """The most bytes a request's body may have here, and how to say so when it has more."""
    for route in UPLOAD_ROUTES:
        if route.method == method and route.path.match(path):
            most = route.file_bytes(settings)
            return most + FORM_ALLOWANCE, MESSAGES.gettext(
                "the request is larger than {size} MB, the most this endpoint accepts", size=most // MB
            )
    if is_public_write(path):
        return SIGN_IN_BYTES, MESSAGES.gettext(
            "the request is larger than {size} KB, the most signing in takes", size=SIGN_IN_BYTES // 1024
        )
    most = settings.max_request_mb * MB
    return most, MESSAGES.gettext(
        "the request body is larger than {size} MB, the most this endpoint accepts", size=settings.max_request_mb
    )


class BodyTooLarge(HTTPException):
    """The body passed its cap while it streamed in; the app's handlers answer 413 (a page or problem+json)."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail, headers=CLOSE)


PageError = Callable[[Request, int, str, list[dict[str, str]]], Response]


class RequestGate:
    """ASGI middleware: authentication from the headers, then the body counted against its cap while it streams."""

    def __init__(
        self,
        app: Any,
        *,
        settings: Settings,
        session_factory: sessionmaker[Session],
        is_page: Callable[[Request], bool],
        page_error: PageError,
        sign_in: Callable[[Request], Response],
    ) -> None:
        self.app = app
        self.settings = settings
        self.session_factory = session_factory
        self.is_page = is_page
        self.page_error = page_error
        self.sign_in = sign_in

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # headers and cookies only: the body is never read here
        method, path = scope["method"], scope["path"]
        if method in BODY_METHODS and not is_public_write(path):
            refusal = await self._unauthenticated(request)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        most, too_large = body_cap(self.settings, method, path)
        if _declared_length(request) > most:
            await self._error(request, 413, too_large, CLOSE)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > most:
                    raise BodyTooLarge(too_large)
            return message

        async def watched_send(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as exc:  # raised where nothing turned it into a response
            if started:
                raise
            await self._error(request, 413, str(exc.detail), CLOSE)(scope, receive, send)

    async def _unauthenticated(self, request: Request) -> Response | None:
        """The answer to a request that may carry a body but comes from nobody known; ``None`` when it may go on."""
        if request.url.path.startswith("/api/"):
            scheme, _, secret = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return self._error(request, 401, str(NO_TOKEN), {"WWW-Authenticate": "Bearer", **CLOSE})
            live = await self._live(secret.strip())
            if live is None:
                return self._error(
                    request, 503, MESSAGES.gettext("the database is unavailable; try again shortly"), CLOSE
                )
            return None if live else self._error(request, 401, str(BAD_TOKEN), {"WWW-Authenticate": "Bearer", **CLOSE})
        if self.is_page(request):
            secret = request.cookies.get(SESSION_COOKIE)
            live = await self._live(secret) if secret else False
            if live is None:
                return self._error(
                    request, 503, MESSAGES.gettext("the database is unavailable; try again shortly"), CLOSE
                )
            if not live:
                response = self.sign_in(request)
                response.headers.update(CLOSE)
                return response
        return None

    async def _live(self, secret: str) -> bool | None:
        """Whether the token is valid now (``None`` when the database cannot say)."""

        def check() -> bool:
            with read_only(self.session_factory) as session:
                return is_live_token(session, secret)

        try:
            return await run_in_threadpool(check)
        except SQLAlchemyError as exc:
            log.warning("cannot check a token before the body: %s", exc.__class__.__name__)
            return None

    def _error(self, request: Request, status: int, detail: str, headers: dict[str, str]) -> Response:
        if self.is_page(request):
            response = self.page_error(request, status, detail, [])
            response.headers.update(headers)
            return response
        return problems.problem(request, status, detail, headers=headers)


def _declared_length(request: Request) -> int:
    """The body's length as the client declares it (0 when it does not, or declares nonsense)."""
    value = request.headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else 0
