"""People who use the system, their roles and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, str_enum, utcnow


class Role(enum.StrEnum):
    """What a user may do; a user may hold several."""

    ADMIN = "admin"
    LEGAL_OFFICER = "legal_officer"
    PROJECT_MANAGER = "project_manager"
    VIEWER = "viewer"


class User(Base):
    """A person who signs in or calls the API."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def roles(self) -> list[Role]:
        """The roles this user holds, in a stable order."""
        return sorted({grant.role for grant in self.role_grants})

    def has_role(self, *roles: Role) -> bool:
        """Whether the user holds any of ``roles``."""
        return any(grant.role in roles for grant in self.role_grants)


class UserRole(Base):
    """One role granted to one user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))

    user: Mapped[User] = relationship(back_populates="role_grants")


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens", lazy="joined")


class LoginAttempt(Base):
    """A password sign-in attempt, kept to slow down guessing (rate limit by email and by address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    client_address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
