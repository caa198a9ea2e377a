"""Per-process HTTP metrics, request ids and the access log, from one ASGI middleware.

Requests are counted by route *template* (``/api/v1/partnerships/{partnership_id}``), never by raw path, so the
number of series stays bounded whatever clients send.
"""

from __future__ import annotations

import bisect
import contextvars
import logging
import re
import threading
import time
import uuid
from typing import Any

from app.monitoring.exposition import Family

access_log = logging.getLogger("agreements.access")

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
UNMATCHED = "<unmatched>"

_request: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("agreements_request", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled in this context, if any (added to every log line)."""
    state = _request.get()
    return state["request_id"] if state else None


def request_id_from(value: str | None) -> str:
    """The client's ``X-Request-ID`` when it is a sane token, otherwise a fresh one."""
    if value is not None and _VALID_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def note_caller(user_id: int) -> None:
    """Name the signed-in caller of the request being handled, for its access log line.

    The request's state dict is shared with the worker thread the dependency runs in (contexts are copied).
    """
    state = _request.get()
    if state is not None:
        state["user_id"] = user_id


class HttpMetrics:
    """Request counters and a latency histogram for this process; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = {}
        self._durations: dict[tuple[str, str], tuple[list[int], float, int]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        index = bisect.bisect_left(BUCKETS, seconds)
        with self._lock:
            key = (method, route, str(status))
            self._requests[key] = self._requests.get(key, 0) + 1
            counts, total, count = self._durations.get((method, route), ([0] * len(BUCKETS), 0.0, 0))
            if index < len(BUCKETS):
                counts[index] += 1
            self._durations[(method, route)] = (counts, total + seconds, count + 1)

    def families(self) -> list[Family]:
        """The counters and the histogram as exposition families (buckets cumulative)."""
        requests = Family(
            "agreements_http_requests_total", "counter", "HTTP requests handled by this process, by route template."
        )
        durations = Family(
            "agreements_http_request_duration_seconds", "histogram", "Time to answer HTTP requests, by route template."
        )
        with self._lock:
            for (method, route, status), value in sorted(self._requests.items()):
                requests.add(value, method=method, route=route, status=status)
            for (method, route), (counts, total, count) in sorted(self._durations.items()):
                running = 0
                for bound, in_bucket in zip(BUCKETS, counts, strict=True):
                    running += in_bucket
                    durations.add(running, "_bucket", method=method, route=route, le=repr(bound))
                durations.add(count, "_bucket", method=method, route=route, le="+Inf")
                durations.add(total, "_sum", method=method, route=route)
                durations.add(count, "_count", method=method, route=route)
        return [requests, durations]


def _route_template(scope: dict[str, Any]) -> str:
    # FastAPI keeps an included router's routes as declared (``/partnerships/{partnership_id}``) and records the
    # full template, prefix included, in its effective route context; plain Starlette routes carry their own path.
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    for candidate in (getattr(context, "path_format", None), getattr(scope.get("route"), "path_format", None)):
        if isinstance(candidate, str):
            return candidate
    if scope.get("path", "").startswith("/static/"):
        return "/static/{path}"
    return UNMATCHED


class ObservabilityMiddleware:
    """Give every request an id (echoed in ``X-Request-ID``), time it, count it and write one access log line."""

    def __init__(self, app: Any, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        state: dict[str, Any] = {"request_id": request_id_from(incoming), "status": 500, "user_id": None}
        token = _request.set(state)
        header = (b"x-request-id", state["request_id"].encode("ascii"))

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            method, route = scope.get("method", "GET"), _route_template(scope)
            self.metrics.observe(method, route, state["status"], elapsed)
            duration_ms = round(elapsed * 1000, 2)
            access_log.info(
                "%s %s %s %.1fms",
                method,
                scope.get("path", ""),
                state["status"],
                duration_ms,
                extra={
                    "request_id": state["request_id"],
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": route,
                    "status": state["status"],
                    "duration_ms": duration_ms,
                    "user_id": state["user_id"],
                },
            )
            _request.reset(token)
