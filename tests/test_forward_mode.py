"""Forward mode: the tangent pass equals reverse mode, the trace in the lecture's style, eval --jvp."""

import json
import math

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from backprop_cli import api, evaluate
from backprop_cli.core.forward import gate_count, tangent_pass
from random_programs import INPUTS, finite_result, points, programs
from conftest import SAMPLES

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
SIMPLE = ("(x+y)*z", "--at", "x=-2,y=5,z=-4")


def _close(a, b, scale):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12 * scale)


@SETTINGS
@given(programs(), points())
# a nan local gradient (d/db a^b at a = -1) on a path min's zero local gradient cuts
@example("a = -x^(x)\na^(min(x, -1))", {"x": 0.0, "y": 0.0, "z": 0.0})
# and one between the input and that zero (d/dx x^x at 0 is -inf)
@example("a = x^x\nrelu(a - 2)", {"x": 0.0, "y": 0.0, "z": 0.0})
def test_forward_mode_equals_reverse_mode_input_by_input(source, point):
    r = finite_result(source, point)
    assume(r is not None)
    assume(all(math.isfinite(v) for v in r.values))
    scale = 1 + max(abs(g) for g in r.grads)
    for name in r.graph.inputs:
        t = tangent_pass(r, {name: 1.0})
        assert _close(t.jvp, r.gradients[name], scale), (source, point, name)


