"""The one engine every state change goes through: checks the trigger, writes the state, appends the event.

Workflows are data (``workflows/*.yaml``). This first version knows states and transitions; roles, guards
and effects are added by the full engine (issue 3) without changing how callers use ``fire``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session
from transitions import Machine

from app.errors import Conflict, FieldProblem, Forbidden
from app.users.models import Role, User
from app.workflow.guards import GUARDS
from app.workflow.models import TransitionEvent

SYSTEM_ROLE = "system"
"""Pseudo-role of automatic transitions (scheduler, agreement events): no person may fire them."""

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"


class WorkflowDefinitionError(Exception):
    """A workflow file is malformed; raised at start-up with a message naming the file and the problem."""


@dataclass(frozen=True)
class Transition:
    """One trigger leading from some states to one state."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str] = frozenset()
    guards: tuple[str, ...] = ()

    @property
    def automatic(self) -> bool:
        """Whether only the system fires it."""
        return self.roles == {SYSTEM_ROLE}


@dataclass(frozen=True)
class Workflow:
    """States and transitions of one kind of entity, and which attribute holds its state."""

    name: str
    initial: str
    states: dict[str, str]
    transitions: tuple[Transition, ...]
    state_attribute: str = field(default="stage")
    machine: Machine | None = field(default=None, compare=False, repr=False)

    def find(self, trigger: str, source: str) -> Transition | None:
        """The transition for ``trigger`` from ``source``, if there is one (asked of the shared machine)."""
        if self.machine is not None and not self.machine.get_transitions(trigger=trigger, source=source):
            return None
        for transition in self.transitions:
            if transition.trigger == trigger and source in transition.sources:
                return transition
        return None

    def triggers_from(self, source: str) -> list[str]:
        """The triggers that can fire from ``source``."""
        return [t.trigger for t in self.transitions if source in t.sources]


STATE_ATTRIBUTES = {"partnership": "stage", "agreement": "status"}


