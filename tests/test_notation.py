"""The lecture's notation everywhere: a gradient named dx or df/dx in every option that names one,
the output called f in a --grad formula, and a word that strays from its option recognised."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from backprop_cli.language.program import build
from conftest import SAMPLES, run
from test_gates import read_formula

AT = ("--at", "x=-2,y=5,z=-4")


@pytest.mark.parametrize("name", ["dx", "df/dx", "∂f/∂x", "d(f)/d(x)"])
def test_get_takes_both_forms_of_a_gradient(name):
    result = run("eval", "(x+y)*z", *AT, "--get", name)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "-4"


def test_get_dname_prefers_a_value_of_that_name():
    # staged.bp has a value 'den': --get den is it, and dden its gradient
    value = run("eval", "-f", SAMPLES / "staged.bp", "--get", "den")
    grad = run("eval", "-f", SAMPLES / "staged.bp", "--get", "dden")
    long = run("eval", "-f", SAMPLES / "staged.bp", "--get", "df/dden")
    assert value.exit_code == grad.exit_code == long.exit_code == 0
    assert grad.stdout == long.stdout != value.stdout


@pytest.mark.parametrize("expect", ["dx=-4,dy=-4,dz=3", "df/dx=-4,df/dy=-4,df/dz=3", "df/dx=-4,dy=-4,∂f/∂z=3"])
def test_expect_takes_both_forms(expect):
    result = run("check", "(x+y)*z", *AT, "--expect", expect, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["passed"]
    wrong = run("check", "(x+y)*z", *AT, "--expect", expect.replace("-4", "4", 1))
    assert wrong.exit_code == 1


def test_a_gradient_of_another_value_is_refused_with_one_message():
    result = run("check", "(x+y)*z", *AT, "--expect", "dq/dx=1")
    assert result.exit_code == 2 and "gradients are of the output" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("grad", ["dx = z", "df/dx = z", "∂f/∂x = z"])
def test_grad_takes_both_forms(grad):
    result = run("check", "(x+y)*z", *AT, "--grad", grad)
    assert result.exit_code == 0, result.stderr + result.stdout


def test_a_formula_may_use_f_the_output():
    right = run("check", "1/(1+exp(-x))", "--at", "x=1", "--grad", "dx = (1 - f)*f")
    assert right.exit_code == 0, right.stderr
    over = run("check", "1/(1+exp(-x))", "--grad", "dx = (1 - f)*f", "--over", "x=-3:3")
    assert over.exit_code == 0, over.stderr
    wrong = run("check", "1/(1+exp(-x))", "--at", "x=1", "--grad", "dx = (1 + f)*f")
    assert wrong.exit_code == 1
    named = run("check", "-f", SAMPLES / "neuron.bp", "--grad", "dw2 = (1 - f)*f")
    assert named.exit_code == 0, named.stderr


def test_input_values_split_from_their_at_are_recognised():
    result = run("eval", "(x+y)*z", "--at", "x=-2", "y=5,z=-4")
    assert result.exit_code == 2
    assert "--at takes one list without spaces" in result.stderr
    assert "--at x=-2,y=5,z=-4" in result.stderr and "Quote it" not in result.stderr
    alone = run("eval", "(x+y)*z", "y=5,z=-4")
    assert alone.exit_code == 2 and "looks like input values: give them with --at y=5,z=-4" in alone.stderr


def test_an_option_with_its_value_is_not_a_second_word_of_expr(tmp_path):
    out = tmp_path / "c.txt"
    result = run("check", "-f", SAMPLES / "neuron.bp", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "EXPR came in" not in result.stderr and out.read_text()
    result = run("eval", "(x+y)*z", *AT, "-q", "c.txt")
    assert result.exit_code == 2 and "EXPR came in" not in result.stderr
    assert "-q is not an option of backprop eval" in result.stderr or "No such option" in result.stderr


def test_times_is_a_times_sign_not_the_letter_x():
    trace = run("trace", "(x+y)*z", *AT)
    assert "upstream 1 × local (z = -4) = -4" in trace.stdout and " x local" not in trace.stdout
    quiz = run("quiz", "(x+y)*z", *AT, "--only", "backward", input="\n" * 8)
    assert "dx = dq × ∂q/∂x = (-4) × 1 = -4" in quiz.stdout or "× ∂" in quiz.stdout
    assert " x ∂" not in quiz.stdout


def test_an_ascii_terminal_gets_a_star_for_times():
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONIOENCODING="ascii")
    out = subprocess.run([sys.executable, "-m", "backprop_cli", "trace", "(x+y)*z", *AT], env=env,
                         capture_output=True, check=True).stdout.decode("ascii")
    assert "upstream 1 * local (z = -4) = -4" in out


def test_gates_shows_the_textbook_sigmoid_one_set_of_names_and_the_array_gates():
    rows = {r["name"]: r for r in json.loads(run("gates", "--format", "json").stdout)}
    assert rows["sigmoid"]["forward"] == "sigmoid(x) = 1/(1 + exp(-x))"
    assert "abs(x)" in rows["sigmoid"]["computed"]
    for r in rows.values():  # the inputs are x, y (not a, b) in the patterns of the two-input gates
        if r["inputs"] == ["x", "y"]:
            import re

            # a formula in the pattern names the inputs as the formulas do (not 1/b, -a/b^2)
            assert not re.search(r"(?<![A-Za-z])[ab](?=[*/^])|[*/^]-?[ab](?![A-Za-z])", r["pattern"]), r["name"]
    matmul = rows["matmul"]
    assert matmul["vjp"] == ["dout @ yᵀ", "xᵀ @ dout"]
    assert matmul["shapes"] == "(2x3), (3x4) -> (2x4)"
    assert rows["sum"]["shapes"].endswith("axis=0 -> (3,)")
    text = run("gates", "--width", "60").stdout
    assert "Array gates" in text and "cross_entropy(logits, labels)" in text
    assert all(len(line) <= 60 or " " not in line.strip() for line in text.splitlines())


def test_a_backward_pass_may_name_its_gradients_df_dx():
    from backprop_cli import evaluate
    from backprop_cli.tasks.check.backward_pass import grade, short_targets

    assert short_targets("df/dq = z\n  df/dq += 1; ∂f/∂x = dq\n") == "dq    = z\n  dq    += 1; dx    = dq\n"
    assert short_targets("dx = df/dq * 1\n") == "dx = df/dq * 1\n"  # on the right it is a division
    result = evaluate("input x = -2, y = 5, z = -4\nq = x + y\nf = q * z + q\n")
    report = grade(result, "df/dz = q\ndf/dq = z\ndf/dq += 1\ndf/dx = dq\ndy = dq\n")
    assert report.passed and [g.statement.target for g in report.lines] == ["dz", "dq", "dq", "dx", "dy"]


# ---- constant exponents worked out in a local formula ---------------------------------------------

@pytest.mark.parametrize("source, shown", [("x^2", "2*x"), ("x^3", "3*x^2"), ("x^-1", "(-1)*x^-2"),
                                           ("x^1", "x^0"), ("x^0.5", "0.5*x^-0.5"), ("(x+y)^2", "2*t1"),
                                           ("x^y", "y*x^(y - 1)")])
def test_a_power_with_a_constant_exponent_shows_it_worked_out(source, shown):
    from backprop_cli.views.notation import local_formula, names

    g = build(source)
    assert local_formula(g, g.output, 0, names(g)) == shown


@settings(max_examples=80, deadline=None)
@given(st.floats(-6, 6, allow_nan=False).filter(lambda c: c != 0), st.floats(0.1, 4))
def test_a_worked_out_power_formula_reads_back_to_the_engines_local_gradient(c, x):
    """The text changed, never the value: the formula read back gives the engine's local gradient."""
    from backprop_cli import evaluate
    from backprop_cli.base.numbers import exact
    from backprop_cli.views.notation import local_formula

    source = f"x^{exact(c)}" if c > 0 else f"x^({exact(c)})"
    r = evaluate(source, at={"x": x})
    text = local_formula(r.graph, r.graph.output, 0)
    assert " - 1)" not in text, text
    assert read_formula(text, {"x": x}) == pytest.approx(r.local[r.graph.output][0], rel=1e-12)


