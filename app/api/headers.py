"""Headers every response carries: ``nosniff`` on all of them; ``no-store`` on the API's and the pages' answers
(signed-in data, tokens and sessions never land in a shared or disk cache); the pages' security policy on pages.

One ASGI middleware sets them when a route has not set its own. Errors answered by the last-resort handler (a
500) never pass through middleware, so :mod:`app.api.problems` and the error page add the same headers themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

NOSNIFF = {"X-Content-Type-Options": "nosniff"}
NO_STORE = {"Cache-Control": "no-store"}
PRIVATE_PREFIXES = ("/api/",)
"""Paths whose answers are private (signed-in data, tokens): never stored by a cache."""


def headers_for(path: str, page: bool, page_headers: Mapping[str, str]) -> dict[str, str]:
    """The headers a response to ``path`` must carry (a page's also get ``page_headers``)."""
    if page:
        return {**NOSNIFF, **page_headers, **NO_STORE}
    if path.startswith(PRIVATE_PREFIXES):
        return {**NOSNIFF, **NO_STORE}
    return dict(NOSNIFF)


class SecurityHeaders:
    """Add :func:`headers_for` to every HTTP response that does not already set them."""

    def __init__(self, app: Any, *, is_page: Callable[[str], bool], page_headers: Mapping[str, str]) -> None:
        self.app = app
        self.is_page = is_page
        self.page_headers = dict(page_headers)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        wanted = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers_for(path, self.is_page(path), self.page_headers).items()
        ]

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in wanted if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
