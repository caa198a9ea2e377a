"""The one engine every state change goes through: role, payload and guards checked, state written,
event appended and effects run, all in the caller's transaction.

Workflows are data (``workflows/*.yaml``); guards, effects and daily criteria are named functions
registered in :mod:`app.workflow.registry`. A malformed file stops the process at start-up with the file,
the line and the name at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session
from transitions import Machine

from app import clock
from app.config import get_settings
from app.errors import Conflict, DomainError, FieldProblem, Forbidden, NotFound, invalid
from app.users.models import Role, User
from app.workflow.models import TransitionEvent
from app.workflow.payload import PARSERS, PayloadField, parse_payload
from app.workflow.registry import CRITERIA, EFFECTS, EFFECTS_MANY, GUARDS, Context

SYSTEM_ROLE = "system"
"""Pseudo-role of automatic transitions (scheduler, agreement events): no person may fire them."""

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"
STATE_ATTRIBUTES = {"partnership": "stage", "agreement": "status", "obligation": "status"}
_LINE = "__line__"


class WorkflowDefinitionError(Exception):
    """A workflow file is malformed; raised at start-up with a message naming the file, the line and the name."""


@dataclass(frozen=True)
class Transition:
    """One trigger leading from some states to one state, with who may fire it and what it checks and does."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str] = frozenset()
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    payload: tuple[PayloadField, ...] = ()
    comment_required: bool = False
    internal: bool = False
    """Fired only by its own path (an import, recording a signed copy), never offered as an action."""

    @property
    def automatic(self) -> bool:
        """Whether only the system fires it."""
        return self.roles == {SYSTEM_ROLE}


@dataclass(frozen=True)
class DailyRule:
    """An automatic transition the daily job fires for every entity the named criterion selects."""

    trigger: str
    when: str


@dataclass(frozen=True)
class Workflow:
    """States and transitions of one kind of entity, and which attribute holds its state."""

    name: str
    initial: str
    states: dict[str, str]
    transitions: tuple[Transition, ...]
    state_attribute: str = field(default="stage")
    daily: tuple[DailyRule, ...] = ()
    moves: dict[str, str] = field(default_factory=dict)
    machine: Machine | None = field(default=None, compare=False, repr=False)

    def find(self, trigger: str, source: str) -> Transition | None:
        """The transition for ``trigger`` from ``source``, if there is one (asked of the shared machine)."""
        source = str(getattr(source, "value", source))  # an enum column gives a StrEnum; the machine wants names
        if self.machine is not None and not self.machine.get_transitions(trigger=trigger, source=source):
            return None
        for transition in self.transitions:
            if transition.trigger == trigger and source in transition.sources:
                return transition
        return None

    def state_of(self, entity: Any) -> str:
        """The entity's current state, as a plain name."""
        value = getattr(entity, self.state_attribute)
        return str(getattr(value, "value", value))

    def triggers_from(self, source: str) -> list[str]:
        """The triggers that can fire from ``source``."""
        return [t.trigger for t in self.transitions if source in t.sources]

    def triggers(self) -> set[str]:
        """Every trigger of the workflow."""
        return {t.trigger for t in self.transitions}


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping, for error messages."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _where(origin: str, item: Any) -> str:
    line = item.get(_LINE) if isinstance(item, dict) else None
    return f"{origin}, line {line}" if line else origin


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _parse_payload_fields(spec: Any, where: str, trigger: str) -> tuple[PayloadField, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, dict):
        raise WorkflowDefinitionError(f"{where}: payload of {trigger!r} must map field names to their types")
    fields = []
    for name, item in spec.items():
        if name == _LINE:
            continue
        item = item if isinstance(item, dict) else {"type": item}
        kind = item.get("type")
        if kind not in PARSERS:
            known = ", ".join(sorted(PARSERS))
            raise WorkflowDefinitionError(
                f"{where}: payload field {name!r} of {trigger!r} has unknown type {kind!r}; known: {known}"
            )
        description = str(item.get("description") or name.replace("_", " "))
        fields.append(PayloadField(str(name), str(kind), bool(item.get("required", False)), description))
    return tuple(fields)


