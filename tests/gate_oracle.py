"""SymPy versions of the gates, built from each gate's forward description (never from its local
gradients), so that SymPy's own derivative is an independent oracle for them.

Library functions map to SymPy by what ``core/library.py`` gives (``Lib.sympy``): a SymPy name, or
an expression over the arguments {0}, {1}, ... ("log({0}, 2)"), so that a new gate needs nothing
here.  Conventions at special points (``at``) are left out: the oracle is used away from them.
"""

from __future__ import annotations

import sympy as sp

from backprop_cli.core import library
from backprop_cli.core.ops import GATES

_CMP = {">": sp.Gt, ">=": sp.Ge, "<": sp.Lt, "<=": sp.Le, "==": sp.Eq}


class NoOracle(Exception):
    pass


def sympy_function(name: str):
    spelled = library.LIBRARY[name].sympy
    if not spelled:
        raise NoOracle(name)
    if "{" not in spelled:
        return getattr(sp, spelled)

    def expression(*args):
        # The library's own text (never user input), over placeholder symbols, then the arguments.
        holders = sp.symbols(f"_arg0:{len(args)}", real=True)
        e = sp.sympify(spelled.format(*[str(h) for h in holders]), locals={str(h): h for h in holders})
        return e.subs(dict(zip(holders, args)), simultaneous=True)
    return expression


def forward(name: str, args: list):
    """Gate ``name`` over SymPy expressions ``args``, from its forward description."""
    op = GATES[name]
    if op.defaults and len(args) < len(op.params):
        args = list(args) + [sp.Float(d) for d in op.defaults[len(args) - len(op.params):]]
    return _convert(op.forward_expr, name, args)


def _convert(e, name: str, args: list):
    kind = e.kind
    if kind == "arg":
        return args[e.value]
    if kind == "num":
        return sp.Float(e.value) if e.value != int(e.value) else sp.Integer(int(e.value))
    if kind in ("call", "lib"):
        parts = []
        for a in e.args:
            if a.kind == "all":
                parts.extend(args)
            else:
                parts.append(_convert(a, name, args))
        if kind == "lib":
            return sympy_function(name)(*parts)
        if e.value in GATES and GATES[e.value].forward_expr.kind != "lib":
            return forward(e.value, parts)
        return sympy_function(e.value)(*parts)
    parts = [_convert(a, name, args) for a in e.args]
    if kind == "where":
        c, a, b = parts
        return sp.Piecewise((a, c), (b, True))
    if kind == "at":
        return parts[2]
    if kind == "cmp":
        return _CMP[e.value](*parts)
    if kind == "and":
        return sp.And(*parts)
    raise NoOracle(kind)
