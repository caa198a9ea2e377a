"""The calendar page: get my URL (shown once, with its webcal:// twin), regenerate it, revoke it; in French too."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from app.users.models import Role


def _shown_url(html: str) -> str:
    found = re.search(r'id="calendar-url" type="text" readonly value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def test_get_regenerate_and_revoke_my_calendar_url(sign_in):
    browser = sign_in(Role.VIEWER)
    page = browser.get("/me/calendar")
    assert page.status_code == 200 and "You have no calendar URL." in page.text

    issued = browser.post("/me/calendar")
    assert issued.status_code == 200
    url = _shown_url(issued.text)
    assert "/calendar/cal_" in url and url.endswith(".ics")
    assert f'value="{"webcal" + url[url.index(":") :]}"' in issued.text
    assert 'data-copy="calendar-url"' in issued.text and "calendar.js" in issued.text
    assert browser.client.get(urlsplit(url).path).status_code == 200

    later = browser.get("/me/calendar")
    assert url not in later.text  # shown once: only its first characters afterwards
    assert "works since" in later.text

    renewed = _shown_url(browser.post("/me/calendar").text)
    assert renewed != url
    assert browser.client.get(urlsplit(url).path).status_code == 404
    assert browser.client.get(urlsplit(renewed).path).status_code == 200

    revoked = browser.post("/me/calendar/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"] == "/me/calendar"
    assert browser.client.get(urlsplit(renewed).path).status_code == 404
    assert "You have no calendar URL." in browser.get("/me/calendar").text


def test_the_calendar_page_in_french(sign_in, session):
    browser = sign_in(Role.PROJECT_MANAGER)
    browser.user.language = "fr"
    session.commit()
    page = browser.get("/me/calendar")
    assert "Mon calendrier" in page.text and "Obtenir l\u2019URL de mon calendrier" in page.text