def _parse_transition(item: Any, index: int, origin: str, states: dict[str, str]) -> Transition:
    where = _where(origin, item)
    if not isinstance(item, dict):
        raise WorkflowDefinitionError(f"{where}: transition {index} must be a mapping")
    trigger, dest = item.get("trigger"), item.get("dest")
    sources = tuple(_as_list(item.get("source")))
    if not trigger or not sources or not dest:
        raise WorkflowDefinitionError(f"{where}: transition {index} needs trigger, source and dest")
    unknown_keys = sorted(
        set(item)
        - {_LINE, "trigger", "source", "dest", "roles", "guards", "effects", "payload", "comment_required", "internal"}
    )
    if unknown_keys:
        raise WorkflowDefinitionError(f"{where}: transition {trigger!r} has unknown key {unknown_keys[0]!r}")
    for state in (*sources, dest):
        if state not in states:
            raise WorkflowDefinitionError(f"{where}: transition {trigger!r} uses unknown state {state!r}")
    roles = _as_list(item.get("roles"))
    known_roles = {role.value for role in Role} | {SYSTEM_ROLE}
    for role in roles:
        if role not in known_roles:
            raise WorkflowDefinitionError(f"{where}: transition {trigger!r} names unknown role {role!r}")
    for kind, registry in (("guard", GUARDS), ("effect", EFFECTS)):
        for name in _as_list(item.get(f"{kind}s")):
            if name not in registry:
                raise WorkflowDefinitionError(f"{where}: transition {trigger!r} names unknown {kind} {name!r}")
    return Transition(
        trigger=str(trigger),
        sources=sources,
        dest=str(dest),
        roles=frozenset(roles),
        guards=tuple(_as_list(item.get("guards"))),
        effects=tuple(_as_list(item.get("effects"))),
        payload=_parse_payload_fields(item.get("payload"), where, str(trigger)),
        comment_required=bool(item.get("comment_required", False)),
        internal=bool(item.get("internal", False)),
    )


def _parse_daily(raw: Any, origin: str, triggers: set[str]) -> tuple[DailyRule, ...]:
    rules = []
    for item in _as_list(raw):
        where = _where(origin, item)
        trigger, when = (item.get("trigger"), item.get("when")) if isinstance(item, dict) else (None, None)
        if trigger not in triggers:
            raise WorkflowDefinitionError(f"{where}: daily rule names unknown trigger {trigger!r}")
        if when not in CRITERIA:
            raise WorkflowDefinitionError(f"{where}: daily rule for {trigger!r} names unknown criterion {when!r}")
        rules.append(DailyRule(str(trigger), str(when)))
    return tuple(rules)


def _parse_moves(raw: Any, origin: str) -> dict[str, str]:
    """Triggers of the partnership workflow that events of this workflow fire (checked against that file)."""
    if raw is None:
        return {}
    moves = {str(k): str(v) for k, v in dict(raw).items() if k != _LINE}
    known = get_workflow("partnership").triggers()
    for event_name, trigger in moves.items():
        if trigger not in known:
            raise WorkflowDefinitionError(
                f"{_where(origin, raw)}: partnership_moves.{event_name} names unknown partnership trigger {trigger!r}"
            )
    return moves


