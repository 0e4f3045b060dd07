"""J·v and H·v for tensor programs: forward mode, and forward over reverse, on the tensor engine's result.

The same two passes as ``hessian.py``, over arrays:

- forward, each node's tangent: an elementwise gate's is the sum of local × incoming tangent (numpy
  broadcasting); an array gate's comes from ``array_tangents.forward_tangent``;
- backward, each gradient's tangent: an elementwise edge's contribution sum_to(upstream * local)
  moves by sum_to(dupstream * local + upstream * dlocal), dlocal from the gate's second derivatives
  (``second.py``, numpy closures); an array gate's vector-Jacobian product moves as its expression
  in the table says when the upstream, the inputs and the output move (``array_tangents``).

Plain loops over the nodes, no recursion.
"""

from __future__ import annotations

import numpy as np

from ..base.errors import InputError
from .array_tangents import forward_tangent, supported, vjp_tangents
from .engine import Result
from .library import sum_to
from .ops import BLOCKING, GATES, Column, np_times
from .second import second_local


def tensor_jvp(result: Result, vector: dict):
    """J·v: the output's tangent along ``vector``, in the output's shape."""
    tangent = _tangents(result, vector, "--jvp")
    t = tangent[result.graph.output]
    return np.zeros(np.shape(result.value)) if t is None else np.asarray(t, dtype=np.float64)


def tensor_hvp(result: Result, vector: dict) -> dict:
    """{input: its part of H·v, in the input's shape} for ``vector`` (input -> array or number)."""
    g = result.graph
    values, grads = result.values, result.grads
    n = len(g)
    live = g.live()
    tangent = _tangents(result, vector, "--hvp")
    loc_fns = Column("np_local")
    with np.errstate(all="ignore"):
        # backward: the tangents of the gradients
        dgrads: list = [None] * n
        for i in range(g.output, -1, -1):
            args = g.args[i]
            if not args or not live[i]:
                continue
            up, dup = grads[i], dgrads[i]
            moving = [m for m, j in enumerate(args) if tangent[j] is not None]
            if dup is None and not moving:
                continue
            op, xs = g.op[i], [values[j] for j in args]
            statics = g.payload[i] or ()
            if not GATES[op].elementwise:
                parts = vjp_tangents(op, values[i], tangent[i], up, dup, xs, statics,
                                     [tangent[j] for j in args])
            else:
                loc = result.local[i] if result.local[i] is not None else loc_fns[op](values[i], *xs)
                second = second_local(op, len(args), numpy=True)(values[i], *xs) if moving else None
                parts = []
                blocks = op in BLOCKING
                for k, j in enumerate(args):
                    total = None if dup is None else np_times(dup, loc[k]) if blocks else dup * loc[k]
                    if second is not None:
                        for m in moving:
                            h = second[k][m]
                            if h is not None:
                                part = up * (h * tangent[args[m]])
                                total = part if total is None else total + part
                    parts.append(None if total is None else sum_to(total, np.shape(values[j])))
            for j, p in zip(args, parts):
                if p is not None:
                    dgrads[j] = p if dgrads[j] is None else dgrads[j] + p
    return {name: np.zeros(np.shape(values[i])) if dgrads[i] is None else np.asarray(dgrads[i], dtype=np.float64)
            for name, i in g.inputs.items()}


def tensor_tangents(result: Result, vector: dict, option: str = "--tangent") -> list:
    """Forward mode over the tensor result: every node's tangent (None where none reaches)."""
    return _tangents(result, vector, option)


def _tangents(result: Result, vector: dict, option: str) -> list:
    g = result.graph
    values = result.values
    n = len(g)
    live = g.live()
    unsupported = sorted({g.op[i] for i in range(g.output + 1) if live[i] and not supported(g.op[i])})
    if unsupported:
        raise InputError(f"{option}: no tangent rule yet for {', '.join(unsupported)} (forward over reverse "
                         "needs one for every array gate)",
                         "Tangents go through every elementwise gate and @, transpose, sum, mean, reshape, "
                         "indexing, softmax, log_softmax, logsumexp, amax, amin and cross_entropy.")
    tangent: list = [None] * n
    for name, v in vector.items():
        if name not in g.inputs:
            from ..base.errors import unknown_input

            raise unknown_input(option, name, g.inputs)
        node = g.inputs[name]
        v = np.asarray(v, dtype=np.float64)
        if v.shape != np.shape(values[node]):
            raise InputError(f"{option}: {name} has shape {_shape(np.shape(values[node]))}, and its direction "
                             f"{_shape(v.shape)}", "Give the direction in the input's shape.")
        tangent[node] = v
    loc_fns = Column("np_local")
    with np.errstate(all="ignore"):
        # forward: the tangents
        for i in range(g.output + 1):
            args = g.args[i]
            if not args or not live[i] or all(tangent[j] is None for j in args):
                continue
            op, xs = g.op[i], [values[j] for j in args]
            statics = g.payload[i] or ()
            if not GATES[op].elementwise:
                tangent[i] = forward_tangent(op, values[i], xs, statics, [tangent[j] for j in args])
            else:
                loc = result.local[i] if result.local[i] is not None else loc_fns[op](values[i], *xs)
                total = None
                for lk, j in zip(loc, args):
                    if tangent[j] is not None:
                        part = np_times(tangent[j], lk) if op in BLOCKING else lk * tangent[j]
                        total = part if total is None else total + part
                tangent[i] = np.broadcast_to(total, np.shape(values[i])) if total is not None else None
    return tangent


def _shape(shape) -> str:
    from .ops import shape_text

    return shape_text(shape)
