"""Step 6 of the layout: column widths, where edges meet their nodes, and every edge's and self-loop's path."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import pairwise

from app.workflow.layout.geometry import (
    GAP_MARGIN,
    LABEL_ABOVE,
    LOOP_HEIGHT,
    LOOP_STEP,
    MIN_RUN,
    PORT_STEP,
    Box,
    Edge,
    Item,
    Route,
)


def loops_height(width: float, label_widths: Sequence[float]) -> float:
    """Room above a node for its stacked self-loops and their labels."""
    if not label_widths:
        return 0.0
    height, _, _ = _loop_shapes(width, label_widths)[-1]
    return height + LABEL_ABOVE + 6


def _loop_shapes(width: float, label_widths: Sequence[float]) -> list[tuple[float, float, float]]:
    """Height, leg offset and half-width of each self-loop stacked on a node ``width`` wide.

    Each loop is taller than the one before and, with its sides, wider than every label inside it.
    """
    shapes, widest = [], 0.0
    for level, label in enumerate(label_widths):
        legs = min(10.0 + 6 * level, max(width / 2 - 4, 10.0))
        shapes.append((LOOP_HEIGHT + LOOP_STEP * level, legs, max(legs, widest / 2 + 8) if level else legs))
        widest = max(widest, label)
    return shapes


def rank_widths(
    ranks: list[list[int]], items: list[Item], nodes: Mapping[str, float], loops: Mapping[str, list[Edge]]
) -> list[float]:
    """The width of every column: of its nodes and self-loops, or of its labels with room to bend."""
    label_width: dict[int, float] = {}
    for looped in loops.values():
        label_width.update((edge.key, edge.label_width) for edge in looped)
    widths = []
    for r, rank in enumerate(ranks):
        if r % 2 == 0:
            sizes = [MIN_RUN]
            for node in (items[i].node for i in rank if items[i].node is not None):
                looped = [edge.label_width for edge in loops.get(node, [])]
                shapes = _loop_shapes(nodes[node], looped)
                sizes += [nodes[node], *looped, *(2 * side + 4 for _, _, side in shapes)]
            widths.append(max(sizes))
        else:
            runs = [item.width for item in (items[i] for i in rank) if item.label]
            widths.append(max([MIN_RUN, *runs]) + 2 * GAP_MARGIN)
    return widths


def ports(chains: Mapping[int, list[int]], items: list[Item], boxes: Mapping[str, Box]) -> dict[tuple[int, str], float]:
    """Where each edge leaves or enters its node's side, spread in the order of the edges' next waypoints."""
    sides: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for key, chain in chains.items():
        first, last = items[chain[0]], items[chain[-1]]
        sides[(str(first.node), "out")].append((items[chain[1]].y, key))
        sides[(str(last.node), "in")].append((items[chain[-2]].y, key))
    ports: dict[tuple[int, str], float] = {}
    for (node, side), attached in sides.items():
        attached.sort()
        box = boxes[node]
        step = min(PORT_STEP, (box.height - 8) / max(len(attached) - 1, 1))
        centre = box.y + box.height / 2
        for index, (_, key) in enumerate(attached):
            ports[(key, side)] = centre + (index - (len(attached) - 1) / 2) * step
    return ports


def edge_route(
    key: int,
    chain: list[int],
    items: list[Item],
    boxes: Mapping[str, Box],
    ports: Mapping[tuple[int, str], float],
    lefts: list[float],
    widths: list[float],
    back: bool,
) -> Route:
    """Straight runs through every column the edge crosses, joined by curves; reversed again if a back edge."""
    source, dest = boxes[str(items[chain[0]].node)], boxes[str(items[chain[-1]].node)]
    points = [(source.x + source.width, ports[(key, "out")])]
    straight: list[bool] = []  # of each segment between two points
    label = (0.0, 0.0)
    for index in chain[1:-1]:
        item = items[index]
        margin = GAP_MARGIN if item.rank % 2 else 0.0
        run_left, run_right = lefts[item.rank] + margin, lefts[item.rank] + widths[item.rank] - margin
        points += [(run_left, item.y), (run_right, item.y)]
        straight += [False, True]
        if item.label:
            label = ((run_left + run_right) / 2, item.y - 4)
    points.append((dest.x, ports[(key, "in")]))
    straight.append(False)
    if back:
        points.reverse()
        straight.reverse()
    path: list[tuple[str, tuple[float, ...]]] = [("M", points[0])]
    for ((x0, y0), (x1, y1)), line in zip(pairwise(points), straight, strict=True):
        if line or y0 == y1:
            path.append(("L", (x1, y1)))
        else:
            middle = (x0 + x1) / 2
            path.append(("C", (middle, y0, middle, y1, x1, y1)))
    return Route(path=tuple(path), label=label, back=back)


def self_loops(box: Box, looped: Sequence[Edge]) -> dict[int, Route]:
    """Self-loops above their node, each labelled at its top; an outer loop goes round the labels inside it."""
    x, top = box.x + box.width / 2, box.y
    routes = {}
    shapes = _loop_shapes(box.width, [edge.label_width for edge in looped])
    for edge, (height, legs, side) in zip(looped, shapes, strict=True):
        peak = top - height
        path = (
            ("M", (x - legs, top)),
            ("C", (x - legs, top - 8, x - side, top - 4, x - side, top - 12)),
            ("L", (x - side, peak + 10)),
            ("C", (x - side, peak - 3, x + side, peak - 3, x + side, peak + 10)),
            ("L", (x + side, top - 12)),
            ("C", (x + side, top - 4, x + legs, top - 8, x + legs, top)),
        )
        routes[edge.key] = Route(path=path, label=(x, peak - 4), loop=True)
    return routes
