"""HTTP endpoints for people: the caller, users (admins), API tokens and password sign-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from app.api import problems
from app.api.deps import CurrentUser, DbSession, ExpectedVersion, TransactionalRoute, set_etag
from app.api.paging import page_response
from app.api.proxies import client_address
from app.errors import Forbidden
from app.i18n import MESSAGES
from app.listing import Page, Paging, page_of
from app.schemas import MAX_ID
from app.users import service
from app.users.models import Role
from app.users.password_reset import issue_reset_link
from app.users.policy import Action, require
from app.users.schemas import (
    MyProfileUpdate,
    ResetLinkRead,
    SignIn,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.users.sign_in import sign_in as sign_in_with_password

router = APIRouter(route_class=TransactionalRoute, tags=["users"])
UserId = Annotated[int, Path(gt=0, le=MAX_ID, description="User id")]
TokenId = Annotated[int, Path(gt=0, le=MAX_ID, description="API token id")]


@router.get("/me", response_model=UserRead)
def me(user: CurrentUser) -> UserRead:
    """The user the API token belongs to."""
    return UserRead.model_validate(user)


@router.patch("/me", response_model=UserRead)
def update_me(
    session: DbSession, user: CurrentUser, body: MyProfileUpdate, expected_version: ExpectedVersion, response: Response
) -> UserRead:
    """Change my own profile: the language of my pages, messages and e-mails (``null`` follows my browser)."""
    changed = service.update_my_profile(session, user, body.model_dump(exclude_unset=True), expected_version)
    if changed.language:  # the answer already speaks the new language (the route runs apart from the request's)
        response.headers["Content-Language"] = changed.language
    set_etag(response, changed.version)
    return UserRead.model_validate(changed)


@router.get("/users", response_model=Page[UserRead])
def list_users(
    session: DbSession,
    user: CurrentUser,
    paging: Annotated[Paging, Query()],
    role: Annotated[Role | None, Query()] = None,
) -> Response:
    """Every user, optionally of one role (admins), one page at a time."""
    found = page_of(service.list_accounts(session, role, actor=user), paging)
    return page_response(Page[UserRead].of(found, UserRead.model_validate))


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(session: DbSession, user: CurrentUser, body: UserCreate, response: Response) -> UserRead:
    """Add a user with their roles and, optionally, a password for signing in (admins)."""
    created = service.create_user(session, body, actor=user)
    response.headers["Location"] = f"/api/v1/users/{created.id}"
    return UserRead.model_validate(created)


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(
    session: DbSession,
    user: CurrentUser,
    user_id: UserId,
    body: UserUpdate,
    expected_version: ExpectedVersion,
    response: Response,
) -> UserRead:
    """Change a user's name, roles, language or whether they may sign in (admins); ``If-Match`` refuses a stale
    write."""
    if user_id == user.id and body.is_active is False:
        raise Forbidden(MESSAGES.gettext("you cannot deactivate yourself; ask another admin"))
    changed = service.update_user(session, user_id, body.model_dump(exclude_unset=True), expected_version, actor=user)
    set_etag(response, changed.version)
    return UserRead.model_validate(changed)


@router.post("/users/{user_id}/password-reset", response_model=ResetLinkRead, status_code=status.HTTP_201_CREATED)
def issue_password_reset(request: Request, session: DbSession, user: CurrentUser, user_id: UserId) -> ResetLinkRead:
    """Issue a single-use link with which the user sets a new password (admins); the link is in this response only
    and expires after ``AGREEMENTS_PASSWORD_RESET_HOURS``; an earlier link of the user stops working."""
    reset, url = issue_reset_link(session, user_id, request.app.state.settings, actor=user)
    return ResetLinkRead(url=url, user_id=reset.user_id, expires_at=reset.expires_at)


@router.get("/me/tokens", response_model=Page[TokenRead])
def my_tokens(session: DbSession, user: CurrentUser, paging: Annotated[Paging, Query()]) -> Response:
    """My API tokens, newest first (the secrets are never shown again)."""
    return page_response(
        Page[TokenRead].of(page_of(service.list_tokens(session, user), paging), TokenRead.model_validate)
    )


@router.post("/me/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_my_token(session: DbSession, user: CurrentUser, body: TokenCreate) -> TokenCreated:
    """Issue an API token for me; the secret is in this response only."""
    require(user, Action.READ)
    token, secret = service.create_token(session, user, body.name, body.expires_in_days)
    return TokenCreated(token=TokenRead.model_validate(token), secret=secret)


@router.post("/tokens/{token_id}/revoke", response_model=TokenRead)
def revoke_token(session: DbSession, user: CurrentUser, token_id: TokenId) -> TokenRead:
    """Revoke a token at once: my own, or anyone's for an admin."""
    return TokenRead.model_validate(service.revoke_token(session, token_id, actor=user))


@router.post("/auth/token", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def sign_in(request: Request, body: SignIn) -> TokenCreated | JSONResponse:
    """Exchange an email and password for a token valid twelve hours; failures are slowed down, never locked out.

    Every failure is the same 401, whatever the reason; while attempts must wait, 429 with ``Retry-After``.
    """
    # No request transaction: sign-in commits the attempt's count before checking the password (see sign_in).
    state, address = request.app.state, client_address(request)
    if not state.settings.password_sign_in:
        reason = MESSAGES.gettext("signing in with a password is turned off here; use single sign-on in the pages")
        return problems.problem(request, 403, reason)
    issued = sign_in_with_password(state.session_factory, body.email, body.password, address, state.settings)
    if issued is None:
        return problems.problem(request, 401, MESSAGES.gettext("the email or the password is wrong"))
    token, secret = issued
    return TokenCreated(token=TokenRead.model_validate(token), secret=secret)
