"""backprop check with many inputs: the numpy evaluator agrees with the scalar one, random directions
catch what input-by-input checking catches, big checks stay fast and bounded, and the view stays short."""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import HealthCheck, example, given, settings

from backprop_cli import evaluate
from backprop_cli.tasks.check import numeric as check_module
from backprop_cli.tasks.check import points as check_points
from backprop_cli.tasks.check.numeric import check
from conftest import run
from random_programs import finite_result, points, programs


def _with_engine(monkeypatch, arrays: bool):
    monkeypatch.setattr(check_module, "SCALAR_WORK", -1 if arrays else 10**18)


def _both(result, **kwargs):
    saved = check_module.SCALAR_WORK
    try:
        check_module.SCALAR_WORK = 10**18
        scalar = check(result, **kwargs)
        check_module.SCALAR_WORK = -1
        arrays = check(result, **kwargs)
    finally:
        check_module.SCALAR_WORK = saved
    return scalar, arrays


def _same(scalar, arrays, source=""):
    for a, b in zip(scalar.inputs, arrays.inputs):
        assert (a.name, a.status, a.node, a.step) == (b.name, b.status, b.node, b.step), (source, a, b)
        assert a.backprop == b.backprop
        # numpy's elementary functions may differ from libm's in the last bit
        assert a.numeric == pytest.approx(b.numeric, rel=1e-6, abs=1e-9) or a.status != "pass", (source, a, b)


# Found by Hypothesis: a positive base to a power whose exponent is 0 at the point was taken for a
# kink (pow's pieces), the step made 65,536 times smaller, and numpy's last bit then moved the numbers.
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), points())
@example("a = 3^1.5^(max(x, y, y))\n3^1.5^(x)", {"x": 0.0, "y": 0.0, "z": 1.0})
@example("1.5^x", {"x": 0.0, "y": 0.0, "z": 0.0})
def test_the_array_evaluator_agrees_with_the_scalar_one(source, point):
    r = finite_result(source, point)
    if r is None:
        return
    _same(*_both(r), source)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), points())
@example("-2^3^(-(x - 2))", {"x": 0.0, "y": 0.0, "z": 1.0})
@example("a = -0^(0)\n-y^(y)", {"x": 0.5, "y": 2.0, "z": 2.0})
@example("a = -x^0.5\n-tanh(2)^(--x)", {"x": 0.0, "y": 1.0, "z": 0.0})
@example("a = tanh(min(y, y))\npi^(y)", {"x": 0.0, "y": 1.0, "z": 0.0})
@example("a = -0.5^(0.5)\n2^(x)", {"x": 0.0, "y": 0.0, "z": 0.0})
def test_directions_agree_between_evaluators_and_never_fail_a_right_gradient(source, point):
    r = finite_result(source, point)
    if r is None:
        return
    scalar, arrays = _both(r, method="directions", directions=4)
    _same(scalar, arrays, source)
    assert scalar.passed, [(c.name, c.backprop, c.numeric, c.note) for c in scalar.inputs]


def _sum_program(n: int, seed: int = 1) -> tuple:
    rng = random.Random(seed)
    at = {f"x{k}": round(rng.uniform(-2, 2), 3) for k in range(n)}
    source = " + ".join(f"sin(x{k})*x{(k + 1) % n}" for k in range(n))
    return source, at


def test_a_planted_wrong_gradient_among_many_inputs_is_named(monkeypatch):
    source, at = _sum_program(400)
    r = evaluate(source, at=at)
    r.grads[r.graph.inputs["x123"]] *= -1  # a sign error in one input's gradient
    for arrays in (False, True):
        _with_engine(monkeypatch, arrays)
        report = check(r)
        assert [c.name for c in report.failures] == ["x123"]
        # along random directions the error shows in every direction (x123 moves in all of them)
        report = check(r, method="directions", directions=5)
        assert len(report.failures) == 5


def test_kinks_among_many_inputs_match_the_scalar_check(monkeypatch):
    n = 300
    at = {f"x{k}": (0.0 if k % 7 == 0 else round(0.01 * k - 1.5, 3)) for k in range(n)}
    source = " + ".join(f"relu(x{k})*x{(k + 1) % n} + abs(x{k} - 1e-9)" for k in range(n))
    r = evaluate(source, at=at)
    scalar, arrays = _both(r)
    _same(scalar, arrays)
    assert {c.status for c in scalar.inputs} >= {"pass", "kink"}


