"""Forward and backward passes over a graph's node list: plain loops, no recursion.

The backward pass records, for every edge (node i's k-th input), the local gradient
``local[i][k]`` = d(node i)/d(input k) and the contribution ``grads[i] * local[i][k]`` that flows
along it, so every view reads the same facts instead of recomputing them.
"""

from __future__ import annotations

import math

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Mapping, Optional

from ..base.errors import InputError, MathError, caret, listing
from .graph import Graph
from ..base.numbers import exact, show
from .ops import BLOCKING, GATES, Column, times


class Result:
    """A graph with its forward values and d(output)/d(node) for every node."""

    __slots__ = ("graph", "values", "grads", "local", "contrib", "at", "warnings", "live")

    def __init__(self, graph: Graph, values: list, grads: list, local: list, contrib: list,
                 at: dict, warnings: list) -> None:
        self.graph = graph
        self.values = values
        self.grads = grads
        #: per node: a tuple of local gradients, one per input (None for leaves and nodes the
        #: backward pass never reached because they come after the output).
        self.local = local
        #: per node: a tuple of upstream * local, one per input (same shape as ``local``).
        self.contrib = contrib
        #: the value each input had.
        self.at = at
        self.warnings = warnings
        #: graph.live() as the backward pass found it, or None where it was not kept
        self.live = None

    @property
    def value(self) -> float:
        return self.values[self.graph.output]

    @property
    def output_name(self) -> str:
        return self.graph.output_name

    @property
    def gradients(self) -> dict:
        """d(output)/d(input) for every input, in order of first appearance."""
        return {name: self.grads[i] for name, i in self.graph.inputs.items()}


def input_values(graph: Graph, at: Mapping[str, float]) -> dict:
    """The value of every input: from ``at``, else the program's default.  All missing ones at once."""
    values = {}
    missing = []
    for name in graph.inputs:
        if name in at:
            values[name] = float(at[name])
        elif name in graph.defaults:
            values[name] = graph.defaults[name]
        else:
            missing.append(name)
    if missing:
        s = "s" if len(missing) > 1 else ""
        example = ",".join(f"{n}=1" for n in missing[:10])
        raise InputError(f"no value for input{s} {listing(missing)}",
                         f"Give {'them' if s else 'it'} with --at, e.g. --at {example}")
    return values


def forward(graph: Graph, at: Mapping[str, float], allow_nonfinite: bool = False) -> list:
    """Every node's value, in node order."""
    inputs = input_values(graph, at)
    fwd = Column("forward")
    values: list = []
    push = values.append
    # The arithmetic gates are written out (same IEEE operations as their entries in GATES): a
    # million-node graph spends its time here, and a call per node would double it.
    for op, args, payload in zip(graph.op, graph.args, graph.payload):
        if op == "add":
            push(values[args[0]] + values[args[1]])
        elif op == "mul":
            push(values[args[0]] * values[args[1]])
        elif op == "sub":
            push(values[args[0]] - values[args[1]])
        elif op == "neg":
            push(-values[args[0]])
        elif op == "const":
            push(payload)
        elif op == "input":
            push(inputs[payload])
        elif len(args) == 1:
            push(fwd[op](values[args[0]]))
        elif len(args) == 2:
            push(fwd[op](values[args[0]], values[args[1]]))
        else:
            push(fwd[op](*[values[j] for j in args]))
    if not allow_nonfinite and not math.isfinite(sum(values)):
        _check_finite(graph, values)
    return values


def _check_finite(graph: Graph, values: list) -> None:
    """Name the first node that made inf or nan out of finite inputs."""
    for i, v in enumerate(values):
        if math.isfinite(v):
            continue
        args = graph.args[i]
        op = GATES[graph.op[i]]
        xs = [values[j] for j in args]
        why = op.undefined(*xs) or "the result overflows a double"
        line, col = graph.line_col(i)
        ins = ", ".join(_named_value(graph.label(j, 30), values[j]) for j in args)
        what = graph.text(i) if graph.end[i] - graph.start[i] <= 80 else graph.label(i, 40)
        if graph.name[i] is not None:
            what = f"{graph.name[i]} = {what}"
        raise MathError(
            f"{line}:{col}: {what} is undefined ({exact(v)}): {why}\n"
            f"{caret(graph.source, graph.start[i], graph.end[i])}\n"
            f"node {i}, op {op.name}, input{'s' if len(args) > 1 else ''}: {ins}",
            "Use --allow-nonfinite to let inf and nan flow through, IEEE-style.")


def _named_value(label: str, value: float) -> str:
    text = exact(value)
    return text if label == text else f"{label} = {text}"


def backward(graph: Graph, values: list, record: bool = True) -> tuple:
    """d(output)/d(node) for every node; with ``record``, each edge's local gradient and contribution."""
    return _backward(graph, values, record)[:3]


