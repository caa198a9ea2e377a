"""Single sign-on in Debian's Chromium, against a real OpenID provider (oidc-provider on Node.js, on loopback):
signing in at the provider's login page, roles from groups, a tampered ID token refused, an expired session, and a
person removed from a group losing its role at the next sign-in."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock, migrate
from app.db import make_engine
from app.users.models import ApiToken, User
from tests.e2e.conftest import ROOT, Site, _free_port, _seed, _server_env, _wait_healthy, screenshot
from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, ROLE_MAP, TestProvider, running_provider
from tests.support import scratch_database


@pytest.fixture(scope="module")
def sso_site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, TestProvider]]:
    """The test provider, and ``agreements serve`` configured to sign in through it (passwords turned off)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        running_provider([f"{base}/sign-in/sso/callback"], [f"{base}/sign-in"]) as provider,
        scratch_database(database_url, tmp_path_factory.mktemp("e2e-sso")) as url,
    ):
        migrate.upgrade(url)
        _seed(url)
        settings = {
            "AGREEMENTS_BASE_URL": base,
            "AGREEMENTS_OIDC_ISSUER": provider.issuer,
            "AGREEMENTS_OIDC_CLIENT_ID": CLIENT_ID,
            "AGREEMENTS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "AGREEMENTS_OIDC_ROLE_MAP": ROLE_MAP,
            "AGREEMENTS_OIDC_PROVIDER_NAME": "Test Provider",
            "AGREEMENTS_PASSWORD_SIGN_IN": "false",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=_server_env(url, settings),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_healthy(base, server)
            yield Site(base, url, server), provider
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


@pytest.fixture
def context(browser: Browser, sso_site: tuple[Site, TestProvider]) -> Iterator[BrowserContext]:
    """A fresh browser profile pointed at the site with single sign-on."""
    ctx = browser.new_context(base_url=sso_site[0].base_url, viewport={"width": 1366, "height": 900}, locale="en-GB")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def _sign_in(page: Page, login: str | None, target: str = "/dashboard") -> None:
    """Go to ``target``, be sent to sign in, take the single sign-on button and (when asked) log in at the provider."""
    page.goto(target)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_role("link", name="Sign in with Test Provider").click()
    if login is not None:
        page.locator("input[name=login]").fill(login)
        page.locator("input[name=password]").fill("any password")
        page.get_by_role("button", name="Sign-in").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Yes, sign me out").click()  # the provider's own sign-out (RP-initiated logout)
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_signing_in_through_the_provider_with_roles_from_groups(page: Page) -> None:
    page.goto("/sign-in")
    expect(page.locator("input[name=password]")).to_have_count(0)  # passwords are turned off here
    screenshot(page, "sso-00-sign-in")
    _sign_in(page, "lucia", "/partnerships")
    expect(page).to_have_url(re.compile(r"/partnerships$"))
    expect(page.locator(".user-menu__roles")).to_have_text("Legal officer")
    screenshot(page, "sso-01-signed-in")
    refused = page.goto("/admin/users")
    assert refused is not None and refused.status == 403  # an administrator's page: not for a legal officer
    page.goto("/dashboard")
    _sign_out(page)
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


def test_a_person_removed_from_a_group_loses_its_role_at_the_next_sign_in(
    page: Page, sso_site: tuple[Site, TestProvider]
) -> None:
    provider = sso_site[1]
    _sign_in(page, "ada")
    expect(page.locator(".user-menu__roles")).to_have_text("Admin, Legal officer")
    assert page.goto("/admin/users").status == 200
    _sign_out(page)
    provider.set_claims("ada", groups=["legal"])  # the directory takes Ada out of the administrators' group
    try:
        _sign_in(page, "ada")
        expect(page.locator(".user-menu__roles")).to_have_text("Legal officer")
        assert page.goto("/admin/users").status == 403
    finally:
        provider.set_claims("ada", groups=["it", "legal"])


def test_a_tampered_id_token_is_refused(page: Page, sso_site: tuple[Site, TestProvider]) -> None:
    sso_site[1].tamper_next_id_token()  # the groups rewritten to the administrators' after signing
    _sign_in(page, "paul")
    expect(page.get_by_role("alert")).to_contain_text("could not be verified")
    screenshot(page, "sso-02-tampered-token-refused")
    assert "agreements_session" not in {cookie["name"] for cookie in page.context.cookies()}
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


def test_an_expired_session_asks_to_sign_in_again(page: Page, sso_site: tuple[Site, TestProvider]) -> None:
    _sign_in(page, "paul")
    expect(page.locator(".user-menu__roles")).to_have_text("Project manager")
    engine = make_engine(sso_site[0].database_url)
    try:  # twelve hours pass: the session's token expires (as the clock would have it)
        with Session(engine) as session:
            paul = session.scalar(select(User.id).where(User.email == "paul.pm@example.org"))
            past = clock.now() - timedelta(minutes=1)
            session.execute(update(ApiToken).where(ApiToken.user_id == paul).values(expires_at=past))
            session.commit()
    finally:
        engine.dispose()
    page.goto("/partnerships")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/partnerships"))
    _sign_in(page, None, "/partnerships")  # the provider still knows Paul: no login form this time
    expect(page).to_have_url(re.compile(r"/partnerships$"))
    expect(page.locator(".user-menu__roles")).to_have_text("Project manager")
