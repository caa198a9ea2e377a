"""RFC 9457 problem+json responses for every error, naming the field and the reason."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from app.api.headers import headers_for
from app.errors import DomainError, pydantic_reason
from app.i18n import MESSAGES, current_language

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}
"""The English title of each status (the OpenAPI document's words; responses carry :func:`title` instead)."""


def title(status: int) -> str:
    """The phrase of ``status`` in the current language ("Not found", "Introuvable")."""
    titles = {
        400: MESSAGES.gettext("Bad request"),
        401: MESSAGES.gettext("Unauthorized"),
        403: MESSAGES.gettext("Forbidden"),
        404: MESSAGES.gettext("Not found"),
        405: MESSAGES.gettext("Method not allowed"),
        409: MESSAGES.gettext("Conflict"),
        412: MESSAGES.gettext("Precondition failed"),
        413: MESSAGES.gettext("Content too large"),
        415: MESSAGES.gettext("Unsupported media type"),
        422: MESSAGES.gettext("Invalid input"),
        428: MESSAGES.gettext("Precondition required"),
        429: MESSAGES.gettext("Too many requests"),
        500: MESSAGES.gettext("Internal error"),
        503: MESSAGES.gettext("Service unavailable"),
    }
    return titles.get(status) or MESSAGES.gettext("Error")


def problem(
    request: Request,
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title(status),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    # Also sent by the last-resort handler, which answers outside the middleware that adds these.
    sent = {**headers_for(request.url.path, False, {}), **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=sent)


_problem = problem


def field_name(location: tuple[Any, ...] | list[Any]) -> str:
    """``('body', 'parties', 0, 'role')`` → ``parties[0].role``; query, path and header names stand alone."""
    parts = list(location)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:] or parts
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += ("." if name else "") + str(part)
    return name or "body"


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for error in exc.errors():
        kind, ctx = str(error.get("type", "")), dict(error.get("ctx") or {})
        reason = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if kind == "missing":
            reason = MESSAGES.gettext("is required")
        elif kind == "extra_forbidden":
            reason = MESSAGES.gettext("is not a known field")
        elif kind == "json_invalid":
            reason = MESSAGES.gettext(
                "the body is not valid JSON ({error})", error=ctx.get("error", MESSAGES.gettext("syntax error"))
            )
        elif current_language() != "en" and not (kind == "value_error" and reason != error.get("msg")):
            # English keeps Pydantic's own words; a validator's ValueError is already in the reader's language.
            reason = pydantic_reason(kind, ctx) or reason
        field = "body" if kind == "json_invalid" else field_name(error.get("loc", ()))
        errors.append({"field": field, "reason": reason})
    return errors


METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route answers at ``request``'s path: each is tried, as routes (and routers) hold one each.

    Mounts (static files) are left out: they match any method and refuse all but GET and HEAD themselves.
    """
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    # Inside a mount the scope's root path has grown by the mount's prefix: start again from the app's.
    root_path = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    allowed = []
    for method in METHOD_ORDER:
        scope = {**request.scope, "method": method, "root_path": root_path}
        if any(route.matches(scope)[0] is Match.FULL for route in routes):
            allowed.append(method)
    return allowed or ["GET", "HEAD"]


PageRenderer = Callable[[Request, int, str, list[dict[str, str]]], Response]


def install(app: FastAPI, pages: PageRenderer | None = None, is_page: Callable[[Request], bool] | None = None) -> None:
    """Register the handlers that turn every error into problem+json (or, for a page, into ``pages``' HTML)."""

    def problem(
        request: Request,
        status: int,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if pages is not None and is_page is not None and is_page(request):
            response = pages(request, status, detail, errors or [])
            response.headers.update(headers or {})
            return response
        return _problem(request, status, detail, errors, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return problem(request, 422, detail, errors)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        errors = [{"field": p.field, "reason": p.reason} for p in exc.problems]
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return problem(request, exc.status, exc.detail, errors or None, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else title(exc.status_code)
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Starlette names only the methods of the first route on the path; RFC 9110 wants all of them.
            headers["Allow"] = ", ".join(allowed_methods(request))
            detail = MESSAGES.gettext(
                "{method} is not allowed here; allowed: {allowed}", method=request.method, allowed=headers["Allow"]
            )
        return problem(request, exc.status_code, detail, headers=headers or None)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> Response:
        return problem(
            request, 409, MESSAGES.gettext("the record was changed by someone else at the same time; reload and retry")
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        log.info("integrity error on %s %s: %s", request.method, request.url.path, exc.orig.__class__.__name__)
        return problem(
            request, 409, MESSAGES.gettext("the change conflicts with existing data (a duplicate or a record in use)")
        )

    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> Response:
        log.warning(
            "database unavailable on %s %s: %s: %s",
            request.method,
            request.url.path,
            exc.orig.__class__.__name__,
            exc.orig,
        )
        return problem(request, 503, MESSAGES.gettext("the database is unavailable; try again shortly"))

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(request: Request, exc: PoolTimeout) -> Response:
        # Every connection of the pool stayed busy for AGREEMENTS_DB_POOL_TIMEOUT_SECONDS: overload, not a bug.
        log.warning("no free database connection for %s %s", request.method, request.url.path)
        response = problem(request, 503, MESSAGES.gettext("the server is busy; try again in a few seconds"))
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(request, 500, MESSAGES.gettext("an unexpected error occurred; it has been logged"))


class ProblemDocument(BaseModel):
    """An RFC 9457 problem: what went wrong, and for invalid input every field with its reason."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ProblemDocument, "description": TITLES[code]} for code in (400, 401, 403, 404, 409, 412, 422, 429)
}
"""Documented on every route: the errors any endpoint may answer with, all as problem+json."""
