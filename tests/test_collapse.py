"""--collapse sigmoid: 1/(1+exp(-z)) folded into one sigmoid gate, with the inputs' gradients unchanged."""

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_cli import evaluate
from backprop_cli.api import build
from backprop_cli.transforms.collapse import collapse, collapse_sigmoid, match_sigmoid
from backprop_cli.core.engine import run
from backprop_cli.base.errors import MathError
from conftest import SAMPLES, lecture_cases, run_json

CASES = {c["name"]: c for c in lecture_cases()}


def collapsed(source, at):
    return run(collapse_sigmoid(build(source, at=at)), at)


def sigmoids(graph):
    return sum(1 for op in graph.op if op == "sigmoid")


@pytest.mark.parametrize("sample,case", [("neuron", "cs231n-neuron"), ("staged", "cs231n-staged")])
def test_samples_fold_and_keep_the_lectures_gradients(sample, case):
    plain = run_json("eval", "-f", SAMPLES / f"{sample}.bp")
    folded = run_json("eval", "-f", SAMPLES / f"{sample}.bp", "--collapse", "sigmoid")
    expected = CASES[case]
    assert folded["output"]["value"] == pytest.approx(expected["value"], rel=1e-14)
    assert folded["gradients"] == pytest.approx(expected["gradients"], rel=1e-14)
    assert folded["gradients"] == pytest.approx(plain["gradients"], rel=1e-14)
    ops = [node["op"] for node in folded["nodes"]]
    # Each sigmoid replaces 6 nodes (two constants 1, add, exp, neg and the div) by one.
    n = ops.count("sigmoid")
    assert n == {"neuron": 1, "staged": 2}[sample]
    assert len(folded["nodes"]) == len(plain["nodes"]) - 5 * n
    assert "exp" not in ops and "neg" not in ops


def test_the_sigmoid_node_has_the_lectures_local_gradient():
    r = collapsed("1/(1+exp(-(w0*x0+w1*x1+w2)))", dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3))
    g = r.graph
    assert g.op[g.output] == "sigmoid"
    s = r.values[g.output]
    assert s == pytest.approx(0.7310585786300049, rel=1e-15)
    assert r.local[g.output] == (pytest.approx((1 - s) * s, rel=1e-15),)
    assert round(r.local[g.output][0], 2) == 0.20


@pytest.mark.parametrize("source", [
    "1/(1+exp(-z))", "1/(exp(-z)+1)", "1.0/(1+exp(-z))", "1/(1e0 + exp(-(z)))",
    "one = 1\n1/(one + exp(-z))",
])
def test_shapes_that_fold(source):
    g = build(source)
    assert sum(1 for i in range(len(g)) if match_sigmoid(g, i) is not None) == 1
    folded = collapse_sigmoid(g)
    assert folded.op[folded.output] == "sigmoid"
    assert folded.op[folded.args[folded.output][0]] == "input"


@pytest.mark.parametrize("source", [
    "1/(1-exp(-z))", "2/(1+exp(-z))", "1/(2+exp(-z))", "1/(1+exp(z))", "1/(1*exp(-z))",
    "(1+exp(-z))^-1", "exp(z)/(1+exp(z))", "1/(1+exp(0-z))", "1/(1+exp(-1*z))", "1/(1+exp(-3))", "1/(1+exp(-(3)))",
    "1/(1+log(-z))",
])
def test_shapes_that_do_not_fold(source):
    g = build(source)
    assert collapse_sigmoid(g) is g


def test_an_intermediate_used_elsewhere_is_kept():
    source = "e = exp(-z)\ns = 1/(1 + e)\nf = s*e"
    at = {"z": 0.3}
    before, after = evaluate(source, at), collapsed(source, at)
    g = after.graph
    assert sigmoids(g) == 1
    assert "exp" in g.op and "neg" in g.op  # e still feeds f
    assert "add" not in g.op  # the 1 + e was only the sigmoid's
    assert g.label(g.bindings["e"]) == "e"
    assert after.gradients["z"] == pytest.approx(before.gradients["z"], rel=1e-14)


def test_a_shared_divisor_stays_for_its_other_consumer():
    source = "d = 1 + exp(-y)\ns = 1/d\nf = s + d"
    at = {"y": -1.5}
    before, after = evaluate(source, at), collapsed(source, at)
    assert sigmoids(after.graph) == 1 and after.graph.op.count("add") == 2
    assert after.gradients["y"] == pytest.approx(before.gradients["y"], rel=1e-14)


