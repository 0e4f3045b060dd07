"""backprop live's model (no terminal): every number it would show is eval's, the backward walk adds
up to eval's gradients, and saving keeps the current inputs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_cli.base.errors import InputError
from backprop_cli.live.files import export, save_program, with_defaults
from backprop_cli.core.names import short_names
from backprop_cli.live.model import FOLD_ROWS, Session
from backprop_cli.views.notation import describe
from backprop_cli.base.numbers import show

from conftest import SAMPLES, lecture_cases, run, run_json


def _eval(program: str, at: dict, *extra) -> dict:
    text = ",".join(f"{k}={v!r}" for k, v in at.items())
    return run_json("eval", program, *(["--at", text] if at else []), *extra)


@pytest.mark.parametrize("case", lecture_cases(), ids=lambda c: c["name"])
def test_rows_and_inputs_are_evals_numbers(case):
    s = Session(case["program"], {k: float(v) for k, v in case["at"].items()})
    doc = _eval(case["program"], case["at"])
    by_id = {n["id"]: n for n in doc["nodes"]}
    rows = s.rows()
    assert rows, "the graph view lists the nodes"
    for row in rows:
        assert row.value == show(by_id[row.node]["value"])
        assert row.gradient == show(by_id[row.node]["grad"])
    assert {name: grad for name, _, grad in s.inputs()} == pytest.approx(case["gradients"], abs=1e-12)
    assert s.result.value == pytest.approx(case["value"], abs=1e-12)


def test_short_names_name_the_unnamed_gates_in_order():
    s = Session("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    g = s.result.graph
    names = short_names(g)
    assert [r.name for r in s.rows()] == ["x", "y", "t1", "z", "f"]
    # the views' printer: what eval's table shows (t1*z), not a second spelling (t1 * z)
    assert describe(g, g.output, names) == "t1*z"
    assert s.rows()[-1].expression == "t1*z"
    s.full_labels = True
    assert [r.name for r in s.rows()] == ["x", "y", "x+y", "z", "f"]


def test_walk_of_the_backward_pass_adds_up_to_evals_gradients():
    s = Session((SAMPLES / "gates.bp").read_text())
    doc = _eval((SAMPLES / "gates.bp").read_text(), {})
    s.step(1)
    assert s.stepped == 1
    seen = []
    while True:
        step = s.current_step()
        seen.append(step.pattern)
        for j, _, loc, product, total in step.edges:
            i = step.node
            k = s.result.graph.args[i].index(j)
            assert loc == show(s.result.local[i][k])
            assert product.endswith(show(s.result.contrib[i][k]))
        if s.stepped == len(s.gates()):
            break
        s.step(1)
    assert any("add gate distributes" in p for p in seen)
    assert any("max gate routes" in p for p in seen)
    assert any("mul gate swaps" in p for p in seen)
    partial = s.partial_gradients()
    for name, i in s.result.graph.inputs.items():
        assert partial[i] == doc["gradients"][name]
    s.step(1)  # past the end: stays at the last step
    assert s.stepped == len(s.gates())
    s.step(-1)
    assert s.stepped == len(s.gates()) - 1


def test_before_any_step_only_the_output_has_a_gradient_and_a_branch_adds():
    s = Session("x*x + x", {"x": 3})
    s.step(1)
    s.step(-1)
    assert s.stepped == 0
    shown = {r.name: r.gradient for r in s.rows()}
    assert shown == {"x": "", "t1": "", "f": "1"}
    branches = []
    for _ in s.gates():
        s.step(1)
        branches += s.current_step().branches
    assert branches and "a branch adds" in branches[-1] and branches[-1].endswith("= 7")
    assert {r.name: r.gradient for r in s.rows()}["x"] == "7"  # d/dx (x^2 + x) = 2x + 1


def test_a_syntax_error_keeps_the_last_good_graph_and_says_evals_message():
    s = Session("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    assert not s.edit("(x+y)*")
    message = run("eval", "(x+y)*", "--at", "x=-2,y=5,z=-4").stderr
    assert s.error_text().splitlines()[0] in message
    assert "^" in s.error_text()
    assert s.result.value == -12.0  # the last good graph stays
    assert s.edit("(x+y)*z*2")
    assert s.result.value == -24.0 and s.error is None


def test_new_inputs_get_a_value_and_pinned_inputs_keep_theirs():
    s = Session("input x = 2\nx*x")
    assert s.values == {"x": 2.0}
    s.edit("input x = 3\nx*y")
    assert s.values["x"] == 3.0 and s.values["y"] == 1.0  # follows the program; y is new
    s.set_value("x", 5)
    s.edit("input x = 4\nx*y")
    assert s.values["x"] == 5.0  # changed in the app: kept


def test_nudge_moves_the_selected_input_by_the_step_and_the_step_scales():
    s = Session("x*y", {"x": 0.2, "y": 1})
    assert s.selected == "x"
    s.scale_step(0.1)
    s.nudge(1)
    assert s.values["x"] == 0.3  # not 0.30000000000000004
    s.select("y")
    s.scale_step(10)
    s.scale_step(10)
    s.nudge(-1)
    assert s.values["y"] == -9.0
    assert s.result.gradients == {"x": -9.0, "y": 0.3}


def test_a_maths_error_while_nudging_keeps_the_last_good_numbers():
    s = Session("log(x)", {"x": 1})
    s.nudge(-1)
    assert s.error is not None and "undefined" in s.error_text()
    assert s.result.value == 0.0
    s.nudge(1)
    assert s.error is None


def test_allow_nonfinite_lets_inf_and_nan_through_as_eval_does():
    s = Session("log(x)", {"x": 1}, allow_nonfinite=True)
    s.nudge(-1)
    assert s.error is None and s.result.value == -math.inf
    assert [r.value for r in s.rows()][-1] == "-inf"


def test_collapse_toggle_gives_evals_collapsed_graph():
    case = lecture_cases()[1]
    s = Session(case["program"], {k: float(v) for k, v in case["at"].items()})
    s.toggle_collapse()
    doc = _eval(case["program"], case["at"], "--collapse", "sigmoid")
    assert [r.node for r in s.rows()][-1] == doc["output"]["id"]
    assert any(r.expression.startswith("sigmoid(") for r in s.rows())
    assert s.result.gradients == doc["gradients"]


def test_a_big_graph_folds_to_the_part_around_the_selected_input():
    program = "+".join(f"x{i}*x{i + 1}" for i in range(1500))
    s = Session(program, {f"x{i}": 1.0 for i in range(1501)})
    nodes, folded = s.shown_nodes()
    assert folded and len(nodes) <= FOLD_ROWS + 1
    s.select("x700")
    near = s.shown_nodes()[0]
    assert s.result.graph.inputs["x700"] in near and s.result.graph.output in near


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-50, 50, allow_nan=False), min_size=3, max_size=3))
def test_saved_program_reads_back_with_the_current_inputs(tmp_path_factory, numbers):
    path = tmp_path_factory.mktemp("save") / "p.bp"
    source = "# a comment\ninput a = 1\ninput b = 2; c = a*b\ninput d\nc + d"
    values = dict(zip("abd", numbers))
    save_program(str(path), source, ["a", "b", "d"], values)
    doc = run_json("eval", "-f", str(path))
    assert doc["inputs"] == values
    assert path.read_text().startswith("# a comment\n")


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.bp")), ids=lambda p: p.name)
def test_saving_a_sample_unchanged_writes_it_back_byte_for_byte(sample):
    source = sample.read_text()
    s = Session(source)
    assert with_defaults(source, list(s.graph.inputs), s.values) == source


def test_with_defaults_for_an_expression():
    assert with_defaults("(x+y)*z", ["x", "y", "z"], {"x": -2.0, "y": 5.0, "z": 0.1}) == (
        "input x = -2, y = 5, z = 0.1\n(x+y)*z\n")


def test_export_writes_evals_json_and_dot(tmp_path):
    import json

    s = Session("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    export(str(tmp_path / "g.json"), s.result)
    assert json.loads((tmp_path / "g.json").read_text()) == _eval("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    export(str(tmp_path / "g.dot"), s.result)
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    with pytest.raises(InputError):
        export(str(tmp_path / "g.txt"), s.result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "g.json"]  # no temporary left


def test_a_bad_program_on_the_command_line_is_an_input_error():
    with pytest.raises(InputError):
        Session("(x+", {})


def test_values_must_be_finite():
    s = Session("x", {"x": 1})
    with pytest.raises(ValueError):
        s.set_value("x", math.inf)
