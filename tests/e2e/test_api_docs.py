"""The API documentation pages render in a real browser with nothing from outside the site, under their CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Route

from tests.e2e.conftest import Site, screenshot


@pytest.mark.parametrize(
    ("path", "rendered", "title"),
    [("/docs", ".swagger-ui .info .title", "Agreements"), ("/redoc", "h1", "Agreements (")],
)
def test_the_api_docs_render_offline_under_their_policy(
    context: BrowserContext, site: Site, path: str, rendered: str, title: str
) -> None:
    outside: list[str] = []

    def local_only(route: Route) -> None:
        if route.request.url.startswith(site.base_url):
            route.continue_()
        else:  # a closed network: anything else would have to come from a CDN
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.goto(path)
    heading = page.locator(rendered).first
    heading.wait_for()
    assert heading.inner_text().startswith(title)
    assert page.get_by_text("/api/v1/organisations", exact=False).count() > 0, "the operations are listed"
    # the window only: the whole reference is tens of thousands of pixels tall, and a loaded machine took more than
    # the 15 s allowed to paint it (the test is about what loads, not about the picture)
    screenshot(page, f"api{path.replace('/', '-')}", full_page=False)
    assert outside == [], "nothing is requested from outside the site"
    refused = [text for text in console if "Content Security Policy" in text]
    # ReDoc's footer shows its vendor's logo from the vendor's site: the policy blocks that, and nothing else.
    assert all("img-src" in text and "redoc.ly" in text for text in refused), refused
