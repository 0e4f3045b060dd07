"""`trace --format json` on a tensor program: shapes, nested lists (strict JSON), each edge's
vector-Jacobian rule as the text trace writes it, and gradients checked against autograd."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from backprop_cli import evaluate
from backprop_cli.views import as_json, tensor_trace, trace_json
from backprop_cli.views.tensor_text import nested
from conftest import run

ag = pytest.importorskip("autograd")
import autograd.numpy as anp  # noqa: E402
from autograd import grad  # noqa: E402


def strict(text: str):
    def refuse(name):
        raise AssertionError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def document(source: str, at: dict, labels: str = "short"):
    result = evaluate(source, at=at)
    return result, strict("".join(trace_json.pieces(result, labels)))


def test_the_lecture_matrix_example_has_its_rules_and_shapes():
    result = run("trace", "-f", "samples/tensors/vectorized.bp", "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = strict(result.stdout)
    assert doc["output"] == {"name": "L", "shape": [], "value": 0.5}
    matmul = doc["backward"][-1]
    assert (matmul["name"], matmul["op"], matmul["shape"]) == ("Y", "matmul", [3, 1])
    assert [(e["to"], e["shape"], e["rule"], e["shapes"]) for e in matmul["edges"]] == [
        ("W", [3, 4], "dW = dY @ Xᵀ", "(3x4) = (3x1) @ (1x4)"),
        ("X", [4, 1], "dX = Wᵀ @ dY", "(4x1) = (4x3) @ (3x1)")]
    # dW = dY Xᵀ, computed here by hand
    dY = np.array([[1], [0.5], [-1]])
    X = np.array([[1], [2], [0], [-1]])
    assert matmul["edges"][0]["flows"] == (dY @ X.T).tolist() == doc["gradients"]["W"]


def test_labels_and_non_finite_numbers():
    result = run("trace", "sum(log(x) + b*[1,2])", "--at", "x=[0,-1],b=[[1],[2]]", "--allow-nonfinite",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = strict(result.stdout)
    assert doc["output"]["value"] == "nan"
    assert doc["gradients"] == {"x": ["inf", -2.0], "b": [[3.0], [3.0]]}
    log_step = doc["backward"][-1]
    assert log_step["edges"] == [{"to": "x", "shape": [2], "rule": "dx += dt1 * ∂t1/∂x", "shapes": "(2,)",
                                  "local_formula": "1/x", "local": ["inf", -1.0], "flows": ["inf", -2.0]}]
    broadcast = doc["backward"][2]["edges"][0]  # db from t2 = b*[1,2], (2x1) from (2x2)
    assert broadcast["rule"].startswith("db += sum_to(") and broadcast["flows"] == [[3.0], [3.0]]


def test_labels_of_cross_entropy_take_no_gradient():
    doc = strict(run("trace", "-f", "samples/tensors/softmax.bp", "--format", "json").stdout)
    (step,) = doc["backward"]
    z, y = step["edges"]
    assert z["rule"] == "dz += dloss*(softmax(z) - onehot(y))/N"
    assert y == {"to": "y", "shape": [2], "flows": None, "note": "no gradient: labels"}


def test_latex_is_still_refused_with_one_message():
    result = run("trace", "sum(W@x)", "--at", "W=[[1,2],[3,4]],x=[1,1]", "--format", "latex")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "scalar programs only" in result.stderr and "--format json" in result.stderr


UNARY = [("tanh", anp.tanh), ("exp", anp.exp), ("sin", anp.sin), ("relu", lambda x: anp.maximum(x, 0))]
REDUCE = [("sum", anp.sum), ("mean", anp.mean), ("amax", anp.max)]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**31),
       st.sampled_from(UNARY), st.sampled_from(REDUCE), st.sampled_from(["row", "col", "scalar"]),
       st.sampled_from(["short", "full"]))
def test_random_programs_agree_with_autograd_and_the_text_trace(n, m, k, seed, unary, reduce, bias, labels):
    rng = np.random.default_rng(seed)
    at = {"A": rng.standard_normal((n, m)), "B": rng.standard_normal((m, k)),
          "c": rng.standard_normal({"row": (k,), "col": (n, 1), "scalar": ()}[bias]),
          "v": rng.standard_normal(k)}
    (fname, f), (rname, r) = unary, reduce
    source = f"H = {fname}(A @ B + c)\nL = {rname}(H * v)"
    result, doc = document(source, at, labels)

    def oracle(A, B, c, v):
        return r(f(anp.dot(A, B) + c) * v)

    for i, name in enumerate(at):
        want = grad(oracle, i)(*at.values())
        np.testing.assert_allclose(doc["gradients"][name], want, rtol=1e-9, atol=1e-12, err_msg=name)
    for entry in doc["forward"]:
        i = entry["id"]
        assert entry["shape"] == list(np.shape(result.values[i]))
        assert entry["value"] == nested(result.values[i]) and entry["gradient"] == nested(result.grads[i])
    # what flows into a node adds up to its gradient; every rule is the text trace's
    text = "\n".join(tensor_trace.lines(result, labels=labels))
    into: dict = {}
    for step in doc["backward"]:
        assert step["upstream"] == nested(result.grads[step["id"]])
        for e in step["edges"]:
            assert np.shape(e["flows"]) == tuple(e["shape"])
            assert f"  {e['rule']}: {e['shapes']}" in text
            into.setdefault(e["to"], []).append(np.asarray(e["flows"]))
    for entry in doc["forward"]:
        if entry["name"] in into:
            np.testing.assert_allclose(sum(into[entry["name"]]), entry["gradient"], rtol=1e-12, atol=1e-14)


numbers = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4), elements=numbers),
       st.integers(1, 5))
def test_an_inline_array_is_what_json_writes(a, per_piece):
    """Written a block of rows at a time (blocks of 1 to 5 elements here), the text is still
    json.dumps of the nested lists."""
    saved = as_json.ELEMENTS_PER_PIECE
    as_json.ELEMENTS_PER_PIECE = per_piece
    try:
        text = "".join(as_json.inline({"a": a, "n": [1, True, None, "é"], "e": {}, "l": []}))
    finally:
        as_json.ELEMENTS_PER_PIECE = saved
    assert text == json.dumps({"a": nested(a), "n": [1, True, None, "é"], "e": {}, "l": []},
                              ensure_ascii=False, allow_nan=False)
