"""Diagrams drawn from the same workflow definitions that run, so documentation never drifts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from xml.sax.saxutils import escape

from app.workflow.definition import SYSTEM_ROLE, Transition, Workflow
from app.workflow.layout import Edge, Route, layout


def mermaid(workflow: Workflow) -> str:
    """A Mermaid state diagram: every state, every transition labelled with its trigger and roles."""
    lines = ["stateDiagram-v2", f"    [*] --> {workflow.initial}"]
    for state in workflow.states:
        lines.append(f"    {state} : {workflow.label(state).replace(':', ' -')}")
    for transition in workflow.transitions:
        roles = "automatic" if transition.roles == {SYSTEM_ROLE} else ", ".join(sorted(transition.roles))
        label = f"{transition.trigger} ({roles})" if roles else transition.trigger
        for source in transition.sources:
            lines.append(f"    {source} --> {transition.dest} : {label}")
    sources = {source for transition in workflow.transitions for source in transition.sources}
    for state in workflow.states:
        if state not in sources:
            lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"


STATE_FONT_SIZE = 13.0
LABEL_FONT_SIZE = 11.0
_CHAR_WIDTH = 0.6  # of a monospace character, in ems
_MARGIN = 20.0
_TITLE_HEIGHT = 30.0
_LEGEND_HEIGHT = 34.0
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_STYLE = """
text { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace; fill: #1f2933; }
.title { font-size: 15px; font-weight: bold; }
.state rect { fill: #eef4fb; stroke: #3b6ea5; stroke-width: 1.5; }
.state.initial rect { fill: #e3f4e8; stroke: #2f7d46; }
.state.final rect { stroke-width: 3; }
.state text { font-size: 13px; font-weight: bold; }
.edge path, .legend path { fill: none; stroke: #52606d; stroke-width: 1.4; }
.edge.automatic path, .legend .automatic { stroke: #9a6b16; stroke-dasharray: 6 4; }
.edge text, .legend text { font-size: 11px; fill: #243b53; }
.edge.automatic text { font-style: italic; fill: #7a5410; }
.edge:hover path { stroke: #c53030; stroke-width: 2.2; }
.edge:hover text { fill: #c53030; }
.arrowhead { fill: #52606d; stroke: none; }
.start { fill: #2f7d46; }
"""


def text_width(text: str, font_size: float) -> float:
    """The width of ``text`` in the diagrams' monospace font: wide (East Asian) characters count twice."""
    cells = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return cells * _CHAR_WIDTH * font_size


def _xml(text: str) -> str:
    return escape(_INVALID_XML.sub("\ufffd", text), {'"': "&quot;", "\n": "&#10;", "\t": "&#9;", "\r": "&#13;"})


def _number(value: float) -> str:
    rounded = round(value, 1) + 0.0  # no "-0.0"
    return f"{rounded:.1f}".removesuffix(".0")


def _points(*values: float) -> str:
    return " ".join(_number(value) for value in values)


def _path_data(route: Route) -> str:
    return " ".join(f"{command} {_points(*values)}" for command, values in route.path)


def _edge_title(trigger: str, source: str, dest: str, roles: frozenset[str]) -> str:
    who = "automatic (system only)" if roles == {SYSTEM_ROLE} else "roles: " + (", ".join(sorted(roles)) or "none")
    return f"{trigger}: {source} → {dest}; {who}"


def svg(workflow: Workflow) -> str:
    """An SVG 1.1 drawing of the workflow, laid out here (no Graphviz): same definition, same bytes.

    States are rounded boxes in columns by their longest distance from the initial state; every
    (source, trigger, dest) is an arrow ``<g class="edge" data-source data-trigger data-dest>`` labelled
    with its trigger, dashed when only the system fires it; descriptions and roles are tooltips.
    """
    states = list(dict.fromkeys([*workflow.states, workflow.initial]))
    for transition in workflow.transitions:
        for state in (*transition.sources, transition.dest):
            if state not in states:
                states.append(state)
    sources = {source for transition in workflow.transitions for source in transition.sources}
    edges: list[tuple[Edge, Transition]] = []
    for transition in workflow.transitions:
        for source in transition.sources:
            width = text_width(transition.trigger, LABEL_FONT_SIZE)
            edges.append((Edge(len(edges), source, transition.dest, width), transition))
    widths = {state: max(96.0, text_width(state, STATE_FONT_SIZE) + 28) for state in states}
    drawn = layout(widths, [edge for edge, _ in edges], workflow.initial, _MARGIN, _MARGIN + _TITLE_HEIGHT)

    title = f"{workflow.name} workflow"
    legend = [
        ("", "fired by a person with one of its roles (hover for them)"),
        ("automatic", "fired by the system (automatic)"),
    ]
    legend_width = sum(46 + text_width(text, LABEL_FONT_SIZE) + 24 for _, text in legend)
    width = max(drawn.right, _MARGIN + legend_width, _MARGIN + text_width(title, 15) * 1.1) + _MARGIN
    height = drawn.bottom + _LEGEND_HEIGHT + _MARGIN
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", workflow.name)
    arrow = f"{prefix}-arrow"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_number(width)}" height="{_number(height)}"'
        f' viewBox="0 0 {_number(width)} {_number(height)}" class="workflow" data-workflow="{_xml(workflow.name)}">',
        f"<title>{_xml(title)}</title>",
        f"<style>{_STYLE}</style>",
        "<defs>",
        f'<marker id="{arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8"'
        ' orient="auto" markerUnits="userSpaceOnUse"><path class="arrowhead" d="M 0 0 L 10 5 L 0 10 z"/></marker>',
        "</defs>",
        f'<text class="title" x="{_number(_MARGIN)}" y="{_number(_MARGIN + 15)}">{_xml(title)}</text>',
    ]
    for edge, transition in edges:
        route = drawn.routes[edge.key]
        kind = " ".join(
            name for name, on in (("automatic", transition.automatic), ("back", route.back), ("loop", route.loop)) if on
        )
        lines += [
            f'<g class="{"edge " + kind if kind else "edge"}" data-source="{_xml(edge.source)}"'
            f' data-trigger="{_xml(transition.trigger)}" data-dest="{_xml(edge.dest)}"'
            f' data-roles="{_xml(" ".join(sorted(transition.roles)))}">',
            f"<title>{_xml(_edge_title(transition.trigger, edge.source, edge.dest, transition.roles))}</title>",
            f'<path d="{_path_data(route)}" marker-end="url(#{arrow})"/>',
            f'<text x="{_number(route.label[0])}" y="{_number(route.label[1])}" text-anchor="middle">'
            f"{_xml(transition.trigger)}</text>",
            "</g>",
        ]
    for state in states:
        box = drawn.boxes[state]
        kind = "".join((" initial" if state == workflow.initial else "", "" if state in sources else " final"))
        centre_y = box.y + box.height / 2
        description = workflow.label(state) if state in workflow.states else ""
        lines += [
            f'<g class="state{kind}" data-state="{_xml(state)}">',
            f"<title>{_xml(f'{state}: {description}' if description else state)}</title>",
            f'<rect x="{_number(box.x)}" y="{_number(box.y)}" width="{_number(box.width)}"'
            f' height="{_number(box.height)}" rx="9" ry="9"/>',
            f'<text x="{_number(box.x + box.width / 2)}" y="{_number(centre_y + STATE_FONT_SIZE * 0.35)}"'
            f' text-anchor="middle">{_xml(state)}</text>',
            "</g>",
        ]
    start = drawn.boxes[workflow.initial]
    start_y = start.y + start.height / 2
    lines += [
        '<g class="initial-marker">',
        "<title>initial state</title>",
        f'<circle class="start" cx="{_number(start.x - 26)}" cy="{_number(start_y)}" r="6"/>',
        f'<path class="edge-start" d="M {_points(start.x - 20, start_y)} L {_points(start.x, start_y)}"'
        f' stroke="#2f7d46" stroke-width="1.4" marker-end="url(#{arrow})"/>',
        "</g>",
        f'<g class="legend" transform="translate({_number(_MARGIN)} {_number(drawn.bottom + 24)})">',
    ]
    x = 0.0
    for kind, text in legend:
        lines += [
            f'<path class="{kind or "solid"}" d="M {_points(x, -4)} L {_points(x + 36, -4)}"/>',
            f'<text x="{_number(x + 46)}" y="0">{_xml(text)}</text>',
        ]
        x += 46 + text_width(text, LABEL_FONT_SIZE) + 24
    lines += ["</g>", "</svg>"]
    return "\n".join(lines) + "\n"


DRAWINGS: dict[str, Callable[[Workflow], str]] = {"mermaid": mermaid, "svg": svg}
"""Every diagram format, by the name the CLI and the API take."""
MEDIA_TYPES = {"mermaid": "text/vnd.mermaid", "svg": "image/svg+xml"}
