"""Diagrams come from the running definitions: every state and every (source, trigger) edge appears."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.workflow.diagram import mermaid
from app.workflow.engine import get_workflow


@pytest.mark.parametrize("name", ["partnership", "agreement"])
def test_mermaid_has_every_state_and_edge(name):
    workflow = get_workflow(name)
    text = mermaid(workflow)
    assert text.startswith("stateDiagram-v2\n")
    assert f"[*] --> {workflow.initial}" in text
    for state in workflow.states:
        assert f"    {state} : " in text
    edges = [line for line in text.splitlines() if "-->" in line and "[*]" not in line]
    assert len(edges) == sum(len(t.sources) for t in workflow.transitions)
    for transition in workflow.transitions:
        for source in transition.sources:
            assert any(line.startswith(f"    {source} --> {transition.dest} : {transition.trigger}") for line in edges)


def test_automatic_transitions_are_labelled():
    assert "formalising --> formal : agreement_in_force (automatic)" in mermaid(get_workflow("partnership"))


def test_cli_prints_the_diagram_and_refuses_unknown_names():
    runner = CliRunner()
    shown = runner.invoke(cli, ["workflow", "show", "agreement"])
    assert shown.exit_code == 0 and shown.stdout == mermaid(get_workflow("agreement"))
    unknown = runner.invoke(cli, ["workflow", "show", "contract"])
    assert unknown.exit_code == 1 and "unknown workflow 'contract'" in unknown.stderr
    bad_format = runner.invoke(cli, ["workflow", "show", "agreement", "--format", "png"])
    assert bad_format.exit_code == 1 and "unknown format" in bad_format.stderr


def test_the_api_serves_the_running_definition_and_diagram(client, auth):
    from app.users.models import Role

    _, headers = auth(Role.VIEWER)
    definition = client.get("/api/v1/workflows/partnership", headers=headers)
    assert definition.status_code == 200
    body = definition.json()
    workflow = get_workflow("partnership")
    assert body["initial"] == workflow.initial and body["states"] == workflow.states
    assert [t["trigger"] for t in body["transitions"]] == [t.trigger for t in workflow.transitions]
    formal = next(t for t in body["transitions"] if t["trigger"] == "agreement_in_force")
    assert formal["automatic"] is True and formal["roles"] == ["system"]

    drawn = client.get("/api/v1/workflows/agreement/diagram", headers=headers)
    assert drawn.status_code == 200 and drawn.text == mermaid(get_workflow("agreement"))
    assert client.get("/api/v1/workflows/contract", headers=headers).status_code == 404
    assert client.get("/api/v1/workflows/agreement/diagram?format=svg", headers=headers).status_code == 422
    assert client.get("/api/v1/workflows/agreement").status_code == 401
