"""Pages: the administrators' list of users, where a password reset link is issued, and the page the link opens.

The reset page has no session (its visitor has forgotten the password), so its form is protected like the sign-in
form: a double-submit cookie. The link itself is the credential: refused clearly once used or expired.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.api.deps import DbSession, TransactionalRoute
from app.errors import DomainError
from app.i18n import WEB
from app.users.password_reset import issue_reset_link, live_reset, reset_password
from app.users.schemas import PASSWORD_MIN_LENGTH
from app.users.service import list_accounts
from app.web.deps import CheckedForm, PageUser
from app.web.forms import field_errors
from app.web.rendering import redirect, render
from app.web.security import SIGN_IN_CSRF_COOKIE, clear_cookie, new_sign_in_token, set_cookie, tokens_match

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
_ = WEB.gettext
FORM_EXPIRED = WEB.lazy("The form expired or did not come from this site; open the link again.")


PASSWORDS_OFF = WEB.lazy("Passwords are turned off here: sign in through single sign-on.")


@router.get("/admin/users")
def users_page(request: Request, session: DbSession, user: PageUser) -> Response:
    """Every account, with a button to issue a password reset link (administrators; not when passwords are off)."""
    accounts = list_accounts(session, actor=user)
    context = {"accounts": accounts, "passwords": request.app.state.settings.password_sign_in}
    return render(request, "users/list.html", context)


def _passwords_off(request: Request) -> Response | None:
    """The page a reset link opens when passwords are turned off (a link issued before): why it is of no use."""
    if request.app.state.settings.password_sign_in:
        return None
    return render(request, "error.html", {"status": 403, "detail": str(PASSWORDS_OFF), "errors": []}, 403)


@router.post("/admin/users/{user_id}/reset-link")
def issue_reset_link_page(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, user_id: int
) -> Response:
    """Issue a reset link for a user and show it once, to hand over by a channel the administrator trusts."""
    reset, url = issue_reset_link(session, user_id, request.app.state.settings, actor=user)
    return render(request, "users/reset_link.html", {"account": reset.user, "url": url, "expires_at": reset.expires_at})


def _reset_form(request: Request, secret: str, email: str, errors: dict[str, str] | None = None, status: int = 200):
    token = new_sign_in_token()
    context = {"secret": secret, "email": email, "errors": errors or {}, "form_token": token}
    response = render(request, "users/reset_password.html", context | {"min_length": PASSWORD_MIN_LENGTH}, status)
    set_cookie(request, response, SIGN_IN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/reset-password/{secret}")
def reset_password_page(request: Request, session: DbSession, secret: str) -> Response:
    """The form to choose a new password, if the link can still be used; why not, otherwise."""
    if (refused := _passwords_off(request)) is not None:
        return refused
    return _reset_form(request, secret, live_reset(session, secret).user.email)


@router.post("/reset-password/{secret}")
def reset_password_submit(
    request: Request,
    session: DbSession,
    secret: str,
    password: str = Form(""),
    confirmation: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Set the new password and use the link up; then sign in with it."""
    if (refused := _passwords_off(request)) is not None:
        return refused
    if not tokens_match(csrf_token, request.cookies.get(SIGN_IN_CSRF_COOKIE)):
        return render(request, "error.html", {"status": 403, "detail": str(FORM_EXPIRED), "errors": []}, 403)
    email = live_reset(session, secret).user.email
    if password != confirmation:
        return _reset_form(request, secret, email, {"confirmation": _("The two passwords differ.")}, 422)
    try:
        reset_password(session, secret, password)
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _reset_form(request, secret, email, field_errors(exc), 422)
    response = redirect(request, "/sign-in", _("Your new password is set; sign in with it."))
    clear_cookie(request, response, SIGN_IN_CSRF_COOKIE)
    return response
