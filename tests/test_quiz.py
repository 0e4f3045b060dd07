"""backprop quiz: scripted end to end, from --answers and from standard input."""

from __future__ import annotations

import json

import pytest

from backprop_cli import evaluate
from backprop_cli.tasks.quiz import Judge, _names, answer, questions, random_exercise
from conftest import SAMPLES, run

SIMPLE = SAMPLES / "simple.bp"


def quiz_json(*args, input=None, code=None):
    result = run("quiz", *args, "--format", "json", input=input)
    if code is not None:
        assert result.exit_code == code, result.stderr
    return json.loads(result.stdout), result


def test_all_right_scores_full_marks_and_exits_0():
    doc, result = quiz_json("-f", SIMPLE, input="3\n-12\n-4\n3\n-4\n-4\n", code=0)
    assert doc["score"] == {"right": 6, "total": 6}
    assert [(q["node"], q["kind"]) for q in doc["questions"]] == [
        ("q", "value"), ("f", "value"), ("q", "gradient"), ("z", "gradient"), ("y", "gradient"),
        ("x", "gradient")]
    assert all(q["verdict"] == "right" and q["answers"] == [q["expected"]] for q in doc["questions"])


def test_a_wrong_answer_gets_the_diagnosis_and_one_more_try(tmp_path):
    answers = tmp_path / "answers.txt"
    # dz: first the own value (-4, a mistake the quiz names), then the right 3; dx: wrong twice.
    answers.write_text("3\n-12\n-4\n-4\n3\n-4\n4\n7\n")
    result = run("quiz", "-f", SIMPLE, "--answers", answers)
    assert result.exit_code == 0  # the score is in the output, not the exit status
    out = result.stdout
    assert "✗ not quite: own value instead of the other input's" in out
    assert "✓ right on the second try" in out
    assert "✗ not quite: sign flipped" in out  # dx = 4
    assert "the answer is -4: dx = dq × ∂q/∂x = (-4) × 1 = -4" in out
    assert "score: 5 of 6" in out and "steps to review:" in out
    doc, _ = quiz_json("-f", SIMPLE, "--answers", answers, code=0)
    dz = doc["questions"][3]
    assert dz["answers"] == [-4.0, 3.0] and dz["verdict"] == "right on retry" and dz["diagnosis"] == "own-value"
    dx = doc["questions"][5]
    assert dx["answers"] == [4.0, 7.0] and dx["verdict"] == "wrong" and dx["diagnosis"] == "sign"
    assert doc["score"] == {"right": 5, "total": 6}


def test_only_backward_with_an_expression_and_answers_as_expressions():
    doc, result = quiz_json("(x+y)*z", "--at", "x=-2,y=5,z=-4", "--only", "backward",
                            input="(-2)+5\n-4\n-4\n-4\n", code=0)
    assert {q["kind"] for q in doc["questions"]} == {"gradient"} and doc["score"]["total"] == 4
    assert [q["node"] for q in doc["questions"]] == ["z", "t1", "y", "x"]  # t1: the unnamed x + y


def test_answers_within_the_tolerance_count_and_others_do_not():
    r = evaluate((SAMPLES / "neuron.bp").read_text())
    qs = questions(r, "backward")
    judge = Judge(r)
    last = qs[-1]  # dw0 = -0.1966
    assert answer(judge, last, -0.20, "-0.20") == "right"
    other = qs[-2]
    assert answer(judge, other, 0.41, "0.41") == "retry"  # 0.3932: off by more than 0.01
    assert answer(judge, other, 0.393, "0.393") == "right" and other.verdict == "right on retry"


def test_missing_upstream_and_a_forgotten_branch_are_named():
    r = evaluate("input x = 3\na = x * x\nb = sin(x)\nf = 5 * (a + b)")
    judge = Judge(r)
    by = {(q.name, q.kind): q for q in questions(r)}
    da = by[("a", "gradient")]
    assert answer(judge, da, 1.0, "1") == "retry" and da.diagnosis == "no-upstream"
    dx = by[("x", "gradient")]
    import math

    only_a = 5 * 2 * 3  # what a alone sends back
    assert answer(judge, dx, only_a, "30") == "retry" and dx.diagnosis == "overwritten"
    assert answer(judge, dx, 30 + 5 * math.cos(3), "x") == "right"


def test_no_answers_left_stops_and_lists_the_rest():
    result = run("quiz", "-f", SIMPLE, input="3\n")
    assert result.exit_code == 0 and "(no more answers)" in result.stdout
    assert "not answered: f, dq, dz, dy, dx" in result.stdout


def test_random_exercises_repeat_with_their_seed():
    assert random_exercise(7) == random_exercise(7)
    assert len({random_exercise(s) for s in range(20)}) > 10
    a = run("quiz", "--seed", "7", input="")
    b = run("quiz", "--seed", "7", input="")
    assert a.stdout == b.stdout and "repeat it with --seed 7" in a.stdout
    doc, _ = quiz_json("--random", "--seed", "7", input="")
    assert doc["seed"] == 7 and doc["score"]["total"] >= 5
    assert run("quiz", "--random", "x", input="").exit_code == 2


