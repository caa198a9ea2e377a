"""The one engine every state change goes through: role, payload and guards checked, state written,
event appended and effects run, all in the caller's transaction.

Every firing names its :class:`~app.workflow.actor.Actor`: a person, checked against the transition's roles, or
the system, which may fire only transitions whose roles include ``system``. Definitions (states, groups,
transitions) are loaded and checked by :mod:`app.workflow.definition`; guards, effects and daily criteria are
named functions each domain registers in :mod:`app.workflow.registry` from its own ``rules`` module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.errors import Conflict, DomainError, FieldProblem, Forbidden, NotFound, invalid
from app.i18n import MESSAGES, VOCAB
from app.workflow import definition
from app.workflow.actor import SYSTEM_ROLE, Actor
from app.workflow.definition import Transition, Workflow
from app.workflow.models import TransitionEvent
from app.workflow.payload import PayloadField, parse_payload
from app.workflow.registry import EFFECTS, EFFECTS_MANY, GUARDS, Context
from app.workflow.stays import StageStay  # noqa: F401  (its listener keeps stays with the events, same flush)


class TransitionNotAllowed(Conflict):
    """The trigger cannot fire from the entity's current state."""


class TransitionBlocked(Conflict):
    """A guard refuses the transition; ``reasons`` says why, in words a user understands."""

    def __init__(self, detail: str, reasons: list[str]) -> None:
        super().__init__(detail, [FieldProblem("trigger", reason) for reason in reasons])
        self.reasons = reasons


def _require_actor(actor: object) -> Actor:
    """Refuse anything but an :class:`Actor`: a missing or bare id would skip the role check."""
    if not isinstance(actor, Actor):
        raise TypeError(f"the workflow needs an Actor (Actor.person(user) or Actor.system(...)), not {actor!r}")
    return actor


def record_creation(session: Session, workflow_name: str, entity: Any, actor: Actor) -> None:
    """Put a new entity in its initial state and record that as its first event."""
    record_creations(session, workflow_name, [entity], actor)


PENDING_EVENTS = "workflow_pending_events"
"""``session.info`` key: events of entities not written yet, given their entity's id once it is (see below)."""


def record_creations(
    session: Session, workflow_name: str, entities: list[Any], actor: Actor, *, flush: bool = True
) -> None:
    """Put new entities in their initial state and record that as their first events (one flush for all).

    ``flush=False`` (a batch that moves them at once) leaves the writing to the next flush: the events are
    recorded against their entities when those are written.
    """
    _require_actor(actor)
    workflow = definition.get_workflow(workflow_name)
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
                actor_id=actor.audit_id,
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
    """Whether an actor may fire a trigger now, and if not, why; and what it asks for."""

    trigger: str
    dest: str
    allowed: bool
    reasons: tuple[str, ...]
    payload: tuple[PayloadField, ...] = ()
    comment_required: bool = False


def _a_person_with(role: str) -> str:
    """A holder of ``role`` as a sentence names one ("a legal officer"), in the current language."""
    named = {
        "admin": MESSAGES.gettext("an admin"),
        "legal_officer": MESSAGES.gettext("a legal officer"),
        "project_manager": MESSAGES.gettext("a project manager"),
        "viewer": MESSAGES.gettext("a viewer"),
    }
    return named.get(role) or f"{'an' if role[0] in 'aeiou' else 'a'} {role.replace('_', ' ')}"


def _a(workflow_name: str) -> str:
    """One entity of ``workflow_name`` as a sentence names it ("an agreement", "un accord")."""
    named = {
        "agreement": MESSAGES.gettext("an agreement"),
        "partnership": MESSAGES.gettext("a partnership"),
        "obligation": MESSAGES.gettext("an obligation"),
    }
    return named.get(workflow_name) or f"{'an' if workflow_name[0] in 'aeiou' else 'a'} {workflow_name}"


def _role_reasons(transition: Transition, actor: Actor) -> list[str]:
    """Why ``actor`` may not fire ``transition`` (empty when it may): the only role check there is."""
    if actor.is_system:
        return [] if SYSTEM_ROLE in transition.roles else [MESSAGES.gettext("only a person may do this")]
    if transition.automatic:
        return [MESSAGES.gettext("this happens automatically")]
    people_roles = sorted(transition.roles - {SYSTEM_ROLE})
    if not actor.active:
        return [MESSAGES.gettext("only an active user may do this")]
    if people_roles and not actor.has_role(*people_roles):
        named = f" {MESSAGES.gettext('or')} ".join(_a_person_with(role) for role in people_roles)
        return [MESSAGES.gettext("only {roles} may do this", roles=named)]
    return []


