"""The engine's written-out gates (forward, and backward without recording) against the op table."""

from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st

from backprop_cli import api

from backprop_cli.core import engine
from backprop_cli.core.ops import GATES

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e308, -1e308, 1e-320, math.inf, -math.inf, math.nan]


def same(a: float, b: float) -> bool:
    """Bit for bit, except that any nan equals any nan."""
    if a != a or b != b:
        return a != a and b != b
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def reference_forward(graph, point):
    values = []
    for op, args, payload in zip(graph.op, graph.args, graph.payload):
        if op == "const":
            values.append(payload)
        elif op == "input":
            values.append(float(point[payload]))
        else:
            values.append(GATES[op].forward(*[values[j] for j in args]))
    return values


def _expressions():
    leaf = st.sampled_from(["x", "y", "x", "2", "0.5", "0"])
    unary = ["sin", "cos", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "tan", "-"]

    def grow(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(lambda t: f"({' '.join(t)})"),
            st.tuples(st.sampled_from(unary), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: f"{'max' if len(xs) % 2 else 'min'}({', '.join(xs)})"),
        )

    return st.recursive(leaf, grow, max_leaves=10)


@settings(max_examples=400, deadline=None)
@given(_expressions(), st.sampled_from(SPECIAL), st.sampled_from(SPECIAL))
def test_written_out_gates_match_the_op_table(source, x, y):
    graph = api.build(source, at=("x", "y"))
    point = {"x": x, "y": y}
    values = engine.forward(graph, point, allow_nonfinite=True)
    expected = reference_forward(graph, point)
    assert all(same(a, b) for a, b in zip(values, expected)), source
    fast, _, _ = engine.backward(graph, values, record=False)
    recorded, local, contrib = engine.backward(graph, values, record=True)
    assert all(same(a, b) for a, b in zip(fast, recorded)), source
    assert any(c is not None for c in contrib) == any(graph.args)


def test_a_200000_node_sum_evaluates_correctly():
    terms = 20_000
    source = "+".join(f"sin(x*{i}+y)*exp(-z*{i})" for i in range(1, terms + 1))
    point = {"x": 0.001, "y": 0.2, "z": 0.0001}
    r = api.evaluate(source, at=point, record=False)
    assert len(r.graph) >= 200_000
    f = sum(math.sin(0.001 * i + 0.2) * math.exp(-0.0001 * i) for i in range(1, terms + 1))
    dx = sum(i * math.cos(0.001 * i + 0.2) * math.exp(-0.0001 * i) for i in range(1, terms + 1))
    dy = sum(math.cos(0.001 * i + 0.2) * math.exp(-0.0001 * i) for i in range(1, terms + 1))
    dz = sum(-i * math.sin(0.001 * i + 0.2) * math.exp(-0.0001 * i) for i in range(1, terms + 1))
    assert math.isclose(r.value, f, rel_tol=1e-9)
    assert math.isclose(r.gradients["x"], dx, rel_tol=1e-9)
    assert math.isclose(r.gradients["y"], dy, rel_tol=1e-9)
    assert math.isclose(r.gradients["z"], dz, rel_tol=1e-9)


def test_a_100000_deep_nesting_evaluates_correctly():
    depth = 100_000
    r = api.evaluate("sin(" * depth + "x" + ")" * depth, at={"x": 1.0}, record=False)
    value, grad = 1.0, 1.0
    for _ in range(depth):
        grad *= math.cos(value)
        value = math.sin(value)
    assert same(r.value, value)
    assert math.isclose(r.gradients["x"], grad, rel_tol=1e-9)
