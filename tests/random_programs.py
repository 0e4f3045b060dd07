"""Hypothesis strategies for random programs in backprop's language, and points to evaluate them at.

A program is one or two statements over the inputs x, y, z: ``a = E1`` then ``E2`` (which may use a),
so that some nodes have several consumers and gradients add.
"""

from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

INPUTS = ("x", "y", "z")
SMOOTH_FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid")
KINKY_FUNCTIONS = ("relu", "abs")

constants = st.sampled_from(["2", "3", "0.5", "1.5", "-1", "-2.5", "0", "1", "pi"])
exponents = st.sampled_from(["2", "3", "0.5", "-1", "1", "0", "-2", "1.5"])


@lru_cache(maxsize=None)  # building a recursive strategy is slow; draw from the same one
def expressions(names=INPUTS, kinks=True, variable_powers=True, max_leaves=10):
    leaves = st.sampled_from(list(names)) | constants

    def extend(children):
        options = [
            st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children)
              .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(SMOOTH_FUNCTIONS + (KINKY_FUNCTIONS if kinks else ())), children)
              .map(lambda t: f"{t[0]}({t[1]})"),
            children.map(lambda c: f"-{c}"),
            st.tuples(children, exponents).map(lambda t: f"{t[0]}^{t[1]}"),
        ]
        if kinks:
            options.append(st.tuples(st.sampled_from(["max", "min"]),
                                     st.lists(children, min_size=1, max_size=3))
                           .map(lambda t: f"{t[0]}({', '.join(t[1])})"))
        if variable_powers:
            options.append(st.tuples(children, children).map(lambda t: f"{t[0]}^({t[1]})"))
        return st.one_of(options)

    return st.recursive(leaves, extend, max_leaves=max_leaves)


@lru_cache(maxsize=None)
def programs(kinks=True, variable_powers=True, max_leaves=10):
    """Program text: either one expression, or ``a = E1`` and then an expression that may use a."""
    one = expressions(kinks=kinks, variable_powers=variable_powers, max_leaves=max_leaves)
    two = st.tuples(expressions(kinks=kinks, variable_powers=variable_powers, max_leaves=max_leaves // 2),
                    expressions(INPUTS + ("a", "a"), kinks=kinks, variable_powers=variable_powers,
                                max_leaves=max_leaves)).map(lambda t: f"a = {t[0]}\n{t[1]}")
    return one | two


#: values that hit kinks (0, ties) often, and ordinary ones.
values = st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, -2.0]) | \
    st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3))
smooth_values = st.floats(0.1, 2.5).map(lambda v: round(v, 4)) | st.floats(-2.5, -0.1).map(lambda v: round(v, 4))


@lru_cache(maxsize=None)
def points(vals=values):
    return st.fixed_dictionaries({name: vals for name in INPUTS})


def finite_result(source: str, point: dict):
    """The engine's result for a drawn program, or None when it cannot run there or a gradient is
    not finite.  (The engine also backpropagates through nodes the output does not use, where
    0 * inf makes a nan gradient; a gradient check rightly fails those, which is the engine's
    business, not a check test's.)"""
    import math

    from backprop_cli import evaluate

    try:
        r = evaluate(source, at=point)
    except Exception:
        return None
    return r if all(math.isfinite(g) for g in r.gradients.values()) else None
