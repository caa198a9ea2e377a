"""The pipeline board fits a laptop screen (1366 px) and a desktop one: no sideways scrolling, readable columns."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.users.models import User
from tests.builders import Cast, draft_agreement, organisation, partnership
from tests.e2e.conftest import PEOPLE, Site, screenshot, sign_in

LONG_TITLE = "Strengthening community-based protection and referral pathways for displaced women in the Sahel"
MIN_COLUMN_WIDTH = 150  # px: a partner name, an owner and a date still fit on a line or two


def _full_board(site: Site) -> None:
    """Partnerships with long titles and partner names, one of them drafting an MOU."""
    engine = make_engine(site.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            by_email = {user.email: user for user in session.scalars(select(User))}
            manager = by_email[PEOPLE["manager"].email]
            partner = organisation(session, "International Federation of Internally Displaced Persons' Associations")
            for _ in range(3):
                partnership(session, manager, partner, title=LONG_TITLE)
            legal = by_email[PEOPLE["legal"].email]
            draft_agreement(session, Cast(manager, legal, by_email[PEOPLE["legal2"].email], legal))
    finally:
        engine.dispose()


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
def test_the_board_fits_the_screen(page: Page, site: Site, width: int, height: int) -> None:
    if width == 1366:
        _full_board(site)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, "manager")
    page.goto("/pipeline")
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the pipeline page scrolls sideways by {overflow}px at {width}x{height}"
    board = page.evaluate(
        """() => { const b = document.querySelector('.board');
                   return {scroll: b.scrollWidth, client: b.clientWidth,
                           columns: [...b.querySelectorAll('.board__column')].map(c => c.getBoundingClientRect())
                                      .map(r => ({left: r.left, right: r.right, width: r.width, top: r.top})),
                           clipped: [...b.querySelectorAll('.board-card, .board__column h2')]
                                      .filter(e => e.scrollWidth > e.clientWidth + 1).length}; }"""
    )
    assert board["scroll"] <= board["client"], "the board itself scrolls sideways"
    columns = board["columns"]
    assert len(columns) >= 7, "every stage has a column"
    assert len({round(column["top"]) for column in columns}) == 1, "the stages sit side by side on one row"
    narrowest = min(column["width"] for column in columns)
    assert narrowest >= MIN_COLUMN_WIDTH, f"a column is only {narrowest:.0f}px wide at {width}px"
    assert max(column["right"] for column in columns) <= width, "a column lies off screen"
    assert board["clipped"] == 0, "text overflows a card or a column heading"
    screenshot(page, f"40-pipeline-{width}")
