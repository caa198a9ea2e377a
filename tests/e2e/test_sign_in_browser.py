"""The browser basics: signing in and out, and a form posted without its CSRF token being refused."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.accessibility import assert_accessible, assert_keyboard_reaches_main
from tests.e2e.conftest import PASSWORD, screenshot, sign_in, sign_out


def test_sign_in_page_and_a_wrong_password(page: Page) -> None:
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/dashboard$"))
    page.get_by_label("Email address").fill("amina.manager@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The email or password is not right.")
    expect(page.get_by_label("Email address")).to_have_value("amina.manager@example.org")
    screenshot(page, "00-sign-in-error")
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard")


def test_the_keyboard_skips_to_the_content(page: Page) -> None:
    page.goto("/sign-in")
    assert_keyboard_reaches_main(page)


def test_the_session_cookie_cannot_be_read_by_scripts(page: Page) -> None:
    sign_in(page, "viewer")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    session = cookies["agreements_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert "agreements_session" not in page.evaluate("document.cookie")
    sign_out(page)
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_a_form_without_its_csrf_token_is_refused(page: Page) -> None:
    sign_in(page, "viewer")
    # Strip the token from the sign-out form, as a forged cross-site form would lack it, and submit.
    page.locator("form[action='/sign-out'] input[name='csrf_token']").evaluate("input => input.remove()")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.locator("main")).to_contain_text("did not come from this site")
    page.goto("/dashboard")  # still signed in: the refused form changed nothing
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
