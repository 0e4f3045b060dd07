"""Every array gate in every engine, with autograd as the oracle (as tests/test_gates.py does for the
elementwise gates with SymPy).

The oracle is independent of the gate table: each array gate's forward written again here with
autograd's numpy, whose own derivatives give the reference gradient.  Every array gate must have one
(``test_every_array_gate_has_an_oracle``).  Each is then checked:

- its forward (the library's numpy version) against the oracle's forward;
- its vector-Jacobian products (``Gate.np_vjp``, from the description) against autograd's;
- a program using it, through the numpy engine (``evaluate``) and through the generated numpy code
  (``codegen --lang numpy``), against autograd's gradient of the same program;
- the trace's rule, printed from the same description, read back as a formula where it is one.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from backprop_cli import evaluate
from backprop_cli.core.ops import GATES
from backprop_cli.language.program import build
from backprop_cli.transforms.tensor_codegen import generate_tensor
from backprop_cli.views.notation import vjp_formula

ARRAY_GATES = sorted(name for name, gate in GATES.items() if not gate.elementwise)


def _softmax(x, axis=-1):
    z = anp.exp(x - anp.max(x, axis=axis, keepdims=True))
    return z / anp.sum(z, axis=axis, keepdims=True)


def _logsumexp(x, axis=-1):
    m = anp.max(x, axis=axis, keepdims=True)
    return anp.squeeze(m, axis=axis) + anp.log(anp.sum(anp.exp(x - m), axis=axis))


def _cross_entropy(logits, labels):
    lp = logits - _logsumexp(logits, -1)[..., None]
    picked = lp[np.arange(lp.shape[0]), labels.astype(int)]
    return -anp.mean(picked)


#: gate -> (the oracle's forward over (x, other inputs..., statics...), the cases: (program's call,
#: the inputs' shapes by name, statics)).  X is differentiated; W too for matmul; y are labels.
ORACLE = {
    "matmul": (lambda x, w: anp.dot(x, w), [("X @ W", {"X": (3, 4), "W": (4, 2)}, ()),
                                             ("X @ W", {"X": (4,), "W": (4, 2)}, ()),
                                             ("X @ W", {"X": (3, 4), "W": (4,)}, ())]),
    "transpose": (lambda x: anp.transpose(x), [("transpose(X)", {"X": (3, 4)}, ())]),
    "sum": (lambda x, axis=None: anp.sum(x, axis=axis), [("sum(X)", {"X": (3, 4)}, ()),
                                                         ("sum(X, 0)", {"X": (3, 4)}, (0,))]),
    "mean": (lambda x, axis=None: anp.mean(x, axis=axis), [("mean(X)", {"X": (3, 4)}, ()),
                                                           ("mean(X, 1)", {"X": (3, 4)}, (1,))]),
    "amax": (lambda x, axis=None: anp.max(x, axis=axis), [("amax(X)", {"X": (3, 4)}, ()),
                                                          ("amax(X, 0)", {"X": (3, 4)}, (0,))]),
    "amin": (lambda x, axis=None: anp.min(x, axis=axis), [("amin(X)", {"X": (3, 4)}, ()),
                                                          ("amin(X, 1)", {"X": (3, 4)}, (1,))]),
    "softmax": (_softmax, [("softmax(X)", {"X": (3, 4)}, ()), ("softmax(X, 0)", {"X": (3, 4)}, (0,))]),
    "log_softmax": (lambda x, axis=-1: x - anp.expand_dims(_logsumexp(x, axis), axis),
                    [("log_softmax(X)", {"X": (3, 4)}, ()), ("log_softmax(X, 0)", {"X": (3, 4)}, (0,))]),
    "logsumexp": (_logsumexp, [("logsumexp(X)", {"X": (3, 4)}, ()), ("logsumexp(X, 0)", {"X": (3, 4)}, (0,))]),
    "cross_entropy": (_cross_entropy, [("cross_entropy(X, y)", {"X": (3, 4), "y": "labels"}, ())]),
    "reshape": (lambda x, *shape: anp.reshape(x, shape), [("reshape(X, 2, 6)", {"X": (3, 4)}, (2, 6))]),
    "index": (lambda x, key: x[key], [("X[1]", {"X": (3, 4)}, (1,))]),
}


def test_every_array_gate_has_an_oracle():
    assert sorted(ORACLE) == ARRAY_GATES


def _inputs(shapes: dict, rng) -> dict:
    out = {}
    for name, shape in shapes.items():
        out[name] = np.array([0.0, 3.0, 1.0]) if shape == "labels" else rng.standard_normal(shape)
    return out


CASES = [(name, call, shapes, statics) for name in ARRAY_GATES for call, shapes, statics in ORACLE[name][1]]
IDS = [call for _, call, _, _ in CASES]


def _oracle_args(name, inputs):
    """The arguments the oracle's forward takes besides the statics, X first."""
    return [inputs[k] for k in ("X", "W", "y") if k in inputs]