@pytest.mark.parametrize("seed", range(10))
def test_random_exercises_have_no_ties_and_every_input_counts(seed):
    r = evaluate(random_exercise(seed))
    assert all(name in r.graph.inputs for name in ("x", "y"))
    assert all(n not in ("max", "min") or len(set(r.values[j] for j in r.graph.args[i])) == len(r.graph.args[i])
               for i, n in enumerate(r.graph.op))


def test_short_names_keep_program_names_and_number_the_rest():
    r = evaluate("input t1 = 1, y = 2\nq = t1*y + exp(y)\nq*q")
    names = _names(r)
    assert names[r.graph.bindings["q"]] == "q" and names[r.graph.output] == "f"
    assert "t1" not in [n for i, n in names.items() if r.graph.op[i] not in ("input",)]


def test_the_transcript_fits_sixty_columns(monkeypatch):
    result = run("quiz", "-f", SAMPLES / "neuron.bp", input="1\n2\n3\n", env={"COLUMNS": "60"})
    assert result.exit_code == 0 and "score: 0 of 20" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 60
    # and through a console, as on a terminal (whose width is $COLUMNS here)
    monkeypatch.setenv("COLUMNS", "60")
    from io import StringIO

    from backprop_cli.views.console import make_console
    from backprop_cli.views.grade import print_lines
    from backprop_cli.views.quiz import introduction, score_lines

    r = evaluate((SAMPLES / "neuron.bp").read_text())
    qs = questions(r, "backward")
    out = StringIO()
    console = make_console(out)
    console.width, console.soft_wrap = 60, False
    print_lines(console, introduction(r, ["f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"], len(qs), 2, "backward"))
    print_lines(console, score_lines(qs, 6))
    assert max(len(line) for line in out.getvalue().splitlines()) <= 60


def test_bad_input_is_exit_status_2(tmp_path):
    both = run("quiz", "-f", "-", "--at", "x=1,y=2", "--answers", "-", input="x*y\n")
    assert both.exit_code == 2 and "standard input" in both.stderr
    assert run("quiz", "-f", SIMPLE, "--answers", tmp_path / "missing.txt").exit_code == 2
    assert run("quiz", "x*y", input="").exit_code == 2  # no value for x and y
    assert run("quiz", "--seed", "-1").exit_code == 2


def test_answers_are_judged_by_significant_digits_relative_to_their_size():
    from backprop_cli.tasks.quiz import Significant

    two = Significant(2)
    assert two(-0.20, -0.19661193) and two(0.73, 0.7310586) and two(0.39, 0.39322387)
    assert not two(0, 0.00247875) and two(0.0025, 0.00247875) and not two(0.0024, 0.00247875)
    assert not two(0.41, 0.3932) and two(12000, 12345) and not two(13000, 12345)
    assert two(0, 0) and not two(1e-3, 0)
    three = Significant(3)
    assert not three(0.73, 0.7310586) and three(0.731, 0.7310586)


def test_zero_for_a_small_exp_is_wrong_twice():
    doc, _ = quiz_json("f = exp(x)", "--at", "x=-6", input="0\n0\n0\n0\n", code=0)
    assert doc["significant_digits"] == 2
    assert [q["verdict"] for q in doc["questions"]] == ["wrong", "wrong"]


def test_a_typo_is_asked_again_without_using_a_try():
    doc, _ = quiz_json("f = exp(x)", "--at", "x=-6", input="abc\n1\n0.0025\n0.0025\n", code=0)
    first = doc["questions"][0]
    assert first["answers"] == [1.0, 0.0025] and first["verdict"] == "right on retry"
    result = run("quiz", "f = exp(x)", "--at", "x=-6", input="abc\n0.0025\n0.0025\n")
    assert "'abc' is not a number: try again" in result.stdout and "score: 2 of 2" in result.stdout
    three = run("quiz", "f = exp(x)", "--at", "x=-6", "--significant", "3", input="0.0025\n0.00248\n0.00248\n")
    assert "(right on retry)" in three.stdout and "not quite" in three.stdout


@pytest.mark.parametrize("program", ["neuron.bp", "staged.bp", "gates.bp"])
def test_the_quiz_writes_each_gate_as_the_trace_does(program):
    # one printer: the quiz's "t1 = w0*x0" is the trace's, not a "w0 * x0" of its own
    trace = run("trace", "-f", SAMPLES / program).stdout
    forward = [" ".join(ln.split()) for ln in trace.split("Backward pass")[0].splitlines()]
    result = evaluate((SAMPLES / program).read_text())
    prompts = [q.prompt for q in questions(result, "forward")]
    assert prompts and all(any(ln.startswith(p + " = ") for ln in forward) for p in prompts), prompts


@pytest.mark.parametrize("digits, local", [(None, "-0.534447"), ("3", "-0.534")])
def test_the_diagnosis_and_the_working_show_the_same_digits(digits, local):
    # the diagnosis wrote -0.5344 (4 digits) beside the working's -0.534447 (6); --digits governs both
    answers = "-2\n6\n4\n1\n-1\n0.37\n1.37\n0.73\n1\n0\n"  # dt7: the upstream passed on, then wrong
    extra = ["--digits", digits] if digits else []
    out = run("quiz", "-f", SAMPLES / "neuron.bp", *extra, input=answers).stdout
    text = " ".join(out.split())
    assert f"the local gradient ∂f/∂t7 = {local} as a factor" in text, text
    assert f"dt7 = df × ∂f/∂t7 = 1 × ({local}) = {local}" in text
