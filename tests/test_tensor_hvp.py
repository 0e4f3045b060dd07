"""H·v of tensor programs (forward over reverse) against autograd's make_hvp and hessian."""

import json

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import hessian, make_hvp

from backprop_cli import api, evaluate

RNG = np.random.default_rng(7)

#: (program, autograd version over a dict of arrays, shapes of the inputs)
CASES = [
    ("sum(tanh(W@x - y)^2)", lambda p: anp.sum(anp.tanh(anp.dot(p["W"], p["x"]) - p["y"]) ** 2),
     {"W": (2, 3), "x": (3,), "y": (2,)}),
    ("mean(sigmoid(X@W + b)*(X@W))", lambda p: anp.mean(
        1 / (1 + anp.exp(-(anp.dot(p["X"], p["W"]) + p["b"]))) * anp.dot(p["X"], p["W"])),
     {"X": (4, 3), "W": (3, 2), "b": (2,)}),
    ("sum(transpose(A)@A * exp(c))", lambda p: anp.sum(anp.dot(p["A"].T, p["A"]) * anp.exp(p["c"])),
     {"A": (3, 2), "c": ()}),
    ("sum(reshape(u*u*v, 2, 3), 0)[1] + mean(u[0:2]*v[1:3])",
     lambda p: anp.sum(anp.reshape(p["u"] * p["u"] * p["v"], (2, 3)), 0)[1] + anp.mean(p["u"][0:2] * p["v"][1:3]),
     {"u": (6,), "v": (6,)}),
    ("sum(log(1 + x^2) * sin(W@x))", lambda p: anp.sum(anp.log(1 + p["x"] ** 2) * anp.sin(anp.dot(p["W"], p["x"]))),
     {"W": (3, 3), "x": (3,)}),
    ("cross_entropy(tanh(X@W1)@W2, [0, 2, 1, 2])", lambda p: _cross_entropy(
        anp.dot(anp.tanh(anp.dot(p["X"], p["W1"])), p["W2"]), [0, 2, 1, 2]),
     {"X": (4, 3), "W1": (3, 5), "W2": (5, 3)}),
    ("sum(softmax(A, 0)*C) + sum(log_softmax(A)*C) + sum(logsumexp(A*A, 1))",
     lambda p: anp.sum(_softmax(p["A"], 0) * p["C"]) + anp.sum((p["A"] - _lse(p["A"], 1, True)) * p["C"])
     + anp.sum(_lse(p["A"] * p["A"], 1, False)),
     {"A": (2, 3), "C": (2, 3)}),
    ("amax(x*y) + sum(amin(M, 0)^2)", lambda p: anp.max(p["x"] * p["y"]) + anp.sum(anp.min(p["M"], 0) ** 2),
     {"x": (4,), "y": (4,), "M": (3, 2)}),
]