@pytest.mark.parametrize("name, call, shapes, statics", CASES, ids=IDS)
def test_the_forward_and_the_vjps_are_autograds(name, call, shapes, statics):
    gate = GATES[name]
    forward = ORACLE[name][0]
    statics = statics or (gate.defaults if gate.static else ())  # the parser fills in the default axis
    rng = np.random.default_rng(len(call))
    inputs = _inputs(shapes, rng)
    args = _oracle_args(name, inputs)
    out = gate.np_forward(*args, *statics)
    want = forward(*args, *statics)
    np.testing.assert_allclose(out, want, rtol=1e-13, atol=1e-13)
    upstream = rng.standard_normal(np.shape(out))
    shares = gate.np_vjp(out, upstream, *args, *statics)
    for k, share in enumerate(shares):
        if name == "cross_entropy" and k == 1:
            assert share is None  # labels get no gradient
            continue

        def only_k(a, k=k):
            return forward(*[a if j == k else x for j, x in enumerate(args)], *statics)
        vjp, _ = autograd.make_vjp(only_k)(args[k])
        np.testing.assert_allclose(share, vjp(upstream), rtol=1e-12, atol=1e-12, err_msg=f"{name} input {k}")


def _program(call: str, shapes: dict, inputs: dict) -> tuple:
    """A program whose output weighs the gate's output by C (so the upstream is not all ones)."""
    lines = [f"input {n}" for n in inputs] + ["input C", f"f = sum(({call}) * C)"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name, call, shapes, statics", CASES, ids=IDS)
def test_every_engine_is_autograd_on_a_program(name, call, shapes, statics):
    forward = ORACLE[name][0]
    rng = np.random.default_rng(7 + len(call))
    inputs = _inputs(shapes, rng)
    args = _oracle_args(name, inputs)
    c = rng.standard_normal(np.shape(forward(*args, *statics)))
    source = _program(call, shapes, inputs)
    at = {**inputs, "C": c}

    def program(*xs):
        return anp.sum(forward(*xs, *statics) * c)
    wrt = [k for k in range(len(args)) if not (name == "cross_entropy" and k == 1)]
    want = {list(inputs)[k]: autograd.grad(program, k)(*args) for k in wrt}

    result = evaluate(source, at=at)  # the numpy engine
    np.testing.assert_allclose(result.value, program(*args), rtol=1e-12)
    namespace: dict = {}
    exec(compile(generate_tensor(build(source), "g"), "<generated numpy>", "exec"), namespace)  # our own code
    value, grads = namespace["g"](*[at[n] for n in list(inputs) + ["C"]])
    np.testing.assert_allclose(value, program(*args), rtol=1e-12)
    for k, input_name in enumerate(list(inputs)):
        if input_name not in want:
            continue
        np.testing.assert_allclose(result.gradients[input_name], want[input_name], rtol=1e-11, atol=1e-12,
                                   err_msg=f"numpy engine, d/d{input_name}")
        np.testing.assert_allclose(grads[k], want[input_name], rtol=1e-11, atol=1e-12,
                                   err_msg=f"generated numpy, d/d{input_name}")


# ---- the trace's rules are written from the same descriptions ---------------------------------------


def _read_rule(text: str, names: dict) -> np.ndarray:
    """A printed rule read back: ᵀ is a transpose, sum(...) sums along the last axis (keeping it),
    as the rules of softmax and log_softmax mean (our own text from the gate table, never user input)."""
    from backprop_cli.core.library import np_softmax

    namespace = {"exp": np.exp, "sum": lambda a: np.sum(a, axis=-1, keepdims=True), "softmax": np_softmax,
                 **names}
    return eval(text.replace("ᵀ", ".T"), {"__builtins__": {}}, namespace)


@pytest.mark.parametrize("name", ["matmul", "transpose", "softmax", "log_softmax", "logsumexp", "sum", "mean"])
def test_the_printed_rules_compute_the_vjps(name):
    """dX = dY @ Wᵀ and the others, as the trace prints them, equal the gate's VJP: a sign or a
    transpose wrong in the text is caught (the text is derived, not written by hand)."""
    gate = GATES[name]
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    args = [x, w] if name == "matmul" else [x]
    statics = gate.defaults if gate.static else ()
    out = gate.np_forward(*args, *statics)
    upstream = rng.standard_normal(np.shape(out))
    labels = ["X", "W"][:len(args)]
    shares = gate.np_vjp(out, upstream, *args, *statics)
    for k, share in enumerate(shares):
        text = vjp_formula(gate, k, labels, "Y", "dY", statics)
        names = {"X": x, "W": w, "Y": out, "dY": upstream, "n": float(np.size(x))}
        if name == "logsumexp":  # a reduction's output and gradient spread back over the reduced axis
            names.update(Y=out[..., None], dY=upstream[..., None])
        got = np.broadcast_to(_read_rule(text, names), np.shape(args[k]))
        np.testing.assert_allclose(got, share, rtol=1e-12, atol=1e-12, err_msg=text)


def test_the_lectures_matmul_rule_is_printed_from_the_description():
    gate = GATES["matmul"]
    assert vjp_formula(gate, 0, ["X", "W"], "Y", "dY") == "dY @ Wᵀ"
    assert vjp_formula(gate, 1, ["X", "W"], "Y", "dY") == "Xᵀ @ dY"
    assert vjp_formula(GATES["softmax"], 0, ["z"], "s", "ds", (-1,)) == "s*(ds - sum(ds*s))"


def test_the_trace_shows_each_rule_as_the_description_prints_it():
    from conftest import run

    source = "input X = [[1, 2], [3, 4]]\ninput W = [[1, -1], [2, 0.5]]\nY = X @ W\ns = softmax(Y)\nf = sum(s * s)\n"
    text = run("trace", source).output
    squeezed = " ".join(text.split())
    assert "dX = dY @ Wᵀ: (2x2) = (2x2) @ (2x2)" in squeezed
    assert "dW = Xᵀ @ dY" in squeezed
    assert "dY += s*(ds - sum(ds*s))" in squeezed


def test_a_planted_wrong_sign_in_softmaxs_vjp_is_caught(monkeypatch):
    """The issue's planted bug: a sign flipped in softmax's rule.  Its rule and its computation are one
    expression now, so the oracle sees the change."""
    from backprop_cli.core.expr import G, OUT, F

    gate = GATES["softmax"]
    broken = gate.replace(vjp_exprs=(OUT * (G + F.sum_keep(G * OUT, gate.vjp_exprs[0].args[1].args[1].args[1])),))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3))
    out = gate.np_forward(x)
    g = rng.standard_normal(out.shape)
    vjp, _ = autograd.make_vjp(lambda a: _softmax(a))(x)
    assert not np.allclose(broken.np_vjp(out, g, x, -1)[0], vjp(g))
    assert "+" in vjp_formula(broken, 0, ["z"], "s", "ds", (-1,))


