"""check --expect and check --grad: a student's numbers and formulas against backprop's."""

from __future__ import annotations

import json

import pytest

from backprop_cli.tasks.check.own_work import compare, rounding
from conftest import SAMPLES, lecture_cases, run

SIMPLE = ("(x+y)*z", "--at", "x=-2,y=5,z=-4")


def test_right_numbers_pass_and_a_wrong_one_fails_with_the_right_value():
    ok = run("check", *SIMPLE, "--expect", "dx=-4,dy=-4,dz=3", "--expect", "f=-12")
    assert ok.exit_code == 0 and "all 4 numbers right" in ok.stdout
    bad = run("check", *SIMPLE, "--expect", "dx=-4,dy=4,dz=3", "--format", "json")
    assert bad.exit_code == 1
    doc = json.loads(bad.stdout)
    dy = next(c for c in doc["checks"] if c["name"] == "dy")
    assert dy == {"name": "dy", "given": 4.0, "expected": -4.0, "difference": 8.0, "verdict": "wrong",
                  "tolerance": 4e-6}  # relative 1e-6 of |-4|
    assert doc["right"] == 2 and not doc["passed"]


def test_the_lecture_numbers_to_two_decimals_are_close():
    case = next(c for c in lecture_cases() if c["name"] == "cs231n-neuron")
    expect = ",".join(f"d{k}={v:.2f}" for k, v in case["gradients"].items()) + f",f={case['value']:.2f}"
    result = run("check", "-f", SAMPLES / "neuron.bp", "--expect", expect)
    assert result.exit_code == 0, result.stdout
    assert "dw0 = -0.20: close to -0.19661193 (within 0.005, the digits given)" in result.stdout
    # ... but 0.20 for -0.20 is wrong, digits or not
    result = run("check", "-f", SAMPLES / "neuron.bp", "--expect", "dw0=0.20")
    assert result.exit_code == 1 and "WRONG" in result.stdout


def test_rounding_tolerance_comes_from_the_digits_written():
    assert rounding("0.73") == pytest.approx(0.005)
    assert rounding("-1.5e-3") == pytest.approx(0.5e-4)
    assert rounding("4") == 0 and rounding("pi/4") == 0
    assert compare("f", 3.0, 3.4, 1e-6, "3").verdict == "wrong"
    assert compare("f", 0.1 + 0.2, 0.3, 1e-6).verdict == "equal"


def test_gradients_of_named_nodes_and_unknown_names():
    ok = run("check", "-f", SAMPLES / "simple.bp", "--expect", "dq=-4,q=3")
    assert ok.exit_code == 0
    bad = run("check", *SIMPLE, "--expect", "dw=1")
    assert bad.exit_code == 2 and "no value or gradient called 'dw'" in bad.stderr
    bad = run("check", *SIMPLE, "--expect", "dx")
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.stderr


def test_formulas_right_and_wrong():
    args = ("x^2*sin(x)", "--at", "x=1")
    ok = run("check", *args, "--grad", "dx = 2*x*sin(x) + x^2*cos(x)")
    assert ok.exit_code == 0 and "equal" in ok.stdout
    bad = run("check", *args, "--grad", "dx = 2*x*cos(x)")
    assert bad.exit_code == 1 and "WRONG" in bad.stdout
    unknown = run("check", *args, "--grad", "dx = 2*y")
    assert unknown.exit_code == 2 and "'y'" in unknown.stderr


def test_formula_file_and_never_eval(tmp_path):
    path = tmp_path / "grads.txt"
    path.write_text("# my answers\ndx = dq\ndy = z*1\ndz = q\n")
    assert run("check", "-f", SAMPLES / "simple.bp", "--grad-file", path).exit_code == 2  # dq: a formula uses values, not gradients
    path.write_text("dx = z\ndy = z  # add gate\ndz = x + y\n")
    assert run("check", "-f", SAMPLES / "simple.bp", "--grad-file", path).exit_code == 0
    evil = run("check", "x", "--at", "x=1", "--grad", "dx = __import__('os')")
    assert evil.exit_code == 2 and "Traceback" not in evil.stderr


def test_formulas_over_a_range_report_the_first_point_that_differs():
    ok = run("check", "x^2*sin(x)", "--grad", "dx = 2*x*sin(x) + x^2*cos(x)", "--over", "x=-3:3",
             "--format", "json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["checks"][0]["differ"] == 0
    # right only where x*sin(x) = 0: the first point of the range differs
    bad = run("check", "x^2*sin(x)", "--grad", "dx = x^2*cos(x)", "--over", "x=-3:3:7", "--format", "json")
    assert bad.exit_code == 1
    c = json.loads(bad.stdout)["checks"][0]
    assert c["points"] == 7 and c["differ"] == 6 and c["first"]["x"] == -3
    # a formula right on [0, 1] and wrong beyond: the first differing point is reported
    bad = run("check", "relu(x)", "--grad", "dx = 1", "--over", "x=-1:1:5")
    assert bad.exit_code == 1 and "first at x = -1" in bad.stdout and "3 of 5 points" in bad.stdout  # relu'(0) = 0 too


def test_over_needs_formulas_and_one_mode_at_a_time():
    assert run("check", *SIMPLE, "--over", "x=0:1").exit_code == 2
    assert run("check", *SIMPLE, "--expect", "dx=-4", "--grad", "dx = z").exit_code == 2


def test_the_outputs_in_the_docs_are_current():
    """docs/check-your-work.md pastes real output: each check command there still prints it."""
    import re
    import shlex

    from conftest import ROOT

    doc = (ROOT / "docs" / "check-your-work.md").read_text()
    # a block's output stops at its closing fence; "(exit status N)", when there, is checked too
    blocks = re.findall(r"```console\n\$ (backprop check[^\n]*)\n((?:(?!```).)*?)(?:\n\(exit status (\d)\))?\n```", doc, re.S)
    assert len(blocks) >= 10
    for command, shown, code in blocks:
        result = run(*shlex.split(command)[1:], env={"COLUMNS": "100"})  # as tools/update_readme.py runs them
        assert not code or result.exit_code == int(code), command
        assert result.stdout.strip() in shown, command
