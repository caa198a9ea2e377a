"""The FastAPI application factory."""

from __future__ import annotations

import gc
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

import app.models  # noqa: F401  (every mapper and the audit recorder, before the first query)
from app import __version__, web
from app.agreements.routes import router as agreements_router
from app.api import docs, openapi, problems
from app.api.deps import read_only
from app.api.gate import RequestGate
from app.api.language import LanguageMiddleware
from app.api.proxies import TrustedProxyMiddleware
from app.audit.routes import router as audit_router
from app.calendars.routes import feed_router as calendar_feed_router
from app.calendars.routes import router as calendars_router
from app.config import Settings, get_settings
from app.db import make_engine
from app.drafting.routes import router as drafting_router
from app.exports.routes import router as exports_router
from app.i18n import MESSAGES
from app.imports.routes import router as imports_router
from app.monitoring.http import HttpMetrics, ObservabilityMiddleware
from app.monitoring.routes import router as monitoring_router
from app.obligations.routes import router as obligations_router
from app.organisations.routes import router as organisations_router
from app.partner_links.routes import router as partner_links_router
from app.partnerships import ownership
from app.partnerships.routes import router as partnerships_router
from app.quality.routes import router as quality_router
from app.reminders.routes import router as reminders_router
from app.reports.routes import router as reports_router
from app.rules import register_all
from app.screening.routes import router as screening_router
from app.users.routes import router as users_router
from app.webhooks.routes import router as webhooks_router
from app.workflow.definition import load_all
from app.workflow.routes import router as workflows_router

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None) -> FastAPI:
    """Build the application; tests pass their own session factory."""
    settings = settings or get_settings()
    register_all()
    load_all()  # a broken workflow file stops start-up with its file, line and name
    ownership.get_policy()  # and so do broken ownership rules
    if session_factory is None:
        session_factory = sessionmaker(bind=make_engine(settings.database_url), expire_on_commit=False)
    app = FastAPI(
        title="Agreements",
        version=__version__,
        summary="Agreement lifecycle and workflow engine",
        description=(
            "Partnerships from first contact to signed MOU: organisations, parties, undertakings, agreements, "
            "obligations and reminders. Every endpoint except `/healthz` and `/readyz` needs "
            "`Authorization: Bearer <token>`; errors are RFC 9457 problem+json documents naming the field and the "
            "reason."
        ),
        docs_url=None,  # FastAPI's own pages load their viewers from a CDN: ours come from app.api.docs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    problems.install(app, pages=web.error_page, is_page=web.is_page)
    docs.install(app)

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> JSONResponse:
        """Liveness and database reachability; 503 when the database does not answer."""
        try:
            with read_only(request.app.state.session_factory) as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("health check: database unreachable (%s)", exc.__class__.__name__)
            return problems.problem(request, 503, MESSAGES.gettext("the database is unreachable"))
        return JSONResponse({"status": "ok", "database": "ok", "version": __version__})

    for router in (
        organisations_router,
        partnerships_router,
        agreements_router,
        drafting_router,
        obligations_router,
        reminders_router,
        users_router,
        audit_router,
        workflows_router,
        imports_router,
        exports_router,
        reports_router,
        quality_router,
        partner_links_router,
        calendars_router,
        screening_router,
        webhooks_router,
    ):
        app.include_router(router, prefix=API_PREFIX, responses=problems.PROBLEM_RESPONSES)
    app.include_router(monitoring_router)  # /metrics and /readyz, beside /healthz
    app.include_router(calendar_feed_router)  # /calendar/{secret}.ics: the secret is the credential
    # Who sends a body, and how large it is, before anything reads it. Added first, so innermost: a body cut off
    # here raises straight into the route's parsing (the pages' header middleware would wrap it in a task group).
    app.add_middleware(
        RequestGate,
        settings=settings,
        session_factory=session_factory,
        is_page=web.is_page,
        page_error=web.error_page,
        sign_in=web.sign_in_first,
    )
    web.install(app)
    # The request's language (cookie, Accept-Language), before the gate and the pages answer in it.
    app.add_middleware(LanguageMiddleware)
    app.state.http_metrics = HttpMetrics()
    app.add_middleware(ObservabilityMiddleware, metrics=app.state.http_metrics)  # sees every request
    # Outermost, so that logs, metrics and routes all see the client's real address and scheme.
    app.add_middleware(TrustedProxyMiddleware, trusted=settings.trusted_proxies)
    openapi.install(app)
    return app


def settle_before_serving() -> None:
    """Take what start-up built out of the garbage collector's sight, once the application is ready to serve.

    A full collection walks every object the process tracks, about 230,000 after start-up (modules, routes,
    mappers, templates, catalogs): tens of milliseconds, or more on a busy machine, added to whichever request
    happens to trigger it. Those objects live as long as the process, so they are frozen (``gc.freeze``) and no
    collection walks them again; what requests allocate is collected as before.
    """
    gc.collect()
    gc.freeze()
