"""Numbers right where they used to go wrong (issue 23): the log-sum-exp family at large logits, a
zero local gradient against an infinite upstream (PyTorch's masked gates), atan2 near the origin,
share with no winner, and the tensor check's verdicts against the finite difference's own error."""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from backprop_cli import evaluate
from backprop_cli.api import build
from backprop_cli.transforms.tensor_codegen import generate_tensor
from conftest import run, run_json


def _eval(expr: str, at: str) -> dict:
    return run_json("eval", expr, "--at", at)


def _grad(doc: dict, name: str):
    return doc["gradients"][name]


# ---- 1. the log-sum-exp family ------------------------------------------------------------------------


@pytest.mark.parametrize("big", ["1e15", "1e16", "1e300"])
def test_cross_entropy_keeps_log_2_at_large_equal_logits(big):
    doc = _eval("cross_entropy(W, 0)", f"W=[{big},{big}]")
    assert doc["output"]["value"] == pytest.approx(math.log(2), rel=1e-15)
    assert _grad(doc, "W") == [-0.5, 0.5]


def test_logsumexp_sends_softmax_back_at_large_logits():
    doc = _eval("logsumexp(W)", "W=[1e16,1e16]")
    assert _grad(doc, "W") == [0.5, 0.5]


def test_sum_of_log_softmax_at_four_equal_large_logits():
    doc = _eval("sum(log_softmax(W))", "W=[1e17,1e17,1e17,1e17]")
    assert doc["output"]["value"] == pytest.approx(-4 * math.log(4), rel=1e-15)
    assert _grad(doc, "W") == [0.0, 0.0, 0.0, 0.0]


def _mp_log_softmax(xs):
    mpmath.mp.prec = 200
    m = max(xs)
    total = mpmath.fsum(mpmath.exp(mpmath.mpf(x) - m) for x in xs)
    return [float(mpmath.mpf(x) - m - mpmath.log(total)) for x in xs]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=1, max_size=6), st.sampled_from([0.0, 1e10, -1e15, 1e16, 3e17]))
@example([1.0, 1.0], 1e16)
def test_log_softmax_and_cross_entropy_agree_with_mpmath(small, offset):
    xs = [v + offset for v in small]  # the doubles given: the oracle works on exactly these
    expected = _mp_log_softmax(xs)
    r = evaluate("L = log_softmax(W)\nsum(L)", at={"W": np.array(xs)})
    assert r.values[r.graph.bindings["L"]].tolist() == pytest.approx(expected, rel=1e-12, abs=1e-12)
    r = evaluate("cross_entropy(W, 0)", at={"W": np.array(xs)})
    assert float(r.value) == pytest.approx(-expected[0], rel=1e-12, abs=1e-12)
    p = np.exp(expected)
    p[0] -= 1.0
    assert r.gradients["W"].tolist() == pytest.approx(p.tolist(), rel=1e-9, abs=1e-12)


def test_codegen_numpy_is_as_stable():
    source = "input W = [1e16, 1e16], V = [1e17, 1e17, 1e17, 1e17]\nloss = cross_entropy(W, 0) + logsumexp(W) - 1e16 + sum(log_softmax(V))\n"
    namespace: dict = {}
    exec(compile(generate_tensor(build(source)), "<generated>", "exec"), namespace)
    value, (dW, dV) = namespace["f"](np.array([1e16, 1e16]), np.array([1e17] * 4))
    assert value == pytest.approx(math.log(2) + math.log(2) - 4 * math.log(4), abs=2.0)  # 1e16 + log 2 rounds
    assert dW.tolist() == [0.0, 1.0]  # -0.5 + 0.5, 0.5 + 0.5
    assert dV.tolist() == [0.0] * 4


# ---- 2. a zero local gradient blocks an infinite upstream -------------------------------------------------


