"""Random expressions for property tests: each drawn as our text and, built alongside, a SymPy oracle.

The SymPy expression is constructed from the same random choices (no parsing of text), so it is an
independent statement of what the text means.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

NAMES = ("x", "y", "z")
SYMBOLS = {name: sp.Symbol(name, real=True) for name in NAMES}

SMOOTH_UNARY = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "tanh": sp.tanh, "sigmoid": lambda u: 1 / (1 + sp.exp(-u)),
}
def _safe(build):
    """SymPy's Max/Min compare their arguments when built and refuse complex ones (max(log(-1), 2)):
    such an expression has no real value, so it becomes nan and the test discards it."""

    def make(*args):
        try:
            return build(*args)
        except (TypeError, ValueError):
            return sp.nan

    return make


KINKED_UNARY = {"relu": _safe(lambda u: sp.Max(0, u)), "abs": sp.Abs}
BINARY = {"+": sp.Add, "-": lambda a, b: a - b, "*": sp.Mul, "/": lambda a, b: a / b,
          "^": sp.Pow}


def _leaf():
    names = st.sampled_from(NAMES).map(lambda n: (n, SYMBOLS[n]))
    numbers = st.sampled_from(["2", "3", "0.5", "1.5", "-1", "0.25"]).map(
        lambda t: (t, sp.Rational(t) if "." not in t else sp.Rational(t)))
    return st.one_of(names, names, numbers)


def _extend(children, kinks: bool):
    unary_ops = dict(SMOOTH_UNARY, **(KINKED_UNARY if kinks else {}))
    unary = st.tuples(st.sampled_from(sorted(unary_ops)), children).map(
        lambda t: (f"{t[0]}({t[1][0]})", unary_ops[t[0]](t[1][1])))
    neg = children.map(lambda c: (f"-({c[0]})", -c[1]))
    binary = st.tuples(st.sampled_from(sorted(BINARY)), children, children).map(
        lambda t: (f"({t[1][0]}) {t[0]} ({t[2][0]})", BINARY[t[0]](t[1][1], t[2][1])))
    small_power = st.tuples(children, st.sampled_from(["2", "3", "-1", "-2"])).map(
        lambda t: (f"({t[0][0]})^{t[1]}", t[0][1] ** sp.Integer(t[1])))
    options = [unary, neg, binary, binary, small_power]
    if kinks:
        options.append(st.tuples(st.sampled_from(["max", "min"]), children, children).map(
            lambda t: (f"{t[0]}({t[1][0]}, {t[2][0]})",
                       _safe(sp.Max if t[0] == "max" else sp.Min)(t[1][1], t[2][1]))))
    return st.one_of(*options)


def expressions(kinks: bool = False, max_leaves: int = 12):
    """(text, sympy expression) pairs."""
    return st.recursive(_leaf(), lambda c: _extend(c, kinks), max_leaves=max_leaves)


points = st.fixed_dictionaries({
    n: st.floats(min_value=-3, max_value=3, allow_nan=False).map(lambda v: round(v, 3))
    for n in NAMES
})
