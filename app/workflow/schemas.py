"""What the API returns about workflow definitions."""

from __future__ import annotations

from app.schemas import OutputModel


class TransitionDefinition(OutputModel):
    """One trigger of a workflow."""

    trigger: str
    sources: list[str]
    dest: str
    roles: list[str]
    guards: list[str]
    automatic: bool


class WorkflowDefinition(OutputModel):
    """A workflow as it runs: states, initial state and transitions."""

    name: str
    initial: str
    states: dict[str, str]
    transitions: list[TransitionDefinition]
