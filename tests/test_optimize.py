"""backprop optimize: the steps against the closed form, the stops, the table and the JSON."""

from __future__ import annotations

import json

import pytest

from backprop_cli import api
from conftest import SAMPLES, run


def optimize_json(*args):
    result = run("optimize", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_parabola_follows_the_closed_form():
    # x <- x - 0.1 * 2 (x - 3) = 0.8 x + 0.6, so x_k = 3 - 3 * 0.8^k from x_0 = 0.
    doc = optimize_json("(x-3)^2", "--at", "x=0", "--lr", "0.1", "--steps", "40")
    assert len(doc["steps"]) == 40
    for k, step in enumerate(doc["steps"]):
        x = 3 - 3 * 0.8 ** k
        assert step["step"] == k
        assert step["at"]["x"] == pytest.approx(x, rel=1e-12, abs=1e-12)
        assert step["value"] == pytest.approx((x - 3) ** 2, rel=1e-9, abs=1e-15)
        assert step["gradients"]["x"] == pytest.approx(2 * (x - 3), rel=1e-9, abs=1e-12)
    final = doc["final"]
    assert final["at"]["x"] == pytest.approx(3 - 3 * 0.8 ** 40, rel=1e-12)
    assert final["value"] == pytest.approx((3 * 0.8 ** 40) ** 2, rel=1e-9)
    assert doc["output"] == "f" and doc["wrt"] == ["x"] and doc["lr"] == 0.1


def test_wrt_moves_only_the_named_inputs():
    doc = optimize_json("(w*x - 2)^2", "--at", "w=0,x=1", "--wrt", "w", "--steps", "30")
    assert all(step["at"]["x"] == 1.0 for step in doc["steps"])
    assert set(doc["steps"][0]["gradients"]) == {"w", "x"}  # every gradient is reported
    assert doc["final"]["at"]["w"] == pytest.approx(2.0, rel=1e-2)
    assert doc["wrt"] == ["w"]


def test_all_inputs_move_by_default_and_the_value_goes_down():
    doc = optimize_json("-f", SAMPLES / "neuron.bp", "--steps", "25", "--lr", "0.5")
    assert doc["wrt"] == ["w0", "x0", "w1", "x1", "w2"]
    values = [s["value"] for s in doc["steps"]] + [doc["final"]["value"]]
    assert all(b < a for a, b in zip(values, values[1:]))
    first = doc["steps"][0]
    assert first["value"] == pytest.approx(0.7310585786300049, rel=1e-15)  # the lecture's 0.73
    assert first["gradients"]["w0"] == pytest.approx(-0.19661193324148188, rel=1e-15)
    second = doc["steps"][1]["at"]
    assert second["w0"] == pytest.approx(2 - 0.5 * first["gradients"]["w0"], rel=1e-15)


def test_wrt_accepts_commas_and_repeats():
    doc = optimize_json("-f", SAMPLES / "neuron.bp", "--wrt", "w2,w0", "--wrt", "w1", "--steps", "1")
    assert doc["wrt"] == ["w0", "w1", "w2"]  # in the program's order
    assert doc["final"]["at"]["x0"] == -1.0


def test_zero_steps_is_the_starting_point():
    doc = optimize_json("x^2", "--at", "x=2", "--steps", "0")
    assert doc["steps"] == [] and doc["final"] == {"value": 4.0, "at": {"x": 2.0}, "gradients": {"x": 4.0}}


def test_a_diverging_descent_stops_with_exit_1():
    result = run("optimize", "x^4", "--at", "x=3", "--lr", "1", "--steps", "50", "--format", "json")
    assert result.exit_code == 1
    # The steps are streamed as they come (memory does not grow with --steps): the document is
    # closed with the steps made, "final": null and the error.
    doc = json.loads(result.stdout)
    assert len(doc["steps"]) == 5 and doc["final"] is None and doc["error"].startswith("step 5: the value is not finite")
    assert "step 5: the value is not finite" in result.stderr
    assert "smaller --lr" in result.stderr
    assert result.stderr.count("Error:") == 1


def test_an_undefined_point_and_an_infinite_gradient_stop_it():
    log = run("optimize", "log(x)", "--at", "x=1", "--lr", "1", "--steps", "5")
    assert log.exit_code == 1 and "step 1" in log.stderr and "log of a non-positive number" in log.stderr
    sqrt = run("optimize", "sqrt(x)", "--at", "x=0", "--steps", "5")
    assert sqrt.exit_code == 1 and "step 0: df/dx = inf" in sqrt.stderr


def test_the_table_when_piped():
    result = run("optimize", "(x-3)^2", "--at", "x=0", "--steps", "100")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["step", "f", "x", "|grad", "f|"]
    steps = [int(line.split()[0]) for line in lines[1:] if line.strip()[:1].isdigit()
             and len(line.split()) == 4]
    assert steps == list(range(0, 101, 5))  # about 20 rows: every 5th step, and the last
    assert any(line.startswith("after 100 steps: f = ") for line in lines)
    assert "f by step" in result.stdout
    assert "\x1b[" not in result.stdout


def test_every_picks_the_rows():
    result = run("optimize", "(x-3)^2", "--at", "x=0", "--steps", "7", "--every", "3")
    rows = [line.split()[0] for line in result.stdout.splitlines()[1:5]]
    assert rows == ["0", "3", "6", "7"]


def test_the_graph_is_built_once(monkeypatch):
    calls = []
    import backprop_cli.language.program as program

    real = program.parse

    def counting(source, *args, **kwargs):
        calls.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(program, "parse", counting)
    optimize_json("(x-3)^2 + (y+1)^2", "--at", "x=0,y=0", "--steps", "30")
    assert calls.count("(x-3)^2 + (y+1)^2") == 1


@pytest.mark.parametrize("args, message, code", [
    (["x^2", "--at", "x=1", "--wrt", "y"], "no input 'y'", 2),
    (["x^2", "--at", "x=1", "--lr", "0"], "must be a positive number", 2),
    (["x^2", "--at", "x=1", "--lr", "nan"], "must be a positive number", 2),
    (["x^2*y", "--at", "x=1"], "no value for input y", 2),
    (["3"], "no inputs to optimise", 2),
])
def test_bad_options(args, message, code):
    result = run("optimize", *args)
    assert result.exit_code == code
    assert message in result.stderr


@pytest.mark.parametrize("width, digits", [(60, 4), (80, 6)])
def test_a_tensor_table_fits_a_terminal_one_number_a_cell(width, digits):
    """An array is shown by its norm, ‖W1‖ in the header, so every cell is one number as in the
    scalar table (it was '‖·‖ 0.0504346', broken across two lines at 80 columns)."""
    import io

    import numpy as np
    from rich.console import Console

    from backprop_cli.views import optimize as view

    program = api.load(file=str(SAMPLES / "spiral" / "train.bp"))
    names = ["W1", "b1", "W2", "b2"]
    history = api.descend(program.graph, program.point, names, 1.0, 2)
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system=None)
    console.print(view.table(history, names, "loss", digits))
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["step", "loss", "‖W1‖", "‖b1‖", "‖W2‖", "‖b2‖", "|grad", "loss|"]
    assert len(lines) == 1 + len(history) and all(len(line.rstrip()) <= width for line in lines)
    for line, s in zip(lines[1:], history):  # each norm whole, and right
        cells = line.split()
        assert cells[0] == str(s.step) and "…" not in line
        for name, cell in zip(names, cells[2:6]):
            assert float(cell) == pytest.approx(float(np.linalg.norm(s.at[name])), rel=10.0 ** (1 - digits))
    assert "‖W1‖ = " in view.final_line(history[-1], names, "loss", digits)
