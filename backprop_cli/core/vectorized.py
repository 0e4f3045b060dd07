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

from ..base.errors import InputError
from .graph import Graph
from .ops import BLOCKING, GATES, Column, np_times

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
        blocks = ops[i] in BLOCKING
        for j, lk in zip(args, loc):
            c = np_times(upstream, lk) if blocks else upstream * lk
            grads[j] = grads[j] + c  # never in place: arrays may be shared
    return grads


def run(graph: Graph, columns: Mapping, n: int) -> Batch:
    """Forward then backward at ``n`` points.  inf and nan flow through; ``Batch.undefined()`` says where."""
    with np.errstate(all="ignore"):
        inputs = input_arrays(graph, columns, n)
        values = forward(graph, inputs)
        grads = backward(graph, values)
    return Batch(graph, n, values, grads)


# ---- tensor programs: one array per node, of any shape ------------------------------------------------
#
# The same forward loop over the same gate table; the backward pass differs in one way only: an
# elementwise gate's local gradient is multiplied in and then summed back over the axes numpy
# broadcast (``sum_to``), and an array gate (matmul, a reduction, softmax...) applies its
# vector-Jacobian product.  No Jacobian is ever made; every gradient has its node's shape.

#: the run's --seed for randn(...) defaults (0 unless given, so that a program shows the same numbers)
DEFAULT_SEED = 0


def is_tensor(graph: Graph, point: Mapping) -> bool:
    """Does this program need the tensor engine (arrays in it, or given to it)?"""
    return graph.tensor or any(type(v) not in (float, int) for v in point.values())


def tensor_inputs(graph: Graph, point: Mapping, seed=None) -> dict:
    """Each input's array: from ``point`` (--at), else the program's default (a number, or a recipe:
    a literal, randn drawn with ``seed``, a data file)."""
    rng = np.random.default_rng(DEFAULT_SEED if seed is None else seed)
    values, missing = {}, []
    for name in graph.inputs:
        if name in point:
            values[name] = np.asarray(point[name], dtype=np.float64)
        elif name in graph.defaults:
            d = graph.defaults[name]
            values[name] = np.float64(d) if isinstance(d, float) else np.asarray(d.make(rng), dtype=np.float64)
        else:
            missing.append(name)
    if missing:
        s = "s" if len(missing) > 1 else ""
        raise InputError(f"no value for input{s} {', '.join(missing)}",
                         f"Give {'them' if s else 'it'} with --at, e.g. --at {missing[0]}=[1,2,3], or in an "
                         f"input line: input {missing[0]} = randn(3)")
    return values


def one_array_calls(graph: Graph, shapes=None) -> Graph:
    """The graph with every call of a gate on one array that its entry names a reduction for
    (``one_array``: max(X) is amax(X), X's largest element) made that reduction, in a copy: the
    program's own graph is never changed.  ``shapes``: the nodes' shapes, when known (a scalar's
    max(x) stays max); None: every one-argument call (generated code, for any shape)."""
    changes = {}
    for i, (op, args) in enumerate(zip(graph.op, graph.args)):
        reduction = GATES[op].one_array if len(args) == 1 else None
        if reduction is not None and (shapes is None or shapes[args[0]]):
            changes[i] = reduction
    if not changes:
        return graph
    copy = Graph.__new__(Graph)
    for slot in Graph.__slots__:
        setattr(copy, slot, getattr(graph, slot))
    copy.op, copy.payload = list(graph.op), list(graph.payload)
    for i, reduction in changes.items():
        copy.op[i], copy.payload[i] = reduction, (None,)
    return copy