@SETTINGS
@given(programs(kinks=False), points(), st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_a_directional_derivative_is_the_gradient_dotted_with_the_direction(source, point, v):
    r = finite_result(source, point)
    assume(r is not None)
    assume(all(math.isfinite(x) for x in r.values))
    along = {name: c for name, c in zip(INPUTS, v) if name in r.graph.inputs}
    want = math.fsum(along[n] * r.gradients[n] for n in along)
    scale = 1 + sum(abs(along[n] * r.gradients[n]) for n in along)
    assert math.isclose(api.jvp(r, along), want, rel_tol=1e-9, abs_tol=1e-12 * scale), (source, point, along)


def test_the_lectures_graph_forward_mode(cli):
    out = cli("trace", "q = x + y; f = q*z", "--at", "x=-2,y=5,z=-4", "--mode", "forward", "--wrt", "x")
    assert out.exit_code == 0, out.stderr
    text = out.stdout
    assert "dx/dx = 1" in text and "dy/dx = 0" in text
    assert "q = x + y = -2 + 5 = 3" in text
    assert "dq/dx = 1 × 1 + 1 × 0 = 1" in text
    assert "df/dx = (z = -4) × 1 + (q = 3) × 0 = -4" in text
    # the last lines: the derivative, then the cost of both modes on this program
    assert "df/dx = -4   (one forward pass gives the derivative along x)" in text
    assert "forward mode: 3 passes (one per input) × 2 gates = 6" in text
    assert "reverse mode: 1 backward pass × 2 gates = 2" in text


def test_a_direction_and_json_tangents(cli):
    out = cli("trace", *SIMPLE, "--mode", "forward", "--tangent", "x=1,z=0.5", "--format", "json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["direction"] == {"x": 1.0, "z": 0.5}
    tangents = {node["name"]: node["tangent"] for node in doc["forward"]}
    # t1 = x + y moves at 1; f = t1*z moves at z*1 + t1*0.5 = -4 + 1.5
    assert tangents == {"x": 1.0, "y": 0.0, "t1": 1.0, "z": 0.5, "f": -2.5}
    assert doc["jvp"] == -2.5 == doc["output"]["tangent"]
    edges = doc["forward"][-1]["edges"]
    assert [e["share"] for e in edges] == [-4.0, 1.5]
    assert doc["cost"] == {"gates": 2, "inputs": 3, "forward_passes": 3, "forward_gate_evaluations": 6,
                           "reverse_passes": 1, "reverse_gate_evaluations": 2}


def test_the_neurons_cost(cli):
    out = cli("trace", "-f", "samples/neuron.bp", "--mode", "forward", "--wrt", "w0")
    assert out.exit_code == 0, out.stderr
    r = evaluate(open("samples/neuron.bp").read())
    assert gate_count(r) == 8
    assert "5 passes (one per input) × 8 gates = 40" in out.stdout
    assert "df/dw0 = -0.1966" in out.stdout


def test_the_trace_fits_60_columns(cli):
    out = cli("trace", "-f", "samples/neuron.bp", "--mode", "forward", "--tangent", "w0=1,x0=0.5",
              env={"COLUMNS": "60"})
    assert out.exit_code == 0, out.stderr
    assert max(len(line) for line in out.stdout.splitlines()) <= 60


@pytest.mark.parametrize("args, message", [
    (("--wrt", "x"), "Add --mode forward"),
    (("--mode", "forward"), "needs a direction"),
    (("--mode", "forward", "--wrt", "q"), "no input 'q'"),
    (("--mode", "forward", "--wrt", "x", "--tangent", "y=1"), "not both"),
    (("--mode", "forward", "--tangent", "x=[1,2]"), "is an array"),
])
def test_bad_directions_are_refused_with_one_message(cli, args, message):
    out = cli("trace", *SIMPLE, *args)
    assert out.exit_code == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_forward_mode_over_a_tensor_program(cli):
    import numpy as np

    args = ("trace", "sum(tanh(W@x - y)^2)", "--at", "W=[[1,2],[3,-1]],x=[0.5,-1.5],y=[1,2]", "--mode", "forward")
    out = cli(*args, "--tangent", "x=[1,0],W=[[0,1],[0,0]]")
    assert out.exit_code == 0, out.stderr
    assert "t1 = W@x  (2,)" in out.stdout
    # 8 numbers in the input arrays: 8 forward passes for the whole gradient
    assert "forward mode: 8 passes (one per input number) × 5 gates = 40" in out.stdout
    doc = json.loads(cli(*args, "--tangent", "x=[1,0],W=[[0,1],[0,0]]", "--format", "json").stdout)
    r = evaluate("sum(tanh(W@x - y)^2)", at={"W": np.array([[1.0, 2], [3, -1]]), "x": np.array([0.5, -1.5]),
                                             "y": np.array([1.0, 2])})
    want = r.gradients["x"][0] + r.gradients["W"][0][1]
    assert doc["jvp"] == pytest.approx(want, rel=1e-12)
    tangents = {node["name"]: node["tangent"] for node in doc["forward"]}
    assert tangents["t1"] == [1.0 - 1.5, 3.0]  # W dx + dW x
    assert tangents["y"] == 0.0
    refused = cli(*args, "--wrt", "x")
    assert refused.exit_code == 2 and "--tangent x=[1, 0]" in refused.stderr


def test_eval_jvp_in_the_table_and_json(cli):
    out = cli("eval", *SIMPLE, "--jvp", "x=1,y=2,z=0.5")
    assert out.exit_code == 0, out.stderr
    # J·v = -4*1 + -4*2 + 3*0.5
    assert "J·v = df/dv = -10.5" in out.stdout
    doc = json.loads(cli("eval", *SIMPLE, "--jvp", "x=1,y=2,z=0.5", "--format", "json").stdout)
    assert doc["jvp"] == -10.5 and doc["gradients"]["x"] == -4.0


def test_unreached_nodes_have_no_tangent_not_zero_times_inf():
    # d/dy of log(y) at y = 0 is inf; along x only, the log node gets no tangent at all.
    r = evaluate("x*2 + log(y)", at={"x": 1, "y": 0}, allow_nonfinite=True)
    assert tangent_pass(r, {"x": 1.0}).jvp == 2.0


def test_the_tree_shows_tangents_next_to_gradients(cli):
    out = cli("eval", "-f", "samples/neuron.bp", "--format", "tree", "--jvp", "w0=1,w1=0.5")
    assert out.exit_code == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["node", "op", "value", "gradient", "tangent"]
    # the output's row: value, gradient 1, tangent = J·v = -0.1966 - 0.5 * 0.3932
    assert lines[1].split()[-3:] == ["0.7311", "1", "-0.3932"]
    assert "J·v = df/dv = -0.3932" in out.stdout
    narrow = cli("eval", "-f", "samples/neuron.bp", "--format", "tree", "--jvp", "w0=1", env={"COLUMNS": "60"})
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60
    plain = cli("eval", "-f", "samples/neuron.bp", "--format", "tree").stdout
    assert "tangent" not in plain


def test_the_tree_of_a_tensor_program_shows_tangents(cli):
    out = cli("eval", "sum(tanh(W@x))", "--at", "W=[[1,2],[3,-1]],x=[0.5,-1.5]", "--jvp", "x=[1,0]",
              "--format", "tree")
    assert out.exit_code == 0, out.stderr
    assert "(value, gradient and tangent below each node)" in out.stdout
    assert "tangent [1, 3]" in out.stdout  # t1 = W@x moves at W dx
    assert "J·v = df/dv = 0.05619" in out.stdout


def test_the_forward_trace_writes_times_as_the_backward_trace_does(cli):
    # × for "times" (the letter x beside an input named x reads as a name), * on an ASCII-only stream
    out = cli("trace", "q = x + y; f = q*z", "--at", "x=-2,y=5,z=-4", "--mode", "forward", "--wrt", "x")
    import re

    assert not re.search(r"[\d)] x [\d(]", out.stdout) and "dq/dx = 1 × 1 + 1 × 0 = 1" in out.stdout
    assert "local × incoming tangent" in out.stdout
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "backprop_cli", "trace", "q = x + y; f = q*z", "--at",
                           "x=-2,y=5,z=-4", "--mode", "forward", "--wrt", "x"], capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "80"})
    assert proc.returncode == 0 and proc.stdout.isascii(), proc.stderr
    assert b"dq/dx = 1 * 1 + 1 * 0 = 1" in proc.stdout


def test_the_forward_trace_leaves_out_the_constants_zero_tangents(cli):
    # f = 1/t7: the numerator 1 never moves; "(1/t7 = 0.7311) × 0 +" was noise beside the lecture's 1/x gate
    out = cli("trace", "-f", str(SAMPLES / "neuron.bp"), "--mode", "forward", "--wrt", "w0")
    assert "df/dw0 = (-1/t7^2 = -0.5344) × 0.3679 = -0.1966" in out.stdout, out.stdout
    assert "dt7/dw0 = 1 × 0.3679 = 0.3679" in out.stdout
    assert "dt1/dw0 = (x0 = -1) × 1 + (w0 = 2) × 0 = -1" in out.stdout  # an input's 0 stays
