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
from itertools import pairwise

from app.workflow.layout import ordering, placement, routing
from app.workflow.layout.geometry import (
    LABEL_ABOVE,
    LABEL_BELOW,
    NODE_HEIGHT,
    ROOT_ROOM,
    Box,
    Edge,
    Item,
    Layout,
    Route,
)

__all__ = ["Box", "Edge", "Layout", "Route", "layout"]


def layout(nodes: Mapping[str, float], edges: Sequence[Edge], root: str, left: float, top: float) -> Layout:
    """Lay out ``nodes`` (name to box width) and ``edges`` left to right from ``root``, starting at (left, top)."""
    back, order = ordering.depth_first(list(nodes), edges, root)
    layer = ordering.layers(order, edges, back)
    loops: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        if edge.source == edge.dest:
            loops[edge.source].append(edge)

    items: list[Item] = []
    node_item: dict[str, int] = {}
    for node in order:
        node_item[node] = len(items)
        up = NODE_HEIGHT / 2 + routing.loops_height(nodes[node], [edge.label_width for edge in loops.get(node, [])])
        items.append(Item(rank=2 * layer[node], up=up, down=NODE_HEIGHT / 2, node=node))
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
                items.append(Item(rank, LABEL_ABOVE, LABEL_BELOW, edge=edge.key, label=True, width=edge.label_width))
            else:
                items.append(Item(rank, 0.0, 0.0, edge=edge.key))
        chain.append(node_item[last])
        chains[edge.key] = chain

    ranks: list[list[int]] = [[] for _ in range(2 * max(layer.values(), default=0) + 1)]
    for index, item in enumerate(items):
        ranks[item.rank].append(index)
    links = [(a, b) for chain in chains.values() for a, b in pairwise(chain)]
    ranks = ordering.order_columns(ranks, links)
    placement.place(ranks, items, links)
    shift = top - min((item.y - item.up for item in items), default=0.0)
    for item in items:
        item.y += shift

    widths = routing.rank_widths(ranks, items, nodes, loops)
    lefts = [left + ROOT_ROOM]
    for width in widths[:-1]:
        lefts.append(lefts[-1] + width)
    boxes: dict[str, Box] = {}
    for node in order:
        item = items[node_item[node]]
        centre = lefts[item.rank] + widths[item.rank] / 2
        boxes[node] = Box(centre - nodes[node] / 2, item.y - NODE_HEIGHT / 2, nodes[node], NODE_HEIGHT)
    ports = routing.ports(chains, items, boxes)
    routes: dict[int, Route] = {}
    for key, chain in chains.items():
        routes[key] = routing.edge_route(key, chain, items, boxes, ports, lefts, widths, key in back)
    for node, looped in loops.items():
        routes.update(routing.self_loops(boxes[node], looped))
    bottom = max((item.y + item.down for item in items), default=top)
    return Layout(boxes=boxes, routes=routes, right=lefts[-1] + widths[-1], bottom=bottom)