def infer_shapes(graph: Graph, inputs: Mapping) -> list:
    """Every node's shape, from the inputs' shapes and each gate's shape rule, before anything runs
    (a one-array call, max(X), takes its reduction's rule).  A mismatch raises SourceError naming
    the gate, both shapes and the rule, at the node's source."""
    from ..base.errors import SourceError
    from .ops import ShapeError, shape_text

    shapes: list = []
    for i, (op, args, payload) in enumerate(zip(graph.op, graph.args, graph.payload)):
        if op == "input":
            shapes.append(np.shape(inputs[payload]))
            continue
        if op == "const":
            shapes.append(np.shape(payload))
            continue
        xs = [shapes[j] for j in args]
        gate = GATES[op]
        if gate.one_array is not None and len(xs) == 1 and xs[0]:
            gate, payload = GATES[gate.one_array], (None,)
        try:
            if gate.shape is None:
                try:
                    shape = np.broadcast_shapes(*xs)
                except ValueError:
                    sep = f" {gate.symbol} " if gate.notation == "infix" else ", "
                    raise ShapeError(sep.join(shape_text(x) for x in xs) + " — shapes do not broadcast "
                                     "(each dimension, from the right, must be equal or 1)") from None
            else:
                shape = tuple(gate.shape(tuple(xs), payload or ()))
        except ShapeError as e:
            name = gate.symbol if gate.notation == "infix" else gate.name
            raise SourceError(f"{name}: {e}", graph.source, graph.start[i], graph.end[i]) from None
        shapes.append(shape)
    return shapes


def tensor_forward(graph: Graph, inputs: Mapping) -> list:
    try:
        return _tensor_forward(graph, inputs)
    except (ValueError, IndexError) as e:  # a value an array gate cannot take (a label out of range)
        from ..base.errors import InputError, caret

        i = _failed_at
        line, col = graph.line_col(i)
        raise InputError(f"{line}:{col}: {graph.op[i]}: {e}\n{caret(graph.source, graph.start[i], graph.end[i])}") \
            from None


_failed_at = 0


def _tensor_forward(graph: Graph, inputs: Mapping) -> list:
    global _failed_at
    fwd = Column("np_forward")
    values: list = []
    push = values.append
    for op, args, payload in zip(graph.op, graph.args, graph.payload):
        _failed_at = len(values)
        if op == "const":
            push(np.float64(payload) if type(payload) is float else payload)
        elif op == "input":
            push(inputs[payload])
        elif not GATES[op].elementwise:
            push(np.asarray(fwd[op](*[values[j] for j in args], *(payload or ())), dtype=np.float64))
        else:
            push(fwd[op](*[values[j] for j in args]))
    return values


def _leading_to(graph: Graph, names) -> bytearray:
    """need[i] is 1 when node i lies on a path from one of the inputs ``names`` (so its gradient
    matters for theirs)."""
    need = bytearray(len(graph))
    for name in names:
        need[graph.inputs[name]] = 1
    for i, args in enumerate(graph.args):
        for j in args:
            if need[j]:
                need[i] = 1
                break
    return need


def _times(upstream, local):
    return upstream * local


