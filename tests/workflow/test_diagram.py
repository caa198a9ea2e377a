"""Diagrams come from the running definitions: every state and every (source, trigger) edge appears."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import combinations

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.workflow.definition import Transition, Workflow, get_workflow
from app.workflow.diagram import LABEL_FONT_SIZE, mermaid, svg, text_width
from tests.builders import assert_problem

SVG = "{http://www.w3.org/2000/svg}"
WORKFLOWS = ["partnership", "agreement"]


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
    assert bad_format.exit_code == 1 and "unknown format 'png'" in bad_format.stderr
    assert "mermaid, svg" in bad_format.stderr


def test_cli_prints_the_svg_drawing():
    shown = CliRunner().invoke(cli, ["workflow", "show", "partnership", "--format", "svg"])
    assert shown.exit_code == 0 and shown.stdout == svg(get_workflow("partnership"))
    root = ET.fromstring(shown.stdout)
    assert root.tag == f"{SVG}svg" and root.get("data-workflow") == "partnership"


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
    assert drawn.headers["content-type"].startswith("text/vnd.mermaid")
    assert client.get("/api/v1/workflows/agreement/diagram?format=mermaid", headers=headers).text == drawn.text
    assert client.get("/api/v1/workflows/agreement").status_code == 401


def test_the_api_serves_the_svg_drawing_and_refuses_unknown_formats(client, auth):
    from app.users.models import Role

    _, headers = auth(Role.VIEWER)
    drawn = client.get("/api/v1/workflows/partnership/diagram?format=svg", headers=headers)
    assert drawn.status_code == 200 and drawn.headers["content-type"] == "image/svg+xml"
    assert drawn.text == svg(get_workflow("partnership"))
    assert ET.fromstring(drawn.content).tag == f"{SVG}svg"
    assert_problem(client.get("/api/v1/workflows/partnership/diagram?format=png", headers=headers), 422, "format")
    assert_problem(client.get("/api/v1/workflows/contract/diagram?format=svg", headers=headers), 404)
    assert_problem(client.get("/api/v1/workflows/partnership/diagram?format=svg"), 401)
    content = client.app.openapi()["paths"]["/api/v1/workflows/{name}/diagram"]["get"]["responses"]["200"]["content"]
    assert {"text/vnd.mermaid", "image/svg+xml"} <= set(content)


# the SVG drawing ---------------------------------------------------------------------------------------------


def _states(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-state"): g for g in root.iter(f"{SVG}g") if "state" in g.get("class", "").split()}


def _edges(root: ET.Element) -> dict[tuple[str, str, str], ET.Element]:
    edges = [g for g in root.iter(f"{SVG}g") if "edge" in g.get("class", "").split()]
    found = {(g.get("data-source"), g.get("data-trigger"), g.get("data-dest")): g for g in edges}
    assert len(found) == len(edges), "one element per (source, trigger, dest)"
    return found


def _box(g: ET.Element) -> tuple[float, float, float, float]:
    rect = g.find(f"{SVG}rect")
    assert rect is not None
    x, y = float(rect.get("x")), float(rect.get("y"))
    return x, y, x + float(rect.get("width")), y + float(rect.get("height"))


def _label_box(g: ET.Element) -> tuple[float, float, float, float]:
    """Where an edge's label is drawn: centred on x, from its baseline up by the font's height."""
    text = g.find(f"{SVG}text")
    assert text is not None and text.get("text-anchor") == "middle"
    x, y, half = float(text.get("x")), float(text.get("y")), text_width(text.text, LABEL_FONT_SIZE) / 2
    return x - half, y - LABEL_FONT_SIZE, x + half, y + 2


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _path_numbers(g: ET.Element) -> list[float]:
    path = g.find(f"{SVG}path")
    assert path is not None
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]


def _tricky() -> Workflow:
    """Markup in names, parallel edges, stacked self-loops, a cycle back to the start, unreachable states."""
    admin = frozenset({"admin"})
    return Workflow(
        name='odd <&> "workflow"',
        initial="start",
        states={"start": "Start & <go>", "b<&>": 'Says "hi"', "c": "C", "d": "D", "alone": "", "orphan": "Only out"},
        transitions=(
            Transition("go", ("start",), "b<&>", admin),
            Transition("go_as_well", ("start",), "b<&>", admin),
            Transition("spin", ("b<&>",), "b<&>", admin),
            Transition("spin_again_with_a_long_name", ("b<&>",), "b<&>", frozenset({"system"})),
            Transition("next", ("b<&>", "c"), "c", admin),
            Transition("back_to_<start>", ("c", "d"), "start", admin),
            Transition("to_d", ("c",), "d", frozenset({"system"})),
            Transition("x\x01y", ("orphan",), "c", frozenset()),
        ),
    )


def _drawn(name: str) -> tuple[Workflow, ET.Element]:
    workflow = _tricky() if name == "tricky" else get_workflow(name)
    return workflow, ET.fromstring(svg(workflow))


@pytest.mark.parametrize("name", WORKFLOWS)
def test_svg_is_a_self_contained_svg_document(name):
    text = svg(get_workflow(name))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n') and text.endswith("</svg>\n")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg" and root.get("version") == "1.1"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}" and width > 0 and height > 0
    assert root.find(f"{SVG}style") is not None and root.find(f"{SVG}title").text == f"{name} workflow"
    assert not root.findall(f".//{SVG}script") and not root.findall(f".//{SVG}image")
    assert "http" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", text), "nothing fetched from outside"
    for rect in root.iter(f"{SVG}rect"):
        x, y = float(rect.get("x")), float(rect.get("y"))
        assert x >= 0 and x + float(rect.get("width")) <= width and y >= 0 and y + float(rect.get("height")) <= height
    for text_node in root.iter(f"{SVG}text"):
        assert 0 <= float(text_node.get("x")) <= width and 0 <= float(text_node.get("y")) <= height


@pytest.mark.parametrize("name", [*WORKFLOWS, "tricky"])
def test_svg_names_every_state_with_its_description(name):
    workflow, root = _drawn(name)
    texts = {node.text for node in root.iter(f"{SVG}text")}
    states = _states(root)
    assert list(states) == list(workflow.states)
    for state, description in workflow.states.items():
        assert state in texts
        assert states[state].find(f"{SVG}text").text == state
        assert states[state].find(f"{SVG}title").text == (f"{state}: {description}" if description else state)
    assert "initial" in states[workflow.initial].get("class").split()
    assert root.find(f".//{SVG}g[@class='initial-marker']/{SVG}circle") is not None
    sources = {source for t in workflow.transitions for source in t.sources}
    finals = {state for state, g in states.items() if "final" in g.get("class").split()}
    assert finals == set(workflow.states) - sources


@pytest.mark.parametrize("name", [*WORKFLOWS, "tricky"])
def test_svg_draws_every_edge_once_labelled_with_its_trigger(name):
    workflow, root = _drawn(name)
    edges = _edges(root)
    expected = {
        (source, t.trigger.replace("\x01", "\ufffd"), t.dest): t for t in workflow.transitions for source in t.sources
    }
    assert set(edges) == set(expected)
    for key, g in edges.items():
        transition = expected[key]
        assert g.find(f"{SVG}text").text == key[1]
        assert g.find(f"{SVG}path").get("marker-end", "").startswith("url(#")
        assert ("automatic" in g.get("class").split()) == transition.automatic
        title = g.find(f"{SVG}title").text
        if transition.automatic:
            assert "automatic" in title
        else:
            assert all(role in title for role in transition.roles)
        assert g.get("data-roles") == " ".join(sorted(transition.roles))
    assert any(t.automatic for t in expected.values()), "both kinds are drawn"


def test_automatic_edges_are_dashed():
    style = ET.fromstring(svg(get_workflow("agreement"))).find(f"{SVG}style").text
    dashed = re.search(r"\.edge\.automatic path[^{]*\{([^}]*)\}", style)
    assert dashed and "stroke-dasharray" in dashed.group(1)


@pytest.mark.parametrize("name", [*WORKFLOWS, "tricky"])
def test_no_two_state_boxes_overlap(name):
    _, root = _drawn(name)
    boxes = {state: _box(g) for state, g in _states(root).items()}
    for (a, box_a), (b, box_b) in combinations(boxes.items(), 2):
        assert not _overlap(box_a, box_b), f"{a} overlaps {b}"


@pytest.mark.parametrize("name", [*WORKFLOWS, "tricky"])
def test_labels_overlap_neither_one_another_nor_a_state(name):
    _, root = _drawn(name)
    labels = {key: _label_box(g) for key, g in _edges(root).items()}
    for (a, box_a), (b, box_b) in combinations(labels.items(), 2):
        assert not _overlap(box_a, box_b), f"label of {a} overlaps label of {b}"
    for state, g in _states(root).items():
        for key, label in labels.items():
            assert not _overlap(_box(g), label), f"label of {key} overlaps {state}"


def test_self_loops_are_loops_above_their_state():
    _, root = _drawn("tricky")
    boxes = {state: _box(g) for state, g in _states(root).items()}
    loops = {key: g for key, g in _edges(root).items() if key[0] == key[2]}
    assert sorted(source for source, _, _ in loops) == ["b<&>", "b<&>", "c"]
    for (state, _, _), g in loops.items():
        box = boxes[state]
        assert "loop" in g.get("class").split()
        numbers = _path_numbers(g)
        (x0, y0), (x1, y1) = numbers[:2], numbers[-2:]
        assert y0 == y1 == box[1] and box[0] < x0 < x1 < box[2], "leaves and comes back through the top"
        assert min(numbers[1::2]) < box[1] and _label_box(g)[3] < box[1]
    inner, outer = (_path_numbers(g) for (state, _, _), g in loops.items() if state == "b<&>")
    assert min(outer[1::2]) < _label_box(loops[("b<&>", "spin", "b<&>")])[1] < min(inner[1::2])
    _, partnership = _drawn("partnership")
    assert "loop" in _edges(partnership)[("informal", "record_undertaking", "informal")].get("class")


def test_back_edges_curve_apart_from_the_forward_edges():
    _, root = _drawn("agreement")
    edges = _edges(root)
    boxes = {state: _box(g) for state, g in _states(root).items()}
    for forward, back in [
        (("draft", "submit_for_review", "in_review"), ("in_review", "request_changes", "draft")),
        (("active", "suspend", "suspended"), ("suspended", "resume", "active")),
    ]:
        assert "back" in edges[back].get("class").split() and "back" not in edges[forward].get("class").split()
        there, home = _path_numbers(edges[forward]), _path_numbers(edges[back])
        assert there[0] == boxes[forward[0]][2] and there[-2] == boxes[forward[2]][0], "left to right"
        assert home[0] == boxes[back[0]][0] and home[-2] == boxes[back[2]][2], "right to left"
        assert there[1] != home[-1] and there[-1] != home[1], "each end on its own port"
        assert abs(_label_box(edges[forward])[3] - _label_box(edges[back])[3]) >= LABEL_FONT_SIZE


def test_text_is_escaped():
    workflow, root = _drawn("tricky")
    text = svg(workflow)
    assert "<&>" not in text and "&lt;&amp;&gt;" in text and "\x01" not in text
    assert root.get("data-workflow") == 'odd <&> "workflow"'
    assert _states(root)["b<&>"].find(f"{SVG}title").text == 'b<&>: Says "hi"'
    assert ("c", "back_to_<start>", "start") in _edges(root)


@pytest.mark.parametrize("name", WORKFLOWS)
def test_svg_is_deterministic(name):
    workflow = get_workflow(name)
    rebuilt = dataclasses.replace(
        workflow, states=dict(workflow.states), transitions=tuple(dataclasses.replace(t) for t in workflow.transitions)
    )
    assert svg(workflow) == svg(workflow) == svg(rebuilt)


def test_svg_bytes_do_not_depend_on_hash_seeds():
    script = (
        "import hashlib; from app.rules import register_all; from app.workflow.diagram import svg; "
        "from app.workflow.definition import get_workflow; register_all(); "
        "print(*(hashlib.sha256(svg(get_workflow(n)).encode()).hexdigest() for n in ('partnership', 'agreement')))"
    )
    expected = " ".join(hashlib.sha256(svg(get_workflow(n)).encode()).hexdigest() for n in WORKFLOWS)
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        assert run.stdout.split() == expected.split()
