"""The lecture's numbers, to full double precision, against values computed independently."""

import math

import pytest

from backprop_cli import evaluate
from conftest import SAMPLES, lecture_cases, run_json

CASES = lecture_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_lecture_values_and_gradients(case):
    result = evaluate(case["program"], at=case["at"])
    assert result.value == pytest.approx(case["value"], rel=1e-15, abs=1e-15)
    assert set(result.gradients) == set(case["gradients"])
    for name, expected in case["gradients"].items():
        assert result.gradients[name] == pytest.approx(expected, rel=1e-15, abs=1e-15), name


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_lecture_through_the_cli(case):
    at = ",".join(f"{k}={v}" for k, v in case["at"].items())
    doc = run_json("eval", case["program"], "--at", at)
    assert doc["output"]["value"] == pytest.approx(case["value"], rel=1e-15)
    assert doc["gradients"] == pytest.approx(case["gradients"], rel=1e-15, abs=1e-15)


SAMPLE_FOR = {"cs231n-simple": "simple.bp", "cs231n-neuron": "neuron.bp",
              "cs231n-staged": "staged.bp", "cs231n-gates": "gates.bp"}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_samples_run_alone_and_match_the_lecture(case):
    doc = run_json("eval", "-f", SAMPLES / SAMPLE_FOR[case["name"]])
    assert doc["output"]["value"] == pytest.approx(case["value"], rel=1e-15)
    assert doc["gradients"] == pytest.approx(case["gradients"], rel=1e-15, abs=1e-15)


def test_the_simple_graph_intermediate_nodes():
    # q = x + y = 3, f = q z = -12; df/dq = z = -4, df/dz = q = 3.
    r = evaluate("q = x + y\nf = q * z", at={"x": -2, "y": 5, "z": -4})
    g = r.graph
    q = g.bindings["q"]
    assert r.values[q] == 3 and r.grads[q] == -4
    f = g.output
    assert r.local[f] == (-4.0, 3.0)  # the mul gate swaps its inputs
    assert r.local[q] == (1.0, 1.0)  # the add gate distributes


def test_neuron_one_over_x_gate_sees_1_37():
    # The 1/x gate sees 1.37 and its local gradient is -1/1.37^2 = -0.53.
    r = evaluate("1/(1+exp(-(w0*x0+w1*x1+w2)))", at=dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3))
    g = r.graph
    div = g.output
    denominator = g.args[div][1]
    assert round(r.values[denominator], 2) == 1.37
    assert round(r.local[div][1] / r.values[g.args[div][0]] * 1, 2) == -0.53
    assert r.local[div][1] == pytest.approx(-1 / r.values[denominator] ** 2)


def test_local_gradient_of_exp_is_exp_not_one_over_x():
    # The lecture notes' slip writes d/dx e^x = 1/x.  It is e^x.
    for x in (-2.0, 0.5, 1.0, 3.0):
        r = evaluate("exp(x)", at={"x": x})
        assert r.local[r.graph.output] == (pytest.approx(math.exp(x)),)
        assert r.gradients["x"] == pytest.approx(math.exp(x), rel=1e-15)
        if x != 1.0:
            assert r.gradients["x"] != pytest.approx(1 / x)
