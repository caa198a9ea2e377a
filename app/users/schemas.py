"""What the CLI and API accept and return for users and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import EmailStr, Field

from app.schemas import InputModel, OutputModel, ShortText
from app.users.models import Role


class UserCreate(InputModel):
    """A new user with at least one role."""

    email: EmailStr
    full_name: ShortText
    roles: list[Role] = Field(min_length=1)
    password: str | None = Field(None, min_length=12, max_length=200)


class UserRead(OutputModel):
    """A user as shown to administrators."""

    id: int
    email: str
    full_name: str
    roles: list[Role]
    is_active: bool
    created_at: datetime


class TokenRead(OutputModel):
    """An API token's metadata; the secret itself is shown once, at creation."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
