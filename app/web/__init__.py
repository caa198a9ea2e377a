"""Server-rendered pages for legal officers, project managers and managers (Jinja2 + htmx, no CDN)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from app.api.headers import SecurityHeaders, headers_for
from app.i18n import WEB
from app.web.deps import CsrfRefused, SignInRequired, sign_in_url
from app.web.pages import (
    agreement_documents,
    agreements,
    auth,
    calendar,
    dashboard,
    existing_agreements,
    exports,
    history,
    language,
    obligations,
    organisations,
    partner,
    partner_links,
    partner_signing,
    partnership_list,
    partnerships,
    party_signing,
    password_reset,
    pipeline,
    quality,
    reports,
    screening,
    single_sign_on,
    webhooks,
    workflows,
)
from app.web.partner_area import (
    PartnerAreaRefused,
    PartnerCsrfRefused,
    RateLimited,
    gone_page,
    render_partner,
    too_many,
)
from app.web.rendering import STATIC_DIR, redirect, render

PAGE_MODULES = (
    auth,
    single_sign_on,
    dashboard,
    pipeline,
    partnership_list,  # before partnerships: /partnerships/new is not /partnerships/{partnership_id}
    partnerships,
    agreements,
    agreement_documents,
    party_signing,
    existing_agreements,
    obligations,
    organisations,
    workflows,
    reports,
    history,
    quality,
    screening,
    exports,
    password_reset,
    calendar,
    language,
    partner_links,
    webhooks,
)
PARTNER_MODULES = (partner, partner_signing)
"""Pages for partners, held by a partner link's session instead of a sign-in (app.web.partner_area); the link's own
entry, ``/partner/{token}``, is included after them so it never shadows one of their paths."""
NOT_PAGES = ("/api/", "/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json", "/static/")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
"""The pages' own headers, beside ``nosniff`` and ``no-store`` (see :mod:`app.api.headers`)."""


def page_headers(sso_issuer: str | None) -> dict[str, str]:
    """The pages' headers; with single sign-on, the sign-out form may also lead to the provider's sign-out page."""
    if not sso_issuer:
        return SECURITY_HEADERS
    parts = urlsplit(sso_issuer)
    origin = f"{parts.scheme}://{parts.netloc}"
    policy = SECURITY_HEADERS["Content-Security-Policy"].replace("form-action 'self'", f"form-action 'self' {origin}")
    return {**SECURITY_HEADERS, "Content-Security-Policy": policy}


def is_page_path(path: str) -> bool:
    """Whether ``path`` is a page's (HTML errors) rather than the API's, an asset's or a probe's."""
    return not path.startswith(NOT_PAGES)


def is_page(request: Request) -> bool:
    """Whether ``request`` is for a page (HTML errors) rather than the API (problem+json)."""
    return is_page_path(request.url.path)


def error_page(request: Request, status: int, detail: str, errors: list[dict[str, str]]) -> Response:
    """An error as a page: what went wrong in words, with a way back (with the pages' headers: a 500 is answered
    outside the middleware that adds them). In the partner area, the partner area's page: no way into the register."""
    if request.url.path.startswith("/partner/"):
        context = {"status": status, "detail": detail, "errors": {}, "link": None, "nav": []}
        return render_partner(request, "partner/error.html", context, status)
    response = render(request, "error.html", {"status": status, "detail": detail, "errors": errors}, status_code=status)
    for name, value in headers_for(
        request.url.path, True, page_headers(request.app.state.settings.oidc_issuer)
    ).items():
        response.headers.setdefault(name, value)
    return response


def sign_in_first(request: Request) -> Response:
    """Where a form posted without a valid session goes, as ``SignInRequired`` sends it: to sign in."""
    return redirect(request, sign_in_url("/dashboard"))


def install(app: FastAPI) -> None:
    """Add the pages, their assets, their error handling and their security headers to ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in PAGE_MODULES:
        app.include_router(module.router)
    for module in PARTNER_MODULES:
        app.include_router(module.router)
    app.include_router(partner.entry_router)

    @app.exception_handler(PartnerAreaRefused)
    async def _partner_refused(request: Request, exc: PartnerAreaRefused) -> Response:
        return gone_page(request)

    @app.exception_handler(PartnerCsrfRefused)
    async def _partner_csrf(request: Request, exc: PartnerCsrfRefused) -> Response:
        detail = WEB.gettext(
            "This form expired or did not come from this site. Go back, reload the page and try again."
        )
        context = {"status": 403, "detail": detail, "link": None, "nav": []}
        return render_partner(request, "partner/error.html", context, 403)

    @app.exception_handler(RateLimited)
    async def _rate_limited(request: Request, exc: RateLimited) -> Response:
        return too_many(request, exc.retry_after)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return redirect(request, sign_in_url(exc.next_url))

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        detail = WEB.gettext(
            "This form expired or did not come from this site. Go back, reload the page and try again."
        )
        return error_page(request, 403, detail, [])

    headers = page_headers(app.state.settings.oidc_issuer)
    app.add_middleware(SecurityHeaders, is_page=is_page_path, page_headers=headers)
