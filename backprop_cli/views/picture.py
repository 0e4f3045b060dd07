"""What the DOT and Mermaid views draw, worked out once: the nodes on a path to the output, how each
is marked, and every wire with its forward value and the gradient flowing back along it."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.engine import Result
from ..core.ops import GATES
from .notation import ancestors


@dataclass
class Node:
    id: str
    kind: str  # "input", "const", "gate" or "output"
    text: str  # what is drawn: a name, a constant, an op's symbol
    name: str = ""  # a gate's assigned name, drawn under its symbol
    #: the node's total gradient, when several wires leave it (a branch adds them), else "".
    total: str = ""


@dataclass
class Wire:
    source: str
    target: str
    value: str  # the forward value on the wire
    grad: str  # the gradient flowing back along it: upstream * local of the gate it enters


def _tensor_label(v, digits: int) -> str:
    """(3x4) on a wire of a tensor program, with the numbers when there are at most 4 of them."""
    if v is None:
        return "none"
    from ..core.ops import shape_text
    from .tensor_text import brief, is_array

    import numpy as np

    if not is_array(v):
        return brief(v, digits)
    return shape_text(np.shape(v)) + (" " + brief(v, digits) if np.size(v) <= 4 else "")


def layout(result: Result, digits: int) -> tuple:
    """(nodes, wires), in topological order; wires into a gate in argument order."""
    g = result.graph
    if type(result.value) is not float:  # a tensor program: every wire says its shape
        show = _tensor_label
    else:
        from ..numbers import show
    needed = ancestors(g, g.output)
    fan_out = [0] * len(g)
    for i in range(g.output + 1):
        if needed[i]:
            for j in g.args[i]:
                fan_out[j] += 1
    fan_out[g.output] += 1  # the wire to the output marker
    nodes, wires = [], []
    for i in range(g.output + 1):
        if not needed[i]:
            continue
        op = g.op[i]
        if op == "input":
            node = Node(f"n{i}", "input", g.payload[i])
        elif op == "const":
            node = Node(f"n{i}", "const", g.name[i] or show(g.payload[i], 17))
        else:
            spec = GATES[op]
            node = Node(f"n{i}", "gate", spec.symbol or spec.name, g.name[i] or "")
        if fan_out[i] > 1:
            node.total = show(result.grads[i], digits)
        nodes.append(node)
        for k, j in enumerate(g.args[i]):
            wires.append(Wire(f"n{j}", f"n{i}", show(result.values[j], digits),
                              show(result.contrib[i][k], digits)))
    nodes.append(Node("out", "output", g.output_name))
    wires.append(Wire(f"n{g.output}", "out", show(result.value, digits), show(result.grads[g.output], digits)))
    return nodes, wires