def tensor_backward(graph: Graph, values: list, shapes: list, wrt=None, replace=None) -> tuple:
    """d(output)/d(node) for every node (an array of the node's shape); each edge's local gradient
    (elementwise gates) and contribution.  A non-scalar output seeds ones: the gradient of its sum.
    ``wrt``: only the gradients of these inputs are wanted (others are left as zeros: training
    needs no gradient of its data).  ``replace``: {node: vjp, or an elementwise gate's local
    gradients} to use instead of the gate's own (the grader replays a learner's mistake,
    ``ops.mistaken_vjp``)."""
    from .library import sum_to

    n = len(graph)
    grads: list = [None] * n
    local: list = [None] * n
    contrib: list = [None] * n
    out = graph.output
    grads[out] = np.ones(shapes[out])
    live = graph.live()
    if wrt is not None:
        need = _leading_to(graph, wrt)
        live = bytearray(a & b for a, b in zip(live, need))
    loc_fns, vjp_fns = Column("np_local"), Column("np_vjp")
    for i in range(out, -1, -1):
        args = graph.args[i]
        upstream = grads[i]
        if not args or not live[i] or upstream is None:
            continue
        op, payload = graph.op[i], graph.payload[i]
        xs = [values[j] for j in args]
        if GATES[op].elementwise:
            loc = (loc_fns[op] if replace is None or i not in replace else replace[i])(values[i], *xs)
            # (an add gate's local 1.0 passes the upstream array on as it is: no copy)
            times = np_times if op in BLOCKING else _times
            cs = tuple(None if not live[j] and wrt is not None else
                       sum_to(upstream if type(lk) is float and lk == 1.0 else times(upstream, lk), shapes[j])
                       for lk, j in zip(loc, args))
            local[i] = loc
        else:
            want = None if wrt is None else tuple(live[j] for j in args)
            vjp = vjp_fns[op] if replace is None or i not in replace else replace[i]
            cs = vjp(values[i], upstream, *xs, *(payload or ()), want=want)
        contrib[i] = cs
        for j, c in zip(args, cs):
            if c is not None:
                grads[j] = c if grads[j] is None else grads[j] + c
    for i in range(n):
        if grads[i] is None:
            grads[i] = np.zeros(shapes[i])
        elif np.shape(grads[i]) != shapes[i]:  # pragma: no cover - a gate's VJP broke its contract
            raise AssertionError(f"gradient of node {i} has shape {np.shape(grads[i])}, not {shapes[i]}")
    return grads, local, contrib


def scalar_output(graph: Graph, shape: tuple) -> None:
    """Gradients are of one number: a non-scalar output is refused (exit 2) with the fix, as PyTorch's
    backward() and JAX's grad refuse it, rather than differentiating its sum without saying so."""
    if int(np.prod(shape)) == 1:
        return
    from ..base.errors import InputError
    from .ops import shape_text

    name = graph.output_name
    if name in graph.bindings:
        example = f"a last line {'loss' if name != 'loss' else 'total'} = sum({name})"
    else:
        example = f"sum({graph.label(graph.output, 40)})"
    raise InputError(f"the output {name} is an array of shape {shape_text(shape)}, and a gradient is "
                     "of one number",
                     f"Reduce it to one with sum(...) or mean(...), as PyTorch's backward() and JAX's grad "
                     f"ask: e.g. {example}; or differentiate another value with --of NAME.")


def run_tensor(graph: Graph, point: Mapping, seed=None, allow_nonfinite: bool = False, wrt=None):
    """Forward then backward over arrays: the engine's Result, its values and gradients arrays."""
    from .engine import Result

    inputs = tensor_inputs(graph, point, seed)
    shapes = infer_shapes(graph, inputs)
    scalar_output(graph, shapes[graph.output])
    graph = one_array_calls(graph, shapes)
    with np.errstate(all="ignore"):
        values = tensor_forward(graph, inputs)
        if not allow_nonfinite:
            _check_finite(graph, values)
        grads, local, contrib = tensor_backward(graph, values, shapes, wrt)
    warnings = [f"d{graph.output_name}/d{name} has inf or nan elements"
                for name, i in graph.inputs.items() if not np.isfinite(grads[i]).all()]
    result = Result(graph, values, grads, local, contrib, dict(inputs), warnings)
    return result


def _check_finite(graph: Graph, values: list) -> None:
    from ..base.errors import MathError, caret
    from .ops import shape_text

    for i, v in enumerate(values):
        if np.isfinite(v).all():
            continue
        bad = np.argwhere(~np.isfinite(np.asarray(v)))[0]
        where = f" at {tuple(int(k) for k in bad)}" if np.ndim(v) else ""
        line, col = graph.line_col(i)
        raise MathError(f"{line}:{col}: {graph.label(i, 40)} {shape_text(np.shape(v))} is undefined{where} "
                        f"(op {graph.op[i]})\n{caret(graph.source, graph.start[i], graph.end[i])}",
                        "Use --allow-nonfinite to let inf and nan flow through, IEEE-style.")