def _backward(graph: Graph, values: list, record: bool) -> tuple:
    """backward's (grads, local, contrib) and which nodes are live (Graph.live), found on the way."""
    n = len(graph)
    grads = [0.0] * n
    local: list = [None] * n
    contrib: list = [None] * n
    out = graph.output
    grads[out] = 1.0
    loc_fns = Column("local")
    ops, all_args = graph.op, graph.args
    # Nodes the output does not depend on get no gradient at all: even a nan local gradient there
    # (d/dy x^y for x < 0 in an unused statement) must not leak in as 0 * nan.
    if not record:
        live = _backward_fast(ops, all_args, values, grads, out, loc_fns)
        return grads, local, contrib, live
    live = graph.live()
    for i in range(out, -1, -1):
        args = all_args[i]
        if not args or not live[i]:
            continue
        upstream = grads[i]
        # A blocking gate's zero local gradient passes 0 on, even for an inf or nan upstream (times).
        if len(args) == 2:
            a, b = args
            la, lb = loc = loc_fns[ops[i]](values[i], values[a], values[b])
            if ops[i] in BLOCKING:
                ca, cb = times(upstream, la), times(upstream, lb)
            else:
                ca, cb = upstream * la, upstream * lb
            grads[a] += ca
            grads[b] += cb
            if record:
                local[i] = loc
                contrib[i] = (ca, cb)
        else:
            loc = loc_fns[ops[i]](values[i], *[values[j] for j in args])
            if ops[i] in BLOCKING:
                cs = tuple(times(upstream, lk) for lk in loc)
            else:
                cs = tuple(upstream * lk for lk in loc)
            for j, c in zip(args, cs):
                grads[j] += c
            if record:
                local[i] = loc
                contrib[i] = cs
    return grads, local, contrib, live


def _backward_fast(ops: list, all_args: list, values: list, grads: list, out: int, loc_fns: dict) -> bytearray:
    """The backward pass without recording edges.  Each written-out gate multiplies the upstream
    gradient by exactly the local gradient its entry in GATES returns, in the same order, so the
    gradients are bit for bit those of the recording loop (tests/test_engine_fast.py checks).
    Which nodes are live (Graph.live) is worked out on the way, in the same pass."""
    live = bytearray(len(ops))
    live[out] = 1
    for i in range(out, -1, -1):
        if not live[i]:
            continue
        args = all_args[i]
        if not args:
            continue
        upstream = grads[i]
        op = ops[i]
        if op == "add":
            a, b = args
            live[a] = live[b] = 1
            grads[a] += upstream * 1.0
            grads[b] += upstream * 1.0
        elif op == "mul":
            a, b = args
            live[a] = live[b] = 1
            ca, cb = upstream * values[b], upstream * values[a]
            grads[a] += ca
            grads[b] += cb
        elif op == "sub":
            a, b = args
            live[a] = live[b] = 1
            grads[a] += upstream * 1.0
            grads[b] += upstream * -1.0
        elif op == "neg":
            a = args[0]
            live[a] = 1
            grads[a] += upstream * -1.0
        elif op == "exp":
            a = args[0]
            live[a] = 1
            grads[a] += upstream * values[i]
        elif len(args) == 1:
            a = args[0]
            live[a] = 1
            (la,) = loc_fns[op](values[i], values[a])
            grads[a] += times(upstream, la) if op in BLOCKING else upstream * la
        elif len(args) == 2:
            a, b = args
            live[a] = live[b] = 1
            la, lb = loc_fns[op](values[i], values[a], values[b])
            if op in BLOCKING:
                ca, cb = times(upstream, la), times(upstream, lb)
            else:
                ca, cb = upstream * la, upstream * lb
            grads[a] += ca
            grads[b] += cb
        else:
            loc = loc_fns[op](values[i], *[values[j] for j in args])
            blocks = op in BLOCKING
            for j, lk in zip(args, loc):
                live[j] = 1
                grads[j] += times(upstream, lk) if blocks else upstream * lk
    return live


def run(graph: Graph, at: Optional[Mapping[str, float]] = None, allow_nonfinite: bool = False,
        record: bool = True) -> Result:
    """Forward then backward.  Raises InputError for a missing input, MathError for an undefined value."""
    at = dict(at or {})
    values = forward(graph, at, allow_nonfinite)
    grads, local, contrib, live = _backward(graph, values, record)
    used = {name: values[i] for name, i in graph.inputs.items()}
    result = Result(graph, values, grads, local, contrib, used, _gradient_warnings(graph, values, grads))
    result.live = live
    return result


def _gradient_warnings(graph: Graph, values: list, grads: list) -> list:
    bad = [(name, i) for name, i in graph.inputs.items() if not math.isfinite(grads[i])]
    if not bad:
        return []
    # The cause is looked for once, not once per input: that would be quadratic in a big graph.
    cause = _first_nonfinite_local(graph, values, grads)
    where = ""
    if cause is not None:
        j, g = cause
        where = (f": it starts at {graph.label(j, 40)} ({graph.op[j]}), whose local gradient is "
                 f"{show(g)} at {', '.join(exact(values[k]) for k in graph.args[j])}")
    return [f"d{graph.output_name}/d{name} is {show(grads[i])}{where}" for name, i in bad]


def _first_nonfinite_local(graph: Graph, values: list, grads: list):
    live = graph.live()
    for i in range(graph.output, -1, -1):
        args = graph.args[i]
        if args and live[i] and math.isfinite(values[i]) and all(math.isfinite(values[j]) for j in args):
            loc = GATES[graph.op[i]].local(values[i], *[values[j] for j in args])
            for lk in loc:
                if not math.isfinite(lk):
                    return i, lk
    return None
