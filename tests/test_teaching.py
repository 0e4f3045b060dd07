"""What a new user meets first: maths pasted from slides, one number for a script (--get), options
spelled the same everywhere, and messages that say how to fix a slip."""

import json
import math

import pytest
from hypothesis import given, settings, strategies as st

from backprop_cli import evaluate
from backprop_cli.language.normalize import normalize
from conftest import SAMPLES, run

# ---- pasted maths -------------------------------------------------------------------------


@pytest.mark.parametrize("pasted, typed", [
    ("2 × x − 3·y ÷ 4", "2 * x - 3*y / 4"),
    ("x² + y³", "x^2 + y^3"),
    ("ln(x) − ln (y)", "log(x) - log(y)"),
    ("x\u00a0⋅\u00a0y", "x*y"),
    ("(x − y)²", "(x - y)^2"),
])
def test_slide_maths_means_the_same_as_typed(pasted, typed):
    at = {"x": 1.7, "y": 0.3}
    a, b = evaluate(pasted, at), evaluate(typed, at)
    assert a.value == b.value
    assert a.gradients == b.gradients


def test_ln_is_only_the_function():
    r = evaluate("ln = x*2\nln + 1", {"x": 3})  # a name 'ln' is still a name
    assert r.value == 7


def test_errors_point_into_the_text_as_pasted():
    out = run("eval", "x² × (y −", "--at", "x=1,y=2")
    assert out.exit_code == 2
    lines = out.stderr.splitlines()
    assert lines[1] == "  x² × (y −"
    assert lines[2] == "       ^"  # the '(' in the original text
    out = run("eval", "x²² )", "--at", "x=1")
    assert out.exit_code == 2 and "1:5:" in out.stderr


