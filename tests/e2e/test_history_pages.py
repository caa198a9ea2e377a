"""The portfolio as of a past day and what changed between two days, in Chromium against the real server.

A history is written on the site's database with clock travel (40 days ago a partnership is created, 30 days ago
it starts formalising and its MOU is signed and in force); a viewer then picks days on the pages and follows a
figure to the records behind it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.db import make_engine
from app.users.models import User
from app.workflow import engine as workflow_engine
from app.workflow.actor import Actor
from tests.builders import Cast, advance, draft_agreement, organisation, partnership
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import PEOPLE, Site, screenshot, sign_in


def _history(site: Site) -> tuple[int, int, int, datetime]:
    """A partnership created 40 days ago, formalised 30 days ago with an MOU in force; its ids and its creation."""
    engine = make_engine(site.database_url)
    created = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=40)
    try:
        with Session(engine, expire_on_commit=False) as session:
            by_email = {user.email: user for user in session.scalars(select(User))}
            people = Cast(
                by_email[PEOPLE["manager"].email],
                by_email[PEOPLE["legal"].email],
                by_email[PEOPLE["legal2"].email],
                by_email[PEOPLE["legal"].email],
            )
            focal = [{"name": "Focal Point", "title": "Director", "email": "focal@history.example.org"}]
            org = organisation(session, "History Partners Network", contacts=focal, region="Eastern Africa")
            with clock.frozen_at(created):
                story = partnership(
                    session, people.manager, org, title="Water points in Turkana", area_codes=["humanitarian"],
                    legal_officer_id=people.lawyer.id,
                )  # fmt: skip
            with clock.frozen_at(created + timedelta(days=10)):
                from app.partnerships.schemas import UndertakingCreate
                from app.partnerships.service import record_undertaking

                story.parties[0].focal_point_id = org.contacts[0].id
                undertaking = UndertakingCreate(
                    given_on=(created + timedelta(days=10)).date(), given_by="The director", scope="Joint work",
                    form="verbal",
                )  # fmt: skip
                record_undertaking(session, story.id, undertaking, people.manager)
                workflow_engine.fire(session, "partnership", story, "start_formalising", Actor.person(people.manager))
                session.commit()
                mou = draft_agreement(session, people, story, end=(created + timedelta(days=400)).date(), notice=0)
                for step in ("submit_for_review", "approve", "record_signatures", "activate"):
                    advance(session, mou, step, people)
                session.commit()
            return story.id, mou.id, org.id, created
    finally:
        engine.dispose()


def test_a_viewer_reads_the_portfolio_as_of_a_past_day_and_the_changes(page: Page, site: Site) -> None:
    partnership_id, mou_id, _org, created = _history(site)
    zone = get_settings().zone
    day_created = created.astimezone(zone).date()
    before_formal = day_created + timedelta(days=5)
    sign_in(page, "viewer")

    page.goto("/reports/portfolio")
    page.get_by_role("link", name="The portfolio as of a past day").click()
    page.wait_for_url("**/reports/as-of")
    expect(page.get_by_role("heading", level=1)).to_have_text("Portfolio as of a past day")
    page.locator("#field-on").fill(before_formal.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/reports/as-of?on={before_formal.isoformat()}**")
    table = page.locator("#as-of-table")
    row = table.locator("tr", has_text="Water points in Turkana")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text("Ad hoc")  # its stage that day
    expect(row.locator("td").nth(4)).to_have_text("Formal")  # and now
    assert_accessible(page)
    screenshot(page, "60-portfolio-as-of")

    page.locator("#field-show").select_option("agreements")
    page.locator("#field-on").fill((day_created + timedelta(days=11)).isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**show=agreements**")
    agreement_row = page.locator("#as-of-table tr", has_text="MOU")
    expect(agreement_row).to_have_count(1)
    expect(agreement_row.locator("td").nth(2)).to_have_text("Active")

    page.locator("#field-on").fill((day_created - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#as-of-table")).to_have_count(0)  # nothing existed yet
    expect(page.get_by_text("Nothing existed yet at the end of that day")).to_be_visible()

    page.goto("/reports/changes")
    expect(page.get_by_role("heading", level=1)).to_have_text("What changed between two days")
    page.locator("#field-start").fill((day_created - timedelta(days=1)).isoformat())
    page.locator("#field-end").fill((day_created + timedelta(days=15)).isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/reports/changes?start=**")
    new = page.locator('#changes-table tr[data-change="new"]')
    expect(new.locator("td")).to_have_text("1")
    expect(page.locator('#changes-table tr[data-change="formalised"] td')).to_have_text("1")
    expect(page.locator('#changes-table tr[data-change="agreements_signed"] td')).to_have_text("1")
    expect(page.locator('#changes-table tr[data-change="agreements_expired"] td')).to_have_text("0")
    expect(page.locator("#changes-area")).to_contain_text("Humanitarian")
    assert_accessible(page)
    screenshot(page, "61-changes-between-two-days")

    page.locator('#changes-table tr[data-change="agreements_signed"] a').click()
    page.wait_for_url("**/reports/changes/agreements_signed?**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreements signed")
    page.locator("#change-records a").first.click()
    page.wait_for_url(f"**/agreements/{mou_id}")

    page.goto(f"/reports/changes?start={(day_created - timedelta(days=1)).isoformat()}&end=2099-01-01")
    expect(page.locator("#field-end-error")).to_contain_text("is in the future")
    assert partnership_id