@pytest.mark.parametrize("expr, at, expected", [
    ("sqrt(relu(x))", "x=-1", {"x": 0.0}),
    ("sqrt(relu(x - 1)) + x", "x=0.5", {"x": 1.0}),
    ("sqrt(min(x, y))", "x=0,y=1", {"x": math.inf, "y": 0.0}),
    ("sqrt(step(x)) + x", "x=-1", {"x": 1.0}),
    ("sqrt(sign(x)) + x", "x=0", {"x": 1.0}),
    ("sqrt(max(x, y, z))", "x=0,y=-1,z=-2", {"x": math.inf, "y": 0.0, "z": 0.0}),
    ("sqrt(leaky_relu(x, a))", "x=0,a=0.01", {"x": math.inf, "a": 0.0}),
])
def test_a_zero_local_gradient_passes_0_on_the_scalar_engine(expr, at, expected):
    r = evaluate(expr, at=dict(kv.split("=") for kv in at.split(",")))
    assert r.gradients == expected


def test_a_zero_local_gradient_passes_0_on_arrays():
    doc = _eval("sum(sqrt(relu(X)))", "X=[-1,4,-0.5]")
    assert _grad(doc, "X") == [0.0, 0.25, 0.0]
    # amax: the losing elements get 0 even where the upstream is infinite
    r = evaluate("sqrt(amax(X))", at={"X": np.array([0.0, -1.0, -3.0])})
    assert r.gradients["X"].tolist() == [math.inf, 0.0, 0.0]


def test_a_zero_local_gradient_passes_0_in_tensor_codegen():
    source = "input X = [-1, 4, 0], Y = [0, -1, -3]\nsum(sqrt(relu(X))) + sqrt(amax(Y)) + sum(sqrt(max(X, Y)))\n"
    namespace: dict = {}
    exec(compile(generate_tensor(build(source)), "<generated>", "exec"), namespace)
    X, Y = np.array([-1.0, 4.0, 0.0]), np.array([0.0, -1.0, -3.0])
    with np.errstate(all="ignore"):
        _, (dX, dY) = namespace["f"](X, Y)
    r = evaluate(source, at={"X": X, "Y": Y})
    assert dX.tolist() == r.gradients["X"].tolist() == [0.0, 0.5, math.inf]
    assert dY.tolist() == r.gradients["Y"].tolist() == [math.inf, 0.0, 0.0]