def _lse(a, axis, keep):
    m = anp.max(a, axis=axis, keepdims=True)
    out = anp.log(anp.sum(anp.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keep else anp.squeeze(out, axis)


def _softmax(a, axis):
    e = anp.exp(a - anp.max(a, axis=axis, keepdims=True))
    return e / anp.sum(e, axis=axis, keepdims=True)


def _cross_entropy(logits, labels):
    lp = logits - _lse(logits, 1, True)
    return -anp.mean(lp[np.arange(len(labels)), labels])


def _draw(shapes):
    return {k: RNG.standard_normal(s) if s else float(RNG.standard_normal()) for k, s in shapes.items()}


def _flat(params, names):
    return np.concatenate([np.ravel(params[k]) for k in names])


def _unflat(vec, shapes, names):
    out, k = {}, 0
    for name in names:
        size = int(np.prod(shapes[name])) if shapes[name] else 1
        out[name] = anp.reshape(vec[k:k + size], shapes[name]) if shapes[name] else vec[k]
        k += size
    return out


@pytest.mark.parametrize("source, oracle, shapes", CASES, ids=[c[0] for c in CASES])
def test_hvp_matches_autograds_make_hvp(source, oracle, shapes):
    names = list(shapes)
    for _ in range(3):
        point, v = _draw(shapes), _draw(shapes)
        r = evaluate(source, at={k: np.asarray(x) for k, x in point.items()})
        got = api.hvp(r, {k: np.asarray(x) for k, x in v.items()})
        want = make_hvp(lambda q: oracle(_unflat(q, shapes, names)))(_flat(point, names))[0](_flat(v, names))
        np.testing.assert_allclose(_flat(got, names), want, rtol=1e-9, atol=1e-11)
        for name in names:
            assert np.shape(got[name]) == shapes[name]


@pytest.mark.parametrize("source, oracle, shapes", CASES[:3], ids=[c[0] for c in CASES[:3]])
def test_the_whole_hessian_from_products_matches_autograds_hessian(source, oracle, shapes):
    names = list(shapes)
    point = _draw(shapes)
    r = evaluate(source, at={k: np.asarray(x) for k, x in point.items()})
    flat = _flat(point, names)
    columns = []
    for k in range(len(flat)):
        e = np.zeros(len(flat))
        e[k] = 1.0
        columns.append(_flat(api.hvp(r, {n: np.asarray(x) for n, x in _unflat(e, shapes, names).items()}), names))
    want = hessian(lambda q: oracle(_unflat(q, shapes, names)))(flat)
    np.testing.assert_allclose(np.array(columns).T, want, rtol=1e-9, atol=1e-11)


def test_relu_in_a_tensor_program_has_no_curvature_of_its_own():
    r = evaluate("sum(relu(W@x)^2)", at={"W": np.array([[1.0, -2.0], [0.5, 1.0]]), "x": np.array([1.0, 1.0])})
    got = api.hvp(r, {"x": np.array([1.0, 0.0])})
    # only the second row is active (W@x = [-1, 1.5]): H_xx = 2 w2 w2ᵀ
    np.testing.assert_allclose(got["x"], 2 * np.array([0.5, 1.0]) * 0.5)


def test_eval_hvp_from_the_command_line(cli):
    args = ("eval", "sum(tanh(W@x - y)^2)", "--at", "W=[[1,2],[3,-1]],x=[0.5,-1.5],y=[1,2]",
            "--hvp", "W=[[0.3,-0.2],[0.1,0.7]],x=[1,0.5]")
    out = cli(*args)
    assert out.exit_code == 0, out.stderr
    assert "(H·v)[W] = [[-0.02501, 0.04959], [0.1735, 1.719]]" in out.stdout
    doc = json.loads(cli(*args, "--format", "json").stdout)
    assert np.shape(doc["hvp"]["W"]) == (2, 2) and np.shape(doc["hvp"]["x"]) == (2,)


@pytest.mark.parametrize("args, message", [
    (("sum(x*x)", "--at", "x=[1,2]", "--hvp", "x=[1,0,0]"), "its direction (3,)"),
    (("sum(x*x)", "--at", "x=[1,2]", "--hessian"), "scalar programs"),
    (("sum(x*x)", "--at", "x=[1,2]", "--jvp", "q=[1,0]"), "no input 'q'"),
])
def test_tensor_second_order_refusals_are_one_message(cli, args, message):
    out = cli("eval", *args)
    assert out.exit_code == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_a_tensor_jvp_is_the_directional_derivative(cli):
    W, x = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([0.5, -1.5])
    r = evaluate("sum(tanh(W@x))", at={"W": W, "x": x})
    v = {"x": np.array([1.0, 0.0]), "W": np.array([[0.5, 0.0], [0.0, -1.0]])}
    got = api.jvp(r, v)
    # d sum(tanh(Wx)) = sum((1 - tanh²) * (W dx + dW x)), and the gradient dotted with v
    want = np.sum((1 - np.tanh(W @ x) ** 2) * (W @ v["x"] + v["W"] @ x))
    assert float(got) == pytest.approx(want, rel=1e-12)
    assert float(got) == pytest.approx(float(np.sum(r.gradients["x"] * v["x"]) + np.sum(r.gradients["W"] * v["W"])),
                                       rel=1e-12)
    doc = json.loads(cli("eval", "sum(tanh(W@x))", "--at", "W=[[1,2],[3,-1]],x=[0.5,-1.5]",
                         "--jvp", "x=[1,0],W=[[0.5,0],[0,-1]]", "--format", "json").stdout)
    assert doc["jvp"] == pytest.approx(want, rel=1e-15)


def test_every_array_gate_in_the_table_has_tangents():
    from backprop_cli.core.array_tangents import supported
    from backprop_cli.core.ops import GATES

    assert [name for name, gate in GATES.items() if gate.forward_expr is not None and not supported(name)] == []


def test_an_array_gate_without_a_tangent_rule_is_refused(monkeypatch, cli):
    from backprop_cli.core import tensor_hvp

    monkeypatch.setattr(tensor_hvp, "supported", lambda name: name != "softmax")
    out = cli("eval", "sum(softmax(x))", "--at", "x=[1,2]", "--hvp", "x=[1,0]")
    assert out.exit_code == 2 and "no tangent rule yet for softmax" in out.stderr
