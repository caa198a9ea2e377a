"""Signing in through the organisation's OpenID provider (single sign-on), ending in the same session as a password."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.i18n import WEB
from app.users.oidc import ProviderUnavailable
from app.users.sso import Refusal, SsoRefused, finish_sign_in, start_sign_in
from app.web.pages.sign_in_form import SSO_BROWSER_COOKIE, SSO_ID_TOKEN_COOKIE, provider, sign_in_form
from app.web.security import SESSION_COOKIE, SESSION_SECONDS, clear_cookie, safe_next, set_cookie

router = APIRouter(include_in_schema=False)
_ = WEB.gettext
log = logging.getLogger(__name__)


def _refusal_message(reason: Refusal) -> str:
    messages = {
        Refusal.EXPIRED: _("The sign-in took too long or was already used. Sign in again."),
        Refusal.OTHER_BROWSER: _("The sign-in was started in another browser. Sign in again from this one."),
        Refusal.PROVIDER_ERROR: _("The sign-in service did not sign you in. Sign in again."),
        Refusal.UNAVAILABLE: _("The sign-in service cannot be reached. Try again in a few minutes."),
        Refusal.TOKEN: _("The answer of the sign-in service could not be verified, so nobody was signed in."),
        Refusal.NO_EMAIL: _("The sign-in service gave no email address for you. Ask an administrator."),
        Refusal.EMAIL_TAKEN: _(
            "An account with your email address already exists and cannot be linked to the sign-in service "
            "automatically. Ask an administrator."
        ),
        Refusal.NO_ROLE: _("Your account at the sign-in service gives you no role here. Ask an administrator."),
        Refusal.DEACTIVATED: _("Your account is deactivated. Ask an administrator."),
    }
    return messages[reason]


def _refused(request: Request, reason: Refusal, detail: str = "") -> Response:
    log.warning("single sign-on refused: %s%s", reason.value, f" ({detail})" if detail else "")
    status = 502 if reason is Refusal.UNAVAILABLE else 403 if reason in _FORBIDDEN else 400
    response = sign_in_form(request, "/dashboard", errors={"": _refusal_message(reason)}, status=status)
    clear_cookie(request, response, SSO_BROWSER_COOKIE)
    return response


_FORBIDDEN = {Refusal.TOKEN, Refusal.NO_ROLE, Refusal.DEACTIVATED, Refusal.EMAIL_TAKEN, Refusal.OTHER_BROWSER}


@router.get("/sign-in/sso", response_class=HTMLResponse)
def sso_start(request: Request, next: str = "/dashboard") -> Response:
    """Send the browser to the provider to sign in, remembering where it was heading."""
    found = provider(request)
    if found is None:
        return RedirectResponse("/sign-in", status_code=303)
    try:
        started = start_sign_in(request.app.state.session_factory, found, request.app.state.settings, safe_next(next))
    except ProviderUnavailable as exc:
        return _refused(request, Refusal.UNAVAILABLE, str(exc))
    response = RedirectResponse(started.url, status_code=303)
    set_cookie(request, response, SSO_BROWSER_COOKIE, started.browser_secret, max_age=600)
    return response


@router.get("/sign-in/sso/callback", response_class=HTMLResponse)
def sso_callback(request: Request, code: str = "", state: str = "", error: str = "", iss: str = "") -> Response:
    """The provider sends the browser back here: check everything, then start the session."""
    found = provider(request)
    if found is None:
        return RedirectResponse("/sign-in", status_code=303)
    if iss and iss != found.issuer:  # RFC 9207: an answer from another provider (a mix-up attack)
        return _refused(request, Refusal.TOKEN, "the answer names another issuer")
    if error or not code or not state or len(code) > 2000 or len(state) > 200:
        return _refused(request, Refusal.PROVIDER_ERROR if error else Refusal.EXPIRED, error[:100])
    try:
        done = finish_sign_in(
            request.app.state.session_factory,
            found,
            request.app.state.settings,
            code=code,
            state=state,
            browser_secret=request.cookies.get(SSO_BROWSER_COOKIE, ""),
        )
    except SsoRefused as exc:
        return _refused(request, exc.reason, str(exc))
    log.info("single sign-on: user %d signed in", done.user_id)
    response = RedirectResponse(safe_next(done.next_url), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, done.session_secret, max_age=SESSION_SECONDS)
    set_cookie(request, response, SSO_ID_TOKEN_COOKIE, done.id_token, max_age=SESSION_SECONDS)
    clear_cookie(request, response, SSO_BROWSER_COOKIE)
    return response
