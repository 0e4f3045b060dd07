"""`eval --get`: one number by name, for scripts (like `qalc -t`).

NAME is the output's name, any name the program binds (an input, an assignment, a short name such as
t3), or d<out>/d<name>: the output's gradient with respect to that node.
"""

from __future__ import annotations

import re

from ..core.engine import Result
from ..base.errors import InputError

_DERIVATIVE = re.compile(r"d\(?([^()/]+?)\)?/d\(?([^()/]+?)\)?\Z")


def _node(result: Result, name: str, what: str) -> int:
    g = result.graph
    if name == g.output_name:
        return g.output
    if name in g.bindings:
        return g.bindings[name]
    if name in g.inputs:
        return g.inputs[name]
    from .notation import short_names

    short = short_names(g)
    if name in short:
        return short.index(name)
    from ..base.suggest import nearest

    known = [g.output_name, *g.bindings, *g.inputs]
    close = nearest(name, known)
    hint = f"Did you mean '{close}'? " if close else ""
    raise InputError(f"--get {what}: the program has no value named '{name}'",
                     f"{hint}Names: {', '.join(dict.fromkeys(known))}; for a gradient: "
                     f"d{g.output_name}/d{next(iter(g.inputs), 'x')}.")


def lookup(result: Result, name: str) -> float:
    """The value named ``name``, or the gradient d<out>/d<name>."""
    g = result.graph
    text = name.replace(" ", "")
    from .second_order import second_names

    pair = second_names(text, g)
    if pair is not None:  # d2f/dxdy, d2f/dx2: one H·v
        from ..core.hessian import second_derivative

        if type(result.value) is not float:
            raise InputError(f"--get {name}: second derivatives of tensor programs come as H·v",
                             "Use --hvp NAME=VALUE,... for a Hessian-vector product.")
        return second_derivative(result, *pair)
    match = _DERIVATIVE.match(text)
    if match and not (text in g.bindings or text in g.inputs):
        top, wrt = match.groups()
        if top != g.output_name and _node(result, top, name) != g.output:
            raise InputError(f"--get {name}: gradients are of the output, {g.output_name}",
                             f"To differentiate {top}, add --of {top}.")
        return result.grads[_node(result, wrt, name)]
    return result.values[_node(result, text, name)]
