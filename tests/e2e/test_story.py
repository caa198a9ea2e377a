"""The whole story in a real browser: a project manager takes a partnership from first contact to a signed MOU
with a legal officer, and the dashboard then shows the MOU in force and its next reminder.

Screenshots of every main page are saved as artifacts along the way (see ``conftest.screenshot``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import docx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import PARTNERS, Site, screenshot, sign_in, sign_out

TITLE = "Safe migration information in the Sahel"
TODAY = datetime.now(UTC).date()  # the server runs in UTC (the default organisation timezone)
END = TODAY + timedelta(days=80)  # inside the 90-day window of the dashboard


def _open(page: Page, summary: str) -> None:
    """Unfold a disclosure (the forms that are folded away), unless it is open already."""
    toggle = page.locator("summary", has_text=summary).first
    if not toggle.evaluate("summary => summary.parentElement.open"):
        toggle.click()


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".flash")).to_contain_text(text)


def _create_partnership(page: Page) -> str:
    page.goto("/partnerships")
    page.get_by_role("link", name="New partnership").first.click()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Title\b")).fill(TITLE)
    page.get_by_label("Objectives").fill("Reach 20,000 people on the move with accurate information on safe routes.")
    page.get_by_role("checkbox", name=re.compile("Awareness raising", re.I)).check()
    page.get_by_label("Legal officer").select_option(label="Lucas Moreau")
    page.get_by_label("Organisation of partner 1").select_option(label=PARTNERS["lead"][0])
    page.get_by_label("Role of partner 1").select_option(label="Lead partner")
    page.get_by_label("Organisation of partner 2").select_option(label=PARTNERS["co"][0])
    page.get_by_label("Role of partner 2").select_option(label="Co-partner")
    screenshot(page, "02-new-partnership")
    page.get_by_role("button", name="Create partnership").click()
    _flash(page, "created")
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    return page.url


def _informal_then_formalising(page: Page) -> None:
    _open(page, "Log an interaction")
    page.get_by_label("Date of the interaction").fill(TODAY.isoformat())
    page.get_by_label("Summary").fill("Joint information session in Niamey with both partners.")
    page.get_by_role("button", name="Log interaction").click()
    _flash(page, "Interaction logged")
    expect(page.locator("main")).to_contain_text("Joint information session in Niamey")

    _open(page, "Record an undertaking")
    page.get_by_label("Date given").fill(TODAY.isoformat())
    page.get_by_label("Given by").fill("Fatou Sow")
    page.get_by_label("Organisation giving it").select_option(label=PARTNERS["lead"][0])
    page.get_by_label("Scope").fill("Co-design and run the information campaign for two years.")
    page.get_by_role("button", name="Record undertaking").click()
    _flash(page, "Undertaking recorded")
    expect(page.locator(".page-header .badge, h1 .badge, .badge").first).to_be_visible()

    # Starting formalisation needs a focal point: blocked first, with the engine's reason on the page.
    blocked = page.get_by_role("button", name="Start formalisation")
    expect(blocked).to_be_disabled()
    expect(page.locator("main")).to_contain_text("focal point")
    for name, *_ in PARTNERS.values():
        page.get_by_label(f"Focal point for {name}").select_option(index=1)
        page.get_by_role("button", name=f"Save focal point for {name}").click()
        _flash(page, "Focal point saved")
    page.get_by_role("button", name="Start formalisation").click()
    _flash(page, "formalising")


def _start_mou(page: Page) -> str:
    _open(page, "Start an agreement")
    page.get_by_label("Agreement title").fill(f"MOU — {TITLE}")
    page.get_by_label("Effective date").fill(TODAY.isoformat())
    page.get_by_label("End date").fill(END.isoformat())
    page.get_by_label("Notice period (days)").fill("30")
    page.get_by_role("button", name="Start agreement").click()
    page.wait_for_url(re.compile(r"/agreements/\d+$"))
    return page.url


def _add_obligations(page: Page) -> None:
    parties = page.get_by_label("Who owes it").locator("option").all_inner_texts()
    owers = [text for text in parties if text.strip() and not text.lower().startswith("choose")]
    assert len(owers) >= 3, owers  # the organisation and both partners
    for ower in owers[:3]:
        _open(page, "Add an obligation")
        page.get_by_label("Who owes it").select_option(label=ower)
        page.get_by_label("What is owed").fill(f"Quarterly activity report by {ower}")
        page.get_by_label("Due date").fill((TODAY + timedelta(days=45)).isoformat())
        page.get_by_role("button", name="Add obligation").click()
        _flash(page, "Obligation added")


def _generate(page: Page, number: int) -> None:
    page.get_by_label("Template").select_option(value="mou")
    page.get_by_role("button", name="Generate version").click()
    _flash(page, f"Version {number} generated")


def _submit(page: Page) -> None:
    page.get_by_role("button", name="Submit for review").click()
    _flash(page, "review")


def test_from_first_contact_to_a_signed_mou(page: Page, site: Site) -> None:
    # --- the project manager ---------------------------------------------------------------------------------
    sign_in(page, "manager")
    screenshot(page, "01-dashboard-empty")
    partnership_url = _create_partnership(page)
    _informal_then_formalising(page)
    agreement_url = _start_mou(page)
    _add_obligations(page)
    _generate(page, 1)
    screenshot(page, "04-agreement-draft")
    _submit(page)
    sign_out(page)

    # --- the legal officer asks for changes ------------------------------------------------------------------
    sign_in(page, "legal")
    expect(page.locator("main")).to_contain_text(f"MOU — {TITLE}")  # waiting for their review
    page.goto(agreement_url)
    page.get_by_role("button", name="Request changes").click()  # without the required comment
    expect(page.get_by_label("What needs to change (required)")).to_be_visible()
    page.get_by_label("What needs to change (required)").fill("Please give 60 days' notice, not 30.")
    page.get_by_role("button", name="Request changes").click()
    _flash(page, "hanges requested")
    sign_out(page)

    # --- the manager changes the terms and generates a new version -------------------------------------------
    sign_in(page, "manager")
    page.goto(agreement_url)
    expect(page.locator("main")).to_contain_text("Please give 60 days' notice")
    _open(page, "Edit terms")
    page.get_by_label("Notice period (days)").first.fill("60")
    page.get_by_role("button", name="Save terms").click()
    _flash(page, "Terms saved")
    _generate(page, 2)
    _submit(page)
    sign_out(page)

    # --- the legal officer reads the redline, approves and records the signatures ----------------------------
    sign_in(page, "legal")
    page.goto(agreement_url)
    page.get_by_role("link", name="Compare versions").click()
    redline = page.locator(".redline")
    expect(redline.locator("ins").first).to_be_visible()
    expect(redline.locator("del").first).to_be_visible()
    assert "60" in " ".join(redline.locator("ins").all_inner_texts())
    assert "30" in " ".join(redline.locator("del").all_inner_texts())
    screenshot(page, "05-redline")
    assert_accessible(page)
    page.goto(agreement_url)
    page.get_by_role("button", name="Approve version 2").click()
    _flash(page, "Approved")
    # Partners' focal points are filled in already; our own signatory is typed, and every date.
    page.get_by_label("Name of the signatory for The Organisation").fill("Helena Marquez")
    page.get_by_label("Title of the signatory for The Organisation").fill("Director, Partnerships")
    for name, _, _, focal_point, _ in PARTNERS.values():
        expect(page.get_by_label(f"Name of the signatory for {name}")).to_have_value(focal_point)
        page.get_by_label(f"Title of the signatory for {name}").fill("Executive Director")
    for date_field in page.get_by_label(re.compile(r"^Date signed by ")).all():
        date_field.fill(TODAY.isoformat())
    page.get_by_role("button", name="Record signatures").click()
    _flash(page, "ignatures recorded")
    # effective today: in force at signature, not at the next morning's job
    expect(page.locator(".page-header .badge").first).to_have_text("Active")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Download PDF of version 2").click()
    assert pdf.value.suggested_filename.startswith("MOU-") and pdf.value.suggested_filename.endswith("-v2.pdf")
    with page.expect_download() as word:
        page.get_by_role("link", name="Download DOCX of version 2").click()
    text = "\n".join(paragraph.text for paragraph in docx.Document(word.value.path()).paragraphs)
    assert PARTNERS["lead"][0] in text and "60" in text
    sign_out(page)

    # --- the morning job has nothing left to do; the manager's dashboard shows it and its next reminder -------
    tick = site.run_cli("tick")
    assert tick.returncode == 0, tick.stdout + tick.stderr
    sign_in(page, "manager")
    main = page.locator("main")
    expect(main).to_contain_text(f"MOU — {TITLE}")
    expect(main).to_contain_text("In 61 to 90 days")
    expect(main).to_contain_text("80 days left")
    expect(page.locator("section", has_text="My next reminders")).to_contain_text(f"MOU — {TITLE}")
    screenshot(page, "06-dashboard-active-mou")
    assert_accessible(page)
    page.goto(agreement_url)
    expect(page.locator("h1 .badge, .page-header .badge").first).to_have_text("Active")
    screenshot(page, "07-agreement-active")
    page.goto(partnership_url)
    expect(page.locator("main")).to_contain_text("Formal")
    screenshot(page, "03-partnership-formal")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/pipeline", "/organisations", "/workflows/agreement", "/partnerships"])
def test_the_main_pages_render_for_a_manager(page: Page, path: str) -> None:
    sign_in(page, "manager")
    page.goto(path)
    assert_accessible(page)
    screenshot(page, "10-" + path.strip("/").replace("/", "-"))
