"""Step 5 of the layout: vertical positions, each item pulled towards its neighbours, order and spacing kept."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from app.workflow.layout.geometry import EDGE_SPACING, NODE_SPACING, NODE_TO_EDGE, Item

_PLACEMENT_SWEEPS = 80
_CHAIN_WEIGHT, _NODE_WEIGHT = 8.0, 1.0


def _spacing(a: Item, b: Item) -> float:
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


def place(ranks: list[list[int]], items: list[Item], links: list[tuple[int, int]]) -> None:
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
