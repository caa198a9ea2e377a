"""Every firing names its Actor: a person checked against the transition's roles, or the system for what it may do."""

from __future__ import annotations

import pytest

from app.errors import Forbidden
from app.partnerships.models import Partnership
from app.users.models import Role
from app.workflow import definition, engine, registry
from app.workflow.actor import Actor
from tests.builders import SYSTEM, organisation, partnership


@pytest.fixture
def opened(session, make_user) -> tuple[Actor, Partnership]:
    manager = make_user(Role.PROJECT_MANAGER)
    return Actor.person(manager), partnership(session, manager, organisation(session))


def test_firing_without_an_actor_is_a_type_error(session, opened):
    manager, entity = opened
    with pytest.raises(TypeError):
        engine.fire(session, "partnership", entity, "go_dormant")  # type: ignore[call-arg]
    for not_an_actor in (None, manager.user_id):
        with pytest.raises(TypeError, match="needs an Actor"):
            engine.fire(session, "partnership", entity, "go_dormant", not_an_actor)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="needs an Actor"):
            engine.fire_many(session, "partnership", [(entity, None, None)], "go_dormant", not_an_actor)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="needs an Actor"):
            engine.available(session, "partnership", entity, not_an_actor)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="needs an Actor"):
            engine.record_creation(session, "partnership", Partnership(), not_an_actor)  # type: ignore[arg-type]
    assert entity.stage == "ad_hoc"


def test_a_person_without_the_role_is_refused(session, opened, make_user):
    _, entity = opened
    viewer = Actor.person(make_user(Role.VIEWER))
    with pytest.raises(Forbidden, match="only an admin or a project manager may do this"):
        engine.fire(session, "partnership", entity, "go_dormant", viewer)
    assert entity.stage == "ad_hoc"


def test_an_inactive_person_is_refused_whatever_their_roles(session, opened, make_user):
    _, entity = opened
    former = make_user(Role.ADMIN, Role.PROJECT_MANAGER)
    former.is_active = False
    with pytest.raises(Forbidden, match="only an active user"):
        engine.fire(session, "partnership", entity, "go_dormant", Actor.person(former))
    assert entity.stage == "ad_hoc"


def test_the_system_cannot_fire_a_person_only_transition(session, opened):
    _, entity = opened
    with pytest.raises(Forbidden, match="only a person may do this"):
        engine.fire(session, "partnership", entity, "go_dormant", SYSTEM)
    options = {option.trigger: option for option in engine.available(session, "partnership", entity, SYSTEM)}
    assert options["go_dormant"].reasons == ("only a person may do this",)
    assert entity.stage == "ad_hoc"


def test_a_person_cannot_fire_a_system_only_transition(session, opened, make_user):
    _, entity = opened
    admin = Actor.person(make_user(Role.ADMIN))
    with pytest.raises(Forbidden, match="this happens automatically"):
        engine.fire(session, "partnership", entity, "import_as_formal", admin)
    assert entity.stage == "ad_hoc"


def test_the_system_acting_for_a_user_records_that_user_on_the_event(session, opened):
    manager, entity = opened
    importer = Actor.system(on_behalf_of=manager.user_id, reason="import of partners.csv")
    event = engine.fire(session, "partnership", entity, "import_as_formal", importer, "imported from line 2")
    assert entity.stage == "formal"
    assert event.actor_id == manager.user_id
    assert engine.fire(session, "partnership", entity, "last_agreement_ended", SYSTEM).actor_id is None


def test_loading_a_workflow_before_the_rules_are_registered_fails_clearly(monkeypatch):
    monkeypatch.setattr(registry, "_registered", False)
    definition.get_workflow.cache_clear()
    try:
        with pytest.raises(definition.WorkflowDefinitionError, match=r"call app\.rules\.register_all\(\)"):
            definition.get_workflow("partnership")
    finally:
        monkeypatch.undo()
        definition.get_workflow.cache_clear()
    assert definition.get_workflow("partnership").name == "partnership"
