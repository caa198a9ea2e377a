"""A partner signs for their own party through the partner link: the consent in their language, the version's hash,
the link as the signature's channel, audited; the last signature makes the agreement signed through the engine."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.agreements import signing
from app.agreements.models import SignatureMethod
from app.partner_links.models import PartnerLinkUse
from app.partner_links.service import issue_partner_link
from app.web.partner_area import LIMITER
from app.workflow.actor import Actor
from app.workflow.definition import states
from tests.builders import advance, cast, draft_agreement

EMAILS = ("fatou@sahel.example.org", "omar@imr.example.org")


@pytest.fixture
def people(make_user):
    return cast(make_user)


@pytest.fixture(autouse=True)
def _fresh_limits():
    LIMITER.clear()
    yield
    LIMITER.clear()


def _approved(session, people):
    agreement = draft_agreement(session, people)
    for party, email in zip(agreement.partnership.parties, EMAILS, strict=True):
        party.organisation.contacts[0].email = email
    agreement.partnership.parties[1].organisation.contacts[0].language = "fr"
    session.commit()
    for trigger in ("submit_for_review", "approve"):
        advance(session, agreement, trigger, people)
        session.commit()
    return agreement


def _open(client, session, people, agreement, party: int):
    contact = agreement.partnership.parties[party].organisation.contacts[0]
    link, url = issue_partner_link(session, agreement.partnership_id, contact.id, actor=people.lawyer)
    session.commit()
    assert client.get(f"/partner/{url.rsplit('/', 1)[1]}", follow_redirects=False).status_code == 303
    return link


def _form(page: str, agreement, **fields):
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page).group(1)
    sha = re.search(r'name="version_sha256" value="([0-9a-f]{64})"', page).group(1)
    return {"csrf_token": csrf, "version_sha256": sha, "typed_name": "Fatou Sow", "signatory_title": "Director",
            "consent": "yes", **fields}  # fmt: skip


def test_the_partner_signs_their_party_with_consent_hash_and_the_link_recorded(client, session, people) -> None:
    agreement = _approved(session, people)
    link = _open(client, session, people, agreement, 0)
    page = client.get("/partner/sign")
    assert page.status_code == 200 and agreement.reference in page.text
    assert agreement.latest_version.sha256 in page.text and "By typing my name" in page.text

    refused = client.post(f"/partner/sign/{agreement.id}", data=_form(page.text, agreement, consent=""))
    assert refused.status_code == 422 and "Tick the box" in refused.text
    stale = client.post(f"/partner/sign/{agreement.id}", data=_form(page.text, agreement, version_sha256="0" * 64))
    assert stale.status_code == 422

    signed = client.post(f"/partner/sign/{agreement.id}", data=_form(page.text, agreement), follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/partner/sign?done=thanks"
    session.expire_all()
    (signature,) = [s for s in agreement.signatures if s.party_id == link.party_id]
    assert signature.method is SignatureMethod.ELECTRONIC and signature.via_link_id == link.id
    assert signature.typed_name == "Fatou Sow" and signature.document_sha256 == agreement.latest_version.sha256
    assert "Fatou Sow" not in signature.consent_text and agreement.reference in signature.consent_text
    assert signature.recorded_by_id == people.lawyer.id  # the link's sender answers for what came through it
    uses = session.scalars(select(PartnerLinkUse.action).where(PartnerLinkUse.link_id == link.id)).all()
    assert "sign" in uses
    assert agreement.status in states("agreement", group="awaiting_signatures")  # the others have not signed
    assert "No agreement awaits" in client.get("/partner/sign").text
    again = client.post(f"/partner/sign/{agreement.id}", data=_form(page.text, agreement))
    assert again.status_code == 409


def test_the_last_signature_through_the_link_signs_the_agreement_in_the_partners_language(
    client, session, people
) -> None:
    agreement = _approved(session, people)
    sha = agreement.latest_version.sha256
    for row in signing.awaited(session, agreement):
        if row.party is None or row.party.id == agreement.partnership.parties[0].id:
            signing.sign_electronically(
                session, agreement, row.party, typed_name="Present", signatory_title="Head",
                consent_text=signing.consent_text("en", agreement=agreement, party_name=row.name, version_sha256=sha),
                version_sha256=sha, via_link_id=None, actor=Actor.person(people.lawyer),
            )  # fmt: skip
    session.commit()
    _open(client, session, people, agreement, 1)  # the French-speaking focal point
    page = client.get("/partner/sign")
    assert "En saisissant mon nom" in page.text
    signed = client.post(f"/partner/sign/{agreement.id}", data=_form(page.text, agreement), follow_redirects=False)
    assert signed.status_code == 303
    session.expire_all()
    assert agreement.status in states("agreement", group="signed_and_in_force")
    last = next(s for s in agreement.signatures if s.party_id == agreement.partnership.parties[1].id)
    assert last.consent_language == "fr" and last.consent_text.startswith("En saisissant mon nom")


def test_a_link_cannot_sign_another_partnerships_agreement(client, session, people) -> None:
    mine, theirs = _approved(session, people), _approved(session, people)
    _open(client, session, people, mine, 0)
    page = client.get("/partner/sign")
    refused = client.post(f"/partner/sign/{theirs.id}", data=_form(page.text, mine))
    assert refused.status_code == 409
    session.expire_all()
    assert theirs.signatures == []
