"""Fixtures of the single sign-on tests: the test OpenID provider (Node.js, on loopback) and an application
configured to sign in through it, whose requests run in the test's rolled-back transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from app.api.app import create_app
from app.config import Settings
from tests.conftest import _RunningTestSessions
from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, ROLE_MAP, TestProvider, running_provider

APP_URL = "http://testserver"


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[TestProvider]:
    """The test provider, knowing the test application's callback and sign-in page."""
    with running_provider([f"{APP_URL}/sign-in/sso/callback"], [f"{APP_URL}/sign-in"]) as provider:
        yield provider


def sso_settings(settings: Settings, issuer: str, **changes: object) -> Settings:
    """The test settings with single sign-on through ``issuer``."""
    return settings.model_copy(
        update={
            "oidc_issuer": issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
            "oidc_role_map": ROLE_MAP,
            "oidc_provider_name": "Test Provider",
            "base_url": APP_URL,
            **changes,
        }
    )


@pytest.fixture(scope="module")
def _sso_app(settings: Settings, oidc_provider: TestProvider) -> tuple[FastAPI, _RunningTestSessions]:
    sessions = _RunningTestSessions()
    return create_app(sso_settings(settings, oidc_provider.issuer), sessions), sessions  # type: ignore[arg-type]


@pytest.fixture
def sso_app(
    _sso_app: tuple[FastAPI, _RunningTestSessions], session_factory: sessionmaker[Session]
) -> Iterator[FastAPI]:
    """The application with single sign-on, its requests in the test's transaction (settings reset after)."""
    app, sessions = _sso_app
    sessions.factory = session_factory
    original = app.state.settings
    try:
        yield app
    finally:
        app.state.settings = original
        sessions.factory = None


@pytest.fixture
def browser(sso_app: FastAPI) -> Iterator[TestClient]:
    """A browser on the application with single sign-on (its cookies are its own)."""
    with TestClient(sso_app, base_url=APP_URL, raise_server_exceptions=False) as client:
        yield client
