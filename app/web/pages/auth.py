"""Signing in and out of the pages."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import DbSession, TransactionalRoute
from app.api.proxies import client_address
from app.i18n import WEB, current_language
from app.users.service import sign_out
from app.users.sign_in import TooManyAttempts, in_words, sign_in
from app.users.sso import end_session_url
from app.web.deps import CheckedForm, PageUser
from app.web.pages.sign_in_form import SSO_ID_TOKEN_COOKIE, provider, sign_in_form
from app.web.rendering import redirect
from app.web.security import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    SIGN_IN_CSRF_COOKIE,
    clear_cookie,
    safe_next,
    set_cookie,
    tokens_match,
)

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
_ = WEB.gettext


def _wait_in_words(seconds: int) -> str:
    """How long to wait, the reader's way ("2 minutes", "2 minutes", "2 minutos")."""
    if current_language() == "en":
        return in_words(seconds)
    return format_timedelta(timedelta(seconds=seconds), threshold=1.0, locale=current_language())


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/dashboard") -> Response:
    """The sign-in form."""
    return sign_in_form(request, next)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in_submit(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/dashboard"),
) -> Response:
    """Check the password; on success start a session and go where the user was heading."""
    if not request.app.state.settings.password_sign_in:
        message = _("Signing in with a password is turned off here; use the single sign-on button.")
        return sign_in_form(request, next, email, {"": message}, 403)
    if not tokens_match(csrf_token, request.cookies.get(SIGN_IN_CSRF_COOKIE)):
        return sign_in_form(
            request, next, email, {"": _("The form expired or did not come from this site; try again.")}, 403
        )
    errors = {}
    if not email.strip():
        errors["email"] = _("Enter your email address.")
    if not password:
        errors["password"] = _("Enter your password.")
    if errors:
        return sign_in_form(request, next, email, errors, 422)
    factory, settings = request.app.state.session_factory, request.app.state.settings
    try:
        issued = sign_in(factory, email, password, client_address(request), settings)
    except TooManyAttempts as exc:
        message = _(
            "Too many failed sign-ins. For your security, wait {wait} before trying again; no account is locked.",
            wait=_wait_in_words(exc.retry_after),
        )
        response = sign_in_form(request, next, email, {"": message}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if issued is None:
        return sign_in_form(request, next, email, {"": _("The email or password is not right.")}, 401)
    secret = issued[1]
    response = redirect(request, safe_next(next))
    set_cookie(request, response, SESSION_COOKIE, secret, max_age=SESSION_SECONDS)
    clear_cookie(request, response, SIGN_IN_CSRF_COOKIE)
    return response


@router.post("/sign-out")
def sign_out_submit(request: Request, session: DbSession, user: PageUser, form: CheckedForm) -> Response:
    """End the session: the token behind the cookie is revoked, the cookie removed; after a single sign-on, the
    browser also goes to the provider's sign-out (when it advertises one), which comes back to the sign-in page."""
    sign_out(session, request.cookies.get(SESSION_COOKIE, ""))
    id_token = request.cookies.get(SSO_ID_TOKEN_COOKIE)
    found = provider(request) if id_token else None
    provider_sign_out = end_session_url(found, request.app.state.settings, id_token) if found else None
    response = redirect(request, provider_sign_out or "/sign-in", _("You are signed out."))
    clear_cookie(request, response, SESSION_COOKIE)
    clear_cookie(request, response, SSO_ID_TOKEN_COOKIE)
    return response


@router.get("/")
def home(request: Request) -> Response:
    """The front door leads to the dashboard (which asks to sign in first if needed)."""
    return redirect(request, "/dashboard")
