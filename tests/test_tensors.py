"""Tensor programs against an independent oracle: HIPS autograd (numpy based), then finite differences.

Random shapes, broadcasting, reductions over each axis, softmax with cross-entropy and a two-layer
network; every node's gradient must have its node's shape."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

ag = pytest.importorskip("autograd")
import autograd.numpy as anp  # noqa: E402
from autograd import grad  # noqa: E402

from backprop_cli.api import parse_at  # noqa: E402
from backprop_cli.core.vectorized import run_tensor  # noqa: E402
from backprop_cli.base.errors import SourceError
from backprop_cli.language.parser import parse  # noqa: E402


def run(program: str, **inputs):
    return run_tensor(parse(program, bound=inputs), {k: np.asarray(v, float) for k, v in inputs.items()})


def a_logsumexp(x, axis=-1):
    m = anp.max(x, axis=axis, keepdims=True)
    return anp.squeeze(m, axis) + anp.log(anp.sum(anp.exp(x - m), axis=axis))


def a_softmax(x, axis=-1):
    z = anp.exp(x - anp.max(x, axis=axis, keepdims=True))
    return z / anp.sum(z, axis=axis, keepdims=True)


def a_cross_entropy(logits, labels):
    lp = logits - anp.expand_dims(a_logsumexp(logits, -1), -1)
    onehot = np.eye(logits.shape[-1])[labels.astype(int)]
    return -anp.mean(anp.sum(lp * onehot, axis=-1))


def check_against(program: str, oracle, inputs: dict, rtol=1e-9, atol=1e-12):
    """The output and the gradient of every input equal autograd's, and every gradient has its
    node's shape."""
    r = run(program, **inputs)
    names = list(inputs)
    args = [np.asarray(inputs[n], float) for n in names]
    expected = oracle(*args)
    np.testing.assert_allclose(r.value, expected, rtol=rtol, atol=atol)
    for k, name in enumerate(names):
        want = grad(lambda *xs: anp.sum(oracle(*xs)), k)(*args)
        np.testing.assert_allclose(r.gradients[name], want, rtol=rtol, atol=atol, err_msg=name)
    for i in range(len(r.graph)):
        assert np.shape(r.grads[i]) == np.shape(r.values[i]), (i, r.graph.op[i])
    return r


def test_lecture_dW_is_dY_times_X_transpose():
    # CS231n "gradients for vectorized operations": Y = W X, then dW = dY Xᵀ, dX = Wᵀ dY.
    rng = np.random.default_rng(1)
    W, X, D = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    r = check_against("Y = W @ X\nL = sum(Y * D)", lambda W, X, D: anp.sum(anp.dot(W, X) * D),
                      {"W": W, "X": X, "D": D})
    np.testing.assert_allclose(r.gradients["W"], D @ X.T, rtol=1e-12)
    np.testing.assert_allclose(r.gradients["X"], W.T @ D, rtol=1e-12)


def test_broadcast_bias_gradient_sums_over_the_batch():
    rng = np.random.default_rng(2)
    X, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    r = check_against("L = sum(tanh(X + b))", lambda X, b: anp.sum(anp.tanh(X + b)), {"X": X, "b": b})
    assert r.gradients["b"].shape == (3,)
    np.testing.assert_allclose(r.gradients["b"], (1 - np.tanh(X + b) ** 2).sum(0), rtol=1e-12)


def test_softmax_cross_entropy_matches_pytorch_convention():
    rng = np.random.default_rng(3)
    Z, y = rng.standard_normal((6, 4)), np.array([0, 3, 1, 1, 2, 0], float)
    r = run("L = cross_entropy(Z, y)", Z=Z, y=y)
    np.testing.assert_allclose(r.value, a_cross_entropy(Z, y), rtol=1e-12)
    p = np.exp(Z) / np.exp(Z).sum(1, keepdims=True)
    p[np.arange(6), y.astype(int)] -= 1
    np.testing.assert_allclose(r.gradients["Z"], p / 6, rtol=1e-10)
    one = run("L = cross_entropy(z, 2)", z=Z[0])
    np.testing.assert_allclose(one.value, -np.log(np.exp(Z[0, 2]) / np.exp(Z[0]).sum()), rtol=1e-12)