@pytest.mark.slow
def test_ten_thousand_inputs_are_checked_input_by_input_on_arrays(tmp_path):
    """The issue's case: 171 s before (one scalar forward pass per perturbed point)."""
    source, at = _sum_program(10_000)
    path = tmp_path / "many.bp"
    path.write_text("input " + ", ".join(f"{k} = {v}" for k, v in at.items()) + "\nf = " + source + "\n")
    result = run("check", "-f", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["probes"] == "each input" and len(doc["checks"]) == 10_000 and doc["passed"]
    # the same numbers as the scalar engine, checked on a sample
    r = evaluate(source, at=at)
    for c in doc["checks"][::997]:
        h = c["step"]
        k = int(c["input"][1:])
        x, up, down = at[c["input"]], dict(at), dict(at)
        up[c["input"]], down[c["input"]] = x + h, x - h
        assert c["backprop"] == r.gradients[c["input"]]
        expected = (math.sin(x + h) - math.sin(x - h)) * at[f"x{(k + 1) % 10_000}"] \
            + (x + h - (x - h)) * math.sin(at[f"x{(k - 1) % 10_000}"])
        assert c["numeric"] == pytest.approx(expected / (2 * h), rel=1e-6)


def test_too_big_a_program_is_checked_along_random_directions(monkeypatch):
    source, at = _sum_program(50)
    monkeypatch.setattr(check_module, "EACH_INPUT_WORK", 100)
    r = evaluate(source, at=at)
    assert check_module.choose_method(r) == "directions"
    report = check(r)
    assert report.method == "16 random directions" and len(report.inputs) == 16 and report.passed
    for c in report.inputs:
        assert c.value is None and c.name.startswith("direction ")


def test_the_command_says_when_it_checks_along_directions(tmp_path):
    source, at = _sum_program(60)
    args = ["check", source, "--at", ",".join(f"{k}={v}" for k, v in at.items())]
    result = run(*args, "--method", "directions", "--directions", "5", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    assert "checked along 5 random directions" in " ".join(result.stdout.split())
    assert "the gradient passes along all 5 directions" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    doc = json.loads(run(*args, "--method", "directions", "--directions", "3", "--format", "json").stdout)
    assert doc["probes"] == "3 random directions" and doc["directions"]["seed"] == 0
    assert [c["input"] for c in doc["checks"]] == ["direction 1", "direction 2", "direction 3"]
    assert all(c["value"] is None for c in doc["checks"])
    # the seed picks the directions: the same seed, the same numbers
    again = json.loads(run(*args, "--method", "directions", "--directions", "3", "--format", "json").stdout)
    other = json.loads(run(*args, "--method", "directions", "--directions", "3", "--format", "json",
                           "--seed", "7").stdout)
    assert again["checks"] == doc["checks"] and other["checks"] != doc["checks"]


def test_a_long_check_table_shows_what_matters(monkeypatch):
    source, at = _sum_program(200)
    at_text = ",".join(f"{k}={v}" for k, v in at.items())
    result = run("check", source + " + relu(x5 - x5)", "--at", at_text, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) < 60
    assert "x5 " in result.stdout and "kink" in result.stdout  # the one that did not pass is shown
    assert "more inputs that pass" in result.stdout and "(200 inputs)" in result.stdout
    doc = json.loads(run("check", source, "--at", at_text, "--format", "json").stdout)
    assert len(doc["checks"]) == 200


def test_chunks_are_bounded_by_memory_not_by_the_number_of_inputs():
    source, at = _sum_program(2_000)
    r = evaluate(source, at=at)
    runs = check_points._ArrayRuns(r, [], [])
    assert check_points.MIN_ROWS <= runs.rows <= check_points.MAX_ROWS
    wide = evaluate("+".join(f"x{k}" for k in range(2_000)), at={f"x{k}": 1.0 for k in range(2_000)})
    probe = check_module.Probe("direction 1", None, 0.0, None, (0, 0))
    runs = check_points._ArrayRuns(wide, [], [probe])
    # along directions every input is a column: rows x inputs x 8 bytes within the budget
    assert runs.rows * 2_000 * 8 <= check_points.MEMORY_BUDGET


def test_progress_only_grows_and_ends_full(monkeypatch):
    source, at = _sum_program(300)
    r = evaluate(source, at=at)
    seen = []
    _with_engine(monkeypatch, True)
    check(r, progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and all(0 < f <= 1 for f in seen)
