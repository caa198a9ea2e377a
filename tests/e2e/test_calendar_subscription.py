"""In Chromium: get my calendar URL from my page, copy it, subscribe to it, regenerate it and revoke it."""

from __future__ import annotations

from urllib.parse import urlsplit

import icalendar
from playwright.sync_api import Page, expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import screenshot, sign_in


def _feed_status(page: Page, url: str) -> int:
    return page.request.get(urlsplit(url).path).status


def test_get_copy_regenerate_and_revoke_the_calendar_url(page: Page) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "legal")
    page.get_by_role("link", name="My calendar").click()
    page.wait_for_url("**/me/calendar")
    expect(page.get_by_role("heading", level=1)).to_have_text("My calendar")
    expect(page.locator("#calendar-state")).to_have_text("You have no calendar URL.")
    assert_accessible(page)

    page.get_by_role("button", name="Get my calendar URL").click()
    field = page.get_by_label("Subscription URL")
    url = field.input_value()
    assert "/calendar/cal_" in url and url.endswith(".ics")
    webcal = page.get_by_label("The same, to open in a calendar program (webcal://)").input_value()
    assert webcal == "webcal" + url[url.index(":") :]
    page.get_by_role("button", name="Copy").first.click()
    expect(page.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == url
    screenshot(page, "calendar-url")
    assert_accessible(page)

    feed = page.request.get(urlsplit(url).path)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(feed.body())["X-WR-CALNAME"] == "Deadlines of Lucas Moreau"

    page.goto("/me/calendar")
    expect(page.locator("#calendar-state")).to_contain_text("works since")
    assert url not in page.content()  # shown once
    page.get_by_role("button", name="Get a new URL").click()
    renewed = page.get_by_label("Subscription URL").input_value()
    assert renewed != url
    assert _feed_status(page, url) == 404 and _feed_status(page, renewed) == 200

    page.get_by_role("button", name="Revoke the URL").click()
    page.wait_for_url("**/me/calendar")
    expect(page.get_by_role("status")).to_contain_text("Your calendar URL is revoked")
    expect(page.locator("#calendar-state")).to_have_text("You have no calendar URL.")
    assert _feed_status(page, renewed) == 404
