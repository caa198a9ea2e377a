"""The language of each request, pages and API alike, and the ``Content-Language`` of each answer.

The order is: the signed-in user's own setting (``users.language``), else the ``lang`` cookie left by the pages'
language switch, else the ``Accept-Language`` header, else English. The middleware settles the last three from the
headers before anything runs; the user's own setting is applied by the dependencies that find the user
(:func:`speak_like`), which run in the request's own context so every ``gettext`` after them reads it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from app.i18n import current_language, is_supported, negotiate, normalise, set_language
from app.users.models import User

LANGUAGE_COOKIE = "lang"
"""The cookie the language switch sets: the language a browser chose, for pages before and after signing in."""
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def language_from_headers(cookie: str | None, accept_language: str | None) -> str:
    """The language a request asks for without a user: the switch's cookie, else ``Accept-Language``, else en."""
    if cookie and is_supported(cookie):
        return normalise(cookie)
    return negotiate(accept_language) or "en"


def speak_like(user: User) -> None:
    """Speak the user's own language for the rest of the request, when they chose one."""
    if user.language and is_supported(user.language):
        set_language(user.language)


class LanguageMiddleware:
    """ASGI middleware: set the request's language from its headers; answer with ``Content-Language``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        # Set, not scoped: each request runs in its own context, and an error answered by the outermost handler
        # (a 500, after this middleware returned) is then still written in the request's language.
        set_language(
            language_from_headers(connection.cookies.get(LANGUAGE_COOKIE), connection.headers.get("accept-language"))
        )

        async def send_with_language(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"content-language" for name, _ in headers):
                    headers.append((b"content-language", current_language().encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_language)
