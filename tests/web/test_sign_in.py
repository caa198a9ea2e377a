"""Signing in and out, the session cookie, CSRF, and pages refusing strangers."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.users.models import ApiToken, Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from app.web.security import SESSION_COOKIE
from tests.builders import SET_UP


def _user_with_password(session: Session, email: str = "pm@example.org", password: str = "a-long-passphrase"):
    user = create_user(
        session,
        UserCreate(email=email, full_name="Paula Manager", roles=[Role.PROJECT_MANAGER], password=password),
        actor=SET_UP,
    )
    session.commit()
    return user


def _sign_in_form(client: TestClient, next_url: str = "/dashboard") -> str:
    page = client.get(f"/sign-in?next={next_url}")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_pages_send_strangers_to_sign_in_and_back(client: TestClient) -> None:
    response = client.get("/dashboard?stage=formal", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/dashboard%3Fstage%3Dformal"


def test_sign_in_sets_a_safe_session_cookie_and_goes_where_asked(client: TestClient, session: Session) -> None:
    _user_with_password(session)
    next_url = "/organisations"
    token = _sign_in_form(client, next_url)
    response = client.post(
        "/sign-in",
        data={
            "email": "PM@example.org",
            "password": "a-long-passphrase",
            "csrf_token": token,
            "next": "/organisations",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/organisations"
    cookie = next(value for name, value in response.headers.multi_items() if value.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in tests; see the HTTPS test below


def test_session_cookie_is_secure_on_https(session: Session, settings, session_factory) -> None:
    from app.api.app import create_app

    _user_with_password(session)
    with TestClient(create_app(settings, session_factory), base_url="https://agreements.example.org") as client:
        token = _sign_in_form(client)
        response = client.post(
            "/sign-in",
            data={"email": "pm@example.org", "password": "a-long-passphrase", "csrf_token": token},
            follow_redirects=False,
        )
    cookie = next(value for name, value in response.headers.multi_items() if value.startswith(SESSION_COOKIE + "="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_wrong_password_keeps_the_email_and_says_so(client: TestClient, session: Session) -> None:
    _user_with_password(session)
    token = _sign_in_form(client)
    response = client.post(
        "/sign-in", data={"email": "pm@example.org", "password": "nope", "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 401
    assert "The email or password is not right." in response.text
    assert 'value="pm@example.org"' in response.text
    assert "nope" not in response.text


def test_blank_fields_are_named(client: TestClient) -> None:
    token = _sign_in_form(client)
    response = client.post("/sign-in", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


def test_sign_in_without_its_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    _user_with_password(session)
    _sign_in_form(client)
    response = client.post("/sign-in", data={"email": "pm@example.org", "password": "a-long-passphrase"})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


def test_next_never_leaves_the_site(client: TestClient, session: Session) -> None:
    _user_with_password(session)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        token = _sign_in_form(client)
        response = client.post(
            "/sign-in",
            data={"email": "pm@example.org", "password": "a-long-passphrase", "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/dashboard"


def test_sign_out_revokes_the_session(client: TestClient, session: Session, sign_in) -> None:
    browser = sign_in(Role.VIEWER)
    assert browser.post("/sign-out").status_code == 303
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == browser.user.id)).all()
    assert all(token.revoked_at is not None for token in tokens)
    assert browser.get("/dashboard").status_code == 303


def test_sign_out_without_csrf_is_refused_and_keeps_the_session(sign_in) -> None:
    browser = sign_in(Role.VIEWER)
    response = browser.post("/sign-out", csrf=False)
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert browser.get("/dashboard").status_code == 200


def test_pages_carry_security_headers(client: TestClient) -> None:
    response = client.get("/sign-in")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_api_errors_stay_problem_json_and_page_errors_are_pages(client: TestClient, sign_in) -> None:
    assert client.get("/api/v1/partnerships").headers["content-type"] == "application/problem+json"
    browser = sign_in(Role.VIEWER)
    response = browser.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
