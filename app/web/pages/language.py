"""The language switch on every page: a small form that remembers the choice and comes back to the same page.

The choice goes into the ``lang`` cookie (pages before signing in follow it) and, for a signed-in user, into their
profile (``users.language``), which the pages, the API and their e-mails then follow wherever they sign in. The
form carries the session's CSRF token, or before signing in the double-submit token of the page it is on.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.api.deps import DbSession, TransactionalRoute
from app.api.language import LANGUAGE_COOKIE, LANGUAGE_COOKIE_SECONDS
from app.i18n import LANGUAGES
from app.users.service import authenticate_token, set_language_of
from app.web.deps import CsrfRefused
from app.web.rendering import redirect
from app.web.security import SESSION_COOKIE, SIGN_IN_CSRF_COOKIE, csrf_for, safe_next, set_cookie, tokens_match

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.post("/language")
def switch_language(
    request: Request,
    session: DbSession,
    language: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/dashboard"),
) -> Response:
    """Speak the chosen language from now on (cookie, and the signed-in user's profile); back to the same page."""
    secret = request.cookies.get(SESSION_COOKIE)
    user = authenticate_token(session, secret) if secret else None
    expected = csrf_for(secret) if user is not None and secret else request.cookies.get(SIGN_IN_CSRF_COOKIE)
    if not tokens_match(csrf_token, expected):
        raise CsrfRefused()
    back = safe_next(next)
    if language not in LANGUAGES:
        return redirect(request, back)  # the form only offers the languages spoken: nothing to change
    if user is not None:
        set_language_of(session, user, language)
    response = redirect(request, back)
    set_cookie(request, response, LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS)
    return response
