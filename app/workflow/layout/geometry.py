"""The layout's shapes and measures: what goes in (edges), what comes out (boxes, routes) and the spacing rules."""

from __future__ import annotations

from dataclasses import dataclass

NODE_HEIGHT = 34.0
LABEL_ABOVE = 15.0  # room for a label's text above its line
LABEL_BELOW = 3.0
GAP_MARGIN = 30.0  # horizontal room on each side of a gap's label runs, where edges bend
MIN_RUN = 40.0
ROOT_ROOM = 34.0  # left of the root's column, for the initial marker
NODE_SPACING = 30.0  # vertical, between two nodes of one column
NODE_TO_EDGE = 14.0  # vertical, between a node and an edge passing its column
EDGE_SPACING = 8.0  # vertical, between two edges in one column
PORT_STEP = 8.0  # vertical, between two edges leaving one side of a node
LOOP_HEIGHT = 22.0  # of the first self-loop above its node
LOOP_STEP = 24.0  # each further self-loop on a node rises this much higher, above the label inside it


@dataclass(frozen=True)
class Edge:
    """An edge to lay out: ``key`` identifies it in the result; the label is ``label_width`` wide."""

    key: int
    source: str
    dest: str
    label_width: float


@dataclass(frozen=True)
class Box:
    """Where a node is drawn: top-left corner and size."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Route:
    """How an edge is drawn: path points and commands, and the label's centre on its baseline."""

    path: tuple[tuple[str, tuple[float, ...]], ...]
    label: tuple[float, float]
    back: bool = False
    loop: bool = False


@dataclass(frozen=True)
class Layout:
    """Positions of every node and edge; everything lies left of ``right`` and above ``bottom``."""

    boxes: dict[str, Box]
    routes: dict[int, Route]
    right: float
    bottom: float


@dataclass
class Item:
    """A node, or an edge's waypoint (perhaps carrying its label) in one column, with the room it takes."""

    rank: int
    up: float
    down: float
    node: str | None = None
    edge: int | None = None
    label: bool = False
    width: float = 0.0
    y: float = 0.0
