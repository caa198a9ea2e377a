"""What the CLI and API accept and return for users and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from app.schemas import InputModel, LanguageCode, OutputModel, ShortText
from app.users.models import Role

PASSWORD_MIN_LENGTH = 12


class UserCreate(InputModel):
    """A new user with at least one role."""

    email: EmailStr
    full_name: ShortText
    roles: list[Role] = Field(min_length=1)
    password: str | None = Field(None, min_length=PASSWORD_MIN_LENGTH, max_length=200)


class NewPassword(InputModel):
    """A password a user sets: the same rules as a new user's."""

    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=200)


class ResetLinkRead(OutputModel):
    """A password reset link, shown once to the administrator who issued it."""

    url: str
    user_id: int
    expires_at: datetime


class UserRead(OutputModel):
    """A user as shown to administrators."""

    id: int
    email: str
    full_name: str
    roles: list[Role]
    is_active: bool
    language: str | None = Field(description="The language of the user's pages, messages and e-mails; null follows "
                                 "the browser's Accept-Language")  # fmt: skip
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


class UserUpdate(InputModel):
    """Changes to a user (admins); fields left out keep their value."""

    full_name: ShortText | None = None
    roles: list[Role] | None = Field(None, min_length=1)
    is_active: bool | None = None
    language: LanguageCode | None = Field(None, description="en, fr or es; null follows the browser's Accept-Language")


class MyProfileUpdate(InputModel):
    """Changes a user makes to their own profile; fields left out keep their value."""

    language: LanguageCode | None = Field(None, description="en, fr or es; null follows the browser's Accept-Language")


class TokenCreate(InputModel):
    """A new API token for the caller."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        examples=["reporting script"]
    )
    expires_in_days: int | None = Field(90, ge=1, le=3650, description="null for a token that does not expire")


class TokenCreated(OutputModel):
    """A new token: its metadata and the secret, shown this once."""

    token: TokenRead
    secret: str


class SignIn(InputModel):
    """Email and password, exchanged for a token valid twelve hours."""

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=200)
