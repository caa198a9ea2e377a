"""Issue 21 end to end in Chromium: a three-party MOU goes from draft through a partner's comments (partner link, no
account), screening (a potential sanctions-list match cleared by the legal officer before approval), each party's
own signature (two partners through their links, one on paper, one electronic with staff), the sealed PDF (verified
with pyHanko), a partner's withdrawal on notice and an extension — and both the owner's subscribed calendar and the
partner's show the end date moved (the same event, a higher SEQUENCE), not a second one."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import icalendar
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.agreements import seal
from app.agreements import service as agreements
from app.agreements.models import Agreement
from app.config import get_settings, load_settings
from app.db import make_engine
from app.partner_links.service import issue_partner_link
from app.users.models import User
from app.workflow import engine as workflow
from app.workflow.actor import Actor
from app.workflow.definition import states
from tests.builders import Cast, draft_agreement, formalising_partnership
from tests.calendars.support import extend
from tests.e2e.conftest import PEOPLE, Site, screenshot, sign_in
from tests.partner_links.support import CLAUSED_TEXT

SEAL_PASSWORD = "journey-seal"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SEAL_FILE: dict[str, Path] = {}


def server_settings(directory: Path) -> dict[str, str]:
    """The server seals signed PDFs with a self-signed certificate written for this module."""
    path = directory / "seal.p12"
    seal.make_certificate(path, SEAL_PASSWORD, "The Organisation (test seal)")
    SEAL_FILE["path"] = path
    return {"AGREEMENTS_SEAL_PKCS12_PATH": str(path), "AGREEMENTS_SEAL_PKCS12_PASSWORD": SEAL_PASSWORD}


def _today() -> date:
    return clock.today(get_settings().zone)


def _people(session: Session) -> Cast:
    by_email = {user.email: user for user in session.scalars(select(User))}
    legal = by_email[PEOPLE["legal"].email]
    return Cast(by_email[PEOPLE["manager"].email], legal, by_email[PEOPLE["legal2"].email], legal)


def _on_site(site: Site, work: Any) -> Any:
    engine = make_engine(site.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return work(session)
    finally:
        engine.dispose()


def _three_party_draft(site: Site) -> dict[str, Any]:
    """A draft MOU between the organisation and three partners (the third's name is close to a listed entity), its
    clauses shared with two partners' focal points through their personal links."""

    def work(session: Session) -> dict[str, Any]:
        people = _people(session)
        partnership = formalising_partnership(session, people, partners=3)
        orgs = [party.organisation for party in partnership.parties]
        for number, org in enumerate(orgs[:2]):
            org.contacts[0].email = f"focal{number}@partner{number}.example.org"
        orgs[2].legal_name, orgs[2].country_code = "Baykal Shipping Ltd", "RU"
        session.commit()  # screened before commit: a potential match with BAIKAL SHIPPING LLC
        agreement = draft_agreement(session, people, partnership, end=_today() + timedelta(days=200), notice=30)
        version = agreements.add_version(session, agreement.id, CLAUSED_TEXT, people.manager)
        session.commit()
        settings = load_settings(database_url=site.database_url, base_url=site.base_url)
        urls = []
        for org in orgs[:2]:
            _, url = issue_partner_link(
                session, partnership.id, org.contacts[0].id, actor=people.lawyer,
                document_version_id=version.id, settings=settings,
            )  # fmt: skip
            urls.append(url)
        session.commit()
        return {"agreement": agreement.id, "urls": urls, "parties": [party.id for party in partnership.parties]}

    return _on_site(site, work)


def _status(site: Site, agreement_id: int) -> str:
    return _on_site(site, lambda session: session.get(Agreement, agreement_id).status)


def _partner_signs(page: Page, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_role("navigation", name="Partner area").get_by_role("link", name="Sign", exact=True).click()
    form = page.locator("form[action^='/partner/sign/']")
    expect(page.locator("main")).to_contain_text("By typing my name")
    form.get_by_label("Your full name, typed as your signature").fill(name)
    form.get_by_label("Your title").fill("Executive director")
    form.get_by_label("I agree to sign electronically as stated above.").check()
    form.get_by_role("button", name="Sign").click()
    expect(page.locator(".flash")).to_contain_text("Thank you: your signature is recorded.")


def _feed(url: str) -> dict[str, icalendar.Event]:
    response = httpx.get(url, timeout=20)
    assert response.status_code == 200, response.text
    events: dict[str, icalendar.Event] = {}
    for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in events, f"two events with UID {uid}"
        events[uid] = event
    return events


def _end_event(events: dict[str, icalendar.Event], day: date) -> tuple[str, int]:
    """The UID and SEQUENCE of the end-date event on ``day`` (the first one found on that day)."""
    for uid, event in events.items():
        if event.decoded("DTSTART") == day and "end" in uid:
            return uid, int(event.get("SEQUENCE", 0))
    raise AssertionError(f"no end-date event on {day}: {[(u, e.decoded('DTSTART')) for u, e in events.items()]}")


def test_a_multi_party_agreement_from_draft_to_extension_with_partners_in_the_loop(page: Page, site: Site) -> None:
    found = _three_party_draft(site)
    agreement_id, (first_url, second_url) = found["agreement"], found["urls"]
    first, second, third = found["parties"]

    # 1. A partner comments on a clause of the shared draft, without an account.
    page.goto(first_url)
    page.get_by_role("navigation", name="Partner area").get_by_role("link", name="Draft agreement").click()
    clause = page.locator("#clause-1")
    clause.get_by_label("Your comment on this clause").fill("Please name migrant health clinics explicitly.")
    clause.get_by_role("button", name="Send the comment").click()
    expect(page.locator(".flash")).to_contain_text("your comment was sent")
    screenshot(page, "70-journey-partner-comment")

    # 2. The legal officer sees it beside the version; the manager submits the draft for review.
    sign_in(page, "legal")
    page.goto(f"/agreements/{agreement_id}/partner-comments")
    expect(page.locator("main")).to_contain_text("Please name migrant health clinics explicitly.")

    def submit(session: Session) -> None:
        agreement = session.get(Agreement, agreement_id)
        workflow.fire(session, "agreement", agreement, "submit_for_review", Actor.person(_people(session).manager))
        session.commit()

    _on_site(site, submit)

    # 3. Screening: approval is blocked by a potential match until the legal officer clears it.
    page.goto(f"/agreements/{agreement_id}")
    approve = page.locator("#action-approve")
    expect(approve.locator(".action__reasons")).to_contain_text("Baykal Shipping Ltd")
    page.get_by_role("link", name="Screening").click()
    page.get_by_role("row").filter(has_text="Baykal Shipping Ltd").get_by_role("link", name="Review").click()
    page.get_by_label("Not the same: clear it as a false positive").check()
    page.get_by_label("Reason").fill("A river-cruise operator registered in 2015; no link to the listed firm")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash")).to_contain_text("Decision recorded for Baykal Shipping Ltd")
    page.goto(f"/agreements/{agreement_id}")
    page.get_by_role("button", name="Approve version 2").click()
    expect(page.locator(".flash")).to_contain_text("Approved")

    # 4. Each party signs for itself: a partner through its link, the organisation on paper, the third party
    #    electronically with staff, and the last partner through its link, which signs the agreement.
    _partner_signs(page, first_url, "Focal Zero")
    assert _status(site, agreement_id) in states("agreement", group="awaiting_signatures")
    sign_in(page, "legal")
    page.goto(f"/agreements/{agreement_id}")
    block = page.locator("#sign-organisation")
    block.locator("summary").click()
    paper = block.locator("form[action$='/wet-ink']")
    paper.get_by_label("Signatory name").fill("Director General")
    paper.get_by_label("Signatory title").fill("DG")
    paper.get_by_label("Scan of the signed page (PDF, PNG or JPEG)").set_input_files(
        {"name": "dg-signature.png", "mimeType": "image/png", "buffer": PNG}
    )
    paper.get_by_role("button", name="Record the wet-ink signature").click()
    expect(page.locator(".flash")).to_contain_text("Signature of Director General recorded")
    block = page.locator(f"#sign-{third}")
    block.locator("summary").click()
    present = block.locator("form[action$='/electronic']")
    present.get_by_label("Name typed by the signatory").fill("Ivan Petrov")
    present.get_by_label("Signatory title").fill("Director")
    present.get_by_label("The signatory read and confirms the text above").check()
    present.get_by_role("button", name="Record the electronic signature").click()
    expect(page.locator(".flash")).to_contain_text("Electronic signature of Ivan Petrov recorded")
    table = page.locator("#party-signing-status")
    expect(table.locator(f"tr[data-party='{first}']")).to_contain_text("Electronic signature")
    _partner_signs(page, second_url, "Focal One")
    assert _status(site, agreement_id) in states("agreement", group="in_force")

    # 5. The signed PDF is sealed with the organisation's certificate, and the seal holds.
    sign_in(page, "legal")
    page.goto(f"/agreements/{agreement_id}")
    expect(table).not_to_contain_text("Awaited")
    pdf = page.request.get(page.get_by_role("link", name="Download the signed PDF (sealed)").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    (embedded,) = PdfFileReader(io.BytesIO(pdf.body()), strict=False).embedded_signatures
    root = seal.certificate_of(SEAL_FILE["path"], SEAL_PASSWORD)
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    with ThreadPoolExecutor(1) as apart:  # pyHanko runs its own event loop; Playwright's holds this thread
        sealed = apart.submit(validate_pdf_signature, embedded, context).result()
    assert sealed.intact and sealed.valid and sealed.trusted

    # 6. The owner subscribes to their calendar; the partner's link holds one too.
    sign_in(page, "manager")
    page.goto("/me/calendar")
    page.get_by_role("button", name="Get my calendar URL").click()
    owners_url = site.base_url + urlsplit(page.get_by_label("Subscription URL").input_value()).path
    partners_url = first_url + "/calendar.ics"
    end = _today() + timedelta(days=200)
    owner_uid, owner_sequence = _end_event(_feed(owners_url), end)
    partner_uid, partner_sequence = _end_event(_feed(partners_url), end)

    # 7. The second partner withdraws on notice; the agreement stays in force for the others.
    sign_in(page, "legal")
    page.goto(f"/agreements/{agreement_id}")
    withdraw = page.locator("#withdraw")
    withdraw.locator("summary").click()
    withdraw.get_by_label("Party that withdraws").select_option(str(second))
    withdraw.get_by_label("Reason").fill("The partner closes its country office")
    withdraw.get_by_role("button", name="Record the withdrawal").click()
    effective = _today() + timedelta(days=30)
    expect(page.locator(".flash")).to_contain_text(f"it takes effect on {effective.isoformat()}")
    assert _status(site, agreement_id) in states("agreement", group="in_force")
    screenshot(page, "71-journey-withdrawal")

    # 8. An extension moves the end date; both calendars move the same event rather than adding one.
    new_end = end + timedelta(days=180)

    def extended(session: Session) -> None:
        extend(session, _people(session), session.get(Agreement, agreement_id), new_end)

    _on_site(site, extended)
    owners = _feed(owners_url)
    assert owners[owner_uid].decoded("DTSTART") == new_end and int(owners[owner_uid]["SEQUENCE"]) > owner_sequence
    partners = _feed(partners_url)
    assert partners[partner_uid].decoded("DTSTART") == new_end
    assert int(partners[partner_uid]["SEQUENCE"]) > partner_sequence
