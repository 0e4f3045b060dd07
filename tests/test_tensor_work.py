"""A student's tensor work checked (issue #22.3): check --expect/--grad/--backward on tensor programs,
the mistakes of matrix calculus named, and the quiz's shape questions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run

CS231N = ("input W = [[1,2,3,4],[0,1,0,1],[2,0,1,1]]; input X = [[1],[2],[0],[-1]]; "
          "input D = [[1],[0.5],[-1]]; Y = W @ X; L = sum(Y * D)")
SQUARE = "input W = [[1, 2], [3, 4]]; input x = [1, -1]; L = sum(square(W @ x))"
SOFTMAX = """input X = [[1, 2], [0, -1], [3, 1], [2, 2]]
input W = [[0.5, -1, 2], [1, 0.25, -0.5]]
input b = [0.1, -0.2, 0.3]
input y = [0, 2, 1, 2]
S = X @ W + b
L = cross_entropy(S, y)
"""


def program(tmp_path, text, name="t.bp"):
    path = tmp_path / name
    path.write_text(text.replace("; ", "\n") + "\n")
    return path


def check_json(*args):
    r = run("check", *args, "--format", "json")
    assert r.exit_code in (0, 1), r.stderr
    assert "Internal error" not in r.stderr
    return r.exit_code, json.loads(r.stdout)


# ---- the done-when examples ---------------------------------------------------------------------------

def test_cs231n_dw_right_and_the_wrong_transpose_named(tmp_path):
    f = program(tmp_path, CS231N)
    r = run("check", "-f", f, "--grad", "dW = D @ transpose(X)")
    assert r.exit_code == 0, r.stderr
    assert "dW (3x4): equal, every element" in r.stdout and "the formula is right" in r.stdout
    r = run("check", "-f", f, "--grad", "dW = transpose(X) @ D")
    assert r.exit_code == 1
    text = " ".join(r.stdout.split())
    assert "a transpose missing or on the wrong side" in text
    assert "(1x4) @ (3x1)" in text and "dW must have W's shape (3x4)" in text
    assert "the rule: dW = dY @ transpose(X): (3x4) = (3x1) @ (1x4)" in text


def test_a_transposed_answer_says_both_shapes_and_where_the_transpose_goes(tmp_path):
    code, doc = check_json("-f", program(tmp_path, CS231N), "--grad", "dW = X @ transpose(D)")
    (c,) = doc["checks"]
    assert code == 1 and c["diagnosis"] == "transposed" and c["given_shape"] == [4, 3] and c["shape"] == [3, 4]
    assert "yours is (4x3), the transpose of the right answer" in c["explanation"]
    assert "dW = dY @ transpose(X)" in c["explanation"]


def test_stop_hook_seams(tmp_path):
    f = program(tmp_path, SQUARE)
    r = run("check", "-f", f, "--expect", "dx=[0,0]")
    assert r.exit_code == 1 and "Internal error" not in r.stderr
    assert "dx (2,): WRONG at 2 of 2 elements; worst dx[0] = 0, backprop gives -8" in r.stdout
    r = run("check", "-f", f, "--grad", "dW = 2*(W@x) @ transpose(x)")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "dW (2x2): equal" in r.stdout
    r = run("quiz", "-f", f, "--format", "json", input="")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    kinds = [q["kind"] for q in doc["questions"]]
    assert "shape" in kinds and kinds.index("shape") < kinds.index("gradient")


def test_expect_element_by_element_worst_index_and_digits(tmp_path):
    f = program(tmp_path, SQUARE)
    code, doc = check_json("-f", f, "--expect", "dW=[[-2,2],[-2,2.01]],dx=[-8.0,-12.0]")
    dw, dx = doc["checks"]
    assert code == 1
    assert dw["verdict"] == "wrong" and dw["worst"] == {"index": [1, 1], "given": 2.01, "expected": 2.0}
    assert dx["verdict"] == "equal"
    # 0.73-style rounding: each element within half a unit of its last decimal is close
    code, doc = check_json("-f", f, "--expect", "dW=[[-2.0,2.0],[-2.0,2.0]]")
    assert code == 0 and doc["passed"]


def test_expect_from_a_npy_file(tmp_path):
    f = program(tmp_path, CS231N)
    np.save(tmp_path / "dW.npy", np.array([[1, 2, 0, -1], [0.5, 1, 0, -0.5], [-1, -2, 0, 1]]))
    code, doc = check_json("-f", f, "--expect", f"dW=@{tmp_path / 'dW.npy'}")
    assert code == 0 and doc["checks"][0]["verdict"] == "equal"


# ---- each diagnosis -----------------------------------------------------------------------------------

def test_broadcast_not_summed_back(tmp_path):
    f = program(tmp_path, SOFTMAX)
    right = "(softmax(S) - [[1,0,0],[0,0,1],[0,1,0],[0,0,1]]) / 4"
    code, doc = check_json("-f", f, "--grad", f"db = {right}")
    (c,) = doc["checks"]
    assert c["diagnosis"] == "not-summed" and c["given_shape"] == [4, 3] and c["shape"] == [3]
    assert "sum over axis 0" in c["explanation"] and "(summed, yours is right)" in c["explanation"]
    code, doc = check_json("-f", f, "--grad", f"db = sum({right}, 0)")
    assert code == 0


def test_softmax_without_the_one_hot_subtraction(tmp_path):
    code, doc = check_json("-f", program(tmp_path, SOFTMAX), "--grad", "dW = transpose(X) @ (softmax(S) / 4)")
    (c,) = doc["checks"]
    assert c["diagnosis"] == "no-onehot" and "one-hot" in c["mistake"]


def test_softmax_missing_the_mean_over_the_batch(tmp_path):
    onehot = "[[1,0,0],[0,0,1],[0,1,0],[0,0,1]]"
    code, doc = check_json("-f", program(tmp_path, SOFTMAX), "--grad", f"dW = transpose(X) @ (softmax(S) - {onehot})")
    assert doc["checks"][0]["diagnosis"] == "no-mean-n"


def test_a_missing_one_over_n_of_a_mean(tmp_path):
    f = program(tmp_path, "input W = [[1, 2], [3, 4]]; input x = [1, -1]; L = mean(square(W @ x))")
    code, doc = check_json("-f", f, "--grad", "dW = 2*(W@x) @ transpose(x)", "--grad", "dW = (W@x) @ transpose(x)")
    wrong, right = doc["checks"]
    assert wrong["diagnosis"] == "no-mean-n" and wrong["mistake"] == "a missing 1/N of a mean"
    assert right["verdict"] == "equal"


def test_a_gradient_of_another_shape(tmp_path):
    code, doc = check_json("-f", program(tmp_path, CS231N), "--expect", "dW=[1,2,3]")
    (c,) = doc["checks"]
    assert code == 1 and c["diagnosis"] == "shape" and "dW must have W's shape (3x4); yours is (3,)" in c["explanation"]


def test_a_sign_flipped(tmp_path):
    code, doc = check_json("-f", program(tmp_path, CS231N), "--grad", "dW = -(D @ transpose(X))")
    assert doc["checks"][0]["diagnosis"] == "sign"


def test_a_missing_transpose_on_square_matrices(tmp_path):
    f = program(tmp_path, "input W = [[1, 2], [3, 4]]; input X = [[1, 0], [2, -1]]; L = sum(W @ X)")
    code, doc = check_json("-f", f, "--grad", "dW = [[1, 1], [1, 1]] @ X")
    assert doc["checks"][0]["diagnosis"] == "no-transpose"
    assert "dW = d(W @ X) @ transpose(X)" in doc["checks"][0]["explanation"]


# ---- --backward with tensor statements -----------------------------------------------------------------

def test_backward_pass_over_arrays(tmp_path):
    f = program(tmp_path, CS231N)
    (tmp_path / "bwd.bp").write_text("dY = D\ndW = dY @ transpose(X)\n")
    r = run("check", "-f", f, "--backward", tmp_path / "bwd.bp")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "all 2 lines right" in r.stdout
    inline = program(tmp_path, CS231N + "; dY = D; dW = dY @ transpose(X); dX = transpose(W) @ dY", "in.bp")
    code, doc = check_json("-f", inline, "--backward")
    assert code == 0 and doc["passed"] and [line["verdict"] for line in doc["lines"]] == ["right"] * 3


def test_backward_pass_mistakes_named(tmp_path):
    f = program(tmp_path, SOFTMAX)
    onehot = "[[1,0,0],[0,0,1],[0,1,0],[0,0,1]]"
    (tmp_path / "bwd.bp").write_text(f"dS = (softmax(S) - {onehot}) / 4\ndW = transpose(X) @ dS\n"
                                     "db = dS\ndX = dS @ W\n")
    code, doc = check_json("-f", f, "--backward", tmp_path / "bwd.bp")
    by = {line["name"]: line for line in doc["lines"]}
    assert code == 1
    assert by["dS"]["verdict"] == "right" and by["dW"]["verdict"] == "right"
    assert by["db"]["diagnosis"] == "not-summed"
    assert by["dX"]["diagnosis"] == "does-not-multiply" and "dX = d(X @ W) @ transpose(W)" in by["dX"]["explanation"]


def test_backward_pass_accumulates_over_lines(tmp_path):
    f = program(tmp_path, "input W = [[1, 2], [3, 4]]; input x = [1, -1]; h = W @ x; L = sum(h * h) + sum(h)")
    (tmp_path / "ok.bp").write_text("dh = 2 * h\ndh += [1, 1]\ndW = dh @ transpose(x)\ndx = transpose(W) @ dh\n")
    code, doc = check_json("-f", f, "--backward", tmp_path / "ok.bp")
    assert code == 0, doc
    (tmp_path / "bad.bp").write_text("dh = 2 * h\ndh = [1, 1]\ndW = dh @ transpose(x)\n")
    code, doc = check_json("-f", f, "--backward", tmp_path / "bad.bp")
    assert code == 1 and doc["lines"][1]["diagnosis"] == "overwritten"


def test_a_misspelt_gradient_name_gets_the_nearest_one(tmp_path):
    f = program(tmp_path, CS231N)
    (tmp_path / "bwd.bp").write_text("dY = D\ndWW = dY @ transpose(X)\n")
    code, doc = check_json("-f", f, "--backward", tmp_path / "bwd.bp")
    assert code == 1
    assert doc["lines"][1]["verdict"] == "unknown"
    assert "the forward pass has no value 'WW' (did you mean dW?)" in doc["lines"][1]["explanation"]


# ---- properties over random shapes ---------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_a_correct_dw_is_always_right_and_a_transposed_one_always_named(n, m, k, seed):
    """Y = W X (n x m times m x k), L = sum(Y * D): dW = D Xᵀ and dX = Wᵀ D are right for every
    shape; Xᵀ D on the wrong side is named (it does not multiply, or has the wrong shape, unless the
    shapes make it the same product), and the transposed answer X Dᵀ is named as transposed."""
    from backprop_cli.api import load
    from backprop_cli.tasks.check import tensor_work

    rng = np.random.default_rng(seed)
    W, X, D = (rng.integers(-3, 4, size=s).astype(float) for s in ((n, m), (m, k), (n, k)))
    result = load("L = sum((W @ X) * D)", at={"W": W, "X": X, "D": D}).run()
    formulas = tensor_work.parse_formulas(["dW = D @ transpose(X)", "dX = transpose(W) @ D",
                                           "dW = transpose(X) @ D", "dW = X @ transpose(D)"], None)
    right, dx, wrong_side, transposed = tensor_work.check_formulas(result, formulas, 1e-9)
    assert right.right and dx.right and right.verdict == "equal"
    if m != n:  # (k x m) @ (n x k) does not multiply
        assert wrong_side.diagnosis == "does-not-multiply" and not wrong_side.right
    elif (k, k) != (n, m):  # it multiplies, to another shape: named as a shape mistake
        assert not wrong_side.right and wrong_side.diagnosis in ("transposed", "shape", "not-summed")
    if n != m:
        assert not transposed.right and transposed.diagnosis == "transposed"
        assert f"yours is ({m}x{n})" in transposed.explanation
    elif not transposed.right:  # square: the transpose of the right answer, named
        assert transposed.diagnosis in ("transposed", "sign", "no-transpose")


def test_no_internal_error_on_tensor_own_work_options(tmp_path):
    f = program(tmp_path, CS231N)
    for args in (("--expect", "dW=[[1]]"), ("--expect", "L=0.5"), ("--expect", "dY=[[1],[0.5],[-1]]"),
                 ("--grad", "dW = W"), ("--grad", "dW = sum(W)"), ("--grad", "dQ = W"),
                 ("--grad", "dW = softmax(W) @ X")):
        r = run("check", "-f", f, *args)
        assert r.exit_code in (0, 1, 2) and "Internal error" not in r.stderr, (args, r.stderr)


# ---- the quiz on a tensor program -----------------------------------------------------------------------

def test_quiz_asks_each_gradients_shape_first_then_elements(tmp_path):
    f = program(tmp_path, CS231N)
    r = run("quiz", "-f", f, "--only", "backward", "--format", "json", input="3x1\n3x1\n4x1\n4x3\n4x3\n")
    assert r.exit_code == 0, r.stderr
    qs = json.loads(r.stdout)["questions"]
    kinds = [q["kind"] for q in qs]
    assert kinds[:4] == ["shape"] * 4 and set(kinds[4:]) == {"gradient"}
    assert [q["prompt"] for q in qs[:4]] == ["shape of dY = ∂L/∂Y", "shape of dD = ∂L/∂D",
                                             "shape of dX = ∂L/∂X", "shape of dW = ∂L/∂W"]
    assert [q["verdict"] for q in qs[:3]] == ["right", "right", "right"]
    dw = qs[3]
    assert dw["verdict"] == "wrong" and dw["diagnosis"] == "transposed" and dw["expected"] == [3, 4]
    for q in qs[4:]:  # every element asked is the engine's
        grads = {"Y": [[1], [0.5], [-1]], "D": [[1], [1], [1]], "X": [[-1], [2.5], [2], [3.5]],
                 "W": [[1, 2, 0, -1], [0.5, 1, 0, -0.5], [-1, -2, 0, 1]]}[q["node"]]
        assert q["expected"] == np.asarray(grads)[tuple(q["index"])]


@pytest.mark.parametrize("text, shape", [("3x4", (3, 4)), ("(3, 4)", (3, 4)), ("3 by 4", (3, 4)), ("[3,4]", (3, 4)),
                                         ("3", (3,)), ("(3,)", (3,)), ("()", ()), ("scalar", ()),
                                         ("three", None), ("3x", None)])
def test_quiz_reads_shapes(text, shape):
    from backprop_cli.tasks.quiz import parse_shape

    assert parse_shape(text) == shape


def test_quiz_element_answers_are_diagnosed_with_the_gate_tables_mistakes(tmp_path):
    f = program(tmp_path, "input W = [[1, 2], [3, 4]]; input x = [1, -1]; L = mean(square(W @ x))")
    # dx's shape, dW's shape (a wrong one asked again: "2x" is not a shape), then dx[1] without the mean's 1/N
    r = run("quiz", "-f", f, "--only", "backward", "--format", "json", input="2\n2x\n2x2\n-12\n-12\n")
    qs = json.loads(r.stdout)["questions"]
    assert [q["verdict"] for q in qs[:2]] == ["right", "right"]
    element = qs[2]
    assert element["prompt"] == "dx[1] = ∂L/∂x[1]" and element["expected"] == -6
    assert element["verdict"] == "wrong" and element["diagnosis"] == "no-mean-n"
    assert "a missing 1/N of a mean" in element["explanation"]


# ---- one look (issue #22.4) ----------------------------------------------------------------------------

def test_tensor_check_has_the_scalar_checks_json_schema(tmp_path):
    scalar = json.loads(run("check", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "json").stdout)
    tensor = json.loads(run("check", "-f", program(tmp_path, CS231N), "--format", "json").stdout)
    for key in ("output", "inputs", "method", "tolerance", "probes", "checks", "passed", "verdict"):
        assert key in scalar and key in tensor
    assert set(scalar) - {"directions"} <= set(tensor)
    assert set(scalar["checks"][0]) <= set(tensor["checks"][0])
    assert scalar["method"] == tensor["method"]
    assert tensor["output"] == {"name": "L", "value": 0.5} and tensor["inputs"]["W"] == {"shape": [3, 4]}
    assert tensor["passed"] is True and tensor["verdict"] == "all 3 gradients pass"
    assert [c["input"] for c in tensor["checks"]] == ["W", "X", "D"]


def test_tensor_check_has_the_scalar_checks_title_notes_and_verdict(tmp_path):
    r = run("check", "-f", program(tmp_path, CS231N), env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "gradient check of L = 0.5 at W (3x4), X (4x1), D (3x1)"
    assert lines[-1] == "all 3 gradients pass"
    assert any(line.startswith("numeric: centred difference") for line in lines)
    assert any(line.startswith("rel. error:") for line in lines)
    r = run("check", "sum(relu(W))", "--at", "W=[0,1,-1]")
    assert r.stdout.splitlines()[-1] == "0 of 1 pass; kink nearby: W; no failures"


def test_tensor_trace_speaks_in_short_names_and_prints_each_shape_once():
    r = run("trace", "L = sum(relu(W @ x))", "--at", "W=[[1,2],[3,-4],[0,1]],x=[1,-1]", env={"COLUMNS": "100"})
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "relu(W @ x) = relu(W @ x)" not in out
    assert "  t1 = W@x   (3,) = [-1, 7, -1]" in out and "  t2 = relu(t1)   (3,) = [0, 7, 0]" in out
    assert "step 3: t1 = W@x   (matmul gate, (3,))" in out
    assert "dW = dt1 @ xᵀ: (3x2) = (3x1) @ (1x2)" in out and "dt1 += dt2 * ∂t2/∂t1: (3,)" in out
    for line in out.splitlines():  # a shape once a line
        assert line.count("(3,)") <= 1, line
    full = run("trace", "L = sum(relu(W @ x))", "--at", "W=[[1,2],[3,-4],[0,1]],x=[1,-1]", "--labels", "full").stdout
    assert "d(W @ x) += d(relu(W @ x)) * ∂relu(W @ x)/∂(W @ x)" in " ".join(full.split())


def test_the_table_tree_and_trace_name_nodes_alike():
    args = ("L = sum(relu(W @ x))", "--at", "W=[[1,2],[3,-4],[0,1]],x=[1,-1]")
    table = run("eval", *args).stdout
    tree = run("eval", *args, "--format", "tree").stdout
    trace = run("trace", *args).stdout
    for text in (table, tree, trace):
        assert "t1" in text and "t2 = relu(t1)" in text


@pytest.mark.parametrize("program, at, answer, code", [
    ("L = sum(W * x)", "W=[[1,2],[3,4]],x=[5,-1]", "--grad=dW = W", "own-value"),
    ("L = sum(exp(W))", "W=[1,2]", "--grad=dW = 1/W", "exp-as-log"),
    ("L = sum(max(W, V))", "W=[1,5],V=[3,2]", "--expect=dW=[1,0]", "routing"),
    ("L = sum(W / V)", "W=[1,5],V=[3,2]", "--expect=dV=[-0.3333333333333333,-2.5]", "div-square"),
])
def test_the_elementwise_gates_mistakes_are_named_over_arrays(program, at, answer, code):
    """The scalar grader's gate-table mistakes, replayed element by element through the tensor engine."""
    code_, doc = check_json(program, "--at", at, answer)
    assert code_ == 1 and doc["checks"][0]["diagnosis"] == code
