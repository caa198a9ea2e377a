"""Every party signs for itself: per-party evidence, bound to the approved version's hash; signed once all have."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from app import clock
from app.agreements import signing
from app.agreements.models import SignatureMethod
from app.agreements.rules import signing_parties
from app.config import get_settings
from app.errors import Conflict, Forbidden, ValidationFailed
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import advance, cast, draft_agreement

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def people(make_user):
    return cast(make_user)


def _approved(session, people, partners=2):
    from tests.builders import formalising_partnership

    agreement = draft_agreement(session, people, formalising_partnership(session, people, partners))
    for trigger in ("submit_for_review", "approve"):
        advance(session, agreement, trigger, people)
    session.commit()
    return agreement


def _today():
    return clock.today(get_settings().zone)


def test_each_party_signs_on_its_own_and_the_last_signature_signs_the_agreement(session, people):
    agreement = _approved(session, people)
    sha = agreement.approved_sha256
    first, second = signing_parties(agreement)
    lawyer = Actor.person(people.lawyer)
    assert [row.key for row in signing.awaited(session, agreement)] == ["organisation", str(first.id), str(second.id)]

    # A partner first, electronically, through a partner link (the system acting): evidence kept verbatim.
    consent = signing.consent_text("fr", agreement=agreement, party_name="Partner One", version_sha256=sha)
    assert sha in consent and "électronique" in consent
    electronic = signing.sign_electronically(
        session, agreement, second, typed_name="  Amina   Odhiambo ", signatory_title="Director", consent_text=consent,
        version_sha256=sha, via_link_id=77, actor=Actor.system(reason="partner link 77"), consent_language="fr",
    )  # fmt: skip
    session.commit()
    assert agreement.status == "approved"
    assert (electronic.method, electronic.typed_name, electronic.consent_text, electronic.via_link_id) == (
        SignatureMethod.ELECTRONIC, "Amina Odhiambo", consent, 77,
    )  # fmt: skip
    assert electronic.document_sha256 == sha and electronic.signed_at is not None
    assert [row.key for row in signing.awaited(session, agreement)] == ["organisation", str(first.id)]

    # The organisation on paper: the scan stored with its hash.
    scan = b"%PDF-1.7\n" + b"signed page" * 10
    wet = signing.record_wet_ink(
        session, agreement, None, signatory_name="Director General", signatory_title="DG", signed_on=_today(),
        scan=scan, file_name="dg.pdf", version_sha256=sha, actor=lawyer,
    )  # fmt: skip
    session.commit()
    assert (wet.method, wet.scan_media_type, wet.scan_sha256) == (
        SignatureMethod.WET_INK, "application/pdf", hashlib.sha256(scan).hexdigest(),
    )  # fmt: skip
    assert wet.scan_content == scan and wet.recorded_by_id == people.lawyer.id
    assert agreement.status == "approved"

    # The last one (an image scan) fires record_signatures through the engine, by the legal officer, then activate.
    signing.record_wet_ink(
        session, agreement, first, signatory_name="Jo", signatory_title="Chair", signed_on=_today(), scan=PNG,
        file_name="jo.png", version_sha256=sha, actor=lawyer,
    )  # fmt: skip
    session.commit()
    assert agreement.status == "active"  # its effective date had passed: in force at signature
    events = engine.history(session, "agreement", agreement.id)
    assert [(e.trigger, e.actor_id) for e in events[-2:]] == [("record_signatures", people.lawyer.id),
                                                             ("activate", people.lawyer.id)]  # fmt: skip
    assert len(agreement.signatures) == 3 and signing.awaited(session, agreement) == []


def test_a_stale_version_a_second_signature_and_wrong_roles_are_refused(session, people):
    agreement = _approved(session, people)
    party = signing_parties(agreement)[0]
    lawyer = Actor.person(people.lawyer)
    kwargs = dict(typed_name="A", signatory_title="B", consent_text="I agree", via_link_id=None)
    with pytest.raises(ValidationFailed) as stale:
        signing.sign_electronically(session, agreement, party, version_sha256="0" * 64, actor=lawyer, **kwargs)
    assert stale.value.problems[0].field == "version_sha256"
    with pytest.raises(Forbidden):
        signing.sign_electronically(session, agreement, party, version_sha256=agreement.approved_sha256,
                                    actor=Actor.person(people.manager), **kwargs)  # fmt: skip
    signing.sign_electronically(session, agreement, party, version_sha256=agreement.approved_sha256, actor=lawyer,
                                **kwargs)  # fmt: skip
    with pytest.raises(Conflict):
        signing.sign_electronically(session, agreement, party, version_sha256=agreement.approved_sha256,
                                    actor=lawyer, **kwargs)  # fmt: skip
    with pytest.raises(ValidationFailed) as bad_scan:
        signing.record_wet_ink(session, agreement, None, signatory_name="X", signatory_title="Y", signed_on=_today(),
                               scan=b"GIF89a", file_name="x.gif", version_sha256=agreement.approved_sha256,
                               actor=lawyer)  # fmt: skip
    assert bad_scan.value.problems[0].field == "file"
    with pytest.raises(ValidationFailed) as future:
        signing.record_wet_ink(session, agreement, None, signatory_name="X", signatory_title="Y",
                               signed_on=_today() + timedelta(days=1), scan=PNG, file_name="x.png",
                               version_sha256=agreement.approved_sha256, actor=lawyer)  # fmt: skip
    assert future.value.problems[0].field == "signed_on"


def test_recording_the_rest_at_once_completes_what_parties_signed_on_their_own(session, people):
    agreement = _approved(session, people)
    party = signing_parties(agreement)[0]
    signing.sign_electronically(
        session, agreement, party, typed_name="A", signatory_title="B", consent_text="I agree",
        version_sha256=agreement.approved_sha256, via_link_id=None, actor=Actor.person(people.lawyer),
    )  # fmt: skip
    session.commit()
    rest = [
        {"party_id": p, "signatory_name": "N", "signatory_title": "T", "signed_on": _today().isoformat()}
        for p in [None, signing_parties(agreement)[1].id]
    ]
    with pytest.raises(engine.TransitionBlocked) as twice:
        payload = {"signatures": [*rest, {**rest[0], "party_id": party.id}]}
        engine.fire(session, "agreement", agreement, "record_signatures", Actor.person(people.lawyer), payload=payload)
    assert any("has already signed" in reason for reason in twice.value.reasons)
    engine.fire(session, "agreement", agreement, "record_signatures", Actor.person(people.lawyer),
                payload={"signatures": rest})  # fmt: skip
    session.commit()
    assert agreement.status == "active"
    assert sorted(s.method for s in agreement.signatures) == ["electronic", "recorded", "recorded"]


def test_without_payload_record_signatures_still_needs_every_signature(session, people):
    agreement = _approved(session, people)
    with pytest.raises(engine.TransitionBlocked) as blocked:
        engine.fire(session, "agreement", agreement, "record_signatures", Actor.person(people.lawyer))
    assert sum("is missing" in reason for reason in blocked.value.reasons) == 3
