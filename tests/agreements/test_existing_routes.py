"""Recording an agreement signed before the registry existed, through the API: upload, proposals, confirmation."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import func, select

from app.agreements import service as agreements
from app.agreements.existing import planned_reminder_count
from app.agreements.models import Agreement, DocumentVersion, Signature
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
from tests.builders import assert_problem, cast, database_snapshot, draft_agreement, partnership

API = "/api/v1"


def _extract(client, headers, partnership_id, content, name="mou.docx", media=DOCX, key=None):
    url = f"{API}/partnerships/{partnership_id}/existing-agreements/extract"
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(url, files={"file": (name, content, media)}, headers={**headers, **extra})


def _confirmation(upload: dict, owner, **changes) -> dict:
    proposals = upload["proposals"]
    partner = owner.parties[0]
    signed_on = proposals["signature_dates"][0]["value"]
    body = {
        "upload_id": upload["upload_id"],
        "document_sha256": upload["document_sha256"],
        "title": "MOU on legal aid for migrants",
        "effective_date": proposals["effective_date"]["value"],
        "end_date": proposals["end_date"]["value"],
        "notice_period_days": proposals["notice_period_days"]["value"],
        "parties": [
            {"party_id": None, "signatory_name": "Chief of Mission", "signed_on": signed_on},
            {"party_id": partner.id, "signatory_name": SIGNER, "signatory_title": "Executive Director",
             "signed_on": signed_on},
        ],
    }  # fmt: skip
    return body | changes


def _triggers(session, agreement_id: int) -> list[str]:
    return [event.trigger for event in engine.history(session, "agreement", agreement_id)]


def test_a_legal_officer_uploads_a_docx_confirms_and_the_agreement_comes_into_force(client, session, make_user, auth):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    _, lawyer = auth(user=people.lawyer)
    effective = today() - timedelta(days=200)
    content = docx_file(english_mou(effective))

    uploaded = _extract(client, lawyer, owner.id, content, key="upload-1")
    assert uploaded.status_code == 201, uploaded.text
    upload = uploaded.json()
    assert upload["document_sha256"] == hashlib.sha256(content).hexdigest() and upload["status"] == "draft"
    assert upload["media_type"] == DOCX and upload["text_read_with"] == "python-docx" and upload["language"] == "en"
    assert uploaded.headers["Location"].endswith(f"/existing-agreements/{upload['upload_id']}")
    proposals = upload["proposals"]
    assert proposals["effective_date"]["value"] == effective.isoformat()
    assert "shall enter into force on" in proposals["effective_date"]["snippet"]
    assert (
        proposals["notice_period_days"]["value"] == 60
        and "sixty (60) days'" in proposals["notice_period_days"]["snippet"]
    )
    assert proposals["term"]["value"] == 36 and "three (3) years" in proposals["end_date"]["snippet"]
    partner = next(p for p in proposals["parties"] if p["party_id"] == owner.parties[0].id)
    assert partner["organisation_name"] == PARTNER and PARTNER in partner["snippet"]
    assert any(p["is_self"] for p in proposals["parties"])
    assert (
        upload["digital_signatures"]["signed"] is False and "Word document" in upload["digital_signatures"]["summary"]
    )

    replay = _extract(client, lawyer, owner.id, content, key="upload-1")
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json()["upload_id"] == upload["upload_id"]
    assert session.scalar(select(func.count()).select_from(Agreement).where(Agreement.partnership_id == owner.id)) == 1

    again = client.get(f"{API}/partnerships/{owner.id}/existing-agreements/{upload['upload_id']}", headers=lawyer)
    assert again.status_code == 200 and again.json()["proposals"] == proposals

    confirmed = client.post(f"{API}/partnerships/{owner.id}/existing-agreements", json=_confirmation(upload, owner),
                            headers={**lawyer, "Idempotency-Key": "confirm-1"})  # fmt: skip
    assert confirmed.status_code == 201, confirmed.text
    recorded = confirmed.json()
    assert confirmed.headers["Location"] == f"{API}/agreements/{recorded['id']}"
    assert recorded["status"] == "active" and recorded["id"] == upload["upload_id"]
    assert (recorded["effective_date"], recorded["notice_period_days"]) == (effective.isoformat(), 60)
    assert recorded["approved_sha256"] == upload["document_sha256"] and recorded["approved_version_number"] == 1

    session.expire_all()
    agreement = session.get(Agreement, recorded["id"])
    assert _triggers(session, agreement.id) == ["create", "record_existing", "activate"]
    event = engine.history(session, "agreement", agreement.id)[1]
    assert event.payload["document_sha256"] == upload["document_sha256"]
    assert event.payload["evidence"].startswith(f"signed copy mou.docx (SHA-256 {upload['document_sha256']})")
    assert people.lawyer.full_name in event.payload["evidence"]
    assert agreement.partnership.stage == "formal"
    assert planned_reminder_count(session, agreement) > 0
    version = agreement.latest_version
    assert version.template_key is None and version.file_content == content and version.file_name == "mou.docx"
    signatures = {s.party_id: s for s in agreement.signatures}
    assert set(signatures) == {None, owner.parties[0].id}
    assert signatures[owner.parties[0].id].signatory_name == SIGNER
    assert all(s.document_sha256 == version.sha256 and s.document_version_id == version.id for s in signatures.values())

    replayed = client.post(f"{API}/partnerships/{owner.id}/existing-agreements", json=_confirmation(upload, owner),
                           headers={**lawyer, "Idempotency-Key": "confirm-1"})  # fmt: skip
    assert replayed.headers["Idempotent-Replayed"] == "true"
    twice = client.post(f"{API}/partnerships/{owner.id}/existing-agreements", json=_confirmation(upload, owner),
                        headers=lawyer)  # fmt: skip
    assert "already recorded" in assert_problem(twice, 409)["detail"]

    original = client.get(f"{API}/agreements/{agreement.id}/versions/1/file", headers=lawyer)
    assert original.content == content and original.headers["X-Content-SHA256"] == version.sha256


def test_an_old_agreement_is_recorded_then_expires_and_ends_the_partnership(client, session, make_user, auth):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    _, admin = auth(user=people.admin)
    upload = _extract(client, admin, owner.id, docx_file(english_mou(date(2023, 3, 1)))).json()
    assert upload["proposals"]["end_date"]["value"] == "2026-02-28"
    body = _confirmation(upload, owner, parties=[{"party_id": owner.parties[0].id}])
    confirmed = client.post(f"{API}/partnerships/{owner.id}/existing-agreements", json=body, headers=admin)
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["status"] == "expired"
    session.expire_all()
    agreement = session.get(Agreement, upload["upload_id"])
    assert _triggers(session, agreement.id) == ["create", "record_existing", "activate", "expire"]
    assert agreement.partnership.stage == "ended" and agreement.signatures == []
    assert planned_reminder_count(session, agreement) == 0


def test_a_digitally_signed_pdf_shows_its_signer_and_intact(client, session, make_user, auth):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    _, lawyer = auth(Role.LEGAL_OFFICER)  # any legal officer, not only the partnership's
    content = signed_pdf(pdf_file(english_mou(today() - timedelta(days=30))))
    upload = _extract(client, lawyer, owner.id, content, "signed.pdf", "application/pdf")
    assert upload.status_code == 201, upload.text
    body = upload.json()
    assert body["media_type"] == "application/pdf" and body["pages"] >= 1
    report = body["digital_signatures"]
    (signature,) = report["signatures"]
    assert report["signed"] and signature["signer"] == SIGNER
    assert signature["intact"] and signature["integrity"].startswith("intact")
    assert not signature["trusted"] and "no trust root configured" in signature["trust"]
    assert body["proposals"]["notice_period_days"]["value"] == 60


def test_nothing_is_recorded_before_confirmation(client, session, make_user, auth):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    _, lawyer = auth(user=people.lawyer)
    upload = _extract(client, lawyer, owner.id, docx_file(english_mou(today() - timedelta(days=10)))).json()
    session.expire_all()
    agreement = session.get(Agreement, upload["upload_id"])
    assert agreement.status == "draft" and agreement.effective_date is None and agreement.end_date is None
    assert agreement.signatures == [] and agreement.approved_sha256 is None
    assert _triggers(session, agreement.id) == ["create"]
    assert agreement.partnership.stage == "formalising" and planned_reminder_count(session, agreement) == 0


def test_project_managers_and_viewers_are_refused(client, session, make_user, auth):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    _, lawyer = auth(user=people.lawyer)
    upload = _extract(client, lawyer, owner.id, docx_file(english_mou(today()))).json()
    for headers in (auth(user=people.manager)[1], auth(Role.VIEWER)[1]):
        before = database_snapshot(session)
        assert_problem(_extract(client, headers, owner.id, docx_file(english_mou(today()))), 403)
        url = f"{API}/partnerships/{owner.id}/existing-agreements"
        assert_problem(client.post(url, json=_confirmation(upload, owner), headers=headers), 403)
        assert_problem(client.get(f"{url}/{upload['upload_id']}", headers=headers), 403)
        assert database_snapshot(session) == before


def test_an_informal_partnership_must_start_formalising_first(client, session, make_user, auth):
    people = cast(make_user)
    early = partnership(session, people.manager, recordable_partnership(session, people).parties[0].organisation)
    _, lawyer = auth(user=people.lawyer)
    refused = _extract(client, lawyer, early.id, docx_file(english_mou(today())))
    assert "start formalising it before recording a signed agreement" in assert_problem(refused, 409)["detail"]


def test_files_that_are_not_pdf_or_docx_are_refused_naming_the_field(client, session, make_user, auth):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    _, lawyer = auth(user=people.lawyer)
    before = database_snapshot(session)
    assert_problem(_extract(client, lawyer, owner.id, b"Plain text MOU", "mou.docx", DOCX), 415, "file")
    assert_problem(_extract(client, lawyer, owner.id, b"%PDF-1.4 broken", "mou.pdf", "application/pdf"), 422, "file")
    missing = client.post(f"{API}/partnerships/{owner.id}/existing-agreements/extract", headers=lawyer)
    assert_problem(missing, 422, "file")
    assert database_snapshot(session) == before


def test_the_confirmation_names_every_wrong_field(client, session, make_user, auth):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    _, lawyer = auth(user=people.lawyer)
    upload = _extract(client, lawyer, owner.id, docx_file(english_mou(today() - timedelta(days=3)))).json()
    url = f"{API}/partnerships/{owner.id}/existing-agreements"
    tomorrow = (today() + timedelta(days=1)).isoformat()
    cases = [
        ({"document_sha256": "0" * 64}, "document_sha256"),
        ({"parties": [{"party_id": None}]}, "parties"),
        ({"parties": [{"party_id": owner.parties[0].id, "signatory_title": "Director"}]}, "parties[0].signatory_name"),
        ({"parties": [{"party_id": owner.parties[0].id, "signatory_name": "A", "signed_on": tomorrow}]},
         "parties[0].signed_on"),
        ({"parties": [{"party_id": owner.parties[0].id}, {"party_id": 999999}]}, "parties[1].party_id"),
        ({"end_date": upload["proposals"]["effective_date"]["value"]}, "end_date"),
        ({"kind": "amendment"}, "parent_id"),
    ]  # fmt: skip
    for changes, field in cases:
        assert_problem(client.post(url, json=_confirmation(upload, owner, **changes), headers=lawyer), 422, field)
    session.expire_all()
    assert session.get(Agreement, upload["upload_id"]).status == "draft"


def test_never_drafted_here_refuses_a_template_drafted_agreement(client, session, make_user, auth):
    people = cast(make_user)
    owner = recordable_partnership(session, people)
    drafted = draft_agreement(session, people, owner)
    agreements.add_version(session, drafted.id, "MOU text", people.lawyer, template_key="mou", template_version="1")
    content = docx_file(english_mou(today()))
    copy = agreements.add_version(session, drafted.id, "signed text", people.lawyer, variables={"signed_copy": True},
                                  file=(content, DOCX, "signed.docx"))  # fmt: skip
    session.commit()
    _, lawyer = auth(user=people.lawyer)

    body = {"upload_id": drafted.id, "document_sha256": copy.sha256, "title": drafted.title,
            "effective_date": drafted.effective_date.isoformat(), "end_date": drafted.end_date.isoformat(),
            "parties": [{"party_id": p.id} for p in owner.parties]}  # fmt: skip
    refused = client.post(f"{API}/partnerships/{owner.id}/existing-agreements", json=body, headers=lawyer)
    assert "drafted from a template here" in assert_problem(refused, 409)["detail"]

    transition = {"payload": {"evidence": "a paper copy in the registry"}}
    fired = client.post(f"{API}/agreements/{drafted.id}/transitions/record_existing", json=transition, headers=lawyer)
    assert "drafted from a template here" in assert_problem(fired, 409)["detail"]
    session.expire_all()
    assert session.get(Agreement, drafted.id).status == "draft"
    assert session.scalar(select(func.count()).select_from(Signature).where(Signature.agreement_id == drafted.id)) == 0
    assert session.scalar(select(func.count()).select_from(DocumentVersion).where(
        DocumentVersion.agreement_id == drafted.id)) == 3  # fmt: skip
