"""The engine over numpy arrays: the same forward and backward loops as engine.py, one array per node.

Every node holds one float64 value per point (a row of a batch, a sample of a plot), computed by the
op's ``np_forward``/``np_local`` from the gate table (derived from each gate's one description), so the conventions are the scalar engine's
(relu'(0) = 0, ties split evenly, IEEE inf and nan).  The loops, the order in which gradients are
summed and the zeros they start from are the scalar engine's too, so both give the same doubles
wherever numpy's elementary functions give libm's.  Leaves that are the same at every point (constants,
inputs fixed by --at) stay scalars and broadcast.

Plain loops over the node list, no recursion.  Memory is about (nodes x points x 16) bytes: callers
with big graphs pass fewer points at a time (see ``rows_for``).
"""

from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from ..errors import InputError
from .graph import Graph
from .ops import Column

#: bytes a batch may spend on node values and gradients, which decides the rows per chunk.
MEMORY_BUDGET = 256 * 2**20


def rows_for(graph: Graph, wanted: int) -> int:
    """At most ``wanted`` points at a time, fewer when the graph is big enough to need it."""
    per_row = 16 * max(1, len(graph))
    return min(wanted, max(16, MEMORY_BUDGET // per_row))


class Batch:
    """Values and d(output)/d(node) at ``n`` points: each entry an array of n, or a scalar."""

    __slots__ = ("graph", "n", "values", "grads")

    def __init__(self, graph: Graph, n: int, values: list, grads: list) -> None:
        self.graph, self.n, self.values, self.grads = graph, n, values, grads

    @property
    def value(self):
        return self.full(self.values[self.graph.output])

    @property
    def gradients(self) -> dict:
        """d(output)/d(input) as an array of n per input, in order of first appearance."""
        return {name: self.full(self.grads[i]) for name, i in self.graph.inputs.items()}

    def full(self, x):
        return np.broadcast_to(np.asarray(x, dtype=np.float64), (self.n,))

    def undefined(self) -> Optional[np.ndarray]:
        """Rows where some node is inf or nan (where `eval` would stop), or None if there are none."""
        bad = None
        for v in self.values:
            finite = np.isfinite(v)
            if not finite.all():
                bad = ~finite if bad is None else bad | ~finite
        if bad is None:
            return None
        # full() would make a scalar bool a float (and ~ of a float array fails): broadcast as bool.
        return np.broadcast_to(np.asarray(bad, dtype=bool), (self.n,)).copy() if np.ndim(bad) == 0 else bad


def input_arrays(graph: Graph, columns: Mapping, n: int) -> dict:
    """Each input's values: a column (array of n) or a number, else the program's default."""
    out, missing = {}, []
    for name in graph.inputs:
        if name in columns:
            v = columns[name]
            out[name] = np.float64(v) if np.ndim(v) == 0 else np.asarray(v, dtype=np.float64)
        elif name in graph.defaults:
            out[name] = np.float64(graph.defaults[name])
        else:
            missing.append(name)
    if missing:
        s = "s" if len(missing) > 1 else ""
        raise InputError(f"no value for input{s} {', '.join(missing)}")
    for name, v in out.items():
        if np.ndim(v) and v.shape != (n,):
            raise ValueError(f"input {name} has shape {v.shape}, expected ({n},)")
    return out


def forward(graph: Graph, inputs: Mapping) -> list:
    """Every node's values, in node order.  ``inputs`` from ``input_arrays``."""
    fwd = Column("np_forward")
    values: list = []
    push = values.append
    for op, args, payload in zip(graph.op, graph.args, graph.payload):
        n = len(args)
        if n == 2:
            push(fwd[op](values[args[0]], values[args[1]]))
        elif n == 1:
            push(fwd[op](values[args[0]]))
        elif n == 0:
            push(np.float64(payload) if op == "const" else inputs[payload])
        else:
            push(fwd[op](*[values[j] for j in args]))
    return values


def backward(graph: Graph, values: list) -> list:
    """d(output)/d(node) for every node, summed in the scalar engine's order."""
    grads: list = [np.float64(0.0)] * len(graph)
    out = graph.output
    grads[out] = np.float64(1.0)
    loc_fns = Column("np_local")
    ops, all_args = graph.op, graph.args
    for i in range(out, -1, -1):
        args = all_args[i]
        if not args:
            continue
        upstream = grads[i]
        loc = loc_fns[ops[i]](values[i], *[values[j] for j in args])
        for j, lk in zip(args, loc):
            grads[j] = grads[j] + upstream * lk  # never in place: arrays may be shared
    return grads


def run(graph: Graph, columns: Mapping, n: int) -> Batch:
    """Forward then backward at ``n`` points.  inf and nan flow through; ``Batch.undefined()`` says where."""
    with np.errstate(all="ignore"):
        inputs = input_arrays(graph, columns, n)
        values = forward(graph, inputs)
        grads = backward(graph, values)
    return Batch(graph, n, values, grads)
