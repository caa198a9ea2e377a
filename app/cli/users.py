"""``agreements users …`` and ``agreements tokens …``: people, their roles and their API tokens."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from app.cli.support import ensure_schema, fail, friendly_errors, operator
from app.config import get_settings
from app.db import unit_of_work
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

users_cli = typer.Typer(help="Manage users and their roles.", no_args_is_help=True)
tokens_cli = typer.Typer(help="Manage API tokens.", no_args_is_help=True)

# How a user's account is shown: words about a person's account, not workflow states.
ACCOUNT_ACTIVE = "active"  # not a workflow state
ACCOUNT_DEACTIVATED = "deactivated"


@users_cli.command("create")
@friendly_errors
def users_create(
    email: Annotated[str, typer.Option(help="Email address; also the sign-in name.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[list[str], typer.Option(help="Role: admin, legal_officer, project_manager or viewer; repeatable.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a password (12+ characters) from standard input.")
    ] = False,
) -> None:
    """Create a user with one or more roles."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    data = UserCreate(email=email, full_name=name, roles=role, password=password)  # type: ignore[arg-type]
    ensure_schema(get_settings())
    with unit_of_work() as session:
        user = create_user(session, data, actor=operator("users create"))
        typer.echo(f"created user {user.id} {user.email} ({', '.join(user.roles)})")


def _read_new_password() -> str:
    """The new password: typed twice without echo at a terminal, otherwise the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("New password (12+ characters): ")
        if getpass.getpass("Repeat it: ") != first:
            raise fail("the two passwords differ; nothing changed")
        return first
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("set-password")
@friendly_errors
def users_set_password(email: Annotated[str, typer.Argument(help="Email of the user.")]) -> None:
    """Set a user's password, read from standard input (not shown when typed); their browser sessions end."""
    ensure_schema(get_settings())
    password = _read_new_password()
    with unit_of_work() as session:
        user = set_password(session, get_user_by_email(session, email), password)
        typer.echo(f"the password of {user.email} is set; their browser sessions are ended")


@users_cli.command("list")
@friendly_errors
def users_list(role: Annotated[str | None, typer.Option(help="Only users with this role.")] = None) -> None:
    """List users and their roles."""
    try:
        wanted = Role(role) if role else None
    except ValueError:
        raise fail(f"unknown role {role!r}; choose one of: {', '.join(r.value for r in Role)}") from None
    ensure_schema(get_settings())
    with unit_of_work() as session:
        for user in list_users(session, wanted):
            status = ACCOUNT_ACTIVE if user.is_active else ACCOUNT_DEACTIVATED
            typer.echo(f"{user.id:>5}  {user.email:<40} {user.full_name:<30} {','.join(user.roles):<30} {status}")


def _set_active(email: str, active: bool) -> None:
    ensure_schema(get_settings())
    with unit_of_work() as session:
        user = set_active(session, get_user_by_email(session, email), active)
        typer.echo(f"{user.email} is now {ACCOUNT_ACTIVE if active else ACCOUNT_DEACTIVATED}")


@users_cli.command("deactivate")
@friendly_errors
def users_deactivate(email: Annotated[str, typer.Argument(help="Email of the user.")]) -> None:
    """Deactivate a user; their tokens stop working at once."""
    _set_active(email, False)


@users_cli.command("activate")
@friendly_errors
def users_activate(email: Annotated[str, typer.Argument(help="Email of the user.")]) -> None:
    """Reactivate a user."""
    _set_active(email, True)


@tokens_cli.command("create")
@friendly_errors
def tokens_create(
    email: Annotated[str, typer.Option(help="Email of the user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'reporting script'.")] = "cli",
    expires_days: Annotated[
        int, typer.Option(min=1, max=3650, metavar="DAYS", help="Days until the token expires.")
    ] = 90,
    no_expiry: Annotated[bool, typer.Option("--no-expiry", help="Issue a token that never expires.")] = False,
) -> None:
    """Issue an API token; the secret is printed once and never stored."""
    ensure_schema(get_settings())
    with unit_of_work() as session:
        token, secret = create_token(
            session, get_user_by_email(session, email), name, None if no_expiry else expires_days
        )
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        typer.echo(f"token {token.id} for {email} (expires {expiry}):", err=True)
        typer.echo(secret)


@tokens_cli.command("list")
@friendly_errors
def tokens_list(email: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None) -> None:
    """List API tokens (never their secrets)."""
    ensure_schema(get_settings())
    with unit_of_work() as session:
        user = get_user_by_email(session, email) if email else None
        for token in list_tokens(session, user):
            state = (
                "revoked"
                if token.revoked_at
                else f"expires {token.expires_at:%Y-%m-%d}"
                if token.expires_at
                else "no expiry"
            )
            typer.echo(f"{token.id:>5}  {token.prefix}…  {token.user.email:<40} {token.name:<24} {state}")


@tokens_cli.command("revoke")
@friendly_errors
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(min=1, help="Id shown by 'agreements tokens list'.")],
) -> None:
    """Revoke an API token at once."""
    ensure_schema(get_settings())
    with unit_of_work() as session:
        token = revoke_token(session, token_id, actor=operator("tokens revoke"))
        typer.echo(f"token {token.id} ({token.name}) is revoked")