def test_the_output_is_never_dropped():
    source = "d = 1 + exp(-y)\ns = 1/d"
    g = build(source, output="d")
    folded = collapse_sigmoid(g)
    assert folded.label(folded.output) == "d" and folded.op[folded.output] == "add"
    before, after = run(g, {"y": 2.0}), run(folded, {"y": 2.0})
    assert after.value == before.value and after.gradients == before.gradients


def test_a_shared_constant_one_is_kept():
    source = "one = 1\nf = one/(one + exp(-x)) + one"
    before, after = evaluate(source, {"x": 0.5}), collapsed(source, {"x": 0.5})
    assert "const" in after.graph.op and sigmoids(after.graph) == 1
    assert after.value == pytest.approx(before.value, rel=1e-15)
    assert after.gradients == pytest.approx(before.gradients, rel=1e-14)


def test_names_and_source_spans_carry_over():
    g = collapse_sigmoid(build((SAMPLES / "staged.bp").read_text()))
    names = {g.name[i] for i in range(len(g)) if g.op[i] == "sigmoid"}
    assert names == {"sigx", "sigy"}
    i = g.bindings["sigy"]
    assert g.text(i) == "1 / (1 + exp(-y))"
    assert set(g.bindings) >= {"sigx", "sigy", "num", "den", "invden", "f"}


def test_unknown_pattern_is_an_input_error(cli):
    result = cli("eval", "x", "--at", "x=1", "--collapse", "tanh")
    assert result.exit_code == 2
    assert "sigmoid" in result.stderr
    with pytest.raises(Exception):
        collapse(build("x"), "tanh")


def test_collapse_none_is_the_default_and_a_no_op(cli):
    a = cli("eval", "-f", SAMPLES / "neuron.bp")
    b = cli("eval", "-f", SAMPLES / "neuron.bp", "--collapse", "none")
    assert a.exit_code == b.exit_code == 0 and a.stdout == b.stdout
    assert "exp" in a.stdout


def test_collapse_is_iterative_on_a_deep_chain_of_sigmoids():
    n = 3000  # 18,000 nodes nested 3,000 sigmoids deep (and as many statements)
    source = "s0 = x\n" + "\n".join(f"s{k} = 1/(1 + exp(-s{k - 1}))" for k in range(1, n + 1))
    g = build(source, at={"x": 0.1})
    folded = collapse_sigmoid(g)
    assert sigmoids(folded) == n and len(folded) == 1 + n
    before, after = run(g, {"x": 0.1}), run(folded, {"x": 0.1})
    assert after.gradients["x"] == pytest.approx(before.gradients["x"], rel=1e-9)


# ---- random expressions with the pattern inside ---------------------------------------------

LEAVES = st.sampled_from(["x", "y", "z", "0.5", "2", "-1.5"])


def _combine(children):
    unary = st.sampled_from(["tanh({})", "sin({})", "-({})", "({})*0.5",
                             "1/(1+exp(-({})))", "1/(exp(-({}))+1)"])
    binary = st.sampled_from(["({}) + ({})", "({}) - ({})", "({})*({})"])
    return st.one_of(
        st.tuples(unary, children).map(lambda t: t[0].format(t[1])),
        st.tuples(binary, children, children).map(lambda t: t[0].format(t[1], t[2])),
    )


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=12).map(
    lambda e: f"1/(1+exp(-(({e}) + x)))*x + y")  # always at least one pattern, and x, y used
POINT = st.fixed_dictionaries({k: st.floats(-3, 3, allow_nan=False) for k in "xyz"})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, POINT)
def test_random_expressions_fold_every_pattern_and_keep_the_gradients(source, at):
    g = build(source, at=at)
    patterns = sum(1 for i in range(len(g)) if match_sigmoid(g, i) is not None)
    folded = collapse_sigmoid(g)
    try:
        before = run(g, at)
    except MathError:
        assume(False)
    after = run(folded, at)
    assert patterns >= 1
    assert sigmoids(folded) == patterns
    assert len(folded) == len(g) - 5 * patterns  # nothing shared in text: every chain goes
    assert all(match_sigmoid(folded, i) is None for i in range(len(folded)))
    assert set(folded.inputs) == set(g.inputs)
    assert after.value == pytest.approx(before.value, rel=1e-12, abs=1e-12)
    for name, grad in before.gradients.items():
        if math.isfinite(grad):
            assert after.gradients[name] == pytest.approx(grad, rel=1e-9, abs=1e-12), name