def parse_workflow(raw: dict[str, Any], origin: str) -> Workflow:
    """Check and build a workflow from its YAML data; anything unknown fails with the file, line and name."""
    _load_rules()
    try:
        name = str(raw["name"])
        states = {str(k): str(v) for k, v in dict(raw["states"]).items() if k != _LINE}
        initial = str(raw["initial"])
        items = list(raw["transitions"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WorkflowDefinitionError(f"{origin}: missing or malformed section {exc}") from None
    if name not in STATE_ATTRIBUTES:
        raise WorkflowDefinitionError(
            f"{_where(origin, raw)}: unknown workflow name {name!r}; expected one of {sorted(STATE_ATTRIBUTES)}"
        )
    if initial not in states:
        raise WorkflowDefinitionError(f"{origin}: initial state {initial!r} is not declared in states")
    transitions = tuple(_parse_transition(item, index, origin, states) for index, item in enumerate(items, start=1))
    daily = _parse_daily(raw.get("daily"), origin, {t.trigger for t in transitions})
    moves = _parse_moves(raw.get("partnership_moves"), origin)
    # One shared machine per workflow, never one per row: it answers "which transition?" for any entity.
    machine = Machine(
        model=None,
        states=list(states),
        initial=initial,
        transitions=[{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in transitions],
        auto_transitions=False,
    )
    return Workflow(name, initial, states, transitions, STATE_ATTRIBUTES[name], daily, moves, machine)


def _load_rules() -> None:
    """Import the modules that register guards, effects and criteria (they import this one's registry)."""
    import app.agreements.rules
    import app.obligations.rules
    import app.workflow.guards  # noqa: F401


def load_workflow_file(path: Path) -> Workflow:
    """Read and check one workflow file."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        raise WorkflowDefinitionError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(raw, dict):
        raise WorkflowDefinitionError(f"{path}: expected a mapping with name, initial, states and transitions")
    return parse_workflow(raw, str(path))


@lru_cache
def get_workflow(name: str) -> Workflow:
    """The workflow called ``name``, loaded from ``workflows/<name>.yaml``."""
    path = WORKFLOWS_DIR / f"{name}.yaml"
    if not path.exists():
        raise WorkflowDefinitionError(f"no workflow file {path}")
    return load_workflow_file(path)


def load_all() -> list[Workflow]:
    """Load and check every workflow; called at start-up so a bad file stops the process."""
    return [get_workflow(name) for name in STATE_ATTRIBUTES]


class TransitionNotAllowed(Conflict):
    """The trigger cannot fire from the entity's current state."""


class TransitionBlocked(Conflict):
    """A guard refuses the transition; ``reasons`` says why, in words a user understands."""

    def __init__(self, detail: str, reasons: list[str]) -> None:
        super().__init__(detail, [FieldProblem("trigger", reason) for reason in reasons])
        self.reasons = reasons


def record_creation(session: Session, workflow_name: str, entity: Any, actor_id: int | None) -> None:
    """Put a new entity in its initial state and record that as its first event."""
    record_creations(session, workflow_name, [entity], actor_id)


PENDING_EVENTS = "workflow_pending_events"
"""``session.info`` key: events of entities not written yet, given their entity's id once it is (see below)."""


def record_creations(
    session: Session, workflow_name: str, entities: list[Any], actor_id: int | None, *, flush: bool = True
) -> None:
    """Put new entities in their initial state and record that as their first events (one flush for all).

    ``flush=False`` (a batch that moves them at once) leaves the writing to the next flush: the events are
    recorded against their entities when those are written.
    """
    workflow = get_workflow(workflow_name)
    for entity in entities:
        setattr(entity, workflow.state_attribute, workflow.initial)
    if flush:
        session.flush()
    for entity in entities:
        _add_event(
            session,
            entity,
            TransitionEvent(
                entity_type=workflow.name, from_state=None, to_state=workflow.initial, trigger="create",
                actor_id=actor_id,
            ),
        )  # fmt: skip


def _add_event(session: Session, entity: Any, event: TransitionEvent) -> None:
    """Append ``event``; an entity not written yet gets it once it is (its id is known only then)."""
    if entity.id is not None:
        event.entity_id = entity.id
        session.add(event)
    else:
        session.info.setdefault(PENDING_EVENTS, []).append((event, entity))


@sa_event.listens_for(Session, "after_flush_postexec")
def _attach_pending_events(session: Session, _context: Any) -> None:
    """The entities of pending events are written now: record their events (they go with the next flush)."""
    pending = session.info.pop(PENDING_EVENTS, None)
    if not pending:
        return
    waiting = []
    for event, entity in pending:
        if entity.id is None:
            waiting.append((event, entity))
            continue
        event.entity_id = entity.id
        session.add(event)
    if waiting:
        session.info[PENDING_EVENTS] = waiting


@dataclass(frozen=True)
class Availability:
    """Whether a user may fire a trigger now, and if not, why; and what it asks for."""

    trigger: str
    dest: str
    allowed: bool
    reasons: tuple[str, ...]
    payload: tuple[PayloadField, ...] = ()
    comment_required: bool = False


def _role_reasons(transition: Transition, user: User | None) -> list[str]:
    if user is None or not transition.roles:
        return []
    if transition.automatic:
        return ["this happens automatically"]
    people_roles = sorted(transition.roles - {SYSTEM_ROLE})
    if not user.is_active or not user.has_role(*(Role(role) for role in people_roles)):
        named = " or ".join(f"{'an' if role[0] in 'aeiou' else 'a'} {role.replace('_', ' ')}" for role in people_roles)
        return [f"only {named} may do this"]
    return []


def _guard_reasons(transition: Transition, ctx: Context) -> list[str]:
    return [reason for name in transition.guards for reason in GUARDS[name](ctx)]


def current_date() -> date:
    """Today in the organisation's timezone: the date guards judge by."""
    return clock.today(get_settings().zone)


def available(session: Session, workflow_name: str, entity: Any, user: User | None) -> list[Availability]:
    """Every trigger from the entity's current state, allowed or blocked with reasons; changes nothing."""
    workflow = get_workflow(workflow_name)
    current = workflow.state_of(entity)
    result = []
    for transition in workflow.transitions:
        if current in transition.sources and not transition.internal:
            ctx = Context(session, entity, transition.trigger, user, current_date())
            reasons = _role_reasons(transition, user) + _guard_reasons(transition, ctx)
            result.append(
                Availability(
                    transition.trigger,
                    transition.dest,
                    not reasons,
                    tuple(reasons),
                    transition.payload,
                    transition.comment_required,
                )
            )
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
    payload: dict[str, Any] | None = None,
) -> TransitionEvent:
    """Move ``entity`` by ``trigger``: roles, payload and guards checked, state written, event appended, effects run.

    ``actor`` is the person acting (``None`` for the system). A refused transition writes nothing; the
    caller's transaction commits.
    """
    result = fire_many(session, workflow_name, [(entity, comment, payload)], trigger, actor_id, actor=actor)[0]
    if isinstance(result, Exception):
        raise result
    return result


def _check(
    session: Session,
    workflow: Workflow,
    entity: Any,
    trigger: str,
    actor: User | None,
    comment: str | None,
    payload: dict[str, Any] | None,
) -> tuple[Transition, Context]:
    """Everything ``fire`` checks before it writes; raises the error that refuses the transition."""
    current = workflow.state_of(entity)
    words = trigger.replace("_", " ")
    if trigger not in workflow.triggers():
        known = ", ".join(sorted(workflow.triggers()))
        raise NotFound(f"the {workflow.name} workflow has no trigger {trigger!r}; its triggers are: {known}")
    transition = workflow.find(trigger, current)
    if transition is None:
        same_trigger = next((t for t in workflow.transitions if t.trigger == trigger), None)
        if same_trigger is not None:
            parse_payload(same_trigger.payload, payload)  # malformed data is a 422 whatever the state
        allowed = ", ".join(workflow.triggers_from(current)) or "none"
        raise TransitionNotAllowed(
            f"cannot {words} a {workflow.name} that is {current!r}; allowed from there: {allowed}"
        )
    role_reasons = _role_reasons(transition, actor)
    if role_reasons:
        raise Forbidden(f"cannot {words}: {role_reasons[0]}")
    if transition.comment_required and not (comment or "").strip():
        raise invalid("comment", f"is required: say why you {words}")
    parsed = parse_payload(transition.payload, payload)
    ctx = Context(session, entity, trigger, actor, current_date(), parsed, comment)
    reasons = _guard_reasons(transition, ctx)
    if reasons:
        raise TransitionBlocked(f"cannot {words}: {'; '.join(reasons)}", reasons)
    return transition, ctx


def fire_many(
    session: Session,
    workflow_name: str,
    items: list[tuple[Any, str | None, dict[str, Any] | None]],
    trigger: str,
    actor_id: int | None,
    *,
    actor: User | None = None,
    flush: bool = True,
) -> list[TransitionEvent | DomainError]:
    """Move many entities by the same trigger, each checked as ``fire`` checks it, with one flush for all.

    ``items`` are ``(entity, comment, payload)``. An entity whose transition is refused is left as it was and
    its error is returned in its place; the others are moved, their events appended and their effects run in order.
    ``flush=False`` leaves the writing to the caller's next step (a batch moved again at once writes one UPDATE).
    """
    workflow = get_workflow(workflow_name)
    results: list[TransitionEvent | DomainError] = []
    moved: list[tuple[Transition, Context]] = []
    for entity, comment, payload in items:
        try:
            transition, ctx = _check(session, workflow, entity, trigger, actor, comment, payload)
        except DomainError as exc:
            results.append(exc)
            continue
        event = TransitionEvent(
            entity_type=workflow.name,
            from_state=workflow.state_of(entity),
            to_state=transition.dest,
            trigger=trigger,
            actor_id=actor_id,
            comment=comment,
            payload=ctx.payload or None,
        )
        setattr(entity, workflow.state_attribute, transition.dest)
        _add_event(session, entity, event)
        results.append(event)
        moved.append((transition, ctx))
    if moved and flush:
        session.flush()
    # Effects run effect by effect over the batch (each entity's own effects still in their declared order);
    # an effect with a batch form runs once for all of them.
    by_transition: dict[Transition, list[Context]] = {}
    for transition, ctx in moved:
        by_transition.setdefault(transition, []).append(ctx)
    for transition, contexts in by_transition.items():
        for name in transition.effects:
            if name in EFFECTS_MANY and len(contexts) > 1:
                EFFECTS_MANY[name](contexts)
            else:
                for ctx in contexts:
                    EFFECTS[name](ctx)
    return results


def history(session: Session, workflow_name: str, entity_id: int) -> list[TransitionEvent]:
    """Every state change of one entity, oldest first."""
    stmt = (
        select(TransitionEvent)
        .where(TransitionEvent.entity_type == workflow_name, TransitionEvent.entity_id == entity_id)
        .order_by(TransitionEvent.occurred_at, TransitionEvent.id)
    )
    return list(session.scalars(stmt))
