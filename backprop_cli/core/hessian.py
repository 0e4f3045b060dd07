"""Second order: Hessian-vector products by forward over reverse, and the Hessian from them.

The backward pass computes, for every edge, grads[j] += grads[i] * local[i][k].  Forward mode over it
differentiates each of those lines along a direction v of the inputs:

    d(grads[j]) += d(grads[i]) * local[i][k] + grads[i] * d(local[i][k])
    d(local[i][k]) = sum over the gate's inputs m of  second[i][k][m] * tangent[input m]

where ``tangent`` is the forward-mode pass along v (``forward.py``) and ``second`` the gate's second
derivatives, derived from its local gradients (``second.py``).  At the end d(grads[input]) is the
input's row of H·v.  The values, gradients and local gradients are the engine's own (``Result``), so
this is one more pass in reverse node order over the same facts, no recursion, linear in the graph.

The Hessian is n such products, one per input (its columns); it is symmetric in exact arithmetic, and
in doubles up to rounding.
"""

from __future__ import annotations

from .engine import Result
from .forward import tangent_pass
from .ops import BLOCKING, Column, times
from .second import second_local

#: the most inputs a whole Hessian is made for (n products of a pass each, n x n numbers)
MOST_HESSIAN_INPUTS = 2000


class Product:
    """H·v along a direction: every input's d(df/d input)/dt, and the tangent pass it rode on."""

    __slots__ = ("tangents", "grad_tangents")

    def __init__(self, tangents, grad_tangents: list) -> None:
        self.tangents = tangents
        #: per node: d(df/d node)/dt (None: no tangent reaches that gradient)
        self.grad_tangents = grad_tangents

    def by_input(self) -> dict:
        g = self.tangents.result.graph
        return {name: 0.0 if self.grad_tangents[i] is None else self.grad_tangents[i]
                for name, i in g.inputs.items()}


def edge_dgrad(up, dup, local, row, moving: list, args, tangent: list, blocks: bool, masked_times):
    """The tangent of one edge's contribution upstream × local: dupstream × local (masked where the
    gate blocks) plus upstream × the sum, over the inputs m that move, of d²out/d(this)d(m) × m's
    tangent (``row``, None: no input moves); None where nothing moves.  Numbers or arrays alike."""
    total = None if dup is None else masked_times(dup, local) if blocks else dup * local
    if row is not None:
        for m in moving:
            h = row[m]
            if h is not None:
                part = up * (h * tangent[args[m]])
                total = part if total is None else total + part
    return total


def product(result: Result, direction: dict) -> Product:
    """H·v for ``direction`` (input name -> component) on a scalar result."""
    tangents = tangent_pass(result, direction)
    g = result.graph
    t = tangents.tangents
    values, grads, recorded = result.values, result.grads, result.local
    loc_fns = Column("local")
    dgrads: list = [None] * len(g)
    live = g.live()
    for i in range(g.output, -1, -1):
        args = g.args[i]
        if not args or not live[i]:
            continue
        up, dup = grads[i], dgrads[i]
        moving = [m for m, j in enumerate(args) if t[j] is not None]
        if dup is None and not moving:
            continue
        xs = [values[j] for j in args]
        loc = recorded[i] if recorded[i] is not None else loc_fns[g.op[i]](values[i], *xs)
        second = second_local(g.op[i], len(args))(values[i], *xs) if moving else None
        blocks = g.op[i] in BLOCKING
        for k, j in enumerate(args):
            total = edge_dgrad(up, dup, loc[k], None if second is None else second[k], moving, args, t, blocks,
                               times)
            if total is not None:
                dgrads[j] = total if dgrads[j] is None else dgrads[j] + total
    return Product(tangents, dgrads)


def hessian(result: Result, wrt=None) -> dict:
    """{x: {y: d²f/dxdy}} for the inputs ``wrt`` (default: all), one H·v per input."""
    from ..base.errors import InputError, unknown_input

    g = result.graph
    names = list(g.inputs) if wrt is None else list(dict.fromkeys(wrt))
    for name in names:
        if name not in g.inputs:
            raise unknown_input("--hessian", name, g.inputs)
    if len(names) > MOST_HESSIAN_INPUTS:
        raise InputError(f"--hessian: {len(names):,} inputs make a {len(names):,} x {len(names):,} table, "
                         f"more than the {MOST_HESSIAN_INPUTS:,} x {MOST_HESSIAN_INPUTS:,} made at most",
                         "Ask for Hessian-vector products instead (--hvp), or one entry (--get d2f/dxdy).")
    table = {}
    for name in names:
        column = product(result, {name: 1.0}).by_input()
        table[name] = {other: column[other] for other in names}
    return table


def second_derivative(result: Result, first: str, second: str) -> float:
    """d²f/d(first)d(second): one H·v, along ``second``."""
    return product(result, {second: 1.0}).by_input()[first]
