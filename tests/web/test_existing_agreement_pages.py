"""Pages to record an existing signed agreement: the link, the upload, the review with snippets, the confirmation."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from app.agreements.existing import planned_reminder_count
from app.agreements.models import Agreement
from app.users.models import Role
from app.workflow import engine
from tests.agreements.signed_copies import (
    DOCX,
    PARTNER,
    SIGNER,
    docx_file,
    english_mou,
    pdf_file,
    recordable_partnership,
    signed_pdf,
    today,
)
from tests.builders import cast, database_snapshot, partnership

LINK = "Record an existing signed agreement"


def _upload(browser, owner, content, name="signed-mou.docx", media=DOCX, csrf=True):
    data = {"csrf_token": browser.csrf} if csrf else {}
    return browser.client.post(f"/partnerships/{owner.id}/existing-agreements", data=data,
                               files={"file": (name, content, media)}, follow_redirects=False)  # fmt: skip


def _value(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    return unescape(found.group(1)) if found else ""


def _form(page: str) -> dict[str, str]:
    names = re.findall(r'<(?:input|select)[^>]*name="([^"]+)"', page)
    values = {name: _value(page, name) for name in names if name not in {"csrf_token", "file"}}
    for name in names:
        if name.endswith("-bound"):
            values[name] = "yes" if re.search(rf'name="{re.escape(name)}"[^>]*checked', page) else ""
    values["kind"] = "mou"
    return values


def test_a_legal_officer_records_a_signed_docx_from_the_partnership_page(session, make_user, sign_in):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    browser = sign_in(user=people.lawyer)
    page = browser.get(f"/partnerships/{owner.id}")
    assert LINK in page.text and f'href="/partnerships/{owner.id}/existing-agreements/new"' in page.text

    form = browser.get(f"/partnerships/{owner.id}/existing-agreements/new")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text and "csrf_token" in form.text

    effective = today() - timedelta(days=90)
    uploaded = _upload(browser, owner, docx_file(english_mou(effective)))
    assert uploaded.status_code == 303, uploaded.text[:500]
    review_url = uploaded.headers["location"]
    agreement_id = int(review_url.rsplit("/", 1)[1])
    assert session.get(Agreement, agreement_id).status == "draft"  # nothing recorded yet

    review = browser.get(review_url)
    assert review.status_code == 200
    text = unescape(review.text)
    for words in ("What the text proposes", "for a period of three (3) years", "sixty (60) days' written notice",
                  "shall enter into force on", PARTNER, "a party of this partnership", "Digital signatures",
                  "this Word document was not checked"):  # fmt: skip
        assert words in text, words
    assert _value(review.text, "effective_date") == effective.isoformat()
    assert _value(review.text, "notice_period_days") == "60"
    assert _value(review.text, "parties-1-signatory_name") == SIGNER

    confirmed = browser.post(f"{review_url}/confirm", _form(review.text) | {"title": "MOU on legal aid"})
    assert confirmed.status_code == 303, unescape(confirmed.text)[:2000]
    assert confirmed.headers["location"] == f"/agreements/{agreement_id}"
    session.expire_all()
    agreement = session.get(Agreement, agreement_id)
    assert (agreement.status, agreement.title, agreement.notice_period_days) == ("active", "MOU on legal aid", 60)
    assert [e.trigger for e in engine.history(session, "agreement", agreement_id)] == [
        "create", "record_existing", "activate"]  # fmt: skip
    assert planned_reminder_count(session, agreement) > 0
    assert {s.signatory_name for s in agreement.signatures} == {SIGNER}
    assert agreement.signatures[0].document_sha256 == agreement.latest_version.sha256
    shown = browser.get(f"/agreements/{agreement_id}")
    assert "Uploaded signed copy (signed-mou.docx)" in unescape(shown.text)


def test_a_signed_pdf_review_shows_the_signer_and_intact(session, make_user, sign_in):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    browser = sign_in(user=people.admin)
    content = signed_pdf(pdf_file(english_mou(today() - timedelta(days=10))))
    uploaded = _upload(browser, owner, content, "signed.pdf", "application/pdf")
    assert uploaded.status_code == 303, uploaded.text[:500]
    review = unescape(browser.get(uploaded.headers["location"]).text)
    assert SIGNER in review and "Intact: the hash matches" in review
    assert "Not trusted: no trust root configured" in review
    original = browser.get(re.search(r'href="(/agreements/\d+/versions/1/original)"', review).group(1))
    assert original.status_code == 200 and original.content == content


def test_mistakes_come_back_beside_the_fields_with_what_was_typed(session, make_user, sign_in):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    browser = sign_in(user=people.lawyer)
    refused = _upload(browser, owner, b"just some text", "notes.docx")
    assert refused.status_code == 415 and "neither a PDF nor a Word" in refused.text
    assert 'id="field-file-error"' in refused.text

    review_url = _upload(browser, owner, docx_file(english_mou(today()))).headers["location"]
    review = browser.get(review_url)
    before = database_snapshot(session)
    typed = _form(review.text) | {"title": "Typed title stays"}
    again = browser.post(f"{review_url}/confirm", typed | {"end_date": ""})
    assert again.status_code == 422
    assert 'id="field-end_date-error"' in again.text and "This is required" in again.text
    assert _value(again.text, "title") == "Typed title stays"

    unbound = typed | {"parties-1-bound": "", "parties-1-signatory_name": "", "parties-1-signed_on": "",
                       "parties-1-signatory_title": ""}  # fmt: skip
    refused = browser.post(f"{review_url}/confirm", unbound)
    assert refused.status_code == 422
    assert "takes part as lead partner, so the agreement binds it" in unescape(refused.text)
    assert (
        _value(refused.text, "parties-1-bound") == "yes" and 'parties-1-bound" value="yes" checked' not in refused.text
    )
    late = typed | {"parties-1-signed_on": (today() + timedelta(days=2)).isoformat()}
    future = browser.post(f"{review_url}/confirm", late)
    assert future.status_code == 422 and 'id="field-parties-1-signed_on-error"' in future.text
    assert database_snapshot(session) == before


def test_managers_and_viewers_are_refused_and_see_no_link(session, make_user, sign_in):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    lawyer = sign_in(user=people.lawyer)
    review_url = _upload(lawyer, owner, docx_file(english_mou(today()))).headers["location"]
    for browser in (sign_in(user=people.manager), sign_in(Role.VIEWER)):
        assert LINK not in browser.get(f"/partnerships/{owner.id}").text
        assert browser.get(f"/partnerships/{owner.id}/existing-agreements/new").status_code == 403
        assert browser.get(review_url).status_code == 403
        assert _upload(browser, owner, docx_file(english_mou(today()))).status_code == 403
        assert browser.post(f"{review_url}/confirm", {"title": "x"}).status_code == 403


def test_an_ad_hoc_partnership_offers_no_link_and_refuses_the_upload(session, make_user, sign_in):
    people = cast(make_user)
    early = partnership(session, people.manager, recordable_partnership(session, people).parties[0].organisation)
    browser = sign_in(user=people.lawyer)
    assert LINK not in browser.get(f"/partnerships/{early.id}").text
    refused = browser.get(f"/partnerships/{early.id}/existing-agreements/new")
    assert refused.status_code == 409 and "start formalising it" in refused.text
    assert _upload(browser, early, docx_file(english_mou(today()))).status_code == 409
