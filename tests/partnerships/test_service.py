"""Rules for partnerships through the service: references, parties, people, informal steps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from app import clock
from app.config import get_settings
from app.errors import Forbidden, NotFound, PreconditionFailed, ValidationFailed
from app.partnerships import service
from app.partnerships.models import Partnership, PartnershipParty, PartyRole, Project
from app.partnerships.schemas import (
    InteractionCreate,
    PartnershipCreate,
    PartnershipUpdate,
    PartyInput,
    UndertakingCreate,
)
from app.users.models import Role
from app.users.service import set_active
from app.workflow.models import TransitionEvent
from tests.builders import organisation, partnership

NOON = datetime(2031, 6, 15, 12, 0, tzinfo=UTC)


def _fields(error: ValidationFailed) -> list[str]:
    return [problem.field for problem in error.problems]


def _events(session, partnership_id: int) -> list[tuple[str | None, str, str]]:
    stmt = (
        select(TransitionEvent)
        .where(TransitionEvent.entity_type == "partnership", TransitionEvent.entity_id == partnership_id)
        .order_by(TransitionEvent.id)
    )
    return [(e.from_state, e.to_state, e.trigger) for e in session.scalars(stmt)]


@pytest.fixture
def manager(make_user):
    return make_user(Role.PROJECT_MANAGER)


def _create(session, actor, *parties: PartyInput, **fields):
    return service.create_partnership(session, PartnershipCreate(title="T", parties=list(parties), **fields), actor)


def test_references_are_numbered_per_year_increasing_and_unique(session, manager):
    org = organisation(session)
    with clock.frozen_at(NOON):
        references = [partnership(session, manager, org).reference for _ in range(3)]
    with clock.frozen_at(NOON.replace(year=2032)):
        references.append(partnership(session, manager, org).reference)
        references.append(service.next_reference(session))
    assert references == ["PA-2031-0001", "PA-2031-0002", "PA-2031-0003", "PA-2032-0001", "PA-2032-0002"]
    stored = session.scalars(select(Partnership.reference)).all()
    assert len(stored) == len(set(stored)) == 4


def test_reference_year_is_the_year_in_the_organisation_timezone(session, monkeypatch):
    # 23:30 UTC on New Year's Eve is already the new year in any timezone east of UTC.
    zone = get_settings().zone
    instant = datetime(2030, 12, 31, 23, 30, tzinfo=UTC)
    with clock.frozen_at(instant):
        expected_year = instant.astimezone(zone).year
        assert service.next_reference(session) == f"PA-{expected_year}-0001"


def test_create_opens_an_ad_hoc_partnership_owned_by_the_caller(session, manager, make_user):
    lawyer = make_user(Role.LEGAL_OFFICER)
    lead, donor = organisation(session), organisation(session)
    created = _create(
        session,
        manager,
        PartyInput(organisation_id=lead.id, role="lead_partner"),
        PartyInput(organisation_id=donor.id, role="donor"),
        legal_officer_id=lawyer.id,
        area_codes=["humanitarian"],
        project={"name": "Resilience", "code": "KE-R-1", "start_date": "2031-01-01", "end_date": "2031-12-31"},
    )
    session.commit()
    session.expire_all()
    stored = session.get(Partnership, created.id)
    assert stored.stage == "ad_hoc"
    assert stored.owner_id == manager.id and stored.legal_officer_id == lawyer.id
    assert [(p.organisation_id, p.role) for p in stored.parties] == [
        (lead.id, PartyRole.LEAD_PARTNER),
        (donor.id, PartyRole.DONOR),
    ]
    assert [area.code for area in stored.areas] == ["humanitarian"]
    assert stored.project.end_date == date(2031, 12, 31)
    assert _events(session, stored.id) == [(None, "ad_hoc", "create")]
    event = session.scalar(select(TransitionEvent).where(TransitionEvent.entity_id == stored.id))
    assert event.actor_id == manager.id


def test_an_admin_may_name_another_project_manager_as_owner(session, make_user):
    admin, owner = make_user(Role.ADMIN), make_user(Role.PROJECT_MANAGER)
    org = organisation(session)
    created = _create(session, admin, PartyInput(organisation_id=org.id, role="co_partner"), owner_id=owner.id)
    assert created.owner_id == owner.id


@pytest.mark.parametrize("roles", [(Role.VIEWER,), (Role.LEGAL_OFFICER,)])
def test_owner_must_be_a_project_manager(session, manager, make_user, roles):
    not_a_manager = make_user(*roles)
    org = organisation(session)
    with pytest.raises(ValidationFailed) as caught:
        _create(session, manager, PartyInput(organisation_id=org.id, role="lead_partner"), owner_id=not_a_manager.id)
    assert _fields(caught.value) == ["owner_id"]
    assert not_a_manager.full_name in caught.value.detail


def test_owner_must_exist_and_be_active(session, manager, make_user):
    org = organisation(session)
    party = PartyInput(organisation_id=org.id, role="lead_partner")
    gone = make_user(Role.PROJECT_MANAGER)
    set_active(session, gone, False)
    session.commit()
    for owner_id in (gone.id, 987_654):
        with pytest.raises(ValidationFailed) as caught:
            _create(session, manager, party, owner_id=owner_id)
        assert _fields(caught.value) == ["owner_id"]


def test_legal_officer_must_have_that_role(session, manager, make_user):
    org = organisation(session)
    with pytest.raises(ValidationFailed) as caught:
        _create(
            session,
            manager,
            PartyInput(organisation_id=org.id, role="lead_partner"),
            legal_officer_id=make_user(Role.PROJECT_MANAGER).id,
        )
    assert _fields(caught.value) == ["legal_officer_id"]


def test_at_least_one_partner_party_is_needed(session, manager):
    donor, observer = organisation(session), organisation(session)
    with pytest.raises(ValidationFailed) as caught:
        _create(
            session,
            manager,
            PartyInput(organisation_id=donor.id, role="donor"),
            PartyInput(organisation_id=observer.id, role="observer"),
        )
    assert _fields(caught.value) == ["parties"]


def test_every_party_problem_is_reported_at_once(session, manager):
    first = organisation(session, contacts=[{"name": "Focal"}])
    second = organisation(session, contacts=[{"name": "Elsewhere"}])
    with pytest.raises(ValidationFailed) as caught:
        _create(
            session,
            manager,
            PartyInput(organisation_id=987_654, role="lead_partner"),
            PartyInput(organisation_id=first.id, role="co_partner", focal_point_id=second.contacts[0].id),
            PartyInput(organisation_id=first.id, role="donor"),
        )
    assert _fields(caught.value) == [
        "parties[0].organisation_id",
        "parties[1].focal_point_id",
        "parties[2].organisation_id",
    ]
    assert session.scalar(select(func.count()).select_from(Partnership)) == 0


def test_a_focal_point_of_the_party_is_accepted(session, manager):
    org = organisation(session, contacts=[{"name": "Focal", "is_focal_point": True}])
    created = _create(
        session, manager, PartyInput(organisation_id=org.id, role="lead_partner", focal_point_id=org.contacts[0].id)
    )
    assert created.parties[0].focal_point_id == org.contacts[0].id


def test_unknown_area_code_is_refused(session, manager):
    org = organisation(session)
    with pytest.raises(ValidationFailed) as caught:
        _create(session, manager, PartyInput(organisation_id=org.id, role="lead_partner"), area_codes=["astrology"])
    assert _fields(caught.value) == ["area_codes"]


def test_update_replaces_the_parties_keeping_rows_of_those_who_stay(session, manager):
    a, b, c = organisation(session), organisation(session), organisation(session)
    created = partnership(session, manager, a, (b, PartyRole.DONOR))
    kept_row_id = next(p.id for p in created.parties if p.organisation_id == b.id)

    service.update_partnership(
        session,
        created.id,
        PartnershipUpdate(
            parties=[
                PartyInput(organisation_id=b.id, role="lead_partner"),
                PartyInput(organisation_id=c.id, role="co_partner"),
            ]
        ),
        actor=manager,
    )
    session.commit()
    session.expire_all()
    rows = session.scalars(select(PartnershipParty).where(PartnershipParty.partnership_id == created.id)).all()
    assert sorted((row.organisation_id, row.role) for row in rows) == [
        (b.id, PartyRole.LEAD_PARTNER),
        (c.id, PartyRole.CO_PARTNER),
    ]
    assert next(row.id for row in rows if row.organisation_id == b.id) == kept_row_id


def test_update_refuses_parties_without_a_partner_and_changes_nothing(session, manager):
    a, b = organisation(session), organisation(session)
    created = partnership(session, manager, a)
    with pytest.raises(ValidationFailed) as caught:
        service.update_partnership(
            session,
            created.id,
            PartnershipUpdate(parties=[PartyInput(organisation_id=b.id, role="observer")]),
            actor=manager,
        )
    assert _fields(caught.value) == ["parties"]
    session.rollback()
    session.expire_all()
    assert [p.organisation_id for p in session.get(Partnership, created.id).parties] == [a.id]


def test_one_update_is_one_version(session, manager, make_user):
    a, b = organisation(session), organisation(session)
    created = partnership(session, manager, a)
    lawyer = make_user(Role.LEGAL_OFFICER)
    updated = service.update_partnership(
        session,
        created.id,
        PartnershipUpdate(
            title="Renamed",
            legal_officer_id=lawyer.id,
            area_codes=["migrant_health"],
            parties=[PartyInput(organisation_id=b.id, role="lead_partner")],
        ),
        expected_version=1,
        actor=manager,
    )
    session.commit()
    assert updated.version == 2
    assert (updated.title, updated.legal_officer_id) == ("Renamed", lawyer.id)


def test_update_fields_project_and_people(session, manager, make_user):
    org = organisation(session)
    lawyer = make_user(Role.LEGAL_OFFICER)
    other_manager = make_user(Role.PROJECT_MANAGER)
    created = partnership(session, manager, org, legal_officer_id=lawyer.id)
    service.update_partnership(
        session,
        created.id,
        PartnershipUpdate(
            title="Renamed",
            owner_id=other_manager.id,
            legal_officer_id=None,
            handles_personal_data=True,
            project={"name": "First name"},
        ),
        actor=manager,
    )
    session.commit()
    project_id = created.project.id
    # Handed over: the former owner may no longer edit it, the new one may.
    with pytest.raises(Forbidden):
        service.update_partnership(session, created.id, PartnershipUpdate(title="Taken back"), actor=manager)
    session.rollback()
    service.update_partnership(
        session, created.id, PartnershipUpdate(project={"name": "Second name"}), actor=other_manager
    )
    session.commit()
    session.expire_all()
    stored = session.get(Partnership, created.id)
    assert (stored.title, stored.owner_id, stored.legal_officer_id, stored.handles_personal_data) == (
        "Renamed",
        other_manager.id,
        None,
        True,
    )
    assert (stored.project.id, stored.project.name) == (project_id, "Second name")
    assert session.scalar(select(func.count()).select_from(Project)) == 1


@pytest.mark.parametrize("field", ["title", "owner_id", "parties", "handles_personal_data"])
def test_update_cannot_empty_a_required_field(session, manager, field):
    created = partnership(session, manager, organisation(session))
    with pytest.raises(ValidationError, match="cannot be empty"):
        PartnershipUpdate(**{field: None})
    # A change built without validation (not from a request) meets the same refusal in the service.
    with pytest.raises(ValidationFailed) as caught:
        service.update_partnership(
            session, created.id, PartnershipUpdate.model_construct(**{field: None}), actor=manager
        )
    assert _fields(caught.value) == [field]


def test_update_with_a_stale_version_is_refused(session, manager):
    created = partnership(session, manager, organisation(session))
    service.update_partnership(session, created.id, PartnershipUpdate(title="Second"), actor=manager)
    session.commit()
    with pytest.raises(PreconditionFailed):
        service.update_partnership(
            session, created.id, PartnershipUpdate(title="Third"), expected_version=1, actor=manager
        )


def test_unknown_partnership_is_not_found(session, manager):
    with pytest.raises(NotFound):
        service.get_partnership(session, 987_654)
    with pytest.raises(NotFound):
        service.update_partnership(session, 987_654, PartnershipUpdate(title="x"), actor=manager)


def test_interactions_are_logged_oldest_first_and_keep_the_stage(session, manager):
    created = partnership(session, manager, organisation(session))
    with clock.frozen_at(NOON):
        today = clock.today(get_settings().zone)
        for days_ago in (0, 30, 7):
            service.record_interaction(
                session,
                created.id,
                InteractionCreate(occurred_on=today - timedelta(days=days_ago), kind="meeting", summary="Met"),
                manager,
            )
    session.commit()
    session.expire_all()
    logged = service.list_interactions(session, created.id)
    assert [i.occurred_on for i in logged] == [today - timedelta(days=n) for n in (30, 7, 0)]
    assert {i.recorded_by_id for i in logged} == {manager.id}
    assert session.get(Partnership, created.id).stage == "ad_hoc"
    assert _events(session, created.id) == [(None, "ad_hoc", "create")]


def test_an_interaction_in_the_future_is_refused(session, manager):
    created = partnership(session, manager, organisation(session))
    with clock.frozen_at(NOON):
        tomorrow = clock.today(get_settings().zone) + timedelta(days=1)
        with pytest.raises(ValidationFailed) as caught:
            service.record_interaction(
                session, created.id, InteractionCreate(occurred_on=tomorrow, kind="call", summary="Soon"), manager
            )
    assert _fields(caught.value) == ["occurred_on"]
    assert service.list_interactions(session, created.id) == []


def test_an_undertaking_makes_an_ad_hoc_partnership_informal_through_the_workflow(session, manager):
    org = organisation(session)
    created = partnership(session, manager, org)
    with clock.frozen_at(NOON):
        today = clock.today(get_settings().zone)
        first = UndertakingCreate(
            given_on=today, given_by="The director", organisation_id=org.id, scope="Co-host a fair", form="verbal"
        )
        service.record_undertaking(session, created.id, first, manager)
        session.commit()
        assert created.stage == "informal"
        second = UndertakingCreate(given_on=today, given_by="The director", scope="And a second", form="email")
        service.record_undertaking(session, created.id, second, manager)
        session.commit()
    session.expire_all()
    assert session.get(Partnership, created.id).stage == "informal"
    # The second undertaking keeps the stage but is still in the audit trail.
    assert _events(session, created.id) == [
        (None, "ad_hoc", "create"),
        ("ad_hoc", "informal", "record_undertaking"),
        ("informal", "informal", "record_undertaking"),
    ]
    event = session.scalars(select(TransitionEvent).where(TransitionEvent.entity_id == created.id)).all()[-2]
    assert (event.actor_id, event.comment) == (manager.id, "Co-host a fair")
    assert [u.scope for u in service.list_undertakings(session, created.id)] == ["Co-host a fair", "And a second"]


def test_an_undertaking_in_the_future_or_by_a_stranger_is_refused(session, manager):
    created = partnership(session, manager, organisation(session))
    stranger = organisation(session)
    with clock.frozen_at(NOON):
        today = clock.today(get_settings().zone)
        cases = [
            ({"given_on": today + timedelta(days=1)}, "given_on"),
            ({"given_on": today, "organisation_id": stranger.id}, "organisation_id"),
        ]
        for fields, field in cases:
            data = UndertakingCreate(given_by="Someone", scope="Something", form="letter", **fields)
            with pytest.raises(ValidationFailed) as caught:
                service.record_undertaking(session, created.id, data, manager)
            assert _fields(caught.value) == [field]
    session.expire_all()
    assert session.get(Partnership, created.id).stage == "ad_hoc"
    assert service.list_undertakings(session, created.id) == []
