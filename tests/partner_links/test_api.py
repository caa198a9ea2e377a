"""Partner links through the API (staff) and the partner pages (the link as the only credential)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.partner_links.models import PartnerComment, PartnerLinkUse, PartnerProposal
from app.users.models import Role
from app.web.partner_area import LIMITER
from tests.builders import assert_problem, cast
from tests.partner_links.support import link_for, scene

API = "/api/v1"


@pytest.fixture
def people(make_user):
    return cast(make_user)


@pytest.fixture
def found(session, people):
    return scene(session, people)


@pytest.fixture(autouse=True)
def _fresh_limits():
    LIMITER.clear()
    yield
    LIMITER.clear()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html).group(1)


def _open(client, token: str):
    opened = client.get(f"/partner/{token}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/partner/home"
    assert "agreements_partner=" in opened.headers["set-cookie"] and "Path=/partner" in opened.headers["set-cookie"]
    return opened


def test_send_list_read_uses_and_revoke_by_api(client, session, auth, people, found):
    _, headers = auth(user=people.lawyer)
    contact = found.partnership.parties[0].organisation.contacts[0]
    body = {"contact_id": contact.id, "days": 14, "document_version_id": found.version.id}
    sent = client.post(f"{API}/partnerships/{found.partnership.id}/partner-links", json=body, headers=headers)
    assert sent.status_code == 201, sent.text
    created = sent.json()
    assert created["url"].startswith("http") and "/partner/" in created["url"] and created["state"] == "active"
    assert "token" not in created and "token_hash" not in created
    listed = client.get(f"{API}/partnerships/{found.partnership.id}/partner-links", headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]] and listed["total"] == 1
    _open(client, created["url"].rsplit("/", 1)[1])
    uses = client.get(f"{API}/partner-links/{created['id']}/uses", headers=headers).json()
    assert [use["action"] for use in uses["items"]] == ["open"]
    revoked = client.post(f"{API}/partner-links/{created['id']}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert client.get("/partner/home").status_code == 410  # the session ends with the link


def test_the_api_refuses_a_viewer_and_names_bad_fields(client, auth, people, found):
    contact = found.partnership.parties[0].organisation.contacts[0]
    path = f"{API}/partnerships/{found.partnership.id}/partner-links"
    _, viewer = auth(Role.VIEWER)
    assert_problem(client.post(path, json={"contact_id": contact.id}, headers=viewer), 403)
    _, lawyer = auth(user=people.lawyer)
    assert_problem(client.post(path, json={"contact_id": contact.id, "days": 400}, headers=lawyer), 422, "days")
    assert_problem(client.post(path, json={"contact_id": contact.id, "days": 91}, headers=lawyer), 422, "days")


def test_unknown_expired_and_revoked_links_get_the_same_gone_page(client, session, people, found):
    link, token = link_for(session, people, found)
    unknown = client.get("/partner/" + "u" * 43)
    from app.partner_links.service import revoke_partner_link

    revoke_partner_link(session, link.id, actor=people.lawyer)
    session.commit()
    revoked = client.get(f"/partner/{token}")
    assert unknown.status_code == revoked.status_code == 410
    assert unknown.text == revoked.text
    assert "/dashboard" not in revoked.text and "Sign in" not in revoked.text
    assert revoked.headers["referrer-policy"] == "no-referrer"


def test_partner_pages_send_strict_headers_and_hide_the_register(client, session, people, found):
    _, token = link_for(session, people, found)
    _open(client, token)
    for path in ("/partner/home", "/partner/organisation", "/partner/draft", "/partner/obligations"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert "script-src" not in page.headers["content-security-policy"]
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["x-frame-options"] == "DENY"
        assert "<script" not in page.text
        for internal in ("/dashboard", "/partnerships/", "/organisations/", people.manager.full_name):
            assert internal not in page.text, (path, internal)
    assert "omar@imr.example.org" not in client.get("/partner/organisation").text  # the other party's contact


def test_confirm_propose_comment_and_report_through_the_pages(client, session, people, found):
    link, token = link_for(session, people, found)
    _open(client, token)
    page = client.get("/partner/organisation")
    csrf = _csrf(page.text)
    confirmed = client.post("/partner/organisation/confirm", data={"csrf_token": csrf}, follow_redirects=False)
    assert confirmed.status_code == 303
    form = {"csrf_token": csrf, "legal_name": "Sahel Women's Network", "short_name": "SWN", "kind": "national_cso",
            "country_code": "ke", "note": "renamed"}  # fmt: skip
    proposed = client.post("/partner/organisation/propose", data=form, follow_redirects=False)
    assert proposed.status_code == 303, proposed.text[:500]
    proposal = session.scalars(select(PartnerProposal).where(PartnerProposal.link_id == link.id)).one()
    assert proposal.changes["organisation"]["legal_name"] == "Sahel Women's Network"
    assert "area_codes" not in proposal.changes["organisation"]  # unchanged areas are not proposed
    commented = client.post(
        "/partner/draft/comments", data={"csrf_token": csrf, "anchor": "clause-1", "body": "Add migrant health."},
        follow_redirects=False,
    )  # fmt: skip
    assert commented.status_code == 303
    assert session.scalars(select(PartnerComment)).one().anchor == "clause-1"
    reported = client.post(
        f"/partner/obligations/{found.obligation.id}/report", data={"csrf_token": csrf, "note": "Q1"},
        files={"file": ("q1.pdf", b"%PDF-1.4 report", "application/pdf")}, follow_redirects=False,
    )  # fmt: skip
    assert reported.status_code == 303, reported.text[:500]
    session.expire_all()
    assert found.obligation.status == "reported"
    actions = [use.action for use in session.scalars(select(PartnerLinkUse).where(PartnerLinkUse.link_id == link.id))]
    assert actions == ["open", "confirm_facts", "propose_correction", "comment", "report_obligation"]


def test_another_partnerships_obligation_is_not_found(client, session, people, found):
    _, token = link_for(session, people, found)
    _open(client, token)
    csrf = _csrf(client.get("/partner/obligations").text)
    other = scene(session, people)
    refused = client.post(
        f"/partner/obligations/{other.obligation.id}/report", data={"csrf_token": csrf},
        files={"file": ("q1.pdf", b"%PDF-1.4 report", "application/pdf")},
    )  # fmt: skip
    assert refused.status_code == 404 and "/dashboard" not in refused.text
    refused_party = client.post(
        f"/partner/obligations/{found.other_obligation.id}/report", data={"csrf_token": csrf},
        files={"file": ("q1.pdf", b"%PDF-1.4 report", "application/pdf")},
    )  # fmt: skip
    assert refused_party.status_code == 404
    session.expire_all()
    assert other.obligation.status == found.other_obligation.status == "open"


def test_partner_forms_need_the_partner_sessions_csrf_token(client, session, people, found):
    _, token = link_for(session, people, found)
    _open(client, token)
    report = f"/partner/obligations/{found.obligation.id}/report"
    forms = ("/partner/organisation/confirm", "/partner/organisation/propose", "/partner/draft/comments", report)
    for path in (*forms, "/partner/language", "/partner/sign-out"):
        assert client.post(path, data={}).status_code == 403, path
        assert client.post(path, data={"csrf_token": "0" * 64}).status_code == 403, path
    session.expire_all()
    assert found.partnership.parties[0].organisation.partner_confirmed_at is None


def test_without_a_partner_session_every_partner_page_is_gone(client):
    for path in ("/partner/home", "/partner/organisation", "/partner/draft", "/partner/obligations"):
        assert client.get(path).status_code == 410
    assert client.post("/partner/organisation/confirm", data={"csrf_token": "0" * 64}).status_code == 410
    client.cookies.set("agreements_partner", "1.99999999999.forged", path="/partner")
    assert client.get("/partner/home").status_code == 410


def test_rate_limited_per_client_with_a_problem(client, session, people, found, settings, monkeypatch):
    _, token = link_for(session, people, found)
    import app.web.partner_area as area

    monkeypatch.setattr(area, "get_settings", lambda: settings.model_copy(update={"partner_requests_per_minute": 3}))
    answers = [client.get("/partner/" + "w" * 43).status_code for _ in range(4)]
    assert answers[:3] == [410, 410, 410] and answers[3] == 429
    limited = client.get(f"/partner/{token}")
    assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1  # the address is limited before the token is looked at


def test_the_partner_reads_their_own_language_and_may_switch(client, session, people, found):
    _, token = link_for(session, people, found, party=1)  # Omar Ba writes in French
    _open(client, token)
    home = client.get("/partner/home")
    assert 'lang="fr"' in home.text and "Vos obligations" in home.text
    csrf = _csrf(home.text)
    switched = client.post("/partner/language", data={"csrf_token": csrf, "language": "es", "next": "/partner/home"})
    assert switched.status_code == 200 and 'lang="es"' in switched.text


def test_staff_see_comments_and_decide_proposals_by_api(client, session, auth, people, found):
    from app.partner_links import partner

    link, _ = link_for(session, people, found)
    comment = partner.add_comment(session, link, "clause-3", "Three years, please.", "192.0.2.1")
    proposal = partner.propose_correction(session, link, {"organisation": {"short_name": "SWN"}}, None, "192.0.2.1")
    session.commit()
    _, headers = auth(user=people.lawyer)
    comments = client.get(f"{API}/agreements/{found.agreement.id}/partner-comments", headers=headers).json()
    assert [(c["anchor"], c["body"]) for c in comments["items"]] == [("clause-3", "Three years, please.")]
    assert "Fatou Sow" in comments["items"][0]["author"]
    resolved = client.post(f"{API}/partner-comments/{comment.id}/resolve", headers=headers)
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]
    assert_problem(
        client.post(f"{API}/partner-proposals/{proposal.id}/reject", json={}, headers=headers), 422, "reason"
    )
    accepted = client.post(f"{API}/partner-proposals/{proposal.id}/accept", headers=headers)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    session.expire_all()
    assert link.organisation.short_name == "SWN" and link.organisation.partner_confirmed_at is not None


def test_staff_list_and_download_a_reports_file(client, session, auth, people, found):
    from app.partner_links import reports

    link, _ = link_for(session, people, found)
    content = b"%PDF-1.4 quarterly report"
    reports.report_obligation(session, link, found.obligation.id, None, "Q1 report.pdf", content, "192.0.2.1")
    session.commit()
    _, headers = auth(Role.VIEWER)
    listed = client.get(f"{API}/obligations/{found.obligation.id}/partner-attachments", headers=headers).json()
    (item,) = listed["items"]
    assert item["file_name"] == "Q1 report.pdf" and item["media_type"] == "application/pdf"
    download = client.get(f"{API}/partner-attachments/{item['id']}", headers=headers)
    assert download.status_code == 200 and download.content == content
    assert "Q1%20report.pdf" in download.headers["content-disposition"]
    assert_problem(client.get(f"{API}/obligations/999999/partner-attachments", headers=headers), 404)
