"""Table-driven: every (state, trigger) pair of both workflows either moves the entity or is refused unchanged."""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.config import get_settings
from app.organisations.models import AreaOfEngagement
from app.partnerships.schemas import UndertakingCreate
from app.partnerships.service import record_undertaking
from app.users.models import Role, User
from app.workflow import engine
from app.workflow.actor import SYSTEM_ROLE, Actor
from app.workflow.definition import get_workflow
from app.workflow.engine import TransitionNotAllowed
from app.workflow.models import TransitionEvent
from tests.builders import SYSTEM, acting, advance, cast, draft_agreement, happy_step, organisation, partnership

# Only for agreements signed elsewhere: a drafted agreement is refused them (guard never_drafted_here).
RECORDED_ONLY = ("record_existing", "correct_recorded_term")


def _paths(name: str, start: str | None = None, without: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The shortest trigger path from ``start`` (the initial state by default) to every reachable state."""
    workflow = get_workflow(name)
    start = start or workflow.initial
    paths: dict[str, list[str]] = {start: []}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for transition in workflow.transitions:
            if transition.trigger in without:
                continue
            if state in transition.sources and transition.dest not in paths:
                paths[transition.dest] = [*paths[state], transition.trigger]
                queue.append(transition.dest)
    return paths


def _pairs(name: str) -> list[tuple[str, str]]:
    workflow = get_workflow(name)
    triggers = sorted({t.trigger for t in workflow.transitions})
    return [(state, trigger) for state in workflow.states for trigger in triggers]


def test_every_state_is_reachable():
    for name in ("partnership", "agreement", "obligation"):
        assert set(_paths(name)) == set(get_workflow(name).states), name


def _ready_partnership(session, manager):
    org = organisation(session, contacts=[{"name": "Focal", "is_focal_point": True}])
    created = partnership(session, manager, org)
    created.parties[0].focal_point_id = org.contacts[0].id
    created.areas = [session.scalars(select(AreaOfEngagement)).first()]
    data = UndertakingCreate(
        given_on=clock.today(get_settings().zone), given_by="Director", scope="Joint work", form="verbal"
    )
    record_undertaking(session, created.id, data, manager)
    return created


def _events(session) -> int:
    return session.scalar(select(func.count()).select_from(TransitionEvent)) or 0


def _fired_by(name: str, trigger: str, person: User) -> Actor:
    """The system for what it may fire, else ``person`` (who holds every role)."""
    roles = {role for t in get_workflow(name).transitions if t.trigger == trigger for role in t.roles}
    return SYSTEM if SYSTEM_ROLE in roles else Actor.person(person)


def _check_pair(session, name: str, entity, state: str, trigger: str, person: User) -> None:
    workflow = get_workflow(name)
    for step in _paths(name, getattr(entity, workflow.state_attribute))[state]:
        engine.fire(session, name, entity, step, _fired_by(name, step, person))
    assert getattr(entity, workflow.state_attribute) == state
    before = _events(session)
    transition = workflow.find(trigger, state)
    if transition is None:
        with pytest.raises(TransitionNotAllowed, match=re.escape(workflow.name_of(state))):
            engine.fire(session, name, entity, trigger, _fired_by(name, trigger, person))
        assert getattr(entity, workflow.state_attribute) == state
        assert _events(session) == before
    else:
        event = engine.fire(session, name, entity, trigger, _fired_by(name, trigger, person), comment="table")
        assert getattr(entity, workflow.state_attribute) == transition.dest
        assert (event.from_state, event.to_state, event.trigger) == (state, transition.dest, trigger)
        assert _events(session) == before + 1


@pytest.mark.parametrize(("state", "trigger"), _pairs("partnership"))
def test_partnership_pair(session, make_user, state, trigger):
    manager = make_user(Role.PROJECT_MANAGER, Role.ADMIN, Role.LEGAL_OFFICER)
    created = _ready_partnership(session, manager)  # informal, and every guard satisfied
    _check_pair(session, "partnership", created, state, trigger, manager)


@pytest.mark.parametrize(("state", "trigger"), [p for p in _pairs("agreement") if p[1] not in RECORDED_ONLY])
def test_agreement_pair(session, make_user, state, trigger):
    people = cast(make_user)
    # every guard of the happy path satisfied; signed with a later effective date it stays signed until activated,
    # signed with an earlier one (the default) it is active at signature
    later = clock.today(get_settings().zone) + timedelta(days=10)
    agreement = draft_agreement(session, people, effective=later if state in {"approved", "signed"} else None)
    workflow = get_workflow("agreement")
    for step in _paths("agreement", without=RECORDED_ONLY)[state]:
        advance(session, agreement, step, people)
    assert agreement.status == state
    before = _events(session)
    transition = workflow.find(trigger, state)
    if transition is None:
        actor, comment, payload = happy_step(agreement, trigger, people)
        with pytest.raises(TransitionNotAllowed, match=re.escape(workflow.name_of(state))):
            engine.fire(session, "agreement", agreement, trigger, acting(actor), comment, payload=payload)
        assert agreement.status == state
        assert _events(session) == before
    else:
        advance(session, agreement, trigger, people)
        assert agreement.status == transition.dest
        last = engine.history(session, "agreement", agreement.id)[-1]
        assert (last.from_state, last.to_state, last.trigger) == (state, transition.dest, trigger)
        assert _events(session) > before


def _obligation_step(obligation, trigger, people):
    """Fire ``trigger`` on an obligation as the happy path does (overdue travels past the due date)."""
    from datetime import datetime, time, timedelta

    today = clock.today(get_settings().zone)
    steps = {
        "fulfil": (people.manager, None, {"fulfilled_on": today.isoformat(), "evidence": "Report received"}),
        "fulfil_occurrence": (people.manager, None, {"fulfilled_on": today.isoformat()}),
        "waive": (people.lawyer, None, {"reason": "No longer relevant"}),
        "mark_overdue": (None, None, None),
        "reopen": (people.lawyer, "Filed by mistake", None),
        "report": (None, None, {"reported_on": today.isoformat(), "evidence": "Report sent through a partner link"}),
    }
    actor, comment, payload = steps[trigger]
    moment = clock.now()
    if trigger == "mark_overdue":
        moment = datetime.combine(obligation.due_date + timedelta(days=1), time(12), tzinfo=get_settings().zone)
    return actor, comment, payload, moment


@pytest.mark.parametrize(("state", "trigger"), _pairs("obligation"))
def test_obligation_pair(session, make_user, state, trigger):
    from datetime import timedelta

    from app.obligations.models import Recurrence
    from app.obligations.schemas import ObligationCreate
    from app.obligations.service import add_obligation

    people = cast(make_user)
    agreement = draft_agreement(session, people)
    today = clock.today(get_settings().zone)
    recurring = trigger == "fulfil_occurrence"
    data = ObligationCreate(
        description="Quarterly report" if recurring else "Final report",
        due_date=today + timedelta(days=10),
        recurrence=Recurrence.QUARTERLY if recurring else None,
    )
    obligation = add_obligation(session, agreement.id, data, people.manager)
    for step in _paths("obligation")[state]:
        actor, comment, payload, moment = _obligation_step(obligation, step, people)
        if step == "fulfil" and recurring:
            obligation.recurrence = None  # reach 'fulfilled' by its last occurrence
        with clock.frozen_at(moment):
            engine.fire(session, "obligation", obligation, step, acting(actor), comment,
                        payload=payload)  # fmt: skip
        if recurring:
            obligation.recurrence = Recurrence.QUARTERLY
    assert obligation.status == state
    before = _events(session)
    actor, comment, payload, moment = _obligation_step(obligation, trigger, people)
    transition = get_workflow("obligation").find(trigger, state)
    with clock.frozen_at(moment):
        if transition is None:
            with pytest.raises(TransitionNotAllowed, match=re.escape(get_workflow("obligation").name_of(state))):
                engine.fire(session, "obligation", obligation, trigger, acting(actor), comment, payload=payload)
            assert obligation.status == state and _events(session) == before
        else:
            engine.fire(session, "obligation", obligation, trigger, acting(actor), comment,
                        payload=payload)  # fmt: skip
            assert obligation.status == transition.dest and _events(session) == before + 1


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        (state, trigger)
        for state, trigger in _pairs("agreement")
        if trigger in RECORDED_ONLY and state in _paths("agreement", without=("submit_for_review",))
    ],
)
def test_recorded_agreement_pair(session, make_user, state, trigger):
    """An agreement signed elsewhere, recorded as such, reaches every state; the recorded-only triggers fire or not."""
    from datetime import timedelta

    from app.agreements.existing import ExistingTerms, open_existing

    people = cast(make_user)
    drafted = draft_agreement(session, people)
    today = clock.today(get_settings().zone)
    terms = ExistingTerms("Signed long ago", today - timedelta(days=400), today + timedelta(days=400))
    agreement = open_existing(session, drafted.partnership, terms, SYSTEM)
    session.flush()
    workflow = get_workflow("agreement")
    corrected = {
        "effective_date": terms.effective_date.isoformat(),
        "end_date": (terms.end_date + timedelta(days=30)).isoformat(),
        "evidence": "file line 2",
    }
    payloads = {"record_existing": {"evidence": "file line 2"}, "correct_recorded_term": corrected}
    for step in _paths("agreement", without=("submit_for_review",))[state]:
        if step in RECORDED_ONLY:
            engine.fire(session, "agreement", agreement, step, SYSTEM, "table", payload=payloads[step])
        else:
            advance(session, agreement, step, people)
    assert agreement.status == state
    before = _events(session)
    transition = workflow.find(trigger, state)
    if transition is None:
        with pytest.raises(TransitionNotAllowed, match=re.escape(workflow.name_of(state))):
            engine.fire(session, "agreement", agreement, trigger, SYSTEM, "table", payload=payloads[trigger])
        assert _events(session) == before
    else:
        engine.fire(session, "agreement", agreement, trigger, SYSTEM, "table", payload=payloads[trigger])
        assert agreement.status == transition.dest
        assert _events(session) == before + 1
