"""A legal officer finds approval blocked by a potential sanctions-list match, reviews the hit beside the list
entry, clears it as a false positive, and approves."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement
from app.db import make_engine
from app.users.models import User
from app.workflow import engine as workflow
from app.workflow.actor import Actor
from tests.builders import Cast, draft_agreement
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import PEOPLE, Site, screenshot, sign_in


def _agreement_in_review_with_a_suspect_party(site: Site) -> int:
    """A draft MOU submitted for review whose lead partner's name is close to an entity on the (fictional) list."""
    engine = make_engine(site.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            by_email = {user.email: user for user in session.scalars(select(User))}
            legal = by_email[PEOPLE["legal"].email]
            people = Cast(by_email[PEOPLE["manager"].email], legal, by_email[PEOPLE["legal2"].email], legal)
            agreement = draft_agreement(session, people)
            suspect = agreement.partnership.parties[0].organisation
            suspect.legal_name, suspect.country_code = "Baykal Shipping Ltd", "RU"
            session.commit()  # screened before commit: a potential match with BAIKAL SHIPPING LLC
            workflow.fire(session, "agreement", agreement, "submit_for_review", Actor.person(people.manager))
            session.commit()
            return agreement.id
    finally:
        engine.dispose()


def test_a_cleared_hit_unblocks_approval(site: Site, page: Page) -> None:
    agreement_id = _agreement_in_review_with_a_suspect_party(site)
    sign_in(page, "legal")
    page.goto(f"/agreements/{agreement_id}")
    approve = page.locator("#action-approve")
    expect(approve.get_by_role("button", name="Approve")).to_be_disabled()
    expect(approve.locator(".action__reasons")).to_contain_text(
        "Baykal Shipping Ltd has 1 potential sanctions-list matches awaiting a decision on the screening page"
    )

    page.get_by_role("link", name="Screening").click()
    row = page.get_by_role("row").filter(has_text="Baykal Shipping Ltd")
    expect(row).to_contain_text("BAIKAL SHIPPING LLC")
    row.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="List entry")).to_be_visible()
    expect(page.locator("main")).to_contain_text("KPe.903")
    expect(page.locator("main")).to_contain_text("Baykal Shipping")
    expect(page.get_by_role("heading", name="Why it scored", exact=False)).to_be_visible()
    screenshot(page, "screening-hit")
    assert_accessible(page)
    page.get_by_label("Not the same: clear it as a false positive").check()
    page.get_by_label("Reason").fill("A Russian river-cruise operator, registered 2015; no link to the listed firm")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash")).to_contain_text("Decision recorded for Baykal Shipping Ltd")

    page.goto(f"/agreements/{agreement_id}")
    page.get_by_role("button", name="Approve version 1").click()
    expect(page.locator(".flash")).to_contain_text("Approved")

    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            assert session.get(Agreement, agreement_id).status == "approved"
    finally:
        engine.dispose()
