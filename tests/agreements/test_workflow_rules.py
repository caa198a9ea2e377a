"""The agreement workflow's guards and effects: why a transition is blocked, and what else it moves."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from app import clock
from app.agreements import service
from app.agreements.models import AgreementKind, DocumentVersion
from app.agreements.schemas import AgreementUpdate
from app.config import get_settings
from app.errors import Conflict, Forbidden, ValidationFailed
from app.obligations import service as obligations
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.engine import TransitionBlocked
from tests.builders import SYSTEM, acting, advance, cast, database_snapshot, draft_agreement, signatures_for


@pytest.fixture
def people(make_user):
    return cast(make_user)


def _today():
    return clock.today(get_settings().zone)


def _blocked(session, agreement, trigger, actor, payload=None, comment=None) -> list[str]:
    before = database_snapshot(session)
    with pytest.raises(TransitionBlocked) as caught:
        engine.fire(session, "agreement", agreement, trigger, acting(actor), comment, payload=payload)
    assert database_snapshot(session) == before  # a refused transition writes nothing
    return caught.value.reasons


def _to(session, agreement, people, *triggers):
    for trigger in triggers:
        advance(session, agreement, trigger, people)


def test_submitting_needs_a_complete_version_a_term_and_an_obligation_per_party(session, people):
    agreement = draft_agreement(session, people, complete=False)
    agreement.end_date = None
    session.commit()
    partners = [party.organisation.legal_name for party in agreement.partnership.parties]
    reasons = _blocked(session, agreement, "submit_for_review", people.manager)
    assert "no document version has been generated yet" in reasons
    assert "the end date of the agreement is missing" in reasons
    assert f"no obligation is recorded for {get_settings().organisation_name}" in reasons
    assert all(f"no obligation is recorded for {name}" in reasons for name in partners)

    service.add_version(session, agreement.id, "Text", people.manager, missing_fields=["the end date is missing"])
    reasons = _blocked(session, agreement, "submit_for_review", people.manager)
    assert "version 1 is incomplete: the end date is missing" in reasons


def test_approval_is_by_another_legal_officer_and_binds_the_version_hash(session, people):
    agreement = draft_agreement(session, people)
    engine.fire(session, "agreement", agreement, "submit_for_review", Actor.person(people.lawyer))
    assert agreement.submitted_by_id == people.lawyer.id

    reasons = _blocked(session, agreement, "approve", people.lawyer)
    assert reasons == ["you submitted this version; another legal officer must approve it (four eyes)"]
    with pytest.raises(Forbidden, match="only a legal officer may do this"):
        engine.fire(session, "agreement", agreement, "approve", Actor.person(people.manager))
    stale = {"version_sha256": "0" * 64}
    reasons = _blocked(session, agreement, "approve", people.second_lawyer, payload=stale)
    assert reasons[0].startswith("the version you reviewed is not the current one")

    version = agreement.latest_version
    payload = {"version_sha256": version.sha256.upper()}
    engine.fire(session, "agreement", agreement, "approve", Actor.person(people.second_lawyer),
                payload=payload)  # fmt: skip
    assert agreement.status == "approved"
    assert (agreement.approved_version_number, agreement.approved_sha256) == (version.number, version.sha256)
    assert agreement.approved_by_id == people.second_lawyer.id and agreement.approved_at is not None


def test_availability_says_why_without_changing_anything(session, people):
    agreement = draft_agreement(session, people)
    engine.fire(session, "agreement", agreement, "submit_for_review", Actor.person(people.lawyer))
    before = database_snapshot(session)
    options = {a.trigger: a for a in engine.available(session, "agreement", agreement, Actor.person(people.lawyer))}
    assert database_snapshot(session) == before
    assert not options["approve"].allowed and "four eyes" in options["approve"].reasons[0]
    assert [f.name for f in options["approve"].payload] == ["version_sha256"]
    assert options["request_changes"].allowed and options["request_changes"].comment_required
    second = Actor.person(people.second_lawyer)
    others = {a.trigger: a for a in engine.available(session, "agreement", agreement, second)}
    assert others["approve"].allowed


def test_signatures_need_every_party_no_future_date_and_none_before_approval(session, people):
    agreement = draft_agreement(session, people)
    _to(session, agreement, people, "submit_for_review", "approve")
    lawyer, today = people.lawyer, _today()
    signatures = signatures_for(agreement)
    tomorrow, last_week = (today + timedelta(days=1)).isoformat(), (today - timedelta(days=7)).isoformat()
    wrong = [
        {**signatures[0], "signed_on": tomorrow},
        {**signatures[1], "signed_on": last_week},
        {**signatures[1]},
        {**signatures[1], "party_id": 999_999},
    ]
    reasons = _blocked(session, agreement, "record_signatures", lawyer, payload={"signatures": wrong})
    organisation, partner = get_settings().organisation_name, agreement.partnership.parties[0].organisation.legal_name
    second_partner = agreement.partnership.parties[1].organisation.legal_name
    assert f"the signature date of {organisation} ({tomorrow}) is in the future" in reasons
    assert any(r.startswith(f"the signature date of {partner} ({last_week}) is before the approval") for r in reasons)
    assert f"{partner} is listed twice" in reasons
    assert "party 999999 is not a party to this agreement" in reasons
    assert f"the signature of {second_partner} is missing" in reasons

    with pytest.raises(ValidationFailed) as caught:
        engine.fire(session, "agreement", agreement, "record_signatures", Actor.person(lawyer),
                    payload={"signatures": [{**signatures[0], "signatory_title": " "}]})  # fmt: skip
    assert caught.value.problems[0].field == "payload.signatures[0].signatory_title"

    engine.fire(session, "agreement", agreement, "record_signatures", Actor.person(lawyer),
                payload={"signatures": signatures})  # fmt: skip
    assert agreement.status == "active"  # its effective date has passed: in force at signature
    assert {s.document_sha256 for s in agreement.signatures} == {agreement.approved_sha256}
    assert len(agreement.signatures) == len(signatures)


def test_signatures_refuse_a_document_changed_after_approval(session, people):
    agreement = draft_agreement(session, people)
    _to(session, agreement, people, "submit_for_review", "approve")
    # Nothing in the application adds a version after approval; a row written behind its back is caught.
    agreement.document_versions.append(DocumentVersion(number=2, body="Other text", sha256="f" * 64))
    session.flush()
    reasons = _blocked(session, agreement, "record_signatures", people.lawyer,
                       payload={"signatures": signatures_for(agreement)})  # fmt: skip
    assert reasons[0].startswith("the document changed after approval")


def test_activation_is_automatic_on_the_effective_date_and_makes_the_partnership_formal(session, people):
    agreement = draft_agreement(session, people, effective=_today() + timedelta(days=10))
    _to(session, agreement, people, "submit_for_review", "approve", "record_signatures")
    with pytest.raises(Forbidden, match="automatically"):
        engine.fire(session, "agreement", agreement, "activate", Actor.person(people.admin))
    reasons = _blocked(session, agreement, "activate", None)
    assert reasons and "has not been reached" in reasons[0]
    assert agreement.partnership.stage == "formalising"
    effective = datetime.combine(agreement.effective_date, time(9), tzinfo=get_settings().zone)
    with clock.frozen_at(effective):
        engine.fire(session, "agreement", agreement, "activate", SYSTEM)
    assert agreement.status == "active"
    assert agreement.partnership.stage == "formal"
    moved = engine.history(session, "partnership", agreement.partnership_id)[-1]
    assert (moved.trigger, moved.actor_id, moved.to_state) == ("agreement_in_force", None, "formal")


def test_an_amendment_in_force_supersedes_its_parent_and_the_partnership_stays_formal(session, people):
    mou = draft_agreement(session, people)
    _to(session, mou, people, "submit_for_review", "approve", "record_signatures", "activate")
    amendment = draft_agreement(session, people, mou.partnership, kind=AgreementKind.AMENDMENT, parent=mou)
    for obligation in obligations.list_for_agreement(session, amendment.id):
        session.delete(obligation)  # an amendment carries over its parent's obligations
    session.flush()
    _to(session, amendment, people, "submit_for_review", "approve", "record_signatures", "activate")
    assert (mou.status, amendment.status) == ("superseded", "active")
    assert mou.partnership.stage == "formal"
    assert engine.history(session, "agreement", mou.id)[-1].comment == f"Replaced by: {amendment.title}"


def test_the_last_agreement_ending_ends_the_partnership_but_not_before(session, people):
    first = draft_agreement(session, people, end=_today() + timedelta(days=100))
    second = draft_agreement(session, people, first.partnership, end=_today() + timedelta(days=200))
    for agreement in (first, second):
        _to(session, agreement, people, "submit_for_review", "approve", "record_signatures", "activate")
    _to(session, first, people, "expire")
    assert first.partnership.stage == "formal"
    _to(session, second, people, "terminate")
    assert second.partnership.stage == "ended"
    assert second.termination_reason == "The partner closed its office"
    assert second.terminated_on == _today() + timedelta(days=second.notice_period_days)


def test_expiry_waits_for_the_end_date(session, people):
    agreement = draft_agreement(session, people)
    _to(session, agreement, people, "submit_for_review", "approve", "record_signatures", "activate")
    reasons = _blocked(session, agreement, "expire", None)
    assert reasons == [f"the end date ({agreement.end_date}) has not passed"]


def test_termination_respects_the_notice_period_unless_an_admin_overrides_it(session, people):
    agreement = draft_agreement(session, people, notice=60)
    _to(session, agreement, people, "submit_for_review", "approve", "record_signatures", "activate")
    soon = (_today() + timedelta(days=10)).isoformat()
    earliest = _today() + timedelta(days=60)
    payload = {"reason": "Funding ended", "termination_date": soon}
    reasons = _blocked(session, agreement, "terminate", people.lawyer, payload=payload)
    assert reasons == [
        f"the notice period is 60 days: the earliest termination date is {earliest} "
        "(an admin may override it with a justification)"
    ]
    override = {**payload, "override_justification": "Serious misconduct established by the audit"}
    assert _blocked(session, agreement, "terminate", people.lawyer, payload=override) == [
        "only an admin may override the notice period"
    ]
    late = {"reason": "Late", "termination_date": (agreement.end_date + timedelta(days=1)).isoformat()}
    assert "let it expire instead" in _blocked(session, agreement, "terminate", people.admin, payload=late)[0]
    event = engine.fire(session, "agreement", agreement, "terminate", Actor.person(people.admin),
                        payload=override)  # fmt: skip
    assert agreement.status == "terminated" and agreement.terminated_on.isoformat() == soon
    assert event.payload["override_justification"] == override["override_justification"]
    assert agreement.partnership.stage == "ended"


def test_a_justification_is_required_to_cancel_request_changes_or_suspend(session, people):
    agreement = draft_agreement(session, people)
    with pytest.raises(ValidationFailed) as caught:
        engine.fire(session, "agreement", agreement, "cancel", Actor.person(people.manager), "  ")
    assert caught.value.problems[0].field == "comment"
    with pytest.raises(ValidationFailed) as caught:
        engine.fire(session, "agreement", agreement, "cancel", Actor.person(people.manager), "Obsolete",
                    payload={"surprise": 1})  # fmt: skip
    assert caught.value.problems[0].field == "payload.surprise"
    engine.fire(session, "agreement", agreement, "cancel", Actor.person(people.manager), "Obsolete")
    assert agreement.status == "cancelled"


def test_drafting_facts_are_frozen_once_submitted(session, people):
    agreement = draft_agreement(session, people)
    _to(session, agreement, people, "submit_for_review")
    with pytest.raises(Conflict, match="the agreement is in review by a legal officer"):
        service.update_agreement(session, agreement.id, AgreementUpdate(title="Changed"), actor=people.manager)
    with pytest.raises(Conflict, match="the agreement is in review by a legal officer"):
        service.add_version(session, agreement.id, "New text", people.manager)
    _to(session, agreement, people, "request_changes")
    version = service.add_version(session, agreement.id, "New text", people.manager)
    assert version.number == 2
    assert [v.number for v in service.list_versions(session, agreement.id)] == [1, 2]  # nothing overwritten
