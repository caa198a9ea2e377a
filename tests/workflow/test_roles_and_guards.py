"""Roles and guards declared in the workflow files: who may fire what, and why a transition is blocked."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from app import clock
from app.config import get_settings
from app.errors import Forbidden
from app.partnerships.schemas import PartnershipUpdate, PartyInput, UndertakingCreate
from app.partnerships.service import record_undertaking, update_partnership
from app.users.models import Role
from app.workflow import definition, engine
from app.workflow.actor import Actor
from app.workflow.definition import WorkflowDefinitionError, parse_workflow
from app.workflow.engine import TransitionBlocked, available
from app.workflow.models import TransitionEvent
from tests.builders import SYSTEM, organisation, partnership

BASE = {
    "name": "partnership",
    "initial": "new",
    "states": {"new": "New", "done": "Done"},
    "transitions": [{"trigger": "finish", "source": "new", "dest": "done"}],
}


def _with(**transition_fields):
    raw = copy.deepcopy(BASE)
    raw["transitions"][0].update(transition_fields)
    return raw


def test_an_unknown_role_or_guard_stops_loading_with_its_name():
    with pytest.raises(WorkflowDefinitionError, match=r"flow\.yaml: transition 'finish' names unknown role 'wizard'"):
        parse_workflow(_with(roles=["wizard"]), "flow.yaml")
    with pytest.raises(WorkflowDefinitionError, match="names unknown guard 'is_sunny'"):
        parse_workflow(_with(guards=["is_sunny"]), "flow.yaml")


def test_one_shared_machine_per_workflow_without_auto_transitions():
    workflow = definition.get_workflow("partnership")
    assert workflow.machine is definition.get_workflow("partnership").machine
    assert workflow.machine.models == []  # no machine state attached to rows
    assert not any(t.startswith("to_") for t in workflow.machine.get_triggers(*workflow.states))


def _undertaking(session, manager, created):
    with clock.frozen_at(clock.now()):
        data = UndertakingCreate(
            given_on=clock.today(get_settings().zone), given_by="The director", scope="Joint fair", form="verbal"
        )
        record_undertaking(session, created.id, data, manager)
        session.commit()


@pytest.fixture
def informal(session, make_user):
    manager = make_user(Role.PROJECT_MANAGER)
    created = partnership(session, manager, organisation(session))
    _undertaking(session, manager, created)
    return manager, created


def _event_count(session) -> int:
    return session.scalar(select(func.count()).select_from(TransitionEvent)) or 0


def test_available_explains_blocked_formalisation_and_changes_nothing(session, informal):
    manager, created = informal
    before = (created.stage, _event_count(session))
    options = {option.trigger: option for option in available(session, "partnership", created, Actor.person(manager))}
    assert set(options) == {"record_undertaking", "start_formalising", "go_dormant"}
    blocked = options["start_formalising"]
    assert not blocked.allowed
    assert any("focal point" in reason for reason in blocked.reasons)
    assert any("area of engagement" in reason for reason in blocked.reasons)
    assert options["go_dormant"].allowed
    assert (created.stage, _event_count(session)) == before


def test_a_blocked_transition_is_refused_with_reasons_and_writes_nothing(session, informal):
    manager, created = informal
    before = _event_count(session)
    with pytest.raises(TransitionBlocked) as caught:
        engine.fire(session, "partnership", created, "start_formalising", Actor.person(manager))
    assert caught.value.status == 409 and caught.value.reasons
    assert created.stage == "informal" and _event_count(session) == before


def test_formalising_is_allowed_once_the_guards_are_satisfied(session, informal):
    manager, created = informal
    org = organisation(session, contacts=[{"name": "Focal Person", "is_focal_point": True}])
    contact = org.contacts[0]
    update_partnership(
        session,
        created.id,
        PartnershipUpdate(
            area_codes=["migrant_health"],
            parties=[PartyInput(organisation_id=org.id, role="lead_partner", focal_point_id=contact.id)],
        ),
        actor=manager,
    )
    options = {option.trigger: option for option in available(session, "partnership", created, Actor.person(manager))}
    assert options["start_formalising"].allowed, options["start_formalising"].reasons
    engine.fire(session, "partnership", created, "start_formalising", Actor.person(manager))
    assert created.stage == "formalising"

    # Entering force is automatic: shown as blocked to people, refused to them, done by the system.
    options = {option.trigger: option for option in available(session, "partnership", created, Actor.person(manager))}
    assert options["agreement_in_force"].reasons == ("this happens automatically",)
    with pytest.raises(Forbidden, match="automatically"):
        engine.fire(session, "partnership", created, "agreement_in_force", Actor.person(manager))
    engine.fire(session, "partnership", created, "agreement_in_force", SYSTEM)
    assert created.stage == "formal"


def test_roles_decide_who_may_fire(session, informal, make_user):
    _, created = informal
    viewer = make_user(Role.VIEWER)
    with pytest.raises(Forbidden, match="only an admin or a project manager may do this"):
        engine.fire(session, "partnership", created, "go_dormant", Actor.person(viewer))
    options = {option.trigger: option for option in available(session, "partnership", created, Actor.person(viewer))}
    assert not options["go_dormant"].allowed
    assert created.stage == "informal"
