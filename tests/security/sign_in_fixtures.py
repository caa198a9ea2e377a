"""Fixtures for the sign-in attack tests (imported by them): clients from chosen addresses, a spy on Argon2."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.app import create_app
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_user, set_active
from tests.builders import SET_UP

PASSWORD = "correct horse battery staple"
TOKEN = "/api/v1/auth/token"
START = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)  # on a 10-minute boundary, so alert windows are predictable


class Site:
    """The application under test, reached from any address, with settings overridden per client if asked."""

    def __init__(self, settings, session_factory) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self._apps: dict[str, object] = {}

    def app(self, **overrides):
        key = repr(sorted(overrides.items()))
        if key not in self._apps:
            settings = self.settings.model_copy(update=overrides) if overrides else self.settings
            self._apps[key] = create_app(settings, self.session_factory)
        return self._apps[key]

    def client(self, address: str, **overrides) -> TestClient:
        return TestClient(self.app(**overrides), raise_server_exceptions=False, client=(address, 40000))

    def sign_in(self, address: str, email: str, password: str, **overrides):
        return self.client(address, **overrides).post(TOKEN, json={"email": email, "password": password})


@pytest.fixture
def site(settings, session_factory) -> Site:
    """Clients of the application (in the test's transaction) from chosen addresses."""
    return Site(settings, session_factory)


@pytest.fixture
def person(session: Session) -> Callable[..., User]:
    """A user with a password (or none), active unless told otherwise, committed to the test transaction."""

    def _person(email: str, *roles: Role, password: str | None = PASSWORD, active: bool = True) -> User:
        user = create_user(
            session,
            UserCreate(
                email=email, full_name=email.split("@")[0], roles=list(roles or [Role.VIEWER]), password=password
            ),
            actor=SET_UP,
        )
        if not active:
            set_active(session, user, False)
        session.commit()
        return user

    return _person


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hashes every Argon2 verification was made against, in order (from any thread)."""
    checks: list[str] = []
    original = PasswordHasher.verify

    def spy(self, hash, password):
        checks.append(hash if isinstance(hash, str) else hash.decode())
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return checks
