"""``agreements users …`` and ``agreements tokens …``: people, their roles and their API tokens."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from app.cli.support import PlainHelpGroup, ensure_schema, fail, friendly_errors, operator
from app.config import get_settings
from app.db import unit_of_work
from app.i18n import MESSAGES
from app.users.models import Role
from app.users.password_reset import set_password
from app.users.schemas import UserCreate
from app.users.service import (
    create_token,
    create_user,
    get_user_by_email,
    list_tokens,
    list_users,
    revoke_token,
    set_active,
)

users_cli = typer.Typer(help=MESSAGES.lazy("Manage users and their roles."), no_args_is_help=True, cls=PlainHelpGroup)
tokens_cli = typer.Typer(help=MESSAGES.lazy("Manage API tokens."), no_args_is_help=True, cls=PlainHelpGroup)

# How a user's account is shown: words about a person's account, not workflow states.
ACCOUNT_ACTIVE = MESSAGES.lazy("active")  # not a workflow state
ACCOUNT_DEACTIVATED = MESSAGES.lazy("deactivated")


@users_cli.command("create", help=MESSAGES.lazy("Create a user with one or more roles."))
@friendly_errors
def users_create(
    email: Annotated[str, typer.Option(help=MESSAGES.lazy("Email address; also the sign-in name."))],
    name: Annotated[str, typer.Option(help=MESSAGES.lazy("Full name."))],
    role: Annotated[
        list[str],
        typer.Option(help=MESSAGES.lazy("Role: admin, legal_officer, project_manager or viewer; repeatable.")),
    ],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help=MESSAGES.lazy("Read a password (12+ characters) from standard input.")),
    ] = False,
) -> None:
    """Create a user with one or more roles."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    data = UserCreate(email=email, full_name=name, roles=role, password=password)  # type: ignore[arg-type]
    ensure_schema(get_settings())
    with unit_of_work() as session:
        user = create_user(session, data, actor=operator("users create"))
        typer.echo(
            MESSAGES.gettext(
                "created user {id} {email} ({values})", id=user.id, email=user.email, values=", ".join(user.roles)
            )
        )


def _read_new_password() -> str:
    """The new password: typed twice without echo at a terminal, otherwise the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass(MESSAGES.gettext("New password (12+ characters): "))
        if getpass.getpass(MESSAGES.gettext("Repeat it: ")) != first:
            raise fail(MESSAGES.gettext("the two passwords differ; nothing changed"))
        return first
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command(
    "set-password",
    help=MESSAGES.lazy(
        "Set a user's password, read from standard input (not shown when typed); their browser sessions end."
    ),
)
@friendly_errors
def users_set_password(email: Annotated[str, typer.Argument(help=MESSAGES.lazy("Email of the user."))]) -> None:
    """Set a user's password, read from standard input (not shown when typed); their browser sessions end."""
    ensure_schema(get_settings())
    password = _read_new_password()
    with unit_of_work() as session:
        user = set_password(session, get_user_by_email(session, email), password)
        typer.echo(
            MESSAGES.gettext("the password of {email} is set; their browser sessions are ended", email=user.email)
        )


@users_cli.command("list", help=MESSAGES.lazy("List users and their roles."))
@friendly_errors
def users_list(
    role: Annotated[str | None, typer.Option(help=MESSAGES.lazy("Only users with this role."))] = None,
) -> None:
    """List users and their roles."""
    try:
        wanted = Role(role) if role else None
    except ValueError:
        raise fail(
            MESSAGES.gettext(
                "unknown role {role}; choose one of: {values}", role=repr(role), values=", ".join(r.value for r in Role)
            )
        ) from None
    ensure_schema(get_settings())
    with unit_of_work() as session:
        for user in list_users(session, wanted):
            status = str(ACCOUNT_ACTIVE if user.is_active else ACCOUNT_DEACTIVATED)
            typer.echo(f"{user.id:>5}  {user.email:<40} {user.full_name:<30} {','.join(user.roles):<30} {status}")


def _set_active(email: str, active: bool) -> None:
    ensure_schema(get_settings())
    with unit_of_work() as session:
        user = set_active(session, get_user_by_email(session, email), active)
        typer.echo(
            MESSAGES.gettext(
                "{email} is now {value}", email=user.email, value=str(ACCOUNT_ACTIVE if active else ACCOUNT_DEACTIVATED)
            )
        )


@users_cli.command("deactivate", help=MESSAGES.lazy("Deactivate a user; their tokens stop working at once."))
@friendly_errors
def users_deactivate(email: Annotated[str, typer.Argument(help=MESSAGES.lazy("Email of the user."))]) -> None:
    """Deactivate a user; their tokens stop working at once."""
    _set_active(email, False)


@users_cli.command("activate", help=MESSAGES.lazy("Reactivate a user."))
@friendly_errors
def users_activate(email: Annotated[str, typer.Argument(help=MESSAGES.lazy("Email of the user."))]) -> None:
    """Reactivate a user."""
    _set_active(email, True)


@tokens_cli.command("create", help=MESSAGES.lazy("Issue an API token; the secret is printed once and never stored."))
@friendly_errors
def tokens_create(
    email: Annotated[str, typer.Option(help=MESSAGES.lazy("Email of the user the token acts for."))],
    name: Annotated[str, typer.Option(help=MESSAGES.lazy("What the token is for, e.g. 'reporting script'."))] = "cli",
    expires_days: Annotated[
        int, typer.Option(min=1, max=3650, metavar="DAYS", help=MESSAGES.lazy("Days until the token expires."))
    ] = 90,
    no_expiry: Annotated[
        bool, typer.Option("--no-expiry", help=MESSAGES.lazy("Issue a token that never expires."))
    ] = False,
) -> None:
    """Issue an API token; the secret is printed once and never stored."""
    ensure_schema(get_settings())
    with unit_of_work() as session:
        token, secret = create_token(
            session, get_user_by_email(session, email), name, None if no_expiry else expires_days
        )
        expiry = token.expires_at.isoformat() if token.expires_at else MESSAGES.gettext("never")
        typer.echo(
            MESSAGES.gettext("token {id} for {email} (expires {expiry}):", id=token.id, email=email, expiry=expiry),
            err=True,
        )
        typer.echo(secret)


@tokens_cli.command("list", help=MESSAGES.lazy("List API tokens (never their secrets)."))
@friendly_errors
def tokens_list(
    email: Annotated[str | None, typer.Option(help=MESSAGES.lazy("Only this user's tokens."))] = None,
) -> None:
    """List API tokens (never their secrets)."""
    ensure_schema(get_settings())
    with unit_of_work() as session:
        user = get_user_by_email(session, email) if email else None
        for token in list_tokens(session, user):
            state = (
                MESSAGES.gettext("revoked")
                if token.revoked_at
                else MESSAGES.gettext("expires {date}", date=f"{token.expires_at:%Y-%m-%d}")
                if token.expires_at
                else MESSAGES.gettext("no expiry")
            )
            typer.echo(f"{token.id:>5}  {token.prefix}…  {token.user.email:<40} {token.name:<24} {state}")


@tokens_cli.command("revoke", help=MESSAGES.lazy("Revoke an API token at once."))
@friendly_errors
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(min=1, help=MESSAGES.lazy("Id shown by 'agreements tokens list'."))],
) -> None:
    """Revoke an API token at once."""
    ensure_schema(get_settings())
    with unit_of_work() as session:
        token = revoke_token(session, token_id, actor=operator("tokens revoke"))
        typer.echo(MESSAGES.gettext("token {id} ({name}) is revoked", id=token.id, name=token.name))
