"""The numpy engine against the scalar engine: op by op, on random expressions, and at the kinks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_cli.core import engine, vectorized
from backprop_cli.api import build
from backprop_cli.base.errors import MathError
from backprop_cli.core.ops import GATES, elementwise_gates
from conftest import lecture_cases

inf, nan = math.inf, math.nan

#: ops whose numpy version must give the scalar version's double exactly (sign of zero included).
EXACT = {"add", "sub", "mul", "div", "neg", "relu", "abs", "max", "min", "sqrt", "step", "sign", "share"}
#: numpy has its own exp, tanh, ... (SIMD): they may differ from libm in the last bits.
TRANSCENDENTAL = sorted(name for name, op in elementwise_gates().items() if op.np_forward and name not in EXACT)

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 1e-300, -1e-300, 1e300, -1e300, 1e-310,
           709.0, 710.0, -745.0, 40.0, -40.0, math.pi / 2, inf, -inf, nan]


def same(a: float, b: float, ulps: int = 0) -> bool:
    """The same double (and sign of zero), or within ``ulps`` units in the last place."""
    if a != a or b != b:
        return a != a and b != b
    if a == b:
        return ulps > 0 or math.copysign(1.0, a) == math.copysign(1.0, b)
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= ulps * math.ulp(max(abs(a), abs(b)))


def scalar_call(fn, *xs):
    return fn(*xs)


def numpy_call(fn, *xs):
    """The numpy version at one point, through a length-3 array (the SIMD loops, not a scalar path)."""
    with np.errstate(all="ignore"):
        out = fn(*[np.full(3, x) for x in xs])
    if isinstance(out, tuple):
        return tuple(float(np.broadcast_to(o, (3,))[1]) for o in out)
    return float(np.broadcast_to(out, (3,))[1])


def points(arity: int):
    rng = np.random.default_rng(arity)
    if arity <= 2:
        grid = list(itertools.product(SPECIAL, repeat=arity))
    else:  # ties matter here (max, min, share): a small grid of values that repeat
        grid = list(itertools.product([0.0, -0.0, 1.0, -1.0, 2.0, nan], repeat=arity))
    grid += [tuple(rng.normal(scale=3.0, size=arity).tolist()) for _ in range(300)]
    return grid


def test_every_gate_has_a_numpy_twin():
    # A new op without np_forward/np_local would break batch and plot: this names it.
    missing = [name for name, op in elementwise_gates().items() if op.forward and not (op.np_forward and op.np_local)]
    assert missing == []


@pytest.mark.parametrize("name", [n for n, op in elementwise_gates().items() if op.np_forward])
def test_every_op_has_a_numpy_twin_that_agrees(name):
    op = GATES[name]
    ulps = 0 if name in EXACT else 4
    lo, hi = op.arity
    arities = [lo, lo + 1, lo + 2] if hi is None else [lo]
    for arity in arities:
        for xs in points(arity):
            out = scalar_call(op.forward, *xs)
            assert same(numpy_call(op.np_forward, *xs), out, ulps), (name, xs)
            if out != out and name not in EXACT:
                continue  # both nan: the local gradients of nan are nan or a convention
            expected = scalar_call(op.local, out, *xs)
            got = numpy_call(op.np_local, out, *xs)
            assert len(got) == len(expected)
            for g, e in zip(got, expected):
                assert same(g, e, ulps), (name, xs, got, expected)


def test_the_numpy_sigmoid_is_stable():
    x = np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no nan
        y = GATES["sigmoid"].np_forward(x)
    assert y.tolist()[3] == 0.5 and y.tolist()[-1] == 1.0 and y.tolist()[0] == 0.0
    assert np.all(np.isfinite(y))


# ---- random expressions -------------------------------------------------------------------------

NAMES = ["x", "y", "z"]
UNARY = ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "step", "sign"]
BINARY = ["+", "-", "*", "/", "^"]
leaves = st.sampled_from(NAMES + ["2", "0.5", "1", "0", "3"])


def extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"-({c})"),
        st.tuples(children, st.sampled_from(BINARY), children).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        st.tuples(st.sampled_from(["max", "min"]), st.lists(children, min_size=1, max_size=3))
        .map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.lists(children, min_size=3, max_size=4).map(lambda xs: f"share({', '.join(xs)})"),
    )


expressions = st.recursive(leaves, extend, max_leaves=10)
values = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.0, 3.0]),
                   st.floats(-5, 5, allow_nan=False),
                   st.sampled_from([inf, -inf, nan]))
rows = st.lists(st.fixed_dictionaries({n: values for n in NAMES}), min_size=1, max_size=6)


@pytest.fixture
def numpy_elementary_functions(monkeypatch):
    """The scalar engine with numpy's exp, log, sin, ... in place of libm's (and nothing else).

    numpy's SIMD elementary functions may differ from libm's in the last bit, which a random
    expression can amplify at will; with the same elementary functions on both sides, the two
    engines must agree to the bit, so this checks the loops, the order of summation and every
    convention (kinks, ties, inf and nan).  Each op's two versions are compared above.
    """
    for name in TRANSCENDENTAL:
        op = GATES[name]
        monkeypatch.setitem(GATES, name, op.replace(
            forward=lambda *xs, op=op: numpy_call(op.np_forward, *xs),
            local=lambda out, *xs, op=op: numpy_call(op.np_local, out, *xs)))


def check_against_scalar(source: str, points: list) -> None:
    graph = build(source)
    columns = {name: np.array([p[name] for p in points]) for name in graph.inputs}
    batch = vectorized.run(graph, columns, len(points))
    undefined = batch.undefined()
    value, gradients = batch.value, batch.gradients
    for k, point in enumerate(points):
        at = {name: point[name] for name in graph.inputs}
        scalar = engine.run(graph, at, allow_nonfinite=True, record=False)
        assert same(float(value[k]), scalar.value), (source, point)
        for name, g in scalar.gradients.items():
            assert same(float(gradients[name][k]), g), (source, point, name)
        try:
            engine.run(graph, at, record=False)
            stopped = False
        except MathError:
            stopped = True
        assert stopped == (undefined is not None and bool(undefined[k])), (source, point)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # the patch holds for all
@given(source=expressions, points=rows)
def test_random_expressions_agree_with_the_scalar_engine(numpy_elementary_functions, source, points):
    check_against_scalar(source, points)


@pytest.mark.parametrize("source, point", [
    ("relu(x)", {"x": 0.0}),
    ("relu(x)", {"x": -0.0}),
    ("abs(x)", {"x": 0.0}),
    ("abs(x)", {"x": -0.0}),
    ("max(x, y)", {"x": 1.0, "y": 1.0}),
    ("max(x, y, z)", {"x": 2.0, "y": 2.0, "z": 2.0}),
    ("max(x, y, z)", {"x": 2.0, "y": 1.0, "z": 2.0}),
    ("min(x, y)", {"x": -3.0, "y": -3.0}),
    ("min(x, y, z)", {"x": 0.0, "y": -0.0, "z": 1.0}),
    ("max(x, y)", {"x": 0.0, "y": -0.0}),
    ("max(x, y)", {"x": -0.0, "y": 0.0}),
    ("max(x, y)", {"x": nan, "y": 1.0}),
    ("x^y", {"x": 0.0, "y": 0.0}),
    ("x^y", {"x": 0.0, "y": 2.0}),
    ("x^y", {"x": 0.0, "y": -1.0}),
    ("x^y", {"x": -8.0, "y": 1 / 3}),
    ("x^0.5", {"x": -0.0}),  # numpy would take sqrt for a constant 0.5: -0.0, where pow gives 0.0
    ("x/y", {"x": 0.0, "y": 0.0}),
    ("x/y", {"x": -1.0, "y": -0.0}),
    ("sqrt(x)", {"x": 0.0}),
    ("sqrt(x)", {"x": -0.0}),
    ("relu(x)*abs(y) + max(x, y, 0)", {"x": 0.0, "y": 0.0}),
])
def test_kinks_and_edges_agree_exactly_with_the_scalar_engine(source, point):
    # No elementary functions replaced: these must match the real scalar engine to the bit.
    check_against_scalar(source, [point, {**point}, {k: 1.5 for k in point}])


@pytest.mark.parametrize("source, x", [
    ("x^2", 1.4394943995478604), ("x^2", 2.4673924522389283),
    ("x^-1", 1.8016745553640234), ("x^-1", 1.8682780618784554),
    ("x^0.5", 1.536819460346146), ("x^1.5", 1.536819460346146), ("x^0.5", -0.0), ("x^3", 2.2),
])
def test_constant_exponents_go_through_pow(numpy_elementary_functions, source, x):
    # For a constant exponent 2, -1 or 0.5 numpy would use square, reciprocal or sqrt, which are
    # not pow to the last bit at these points; the batch engine must still be pow.
    check_against_scalar(source, [{"x": x}, {"x": x}])


def test_conventions_at_the_kinks():
    graph = build("relu(x) + abs(y) + max(a, b) + min(c, d, w)")
    batch = vectorized.run(graph, {"x": 0.0, "y": 0.0, "a": 1.0, "b": 1.0, "c": 2.0, "d": 2.0,
                                   "w": np.array([2.0, 3.0])}, 2)
    g = {k: v.tolist() for k, v in batch.gradients.items()}
    assert g["x"] == [0.0, 0.0] and g["y"] == [0.0, 0.0]
    assert g["a"] == [0.5, 0.5] and g["b"] == [0.5, 0.5]
    assert g["c"] == [1 / 3, 0.5] and g["w"] == [1 / 3, 0.0]


CASES = lecture_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_lecture_in_a_batch(case):
    # The real scalar engine (libm): agreement to a few ulps on the lecture's examples.
    graph = build(case["program"])
    n = 4
    batch = vectorized.run(graph, {k: np.full(n, float(v)) for k, v in case["at"].items()}, n)
    assert batch.value.tolist() == pytest.approx([case["value"]] * n, rel=1e-14)
    for name, expected in case["gradients"].items():
        assert batch.gradients[name].tolist() == pytest.approx([expected] * n, rel=1e-14, abs=1e-15)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-4, 4), min_size=5, max_size=5))
def test_random_neurons_close_to_the_scalar_engine(ws):
    # The sigmoid neuron goes through exp: numpy's and libm's agree to ~1 ulp, so close, not equal.
    graph = build("1/(1+exp(-(w0*x0+w1*x1+w2)))")
    at = dict(zip(["w0", "x0", "w1", "x1", "w2"], ws))
    scalar = engine.run(graph, at)
    batch = vectorized.run(graph, {k: np.array([v]) for k, v in at.items()}, 1)
    assert float(batch.value[0]) == pytest.approx(scalar.value, rel=1e-13)
    for name, g in scalar.gradients.items():
        assert float(batch.gradients[name][0]) == pytest.approx(g, rel=1e-12, abs=1e-300)


def test_deep_expression_without_recursion():
    depth = 20_000
    graph = build("x" + " + x" * depth)
    batch = vectorized.run(graph, {"x": np.arange(3.0)}, 3)
    assert batch.value.tolist() == [0.0, depth + 1.0, 2 * (depth + 1.0)]
    assert batch.gradients["x"].tolist() == [depth + 1.0] * 3


def test_rows_for_bounds_memory_by_graph_size():
    small, big = build("x*y"), build("x" + " + x" * 10_000)
    assert vectorized.rows_for(small, 65536) == 65536
    assert vectorized.rows_for(small, 7) == 7
    assert 16 <= vectorized.rows_for(big, 65536) < 2000
