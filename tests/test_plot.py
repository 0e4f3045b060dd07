"""backprop plot: the CSV numbers against the scalar engine, the picture's gaps and notes, the errors."""

from __future__ import annotations

import math

import pytest

from backprop_cli import evaluate
from conftest import run


def csv_rows(result):
    lines = result.stdout.splitlines()
    return lines[0].split(","), [[float(v) for v in line.split(",")] for line in lines[1:]]


def test_csv_has_n_rows_matching_eval_at_every_point():
    result = run("plot", "x^2*sin(x)", "--over", "x=-3:3:61", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    header, rows = csv_rows(result)
    assert header == ["x", "f", "df/dx"]
    assert len(rows) == 61
    assert rows[0][0] == -3.0 and rows[-1][0] == 3.0 and rows[30][0] == 0.0
    for x, f, d in rows:
        r = evaluate("x^2*sin(x)", at={"x": x})
        assert f == pytest.approx(r.value, rel=1e-14, abs=1e-300)
        assert d == pytest.approx(r.gradients["x"], rel=1e-13, abs=1e-300)
        assert d == pytest.approx(2 * x * math.sin(x) + x * x * math.cos(x), rel=1e-12, abs=1e-12)


def test_csv_default_is_101_points_and_other_inputs_come_from_at():
    header, rows = csv_rows(run("plot", "w*x + b", "--over", "w=-1:1", "--at", "x=3,b=0.5",
                                "--format", "csv"))
    assert header == ["w", "f", "df/dw"] and len(rows) == 101
    assert all(d == 3.0 and f == pytest.approx(3 * w + 0.5) for w, f, d in rows)


def test_csv_kinks_as_they_are():
    _, rows = csv_rows(run("plot", "relu(x) + abs(x)", "--over", "x=-1:1:5", "--format", "csv"))
    assert rows == [[-1.0, 1.0, -1.0], [-0.5, 0.5, -1.0], [0.0, 0.0, 0.0],  # relu'(0) = abs'(0) = 0
                    [0.5, 1.0, 2.0], [1.0, 2.0, 2.0]]


def test_csv_undefined_points_hold_what_eval_allow_nonfinite_gives():
    result = run("plot", "log(x)", "--over", "x=-1:3:9", "--format", "csv")
    assert result.exit_code == 0
    _, rows = csv_rows(result)
    for x, f, d in rows:
        r = evaluate("log(x)", at={"x": x}, allow_nonfinite=True)
        assert (f == r.value or (math.isnan(f) and math.isnan(r.value)))
        assert (d == r.gradients["x"] or (math.isnan(d) and math.isnan(r.gradients["x"])))
    assert rows[2] == [0.0, -math.inf, math.inf]
    assert math.isnan(rows[0][1])
    assert "undefined at 3 of 9 points (x from -1 to 0)" in result.stderr


def test_the_picture_has_both_panels_and_names_the_kink():
    result = run("plot", "relu(x)", "--over", "x=-2:2", "--width", 70, "--height", 24)
    assert result.exit_code == 0, result.stderr
    assert "f = relu(x)" in result.stdout and "df/dx" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour
    assert "kink at x = 0: relu(x) is not differentiable there" in result.stdout
    assert "relu'(0) = 0" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


def panel_rows(text: str, panel: int) -> list:
    """The canvas rows of a panel (0: f, 1: df/dx): the text between the frame's sides."""
    lines = text.splitlines()
    tops = [k for k, line in enumerate(lines) if "┌" in line]
    bottoms = [k for k, line in enumerate(lines) if "└" in line]
    rows = lines[tops[panel] + 1:bottoms[panel]]
    left = lines[tops[panel]].index("┌") + 1
    return [row[left:left + lines[tops[panel]].index("┐") - left] for row in rows]


def has_points(rows, lo: float, hi: float) -> bool:
    width = len(rows[0])
    return any("\u2800" < ch <= "\u28ff" for row in rows for ch in row[int(lo * width):int(hi * width)])


def test_undefined_points_are_gaps():
    result = run("plot", "log(x)", "--over", "x=-1:3", "--width", 80, "--height", 30)
    assert result.exit_code == 0
    for panel in (0, 1):
        rows = panel_rows(result.stdout, panel)
        # x from -1 to 0 is the first quarter of the axis: nothing drawn there, something after.
        assert not has_points(rows, 0.0, 0.2), "\n".join(rows)
        assert has_points(rows, 0.3, 1.0)
    assert "log(x)" in result.stdout and "gaps in both panels" in result.stdout


def test_a_range_where_nothing_is_defined_still_draws():
    result = run("plot", "log(x)", "--over", "x=-3:-1", "--width", 60, "--height", 20)
    assert result.exit_code == 0
    assert "undefined everywhere on the range" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--over", "x"], "no input name before '='"),
    (["--over", "x=1"], "expected FROM:TO"),
    (["--over", "x=2:1"], "from a smaller to a larger"),
    (["--over", "x=0:1:1"], "must be 2 to"),
    (["--over", "x=0:1:ten"], "not a whole number"),
    (["--over", "x=0:y"], "not a constant"),
    (["--over", "q=0:1"], "has no input 'q'"),
])
def test_bad_ranges_exit_2(args, message):
    result = run("plot", "x*y", *args, "--at", "y=1")
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_inputs_exit_2_with_a_hint():
    result = run("plot", "x*y + z", "--over", "x=0:1")
    assert result.exit_code == 2
    assert "no value for inputs y, z" in result.stderr and "--at y=1,z=1" in result.stderr


def test_over_constants_and_at_for_the_range_input():
    result = run("plot", "sin(x)", "--over", "x=-pi:pi:3", "--at", "x=1", "--format", "csv")
    assert result.exit_code == 0
    _, rows = csv_rows(result)
    assert [r[0] for r in rows] == [-math.pi, 0.0, math.pi]
    assert "--at x ignored" in result.stderr
