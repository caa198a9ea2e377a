"""In Chromium: each party's signature recorded on its own (a wet-ink scan, two electronic signatures with the
consent shown), the agreement signed by the last one, then a partner withdrawing with its effective date shown."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.agreements.rules import signing_parties
from app.config import get_settings
from app.db import make_engine
from app.users.models import User
from tests.builders import Cast, advance, draft_agreement
from tests.e2e.conftest import PEOPLE, Site, screenshot, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _approved_agreement(site: Site) -> tuple[int, list[int]]:
    """An approved two-partner MOU written straight to the site's database (its legal officers approved it)."""
    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            user = {key: session.scalars(select(User).where(User.email == p.email)).one() for key, p in PEOPLE.items()}
            people = Cast(user["manager"], user["legal"], user["legal2"], user["legal"])
            agreement = draft_agreement(session, people, notice=30)
            for trigger in ("submit_for_review", "approve"):
                advance(session, agreement, trigger, people)
            session.commit()
            return agreement.id, [party.id for party in signing_parties(agreement)]
    finally:
        engine.dispose()


def _status(site: Site, agreement_id: int) -> str:
    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            return session.get(Agreement, agreement_id).status
    finally:
        engine.dispose()


def _sign_electronically(page: Page, key: str, name: str) -> None:
    block = page.locator(f"#sign-{key}")
    block.locator("summary").click()
    form = block.locator("form[action$='/electronic']")
    expect(form.locator("blockquote.consent")).to_contain_text("SHA-256")
    form.get_by_label("Name typed by the signatory").fill(name)
    form.get_by_label("Signatory title").fill("Director")
    form.get_by_label("The signatory read and confirms the text above").check()
    form.get_by_role("button", name="Record the electronic signature").click()
    expect(page.locator(".flash")).to_contain_text(f"Electronic signature of {name} recorded")


def test_each_party_signs_in_the_browser_then_one_withdraws(page: Page, site: Site) -> None:
    agreement_id, (first, second) = _approved_agreement(site)
    sign_in(page, "legal2")
    page.goto(f"/agreements/{agreement_id}")
    table = page.locator("#party-signing-status")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("Awaited")

    # The organisation signs on paper: the scan is uploaded.
    block = page.locator("#sign-organisation")
    block.locator("summary").click()
    form = block.locator("form[action$='/wet-ink']")
    form.get_by_label("Signatory name").fill("Director General")
    form.get_by_label("Signatory title").fill("DG")
    form.get_by_label("Scan of the signed page (PDF, PNG or JPEG)").set_input_files(
        {"name": "dg-signature.png", "mimeType": "image/png", "buffer": PNG}
    )
    form.get_by_role("button", name="Record the wet-ink signature").click()
    expect(page.locator(".flash")).to_contain_text("Signature of Director General recorded")
    expect(table.locator("tr[data-party='organisation']")).to_contain_text("Wet ink")
    assert _status(site, agreement_id) == "approved"

    _sign_electronically(page, str(first), "Fatou Sow")
    expect(table.locator(f"tr[data-party='{first}']")).to_contain_text("Electronic signature")
    assert _status(site, agreement_id) == "approved"  # one party is still awaited
    screenshot(page, "party-signing-one-awaited")
    _sign_electronically(page, str(second), "Omar Ba")
    assert _status(site, agreement_id) == "active"  # the last signature signed it (in force: effective date passed)
    expect(table).not_to_contain_text("Awaited")
    expect(page.get_by_role("link", name="Download the signed PDF (sealed)")).to_be_visible()

    # A partner withdraws: the page says when it takes effect; the agreement stays in force for the others.
    withdraw = page.locator("#withdraw")
    withdraw.locator("summary").click()
    effective = clock.today(get_settings().zone) + timedelta(days=30)
    expect(withdraw).to_contain_text("The notice period is 30 days")
    withdraw.get_by_label("Party that withdraws").select_option(str(first))
    withdraw.get_by_label("Reason").fill("The partner closes its office")
    withdraw.get_by_role("button", name="Record the withdrawal").click()
    expect(page.locator(".flash")).to_contain_text(f"it takes effect on {effective.isoformat()}")
    expect(table.locator(f"tr[data-party='{first}']")).to_contain_text("Withdraws on")
    assert _status(site, agreement_id) == "active"
    screenshot(page, "party-signing-withdrawal")
