"""Where features meet, as a script writer and a new user type them (the sweep of issue 22): each
test is a run that once gave a wrong suggestion, dropped a result without a word, or printed
something a script could not read."""

from __future__ import annotations

import pytest

from conftest import run


def test_a_space_after_the_comma_of_at_suggests_one_comma():
    result = run("eval", "x*y", "--at", "x=1,", "y=2")
    assert result.exit_code == 2
    assert "Write --at x=1,y=2 " in result.stderr and ",," not in result.stderr


def test_npz_holds_the_second_order_results_under_the_names_get_takes(tmp_path):
    import numpy as np

    out = tmp_path / "h.npz"
    result = run("eval", "x^2*y", "--at", "x=1,y=2", "--hessian", "--jvp", "x=1", "--hvp", "x=1,y=0", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    found = dict(np.load(out))
    # f = x^2 y: d2f/dx2 = 2y, d2f/dxdy = 2x, d2f/dy2 = 0; J.v along x is df/dx = 2xy; H.v = (2y, 2x)
    assert {k: float(v) for k, v in found.items() if k.startswith(("d2f", "jvp", "hvp"))} == {
        "d2f/dx2": 4.0, "d2f/dxdy": 2.0, "d2f/dydx": 2.0, "d2f/dy2": 0.0, "jvp": 4.0, "hvp/x": 4.0, "hvp/y": 2.0}
    for name in ("d2f/dx2", "d2f/dxdy", "d2f/dy2"):  # the same numbers --get prints
        got = run("eval", "x^2*y", "--at", "x=1,y=2", "--get", name)
        assert float(got.stdout) == float(found[name])


def test_npz_holds_a_tensor_programs_hvp(tmp_path):
    import numpy as np

    out = tmp_path / "t.npz"
    result = run("eval", "sum(square(W @ x))", "--at", "W=[[1,2],[3,4]],x=[1,-1]",
                 "--hvp", "W=[[1,0],[0,0]],x=[0,0]", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    found = np.load(out)
    W, x, dW = np.array([[1.0, 2], [3, 4]]), np.array([1.0, -1]), np.array([[1.0, 0], [0, 0]])
    # grad_W = 2 (Wx) x^T, grad_x = 2 W^T (Wx): their derivatives along (dW, 0)
    assert np.allclose(found["hvp/W"], 2 * np.outer(dW @ x, x))
    assert np.allclose(found["hvp/x"], 2 * dW.T @ (W @ x) + 2 * W.T @ (dW @ x))


def test_latex_refuses_second_order_rather_than_dropping_it():
    for extra in (["--hessian"], ["--jvp", "x=1"], ["--hvp", "x=1,y=0"]):
        result = run("eval", "x^2*y", "--at", "x=1,y=2", "--format", "latex", *extra)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.count("Error:") == 1 and "--format latex" in result.stderr


def test_a_json_or_tex_out_name_with_another_format_is_refused(tmp_path):
    runs = [("eval", "x", "--at", "x=1"), ("trace", "x", "--at", "x=1"), ("check", "x", "--at", "x=1"),
            ("optimize", "x^2", "--at", "x=1", "--steps", "2"), ("diff", "x^2", "--wrt", "x"),
            ("codegen", "x^2"), ("gates",), ("quiz", "x*y", "--at", "x=2,y=3", "--answers", "/dev/null"),
            ("plot", "x^2", "--over", "x=-1:1:5")]
    for args in runs:
        path = tmp_path / "out.json"
        result = run(*args, "-o", str(path))
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.count("Error:") == 1 and "a .json file" in result.stderr
        assert not path.exists()
    tex = run("check", "x", "--at", "x=1", "-o", str(tmp_path / "out.tex"))
    assert tex.exit_code == 2 and "writes no LaTeX" in tex.stderr
    latex = run("eval", "x", "--at", "x=1", "--format", "latex", "-o", str(tmp_path / "out.tex"))
    assert latex.exit_code == 0 and (tmp_path / "out.tex").read_text().startswith("%")
    got = run("eval", "x", "--at", "x=1", "--get", "f", "-o", str(tmp_path / "f.json"))  # one number is JSON
    assert got.exit_code == 0 and (tmp_path / "f.json").read_text() == "1\n"


def test_newton_json_is_one_document_when_a_step_fails():
    import json

    result = run("optimize", "log(x)", "--at", "x=1", "--allow-nonfinite", "--format", "json", "--steps", "3",
                 "--method", "newton")
    assert result.exit_code == 1 and result.stderr.count("Error:") == 1
    doc = json.loads(result.stdout)  # it printed nothing before
    assert doc["method"] == "newton" and doc["final"] is None and "-inf" in doc["error"]
    assert doc["steps"][0] == {"step": 0, "value": 0.0, "at": {"x": 1.0}, "gradients": {"x": 1.0}}
    assert doc["newton_steps"] + doc["gradient_steps"] == 1


def test_newton_json_keeps_its_schema():
    import json

    result = run("optimize", "sum(X*X)", "--at", "X=[1,2]", "--format", "json", "--steps", "3", "--method", "newton")
    doc = json.loads(result.stdout)
    assert list(doc) == ["method", "output", "wrt", "steps", "final", "newton_steps", "gradient_steps"]
    assert doc["final"] == {"value": 0.0, "at": {"X": [0.0, 0.0]}, "gradients": {"X": [0.0, 0.0]}}


def test_hvp_arrays_and_newtons_summary_fit_60_columns():
    env = {"COLUMNS": "60"}
    hvp = run("eval", "cross_entropy(X@W, y)", "--at", "X=[[1,2],[0,-1],[3,1]],W=[[0.5,-1,0],[1,0.2,-0.3]],y=[0,2,1]",
              "--hvp", "W=[[1,0,0],[0,0,0]]", env=env)
    newton = run("optimize", "(1-x)^2 + 100*(y-x^2)^2", "--at", "x=-1.2,y=1", "--method", "newton", "--steps", "50",
                 "--lr", "0.001", env=env)
    for result in (hvp, newton):
        assert result.exit_code == 0, result.stderr
        assert max(len(line) for line in result.stdout.splitlines()) <= 60
    # broken between numbers, never inside one (finite differences of the gradient give these)
    flat = " ".join(hvp.stdout.split())
    assert "(H·v)[W] = [[0.1991, -0.02582, -0.1732], [0.1085, -0.02967, -0.07881]]" in flat
    assert "22 Newton steps, 0 gradient steps" in " ".join(newton.stdout.split())


def test_maths_pasted_from_a_pdf_says_what_to_write():
    cases = {"√x": "sqrt(x)", "π*x": "pi", "σ(x)": "sigmoid(x)", "α*x": "write alpha for α", "w₁*x": "w1 for w₁",
             "x⁴": "x^4", "“x”": "straight quotes", "x \\cdot y": "\\cdot", "∑(x)": "sum(X)",
             "tanh(x) ≥ 0": "Comparisons"}
    for expr, words in cases.items():
        result = run("eval", expr, "--at", "x=2,y=1")
        assert result.exit_code == 2 and result.stderr.count("Error:") == 1, (expr, result.stderr)
        assert words in result.stderr, (expr, result.stderr)
    # what has one meaning is read as maths (normalize.py), and computed right
    assert run("eval", "x − y × 2 ÷ x²", "--at", "x=2,y=3", "--get", "f").stdout == "0.5\n"


def test_a_missing_data_file_says_which_option_named_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cases = [(["eval", "sum(X)", "--at", "X=@nofile.npy"], "Error: --at X: cannot read nofile.npy: no such file"),
             (["check", "sum(X*X)", "--at", "X=[1,2]", "--expect", "dX=@nofile.npy"],
              "Error: --expect dX: cannot read nofile.npy: no such file"),
             (["eval", "x", "-i", "nofile.json"], "Error: -i: cannot read nofile.json: no such file")]
    for args, first in cases:
        result = run(*args)
        assert result.exit_code == 2 and result.stderr.splitlines()[0] == first, result.stderr
        assert f"relative to the current directory ({tmp_path})" in result.stderr
    absolute = run("eval", "sum(X)", "--at", f"X=@{tmp_path}/no.npy")
    assert absolute.exit_code == 2 and "relative" not in absolute.stderr


def test_a_missing_bracket_is_named_where_it_opens():
    cases = [(["eval", "sum(X)", "--at", "X=[1,2"], "this '[' is never closed", "Add the missing ']'."),
             (["eval", "sum([1,2)"], "this '[' is never closed", "Add the missing ']' before ')'."),
             (["eval", "sum(W@x)", "--at", "W=[[1,2],[3,4],x=[1,2]"], "ran on into x=",
              "Add the missing ']' before ',x='.")]
    for args, what, hint in cases:
        result = run(*args)
        assert result.exit_code == 2 and result.stderr.count("Error:") == 1, result.stderr
        assert what in result.stderr and hint in result.stderr, result.stderr
    assert "has no matching" not in run("eval", "sum([1,2)").stderr  # the ')' does match sum's '('
    assert "this ')' has no matching '('" in run("eval", "x+1)").stderr


def test_a_message_on_a_terminal_is_wrapped_at_its_width(monkeypatch):
    import io

    from backprop_cli.cli.output import fit_message

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("COLUMNS", "60")
    message = ("Error: 1:5: @: (3x4) @ (3,) — inner dimensions 4 and 3 differ in a rather long message here\n"
               "  y = W @ x and a source line longer than sixty columns is left whole, caret and all\n"
               "      ^\n"
               "Reduce it to one with sum(...) or mean(...), as PyTorch's backward() and JAX's grad ask")
    lines = fit_message(message, Terminal()).split("\n")
    assert all(len(line) <= 60 for line in lines if not line.startswith("  y = "))
    assert "  y = W @ x and a source line longer than sixty columns is left whole, caret and all" in lines
    assert " ".join(message.split()) == " ".join(" ".join(lines).split())  # words kept, in order
    assert fit_message(message, io.StringIO()) == message  # piped: unchanged, for scripts and tests


def test_the_documented_json_keys_are_the_ones_written():
    import json

    scalar = json.loads(run("eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "json").stdout)
    tensor = json.loads(run("eval", "sum(W@x)", "--at", "W=[[1,2],[3,4]],x=[1,2]", "--format", "json").stdout)
    second = json.loads(run("eval", "x*y", "--at", "x=1,y=2", "--format", "json", "--hessian", "--jvp", "x=1",
                            "--hvp", "x=1,y=0", "--no-nodes").stdout)
    assert list(scalar) == list(tensor) == ["output", "inputs", "gradients", "nodes", "warnings"]
    assert list(second) == ["output", "inputs", "gradients", "warnings", "jvp", "hessian", "hvp"]
    assert set(tensor["output"]) == set(scalar["output"]) | {"shape"} and tensor["output"]["shape"] == []
    assert all(set(n) == set(scalar["nodes"][0]) | {"shape"} for n in tensor["nodes"])
    assert tensor["nodes"][2]["shape"] == [2] and tensor["nodes"][2]["value"] == [5.0, 11.0]
    # f = x*y: J.v along x is y; the Hessian is [[0, 1], [1, 0]]; H.v for v = (1, 0) is (0, 1)
    assert second["jvp"] == 2.0 and second["hessian"] == {"x": {"x": 0.0, "y": 1.0}, "y": {"x": 1.0, "y": 0.0}}
    assert second["hvp"] == {"x": 0.0, "y": 1.0}


def test_a_space_between_inputs_says_to_use_a_comma(tmp_path):
    result = run("eval", "x*y", "--at", "x=1 y=2")
    assert result.exit_code == 2 and "Separate the inputs with commas, without spaces: --at x=1,y=2." in result.stderr
    assert "to multiply" not in result.stderr
    values = tmp_path / "values.txt"
    values.write_text("x=1 y=2\n")
    from_file = run("eval", "x*y", "-i", str(values))
    assert from_file.exit_code == 2 and "without spaces: x=1,y=2." in from_file.stderr
    assert run("eval", "2 x", "--at", "x=1").stderr.count("to multiply") == 1  # an expression keeps its hint


def test_plots_notes_fit_the_terminal():
    result = run("plot", "relu(x)", "--over", "x=-2:2", "--width", "50", "--height", "12", env={"COLUMNS": "60"})
    assert result.exit_code == 0
    notes = result.stdout.split("kink at", 1)[1]
    assert max(len(line) for line in ("kink at" + notes).splitlines()) <= 60
    assert "relu'(0) = 0" in notes


def test_a_direction_s_messages_name_its_option():
    cases = [(["eval", "x*y", "--at", "x=1,y=2", "--hvp", "x=1,y"], "Error: --hvp: 'y' has no '='", "--hvp x=-2,y=5"),
             (["eval", "x*y", "--at", "x=1,y=2", "--jvp", "x=1 y=2"], "Error: --jvp: the value of x", "--jvp x=1,y=2"),
             (["trace", "x*y", "--at", "x=1,y=2", "--mode", "forward", "--tangent", "x=[1"], "Error: --tangent:",
              "Add the missing ']'.")]
    for args, first, hint in cases:
        result = run(*args)
        assert result.exit_code == 2 and result.stderr.startswith(first), result.stderr
        assert hint in result.stderr and "--at" not in result.stderr, result.stderr


def test_get_with_another_format_is_refused_rather_than_ignored():
    for fmt in ("json", "tree", "latex"):
        result = run("eval", "x*y", "--at", "x=1,y=2", "--get", "f", "--format", fmt)
        assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("Error:") == 1
        assert f"not --format {fmt}" in result.stderr
    assert run("eval", "x*y", "--at", "x=1,y=2", "--get", "f", "--format", "table").stdout == "2\n"


def test_no_run_writes_over_its_program_or_values(tmp_path):
    program = tmp_path / "n.bp"
    program.write_text("input x = 2\nf = x*x\n")
    values = tmp_path / "v.json"
    values.write_text('{"x": 3}')
    link = tmp_path / "link.bp"
    link.symlink_to(program)
    runs = [("eval", "-f", program, "-o", program), ("eval", "-f", program, "-o", link),
            ("eval", "-f", program, "-i", values, "--format", "json", "-o", values),
            ("diff", "-f", program, "--wrt", "x", "-o", program), ("graph", "-f", program, "-o", program),
            ("check", "-f", program, "-o", program), ("trace", "-f", program, "-o", program)]
    for args in runs:
        result = run(*args)
        assert result.exit_code == 2 and "writing it would destroy it" in result.stderr, (args, result.stderr)
    assert program.read_text() == "input x = 2\nf = x*x\n" and values.read_text() == '{"x": 3}'
    assert run("eval", "-f", program, "-o", tmp_path / "out.txt").exit_code == 0


def test_the_fast_path_keeps_the_program_too(tmp_path):
    import subprocess
    import sys

    program = tmp_path / "n.bp"
    program.write_text("input x = 2\nf = x*x\n")
    proc = subprocess.run([sys.executable, "-m", "backprop_cli", "eval", "-f", str(program), "-o", str(program)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "writing it would destroy it" in proc.stderr
    assert program.read_text() == "input x = 2\nf = x*x\n"


def test_batch_refuses_a_json_name_it_would_fill_with_csv(tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x,y\n1,2\n")
    out = tmp_path / "out.json"
    result = run("batch", "x*y", "-i", points, "-o", out)
    assert result.exit_code == 2 and ".jsonl" in result.stderr and not out.exists()
    asked = run("batch", "x*y", "-i", points, "-o", out, "--format", "jsonl")
    assert asked.exit_code == 0 and out.read_text() == '{"x": 1.0, "y": 2.0, "f": 2.0, "df/dx": 2.0, "df/dy": 1.0}\n'


def test_diff_json_says_its_order():
    import json

    second = json.loads(run("diff", "x^2*sin(y)", "--wrt", "x,y", "--order", "2", "--format", "json").stdout)
    first = json.loads(run("diff", "x^2*sin(y)", "--wrt", "x", "--format", "json").stdout)
    assert list(second) == list(first) == ["of", "wrt", "order", "inputs", "program"]
    assert (first["order"], second["order"], second["wrt"]) == (1, 2, "x,y")


def test_values_read_pasted_maths_as_expressions_do(tmp_path):
    def get(*args):
        result = run("eval", *args, "--get", "f")
        assert result.exit_code == 0, result.stderr
        return result.stdout

    assert get("x", "--at", "x=−2") == "-2\n"  # U+2212, the minus a PDF pastes
    assert get("x", "--at", "x=2×3") == "6\n"
    assert get("sum(X)", "--at", "X=[−1, 2]") == "1\n"
    values = tmp_path / "v.json"
    values.write_text('{"x": "−3"}', encoding="utf-8")
    assert get("x", "-i", values) == "-3\n"
    wrong = run("eval", "x", "--at", "x=2×")
    assert wrong.exit_code == 2 and "  2×\n   ^" in wrong.stderr  # the caret under the text as given


@pytest.mark.parametrize("args, words", [
    (["eval", "x", "y", "z", "--at", "x=1"], "EXPR came in 3 words (x y z)"),
    (["eval", "x", "--at", "x=1", "--no-such-option-with-a-rather-long-name-indeed-that-runs-on"], "No such option"),
    (["evl", "x"], "No such command 'evl'"),
    (["eval", "x", "--at", "x=1", "--digits", "99"], "Invalid value for '--digits'"),
])
def test_clicks_own_usage_errors_are_wrapped_on_a_terminal_as_ours_are(monkeypatch, args, words):
    import io
    import sys

    from backprop_cli.cli.entry import run_click

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("COLUMNS", "60")
    for stream, fitted in ((Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        assert run_click(args) == 2
        text = stream.getvalue()
        error = text[text.index("Error: "):].rstrip("\n")
        assert words in " ".join(error.split())
        if fitted:
            assert all(len(line) <= 60 for line in text.splitlines()), text
            assert error.count("\n") >= 1  # every message here is longer than 60 columns
        else:
            assert "\n" not in error  # piped: click's line, whole


def test_a_semicolon_in_a_value_is_refused_not_read_as_the_last_statement():
    # "x=1;y=2" parsed as a program had the value 2: a wrong number without a word
    for at, hint in (("x=1;y=2", "--at x=1,y=2."), ("x=1;5", "Separate the inputs with commas"),
                     ("x=[1;2]", "[[1, 2], [3, 4]]")):
        result = run("eval", "sum(x)", "--at", at, "--get", "f")
        assert result.exit_code == 2 and result.stdout == "", (at, result.stdout)
        assert "more than one" in result.stderr and hint in result.stderr, result.stderr
    assert run("eval", "x", "--at", "x=1;", "--get", "f").stdout == "1\n"  # a trailing ';' ends the one value


def test_an_unused_value_from_a_file_is_named_as_the_files(tmp_path):
    values = tmp_path / "v.json"
    values.write_text('{"x": 1, "y": 2}')
    result = run("eval", "x*2", "-i", values, "--get", "f")
    assert result.exit_code == 0 and "Warning: -i y: the program has no input of that name" in result.stderr
