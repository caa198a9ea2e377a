"""The demo loader: a varied portfolio whose states match their histories, working demo tokens, idempotence."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pycountry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, AgreementKind, Signature
from app.agreements.rules import signing_parties
from app.config import get_settings
from app.devtools.demo import DemoSummary, load_demo
from app.obligations.models import Obligation
from app.organisations.models import Organisation, OrganisationKind
from app.partnerships.models import Partnership
from app.users.models import ApiToken, Role, User
from app.users.service import authenticate_token, verify_password
from app.workflow.definition import get_workflow, states
from app.workflow.models import TransitionEvent

SIGNED_OR_LATER = {"signed", "active", "suspended", "expired", "terminated", "superseded"}


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_portfolio_covers_every_kind_region_stage_and_deadline(session: Session) -> None:
    summary = load_demo(session)

    organisations = list(session.scalars(select(Organisation)))
    assert summary.organisations == len(organisations) >= 48
    kinds = Counter(organisation.kind for organisation in organisations)
    assert set(kinds) == set(OrganisationKind) and min(kinds.values()) >= 3
    assert len({organisation.region for organisation in organisations}) >= 6
    for organisation in organisations:
        assert pycountry.countries.get(alpha_2=organisation.country_code) is not None
        assert organisation.website.startswith("https://") and organisation.website.endswith(".example.org")
        assert organisation.areas and 1 <= len(organisation.contacts) <= 3
        assert [contact.is_focal_point for contact in organisation.contacts].count(True) == 1

    partnerships = list(session.scalars(select(Partnership)))
    assert summary.partnerships == len(partnerships) >= 30
    stages = Counter(partnership.stage for partnership in partnerships)
    assert set(stages) == set(get_workflow("partnership").states) and min(stages.values()) >= 3
    assert max(len(partnership.parties) for partnership in partnerships) >= 3
    assert all(party.focal_point_id for partnership in partnerships for party in partnership.parties)
    assert sum(partnership.project is not None for partnership in partnerships) >= 10
    assert {partnership.owner.email for partnership in partnerships} == {"pm@demo.example.org", "pm2@demo.example.org"}

    agreements = list(session.scalars(select(Agreement)))
    assert summary.agreements == len(agreements)
    statuses = Counter(agreement.status for agreement in agreements)
    assert {"draft", "in_review", "approved", "signed", "active", "suspended", "expired", "terminated"} <= set(statuses)
    assert statuses["cancelled"] == 1 and statuses["superseded"] >= 1
    assert {AgreementKind.AMENDMENT, AgreementKind.EXTENSION} <= {agreement.kind for agreement in agreements}
    assert all(agreement.parent_id for agreement in agreements if agreement.kind is not AgreementKind.MOU)

    today = clock.today(get_settings().zone)
    active_ends = [(a.end_date - today).days for a in agreements if a.status == "active" and a.end_date]
    for window in (range(1, 31), range(31, 61), range(61, 91)):
        assert any(days in window for days in active_ends), window
    assert any(a.status == "expired" and a.end_date.year == today.year - 1 for a in agreements)

    obligations = list(session.scalars(select(Obligation)))
    assert states("obligation") == {obligation.status for obligation in obligations}
    assert any(obligation.recurrence for obligation in obligations)
    due_soon = [o for o in obligations if o.status == "open" and o.due_date]
    assert any(today <= o.due_date <= today + timedelta(days=90) for o in due_soon)


def test_every_state_matches_its_history_and_signed_agreements_are_signed_by_all(session: Session) -> None:
    load_demo(session)
    now = clock.now()

    for workflow_name, model in (("partnership", Partnership), ("agreement", Agreement), ("obligation", Obligation)):
        workflow = get_workflow(workflow_name)
        for entity in session.scalars(select(model)):
            events = list(
                session.scalars(
                    select(TransitionEvent)
                    .where(TransitionEvent.entity_type == workflow_name, TransitionEvent.entity_id == entity.id)
                    .order_by(TransitionEvent.occurred_at, TransitionEvent.id)
                )
            )
            assert events[0].trigger == "create" and events[0].to_state == workflow.initial
            for before, event in itertools.pairwise(events):
                assert event.from_state == before.to_state, (workflow_name, entity.id, event.trigger)
                assert workflow.find(event.trigger, event.from_state).dest == event.to_state
            assert events[-1].to_state == workflow.state_of(entity)
            assert [e.id for e in events] == sorted(e.id for e in events)  # told in the order it happened
            assert all(event.occurred_at <= now for event in events)

    for agreement in session.scalars(select(Agreement)):
        signers = list(session.scalars(select(Signature.party_id).where(Signature.agreement_id == agreement.id)))
        if agreement.status in SIGNED_OR_LATER:
            assert sorted(signers, key=str) == sorted([*(p.id for p in signing_parties(agreement)), None], key=str)
            assert agreement.effective_date is not None and agreement.effective_date >= min(
                signature.signed_on for signature in agreement.signatures
            )
        else:
            assert signers == []


def test_demo_users_have_working_tokens_and_a_second_load_adds_nothing(session: Session) -> None:
    summary = load_demo(session)
    assert not summary.already_loaded
    assert {user.role for user in summary.users} == set(Role)
    assert Counter(user.role for user in summary.users)[Role.PROJECT_MANAGER] == 2
    assert Counter(user.role for user in summary.users)[Role.LEGAL_OFFICER] == 2
    for demo_user in summary.users:
        user = authenticate_token(session, demo_user.token)
        assert user is not None and user.email == demo_user.email and demo_user.role in user.roles
        assert demo_user.password and verify_password(user, demo_user.password)  # they can sign in to the pages

    models = (Organisation, Partnership, Agreement, TransitionEvent, User, ApiToken, Obligation, Signature)
    before = {model: _count(session, model) for model in models}
    again = load_demo(session)
    assert again == DemoSummary(
        organisations=before[Organisation],
        partnerships=before[Partnership],
        agreements=before[Agreement],
        users=[type(user)(user.email, user.full_name, user.role, None) for user in summary.users],
        already_loaded=True,
    )
    assert {model: _count(session, model) for model in models} == before


def test_every_agreement_was_moved_by_the_right_people_and_its_fields_tell_the_same_story(session: Session) -> None:
    """Who submitted, approved and signed each demo agreement, and when, as its events and its fields say (#23)."""
    load_demo(session)
    now = clock.now()
    users = {user.id: user for user in session.scalars(select(User))}
    managers = {uid for uid, user in users.items() if user.has_role(Role.PROJECT_MANAGER)}
    lawyers = {uid for uid, user in users.items() if user.has_role(Role.LEGAL_OFFICER)}
    checked = Counter()

    for agreement in session.scalars(select(Agreement)):
        events = list(
            session.scalars(
                select(TransitionEvent)
                .where(TransitionEvent.entity_type == "agreement", TransitionEvent.entity_id == agreement.id)
                .order_by(TransitionEvent.id)
            )
        )
        where = (agreement.id, agreement.status)
        times = [event.occurred_at for event in events]
        assert times == sorted(times) and times[-1] <= now, where
        assert abs(events[0].occurred_at - agreement.created_at) < timedelta(seconds=1), where
        by_trigger = {trigger: [e for e in events if e.trigger == trigger] for trigger in {e.trigger for e in events}}
        owners = {agreement.partnership.owner_id, *(user.id for user in agreement.partnership.co_owners)}
        assert events[0].actor_id in owners & managers, where  # drafted by the partnership's project manager

        submissions = by_trigger.get("submit_for_review", [])
        if submissions:
            assert agreement.submitted_by_id == submissions[-1].actor_id and agreement.submitted_by_id in owners, where
            versions = [v for v in agreement.document_versions if v.created_at <= submissions[-1].occurred_at]
            assert versions and agreement.submitted_version_number == versions[-1].number, where
            checked["submitted"] += 1
        else:
            assert agreement.submitted_by_id is None and agreement.submitted_version_number is None, where

        approvals = by_trigger.get("approve", [])
        if approvals:
            approval = approvals[-1]
            assert agreement.approved_by_id == approval.actor_id and approval.actor_id in lawyers, where
            assert agreement.approved_by_id != agreement.submitted_by_id, where  # four eyes
            assert agreement.approved_at == approval.occurred_at > submissions[-1].occurred_at, where
            assert agreement.approved_version_number == agreement.submitted_version_number, where
            checked["approved"] += 1
        else:
            assert agreement.approved_by_id is None and agreement.approved_at is None, where

        signings = by_trigger.get("record_signatures", [])
        if signings:
            signing = signings[-1]
            assert signing.actor_id in lawyers and signing.occurred_at > agreement.approved_at, where
            for signature in agreement.signatures:
                assert signature.recorded_by_id == signing.actor_id, where
                assert agreement.approved_at.date() <= signature.signed_on <= signing.occurred_at.date(), where
            checked["signed"] += 1
        for trigger in ("request_changes", "cancel", "suspend", "terminate"):
            assert all(
                event.actor_id in lawyers and (event.comment or event.payload) for event in by_trigger.get(trigger, [])
            ), where
        for event in by_trigger.get("expire", []):
            assert event.actor_id is None and event.comment, where  # the system, on its date, saying why
        for event in by_trigger.get("activate", []):
            # the system on its date, or at signature (already in effect) acting for the signer; saying why either way
            at_signature = bool(signings) and event.actor_id == signings[-1].actor_id
            assert (event.actor_id is None or at_signature) and event.comment, where
        if "activate" in by_trigger:
            assert by_trigger["activate"][0].occurred_at.date() >= agreement.effective_date, where

    assert checked["submitted"] >= 20 and checked["approved"] >= 15 and checked["signed"] >= 15, checked
