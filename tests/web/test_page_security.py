"""Every page, present and future: sign-in required, and every form refused without its CSRF token."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.users.models import Role
from app.web import PAGE_MODULES

PUBLIC = {"/sign-in", "/", "/reset-password/{secret}", "/language", "/sign-in/sso", "/sign-in/sso/callback"}
# a reset link is its own credential; single sign-on starts and ends before any session (tests/sso)
PATH_VALUES = {"name": "agreement", "trigger": "approve", "key": "mou", "format": "pdf"}


def _page_routes() -> list[tuple[str, str]]:
    routes = []
    for module in PAGE_MODULES:
        for route in module.router.routes:
            assert isinstance(route, APIRoute) and not route.include_in_schema, f"{route} is not a hidden page route"
            routes.extend((method, route.path) for method in sorted(route.methods - {"HEAD"}))
    return routes


PAGES = _page_routes()


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: PATH_VALUES.get(match.group(1), "1"), path)


def test_the_pages_are_found() -> None:
    assert ("GET", "/dashboard") in PAGES and ("POST", "/sign-out") in PAGES
    assert all(not path.startswith("/api/") for _, path in PAGES)


@pytest.mark.parametrize(("method", "path"), [page for page in PAGES if page[1] not in PUBLIC])
def test_a_stranger_is_sent_to_sign_in(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, _url(path), follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"].startswith("/sign-in?next=")


@pytest.mark.parametrize(("method", "path"), [page for page in PAGES if page[0] == "POST" and page[1] != "/sign-in"])
def test_a_form_without_the_csrf_token_is_refused(sign_in, method: str, path: str) -> None:
    browser = sign_in(Role.ADMIN)
    response = browser.post(_url(path), {"comment": "forged"}, csrf=False)
    assert response.status_code == 403, response.text[:300]
    assert "did not come from this site" in response.text
    wrong = browser.post(_url(path), {"comment": "forged", "csrf_token": "0" * 64}, csrf=False)
    assert wrong.status_code == 403


# The partner area (app.web.partner_area): no sign-in, a partner link's session instead; every page refuses a visitor
# without one (the same "link cannot be used" page, 410), and every form one without the partner session's CSRF token.
def _partner_routes() -> list[tuple[str, str]]:
    from app.web import PARTNER_MODULES

    routes = []
    for module in PARTNER_MODULES:
        for route in module.router.routes:
            assert isinstance(route, APIRoute) and not route.include_in_schema, f"{route} is not a hidden page route"
            routes.extend((method, route.path) for method in sorted(route.methods - {"HEAD"}))
    return routes


PARTNER_PAGES = _partner_routes()


def test_the_partner_pages_are_found_and_apart_from_the_staff_pages() -> None:
    assert ("GET", "/partner/organisation") in PARTNER_PAGES and ("POST", "/partner/language") in PARTNER_PAGES
    assert not {path for _, path in PARTNER_PAGES} & {path for _, path in PAGES}


@pytest.mark.parametrize(("method", "path"), PARTNER_PAGES)
def test_a_stranger_gets_the_partner_link_refusal(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, _url(path), follow_redirects=False)
    assert response.status_code == 410, response.text[:300]
    assert response.headers["referrer-policy"] == "no-referrer" and "/dashboard" not in response.text


@pytest.mark.parametrize(("method", "path"), [page for page in PARTNER_PAGES if page[0] == "POST"])
def test_a_partner_form_without_its_csrf_token_is_refused(client, session, make_user, method, path) -> None:
    from tests.builders import cast
    from tests.partner_links.support import link_for, scene

    people = cast(make_user)
    _, token = link_for(session, people, scene(session, people))
    assert client.get(f"/partner/{token}", follow_redirects=False).status_code == 303
    response = client.post(_url(path), data={"comment": "forged"})
    assert response.status_code == 403, response.text[:300]
    assert client.post(_url(path), data={"csrf_token": "0" * 64}).status_code == 403
