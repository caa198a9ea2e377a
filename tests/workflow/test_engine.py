"""The workflow engine: workflows are checked data, and fire() moves an entity or refuses and writes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import Conflict, NotFound
from app.partnerships.models import Partnership
from app.users.models import Role
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.definition import WorkflowDefinitionError, get_workflow, parse_workflow
from app.workflow.engine import TransitionNotAllowed
from app.workflow.models import TransitionEvent
from tests.builders import organisation, partnership

MINIMAL: dict[str, Any] = {
    "name": "partnership",
    "initial": "new",
    "states": {"new": "New", "done": "Done", "void": "Void"},
    "transitions": [
        {"trigger": "finish", "source": "new", "dest": "done"},
        {"trigger": "cancel", "source": ["new", "done"], "dest": "void"},
    ],
}


def _broken(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(MINIMAL)
    for key, value in changes.items():
        if value is None:
            raw.pop(key)
        else:
            raw[key] = value
    return raw


def test_a_valid_workflow_parses():
    workflow = parse_workflow(copy.deepcopy(MINIMAL), "minimal.yaml")
    assert workflow.initial == "new" and workflow.state_attribute == "stage"
    assert workflow.find("finish", "new").dest == "done"
    assert workflow.find("finish", "done") is None
    assert workflow.triggers_from("new") == ["finish", "cancel"]
    assert workflow.triggers_from("void") == []


@pytest.mark.parametrize("section", ["name", "states", "initial", "transitions"])
def test_a_missing_section_is_named(section):
    with pytest.raises(WorkflowDefinitionError) as caught:
        parse_workflow(_broken(**{section: None}), "flows/broken.yaml")
    message = str(caught.value)
    assert message.startswith("flows/broken.yaml: ")
    assert section in message


def test_a_malformed_section_is_named():
    with pytest.raises(WorkflowDefinitionError, match=r"broken\.yaml: missing or malformed section"):
        parse_workflow(_broken(states=["new", "done"]), "broken.yaml")


def test_an_unknown_destination_state_is_named():
    raw = _broken(transitions=[{"trigger": "finish", "source": "new", "dest": "nowhere"}])
    with pytest.raises(WorkflowDefinitionError) as caught:
        parse_workflow(raw, "broken.yaml")
    assert str(caught.value) == "broken.yaml: transition 'finish' uses unknown state 'nowhere'"


def test_an_unknown_source_state_is_named():
    raw = _broken(transitions=[{"trigger": "cancel", "source": ["new", "limbo"], "dest": "void"}])
    with pytest.raises(WorkflowDefinitionError, match="'cancel' uses unknown state 'limbo'"):
        parse_workflow(raw, "broken.yaml")


def test_an_unknown_initial_state_is_named():
    with pytest.raises(WorkflowDefinitionError, match="initial state 'start' is not declared"):
        parse_workflow(_broken(initial="start"), "broken.yaml")


@pytest.mark.parametrize("missing", ["trigger", "source", "dest"])
def test_an_incomplete_transition_is_named_by_position(missing):
    transition = {"trigger": "finish", "source": "new", "dest": "done"}
    transition.pop(missing)
    raw = _broken(transitions=[MINIMAL["transitions"][1], transition])
    with pytest.raises(WorkflowDefinitionError, match="transition 2 needs trigger, source and dest"):
        parse_workflow(raw, "broken.yaml")


def test_an_unknown_workflow_name_is_named():
    with pytest.raises(WorkflowDefinitionError, match="unknown workflow name 'contract'"):
        parse_workflow(_broken(name="contract"), "broken.yaml")


def test_a_missing_workflow_file_is_named():
    with pytest.raises(WorkflowDefinitionError, match="no workflow file"):
        get_workflow("does_not_exist")


def test_the_shipped_workflows_load():
    partnership_flow = get_workflow("partnership")
    assert partnership_flow.initial == "ad_hoc"
    assert {"ad_hoc", "informal", "formalising", "formal", "ended", "dormant", "closed"} == set(partnership_flow.states)
    agreement_flow = get_workflow("agreement")
    assert agreement_flow.initial == "draft" and agreement_flow.state_attribute == "status"


def _events(session, entity_id: int) -> list[tuple[str | None, str, str]]:
    stmt = (
        select(TransitionEvent)
        .where(TransitionEvent.entity_type == "partnership", TransitionEvent.entity_id == entity_id)
        .order_by(TransitionEvent.id)
    )
    return [(e.from_state, e.to_state, e.trigger) for e in session.scalars(stmt)]


@pytest.fixture
def opened(session, make_user):
    actor = make_user(Role.PROJECT_MANAGER)
    return actor, partnership(session, actor, organisation(session))


def test_fire_moves_the_entity_and_appends_an_event(session, opened):
    actor, entity = opened
    event = engine.fire(session, "partnership", entity, "go_dormant", Actor.person(actor), comment="Quiet year")
    session.commit()
    session.expire_all()
    assert session.get(Partnership, entity.id).stage == "dormant"
    assert (event.from_state, event.to_state, event.trigger, event.actor_id, event.comment) == (
        "ad_hoc",
        "dormant",
        "go_dormant",
        actor.id,
        "Quiet year",
    )
    assert event.occurred_at.tzinfo is not None
    engine.fire(session, "partnership", session.get(Partnership, entity.id), "revive", Actor.person(actor))
    session.commit()
    assert _events(session, entity.id) == [
        (None, "ad_hoc", "create"),
        ("ad_hoc", "dormant", "go_dormant"),
        ("dormant", "ad_hoc", "revive"),
    ]


def test_fire_refuses_a_trigger_not_allowed_from_the_current_state_and_writes_nothing(session, opened):
    actor, entity = opened
    events_before = session.scalar(select(func.count()).select_from(TransitionEvent))
    with pytest.raises(TransitionNotAllowed) as caught:
        engine.fire(session, "partnership", entity, "start_formalising", Actor.person(actor))
    message = str(caught.value)
    assert "a partnership that is ad hoc interaction" in message
    assert "allowed from there: record undertaking, go dormant" in message
    assert isinstance(caught.value, Conflict) and caught.value.status == 409
    session.commit()
    session.expire_all()
    assert session.get(Partnership, entity.id).stage == "ad_hoc"
    assert session.scalar(select(func.count()).select_from(TransitionEvent)) == events_before


def test_fire_from_a_final_state_says_nothing_is_allowed(session, opened):
    actor, entity = opened
    for trigger in ("go_dormant", "close"):
        engine.fire(session, "partnership", entity, trigger, Actor.person(actor))
    with pytest.raises(TransitionNotAllowed, match="allowed from there: none"):
        engine.fire(session, "partnership", entity, "revive", Actor.person(actor))
    assert entity.stage == "closed"


def test_an_unknown_trigger_is_refused(session, opened):
    actor, entity = opened
    with pytest.raises(NotFound, match="the partnership workflow has no trigger 'teleport'; its triggers are: "):
        engine.fire(session, "partnership", entity, "teleport", Actor.person(actor))
