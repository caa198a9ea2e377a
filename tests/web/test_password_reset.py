"""Password reset: an administrator issues a single-use, expiring link; the user sets a new password through it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.users.models import ApiToken, PasswordReset, Role
from app.users.password_reset import ResetLinkRefused, issue_reset_link, live_reset, reset_password
from app.users.service import hash_token, verify_password
from app.web.security import SESSION_COOKIE
from tests.builders import SET_UP, assert_problem
from tests.support import clear_cached_settings

NEW_PASSWORD = "correct-horse-battery"


def _form_token(page_text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


def _path(url: str) -> str:
    return url[url.index("/reset-password/") :]


def test_an_admin_issues_a_link_on_the_users_page_and_the_user_sets_a_password_once(
    sign_in, client: TestClient, session: Session, make_user
) -> None:
    forgetful = make_user(Role.PROJECT_MANAGER)
    admin = sign_in(Role.ADMIN)
    listing = admin.get("/admin/users")
    assert listing.status_code == 200 and forgetful.email in listing.text
    assert f"/admin/users/{forgetful.id}/reset-link" in listing.text

    issued = admin.post(f"/admin/users/{forgetful.id}/reset-link")
    assert issued.status_code == 200, issued.text[:300]
    url = re.search(r'value="(http[^"]+/reset-password/[^"]+)"', issued.text).group(1)
    secret = url.rsplit("/", 1)[1]
    stored = session.scalars(select(PasswordReset).where(PasswordReset.user_id == forgetful.id)).one()
    assert stored.token_hash == hash_token(secret) and secret not in stored.token_hash  # only the hash is kept
    assert stored.issued_by_id == admin.user.id

    client.cookies.delete(SESSION_COOKIE)  # the user is not signed in
    form = client.get(_path(url))
    assert form.status_code == 200 and forgetful.email in form.text
    token = _form_token(form.text)
    mismatch = client.post(_path(url), data={"password": NEW_PASSWORD, "confirmation": "other", "csrf_token": token})
    assert mismatch.status_code == 422 and "differ" in mismatch.text
    token = _form_token(mismatch.text)
    short = client.post(_path(url), data={"password": "short", "confirmation": "short", "csrf_token": token})
    assert short.status_code == 422 and "at least 12 characters" in short.text
    token = _form_token(short.text)
    done = client.post(
        _path(url),
        data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/sign-in"
    session.expire_all()
    assert verify_password(forgetful, NEW_PASSWORD)

    again = client.get(_path(url))
    assert again.status_code == 410 and "already used" in again.text


def test_the_reset_form_refuses_a_post_without_its_csrf_token(client: TestClient, session: Session, make_user) -> None:
    user = make_user(Role.VIEWER)
    _, url = issue_reset_link(session, user.id, _settings(), actor=SET_UP)
    session.commit()
    refused = client.post(_path(url), data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    session.expire_all()
    assert not verify_password(user, NEW_PASSWORD)
    assert live_reset(session, url.rsplit("/", 1)[1]).used_at is None


@pytest.mark.parametrize("role", [Role.LEGAL_OFFICER, Role.PROJECT_MANAGER, Role.VIEWER])
def test_only_administrators_issue_links_on_the_pages(sign_in, make_user, session: Session, role: Role) -> None:
    target = make_user(Role.VIEWER)
    browser = sign_in(role)
    assert browser.get("/admin/users").status_code == 403
    assert browser.post(f"/admin/users/{target.id}/reset-link").status_code == 403
    assert session.scalar(select(PasswordReset.id)) is None


def test_only_administrators_issue_links_through_the_api(client: TestClient, auth, session: Session, make_user) -> None:
    target = make_user(Role.VIEWER)
    for role in (Role.LEGAL_OFFICER, Role.PROJECT_MANAGER, Role.VIEWER):
        _, headers = auth(role)
        refused = client.post(f"/api/v1/users/{target.id}/password-reset", headers=headers)
        assert refused.status_code == 403, refused.text
    assert client.post(f"/api/v1/users/{target.id}/password-reset").status_code == 401
    _, admin = auth(Role.ADMIN)
    created = client.post(f"/api/v1/users/{target.id}/password-reset", headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["user_id"] == target.id and "/reset-password/" in body["url"]
    assert client.post("/api/v1/users/999999/password-reset", headers=admin).status_code == 404


def test_a_deactivated_account_gets_no_link_until_it_is_activated(
    client: TestClient, auth, session: Session, make_user
) -> None:
    target = make_user(Role.VIEWER)
    target.is_active = False
    session.commit()
    _, admin = auth(Role.ADMIN)
    refused = assert_problem(client.post(f"/api/v1/users/{target.id}/password-reset", headers=admin), 409)
    assert "deactivated" in refused["detail"] and session.scalars(select(PasswordReset)).all() == []
    french = client.post(f"/api/v1/users/{target.id}/password-reset", headers={**admin, "Accept-Language": "fr"})
    assert "désactivé" in assert_problem(french, 409)["detail"]


def test_with_passwords_turned_off_no_link_is_issued_and_an_earlier_one_is_of_no_use(
    sign_in, client: TestClient, auth, session: Session, make_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = make_user(Role.VIEWER)
    _, earlier = issue_reset_link(session, target.id, _settings(), actor=SET_UP)  # issued while passwords were on
    session.commit()
    _, admin_headers = auth(Role.ADMIN)
    admin = sign_in(Role.ADMIN)
    off = client.app.state.settings.model_copy(update={"password_sign_in": False})
    monkeypatch.setattr(client.app.state, "settings", off)  # single sign-on only

    listing = admin.get("/admin/users")
    assert listing.status_code == 200 and target.email in listing.text and "/reset-link" not in listing.text
    assert admin.post(f"/admin/users/{target.id}/reset-link").status_code == 409
    refused = assert_problem(client.post(f"/api/v1/users/{target.id}/password-reset", headers=admin_headers), 409)
    assert "single sign-on" in refused["detail"]
    assert len(session.scalars(select(PasswordReset).where(PasswordReset.user_id == target.id)).all()) == 1

    client.cookies.delete(SESSION_COOKIE)
    page = client.get(_path(earlier))
    assert page.status_code == 403 and "single sign-on" in page.text and 'name="password"' not in page.text
    sent = client.post(_path(earlier), data={"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert sent.status_code == 403
    session.expire_all()
    assert not verify_password(target, NEW_PASSWORD)


def _settings():
    from app.config import get_settings

    return get_settings()


def test_a_link_expires_works_once_and_a_newer_one_retires_it(session: Session, make_user) -> None:
    user = make_user(Role.VIEWER)
    first = issue_reset_link(session, user.id, _settings(), actor=SET_UP)[1].rsplit("/", 1)[1]
    second_row, second_url = issue_reset_link(session, user.id, _settings(), actor=SET_UP)
    second = second_url.rsplit("/", 1)[1]
    with pytest.raises(ResetLinkRefused, match="expired"):
        live_reset(session, first)
    assert second_row.expires_at - clock.now() > timedelta(hours=23)
    with clock.frozen_at(clock.now() + timedelta(hours=25)), pytest.raises(ResetLinkRefused, match="expired"):
        reset_password(session, second, NEW_PASSWORD)
    reset_password(session, second, NEW_PASSWORD)
    with pytest.raises(ResetLinkRefused, match="already used"):
        reset_password(session, second, "another-long-password")
    with pytest.raises(ResetLinkRefused, match="not valid"):
        live_reset(session, "made-up")


def test_the_expiry_follows_the_setting(session: Session, make_user, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGREEMENTS_PASSWORD_RESET_HOURS", "2")
    clear_cached_settings()
    try:
        reset, _ = issue_reset_link(session, make_user(Role.VIEWER).id, _settings(), actor=SET_UP)
    finally:
        monkeypatch.undo()
        clear_cached_settings()
    assert timedelta(hours=1, minutes=59) < reset.expires_at - clock.now() <= timedelta(hours=2)


def test_setting_a_password_ends_the_users_browser_sessions(session: Session, make_user) -> None:
    from app.users.password_reset import set_password
    from app.users.service import issue_session_token

    user = make_user(Role.VIEWER)
    token, _ = issue_session_token(session, user)
    set_password(session, user, NEW_PASSWORD)
    assert token.revoked_at is not None and verify_password(user, NEW_PASSWORD)
    assert session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None))).all() == []
