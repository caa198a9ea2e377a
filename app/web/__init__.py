"""Server-rendered pages for legal officers, project managers and managers (Jinja2 + htmx, no CDN)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from app.web.deps import CsrfRefused, SignInRequired, sign_in_url
from app.web.pages import (
    agreements,
    auth,
    dashboard,
    existing_agreements,
    exports,
    obligations,
    organisations,
    partnerships,
    pipeline,
    quality,
    reports,
    workflows,
)
from app.web.rendering import STATIC_DIR, redirect, render

PAGE_MODULES = (
    auth,
    dashboard,
    pipeline,
    partnerships,
    agreements,
    existing_agreements,
    obligations,
    organisations,
    workflows,
    reports,
    quality,
    exports,
)
NOT_PAGES = ("/api/", "/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json", "/static/")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def is_page(request: Request) -> bool:
    """Whether ``request`` is for a page (HTML errors) rather than the API (problem+json)."""
    return not request.url.path.startswith(NOT_PAGES)


def error_page(request: Request, status: int, detail: str, errors: list[dict[str, str]]) -> Response:
    """An error as a page: what went wrong in words, with a way back."""
    return render(request, "error.html", {"status": status, "detail": detail, "errors": errors}, status_code=status)


def sign_in_first(request: Request) -> Response:
    """Where a form posted without a valid session goes, as ``SignInRequired`` sends it: to sign in."""
    return redirect(request, sign_in_url("/dashboard"))


def install(app: FastAPI) -> None:
    """Add the pages, their assets, their error handling and their security headers to ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in PAGE_MODULES:
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return redirect(request, sign_in_url(exc.next_url))

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        detail = "This form expired or did not come from this site. Go back, reload the page and try again."
        return error_page(request, 403, detail, [])

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        if is_page(request):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            response.headers.setdefault("Cache-Control", "no-store")
        return response
