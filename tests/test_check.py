"""backprop check: finite differences against backprop, kinks flagged, real failures caught."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings

from backprop_cli import evaluate
from backprop_cli.tasks.check.numeric import STEP_FACTOR, check
from backprop_cli.core.ops import GATES
from conftest import SAMPLES, lecture_cases, run
from random_programs import finite_result, points, programs

SAMPLE_FILES = sorted(SAMPLES.glob("*.bp"))


def check_json(*args, code=0):
    result = run("check", *args, "--format", "json")
    assert result.exit_code == code, result.stderr
    return json.loads(result.stdout), result


def statuses(doc) -> dict:
    return {c["input"]: c["status"] for c in doc["checks"]}


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_every_sample_passes(path):
    doc, _ = check_json("-f", path)
    assert doc["passed"] and set(statuses(doc).values()) == {"pass"}
    for c in doc["checks"]:
        assert c["relative_error"] < 1e-8
        assert c["step"] == pytest.approx(STEP_FACTOR * max(1.0, abs(c["value"])))


def test_the_lecture_neuron_numbers_and_the_rule_are_shown():
    case = next(c for c in lecture_cases() if c["name"] == "cs231n-neuron")
    at = ",".join(f"{k}={v}" for k, v in case["at"].items())
    result = run("check", case["program"], "--at", at, env={"COLUMNS": "100"})
    assert result.exit_code == 0
    out = result.stdout
    flat = " ".join(out.split())  # the notes wrap to the terminal's width
    assert "h = eps^(1/3) * max(1, |x|)" in flat and "6.055e-6" in out
    assert "ok when <= 1e-6 (--tolerance)" in flat
    assert "all 5 gradients pass" in out
    for name, grad in case["gradients"].items():
        line = next(line for line in out.splitlines() if line.startswith(name + " "))
        assert f"{grad:.4f}"[:6] in line and line.rstrip().endswith("ok")


def test_numeric_derivatives_are_accurate_centred_differences():
    r = evaluate("sin(x)*y", at={"x": 0.3, "y": 2.0})
    report = check(r)
    x = report.inputs[0]
    h = STEP_FACTOR
    assert x.step == h
    assert x.numeric == pytest.approx((math.sin(0.3 + h) - math.sin(0.3 - h)) * 2 / (2 * h), rel=1e-9)
    assert abs(x.numeric - 2 * math.cos(0.3)) < 1e-9
    assert x.numeric_error < 1e-8


@pytest.mark.parametrize("expr, at, kinked", [
    ("relu(x)*y", "x=0,y=2", {"x"}),
    ("abs(x) + y", "x=0,y=1", {"x"}),
    ("max(x, y)*z", "x=1,y=1,z=3", {"x", "y"}),
    ("min(x, 2*y)", "x=2,y=1", {"x", "y"}),
    ("relu(x - y) + z", "x=1,y=1,z=0", {"x", "y"}),
])
def test_kinks_are_flagged_and_are_not_failures(expr, at, kinked):
    doc, result = check_json(expr, "--at", at)
    assert doc["passed"]
    assert {n for n, s in statuses(doc).items() if s == "kink"} == kinked
    assert {s for n, s in statuses(doc).items() if n not in kinked} <= {"pass"}
    table = run("check", expr, "--at", at)
    assert table.exit_code == 0 and "kink" in table.stdout


def test_a_kink_closer_than_the_step_makes_the_step_smaller_and_still_checks():
    doc, _ = check_json("relu(x - 1e-9)*y + x", "--at", "x=0,y=2")
    c = next(c for c in doc["checks"] if c["input"] == "x")
    assert c["status"] == "pass" and c["step"] < 1e-9
    assert "near a kink" in c["note"] and c["node"]["op"] == "relu"


def test_a_kink_closer_than_any_step_is_near_a_kink_not_a_failure():
    doc, result = check_json("relu(x - 1e-15)", "--at", "x=0")
    assert statuses(doc) == {"x": "near-kink"} and doc["passed"]
    assert "near a kink" in run("check", "relu(x - 1e-15)", "--at", "x=0").stdout


def _broken(monkeypatch, name, local):
    monkeypatch.setitem(GATES, name, GATES[name].replace(local=local))


def test_a_wrong_local_gradient_fails_with_exit_1_and_one_message(monkeypatch):
    _broken(monkeypatch, "sin", lambda out, a: (-math.cos(a),))  # the sign is wrong
    result = run("check", "sin(x)*y", "--at", "x=0.5,y=2")
    assert result.exit_code == 1
    assert "FAIL" in result.stdout
    assert result.stderr.startswith("Error: gradient check failed for x: relative error")
    assert "Traceback" not in result.stderr


def test_a_slightly_wrong_gradient_is_caught(monkeypatch):
    _broken(monkeypatch, "exp", lambda out, a: (out * (1 + 1e-5),))
    doc, _ = check_json("exp(x)", "--at", "x=1.3", code=1)
    assert statuses(doc) == {"x": "fail"} and not doc["passed"]


def test_a_wrong_gradient_next_to_a_kink_is_not_excused(monkeypatch):
    _broken(monkeypatch, "relu", lambda out, a: (2.0 if a > 0 else 0.0,))
    # The kink is 1e-9 away: closer than the default step, but a smaller step still sees the slope.
    doc, _ = check_json("relu(x - 1e-9)", "--at", "x=0.5", code=1)
    assert statuses(doc) == {"x": "fail"}
    doc, _ = check_json("relu(x)", "--at", "x=1e-7", code=1)
    assert statuses(doc) == {"x": "fail"}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), points())
def test_random_programs_never_fail(source, point):
    r = finite_result(source, point)
    if r is None:
        return
    report = check(r)
    assert report.passed, [(c.name, c.backprop, c.numeric, c.numeric_error, c.note) for c in report.inputs]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(kinks=False), points())
def test_random_programs_with_a_broken_op_are_caught(source, point):
    if "exp(" not in source:
        return
    saved = GATES["exp"]
    try:
        try:
            good = evaluate(source, at=point)
        except Exception:
            return
        GATES["exp"] = saved.replace(local=lambda out, a: (2 * out,))
        bad = evaluate(source, at=point)
    finally:
        GATES["exp"] = saved
    changed = [n for n in good.gradients
               if not math.isclose(good.gradients[n], bad.gradients[n], rel_tol=1e-3, abs_tol=1e-6)]
    if not changed:
        return  # the broken gradient does not reach any input here
    report = check(bad)
    statuses_ = {c.name: c.status for c in report.inputs}
    for name in changed:
        assert statuses_[name] != "pass", (source, point, name)


def test_the_graph_is_parsed_once(monkeypatch):
    import backprop_cli.language.program as program

    calls = []
    real = program.parse

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(program, "parse", counting)
    result = run("check", "x*y*z + sin(x)", "--at", "x=1,y=2,z=3")
    assert result.exit_code == 0
    assert calls.count("x*y*z + sin(x)") == 1


def test_tolerance_is_used_and_shown():
    doc, _ = check_json("exp(x)", "--at", "x=1", "--tolerance", "1e-3")
    assert doc["tolerance"] == 1e-3
    assert "ok when <= 0.001" in run("check", "exp(x)", "--at", "x=1", "--tolerance", "1e-3").stdout
    result = run("check", "x", "--at", "x=1", "--tolerance", "-1")
    assert result.exit_code == 2 and ">= 0" in result.stderr


def test_json_is_strict_and_complete():
    doc, result = check_json("sqrt(x)", "--at", "x=0")
    json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    c = doc["checks"][0]
    assert set(c) >= {"input", "value", "step", "backprop", "numeric", "numeric_error", "relative_error",
                      "status", "node", "note"}
    assert c["status"] == "inconclusive" and c["backprop"] == "inf"
    assert doc["method"]["step"] == "h = eps^(1/3) * max(1, |x|)"


def test_undefined_points_and_bad_input_exit_as_eval_does():
    assert run("check", "log(x)", "--at", "x=-1").exit_code == 1
    assert run("check", "x +", "--at", "x=1").exit_code == 2
    assert run("check", "x*y", "--at", "x=1").exit_code == 2


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_table_fits_and_never_cuts_a_number(width):
    result = run("check", "x*sin(x)+y^2", "--at", "x=1,y=2", "--digits", "12", env={"COLUMNS": str(width)})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in result.stdout
    assert "1.38177329068" in result.stdout  # the backprop gradient of x, whole
    assert any(line.split()[:1] == ["result"] or "result" in line.split() for line in lines)
