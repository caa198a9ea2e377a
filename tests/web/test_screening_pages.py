"""The screening pages: potential matches listed, a hit beside its entry, a decision recorded by a legal officer
(CSRF checked, a reason required), a list loaded by an admin."""

from __future__ import annotations

from app.users.models import Role
from tests.builders import organisation
from tests.screening.support import NEW_VERSION_OF_CRESCENT, variant


def test_the_pages_show_a_hit_and_record_a_decision(session, sign_in) -> None:
    suspect = organisation(session, "Meridian Arms Brokerage", country_code="LY")
    viewer = sign_in(Role.VIEWER)
    page = viewer.get("/screening")
    assert page.status_code == 200 and "Meridian Arms Brokerage" in page.text and "Load the list" not in page.text
    hit_id = int(page.text.split('href="/screening/hits/')[1].split('"')[0])
    detail = viewer.get(f"/screening/hits/{hit_id}")
    assert (
        "MERIDIAN ARMS BROKERAGE" in detail.text
        and "LYe.910" in detail.text
        and "Record the decision" not in detail.text
    )
    lawyer = sign_in(Role.LEGAL_OFFICER)
    detail = lawyer.get(f"/screening/hits/{hit_id}")
    assert "Record the decision" in detail.text and "Why it scored" in detail.text
    refused = lawyer.post(f"/screening/hits/{hit_id}/decision", {"decision": "cleared", "reason": "x"}, csrf=False)
    assert refused.status_code == 403
    missing = lawyer.post(f"/screening/hits/{hit_id}/decision", {"decision": "cleared", "reason": ""})
    assert missing.status_code == 422 and "say why" in missing.text
    done = lawyer.post(f"/screening/hits/{hit_id}/decision", {"decision": "confirmed", "reason": "Same address"})
    assert done.status_code == 303 and done.headers["location"] == "/screening"
    standing = lawyer.get(f"/screening/hits/{hit_id}")
    assert "Confirmed match" in standing.text and "Same address" in standing.text
    assert suspect.id


def test_an_admin_loads_a_list_from_the_page(session, sign_in) -> None:
    admin = sign_in(Role.ADMIN)
    assert "Load the list" in admin.get("/screening").text
    files = {"file": ("consolidated.xml", variant(NEW_VERSION_OF_CRESCENT), "application/xml")}
    done = admin.client.post("/screening/lists", data={"csrf_token": admin.csrf}, files=files, follow_redirects=False)
    assert done.status_code == 303, done.text
    bad = {"file": ("list.xml", b"<OTHER/>", "application/xml")}
    refused = admin.client.post("/screening/lists", data={"csrf_token": admin.csrf}, files=bad, follow_redirects=False)
    assert refused.status_code == 422 and "not a Consolidated List" in refused.text
