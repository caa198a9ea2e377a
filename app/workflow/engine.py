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

from app.errors import Conflict
from app.workflow.models import TransitionEvent

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"


class WorkflowDefinitionError(Exception):
    """A workflow file is malformed; raised at start-up with a message naming the file and the problem."""


@dataclass(frozen=True)
class Transition:
    """One trigger leading from some states to one state."""

    trigger: str
    sources: tuple[str, ...]
    dest: str


@dataclass(frozen=True)
class Workflow:
    """States and transitions of one kind of entity, and which attribute holds its state."""

    name: str
    initial: str
    states: dict[str, str]
    transitions: tuple[Transition, ...]
    state_attribute: str = field(default="stage")

    def find(self, trigger: str, source: str) -> Transition | None:
        """The transition for ``trigger`` from ``source``, if there is one."""
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
        transitions.append(Transition(str(trigger), sources, str(dest)))
    attribute = STATE_ATTRIBUTES.get(name)
    if attribute is None:
        raise WorkflowDefinitionError(
            f"{origin}: unknown workflow name {name!r}; expected one of {sorted(STATE_ATTRIBUTES)}"
        )
    return Workflow(name, initial, states, tuple(transitions), attribute)


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


def fire(
    session: Session,
    workflow_name: str,
    entity: Any,
    trigger: str,
    actor_id: int | None,
    comment: str | None = None,
) -> TransitionEvent:
    """Move ``entity`` by ``trigger``: check it is allowed, write the state and append the event (no commit)."""
    workflow = get_workflow(workflow_name)
    current = getattr(entity, workflow.state_attribute)
    transition = workflow.find(trigger, current)
    if transition is None:
        allowed = ", ".join(workflow.triggers_from(current)) or "none"
        raise TransitionNotAllowed(
            f"cannot {trigger.replace('_', ' ')} a {workflow.name} that is {current!r}; allowed from there: {allowed}"
        )
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
