"""Steps 1, 2 and 4 of the layout: cycles found, nodes put in columns, and each column ordered for few crossings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from app.workflow.layout.geometry import Edge

_ORDER_SWEEPS = 24


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


def _crossings(upper: list[int], lower: list[int], below: Mapping[int, list[int]]) -> int:
    at = {item: index for index, item in enumerate(lower)}
    pairs = sorted((index, at[other]) for index, item in enumerate(upper) for other in below[item])
    return sum(1 for i, (a, b) in enumerate(pairs) for c, d in pairs[i + 1 :] if (a < c and b > d) or (a > c and b < d))


def order_columns(ranks: list[list[int]], links: list[tuple[int, int]]) -> list[list[int]]:
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
