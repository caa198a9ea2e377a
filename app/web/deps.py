"""What every page needs: the signed-in user (or a redirect to sign in) and a CSRF-checked form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.datastructures import FormData

from app.api.deps import DbSession
from app.api.language import speak_like
from app.audit.recorder import ACTOR as AUDIT_ACTOR
from app.monitoring.http import note_caller
from app.users.models import User
from app.users.service import authenticate_token
from app.web.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, csrf_for, tokens_match


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, copied out of the session so error pages can still show it after a rollback."""

    id: int
    full_name: str
    email: str
    roles: tuple[str, ...]


class SignInRequired(Exception):
    """The page needs a signed-in user; the browser is sent to the sign-in page and back."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRefused(Exception):
    """A form arrived without the CSRF token of the signed-in session."""


def _page_user(request: Request, session: DbSession) -> User:
    """The user signed in by the session cookie; otherwise go and sign in."""
    secret = request.cookies.get(SESSION_COOKIE)
    user = authenticate_token(session, secret) if secret else None
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/dashboard")
    session.info[AUDIT_ACTOR] = user.id  # every write of this request is recorded as theirs
    note_caller(user.id)
    request.state.me = SignedIn(user.id, user.full_name, user.email, tuple(role.value for role in user.roles))
    request.state.csrf_token = csrf_for(secret)
    return user


async def _page_user_in_their_language(user: Annotated[User, Depends(_page_user)]) -> User:
    """The signed-in user, whose own language (if they chose one) the page speaks (async: see app.api.deps)."""
    speak_like(user)
    return user


PageUser = Annotated[User, Depends(_page_user_in_their_language)]


async def _checked_form(request: Request, user: PageUser) -> FormData:
    """The submitted form, refused unless it carries this session's CSRF token (field or header)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not tokens_match(sent if isinstance(sent, str) else None, request.state.csrf_token):
        raise CsrfRefused()
    return form


CheckedForm = Annotated[FormData, Depends(_checked_form)]


def sign_in_url(next_url: str) -> str:
    """The sign-in page, coming back to ``next_url`` afterwards."""
    return f"/sign-in?next={quote(next_url, safe='/')}"
