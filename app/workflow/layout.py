"""A small layered (Sugiyama-style) layout of a directed graph, left to right, in pure Python.

Used to draw the workflows without Graphviz. The steps, each deterministic (same input, same output):

1. Cycles: a depth-first search from the root, following edges in their given order, marks the edges that
   close a cycle ("back edges"); they are laid out reversed and drawn back again at the end.
2. Layers: longest path from the root over the remaining (acyclic) edges, so every edge points rightwards.
3. Every edge becomes a chain of waypoints, one in each column it crosses: the columns of nodes and the gaps
   between them. The waypoint in one gap carries the edge's label (the gap next to the edge's true source),
   so labels take part in the layout like nodes and never pile up on one another.
4. Order in each column: barycentre sweeps plus adjacent swaps, keeping the order with the fewest crossings.
5. Vertical positions: repeated quadratic placement (each item pulled towards its neighbours' mean, the order
   and minimal spacing kept by isotonic regression), so long edges run straight and nodes line up.
6. Routes: horizontal runs through each column, joined by cubic curves with horizontal tangents in the margins
   between columns; self-loops are arcs above their node, stacked with room reserved for their labels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

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
_ORDER_SWEEPS = 24
_PLACEMENT_SWEEPS = 80
_CHAIN_WEIGHT, _NODE_WEIGHT = 8.0, 1.0


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
class _Item:
    rank: int
    up: float
    down: float
    node: str | None = None
    edge: int | None = None
    label: bool = False
    width: float = 0.0
    y: float = 0.0


def depth_first(nodes: Sequence[str], edges: Sequence[Edge], root: str) -> tuple[set[int], list[str]]:
    """The keys of the edges that close a cycle, and the nodes in order of discovery from ``root``."""
    outgoing: dict[str, list[Edge]] = {node: [] for node in nodes}
    for edge in edges:
        if edge.source != edge.dest:
            outgoing[edge.source].append(edge)
    status: dict[str, int] = {}  # 1: on the stack, 2: finished
    back: set[int] = set()
    order: list[str] = []
    for start in [root, *nodes]:
        if start in status:
            continue
        status[start] = 1
        order.append(start)
        stack = [(start, iter(outgoing[start]))]
        while stack:
            node, pending = stack[-1]
            for edge in pending:
                seen = status.get(edge.dest)
                if seen is None:
                    status[edge.dest] = 1
                    order.append(edge.dest)
                    stack.append((edge.dest, iter(outgoing[edge.dest])))
                    break
                if seen == 1:
                    back.add(edge.key)
            else:
                status[node] = 2
                stack.pop()
    return back, order


def layers(order: Sequence[str], edges: Sequence[Edge], back: set[int]) -> dict[str, int]:
    """The column of every node: the longest path to it over the edges that are neither loops nor back edges."""
    forward = [edge for edge in edges if edge.source != edge.dest and edge.key not in back]
    waiting = dict.fromkeys(order, 0)
    for edge in forward:
        waiting[edge.dest] += 1
    layer = dict.fromkeys(order, 0)
    ready = [node for node in order if waiting[node] == 0]
    while ready:
        node = ready.pop(0)
        for edge in forward:
            if edge.source == node:
                layer[edge.dest] = max(layer[edge.dest], layer[node] + 1)
                waiting[edge.dest] -= 1
                if waiting[edge.dest] == 0:
                    ready.append(edge.dest)
    return layer


def layout(nodes: Mapping[str, float], edges: Sequence[Edge], root: str, left: float, top: float) -> Layout:
    """Lay out ``nodes`` (name to box width) and ``edges`` left to right from ``root``, starting at (left, top)."""
    back, order = depth_first(list(nodes), edges, root)
    layer = layers(order, edges, back)
    loops: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        if edge.source == edge.dest:
            loops[edge.source].append(edge)

    items: list[_Item] = []
    node_item: dict[str, int] = {}
    for node in order:
        node_item[node] = len(items)
        up = NODE_HEIGHT / 2 + _loops_height(nodes[node], [edge.label_width for edge in loops.get(node, [])])
        items.append(_Item(rank=2 * layer[node], up=up, down=NODE_HEIGHT / 2, node=node))
    chains: dict[int, list[int]] = {}
    for edge in edges:
        if edge.source == edge.dest:
            continue
        reverse = edge.key in back
        first, last = (edge.dest, edge.source) if reverse else (edge.source, edge.dest)
        start, end = 2 * layer[first], 2 * layer[last]
        label_rank = end - 1 if reverse else start + 1  # the gap next to the edge's true source
        chain = [node_item[first]]
        for rank in range(start + 1, end):
            chain.append(len(items))
            if rank == label_rank:
                items.append(_Item(rank, LABEL_ABOVE, LABEL_BELOW, edge=edge.key, label=True, width=edge.label_width))
            else:
                items.append(_Item(rank, 0.0, 0.0, edge=edge.key))
        chain.append(node_item[last])
        chains[edge.key] = chain

    ranks: list[list[int]] = [[] for _ in range(2 * max(layer.values(), default=0) + 1)]
    for index, item in enumerate(items):
        ranks[item.rank].append(index)
    links = [(a, b) for chain in chains.values() for a, b in pairwise(chain)]
    ranks = _order(ranks, links)
    _place(ranks, items, links)
    shift = top - min((item.y - item.up for item in items), default=0.0)
    for item in items:
        item.y += shift

    widths = _rank_widths(ranks, items, nodes, loops)
    lefts = [left + ROOT_ROOM]
    for width in widths[:-1]:
        lefts.append(lefts[-1] + width)
    boxes: dict[str, Box] = {}
    for node in order:
        item = items[node_item[node]]
        centre = lefts[item.rank] + widths[item.rank] / 2
        boxes[node] = Box(centre - nodes[node] / 2, item.y - NODE_HEIGHT / 2, nodes[node], NODE_HEIGHT)
    ports = _ports(chains, items, boxes)
    routes: dict[int, Route] = {}
    for key, chain in chains.items():
        routes[key] = _route(key, chain, items, boxes, ports, lefts, widths, key in back)
    for node, looped in loops.items():
        routes.update(_loops(boxes[node], looped))
    bottom = max((item.y + item.down for item in items), default=top)
    return Layout(boxes=boxes, routes=routes, right=lefts[-1] + widths[-1], bottom=bottom)


def _loops_height(width: float, label_widths: Sequence[float]) -> float:
    """Room above a node for its stacked self-loops and their labels."""
    if not label_widths:
        return 0.0
    height, _, _ = _loop_shapes(width, label_widths)[-1]
    return height + LABEL_ABOVE + 6


def _crossings(upper: list[int], lower: list[int], below: Mapping[int, list[int]]) -> int:
    at = {item: index for index, item in enumerate(lower)}
    pairs = sorted((index, at[other]) for index, item in enumerate(upper) for other in below[item])
    return sum(1 for i, (a, b) in enumerate(pairs) for c, d in pairs[i + 1 :] if (a < c and b > d) or (a > c and b < d))


def _order(ranks: list[list[int]], links: list[tuple[int, int]]) -> list[list[int]]:
    """Order the items of every column to reduce crossings; the best order seen is kept."""
    below: dict[int, list[int]] = defaultdict(list)
    above: dict[int, list[int]] = defaultdict(list)
    for a, b in links:
        below[a].append(b)
        above[b].append(a)

    def total(order: list[list[int]]) -> int:
        return sum(_crossings(order[r], order[r + 1], below) for r in range(len(order) - 1))

    def local(order: list[list[int]], r: int) -> int:
        count = _crossings(order[r - 1], order[r], below) if r > 0 else 0
        return count + (_crossings(order[r], order[r + 1], below) if r + 1 < len(order) else 0)

    current = [list(rank) for rank in ranks]
    best, fewest = [list(rank) for rank in current], total(current)
    for sweep in range(_ORDER_SWEEPS):
        downwards = sweep % 2 == 0
        for r in range(1, len(current)) if downwards else range(len(current) - 2, -1, -1):
            fixed = {item: index for index, item in enumerate(current[r - 1 if downwards else r + 1])}
            neighbours = above if downwards else below
            keys: dict[int, tuple[float, int]] = {}
            for index, item in enumerate(current[r]):
                linked = neighbours[item]
                centre = sum(fixed[other] for other in linked) / len(linked) if linked else float(index)
                keys[item] = (centre, index)
            current[r].sort(key=keys.__getitem__)
        for r in range(len(current)):
            improved = True
            while improved:
                improved = False
                for i in range(len(current[r]) - 1):
                    before = local(current, r)
                    current[r][i], current[r][i + 1] = current[r][i + 1], current[r][i]
                    if local(current, r) < before:
                        improved = True
                    else:
                        current[r][i], current[r][i + 1] = current[r][i + 1], current[r][i]
        count = total(current)
        if count < fewest:
            best, fewest = [list(rank) for rank in current], count
    return best


def _spacing(a: _Item, b: _Item) -> float:
    if a.node is not None and b.node is not None:
        gap = NODE_SPACING
    elif a.node is not None or b.node is not None:
        gap = NODE_TO_EDGE
    else:
        gap = EDGE_SPACING
    return a.down + gap + b.up


def _isotonic(targets: list[float], weights: list[float]) -> list[float]:
    """The non-decreasing sequence closest to ``targets`` in weighted least squares (pool adjacent violators)."""
    blocks: list[list[float]] = []  # value, weight, count
    for target, weight in zip(targets, weights, strict=True):
        blocks.append([target, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            value, total, count = blocks.pop()
            previous = blocks[-1]
            merged = previous[1] + total
            blocks[-1] = [(previous[0] * previous[1] + value * total) / merged, merged, previous[2] + count]
    return [value for value, _, count in blocks for _ in range(int(count))]


def _place(ranks: list[list[int]], items: list[_Item], links: list[tuple[int, int]]) -> None:
    """Give every item a vertical centre: close to its neighbours, in column order, never too close."""
    neighbours: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for a, b in links:
        weight = _NODE_WEIGHT if items[a].node is not None or items[b].node is not None else _CHAIN_WEIGHT
        neighbours[a].append((b, weight))
        neighbours[b].append((a, weight))
    offsets: list[list[float]] = []
    for rank in ranks:
        offset = [0.0]
        for a, b in pairwise(rank):
            offset.append(offset[-1] + _spacing(items[a], items[b]))
        offsets.append(offset)
        for index, item in enumerate(rank):
            items[item].y = offset[index] - offset[-1] / 2
    for sweep in range(_PLACEMENT_SWEEPS):
        for r in range(len(ranks)) if sweep % 2 == 0 else range(len(ranks) - 1, -1, -1):
            targets, weights = [], []
            for index, item in enumerate(ranks[r]):
                linked = neighbours[item]
                weight = sum(w for _, w in linked)
                mean = sum(items[other].y * w for other, w in linked) / weight if weight else items[item].y
                targets.append(mean - offsets[r][index])
                weights.append(weight or 1.0)
            for index, value in enumerate(_isotonic(targets, weights)):
                items[ranks[r][index]].y = value + offsets[r][index]


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


def _rank_widths(
    ranks: list[list[int]], items: list[_Item], nodes: Mapping[str, float], loops: Mapping[str, list[Edge]]
) -> list[float]:
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


def _ports(
    chains: Mapping[int, list[int]], items: list[_Item], boxes: Mapping[str, Box]
) -> dict[tuple[int, str], float]:
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


def _route(
    key: int,
    chain: list[int],
    items: list[_Item],
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


def _loops(box: Box, looped: Sequence[Edge]) -> dict[int, Route]:
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
