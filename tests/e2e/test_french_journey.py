"""One journey in French in Chromium: sign in, switch to Français with the header's switch, then walk the dashboard,
the partnerships, one partnership, the organisations and the pipeline; the language stays French on every page
and after signing in again elsewhere (it is saved in the profile)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from app.db import make_engine
from app.organisations.models import Organisation
from app.partnerships.models import PartyRole
from app.partnerships.schemas import PartnershipCreate, PartyInput
from app.partnerships.service import create_partnership
from app.users.service import find_user_by_email
from tests.e2e.conftest import PARTNERS, PASSWORD, PEOPLE, Site, screenshot, sign_in

TITLE = "Stabilisation communautaire à Tillabéri"
ENGLISH = ("Dashboard", "Sign out", "Pipeline", "Every partnership", "Only mine", "Partner kind", "Owner", "Ends")


def _open_partnership(site: Site) -> None:
    """The manager's partnership with the seeded lead partner, opened through the service as the pages would."""
    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            manager = find_user_by_email(session, PEOPLE["manager"].email)
            lead = session.query(Organisation).filter_by(legal_name=PARTNERS["lead"][0]).one()
            data = PartnershipCreate(
                title=TITLE, parties=[PartyInput(organisation_id=lead.id, role=PartyRole.LEAD_PARTNER)]
            )
            create_partnership(session, data, manager)
            session.commit()
    finally:
        engine.dispose()


def _in_french(page: Page, heading: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("#language-switch")).to_have_value("fr")
    header = page.locator("header").inner_text()
    assert "Se déconnecter" in header and "Sign out" not in header


def test_a_journey_in_french(page: Page, site: Site, browser: Browser) -> None:
    _open_partnership(site)
    sign_in(page, "manager")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_url("**/dashboard")
    _in_french(page, "Tableau de bord")
    expect(page.get_by_role("heading", name="Mes partenariats")).to_be_visible()
    screenshot(page, "fr-01-dashboard")

    page.goto("/partnerships")
    _in_french(page, "Partenariats")
    expect(page.get_by_role("columnheader", name="Référence")).to_be_visible()
    page.locator("table a[href^='/partnerships/']").first.click()
    page.wait_for_url(re.compile(r"/partnerships/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    for heading in ("Partenaires", "Interactions", "Engagements", "Historique des stades", "Détails"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    main = page.locator("main").inner_text()
    assert "Stage history" not in main and "Log an interaction" not in main
    screenshot(page, "fr-02-partnership")

    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Organisations").click()
    page.wait_for_url("**/organisations")
    _in_french(page, "Organisations")
    expect(page.get_by_label("Rechercher par nom")).to_be_visible()
    page.get_by_role("link", name=PARTNERS["lead"][0]).click()
    expect(page.get_by_role("heading", name="Informations")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Niger")  # the country's name, from Babel

    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Portefeuille").click()
    page.wait_for_url("**/pipeline")
    _in_french(page, "Portefeuille")
    expect(page.get_by_label("Stade", exact=True)).to_be_visible()
    board = page.locator("#board").inner_text()
    assert TITLE in board and "No partnerships in this stage." not in board
    screenshot(page, "fr-03-pipeline")
    text = page.locator("body").inner_text()
    assert not [word for word in ENGLISH if word in text], text[:400]

    # The choice is the manager's: a new browser (no cookie, an English one) opens in French after signing in.
    other = browser.new_context(base_url=site.base_url, locale="en-GB")
    try:
        fresh = other.new_page()
        fresh.goto("/sign-in")
        expect(fresh.locator("html")).to_have_attribute("lang", "en")
        fresh.get_by_label("Email address").fill(PEOPLE["manager"].email)
        fresh.get_by_label("Password").fill(PASSWORD)
        fresh.get_by_role("button", name="Sign in").click()
        fresh.wait_for_url("**/dashboard")
        _in_french(fresh, "Tableau de bord")
    finally:
        other.close()