def test_two_layer_network():
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((8, 2)), rng.integers(0, 3, 8).astype(float)
    W1, b1 = rng.standard_normal((2, 5)), rng.standard_normal(5)
    W2, b2 = rng.standard_normal((5, 3)), rng.standard_normal(3)
    program = "h = relu(X @ W1 + b1)\nscores = h @ W2 + b2\nL = cross_entropy(scores, y)"

    def oracle(W1, b1, W2, b2):
        h = anp.maximum(anp.dot(X, W1) + b1, 0)
        return a_cross_entropy(anp.dot(h, W2) + b2, y)
    r = run(program, X=X, y=y, W1=W1, b1=b1, W2=W2, b2=b2)
    np.testing.assert_allclose(r.value, oracle(W1, b1, W2, b2), rtol=1e-12)
    for k, name in enumerate(["W1", "b1", "W2", "b2"]):
        want = grad(oracle, k)(W1, b1, W2, b2)
        np.testing.assert_allclose(r.gradients[name], want, rtol=1e-9, atol=1e-12)


# ---- random programs: each template an expression of ours and the same in autograd ------------------

UNARY = [("tanh", anp.tanh), ("exp", anp.exp), ("sigmoid", lambda x: 1 / (1 + anp.exp(-x))),
         ("sin", anp.sin), ("square", lambda x: x * x)]


def reductions(axis):
    a = "" if axis is None else f", {axis}"
    return [(f"sum(E{a})", lambda e: anp.sum(e, axis=axis)),
            (f"mean(E{a})", lambda e: anp.mean(e, axis=axis)),
            (f"amax(E{a})", lambda e: anp.max(e, axis=axis)),
            (f"logsumexp(E{a})" if axis is not None else "logsumexp(E)",
             lambda e: a_logsumexp(e, -1 if axis is None else axis))]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_programs_match_autograd(data):
    n = data.draw(st.integers(1, 4), "n")
    m = data.draw(st.integers(1, 4), "m")
    k = data.draw(st.integers(1, 4), "k")
    seed = data.draw(st.integers(0, 2**31), "seed")
    rng = np.random.default_rng(seed)
    A, B, v = rng.standard_normal((n, m)), rng.standard_normal((m, k)), rng.standard_normal(k)
    fname, f = data.draw(st.sampled_from(UNARY), "unary")
    bias = data.draw(st.sampled_from(["row", "col", "scalar"]), "bias")
    bshape = {"row": (k,), "col": (n, 1), "scalar": ()}[bias]
    c = rng.standard_normal(bshape)
    axis = data.draw(st.sampled_from([None, 0, 1, -1]), "axis")
    red, redf = data.draw(st.sampled_from(reductions(axis)), "reduction")
    soft = data.draw(st.booleans(), "softmax")
    inner = f"{fname}(A @ B + c) * v"
    if soft:
        inner = f"softmax({inner}, {0 if axis is None else axis})"
    program = f"E = {inner}\nL = sum({red})"

    def oracle(A, B, c, v):
        e = f(anp.dot(A, B) + c) * v
        if soft:
            e = a_softmax(e, 0 if axis is None else axis)
        return anp.sum(redf(e))
    check_against(program, oracle, {"A": A, "B": B, "c": c, "v": v}, rtol=1e-8, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31))
def test_index_transpose_reshape_match_autograd(n, m, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, m))
    program = f"L = sum(transpose(W)[{m - 1}] * 2) + sum(reshape(W, {m}, {n})[:, 0]) + W[0, :][0]"

    def oracle(W):
        return anp.sum(W.T[m - 1] * 2) + anp.sum(anp.reshape(W, (m, n))[:, 0]) + W[0, :][0]
    check_against(program, oracle, {"W": W})


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31))
def test_finite_differences_second_check(n, m, seed):
    rng = np.random.default_rng(seed)
    X, W, y = rng.standard_normal((n, 3)), rng.standard_normal((3, m)), rng.integers(0, m, n).astype(float)
    program = "L = cross_entropy(tanh(X @ W), y) + mean(log_softmax(X @ W, 0))"
    r = run(program, X=X, W=W, y=y)
    d = rng.standard_normal(W.shape)
    h = 1e-6
    up = run(program, X=X, W=W + h * d, y=y).value
    down = run(program, X=X, W=W - h * d, y=y).value
    assert abs((up - down) / (2 * h) - np.sum(r.gradients["W"] * d)) < 1e-6 * (1 + np.abs(r.gradients["W"]).sum())


