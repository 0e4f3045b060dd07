"""The tensor commands from the command line: eval, trace, check, graph, optimize, codegen and the
commands that take scalars only."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import SAMPLES, run, run_json

W = "W=[[1,2,3,4],[0,1,0,1],[2,0,1,1]]"


def test_eval_json_gives_shapes_and_nested_lists():
    doc = run_json("eval", "L = sum(W @ x)", "--at", W, "--at", "x=[1,-1,0.5,2]")
    assert doc["output"]["shape"] == []
    assert doc["gradients"]["W"] == [[1, -1, 0.5, 2]] * 3
    assert doc["gradients"]["x"] == [3, 3, 4, 6]
    matmul = next(n for n in doc["nodes"] if n["op"] == "matmul")
    assert matmul["shape"] == [3] and matmul["value"] == [8.5, 1.0, 4.5]


def test_scalar_json_has_no_shapes():
    doc = run_json("eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4")
    assert "shape" not in doc["output"] and doc["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_shape_mismatch_exits_2_with_rule_and_place():
    r = run("eval", "y = W @ x", "--at", W, "--at", "x=[1,2,3]")
    assert r.exit_code == 2
    assert "@: (3x4) @ (3,) — inner dimensions 4 and 3 differ" in r.stderr
    assert "^^^^^" in r.stderr


def test_trace_shows_the_lecture_rule_with_shapes():
    r = run("trace", "-f", SAMPLES / "tensors" / "vectorized.bp")
    assert r.exit_code == 0, r.stderr
    assert "dW = dY @ Xᵀ: (3x4) = (3x1) @ (1x4)" in r.stdout
    assert "dX = Wᵀ @ dY: (4x1) = (4x3) @ (3x1)" in r.stdout


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_tensor_trace_fits_the_terminal(columns):
    r = run("trace", "-f", SAMPLES / "tensors" / "vectorized.bp", env={"COLUMNS": str(columns), "NO_COLOR": "1"})
    assert r.exit_code == 0, r.stderr
    assert max(len(line) for line in r.stdout.splitlines()) <= columns
    assert "dW = dY @ Xᵀ:" in r.stdout  # the rule is kept, its shapes may go on the next line


def test_check_every_element_and_random_directions():
    r = run("check", "-f", SAMPLES / "tensors" / "softmax.bp", "--format", "json")
    assert r.exit_code == 0, r.stderr
    (z,) = json.loads(r.stdout)["checks"]
    assert z["probes"] == "every element" and z["status"] == "pass"
    r = run("check", "L = sum(tanh(A @ B))", "--at", "A=" + json.dumps(np.ones((9, 9)).tolist()),
            "--at", "B=" + json.dumps((np.arange(81).reshape(9, 9) / 100).tolist()), "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert {c["probes"] for c in json.loads(r.stdout)["checks"]} == {"16 random directions"}
    # --method and --directions choose, as for scalar programs
    args = ["check", "L = sum(tanh(A @ B))", "--at", "A=" + json.dumps(np.ones((9, 9)).tolist()),
            "--at", "B=" + json.dumps((np.arange(81).reshape(9, 9) / 100).tolist()), "--format", "json"]
    r = run(*args, "--directions", "3")
    assert {c["probes"] for c in json.loads(r.stdout)["checks"]} == {"3 random directions"}
    r = run(*args, "--method", "each-input")
    assert {c["probes"] for c in json.loads(r.stdout)["checks"]} == {"every element"}
    r = run("check", "-f", SAMPLES / "tensors" / "softmax.bp", "--format", "json", "--method", "directions",
            "--directions", "2")
    assert [c["probes"] for c in json.loads(r.stdout)["checks"]] == ["2 random directions"]


def test_graph_labels_wires_with_shapes():
    r = run("graph", "L = sum(W @ x)", "--at", W, "--at", "x=[1,-1,0.5,2]")
    assert r.exit_code == 0 and "(3x4)" in r.stdout and "(4,)" in r.stdout


def test_optimize_trains_the_spiral_network_and_the_loss_falls():
    r = run("optimize", "-f", SAMPLES / "spiral" / "train.bp", "--lr", "1", "--steps", "60", "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["wrt"] == ["W1", "b1", "W2", "b2"]  # the data stay put
    first, last = doc["steps"][0]["value"], doc["final"]["value"]
    assert last < 0.6 * first
    assert np.shape(doc["final"]["at"]["W1"]) == (2, 50)


def test_seed_repeats_and_changes_randn():
    a = run_json("eval", "input W = randn(2, 2)\nL = sum(W)", "--seed", "3", "--no-nodes")
    b = run_json("eval", "input W = randn(2, 2)\nL = sum(W)", "--seed", "3", "--no-nodes")
    c = run_json("eval", "input W = randn(2, 2)\nL = sum(W)", "--seed", "4", "--no-nodes")
    assert a["inputs"] == b["inputs"] != c["inputs"]


def test_at_reads_npy_csv_json(tmp_path):
    np.save(tmp_path / "w.npy", np.array([[1.0, 2.0], [3.0, 4.0]]))
    (tmp_path / "w.csv").write_text("1,2\n3,4\n")
    (tmp_path / "w.json").write_text("[[1, 2], [3, 4]]")
    for ext in ("npy", "csv", "json"):
        doc = run_json("eval", "L = sum(W * W)", "--at", f"W=@{tmp_path / ('w.' + ext)}", "--no-nodes")
        assert doc["output"]["value"] == 30 and doc["gradients"]["W"] == [[2, 4], [6, 8]]


@pytest.mark.parametrize("args", [
    ("diff", "sum(W @ x)", "--wrt", "x"),
    ("codegen", "sum(W @ x)", "--lang", "c"),
    ("codegen", "sum(W @ x)", "--lang", "js"),
    ("plot", "sum([1, 2] * x)", "--over", "x=-1:1"),
])
def test_scalar_only_commands_say_so(args):
    r = run(*args)
    assert r.exit_code == 2
    assert "scalar programs only" in r.stderr


def test_check_over_on_a_tensor_program_says_why_and_what_to_run_instead():
    import shlex

    r = run("check", "sum(W@x) + y", "--at", "W=[[1,2],[3,4]],x=[1,1],y=1", "--over", "y=-1:1", "--grad", "dy = 1")
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    error, hint = r.stderr.strip().splitlines()[-2:]
    assert "check --over takes scalar programs only" in error and "range of one input" in error
    example = hint.split("e.g. ")[1].split("; ")[0]  # the command the hint suggests runs
    words = shlex.split(example)
    assert words[:2] == ["backprop", "check"]
    suggested = run(*words[1:])
    assert suggested.exit_code == 0, suggested.stderr
    assert "the formula is right" in suggested.stdout


def test_codegen_numpy_writes_vectorised_code():
    r = run("codegen", "-f", SAMPLES / "spiral" / "train.bp", "--lang", "numpy")
    assert r.exit_code == 0, r.stderr
    assert "dW1 = bp.matmul_dy(" in r.stdout and "def f(X, y, W1, b1, W2, b2):" in r.stdout


def test_tree_shows_arrays():
    r = run("eval", "L = sum(W @ x)", "--at", "W=[[1,2],[3,4]],x=[1,-1]", "--format", "tree")
    assert r.exit_code == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if "W     input" in line)
    assert row.split("input")[1].split() == ["[[1,", "2],", "[3,", "4]]", "[[1,", "-1],", "[1,", "-1]]"]
    assert "dL/dW = [[1, -1], [1, -1]]" in r.stdout


@pytest.mark.parametrize("labels", ["3", "1.5", "-1"])
def test_bad_labels_are_bad_input(labels):
    r = run("eval", f"cross_entropy(z, {labels})", "--at", "z=[1,2,3]")
    assert r.exit_code == 2
    assert "labels must be whole numbers from 0 to 2" in r.stderr


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("**/*.bp")), ids=lambda p: p.relative_to(SAMPLES).as_posix())
def test_every_sample_runs_alone(sample):
    r = run("eval", "-f", sample)
    assert r.exit_code == 0, r.stderr
    assert "Internal error" not in r.stderr


def test_live_refuses_a_tensor_program_with_one_message(tmp_path):
    for program in ("W @ x", "0@0"):  # 0@0 reached the scalar engine and exited 70 (found by fuzzing)
        r = run("live", program, "--at", "W=[[1,2]],x=[1,2]", "--screenshot", tmp_path / "live.svg")
        assert r.exit_code == 2, r.stderr
        assert "live takes scalar programs only" in r.stderr and "Internal error" not in r.stderr


TENSOR_SAMPLES = sorted((SAMPLES / "tensors").glob("*.bp")) + [SAMPLES / "spiral" / "train.bp"]


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("view", [["eval"], ["eval", "--format", "tree"], ["trace"], ["check"]])
def test_every_tensor_view_fits_the_terminal(view, width):
    for path in TENSOR_SAMPLES:
        r = run(*view, "-f", path, env={"COLUMNS": str(width)})
        assert r.exit_code in (0, 1), (path, r.stderr)
        widest = max(len(line) for line in r.stdout.splitlines())
        assert widest <= width, (path, view, widest)
    # the numbers are whole: every gradient of the softmax sample is printed somewhere in full
    r = run(*view, "-f", SAMPLES / "tensors" / "softmax.bp", env={"COLUMNS": str(width)})
    if view[0] == "eval":
        assert "-0.1705" in r.stdout and "0.04928" in r.stdout
