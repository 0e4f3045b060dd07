"""What the DOT and Mermaid views draw, worked out once: the nodes on a path to the output, how each
is marked, and every wire with its forward value and the gradient flowing back along it."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.engine import Result
from ..base.numbers import show
from ..core.ops import GATES
from .notation import ancestors, short_names


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


class Structure:
    """A graph with no point to run it at: the pictures draw its shape alone (graph without --at)."""

    def __init__(self, graph) -> None:
        self.graph = graph
        self.values = self.grads = self.contrib = None


def layout(result: Result, digits: int) -> tuple:
    """(nodes, wires), in topological order; wires into a gate in argument order.  A gate is named
    by its short name (as in the table and trace); a wire from a constant carries no gradient (nothing
    flows on from it); a Structure's wires carry no numbers at all."""
    needed, fan_out = _reach(result)
    return list(nodes(result, digits, needed, fan_out)), list(wires(result, digits, needed))


def _reach(result) -> tuple:
    """Which nodes are drawn (those on a path to the output) and how many wires leave each."""
    g = result.graph
    needed = ancestors(g, g.output)
    fan_out = [0] * len(g)
    for i in range(g.output + 1):
        if needed[i]:
            for j in g.args[i]:
                fan_out[j] += 1
    fan_out[g.output] += 1  # the wire to the output marker
    return needed, fan_out


def _shower(result):
    """How numbers are written: a tensor program's wires say their shapes."""
    if result.graph.tensor or (result.values is not None and type(result.value) is not float):
        return _tensor_label
    return show


def streamed(result, digits: int) -> tuple:
    """(nodes, wires) as generators, each walking the graph when iterated: a view that writes
    them as it goes holds one node at a time, not the whole picture (graph of a million nodes)."""
    needed, fan_out = _reach(result)
    return nodes(result, digits, needed, fan_out), wires(result, digits, needed)


def nodes(result, digits: int, needed, fan_out):
    g = result.graph
    name = short_names(g)
    numbers = result.values is not None
    show = _shower(result)
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
            node = Node(f"n{i}", "gate", spec.symbol or spec.name, name[i])
        if fan_out[i] > 1 and numbers:
            node.total = show(result.grads[i], digits)
        yield node
    yield Node("out", "output", g.output_name)


def wires(result, digits: int, needed):
    g = result.graph
    numbers = result.values is not None
    show = _shower(result)
    for i in range(g.output + 1):
        if not needed[i]:
            continue
        for k, j in enumerate(g.args[i]):
            if not numbers:
                yield Wire(f"n{j}", f"n{i}", "", "")
                continue
            grad = "" if g.op[j] == "const" else show(result.contrib[i][k], digits)
            yield Wire(f"n{j}", f"n{i}", show(result.values[j], digits), grad)
    if numbers:
        yield Wire(f"n{g.output}", "out", show(result.values[g.output], digits),
                   show(result.grads[g.output], digits))
    else:
        yield Wire(f"n{g.output}", "out", "", "")
