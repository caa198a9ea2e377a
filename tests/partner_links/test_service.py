"""Partner links, service level: hashed tokens, expiry, revocation, scope, audit, proposals, comments, reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.errors import Forbidden, ValidationFailed
from app.partner_links import partner, reports, service
from app.partner_links.models import PartnerLinkUse, ProposalStatus
from app.partner_links.service import PartnerLinkRefused
from app.quality.models import QualityScore
from app.reminders.models import Reminder, ReminderKind
from app.users.models import Role
from app.users.service import hash_token
from app.workflow.models import TransitionEvent
from tests.builders import cast
from tests.partner_links.support import link_for, scene

CLIENT = "203.0.113.57"


@pytest.fixture
def people(make_user):
    return cast(make_user)


@pytest.fixture
def found(session, people):
    return scene(session, people)


def test_the_token_is_random_long_and_stored_only_as_its_hash(session, people, found):
    link, token = link_for(session, people, found)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert link.token_hash == hash_token(token)
    assert token not in (link.sealed_token or "")
    assert service.unseal(link.sealed_token) == token
    other_link, other = link_for(session, people, found)
    assert other != token and other_link.token_hash != link.token_hash


def test_sending_writes_the_email_to_the_outbox_not_the_wire(session, people, found):
    link, _ = link_for(session, people, found)
    reminder = session.scalar(select(Reminder).where(Reminder.kind == ReminderKind.PARTNER_LINK))
    assert reminder.subject_id == link.id and reminder.recipient_email == "fatou@sahel.example.org"
    assert reminder.status == "planned"


def test_a_live_token_resolves_and_a_wrong_one_is_refused(session, people, found):
    link, token = link_for(session, people, found)
    assert service.resolve_partner_link(session, token).id == link.id
    for wrong in ("", token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 500):
        with pytest.raises(PartnerLinkRefused):
            service.resolve_partner_link(session, wrong)


def test_an_expired_and_a_revoked_link_are_refused_with_the_same_words(session, people, found):
    link, token = link_for(session, people, found, days=1)
    with clock.frozen_at(clock.now() + timedelta(days=1, seconds=1)), pytest.raises(PartnerLinkRefused) as expired:
        service.resolve_partner_link(session, token)
    service.revoke_partner_link(session, link.id, actor=people.lawyer)
    with pytest.raises(PartnerLinkRefused) as revoked:
        service.resolve_partner_link(session, token)
    with pytest.raises(PartnerLinkRefused) as unknown:
        service.resolve_partner_link(session, "no-such-token-" + "x" * 30)
    assert str(expired.value) == str(revoked.value) == str(unknown.value)
    assert link.sealed_token is None  # nothing left to send


def test_expiry_is_configurable_within_the_maximum(session, people, found, settings):
    link, _ = link_for(session, people, found, days=7)
    assert link.expires_at - link.created_at == timedelta(days=7)
    default, _ = link_for(session, people, found)
    assert default.expires_at - default.created_at == timedelta(days=settings.partner_link_days)
    with pytest.raises(ValidationFailed) as refused:
        link_for(session, people, found, days=settings.partner_link_max_days + 1)
    assert refused.value.problems[0].field == "days"


def test_only_owners_legal_officers_and_admins_send_links(session, people, found, make_user):
    contact = found.partnership.parties[0].organisation.contacts[0]
    for outsider in (make_user(Role.PROJECT_MANAGER), make_user(Role.VIEWER)):
        with pytest.raises(Forbidden):
            service.issue_partner_link(session, found.partnership.id, contact.id, actor=outsider)
    for sender in (people.manager, people.lawyer, people.second_lawyer, people.admin):
        service.issue_partner_link(session, found.partnership.id, contact.id, actor=sender)


def test_the_contact_must_belong_to_a_party_and_have_an_email(session, people, found):
    from tests.builders import organisation

    stranger = organisation(session, contacts=[{"name": "Nobody", "email": "no@example.org"}])
    with pytest.raises(ValidationFailed):
        service.issue_partner_link(session, found.partnership.id, stranger.contacts[0].id, actor=people.lawyer)
    contact = found.partnership.parties[0].organisation.contacts[0]
    contact.email = None
    with pytest.raises(ValidationFailed):
        service.issue_partner_link(session, found.partnership.id, contact.id, actor=people.lawyer)


def test_every_use_is_audited_with_a_truncated_hashed_address(session, people, found):
    link, _token = link_for(session, people, found)
    service.record_use(session, link, "open", CLIENT)
    partner.confirm_facts(session, link, "203.0.113.99")
    uses = session.scalars(select(PartnerLinkUse).where(PartnerLinkUse.link_id == link.id)).all()
    assert [use.action for use in uses] == ["open", "confirm_facts"]
    assert uses[0].client == uses[1].client  # the same /24
    assert CLIENT not in uses[0].client and len(uses[0].client) == 32
    assert service.client_digest("198.51.100.1") != uses[0].client
    assert link.last_used_at is not None


def test_a_link_sees_only_its_own_party_and_partnership(session, people, found):
    link, _ = link_for(session, people, found, party=0)
    mine = reports.partner_obligations(session, link)
    assert [o.id for o in mine] == [found.obligation.id]
    with pytest.raises(Exception) as refused:
        reports.report_obligation(session, link, found.other_obligation.id, None, "r.txt", b"report", CLIENT)
    assert getattr(refused.value, "status", None) == 404
    facts = partner.facts(link)
    assert {c["email"] for c in facts["contacts"]} == {"fatou@sahel.example.org"}
    other = scene(session, people)
    other_link, _ = link_for(session, people, other)
    with pytest.raises(Exception) as across:
        reports.report_obligation(session, other_link, found.obligation.id, None, "r.txt", b"report", CLIENT)
    assert getattr(across.value, "status", None) == 404


def test_confirming_records_the_date_and_raises_the_quality_score(session, people, found):
    link, _ = link_for(session, people, found)
    organisation = link.organisation
    session.commit()

    def score():
        session.expire_all()
        row = session.get(QualityScore, ("organisation", organisation.id))
        return row.score_fresh

    before = score()
    partner.confirm_facts(session, link, CLIENT)
    session.commit()
    assert organisation.partner_confirmed_at is not None
    assert score() > before


def test_a_correction_is_a_proposal_applied_only_when_accepted(session, people, found):
    link, _ = link_for(session, people, found)
    organisation = link.organisation
    old_name = organisation.legal_name
    changes = {
        "organisation": {"legal_name": "Sahel Women's Network", "short_name": "SWN"},
        "contacts": [{"id": organisation.contacts[0].id, "phone": "+227 20 00 00 00"}, {"id": None, "name": "Awa Ka"}],
    }
    proposal = partner.propose_correction(session, link, changes, "New name since May", CLIENT)
    session.commit()
    assert organisation.legal_name == old_name and proposal.status == ProposalStatus.PROPOSED
    assert proposal.changes["organisation"] == {"legal_name": "Sahel Women's Network", "short_name": "SWN"}
    decided = partner.decide_proposal(session, proposal.id, True, None, actor=people.lawyer)
    session.commit()
    assert decided.status == ProposalStatus.ACCEPTED and decided.decided_by_id == people.lawyer.id
    assert organisation.legal_name == "Sahel Women's Network" and organisation.short_name == "SWN"
    assert organisation.contacts[0].phone == "+227 20 00 00 00"
    assert "Awa Ka" in {c.name for c in organisation.contacts}
    assert organisation.partner_confirmed_at is not None


def test_a_rejection_needs_a_reason_and_changes_nothing(session, people, found):
    link, _ = link_for(session, people, found)
    proposal = partner.propose_correction(session, link, {"organisation": {"short_name": "XX"}}, None, CLIENT)
    with pytest.raises(ValidationFailed):
        partner.decide_proposal(session, proposal.id, False, " ", actor=people.lawyer)
    partner.decide_proposal(session, proposal.id, False, "Not your acronym", actor=people.lawyer)
    assert link.organisation.short_name != "XX" and proposal.reason == "Not your acronym"
    with pytest.raises(Exception) as again:
        partner.decide_proposal(session, proposal.id, True, None, actor=people.lawyer)
    assert getattr(again.value, "status", None) == 409


def test_a_proposal_naming_another_organisations_contact_is_refused(session, people, found):
    link, _ = link_for(session, people, found, party=0)
    foreign = found.partnership.parties[1].organisation.contacts[0]
    with pytest.raises(ValidationFailed) as refused:
        partner.propose_correction(session, link, {"contacts": [{"id": foreign.id, "name": "Hijack"}]}, None, CLIENT)
    assert refused.value.problems[0].field == "contacts.0.id"
    with pytest.raises(ValidationFailed):
        partner.propose_correction(session, link, {"organisation": {"country_code": "XX"}}, None, CLIENT)


def test_comments_anchor_to_clauses_and_reach_the_legal_officer(session, people, found):
    link, _ = link_for(session, people, found)
    anchors = [clause.anchor for clause in partner.clauses(found.version)]
    assert anchors == ["clause-0", "clause-1", "clause-2", "clause-3"]
    comment = partner.add_comment(session, link, "clause-2", "Quarterly is too often for us.", CLIENT)
    with pytest.raises(ValidationFailed):
        partner.add_comment(session, link, "clause-9", "Nowhere", CLIENT)
    seen = partner.comments_on_agreement(session, found.agreement.id, actor=people.second_lawyer)
    assert [c.id for c in seen] == [comment.id]
    partner.resolve_comment(session, comment.id, actor=people.lawyer)
    assert comment.resolved_at is not None and comment.resolved_by_id == people.lawyer.id
    assert found.version.sha256  # the stored text and its hash are untouched by anchoring


def test_reporting_an_obligation_goes_through_the_engine_with_the_file(session, people, found):
    link, _ = link_for(session, people, found)
    pdf = b"%PDF-1.4\n% quarterly report\n"
    obligation = reports.report_obligation(session, link, found.obligation.id, "Q1 done", "Q1 report.pdf", pdf, CLIENT)
    session.commit()
    assert obligation.status == "reported"
    event = session.scalars(
        select(TransitionEvent).where(TransitionEvent.entity_id == obligation.id, TransitionEvent.trigger == "report")
    ).one()
    assert event.actor_id == people.lawyer.id  # the system acting for the link's sender
    assert "Q1 report.pdf" in obligation.evidence_note
    (attachment,) = reports.attachments_of(session, obligation.id)
    assert attachment.content == pdf and attachment.media_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [("x.exe", b"MZ", "PDF"), ("x.pdf", b"not a pdf", "not what its name says"), ("x.pdf", b"", "empty")],
)
def test_a_bad_attachment_is_refused_naming_the_file(session, people, found, name, content, reason):
    link, _ = link_for(session, people, found)
    with pytest.raises(ValidationFailed) as refused:
        reports.report_obligation(session, link, found.obligation.id, None, name, content, CLIENT)
    assert refused.value.problems[0].field == "file" and reason in refused.value.problems[0].reason
    assert found.obligation.status == "open"
