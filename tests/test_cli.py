"""The command line through click's runner: formats, inputs, streams, flags."""

import json

import pytest

from conftest import SAMPLES, run, run_json


def test_table_lists_every_node_then_the_output_and_gradients():
    result = run("eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "node", "op", "value", "gradient"]
    assert lines[2].split() == ["0", "x", "input", "-2", "-4"]
    assert lines[4].split() == ["2", "t1", "=", "x", "+", "y", "add", "3", "-4"]
    assert lines[6].split() == ["4", "f", "=", "t1*z", "mul", "-12", "1"]
    assert lines[-4:] == ["f = -12", "df/dx = -4", "df/dy = -4", "df/dz = 3"]


def test_table_full_labels_and_constants_without_a_gradient():
    result = run("eval", "(x+y)*z + 2", "--at", "x=-2,y=5,z=-4", "--labels", "full")
    lines = result.stdout.splitlines()
    assert lines[6].split() == ["4", "(x+y)*z", "mul", "-12", "1"]
    assert lines[7].split() == ["5", "2", "const", "2"]  # no gradient shown for a constant
    doc = run_json("eval", "(x+y)*z + 2", "--at", "x=-2,y=5,z=-4")
    assert doc["nodes"][5]["grad"] == 1.0  # JSON keeps it


def test_plain_text_when_piped_and_no_colour_codes():
    result = run("eval", "x*y", "--at", "x=2,y=3")
    assert "\x1b[" not in result.stdout


def test_colour_can_be_forced_and_no_color_wins():
    forced = run("eval", "x*y", "--at", "x=2,y=3", env={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert "\x1b[32m" in forced.stdout and "\x1b[31m" in forced.stdout  # values green, gradients red
    plain = run("eval", "x*y", "--at", "x=2,y=3", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[3" not in plain.stdout


def test_digits_changes_what_people_read_not_json():
    result = run("eval", "x/3", "--at", "x=1", "--digits", "10")
    assert "0.3333333333" in result.stdout
    doc = run_json("eval", "x/3", "--at", "x=1", "--digits", "2")
    assert doc["output"]["value"] == 1 / 3


def test_json_schema():
    doc = run_json("eval", "q = x + y\nf = q * z", "--at", "x=-2,y=5,z=-4")
    assert doc["output"] == {"name": "f", "id": 4, "value": -12}
    assert doc["inputs"] == {"x": -2, "y": 5, "z": -4}
    assert list(doc["gradients"].items()) == [("x", -4), ("y", -4), ("z", 3)]
    assert doc["nodes"][2] == {"id": 2, "op": "add", "label": "q", "inputs": [0, 1], "value": 3,
                               "grad": -4, "local": [1, 1]}
    assert doc["nodes"][4]["local"] == [-4, 3]
    assert doc["warnings"] == []


def test_json_is_strict_and_no_nodes_leaves_the_list_out():
    result = run("eval", "sqrt(x)", "--at", "x=0", "--format", "json", "--no-nodes")

    def refuse(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    doc = json.loads(result.stdout, parse_constant=refuse)
    assert "nodes" not in doc and doc["gradients"]["x"] == "inf"


def test_gradients_are_in_order_of_first_appearance():
    doc = run_json("eval", "z*y + x", "--at", "x=1,y=2,z=3")
    assert list(doc["gradients"]) == ["z", "y", "x"]


def test_at_repeated_and_constant_expressions():
    doc = run_json("eval", "sin(x)*y", "--at", "x=pi/2", "--at", "y=max(1,2)")
    assert doc["output"]["value"] == pytest.approx(2.0)
    assert doc["inputs"] == {"x": pytest.approx(1.5707963267948966), "y": 2}


def test_unused_at_name_is_a_warning_not_an_error():
    result = run("eval", "x*2", "--at", "x=1,w=3", "--format", "json")
    assert result.exit_code == 0
    assert "Warning: --at w: the program has no input of that name" in result.stderr
    assert json.loads(result.stdout)["gradients"] == {"x": 2}


def test_expression_starting_with_a_minus_works_as_typed():
    doc = run_json("eval", "-x^2", "--at", "x=3")
    assert doc["output"]["value"] == -9 and doc["gradients"] == {"x": -6}
    doc = run_json("eval", "--at", "x=3", "-2*x")
    assert doc["gradients"] == {"x": -2}
    result = run("eval", "-x^2", "--at", "x=3")
    assert result.exit_code == 0 and "f = -9" in result.stdout


def test_expression_from_stdin_and_program_file_from_stdin():
    doc = run_json("eval", "-", "--at", "x=2", input="x^2 + 3*x\n")
    assert doc["output"]["value"] == 10 and doc["gradients"] == {"x": 7}
    doc = run_json("eval", "-f", "-", input="input x = 2\nf = x^3\n")
    assert doc["gradients"] == {"x": 12}


def test_program_file_with_defaults_and_at_overrides(tmp_path):
    doc = run_json("eval", "-f", SAMPLES / "simple.bp", "--at", "z=2")
    assert doc["output"]["value"] == 6 and doc["gradients"]["z"] == 3


def test_output_picks_another_name():
    doc = run_json("eval", "-f", SAMPLES / "staged.bp", "--output", "den")
    assert doc["output"]["name"] == "den"
    assert doc["output"]["value"] == pytest.approx(1.0 + 1 / (1 + 2.718281828459045 ** -3))


def test_version_and_help_lead_with_examples():
    from backprop_cli import __version__

    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.stdout
    top = run("--help").stdout
    assert top.splitlines()[2].strip().startswith("backprop eval")
    sub = run("eval", "--help").stdout
    assert sub.splitlines()[2].strip().startswith("backprop eval")
    assert "--at" in sub and "--format" in sub


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts(shell):
    result = run(env={"_BACKPROP_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0
    assert "_BACKPROP_COMPLETE" in result.stdout


def test_completion_offers_commands_and_options():
    result = run(env={"_BACKPROP_COMPLETE": "bash_complete", "COMP_WORDS": "backprop ev",
                      "COMP_CWORD": "1"})
    assert "eval" in result.stdout
    result = run(env={"_BACKPROP_COMPLETE": "bash_complete", "COMP_WORDS": "backprop eval --fo",
                      "COMP_CWORD": "2"})
    assert "--format" in result.stdout


def test_api_is_importable_without_the_cli():
    from backprop_cli import evaluate

    r = evaluate("x*y", at={"x": "pi", "y": 2})
    assert r.gradients["y"] == pytest.approx(3.141592653589793)


def test_a_mistyped_command_suggests_the_nearest():
    result = run("evl", "x")
    assert result.exit_code == 2
    assert "No such command 'evl'. Did you mean 'eval'?" in result.stderr
