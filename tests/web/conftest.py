"""Fixtures for the pages: a browser-like client signed in as a user with given roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.users.models import Role, User
from app.users.service import create_token
from app.web.security import SESSION_COOKIE, csrf_for


@dataclass
class Browser:
    """A client holding a session cookie, and the CSRF token its forms must carry."""

    client: TestClient
    user: User
    csrf: str

    def get(self, url: str, **kwargs):
        return self.client.get(url, follow_redirects=False, **kwargs)

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=form, follow_redirects=False, **kwargs)


@pytest.fixture
def sign_in(client: TestClient, session: Session, make_user: Callable[..., User]) -> Callable[..., Browser]:
    """Sign the test client in as a (new, or given) user; later calls switch user."""

    def _sign_in(*roles: Role, user: User | None = None) -> Browser:
        user = user or make_user(*roles)
        _, secret = create_token(session, user, "sign-in", 1)
        session.commit()
        client.cookies.set(SESSION_COOKIE, secret)
        return Browser(client, user, csrf_for(secret))

    return _sign_in
