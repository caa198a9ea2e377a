"""The developer tools' scenarios: declared once in YAML, checked against the workflows, walked by trigger."""

from __future__ import annotations

import pytest

from app.devtools.scenarios import parse_scenarios, reached, scenarios, walk
from app.workflow.definition import WorkflowDefinitionError, get_workflow, states


def test_the_declared_scenarios_end_in_every_partnership_stage() -> None:
    declared = scenarios()

    assert {scenario.stage for scenario in declared.demo} == states("partnership")
    assert set(declared.stage_weights) == states("partnership")
    assert declared.sometimes_without_legal_officer <= states("partnership")


def test_a_stage_the_workflow_does_not_have_is_refused_when_loaded() -> None:
    text = """
demo:
  scenarios: [{stage: nowhere, variant: first_contact}]
  sometimes_without_legal_officer: []
generate:
  stage_weights: {}
"""
    with pytest.raises(WorkflowDefinitionError, match="'nowhere', not a partnership stage"):
        parse_scenarios(text)


def test_walking_triggers_follows_the_workflow_definition() -> None:
    workflow = get_workflow("agreement")
    path = walk("agreement", ["submit_for_review", "approve"])

    assert path[0].source == workflow.initial
    assert [step.dest for step in path] == [
        workflow.find("submit_for_review", workflow.initial).dest,
        workflow.find("approve", path[0].dest).dest,
    ]
    assert reached("agreement", []) == workflow.initial
    assert reached("agreement", ["submit_for_review", "approve"]) == path[-1].dest
    with pytest.raises(WorkflowDefinitionError, match="no 'activate' from"):
        walk("agreement", ["activate"])
