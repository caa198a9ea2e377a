"""One journey through the agreement, quality, report and workflow pages in French, in Chromium.

The person signs in, then chooses French (the ``lang`` cookie the language switch sets); every page after that
speaks French: headings, buttons, labels, the message after a form, and dates the French way.
"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.db import make_engine
from app.users.models import User
from tests.builders import Cast, draft_agreement
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import PEOPLE, Site, screenshot, sign_in


def _draft(site: Site) -> int:
    """A complete draft MOU owned by the site's manager, made through the services on the site's database."""
    engine = make_engine(site.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            by_email = {user.email: user for user in session.scalars(select(User))}
            legal = by_email[PEOPLE["legal"].email]
            people = Cast(by_email[PEOPLE["manager"].email], legal, by_email[PEOPLE["legal2"].email], legal)
            return draft_agreement(session, people).id
    finally:
        engine.dispose()


def test_a_manager_keeps_an_agreement_in_french(page: Page, site: Site) -> None:
    agreement_id = _draft(site)
    sign_in(page, "manager")
    page.context.add_cookies([{"name": "lang", "value": "fr", "url": site.base_url}])

    page.goto(f"/agreements/{agreement_id}")
    expect(page.get_by_role("heading", name="Parties et signataires")).to_be_visible()
    expect(page.get_by_role("heading", name="Versions du document")).to_be_visible()
    page.get_by_text("Ajouter une obligation", exact=True).click()
    page.get_by_label("Ce qui est dû").fill("Rapport narratif sur les activités")
    due = clock.today(get_settings().zone) + timedelta(days=40)
    page.get_by_label("Date d\u2019échéance", exact=True).fill(due.isoformat())
    page.get_by_role("button", name="Ajouter l\u2019obligation").click()
    expect(page.locator(".flash")).to_have_text("Obligation ajoutée")
    expect(page.locator("#obligations")).to_contain_text("Rapport narratif sur les activités")
    months = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
    expect(page.locator("#obligations")).to_contain_text(f"Échéance le {due.day} {months[due.month - 1]} {due.year}")
    assert_accessible(page)
    screenshot(page, "40-agreement-in-french")

    page.get_by_role("link", name="Aperçu version 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version 1")
    expect(page.get_by_role("heading", name="À propos de cette version")).to_be_visible()
    assert_accessible(page)

    for path, heading in (
        ("/quality", "Qualité des données"),
        ("/reports/portfolio", "Rapport sur le portefeuille"),
        ("/workflows/agreement", "Processus des accords"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    screenshot(page, "41-workflow-in-french")
