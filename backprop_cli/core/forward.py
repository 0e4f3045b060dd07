"""Forward mode: the tangent pass, d(node)/dt along a direction of the inputs, node by node.

The inputs get a tangent (the direction: 1 for --wrt x, or --tangent x=1,y=0.5); every gate's tangent is
the sum over its inputs of local gradient x incoming tangent, in node order, after the forward pass
has the values.  The local gradients are the engine's (``Result.local``, recorded by the backward
pass) where it recorded them, else the gate table's, so forward and reverse mode multiply the same
numbers.  The output's tangent is the directional derivative J·v.

A node that no input of the direction reaches has no tangent at all (``None``: a symbolic zero, as
in JAX): an unseeded branch adds nothing, not 0 * inf.  One plain loop, no recursion.
"""

from __future__ import annotations

import math

from .engine import Result
from .ops import BLOCKING, Column


class Tangents:
    """Every node's tangent along ``direction``, with each edge's local gradient and share."""

    __slots__ = ("result", "direction", "tangents", "local", "shares")

    def __init__(self, result: Result, direction: dict, tangents: list, local: list, shares: list) -> None:
        self.result = result
        #: input name -> its tangent (the inputs not named have none)
        self.direction = direction
        #: per node: d(node)/dt, or None where no input of the direction reaches it
        self.tangents = tangents
        #: per node: the local gradients of its inputs (None for leaves and nodes not reached)
        self.local = local
        #: per node: local × incoming tangent per input, None where that input has no tangent
        self.shares = shares

    @property
    def jvp(self) -> float:
        """The output's tangent: the directional derivative J·v (0 when nothing reaches it)."""
        t = self.tangents[self.result.graph.output]
        return 0.0 if t is None else t

    def tangent(self, i: int) -> float:
        t = self.tangents[i]
        return 0.0 if t is None else t


def check_direction(graph, direction: dict, what: str) -> dict:
    """The direction as floats, every name an input of the program (InputError otherwise)."""
    from ..base.errors import InputError, unknown_input

    out = {}
    for name, v in direction.items():
        if name not in graph.inputs:
            raise unknown_input(what, name, graph.inputs)
        if type(v) not in (float, int):
            raise InputError(f"{what}: the tangent of {name} is an array, and this is a scalar program",
                             f"Give a number, e.g. {what} {name}=1.")
        v = float(v)
        if not math.isfinite(v):
            raise InputError(f"{what}: the tangent of {name} is {v}", "Tangents must be finite numbers.")
        out[name] = v
    return out


def tangent_pass(result: Result, direction: dict) -> Tangents:
    """Forward mode along ``direction`` (input name -> tangent) over a scalar result's graph."""
    g = result.graph
    n = len(g)
    live = g.live()
    values = result.values
    recorded = result.local
    loc_fns = Column("local")
    tangents: list = [None] * n
    local: list = [None] * n
    shares: list = [None] * n
    cut = [False] * n
    seeds = {g.inputs[name]: float(v) for name, v in direction.items()}
    for i in range(g.output + 1):
        args = g.args[i]
        if not args:
            if i in seeds:
                tangents[i] = seeds[i]
            continue
        if not live[i] or all(tangents[j] is None for j in args):
            continue
        loc = recorded[i] if recorded[i] is not None else \
            loc_fns[g.op[i]](values[i], *[values[j] for j in args])
        # The backward pass gives a path through a blocking gate's zero local gradient 0 whatever
        # the local gradients between that gate and the output (an inf or nan upstream times that
        # 0 is 0), and multiplies that 0 by those between the input and the gate as IEEE does.  A
        # tangent made only of such paths is "cut": no later local gradient reaches it.
        blocks = g.op[i] in BLOCKING
        parts, all_cut = [], True
        for lk, j in zip(loc, args):
            t = tangents[j]
            if t is None:
                parts.append(None)
            elif cut[j]:
                parts.append(t)
            else:
                parts.append(lk * t)
                all_cut = all_cut and blocks and lk == 0
        total = None
        for p in parts:
            if p is not None:
                total = p if total is None else total + p
        tangents[i], local[i], shares[i] = total, loc, tuple(parts)
        cut[i] = total is not None and all_cut
    return Tangents(result, direction, tangents, local, shares)


def gate_count(result: Result) -> int:
    """Gates the output depends on: what one forward (tangent) pass or one backward pass evaluates."""
    g = result.graph
    live = g.live()
    return sum(1 for i in range(g.output + 1) if live[i] and g.args[i])
