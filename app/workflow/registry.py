"""Named guards, effects and daily criteria that workflow files refer to, and the context they receive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.workflow.actor import Actor


@dataclass(frozen=True)
class Context:
    """What a guard or an effect knows about a transition being considered or made.

    ``payload`` is ``None`` when the engine only asks which actions are available: guards that judge the
    payload then have nothing to say yet.
    """

    session: Session
    entity: Any
    trigger: str
    actor: Actor
    today: date
    payload: dict[str, Any] | None = None
    comment: str | None = None

    @property
    def by_admin(self) -> bool:
        """Whether the actor is an active admin."""
        return self.actor.is_admin


Guard = Callable[[Context], list[str]]
Effect = Callable[[Context], None]
Criterion = Callable[[date], ColumnElement[bool]]

GUARDS: dict[str, Guard] = {}
EFFECTS: dict[str, Effect] = {}
EFFECTS_MANY: dict[str, Callable[[list[Context]], None]] = {}
"""Effects that also have a form for many entities at once, used when the engine moves a batch."""
CRITERIA: dict[str, Criterion] = {}

_registered = False


def mark_registered() -> None:
    """Say every domain's rules are imported (the composition root :mod:`app.rules` calls this)."""
    global _registered
    _registered = True


def is_registered() -> bool:
    """Whether the composition root has registered every domain's rules."""
    return _registered


def guard(name: str) -> Callable[[Guard], Guard]:
    """Register a guard (returns the reasons a transition is blocked; empty means allowed)."""

    def register(function: Guard) -> Guard:
        GUARDS[name] = function
        return function

    return register


def effect(name: str) -> Callable[[Effect], Effect]:
    """Register an effect, run after the state is written, in the same transaction."""

    def register(function: Effect) -> Effect:
        EFFECTS[name] = function
        return function

    return register


def effect_many(name: str) -> Callable[[Callable[[list[Context]], None]], Callable[[list[Context]], None]]:
    """Register the batch form of the effect ``name``: the same result for each context, with fewer queries."""

    def register(function: Callable[[list[Context]], None]) -> Callable[[list[Context]], None]:
        EFFECTS_MANY[name] = function
        return function

    return register


def criterion(name: str) -> Callable[[Criterion], Criterion]:
    """Register a SQL condition that picks the entities a daily automatic transition is due for."""

    def register(function: Criterion) -> Criterion:
        CRITERIA[name] = function
        return function

    return register
