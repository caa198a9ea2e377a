"""Single sign-on against a real OpenID provider (oidc-provider on Node.js, on loopback): sign-in, provisioning,
roles from groups at every sign-in, the refusals, password sign-in turned off, and sign-out."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.audit.models import AuditEntry
from app.users.models import ApiToken, Role, SsoIdentity, SsoSignInRequest, User
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user, find_user_by_email, set_active
from app.web.security import SESSION_COOKIE
from tests.builders import SET_UP
from tests.sso.provider import TestProvider, sign_in_at_provider


def _start(browser: TestClient, next_url: str = "/dashboard") -> str:
    response = browser.get("/sign-in/sso", params={"next": next_url}, follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    return response.headers["location"]


def _sign_in(browser: TestClient, login: str, next_url: str = "/dashboard"):
    back = sign_in_at_provider(_start(browser, next_url), login)
    return browser.get(back, follow_redirects=False)


def _me(browser: TestClient) -> dict:
    secret = browser.cookies.get(SESSION_COOKIE)
    response = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_sign_in_page_offers_single_sign_on(browser: TestClient) -> None:
    page = browser.get("/sign-in")
    assert "Sign in with Test Provider" in page.text and 'name="password"' in page.text


def test_a_first_sign_in_provisions_the_user_with_the_roles_of_their_groups(
    browser: TestClient, session: Session, oidc_provider: TestProvider
) -> None:
    start = _start(browser, "/partnerships")
    query = parse_qs(urlsplit(start).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["nonce"]
    assert query["client_id"] == ["agreements"] and query["redirect_uri"] == ["http://testserver/sign-in/sso/callback"]

    response = browser.get(sign_in_at_provider(start, "lucia"), follow_redirects=False)

    assert response.status_code == 303 and response.headers["location"] == "/partnerships"
    assert browser.get("/dashboard").status_code == 200
    me = _me(browser)
    assert me["email"] == "lucia.legal@example.org" and me["roles"] == ["legal_officer"]
    user = find_user_by_email(session, "lucia.legal@example.org")
    assert user is not None and user.full_name == "Lucia Legal" and user.password_hash is None
    identity = session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == user.id))
    assert identity is not None and identity.issuer == oidc_provider.issuer and identity.subject == "lucia"
    assert identity.groups == "legal"  # what the roles were computed from
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token is not None and token.name == "sign-in"  # the same session as a password sign-in
    theirs = session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id)).all()
    assert {entry.entity_type for entry in theirs} >= {"user_roles", "sso_identities", "api_tokens"}
    provisioned = select(AuditEntry).where(AuditEntry.entity_type == "users", AuditEntry.entity_id == str(user.id))
    assert session.scalar(provisioned).action == "create"
    assert session.scalar(select(func.count()).select_from(SsoSignInRequest)) == 0  # used once, gone


def test_several_groups_give_several_roles_and_losing_a_group_loses_its_role_at_the_next_sign_in(
    browser: TestClient, oidc_provider: TestProvider
) -> None:
    assert _sign_in(browser, "ada").status_code == 303
    assert _me(browser)["roles"] == ["admin", "legal_officer"]
    try:
        oidc_provider.set_claims("ada", groups=["legal"])
        assert _sign_in(browser, "ada").status_code == 303
        assert _me(browser)["roles"] == ["legal_officer"]
        assert browser.get("/admin/users").status_code == 403
    finally:
        oidc_provider.set_claims("ada", groups=["it", "legal"])


def test_no_mapped_group_is_refused_unless_a_default_role_is_set(browser: TestClient, sso_app: FastAPI) -> None:
    refused = _sign_in(browser, "nobody")
    assert refused.status_code == 403 and "gives you no role here" in refused.text
    assert SESSION_COOKIE not in browser.cookies

    sso_app.state.settings = sso_app.state.settings.model_copy(update={"oidc_default_role": "viewer"})
    assert _sign_in(browser, "nobody").status_code == 303
    assert _me(browser)["roles"] == ["viewer"]


def test_a_user_removed_from_every_mapped_group_is_refused_at_the_next_sign_in(
    browser: TestClient, oidc_provider: TestProvider
) -> None:
    assert _sign_in(browser, "paul").status_code == 303
    try:
        oidc_provider.set_claims("paul", groups=[])
        browser.cookies.clear()
        refused = _sign_in(browser, "paul")
        assert refused.status_code == 403 and SESSION_COOKIE not in browser.cookies
    finally:
        oidc_provider.set_claims("paul", groups=["projects"])


def test_a_tampered_id_token_is_refused(browser: TestClient, session: Session, oidc_provider: TestProvider) -> None:
    oidc_provider.tamper_next_id_token()  # groups rewritten to an admin group after signing
    refused = _sign_in(browser, "nobody")
    assert refused.status_code == 403 and "could not be verified" in refused.text
    assert SESSION_COOKIE not in browser.cookies
    assert find_user_by_email(session, "nobody@example.org") is None


def test_a_state_is_used_once(browser: TestClient) -> None:
    back = sign_in_at_provider(_start(browser), "paul")
    assert browser.get(back, follow_redirects=False).status_code == 303
    browser.cookies.clear()
    replayed = browser.get(back, follow_redirects=False)
    assert replayed.status_code in {400, 403} and SESSION_COOKIE not in browser.cookies


def test_the_answer_must_come_back_to_the_browser_that_started(sso_app: FastAPI, browser: TestClient) -> None:
    back = sign_in_at_provider(_start(browser), "paul")
    with TestClient(sso_app, base_url="http://testserver") as other:
        refused = other.get(back, follow_redirects=False)
    assert refused.status_code == 403 and "another browser" in refused.text
    assert browser.get(back, follow_redirects=False).status_code in {400, 403}  # and the state is spent


def test_a_very_long_destination_is_not_kept(browser: TestClient) -> None:
    back = sign_in_at_provider(_start(browser, "/partnerships?q=" + "x" * 3000), "paul")
    response = browser.get(back, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"


def test_an_unknown_state_an_error_or_a_forged_code_is_refused(browser: TestClient) -> None:
    assert browser.get("/sign-in/sso/callback?code=x&state=unknown").status_code == 400
    cancelled = browser.get("/sign-in/sso/callback?error=access_denied&state=x")
    assert cancelled.status_code == 400 and "did not sign you in" in cancelled.text
    start = parse_qs(urlsplit(_start(browser)).query)
    forged = browser.get("/sign-in/sso/callback", params={"code": "forged", "state": start["state"][0]})
    assert forged.status_code == 403 and SESSION_COOKIE not in browser.cookies


def test_a_sign_in_left_at_the_provider_for_more_than_ten_minutes_is_refused(browser: TestClient) -> None:
    back = sign_in_at_provider(_start(browser), "paul")
    with clock.frozen_at(clock.now() + timedelta(minutes=11)):
        refused = browser.get(back, follow_redirects=False)
    assert refused.status_code == 400 and "took too long" in refused.text
    assert SESSION_COOKIE not in browser.cookies


def test_an_answer_naming_another_issuer_is_refused(browser: TestClient) -> None:
    back = sign_in_at_provider(_start(browser), "paul")
    assert parse_qs(urlsplit(back).query)["iss"]  # the provider names itself (RFC 9207)
    mixed_up = back.replace("iss=http", "iss=https%3A%2F%2Fevil.example.org%2F&was=http")
    refused = browser.get(mixed_up, follow_redirects=False)
    assert refused.status_code == 403 and SESSION_COOKIE not in browser.cookies


def test_a_deactivated_user_is_refused(browser: TestClient, session: Session) -> None:
    assert _sign_in(browser, "paul").status_code == 303
    user = find_user_by_email(session, "paul.pm@example.org")
    set_active(session, user, False)
    session.commit()
    browser.cookies.clear()
    refused = _sign_in(browser, "paul")
    assert refused.status_code == 403 and "deactivated" in refused.text


def _local_account(session: Session, email: str) -> User:
    user = create_user(
        session,
        UserCreate(email=email, full_name="Local", roles=[Role.VIEWER], password="a-long-password-1"),
        actor=SET_UP,
    )
    session.commit()
    return user


def test_an_existing_account_is_linked_only_when_the_provider_verified_the_email(
    browser: TestClient, session: Session, oidc_provider: TestProvider
) -> None:
    local = _local_account(session, "paul.pm@example.org")
    try:
        oidc_provider.set_claims("paul", email_verified=False)
        refused = _sign_in(browser, "paul")
        assert refused.status_code == 403 and "already exists" in refused.text
        oidc_provider.set_claims("paul", email_verified=True)
        assert _sign_in(browser, "paul").status_code == 303
    finally:
        oidc_provider.set_claims("paul", email_verified=True)
    me = _me(browser)
    assert me["id"] == local.id and me["roles"] == ["project_manager"]  # linked; roles now the provider's


def test_password_sign_in_can_be_turned_off_while_api_tokens_keep_working(
    browser: TestClient, sso_app: FastAPI, session: Session
) -> None:
    local = _local_account(session, "local.person@example.org")
    _, secret = create_token(session, local, "script")
    session.commit()
    sso_app.state.settings = sso_app.state.settings.model_copy(update={"password_sign_in": False})

    page = browser.get("/sign-in")
    assert "Sign in with Test Provider" in page.text and 'name="password"' not in page.text
    form = browser.post("/sign-in", data={"email": local.email, "password": "a-long-password-1"})
    assert form.status_code == 403 and "turned off" in form.text
    api = browser.post("/api/v1/auth/token", json={"email": local.email, "password": "a-long-password-1"})
    assert api.status_code == 403 and "turned off" in api.json()["detail"]
    assert browser.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_sign_out_ends_the_session_and_goes_through_the_providers_sign_out(
    browser: TestClient, session: Session, oidc_provider: TestProvider
) -> None:
    assert _sign_in(browser, "lucia").status_code == 303
    secret = browser.cookies.get(SESSION_COOKIE)
    csrf = browser.get("/dashboard").text.split('name="csrf_token" value="')[1].split('"')[0]

    response = browser.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)

    location = response.headers["location"]
    assert response.status_code == 303 and location.startswith(f"{oidc_provider.issuer}/session/end?")
    query = parse_qs(urlsplit(location).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/sign-in"] and query["id_token_hint"]
    assert browser.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert browser.get("/dashboard", follow_redirects=False).status_code == 303