# ---- local formulas written once a gate and kinds of labels, then filled in -----------------------

_ARGUMENTS = ["x", "y", "2", "1", "-1", "0.5", "x + y", "-x", "sin(x)", "x*y", "pi"]


def _direct_formula(g, i, k, label=None):
    """local_formula without its templates: the gate's description over the labels themselves."""
    from backprop_cli.core.ops import GATES
    from backprop_cli.views import notation

    short = label is not None and not isinstance(label, notation.FullNames)
    name = label.__getitem__ if short else g.label
    op = GATES[g.op[i]]
    labels = [name(j) for j in g.args[i]]
    labels += [notation.exact(d) for d in op.defaults[len(labels) - len(op.params):]] \
        if op.defaults and len(labels) < len(op.params) else []
    e = op.shown[k] if op.shown is not None else op.local_expr(k)
    return notation.formula(e, labels, notation._Shown(*notation._out_text(g, i, label if short else None)), k,
                            op.name)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_templated_local_formula_is_the_formula_over_the_labels(data):
    from test_gates import CASES, source

    from backprop_cli.core.ops import GATES
    from backprop_cli.language.program import build as build_graph
    from backprop_cli.views.notation import local_formula, names

    name, n = data.draw(st.sampled_from(CASES))
    op = GATES[name]
    if op.forward_expr is None or op.reads is not None:
        return
    program = source(name, n, [data.draw(st.sampled_from(_ARGUMENTS)) for _ in range(n)])
    try:
        g = build_graph(program)
    except Exception:  # a call this gate refuses (a constant where it needs an input)
        return
    i = g.output
    if not g.args[i] or g.op[i] != name:
        return
    for label in (names(g, "short"), names(g, "full"), None):
        for k in range(len(g.args[i])):
            for _ in range(2):  # written, then taken from the templates
                assert local_formula(g, i, k, label) == _direct_formula(g, i, k, label), (program, k)
