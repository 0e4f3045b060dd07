"""`eval --get`: one number (or array) by name, for scripts (like `qalc -t`), and `eval -o FILE.npz`.

NAME is the output's name, any name the program binds (an input, an assignment, a short name such as
t3), or d<out>/d<name> (d<name> for short, where no value has that name): the output's gradient with
respect to that node.  An array is printed row by
row: its numbers separated by spaces at full precision, one row a line (the last axis is the row).
"""

from __future__ import annotations

import re

from ..core.engine import Result
from ..base.errors import InputError

_DERIVATIVE = re.compile(r"[d∂]\(?([^()/]+?)\)?/[d∂]\(?([^()/]+?)\)?\Z")


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
                     f"d{g.output_name}/d{next(iter(g.inputs), 'x')} or d{next(iter(g.inputs), 'x')}.")


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
    if text[:1] == "d" and len(text) > 1 and not _names_a_value(result, text) and _names_a_value(result, text[1:]):
        return result.grads[_node(result, text[1:], name)]  # dx, short for df/dx, as --expect has it
    return result.values[_node(result, text, name)]


def _names_a_value(result: Result, name: str) -> bool:
    g = result.graph
    if name == g.output_name or name in g.bindings or name in g.inputs:
        return True
    from .notation import short_names

    return name in short_names(g)


def text(value) -> str:
    """``value`` as --get prints it, ending in a newline: a number at full precision, or an array row
    by row (a 0-d array is a plain number; more than two axes: every row of the last axis in order)."""
    from ..base.numbers import exact

    if type(value) is float:
        return exact(value) + "\n"
    import numpy as np

    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return exact(float(array)) + "\n"
    rows = array.reshape(-1, array.shape[-1]) if array.size else [[]]  # an empty array: one empty line
    return "".join(" ".join(exact(float(x)) for x in row) + "\n" for row in rows)


def named_arrays(result: Result, names=()) -> dict:
    """{name: value as a numpy array}: the ``names`` asked for (--get's names), or every input's and
    named value's value and every input's gradient d<out>/d<name> (for `eval -o FILE.npz`)."""
    import numpy as np

    g = result.graph
    if not names:
        names = list(dict.fromkeys([*g.inputs, *g.bindings, g.output_name]))
        names += [f"d{g.output_name}/d{name}" for name in g.inputs]
    return {name: np.asarray(lookup(result, name), dtype=float) for name in names}
