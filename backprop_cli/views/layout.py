"""Where the pictures drawn without Graphviz (SVG for notebooks, TikZ for slides) put each node: left
to right in layers like the lecture's figures (inputs on the left, the output on the right), each gate
one layer after its latest input, an input or a constant just before the first gate it feeds, and nodes ordered within
a layer by where their inputs are (two sweeps of the barycentre heuristic).  Columns are as wide as
the numbers on the wires entering them.  Loops only, no recursion."""

from __future__ import annotations

from dataclasses import dataclass

from .picture import Node, Wire, layout as picture_layout

#: vertical distance between nodes of a layer, and the narrowest gap between layers (pixels)
ROW = 78
MIN_GAP = 96
#: how wide a character of the wire labels is taken to be (11px sans-serif), and a label's margin
CHAR = 6.6
MARGIN = 36
#: where along a wire its numbers are written (converging wires' labels part nearer their sources)
LABEL_AT = 0.42
#: the radius of a gate's circle
RADIUS = 19


@dataclass
class Placed:
    nodes: list  # Node, in topological order
    wires: list  # Wire
    x: dict  # node id -> centre x
    y: dict  # node id -> centre y
    width: float
    height: float


def node_width(node: Node) -> float:
    """How wide a node is drawn: a gate's circle, or its text."""
    if node.kind == "gate":
        return 2 * RADIUS
    return max(14.0, CHAR * 1.25 * len(node.text) + 6)


def place(result, digits: int) -> Placed:
    nodes, wires = picture_layout(result, digits)
    by_id = {node.id: node for node in nodes}
    rank = {node.id: 0 for node in nodes}
    sources: dict = {node.id: [] for node in nodes}
    targets: dict = {node.id: [] for node in nodes}
    for wire in wires:  # in topological order of the targets: a source's rank is final when read
        rank[wire.target] = max(rank[wire.target], rank[wire.source] + 1)
        sources[wire.target].append(wire.source)
        targets[wire.source].append(wire.target)
    for node in nodes:  # an input or a constant sits just before the first gate it feeds
        if node.kind in ("const", "input") and targets[node.id]:
            rank[node.id] = max(0, min(rank[t] for t in targets[node.id]) - 1)
    layers: list = [[] for _ in range(max(rank.values()) + 1)]
    for node in nodes:
        layers[rank[node.id]].append(node.id)
    position = {}
    for layer in layers:
        for k, node_id in enumerate(layer):
            position[node_id] = k

    def sweep(order, neighbours) -> None:
        for r in order:
            layer = layers[r]
            keyed = []
            for k, node_id in enumerate(layer):
                near = [position[n] for n in neighbours[node_id] if rank[n] != r]
                keyed.append((sum(near) / len(near) if near else k, k, node_id))
            keyed.sort()
            layers[r] = [node_id for _, _, node_id in keyed]
            for k, node_id in enumerate(layers[r]):
                position[node_id] = k

    sweep(range(1, len(layers)), sources)
    sweep(range(len(layers) - 2, -1, -1), targets)
    sweep(range(1, len(layers)), sources)

    # Each column as wide as the widest label on a wire entering it.
    label_w = [0.0] * len(layers)
    for wire in wires:
        r = rank[wire.target]
        label_w[r] = max(label_w[r], CHAR * max(len(wire.value), len(wire.grad)))
    half = [max([node_width(by_id[n]) / 2 for n in layer] or [0]) for layer in layers]
    tallest = max(len(layer) for layer in layers)
    x, y = {}, {}
    left = half[0] + 12
    for r, layer in enumerate(layers):
        if r:
            left += half[r - 1] + max(MIN_GAP, label_w[r] + MARGIN) + half[r]
        top = (tallest - len(layer)) * ROW / 2 + ROW / 2 + 8
        for k, node_id in enumerate(layer):
            x[node_id], y[node_id] = left, top + k * ROW
    return Placed(nodes, wires, x, y, left + half[-1] + 12, tallest * ROW + 16)


def endpoints(placed: Placed, wire: Wire, nodes: dict) -> tuple:
    """Where a wire leaves its source and meets its target: at the edge of each shape."""
    import math

    x0, y0 = placed.x[wire.source], placed.y[wire.source]
    x1, y1 = placed.x[wire.target], placed.y[wire.target]
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length

    def reach(node: Node) -> float:
        if node.kind == "gate":
            return RADIUS + 1
        # a text box: how far along (ux, uy) its half-width and half-height reach
        hw, hh = node_width(node) / 2, 9
        return min(hw / abs(ux) if ux else math.inf, hh / abs(uy) if uy else math.inf) + 2

    a, b = reach(nodes[wire.source]), reach(nodes[wire.target])
    return x0 + ux * a, y0 + uy * a, x1 - ux * (b + 2), y1 - uy * (b + 2)