def test_amin_is_the_smallest_element_not_the_largest():
    x = np.array([[3.0, -1.0, 2.0], [0.5, 4.0, -2.0]])
    assert GATES["amin"].np_forward(x) == -2.0
    np.testing.assert_array_equal(GATES["amin"].np_forward(x, 1), [-1.0, -2.0])
    r = evaluate("input X\nf = amin(X) + min(X)", at={"X": x})
    assert r.value == -4.0
    np.testing.assert_array_equal(r.gradients["X"], [[0, 0, 0], [0, 0, 2]])


def test_the_cheat_sheet_prints_each_array_gates_vjps_from_its_description():
    from backprop_cli.views.gates import describe_array_gate

    rows = {name: describe_array_gate(GATES[name]) for name in ARRAY_GATES}
    assert rows["matmul"]["forward"] == "x @ y" and rows["matmul"]["vjp"] == ["dout @ yᵀ", "xᵀ @ dout"]
    assert rows["softmax"]["vjp"] == ["out*(dout - sum(dout*out))"]
    assert rows["cross_entropy"]["vjp"][1] is None  # the labels get no gradient
    for name, row in rows.items():
        gate = GATES[name]
        assert row["vjp"] == [None if e is None else vjp_formula(gate, k, row["inputs"], "out", "dout",
                                                                 gate.params[len(row["inputs"]):])
                              for k, e in enumerate(gate.vjp_exprs)]


def test_max_of_one_array_is_its_reduction_without_changing_the_program():
    """max(X) of one array is amax(X) (the gate table's one_array); the program's graph is left as
    parsed (infer_shapes rewrote graph.op in place), and generated numpy reduces too (it wrote X)."""
    x = np.array([[1.0, 5.0], [5.0, -2.0]])
    graph = build("input X\nf = max(X) + min(X)\n")
    ops_before = list(graph.op)
    from backprop_cli.core.vectorized import run_tensor

    r = run_tensor(graph, {"X": x})
    assert graph.op == ops_before and "max" in graph.op
    assert r.values[r.graph.output] == 3.0 and r.graph.op.count("amax") == 1
    np.testing.assert_array_equal(r.grads[graph.inputs["X"]], [[0, 0.5], [0.5, 1]])  # a tie splits
    namespace: dict = {}
    exec(compile(generate_tensor(graph, "g"), "<generated numpy>", "exec"), namespace)  # our own code
    value, (dx,) = namespace["g"](x)
    assert value == 3.0
    np.testing.assert_array_equal(dx, [[0, 0.5], [0.5, 1]])
    assert evaluate("max(x, 2)", at={"x": 3.0}).value == 3.0  # scalars: the elementwise gate
