"""The partner area in Chromium: a focal point opens their personal link (no account) and confirms their facts,
proposes a correction, comments on a clause and reports an obligation with a file; one of them in French. The legal
officer then sees the comment beside the agreement and the correction to decide."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import load_settings
from app.db import make_engine
from app.obligations.models import Obligation
from app.partner_links.models import PartnerComment, PartnerProposal
from app.partner_links.service import issue_partner_link
from app.users.models import User
from tests.builders import Cast
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import PEOPLE, Site, screenshot, sign_in
from tests.partner_links.support import scene


def _link(site: Site, party: int) -> tuple[str, dict[str, int]]:
    """A partnership with a draft and obligations on the site's database, and a link for one party's focal point."""
    engine = make_engine(site.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            by_email = {user.email: user for user in session.scalars(select(User))}
            legal = by_email[PEOPLE["legal"].email]
            people = Cast(by_email[PEOPLE["manager"].email], legal, by_email[PEOPLE["legal2"].email], legal)
            found = scene(session, people)
            contact = found.partnership.parties[party].organisation.contacts[0]
            settings = load_settings(database_url=site.database_url, base_url=site.base_url)
            link, url = issue_partner_link(
                session, found.partnership.id, contact.id, actor=legal, document_version_id=found.version.id,
                settings=settings,
            )  # fmt: skip
            session.commit()
            obligation = found.obligation if party == 0 else found.other_obligation
            ids = {"link": link.id, "agreement": found.agreement.id, "obligation": obligation.id,
                   "partnership": found.partnership.id}  # fmt: skip
            return url, ids
    finally:
        engine.dispose()


def _read(site: Site, query):
    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            return query(session)
    finally:
        engine.dispose()


def test_a_partner_confirms_and_corrects_their_facts(page: Page, site: Site) -> None:
    url, ids = _link(site, party=0)
    page.goto(url)
    page.wait_for_url("**/partner/home")  # the token is exchanged for a session: it leaves the address bar
    assert "/partner/home" in page.url and url.rsplit("/", 1)[1] not in page.url
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Your organisation").first.click()
    expect(page.get_by_role("heading", name="Our record")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="These details are correct").click()
    expect(page.locator(".flash")).to_have_text("Thank you: the facts are confirmed.")
    expect(page.locator(".lede")).to_contain_text("Confirmed by you on")
    page.get_by_label("Legal name").fill("Sahel Women's Network")
    page.get_by_label("Short name").fill("SWN")
    page.get_by_label("A note for us (optional)").fill("Our registered name changed in May.")
    page.get_by_role("button", name="Send the corrections").click()
    expect(page.locator(".flash")).to_have_text("Thank you: your correction was sent; we will review it.")
    screenshot(page, "70-partner-organisation")
    proposal = _read(
        site, lambda s: s.scalars(select(PartnerProposal).where(PartnerProposal.link_id == ids["link"])).one().changes
    )
    assert proposal["organisation"] == {"legal_name": "Sahel Women's Network", "short_name": "SWN"}

    sign_in(page, "legal")
    page.goto(f"/partnerships/{ids['partnership']}/partner-links")
    expect(page.locator(".proposal")).to_contain_text("Sahel Women's Network")
    page.get_by_role("button", name="Accept and apply").click()
    expect(page.locator(".flash")).to_have_text("The correction is applied.")
    assert_accessible(page)


def test_a_partner_comments_and_reports_an_obligation_in_french(page: Page, site: Site, tmp_path: Path) -> None:
    url, ids = _link(site, party=1)  # Omar Ba writes in French
    page.goto(url)
    page.wait_for_url("**/partner/home")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("link", name="Projet d\u2019accord").first.click()
    expect(page.get_by_role("heading", name="2. Obligations of the parties")).to_be_visible()
    assert_accessible(page)
    clause = page.locator("#clause-2")
    clause.get_by_label("Votre commentaire sur cette clause").fill("Un rapport par semestre suffirait.")
    clause.get_by_role("button", name="Envoyer le commentaire").click()
    expect(page.locator(".flash")).to_have_text("Merci : votre commentaire a été envoyé.")
    expect(page.locator("#clause-2 .partner-comment")).to_contain_text("Un rapport par semestre suffirait.")
    screenshot(page, "71-partner-draft-in-french")

    page.get_by_role("link", name="Vos obligations").first.click()
    report = tmp_path / "atelier.pdf"
    report.write_bytes(b"%PDF-1.4\n% compte rendu de l'atelier\n%%EOF\n")
    box = page.locator(f"#obligation-{ids['obligation']}")
    box.get_by_label("Le rapport ou le justificatif", exact=False).set_input_files(str(report))
    box.get_by_label("Une note (facultatif)").fill("Atelier tenu le 3 mars.")
    box.get_by_role("button", name="La signaler accomplie").click()
    expect(page.locator(".flash")).to_have_text("Merci : votre rapport a été envoyé ; nous allons le vérifier.")
    expect(page.locator(f"#obligation-{ids['obligation']} .badge")).to_have_text("Signalée")
    assert_accessible(page)
    screenshot(page, "72-partner-obligations-in-french")
    status = _read(site, lambda s: s.get(Obligation, ids["obligation"]).status)
    assert status == "reported"
    assert _read(site, lambda s: s.scalars(select(PartnerComment)).all()[-1].anchor) == "clause-2"

    sign_in(page, "legal")
    page.goto(f"/agreements/{ids['agreement']}")
    expect(page.locator("#partner-comments")).to_contain_text("Un rapport par semestre suffirait.")
    expect(page.locator("#partner-reports")).to_contain_text("atelier.pdf")
    page.goto(f"/agreements/{ids['agreement']}/partner-comments")
    page.get_by_role("button", name="Mark resolved").first.click()
    expect(page.locator(".flash")).to_have_text("The comment is marked resolved.")
