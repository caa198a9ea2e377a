"""The agreement page: terms, obligations, versions, redlines, downloads and every workflow action, through forms."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import docx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements import service as agreements
from app.agreements.models import Agreement, AgreementKind, DocumentVersion, Signature
from app.agreements.rules import signing_parties
from app.config import get_settings
from app.obligations.models import Obligation
from app.users.models import Role
from app.workflow.models import TransitionEvent
from tests.builders import Cast, advance, cast, database_snapshot, draft_agreement, formalising_partnership

POST_FORM = re.compile(r'<form method="post" action="(/agreements/[^"]+)"')


def _today():
    return clock.today(get_settings().zone)


def _ready_partnership(session: Session, people: Cast):
    """A formalising partnership whose facts fill the MOU template."""
    owner = formalising_partnership(session, people)
    owner.objectives = "Joint work on migrant health in border areas"
    session.commit()
    return owner


def _fresh(session: Session, agreement: Agreement) -> Agreement:
    session.expire_all()
    return session.get(Agreement, agreement.id)


def _count(session: Session, model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.scalar(stmt)


def _signature_form(agreement: Agreement, day: str, *, blank_title_row: int | None = None) -> dict[str, str]:
    form: dict[str, str] = {}
    for index, party in enumerate([None, *signing_parties(agreement)]):
        form[f"signatures-{index}-party_id"] = str(party.id) if party else ""
        form[f"signatures-{index}-signatory_name"] = f"Signer {index}"
        form[f"signatures-{index}-signatory_title"] = "" if index == blank_title_row else "Director"
        form[f"signatures-{index}-signed_on"] = day
    return form


def test_a_draft_goes_through_review_approval_and_signature_on_the_pages(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    owner = _ready_partnership(session, people)
    agreement = draft_agreement(session, people, owner, complete=False)
    manager = sign_in(user=people.manager)
    url = f"/agreements/{agreement.id}"

    page = manager.get(url)
    assert page.status_code == 200
    for words in (
        "Edit terms",
        "Add an obligation",
        "Generate a new version",
        "No obligations yet — add the first one",
    ):
        assert words in page.text
    assert f'href="/partnerships/{owner.id}"' in page.text

    # the term
    terms = {"title": "MOU on migrant health", "effective_date": "2027-01-01", "end_date": "2028-12-31"}
    response = manager.post(f"{url}/terms", terms | {"notice_period_days": "60", "version": str(agreement.version)})
    assert response.status_code == 303 and response.headers["location"] == url
    agreement = _fresh(session, agreement)
    assert (agreement.title, str(agreement.effective_date), agreement.notice_period_days) == (
        "MOU on migrant health",
        "2027-01-01",
        60,
    )
    assert "Terms saved" in manager.get(url).text

    # obligations: a bad one first, kept and refused, then one per party and the organisation
    refused = manager.post(f"{url}/obligations", {"party_id": "", "description": "Quarterly narrative report"})
    assert refused.status_code == 422
    assert "Give a due date, a recurrence, or both" in refused.text
    assert "Quarterly narrative report</textarea>" in refused.text
    assert _count(session, Obligation, agreement_id=agreement.id) == 0
    for party in [None, *signing_parties(agreement)]:
        form = {"party_id": str(party.id) if party else "", "description": "Annual report", "due_date": "2027-12-31"}
        assert manager.post(f"{url}/obligations", form).status_code == 303
    monthly = {"party_id": "", "description": "Monthly call", "recurrence": "monthly", "due_date": "2027-02-01"}
    assert manager.post(f"{url}/obligations", monthly).status_code == 303
    assert _count(session, Obligation, agreement_id=agreement.id) == 4
    page = manager.get(url).text
    assert "Annual report" in page and "Due 1 Feb 2027, then monthly" in page

    # version 1 from the template, then submit
    response = manager.post(f"{url}/versions", {"template": "mou", "language": "en"})
    assert response.status_code == 303
    assert "Version 1 generated" in manager.get(url).text
    agreement = _fresh(session, agreement)
    assert agreement.latest_version.number == 1 and agreement.latest_version.template_key == "mou"
    assert manager.post(f"{url}/transitions/submit_for_review", {"comment": "Ready"}).status_code == 303
    assert _fresh(session, agreement).status == "in_review"

    # the legal officer asks for changes; a missing comment is refused with the message beside the form
    lawyer = sign_in(user=people.lawyer)
    page = lawyer.get(url).text
    assert ">Request changes</button>" in page and ">Approve version 1</button>" in page
    refused = lawyer.post(f"{url}/transitions/request_changes", {"comment": "  "})
    assert refused.status_code == 422
    assert "is required: say why you request changes" in refused.text
    assert _fresh(session, agreement).status == "in_review"
    comment = "Lengthen the notice period to 90 days"
    assert lawyer.post(f"{url}/transitions/request_changes", {"comment": comment}).status_code == 303
    assert _fresh(session, agreement).status == "draft"
    assert comment in lawyer.get(url).text  # in the history

    # version 2 after the change; the redline shows what moved (one client: signing in again switches user)
    manager = sign_in(user=people.manager)
    version = str(_fresh(session, agreement).version)
    terms = terms | {"notice_period_days": "90", "version": version}
    assert manager.post(f"{url}/terms", terms).status_code == 303
    assert manager.post(f"{url}/versions", {"template": "mou", "language": "en"}).status_code == 303
    page = manager.get(url).text
    assert "Version 2 generated" in page and f'href="{url}/compare"' in page
    compare = manager.get(f"{url}/compare?old=1&new=2")
    assert compare.status_code == 200
    assert 'class="redline"' in compare.text
    assert re.search(r"<ins>[^<]*90", compare.text) and re.search(r"<del>[^<]*60", compare.text)
    assert "inserted words are underlined" in compare.text and "deleted words are struck through" in compare.text
    default = manager.get(f"{url}/compare")
    assert '<option value="1" selected>' in default.text and '<option value="2" selected>' in default.text

    # submitted by the legal officer, who may not approve it too (four eyes)
    lawyer = sign_in(user=people.lawyer)
    assert lawyer.post(f"{url}/transitions/submit_for_review", {}).status_code == 303
    page = lawyer.get(url).text
    assert "another legal officer must approve it (four eyes)" in page
    assert f'action="/agreements/{agreement.id}/transitions/approve"' not in page
    sha = _fresh(session, agreement).latest_version.sha256
    refused = lawyer.post(f"{url}/transitions/approve", {"version_sha256": sha})
    assert refused.status_code == 409 and "four eyes" in refused.text
    assert _fresh(session, agreement).status == "in_review"

    second = sign_in(user=people.second_lawyer)
    page = second.get(url).text
    assert ">Approve version 2</button>" in page and f'name="version_sha256" value="{sha}"' in page
    assert second.post(f"{url}/transitions/approve", {"version_sha256": sha}).status_code == 303
    assert "Approved version 2" in second.get(url).text
    agreement = _fresh(session, agreement)
    assert (agreement.status, agreement.approved_by_id, agreement.approved_sha256) == (
        "approved",
        people.second_lawyer.id,
        sha,
    )

    # signatures: one row per signing party, prefilled with the focal points; bad rows keep what was typed
    page = second.get(url).text
    assert 'Name<span class="visually-hidden"> of the signatory for Organisation' in page
    assert 'value="Focal 0"' in page
    today = _today().isoformat()
    refused = second.post(f"{url}/transitions/record_signatures", _signature_form(agreement, today, blank_title_row=1))
    assert refused.status_code == 422
    assert 'id="sig-1-signatory_title-error"' in refused.text and 'value="Signer 1"' in refused.text
    future = (_today() + timedelta(days=3)).isoformat()
    refused = second.post(f"{url}/transitions/record_signatures", _signature_form(agreement, future))
    assert refused.status_code == 409 and "is in the future" in refused.text
    assert _count(session, Signature, agreement_id=agreement.id) == 0
    response = second.post(f"{url}/transitions/record_signatures", _signature_form(agreement, today))
    assert response.status_code == 303
    agreement = _fresh(session, agreement)
    assert agreement.status == "signed"
    assert {s.document_sha256 for s in agreement.signatures} == {sha}
    assert len(agreement.signatures) == 3
    page = second.get(url).text
    assert "Signatures recorded" in page and "Signer 2, Director" in page
    triggers = session.scalars(
        select(TransitionEvent.trigger)
        .where(TransitionEvent.entity_type == "agreement", TransitionEvent.entity_id == agreement.id)
        .order_by(TransitionEvent.id)
    ).all()
    assert triggers == [
        "create",
        "submit_for_review",
        "request_changes",
        "submit_for_review",
        "approve",
        "record_signatures",
    ]


def test_versions_download_as_real_word_and_pdf_files(session: Session, make_user, sign_in, client) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    viewer = sign_in(Role.VIEWER)
    base = f"/agreements/{agreement.id}/versions/1"

    word = viewer.get(f"{base}/download?format=docx")
    assert word.status_code == 200
    assert word.headers["content-disposition"].startswith("attachment;")
    assert ".docx" in word.headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert agreement.title in text

    pdf = viewer.get(f"{base}/download?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith("attachment;")

    wrong = viewer.get(f"{base}/download?format=txt")
    assert wrong.status_code == 422 and "text/html" in wrong.headers["content-type"]
    assert "must be docx or pdf" in wrong.text

    client.cookies.clear()
    assert client.get(f"{base}/download?format=pdf", follow_redirects=False).status_code == 303


def test_the_preview_embeds_the_text_escaped(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    agreements.add_version(session, agreement.id, "# Terms\n\n<script>alert(1)</script> & friends", people.manager)
    session.commit()
    viewer = sign_in(Role.VIEWER)

    page = viewer.get(f"/agreements/{agreement.id}/versions/2")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in page.text
    assert "<script>alert" not in page.text
    assert f'href="/agreements/{agreement.id}/versions/2/download?format=pdf"' in page.text
    assert "/compare?old=1&amp;new=2" in page.text
    first = viewer.get(f"/agreements/{agreement.id}/versions/1")
    assert "&lt;annexes&gt;" in first.text


def test_a_viewer_and_an_outside_manager_see_no_forms_and_may_not_post(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people, _ready_partnership(session, people))
    url = f"/agreements/{agreement.id}"
    for who in (sign_in(Role.VIEWER), sign_in(Role.PROJECT_MANAGER)):
        page = who.get(url)
        assert page.status_code == 200
        assert POST_FORM.findall(page.text) == []
        assert page.text.count("<button") == 2  # sign out, change language
        assert "Preview<span" in page.text  # reading is still possible
        before = database_snapshot(session)
        posts = {
            f"{url}/transitions/submit_for_review": {},
            f"{url}/terms": {"title": "Mine now", "notice_period_days": "1"},
            f"{url}/obligations": {"description": "Nothing", "due_date": "2027-01-01"},
            f"{url}/versions": {"template": "mou", "language": "en"},
            f"{url}/successors": {"kind": "amendment"},
        }
        for target, form in posts.items():
            response = who.post(target, form)
            assert response.status_code == 403, (target, response.text[:300])
        session.expire_all()
        assert database_snapshot(session) == before


def test_forms_without_the_csrf_token_are_refused_and_write_nothing(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    manager = sign_in(user=people.manager)
    url = f"/agreements/{agreement.id}"
    manager.get(url)
    before = database_snapshot(session)
    for target, form in {
        f"{url}/terms": {"title": "Changed", "notice_period_days": "10"},
        f"{url}/obligations": {"description": "Sneaky", "due_date": "2027-01-01"},
        f"{url}/transitions/submit_for_review": {},
    }.items():
        response = manager.post(target, form, csrf=False)
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    session.expire_all()
    assert database_snapshot(session) == before


def test_a_failed_preflight_lists_every_problem_keeps_the_form_and_writes_nothing(
    session: Session, make_user, sign_in
) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people, complete=False)  # no purpose, no obligations
    manager = sign_in(user=people.manager)
    url = f"/agreements/{agreement.id}"

    page = manager.get(url).text
    assert "Before a version can be generated" in page
    assert "The purpose of the partnership is missing" in page

    response = manager.post(f"{url}/versions", {"template": "mou", "language": "fr"})
    assert response.status_code == 422
    assert "The version was not generated" in response.text
    assert "The purpose of the partnership is missing" in response.text
    assert "What each party commits to do is missing" in response.text
    assert '<option value="fr" selected>' in response.text
    assert _count(session, DocumentVersion, agreement_id=agreement.id) == 0


def test_unknown_ids_and_versions_are_not_found(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    browser = sign_in(user=people.lawyer)
    url = f"/agreements/{agreement.id}"
    for target in (
        "/agreements/999999",
        f"{url}/versions/9",
        f"{url}/versions/9/download?format=pdf",
        f"{url}/compare?old=1&new=9",
    ):
        response = browser.get(target)
        assert response.status_code == 404, target
        assert "Not found" in response.text
    assert browser.post("/agreements/999999/transitions/cancel", {"comment": "x"}).status_code == 404
    assert browser.post(f"{url}/transitions/fly_away", {}).status_code == 404
    assert browser.get(f"{url}/compare").status_code == 200  # one version: nothing to compare, said in words
    assert "nothing to compare" in browser.get(f"{url}/compare").text


def test_terms_changed_meanwhile_are_refused_with_what_was_typed(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    manager = sign_in(user=people.manager)
    stale = str(agreement.version)
    form = {"title": "Fresh title", "notice_period_days": "30", "version": stale}
    assert manager.post(f"/agreements/{agreement.id}/terms", form).status_code == 303
    again = manager.post(f"/agreements/{agreement.id}/terms", form | {"title": "Second try"})
    assert again.status_code == 412
    assert "changed by someone else" in again.text and 'value="Second try"' in again.text
    assert _fresh(session, agreement).title == "Fresh title"
    bad = manager.post(f"/agreements/{agreement.id}/terms", {"title": "", "notice_period_days": "-1"})
    assert bad.status_code == 422 and 'id="field-notice_period_days-error"' in bad.text


def test_an_agreement_in_force_is_extended_and_terminated_from_its_page(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people, _ready_partnership(session, people), notice=30)
    for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, trigger, people)
    session.commit()
    assert agreement.status == "active"
    lawyer = sign_in(user=people.lawyer)
    url = f"/agreements/{agreement.id}"
    page = lawyer.get(url).text
    for label in (">Terminate</button>", ">Suspend</button>", "Termination date", "Reason for termination"):
        assert label in page
    assert "Amend, extend or renew" in page and ">Start draft</button>" in page
    assert "Edit terms" not in page and "Generate a new version" not in page

    # an extension: a child draft, and we go to it
    new_end = (agreement.end_date + timedelta(days=365)).isoformat()
    response = lawyer.post(f"{url}/successors", {"kind": "extension", "end_date": new_end})
    assert response.status_code == 303
    child = session.scalars(select(Agreement).where(Agreement.parent_id == agreement.id)).one()
    assert response.headers["location"] == f"/agreements/{child.id}"
    assert (child.kind, child.status, str(child.end_date)) == (AgreementKind.EXTENSION, "draft", new_end)
    assert child.title == f"Extension of {agreement.title}"
    child_page = lawyer.get(f"/agreements/{child.id}").text
    assert f'href="/agreements/{agreement.id}"' in child_page and "Modifies" in child_page
    wrong = lawyer.post(f"{url}/successors", {"kind": "termination", "title": "Kept title"})
    assert wrong.status_code == 422 and 'value="Kept title"' in wrong.text

    # termination respects the notice period; the reason typed is kept when refused
    too_soon = {"termination_date": _today().isoformat(), "reason": "The office closed"}
    refused = lawyer.post(f"{url}/transitions/terminate", too_soon)
    assert refused.status_code == 409
    assert "The notice period is 30 days" in refused.text and "The office closed</textarea>" in refused.text
    on_time = {"termination_date": (_today() + timedelta(days=30)).isoformat(), "reason": "The office closed"}
    assert lawyer.post(f"{url}/transitions/terminate", on_time).status_code == 303
    agreement = _fresh(session, agreement)
    assert (agreement.status, agreement.terminated_on, agreement.termination_reason) == (
        "terminated",
        _today() + timedelta(days=30),
        "The office closed",
    )
    assert "Agreement terminated" in lawyer.get(url).text


def test_the_redline_can_be_swapped_in_by_htmx(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    agreements.add_version(session, agreement.id, "The text, changed", people.manager)
    session.commit()
    viewer = sign_in(Role.VIEWER)
    response = viewer.get(f"/agreements/{agreement.id}/compare?old=1&new=2", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="redline-result"' in response.text
    assert "<ins>" in response.text and "<del>" in response.text


def test_a_legal_officer_uploads_a_hand_edited_word_document(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    url = f"/agreements/{agreement.id}"
    lawyer = sign_in(user=people.lawyer)
    word = lawyer.get(f"{url}/versions/1/download?format=docx").content
    assert "Upload a hand-edited Word document" in lawyer.get(url).text

    files = {"file": ("edited.docx", word, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}
    response = lawyer.client.post(
        f"{url}/versions/upload", data={"csrf_token": lawyer.csrf}, files=files, follow_redirects=False
    )
    assert response.status_code == 303
    session.expire_all()
    version = agreements.get_version(session, agreement.id, 2)
    assert version.file_name == "edited.docx" and version.file_content == word
    page = lawyer.get(url).text
    assert "Version 2 uploaded" in page and "Uploaded Word document (edited.docx)" in page

    broken = {"file": ("broken.docx", b"not a zip", "application/octet-stream")}
    refused = lawyer.client.post(
        f"{url}/versions/upload", data={"csrf_token": lawyer.csrf}, files=broken, follow_redirects=False
    )
    assert refused.status_code == 422 and "is not a readable Word (.docx) document" in refused.text
    assert _count(session, DocumentVersion, agreement_id=agreement.id) == 2

    manager = sign_in(user=people.manager)  # project managers may not upload, as in the API
    assert "Upload a hand-edited Word document" not in manager.get(url).text
    response = manager.client.post(
        f"{url}/versions/upload", data={"csrf_token": manager.csrf}, files=files, follow_redirects=False
    )
    assert response.status_code == 403
    assert _count(session, DocumentVersion, agreement_id=agreement.id) == 2


def test_an_admin_may_shorten_the_notice_with_a_justification(session: Session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people, _ready_partnership(session, people), notice=60)
    for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, trigger, people)
    session.commit()
    url = f"/agreements/{agreement.id}"
    assert "Justification for a shorter notice" not in sign_in(user=people.lawyer).get(url).text
    admin = sign_in(user=people.admin)
    assert "Justification for a shorter notice (admins only)" in admin.get(url).text
    form = {
        "termination_date": _today().isoformat(),
        "reason": "Fraud found",
        "override_justification": "Audit finding",
        "version": str(agreement.version),
    }
    assert admin.post(f"{url}/transitions/terminate", form).status_code == 303
    assert _fresh(session, agreement).status == "terminated"
    assert "Ends on" in admin.get(url).text  # the termination in the history
