"""Tangents through the array gates, for forward mode over tensor programs.

Two things are needed for H·v (``tensor_hvp.py``) besides the elementwise gates (whose tangents and
second derivatives come from the gate table, ``second.py``):

- the forward tangent of an array gate (its JVP).  The linear gates (transpose, sum, mean, reshape,
  index) map a tangent as they map a value, matmul is bilinear; the others have their JVP written
  below once, in the gate table's expression form, from the primitives their VJPs already use
  (softmax's Jacobian is symmetric, so its JVP is its VJP with the tangent as the upstream);
- the tangent of an array gate's vector-Jacobian product, as the upstream, the inputs and the output
  move.  That is derived, not written: the VJP is an expression in the table (``Gate.vjp_exprs``), and
  ``_walk`` evaluates it in forward mode, value and tangent side by side.  An elementwise call
  (``*``, ``-``, exp) takes its tangent from the gate table's local gradients; an array primitive
  takes it from how it depends on its arguments: ``MULTILINEAR`` ones (a product with G, a
  transpose, a spread, a sum) are linear in each argument slot listed, ``CONSTANT`` ones (a count,
  the winners of a max) are flat where defined, and cross_entropy_dx moves with softmax.

The expressions are a gate's formula (shallow), so ``_walk`` recurses, as ``expr.py`` does.
"""

from __future__ import annotations

import numpy as np

from . import library
from .expr import OUT, E, F, X, Y, arg, lift
from .ops import BLOCKING, GATES, Column, np_times

#: the tangent of input 0 in a forward JVP expression (inputs and statics come first: x, axis or labels)
T = arg(2)

#: array gates linear in their (first) input: the tangent goes through the gate itself
LINEAR = {"transpose", "sum", "mean", "reshape", "index"}
#: array gates linear in each input separately: d(x @ y) = dx @ y + x @ dy
BILINEAR = {"matmul"}

#: JVPs of the other array gates, over X (the input), Y (the axis, or cross_entropy's labels), OUT and T
FORWARD_JVP = {
    "softmax": OUT * (T - F.sum_keep(T * OUT, Y)),
    "log_softmax": T - F.sum_keep(F.exp(OUT) * T, Y),
    "logsumexp": F.sum(F.exp(X - F.expand(OUT, X, Y)) * T, Y),
    "amax": F.sum(F.winners(X, OUT, Y) * T, Y),
    "amin": F.sum(F.winners(X, OUT, Y) * T, Y),
    "cross_entropy": F.sum(F.cross_entropy_dx(lift(1.0), X, Y) * T),
}

#: array primitives of the VJPs, multilinear in the argument slots listed (others only give shapes)
MULTILINEAR = {"matmul_dx": (0, 2), "matmul_dy": (0, 1), "transpose": (0,), "expand": (0,),
               "sum_keep": (0,), "like": (0,), "unindex": (0,), "sum": (0,), "mean": (0,), "sum_to": (0,)}
#: array primitives that are flat wherever they are defined
CONSTANT = {"count", "winners"}


def _product(a, b):
    return a * b


def supported(gate: str) -> bool:
    return GATES[gate].elementwise or gate in LINEAR or gate in BILINEAR or gate in FORWARD_JVP


def _numpy(name):
    gate = GATES.get(name)
    return gate.np_forward if gate is not None else library.LIBRARY[name].numpy


def forward_tangent(gate: str, out, xs: list, statics: tuple, tangents: list):
    """d(out) for an array gate, given its inputs ``xs`` and their tangents (None: none)."""
    fwd = _numpy(gate)
    if gate in LINEAR:
        return None if tangents[0] is None else np.asarray(fwd(tangents[0], *statics), dtype=np.float64)
    if gate in BILINEAR:
        (a, b), (da, db) = xs, tangents
        total = None
        if da is not None:
            total = fwd(da, b)
        if db is not None:
            total = fwd(a, db) if total is None else total + fwd(a, db)
        return None if total is None else np.asarray(total, dtype=np.float64)
    if tangents[0] is None:
        return None
    args = list(xs) + list(statics)
    while len(args) < 2:  # the default axis
        args.append(GATES[gate].defaults[len(args) - len(GATES[gate].params)])
    value, _ = _walk(FORWARD_JVP[gate], out, None, args + [tangents[0]], [None] * (len(args) + 1))
    return np.broadcast_to(value, np.shape(out))


def vjp_tangents(gate: str, out, out_dot, up, up_dot, xs: list, statics: tuple, tangents: list) -> list:
    """For each input, how its share of the upstream (the gate's VJP) moves: the VJP expression in
    forward mode, with the upstream, the inputs and the output moving at their tangents."""
    args = list(xs) + list(statics)
    dargs = list(tangents) + [None] * len(statics)
    while len(args) < len(GATES[gate].params):
        args.append(GATES[gate].defaults[len(args) - len(GATES[gate].params)])
        dargs.append(None)
    out_pair = (out, out_dot)
    result = []
    for e in GATES[gate].vjp_exprs:
        if e is None:
            result.append(None)
            continue
        _, tangent = _walk(lift(e), out_pair, (up, up_dot), args, dargs)
        result.append(tangent)
    return result


def _walk(e: E, out, grad, args: list, dargs: list) -> tuple:
    """(value, tangent) of expression ``e`` (tangent None: zero by structure).  ``out`` and ``grad``
    are (value, tangent) pairs, or a bare value for ``out`` in a forward JVP."""
    kind = e.kind
    if kind == "num":
        return e.value, None
    if kind == "arg":
        return args[e.value], dargs[e.value]
    if kind == "out":
        return out if isinstance(out, tuple) else (out, None)
    if kind == "grad":
        return grad
    if kind != "call":
        raise ValueError(f"no tangent through a {kind} expression in an array gate's rule")
    parts = [_walk(a, out, grad, args, dargs) for a in e.args]
    values = [p[0] for p in parts]
    name = e.value
    value = _numpy(name)(*values)
    if all(p[1] is None for p in parts):
        return value, None
    gate = GATES.get(name)
    if gate is not None and gate.elementwise:
        local = Column("np_local")[name](value, *values)
        multiply = np_times if name in BLOCKING else _product
        tangent = None
        for lk, (_, d) in zip(local, parts):
            if d is not None:
                term = multiply(d, lk)
                tangent = term if tangent is None else tangent + term
        return value, tangent
    if gate is not None and name in FORWARD_JVP:  # an array gate called in a rule (logsumexp's softmax)
        n = len(values) - gate.static if gate.static > 0 else 1
        return value, forward_tangent(name, value, values[:n], tuple(values[n:]), [p[1] for p in parts[:n]])
    if name in CONSTANT:
        return value, None
    if name in MULTILINEAR:
        fn = _numpy(name)
        tangent = None
        for slot in MULTILINEAR[name]:
            d = parts[slot][1]
            if d is None:
                continue
            term = fn(*[d if k == slot else v for k, v in enumerate(values)])
            tangent = term if tangent is None else tangent + term
        return value, tangent
    if name == "cross_entropy_dx":
        (g, dg), (logits, dlogits), (labels, _) = parts
        tangent = None if dg is None else library.cross_entropy_dx(dg, logits, labels)
        if dlogits is not None:
            p = library.np_softmax(logits, -1)
            dp = p * (dlogits - np.sum(p * dlogits, axis=-1, keepdims=True))
            term = g * dp / (np.shape(logits)[0] if np.ndim(logits) == 2 else 1)
            tangent = term if tangent is None else tangent + term
        return value, tangent
    raise ValueError(f"no tangent rule for the array primitive {name}")