_PIECES = ["x", "y", "2", " ", "+", "-", "*", "(", ")", "−", "×", "·", "÷", "²", "³", "ln(", "–"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_positions_map_back_to_the_same_characters(pieces):
    original = "".join(pieces)
    text, positions = normalize(original)
    if positions is None:
        assert text == original
        return
    for p, ch in enumerate(text):
        q = positions.original(p)
        assert 0 <= q < len(original)
        if ch == original[q]:
            continue
        # a replaced character: the original there is one of the symbols normalised
        assert original[q] in "−×·÷²³–" or "ln" in original[max(0, q - 1):q + 2]
    assert positions.original(len(text)) == len(original)


# ---- hints for maths as on paper --------------------------------------------------------------


@pytest.mark.parametrize("expr, hint", [
    ("|x| + 1", "abs(x)"),
    ("sin x + 1", "sin(x)"),
    ("x,y", "separates a call's arguments"),
    ("f(x) = x^2 + 1", "write f = x^2 + 1"),
    ("sinn(x)", "Did you mean 'sin'?"),
    ("exx(x)", "Did you mean 'exp'?"),
])
def test_paper_maths_gets_the_fix(expr, hint):
    out = run("eval", expr, "--at", "x=1,y=2")
    assert out.exit_code == 2
    assert hint in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


def test_an_expression_split_by_the_shell_is_told_to_quote():
    out = run("eval", "x", "+", "y", "--at", "x=1,y=2")
    assert out.exit_code == 2
    assert "Quote it: backprop eval 'x + y'" in out.stderr


def test_an_unclosed_parenthesis_on_an_earlier_line_is_reported_there(tmp_path):
    program = tmp_path / "p.bp"
    program.write_text("x = (a + 2\ny = x*3\n")
    out = run("eval", "-f", program, "--at", "a=1")
    assert out.exit_code == 2
    assert "p.bp:1:5: this '(' is never closed" in out.stderr
    one_line = run("eval", "x = (a + 2", "--at", "a=1")
    assert "1:5: this '(' is never closed" in one_line.stderr


# ---- eval --get ----------------------------------------------------------------------------


def test_get_prints_the_bare_number_at_full_precision():
    out = run("eval", "x*sin(x)", "--at", "x=1", "--get", "df/dx")
    assert out.exit_code == 0
    expected = math.sin(1) + math.cos(1)
    assert out.stdout == f"{expected!r}\n"
    assert float(out.stdout) == expected


def test_get_is_repeatable_and_takes_any_name():
    out = run("eval", "q = x + y\nf = q*z", "--at", "x=-2,y=5,z=-4",
              "--get", "f", "--get", "q", "--get", "df/dq", "--get", "df/dx", "--get", "z", "--get", "df/dz")
    assert out.stdout.splitlines() == ["-12", "3", "-4", "-4", "-4", "3"]


def test_get_matches_json_for_the_neuron():
    doc = json.loads(run("eval", "-f", SAMPLES / "neuron.bp", "--format", "json").stdout)
    names = list(doc["gradients"])
    out = run("eval", "-f", SAMPLES / "neuron.bp", *[a for n in names for a in ("--get", f"df/d{n}")])
    assert [float(x) for x in out.stdout.split()] == [doc["gradients"][n] for n in names]


def test_get_reads_standard_input_and_short_names():
    out = run("eval", "-", "--at", "x=2", "--get", "t1", "--get", "df/dt1", input="exp(x)*3\n")
    assert out.stdout.splitlines() == [repr(math.exp(2)), "3"]


def test_get_unknown_names_and_other_outputs_are_input_errors():
    out = run("eval", "q = x + y\nf = q*z", "--at", "x=1,y=2,z=3", "--get", "dq/dx")
    assert out.exit_code == 2 and "--of q" in out.stderr
    out = run("eval", "x*y", "--at", "x=1,y=2", "--get", "w")
    assert out.exit_code == 2 and "no value named 'w'" in out.stderr


# ---- options spelled the same everywhere ----------------------------------------------------


def test_out_writes_any_commands_result(tmp_path):
    for command in (["eval"], ["trace"], ["eval", "--format", "json"], ["graph"]):
        target = tmp_path / (f"{command[0]}.txt" if command[0] != "graph" else "graph.dot")
        out = run(*command, "-f", SAMPLES / "simple.bp", "-o", target)
        assert out.exit_code == 0, out.stderr
        assert out.stdout == ""
        piped = run(*command, "-f", SAMPLES / "simple.bp")
        assert target.read_text() == piped.stdout
    dash = run("eval", "-f", SAMPLES / "simple.bp", "--out", "-")
    assert dash.stdout == run("eval", "-f", SAMPLES / "simple.bp").stdout


def test_of_names_the_value_and_the_old_output_still_works(tmp_path):
    new = run("eval", "q = x + y\nf = q*z", "--at", "x=1,y=2,z=3", "--of", "q", "--get", "dq/dx")
    old = run("eval", "q = x + y\nf = q*z", "--at", "x=1,y=2,z=3", "--output", "q", "--get", "dq/dx")
    assert new.stdout == old.stdout == "1\n"
    # `graph --output x.dot` meant a file: it writes one
    target = tmp_path / "g.dot"
    out = run("graph", "-f", SAMPLES / "simple.bp", "--output", target)
    assert out.exit_code == 0, out.stderr
    assert target.read_text().startswith("digraph")


def test_eval_notes_a_kink_on_stderr():
    out = run("eval", "relu(x) + max(x, y)", "--at", "x=0,y=0")
    assert out.exit_code == 0
    assert "relu(x)" in out.stderr and "kink" in out.stderr and "max(x, y)" in out.stderr
    assert "kink" not in run("eval", "relu(x)", "--at", "x=1").stderr


# ---- pipes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["check", "x*sin(x)", "--at", "x=1"],
    ["eval", "-f", "samples/neuron.bp", "--format", "tree"],
    ["eval", "-f", "samples/neuron.bp"],
    ["trace", "-f", "samples/neuron.bp"],
    ["optimize", "(x-3)^2", "--at", "x=0"],
    ["graph", "-f", "samples/neuron.bp"],
])
def test_a_reader_that_leaves_early_is_not_an_error(args):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "backprop_cli.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # `| true`: the reader is gone before anything is written
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    assert b"Traceback" not in err and b"Error" not in err


@pytest.mark.parametrize("args, suggestion", [
    (["check", "x*y", "--at", "x=1,y=2", "--metod", "directions"], "'--method'"),
    (["eval", "x*y", "--att", "x=1"], "'--at'"),
    (["trace", "x*y", "--at", "x=1,y=2", "--fromat", "json"], "'--format'"),
])
def test_a_mistyped_option_is_named_with_a_suggestion_not_taken_for_a_split_expression(args, suggestion):
    result = run(*args)
    assert result.exit_code == 2
    assert "No such option" in result.stderr and suggestion in result.stderr
    assert "came in" not in result.stderr and "'--output'" not in result.stderr  # hidden: never suggested
