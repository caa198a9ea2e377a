"""``GET /metrics`` (Prometheus, for administrators and the scraper's token) and ``GET /readyz``."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import __version__
from app.api import problems
from app.api.deps import TransactionalRoute, read_only
from app.i18n import MESSAGES
from app.monitoring import service
from app.monitoring.exposition import CONTENT_TYPE, render
from app.users.models import Role
from app.users.service import authenticate_token

log = logging.getLogger(__name__)
router = APIRouter(route_class=TransactionalRoute)
_bearer = HTTPBearer(
    auto_error=False, description="An administrator's API token, or the value of AGREEMENTS_METRICS_TOKEN"
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _is_metrics_token(request: Request, secret: str) -> bool:
    expected = request.app.state.settings.metrics_token
    if expected is None or not expected.get_secret_value():
        return False
    return hmac.compare_digest(secret.encode("utf-8", "replace"), expected.get_secret_value().encode("utf-8"))


@router.get(
    "/metrics",
    tags=["health"],
    response_class=Response,
    responses={
        200: {"description": "Prometheus text exposition format 0.0.4", "content": {CONTENT_TYPE: {}}},
        401: {"model": problems.ProblemDocument, "description": problems.TITLES[401]},
        403: {"model": problems.ProblemDocument, "description": problems.TITLES[403]},
        503: {"model": problems.ProblemDocument, "description": problems.TITLES[503]},
    },
)
def metrics(request: Request, credentials: Credentials) -> Response:
    """Prometheus metrics: reminders by status, transitions by trigger, HTTP counters of this process.

    Readable with an administrator's API token, or with `AGREEMENTS_METRICS_TOKEN` as the bearer token.
    """
    if credentials is None:
        return problems.problem(
            request, 401, "send 'Authorization: Bearer <token>': an admin's or the metrics token", headers=_CHALLENGE
        )
    if not _is_metrics_token(request, credentials.credentials):
        try:
            with read_only(request.app.state.session_factory) as session:
                user = authenticate_token(session, credentials.credentials)
                admin = user is not None and user.has_role(Role.ADMIN)
        except Exception as exc:
            log.warning("metrics: cannot check the token, the database is unreachable (%s)", exc.__class__.__name__)
            return problems.problem(request, 503, MESSAGES.gettext("the database is unreachable"))
        if user is None:
            return problems.problem(
                request, 401, MESSAGES.gettext("the token is unknown, expired or revoked"), headers=_CHALLENGE
            )
        if not admin:
            return problems.problem(
                request, 403, MESSAGES.gettext("only administrators (or the metrics token) may read the metrics")
            )
    families = [service.build_family()]
    try:
        with read_only(request.app.state.session_factory) as session:
            from_database = service.database_families(session)
        families += [service.database_up_family(True), *from_database]
    except Exception as exc:
        log.warning("metrics: database unreachable (%s)", exc.__class__.__name__)
        families.append(service.database_up_family(False))
    families.append(service.send_failure_family())
    families.append(service.webhook_attempt_family())
    families += request.app.state.http_metrics.families()
    return Response(render(families), media_type=CONTENT_TYPE)


@router.get(
    "/readyz",
    tags=["health"],
    responses={503: {"model": problems.ProblemDocument, "description": problems.TITLES[503]}},
)
def readyz(request: Request) -> Response:
    """Ready for traffic: the database answers, its schema is at the code's revision and the scheduler of this
    process (when it runs one) is running with its jobs finishing in time; 503 otherwise."""
    try:
        with read_only(request.app.state.session_factory) as session:
            current = service.schema_revision(session)
    except Exception as exc:
        log.warning("readiness: database unreachable (%s)", exc.__class__.__name__)
        return problems.problem(request, 503, MESSAGES.gettext("the database is unreachable"))
    needed = service.code_revision()
    if current != needed:
        detail = f"the database schema is at revision {current or 'none'} but this version needs {needed}"
        return problems.problem(request, 503, detail + "; run 'agreements init'")
    scheduler = service.scheduler_status(request.app.state)
    if scheduler["state"] == "stopped":
        return problems.problem(request, 503, MESSAGES.gettext("the scheduler of this process is not running"))
    if scheduler.get("stale"):
        late = ", ".join(scheduler["stale"])
        detail = MESSAGES.gettext("the scheduler's jobs have not finished in time: {jobs}", jobs=late)
        return problems.problem(request, 503, detail)
    return JSONResponse(
        {"status": "ready", "database": "ok", "schema": current, "scheduler": scheduler, "version": __version__}
    )
