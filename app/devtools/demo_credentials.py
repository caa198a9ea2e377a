"""The demo users' credentials: written to a file only its owner can read, and issued afresh on demand.

Only hashes of passwords and tokens are stored, so credentials shown again are new ones: each demo user gets a new
password and a new ``demo`` API token, and their earlier ``demo`` tokens are revoked.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import clock
from app.devtools.curated import DEMO_USERS, TOKEN_DAYS
from app.devtools.demo import DemoUser
from app.users.models import ApiToken, User
from app.users.service import create_token, find_user_by_email, set_password_hash

CREDENTIALS_FILE_NAME = "demo-credentials.txt"
DEMO_TOKEN_NAME = "demo"


def credentials_path(database_url: str, working_directory: Path | None = None) -> Path:
    """Where the credentials file goes: beside an SQLite database file, otherwise in the working directory."""
    url = make_url(database_url)
    folder = working_directory or Path.cwd()
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folder = (folder / url.database).parent
    return (folder / CREDENTIALS_FILE_NAME).resolve()


def credential_lines(users: Sequence[DemoUser], base_url: str) -> list[str]:
    """The credentials as text lines: one API token and one page password per user."""
    lines = ["demo API tokens (send as 'Authorization: Bearer <token>'):"]
    lines += [f"  {user.role.value:<16} {user.email:<32} {user.token}" for user in users]
    lines.append(f"demo sign-in for the pages at {base_url}/sign-in:")
    lines += [f"  {user.role.value:<16} {user.email:<32} password {user.password}" for user in users]
    return lines


def write_credentials(path: Path, lines: Sequence[str]) -> None:
    """Write the lines to ``path``, readable and writable by its owner only (mode 0600), replacing any old file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through os.open; narrow it too
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")


def reissue_demo_credentials(session: Session) -> list[DemoUser]:
    """A new password and ``demo`` token for each active demo user (earlier demo tokens revoked); flush only."""
    now = clock.now()
    issued = []
    for email, _, role in DEMO_USERS:
        user = find_user_by_email(session, email)
        if user is None or not user.is_active:
            continue
        for token in session.scalars(
            select(ApiToken).where(
                ApiToken.user_id == user.id, ApiToken.name == DEMO_TOKEN_NAME, ApiToken.revoked_at.is_(None)
            )
        ):
            token.revoked_at = now
        password = secrets.token_urlsafe(12)
        set_password_hash(user, password)
        secret = create_token(session, user, DEMO_TOKEN_NAME, TOKEN_DAYS)[1]
        issued.append(DemoUser(user.email, user.full_name, role, secret, password))
    session.flush()
    return issued


def demo_users_exist(session: Session) -> bool:
    """Whether any demo user is in the database."""
    emails = [email for email, _, _ in DEMO_USERS]
    return session.scalar(select(User.id).where(User.email.in_(emails)).limit(1)) is not None