def parse_workflow(raw: dict[str, Any], origin: str) -> Workflow:
    """Check and build a workflow from its YAML data; unknown states fail with a clear message."""
    try:
        name = str(raw["name"])
        states = {str(k): str(v) for k, v in dict(raw["states"]).items()}
        initial = str(raw["initial"])
        items = list(raw["transitions"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WorkflowDefinitionError(f"{origin}: missing or malformed section {exc}") from None
    if initial not in states:
        raise WorkflowDefinitionError(f"{origin}: initial state {initial!r} is not declared in states")
    transitions = []
    for index, item in enumerate(items, start=1):
        sources = item.get("source")
        sources = (sources,) if isinstance(sources, str) else tuple(sources or ())
        dest = item.get("dest")
        trigger = item.get("trigger")
        if not trigger or not sources or not dest:
            raise WorkflowDefinitionError(f"{origin}: transition {index} needs trigger, source and dest")
        for state in (*sources, dest):
            if state not in states:
                raise WorkflowDefinitionError(f"{origin}: transition {trigger!r} uses unknown state {state!r}")
        roles = item.get("roles") or []
        known_roles = {role.value for role in Role} | {SYSTEM_ROLE}
        for role in roles:
            if role not in known_roles:
                raise WorkflowDefinitionError(f"{origin}: transition {trigger!r} names unknown role {role!r}")
        guards = tuple(item.get("guards") or ())
        for guard_name in guards:
            if guard_name not in GUARDS:
                raise WorkflowDefinitionError(f"{origin}: transition {trigger!r} names unknown guard {guard_name!r}")
        transitions.append(Transition(str(trigger), sources, str(dest), frozenset(roles), guards))
    attribute = STATE_ATTRIBUTES.get(name)
    if attribute is None:
        raise WorkflowDefinitionError(
            f"{origin}: unknown workflow name {name!r}; expected one of {sorted(STATE_ATTRIBUTES)}"
        )
    # One shared machine per workflow, never one per row: it answers "which transition?" for any entity.
    machine = Machine(
        model=None,
        states=list(states),
        initial=initial,
        transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in transitions],
        auto_transitions=False,
    )
    return Workflow(name, initial, states, tuple(transitions), attribute, machine)


@lru_cache
def get_workflow(name: str) -> Workflow:
    """The workflow called ``name``, loaded from ``workflows/<name>.yaml``."""
    path = WORKFLOWS_DIR / f"{name}.yaml"
    if not path.exists():
        raise WorkflowDefinitionError(f"no workflow file {path}")
    return parse_workflow(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


class TransitionNotAllowed(Conflict):
    """The trigger cannot fire from the entity's current state."""


def record_creation(session: Session, workflow_name: str, entity: Any, actor_id: int | None) -> None:
    """Put a new entity in its initial state and record that as its first event."""
    workflow = get_workflow(workflow_name)
    setattr(entity, workflow.state_attribute, workflow.initial)
    session.flush()
    session.add(
        TransitionEvent(
            entity_type=workflow.name,
            entity_id=entity.id,
            from_state=None,
            to_state=workflow.initial,
            trigger="create",
            actor_id=actor_id,
        )
    )


class TransitionBlocked(Conflict):
    """A guard refuses the transition; ``reasons`` says why, in words a user understands."""

    def __init__(self, detail: str, reasons: list[str]) -> None:
        super().__init__(detail, [FieldProblem("trigger", reason) for reason in reasons])
        self.reasons = reasons


@dataclass(frozen=True)
class Availability:
    """Whether a user may fire a trigger now, and if not, why."""

    trigger: str
    dest: str
    allowed: bool
    reasons: tuple[str, ...]


def _role_reasons(transition: Transition, user: User | None) -> list[str]:
    if user is None or not transition.roles:
        return []
    if transition.automatic:
        return ["this happens automatically"]
    people_roles = sorted(transition.roles - {SYSTEM_ROLE})
    if not user.is_active or not user.has_role(*(Role(role) for role in people_roles)):
        return [f"only a user with the role {' or '.join(people_roles)} may do this"]
    return []


def _guard_reasons(session: Session, transition: Transition, entity: Any) -> list[str]:
    return [reason for name in transition.guards for reason in GUARDS[name](session, entity)]


def available(session: Session, workflow_name: str, entity: Any, user: User | None) -> list[Availability]:
    """Every trigger from the entity's current state, allowed or blocked with reasons; changes nothing."""
    workflow = get_workflow(workflow_name)
    current = getattr(entity, workflow.state_attribute)
    result = []
    for transition in workflow.transitions:
        if current in transition.sources:
            reasons = _role_reasons(transition, user) + _guard_reasons(session, transition, entity)
            result.append(Availability(transition.trigger, transition.dest, not reasons, tuple(reasons)))
    return result


def fire(
    session: Session,
    workflow_name: str,
    entity: Any,
    trigger: str,
    actor_id: int | None,
    comment: str | None = None,
    *,
    actor: User | None = None,
) -> TransitionEvent:
    """Move ``entity`` by ``trigger``: check the roles of ``actor`` and the guards, write the state, append the event.

    A refused transition writes nothing; the caller's transaction commits.
    """
    workflow = get_workflow(workflow_name)
    current = getattr(entity, workflow.state_attribute)
    transition = workflow.find(trigger, current)
    if transition is None:
        allowed = ", ".join(workflow.triggers_from(current)) or "none"
        raise TransitionNotAllowed(
            f"cannot {trigger.replace('_', ' ')} a {workflow.name} that is {current!r}; allowed from there: {allowed}"
        )
    role_reasons = _role_reasons(transition, actor)
    if role_reasons:
        raise Forbidden(f"cannot {trigger.replace('_', ' ')}: {role_reasons[0]}")
    reasons = _guard_reasons(session, transition, entity)
    if reasons:
        raise TransitionBlocked(f"cannot {trigger.replace('_', ' ')}: {'; '.join(reasons)}", reasons)
    setattr(entity, workflow.state_attribute, transition.dest)
    event = TransitionEvent(
        entity_type=workflow.name,
        entity_id=entity.id,
        from_state=current,
        to_state=transition.dest,
        trigger=trigger,
        actor_id=actor_id,
        comment=comment,
    )
    session.add(event)
    session.flush()
    return event