def test_a_zero_local_gradient_passes_0_on_the_batch_engine(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("x\n-1\n0.5\n4\n")
    result = run("batch", "sqrt(relu(x - 1)) + x", "-i", path, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["df/dx"] for row in rows] == [1.0, 1.0, 1.0 + 0.5 / math.sqrt(3.0)]


@pytest.mark.parametrize("expr, at, wrt, value", [
    ("sqrt(relu(x - 1)) + x", "x=0.5", "x", 1.0),
    ("sqrt(min(x, y))", "x=0,y=1", "y", 0.0),
    ("sqrt(step(x)) + x", "x=-1", "x", 1.0),
])
def test_diff_writes_the_mask_and_its_program_gives_the_engine_s_number(expr, at, wrt, value):
    program = run("diff", expr, "--wrt", wrt)
    assert program.exit_code == 0
    assert ("masked_mul(" in program.stdout) == ("step" not in expr)  # step's local gradient is the constant 0
    doc = run_json("eval", "-", "--at", at, "--allow-nonfinite", input=program.stdout)
    assert doc["output"]["value"] == value


def test_conventions_doc_says_so():
    from conftest import ROOT

    text = (ROOT / "docs" / "conventions.md").read_text()
    assert "masked_mul" in text and "blocks" in text


# ---- 3. atan2, 4. share ----------------------------------------------------------------------------------


@pytest.mark.parametrize("y, x", [(1e-300, 1e-300), (3e-200, -4e-200), (1e300, 1e300), (-2.0, 5e-310), (1.0, 0.0)])
def test_atan2_gradient_neither_underflows_nor_overflows(y, x):
    r = evaluate("atan2(y, x)", at={"y": y, "x": x})
    mpmath.mp.prec = 100
    r2 = mpmath.mpf(x) ** 2 + mpmath.mpf(y) ** 2
    assert r.gradients["y"] == pytest.approx(float(mpmath.mpf(x) / r2), rel=1e-14)
    assert r.gradients["x"] == pytest.approx(float(-mpmath.mpf(y) / r2), rel=1e-14)


def test_atan2_at_the_origin_is_0_as_in_pytorch():
    assert evaluate("atan2(y, x)", at={"y": 0.0, "x": 0.0}).gradients == {"y": 0.0, "x": 0.0}


@pytest.mark.parametrize("at, value", [
    ({"a": 1.0, "m": 1.0, "x1": 2.0, "x2": 3.0}, 0.0),  # no x equals m: 0, as docs/language.md says
    ({"a": 5.0, "m": 1.0, "x1": 2.0, "x2": 3.0}, 0.0),
    ({"a": 1.0, "m": 1.0, "x1": 1.0, "x2": 1.0}, 0.5),
    ({"a": 1.0, "m": 1.0, "x1": 1.0, "x2": 3.0}, 1.0),
])
def test_share_with_no_winner_is_0(at, value):
    assert evaluate("share(a, m, x1, x2)", at=at).value == value
    assert run("eval", "share(a, m, x1, x2)", "--at", ",".join(f"{k}={v}" for k, v in at.items())).exit_code == 0


# ---- 6. the tensor check judges by the finite difference's own error -------------------------------------


def _tensor_check(*args):
    result = run("check", *args, "--format", "json")
    return result, json.loads(result.stdout) if result.stdout.startswith("{") else None


def test_a_big_constant_does_not_fail_a_right_tensor_gradient():
    result, doc = _tensor_check("sum(W*W)+1e12", "--at", "W=[1,2,3]")
    assert result.exit_code == 0, result.stderr
    (row,) = doc["checks"]
    assert row["status"] == "pass" and "agrees within the finite difference's own error" in row["note"]
    # as the scalar check says of the same
    scalar = run("check", "x*x + 1e12", "--at", "x=1")
    assert scalar.exit_code == 0 and "agrees within" in scalar.stdout
    table = run("check", "sum(W*W)+1e12", "--at", "W=[1,2,3]")
    assert "agrees within" in table.stdout and "FAIL" not in table.stdout


def test_no_kink_is_reported_where_there_is_none():
    result, doc = _tensor_check("sum(W*W)+1e9", "--at", "W=[1,2,3]")
    assert result.exit_code == 0 and doc["checks"][0]["status"] == "pass"
    assert "kink" not in run("check", "sum(W*W)+1e9", "--at", "W=[1,2,3]").stdout


def test_a_big_random_matrix_passes(tmp_path):
    path = tmp_path / "big.bp"
    path.write_text("input W = randn(600, 600)\nsum(W*W)\n")  # the 2000x2000, smaller
    result, doc = _tensor_check("-f", path)
    assert result.exit_code == 0, result.stderr
    assert doc["checks"][0]["status"] == "pass"


def test_a_wrong_tensor_gradient_still_fails():
    from backprop_cli.tasks.check.tensors import check_tensors

    r = evaluate("sum(W*W)+1e3", at={"W": np.array([1.0, 2.0, 3.0])})
    r.grads[r.graph.inputs["W"]] = r.grads[r.graph.inputs["W"]] * np.array([1.0, 1.0, 1.01])
    (row,) = check_tensors(r, 1e-6)
    assert not row.passed and row.where == "[2]"


def test_a_kink_at_the_point_is_a_kink_not_a_failure():
    result, doc = _tensor_check("sum(relu(W))", "--at", "W=[0,1,-1]")
    assert result.exit_code == 0 and doc["checks"][0]["status"] == "kink"


def test_the_tensor_pieces_match_the_gate_table():
    """Two points are on one piece by the array rule exactly when they are by the table's."""
    import itertools

    from backprop_cli.core.ops import GATES
    from backprop_cli.tasks.check.tensors import ARRAY_PIECES

    xs = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]
    for name, array_piece in ARRAY_PIECES.items():
        op = GATES[name]
        n = op.arity[0]
        for here, there in itertools.product(itertools.product(xs, repeat=n), repeat=2):
            by_array = bool(np.all(array_piece(*map(np.array, here)) == array_piece(*map(np.array, there))))
            assert by_array == (op.piece(*here) == op.piece(*there)), (name, here, there)


# ---- 7. the step printed is the step used ------------------------------------------------------------------


def test_a_positive_base_to_a_whole_power_is_no_kink():
    doc = run_json("check", "1.5^x", "--at", "x=0")
    (c,) = doc["checks"]
    assert c["step"] == pytest.approx(6.055454452393343e-06) and c["status"] == "pass"
    assert c["relative_error"] < 1e-9
