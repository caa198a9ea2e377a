"""The sign-in page's form, and the single sign-on provider the sign-in and sign-out pages share."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app.users.oidc import OidcProvider
from app.users.sso import provider_for
from app.web.rendering import render
from app.web.security import SIGN_IN_CSRF_COOKIE, new_sign_in_token, safe_next, set_cookie

SSO_BROWSER_COOKIE = "agreements_sso_request"
"""Binds a sign-in under way to the browser that started it (its SHA-256 is kept with the request)."""
SSO_ID_TOKEN_COOKIE = "agreements_sso_id_token"
"""The ID token of a single sign-on session, sent back to the provider as ``id_token_hint`` at sign-out."""


def provider(request: Request) -> OidcProvider | None:
    """The configured provider (one per application, so its metadata and keys are cached), or ``None``."""
    settings = request.app.state.settings
    if not settings.single_sign_on:
        return None
    found = getattr(request.app.state, "oidc_provider", None)
    if found is None:
        found = request.app.state.oidc_provider = provider_for(settings)
    return found


def sign_in_form(
    request: Request, next_url: str, email: str = "", errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    """The sign-in page: the password form (unless turned off) and the single sign-on button (when configured)."""
    settings = request.app.state.settings
    token = new_sign_in_token()
    context = {
        "next": safe_next(next_url),
        "email": email,
        "errors": errors or {},
        "sign_in_token": token,
        "password_sign_in": settings.password_sign_in,
        "sso_name": settings.oidc_provider_name if settings.single_sign_on else None,
    }
    response = render(request, "sign_in.html", context, status_code=status)
    set_cookie(request, response, SIGN_IN_CSRF_COOKIE, token, max_age=3600)
    return response
