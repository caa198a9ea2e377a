"""A viewer reads everything and can change nothing: no action buttons, no forms but signing out."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import make_engine
from app.users.models import Role, User
from tests.builders import Cast, draft_agreement
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import PEOPLE, Site, screenshot, sign_in


def _portfolio(site: Site) -> tuple[int, int, int]:
    """A partnership in formalisation with a complete draft MOU, made through the services on the site's database."""
    engine = make_engine(site.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            by_email = {user.email: user for user in session.scalars(select(User))}
            people = Cast(
                by_email[PEOPLE["manager"].email],
                by_email[PEOPLE["legal"].email],
                by_email[PEOPLE["legal2"].email],
                by_email[PEOPLE["legal"].email],
            )
            agreement = draft_agreement(session, people)
            return agreement.partnership_id, agreement.id, agreement.partnership.parties[0].organisation_id
    finally:
        engine.dispose()


def _only_sign_out_form(page: Page) -> None:
    forms = page.locator("form[method='post']:not([action='/language'])")  # the language switch is everyone's
    expect(forms).to_have_count(1)
    expect(forms.first).to_have_attribute("action", "/sign-out")
    for label in ("Start formalisation", "Submit for review", "Approve", "Generate version", "Add obligation"):
        expect(page.get_by_role("button", name=label)).to_have_count(0)


def test_a_viewer_sees_no_action_buttons(page: Page, site: Site) -> None:
    partnership_id, agreement_id, organisation_id = _portfolio(site)
    person = sign_in(page, "viewer")
    assert person.role is Role.VIEWER
    for path, shot in (
        (f"/partnerships/{partnership_id}", "20-viewer-partnership"),
        (f"/agreements/{agreement_id}", "21-viewer-agreement"),
        (f"/organisations/{organisation_id}", "22-viewer-organisation"),
        ("/pipeline", None),
        ("/dashboard", None),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        _only_sign_out_form(page)
        assert_accessible(page)
        if shot:
            screenshot(page, shot)
    expect(page.get_by_role("link", name="New organisation")).to_have_count(0)
    page.goto("/partnerships/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")


def test_pages_fit_a_tablet(page: Page) -> None:
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, "manager")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the dashboard scrolls sideways by {overflow}px on a tablet"
    screenshot(page, "30-tablet-dashboard")