def _guard_reasons(transition: Transition, ctx: Context) -> list[str]:
    return [reason for name in transition.guards for reason in GUARDS[name](ctx)]


def current_date() -> date:
    """Today in the organisation's timezone: the date guards judge by."""
    return clock.today(get_settings().zone)


def available(session: Session, workflow_name: str, entity: Any, actor: Actor) -> list[Availability]:
    """Every trigger from the entity's current state, allowed or blocked with reasons; changes nothing."""
    _require_actor(actor)
    workflow = definition.get_workflow(workflow_name)
    current = workflow.state_of(entity)
    result = []
    for transition in workflow.transitions:
        if current in transition.sources and not transition.internal:
            ctx = Context(session, entity, transition.trigger, actor, current_date())
            reasons = _role_reasons(transition, actor) + _guard_reasons(transition, ctx)
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
    actor: Actor,
    comment: str | None = None,
    *,
    payload: dict[str, Any] | None = None,
) -> TransitionEvent:
    """Move ``entity`` by ``trigger``: roles, payload and guards checked, state written, event appended, effects run.

    ``actor`` is a person (checked against the transition's roles) or the system (which may fire only
    transitions whose roles include ``system``). A refused transition writes nothing; the caller's transaction
    commits.
    """
    result = fire_many(session, workflow_name, [(entity, comment, payload)], trigger, actor)[0]
    if isinstance(result, Exception):
        raise result
    return result


def _check(
    session: Session,
    workflow: Workflow,
    entity: Any,
    trigger: str,
    actor: Actor,
    comment: str | None,
    payload: dict[str, Any] | None,
) -> tuple[Transition, Context]:
    """Everything ``fire`` checks before it writes; raises the error that refuses the transition."""
    current = workflow.state_of(entity)
    words = trigger.replace("_", " ")
    if trigger not in workflow.triggers():
        known = ", ".join(sorted(workflow.triggers()))
        raise NotFound(
            MESSAGES.gettext(
                "the {workflow} workflow has no trigger {trigger}; its triggers are: {known}",
                workflow=workflow.name,
                trigger=repr(trigger),
                known=known,
            )
        )
    transition = workflow.find(trigger, current)
    if transition is None:
        same_trigger = next((t for t in workflow.transitions if t.trigger == trigger), None)
        if same_trigger is not None:
            parse_payload(same_trigger.payload, payload)  # malformed data is a 422 whatever the state
        allowed = ", ".join(VOCAB.gettext(workflow.trigger_label(t)) for t in workflow.triggers_from(current))
        # TRANSLATORS: {action} is the trigger in English words ("approve"), {label} its label; {entity} "an agreement".
        raise TransitionNotAllowed(
            MESSAGES.gettext(
                "cannot {action} {entity} that is {state}; allowed from there: {allowed}",
                action=words,
                label=VOCAB.gettext(workflow.trigger_label(trigger)),
                entity=_a(workflow.name),
                state=workflow.name_of(current),
                allowed=allowed or MESSAGES.gettext("none"),
            )
        )
    role_reasons = _role_reasons(transition, actor)
    if role_reasons:
        raise Forbidden(
            MESSAGES.gettext(
                "cannot {action}: {reason}", action=words, label=VOCAB.gettext(transition.label), reason=role_reasons[0]
            )
        )
    if transition.comment_required and not (comment or "").strip():
        raise invalid(
            "comment",
            MESSAGES.gettext("is required: say why you {action}", action=words, label=VOCAB.gettext(transition.label)),
        )
    parsed = parse_payload(transition.payload, payload)
    ctx = Context(session, entity, trigger, actor, current_date(), parsed, comment)
    reasons = _guard_reasons(transition, ctx)
    if reasons:
        raise TransitionBlocked(
            MESSAGES.gettext(
                "cannot {action}: {reason}",
                action=words,
                label=VOCAB.gettext(transition.label),
                reason="; ".join(reasons),
            ),
            reasons,
        )
    return transition, ctx


def fire_many(
    session: Session,
    workflow_name: str,
    items: list[tuple[Any, str | None, dict[str, Any] | None]],
    trigger: str,
    actor: Actor,
    *,
    flush: bool = True,
) -> list[TransitionEvent | DomainError]:
    """Move many entities by the same trigger, each checked as ``fire`` checks it, with one flush for all.

    ``items`` are ``(entity, comment, payload)``. An entity whose transition is refused is left as it was and
    its error is returned in its place; the others are moved, their events appended and their effects run in order.
    ``flush=False`` leaves the writing to the caller's next step (a batch moved again at once writes one UPDATE).
    """
    _require_actor(actor)
    workflow = definition.get_workflow(workflow_name)
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
            actor_id=actor.audit_id,
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