@pytest.mark.parametrize("program, inputs, message", [
    ("y = W @ x", {"W": np.ones((3, 4)), "x": np.ones(3)}, "@: (3x4) @ (3,) — inner dimensions 4 and 3 differ"),
    ("y = a + b", {"a": np.ones((2, 3)), "b": np.ones(2)}, "+: (2x3) + (2,) — shapes do not broadcast"),
    ("y = sum(a, 2)", {"a": np.ones((2, 3))}, "sum: (2x3) — axis 2 is out of range"),
    ("y = cross_entropy(a, b)", {"a": np.ones((2, 3)), "b": np.ones(3)}, "cross_entropy: (2x3), (3,)"),
    ("y = reshape(a, 4)", {"a": np.ones((2, 3))}, "reshape: (2x3) to (4,)"),
])
def test_shape_mismatch_names_gate_shapes_and_rule(program, inputs, message):
    with pytest.raises(SourceError) as e:
        run(program, **inputs)
    assert message in e.value.message
    assert e.value.exit_code == 2


def test_literals_randn_and_at_arrays():
    r = run("input W = randn(2, 3)\nL = sum(W @ [1, 2, 3])")
    assert r.at["W"].shape == (2, 3)
    np.testing.assert_allclose(r.gradients["W"], [[1, 2, 3], [1, 2, 3]])
    again = run("input W = randn(2, 3)\nL = sum(W @ [1, 2, 3])")
    np.testing.assert_array_equal(r.at["W"], again.at["W"])
    point = parse_at(["W=[[1, 2], [3, -4]],x=[0.5, pi]"])
    np.testing.assert_allclose(point["W"], [[1, 2], [3, -4]])
    np.testing.assert_allclose(point["x"], [0.5, np.pi])


def test_scalar_max_stays_elementwise_and_one_array_reduces():
    r = run("L = sum(max(x, 0))", x=np.array([-1.0, 2.0]))
    assert r.value == 2
    np.testing.assert_allclose(r.gradients["x"], [0, 1])
    r = run("L = max(x)", x=np.array([-1.0, 2.0, 2.0]))
    assert r.value == 2
    np.testing.assert_allclose(r.gradients["x"], [0, 0.5, 0.5])


def test_numpy_codegen_gives_the_engines_numbers(tmp_path):
    import importlib.util

    from backprop_cli.transforms.tensor_codegen import generate_tensor

    rng = np.random.default_rng(5)
    inputs = {"X": rng.standard_normal((6, 2)), "y": rng.integers(0, 3, 6).astype(float),
              "W1": rng.standard_normal((2, 4)), "b1": rng.standard_normal(4),
              "W2": rng.standard_normal((4, 3)), "b2": rng.standard_normal(3)}
    program = ("h = tanh(X @ W1 + b1)\nscores = h @ W2 + b2\n"
               "loss = cross_entropy(scores, y) + mean(softmax(scores, 0)[:, 1]) + sum(transpose(W1) * 2)")
    r = run(program, **inputs)
    path = tmp_path / "generated.py"
    graph = parse(program, bound=inputs)
    path.write_text(generate_tensor(graph))
    spec = importlib.util.spec_from_file_location("generated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    value, grads = module.f(**inputs)
    np.testing.assert_allclose(value, r.value, rtol=1e-12)
    for name, gr in zip(graph.inputs, grads):
        np.testing.assert_allclose(gr, r.gradients[name], rtol=1e-10, atol=1e-14, err_msg=name)


def test_api_evaluate_takes_arrays():
    from backprop_cli import evaluate

    r = evaluate("L = sum(W @ x)", at={"W": np.eye(2), "x": [1.0, 2.0]})
    assert r.value == 3
    np.testing.assert_array_equal(r.gradients["W"], [[1, 2], [1, 2]])
    assert evaluate("(x+y)*z", at={"x": -2, "y": 5, "z": -4}).gradients == {"x": -4.0, "y": -4.0, "z": 3.0}


@pytest.mark.parametrize("source", ["W @ x", "y = W @ x", "y = W @ x\nz = 2*y"])
def test_a_non_scalar_output_is_refused_with_the_fix(source):
    from backprop_cli.base.errors import InputError

    with pytest.raises(InputError) as e:
        run(source, W=np.eye(2), x=np.array([1.0, -1.0]))
    assert "shape (2,)" in e.value.message and "sum(" in e.value.hint and "mean(" in e.value.hint


def test_a_one_element_output_is_a_number():
    r = run("W @ x", W=np.array([[1.0, 2.0]]), x=np.array([3.0, 4.0]))
    np.testing.assert_allclose(r.gradients["W"], [[3, 4]])
