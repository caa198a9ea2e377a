"""The scenarios the developer tools play, read once from ``scenarios.yaml`` and checked against the workflows.

No state is named in the Python of ``app/devtools``: the stages a scenario ends in live in ``scenarios.yaml`` (checked
here against ``app/workflows/partnership.yaml`` when loaded), and every other state is found by walking the workflow
definitions from their initial state along a path of triggers (``walk``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml

from app.workflow.definition import WorkflowDefinitionError, get_workflow, states

SCENARIOS_FILE = "scenarios.yaml"


@dataclass(frozen=True)
class Scenario:
    """The story of one demo partnership: the stage it ends in, how it got there, how many parties."""

    stage: str
    variant: str
    parties: int = 1
    end_in_days: int | None = None
    notice_days: int = 30


@dataclass(frozen=True)
class Scenarios:
    """Everything ``scenarios.yaml`` declares."""

    demo: tuple[Scenario, ...]
    sometimes_without_legal_officer: frozenset[str]
    stage_weights: dict[str, int]


class Step(NamedTuple):
    """One transition on a path through a workflow."""

    source: str | None
    dest: str
    trigger: str


def walk(workflow_name: str, triggers: list[str], start: str | None = None) -> list[Step]:
    """The transitions that ``triggers`` make, in order, from ``start`` (default: the workflow's initial state).

    Raises ``WorkflowDefinitionError`` when a trigger cannot be fired from where the path has got to.
    """
    workflow = get_workflow(workflow_name)
    state, steps = start or workflow.initial, []
    for trigger in triggers:
        transition = workflow.find(trigger, state)
        if transition is None:
            raise WorkflowDefinitionError(f"the {workflow_name} workflow has no {trigger!r} from {state!r}")
        steps.append(Step(state, transition.dest, trigger))
        state = transition.dest
    return steps


def reached(workflow_name: str, triggers: list[str]) -> str:
    """The state ``triggers`` lead to from the workflow's initial state."""
    path = walk(workflow_name, triggers)
    return path[-1].dest if path else get_workflow(workflow_name).initial


def _stages(values: Any, where: str) -> list[str]:
    known = states("partnership")
    for value in values:
        if value not in known:
            raise WorkflowDefinitionError(
                f"{SCENARIOS_FILE}: {where} names {value!r}, not a partnership stage ({', '.join(sorted(known))})"
            )
    return list(values)


def parse_scenarios(text: str) -> Scenarios:
    """Read scenarios written as ``scenarios.yaml`` is; raises ``WorkflowDefinitionError`` on an unknown stage."""
    raw = yaml.safe_load(text)
    demo = tuple(Scenario(**item) for item in raw["demo"]["scenarios"])
    _stages([scenario.stage for scenario in demo], "demo.scenarios")
    weights = raw["generate"]["stage_weights"]
    _stages(weights, "generate.stage_weights")
    without = _stages(raw["demo"]["sometimes_without_legal_officer"], "demo.sometimes_without_legal_officer")
    return Scenarios(demo=demo, sometimes_without_legal_officer=frozenset(without), stage_weights=dict(weights))


@lru_cache
def scenarios() -> Scenarios:
    """The scenarios of ``scenarios.yaml``, loaded and checked once."""
    return parse_scenarios(resources.files("app.devtools").joinpath(SCENARIOS_FILE).read_text(encoding="utf-8"))
