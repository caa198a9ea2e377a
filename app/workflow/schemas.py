"""What the API takes and returns about workflows: definitions, available transitions, requests, history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from app.i18n import VOCAB
from app.schemas import InputModel, LongText, OutputModel
from app.workflow.engine import Availability


class PayloadFieldRead(OutputModel):
    """A piece of data a trigger takes."""

    name: str
    type: str
    required: bool
    description: str = Field(description="What the field holds, in the reader's language")

    @field_validator("description")
    @classmethod
    def _in_the_readers_language(cls, text: str) -> str:
        return VOCAB.gettext(text)


class TransitionDefinition(OutputModel):
    """One trigger of a workflow."""

    trigger: str
    label: str = Field(description="What a person reads for the trigger, in the reader's language")
    sources: list[str]
    dest: str
    roles: list[str]
    guards: list[str]
    effects: list[str]
    payload: list[PayloadFieldRead]
    comment_required: bool
    automatic: bool


class WorkflowDefinition(OutputModel):
    """A workflow as it runs: states, initial state and transitions."""

    name: str
    initial: str
    states: dict[str, str] = Field(description="Each state's code and its label, in the reader's language")
    short_labels: dict[str, str] = Field(description="Each state's code and its name in a word or two")
    transitions: list[TransitionDefinition]


class TransitionRequest(InputModel):
    """Why a transition is made (kept in the audit trail) and the data the trigger takes."""

    comment: LongText | None = Field(None, max_length=2000)
    payload: dict[str, Any] | None = Field(
        None,
        description="Data the trigger takes, as listed by GET …/transitions (e.g. a termination date).",
        examples=[{"reason": "The partner closed its office", "termination_date": "2027-03-31"}],
    )


class AvailableTransition(OutputModel):
    """A trigger from the current state: whether the caller may fire it now, if not why, and what it takes."""

    trigger: str
    dest: str
    allowed: bool
    reasons: list[str]
    comment_required: bool
    payload: list[PayloadFieldRead]

    @classmethod
    def of(cls, availability: Availability) -> AvailableTransition:
        """The API view of an engine availability."""
        return cls(
            trigger=availability.trigger,
            dest=availability.dest,
            allowed=availability.allowed,
            reasons=list(availability.reasons),
            comment_required=availability.comment_required,
            payload=[PayloadFieldRead.model_validate(spec) for spec in availability.payload],
        )


class TransitionEventRead(OutputModel):
    """One entry of an entity's history."""

    id: int
    from_state: str | None
    to_state: str
    trigger: str
    actor_id: int | None
    occurred_at: datetime
    comment: str | None
    payload: dict[str, Any] | None
