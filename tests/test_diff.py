"""backprop diff: derivative programs that re-parse, evaluate to eval's gradient, and differentiate again."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_cli import evaluate
from backprop_cli.api import build
from backprop_cli.transforms.diff import derivative_program
from backprop_cli.base.errors import MathError
from backprop_cli.core.ops import GATES, maximum, minimum, relu, sign, share, step
from conftest import SAMPLES, run, run_json
from random_programs import INPUTS, points, programs, smooth_values

SAMPLE_FILES = sorted(SAMPLES.glob("*.bp"))


def d(source: str, wrt: str) -> str:
    return derivative_program(build(source), wrt)


def statements(program: str) -> list:
    return [line for line in program.splitlines() if line and not line.startswith(("#", "input "))]


# ---- the round trip: diff | eval - -------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_samples_round_trip_through_the_command_line(path):
    gradients = run_json("eval", "-f", path)["gradients"]
    for name, expected in gradients.items():
        program = run("diff", "-f", path, "--wrt", name)
        assert program.exit_code == 0, program.stderr
        # The defaults come along, so the derivative program runs without --at.
        doc = run_json("eval", "-", input=program.stdout)
        assert doc["output"]["value"] == expected, (name, program.stdout)


def test_neuron_derivative_needs_no_at():
    program = run("diff", "-f", SAMPLES / "neuron.bp", "--wrt", "w0").stdout
    assert program.splitlines()[1] == "input w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3"
    result = run("eval", "-", input=program)
    assert result.exit_code == 0 and "-0.1966" in result.stdout


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(variable_powers=False), points(), st.sampled_from(INPUTS))
def test_random_programs_round_trip_exactly(source, point, wrt):
    try:
        r = evaluate(source, at=point)
    except MathError:
        return  # undefined at this point
    if wrt not in r.gradients:
        return
    expected = r.gradients[wrt]
    if not math.isfinite(expected):
        return
    program = d(source, wrt)
    got = evaluate(program, at=point).value  # the program re-parses, and gives the same double
    assert got == expected, program


def test_a_variable_exponent_round_trips_away_from_a_zero_base():
    for point in ({"x": 2.0, "y": 0.5}, {"x": 0.3, "y": -1.5}, {"x": -2.0, "y": 3.0}):
        r = evaluate("x^y", at=point)
        for name in ("x", "y"):
            try:
                got = evaluate(d("x^y", name), at=point).value
            except MathError:
                assert not math.isfinite(r.gradients[name]) or point["x"] < 0
                continue
            assert got == r.gradients[name]


def test_at_a_zero_base_with_a_variable_exponent_the_program_follows_the_formula():
    # The engine says d/dy 0^y = 0 (PyTorch); the language has no conditionals, so the program
    # writes x^y*log(x), which is undefined there.  Documented in the README.
    with pytest.raises(MathError):
        evaluate(d("x^y", "y"), at={"x": 0.0, "y": 2.0})


# ---- second derivatives, against sympy ------------------------------------------------------------------


def _sympy(source: str):
    import sympy
    names = {n: sympy.Symbol(n) for n in INPUTS}
    names.update(exp=sympy.exp, log=sympy.log, sqrt=sympy.sqrt, sin=sympy.sin, cos=sympy.cos,
                 tan=sympy.tan, tanh=sympy.tanh, pi=sympy.pi,
                 sigmoid=lambda u: 1 / (1 + sympy.exp(-u)))
    *assignments, last = source.replace("^", "**").splitlines()
    for line in assignments:
        name, expr = line.split("=", 1)
        names[name.strip()] = sympy.sympify(expr, locals=names)
    return sympy, names, sympy.sympify(last, locals=names)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(kinks=False, variable_powers=False, max_leaves=6), points(smooth_values), st.data())
def test_diff_twice_gives_second_derivatives_that_sympy_agrees_with(source, point, data):
    inputs = list(build(source).inputs)
    assume(inputs)
    first = data.draw(st.sampled_from(inputs))
    second = data.draw(st.sampled_from(inputs))
    try:
        evaluate(source, at=point)
        once = d(source, first)
        value = evaluate(d(once, second), at=point).value
    except MathError:
        assume(False)
    sympy, names, expr = _sympy(source)
    exact = sympy.diff(expr, names[first], names[second])
    expected = complex(exact.evalf(30, subs={names[n]: v for n, v in point.items()}))
    assume(expected.imag == 0 and math.isfinite(expected.real))
    assert value == pytest.approx(expected.real, rel=1e-8, abs=1e-8), (source, once)


def test_second_derivative_through_the_command_line():
    once = run("diff", "x^3 + sin(x)*y", "--wrt", "x").stdout
    twice = run("diff", "-", "--wrt", "x", input=once)
    assert twice.exit_code == 0
    doc = run_json("eval", "-", "--at", "x=0.7,y=2", input=twice.stdout)
    assert doc["output"]["value"] == pytest.approx(6 * 0.7 - math.sin(0.7) * 2, rel=1e-15)
    mixed = run("diff", "-", "--wrt", "y", input=once)
    doc = run_json("eval", "-", "--at", "x=0.7,y=2", input=mixed.stdout)
    assert doc["output"]["value"] == pytest.approx(math.cos(0.7), rel=1e-15)


# ---- what the program looks like ----------------------------------------------------------------------


@pytest.mark.parametrize("source, wrt, derivative", [
    ("x^3", "x", "3 * x^2"),
    ("x*y", "x", "y"),
    ("(x+y)*z", "x", "z"),
    ("x*1 + 0", "x", "1"),
    ("x*0 + y", "x", "0"),
    ("--x", "x", "1"),
    ("2*x + 3*x", "x", "5"),
    ("2*x*y + 3*x", "x", "3 + 2 * y"),  # contributions in the engine's order, not regrouped
    ("exp(x)", "x", "exp(x)"),
    ("relu(x)", "x", "step(x)"),
    ("abs(x - 1)", "x", "sign(x - 1)"),
    ("max(x, y)", "y", "share(y, f, x, y)"),
    # a zero share blocks the upstream z, even an infinite one (PyTorch's masked gates)
    ("max(x, y)*z", "y", "masked_mul(share(y, max(x, y), x, y), z)"),
])
def test_simplified_derivatives(source, wrt, derivative):
    program = d(source, wrt)
    assert statements(program)[-1] == f"df_d{wrt} = {derivative}", program


def test_shared_subexpressions_are_named_statements_and_the_size_stays_linear():
    def chain(n):
        return "\n".join(["a0 = x"] + [f"a{k} = a{k - 1} * sin(a{k - 1}) + cos(a{k - 1})" for k in range(1, n)])

    small, big = d(chain(200), "x"), d(chain(400), "x")
    # Written out without names, each line would double the expression.
    assert len(big) < 2.1 * len(small)
    source = chain(400)
    assert evaluate(big, at={"x": 0.01}).value == evaluate(source, at={"x": 0.01}).gradients["x"]


def test_a_deep_expression_is_differentiated_without_recursion():
    depth = 20_000
    program = d("sin(" * depth + "x" + ")" * depth, "x")
    assert len(program.splitlines()) < 2 * depth + 5  # sin(t_k), and its gradient cos(t_k) * dt_(k+1)
    assert program.count("(") < 6 * depth
    depth = 2_000
    source = "sin(" * depth + "x" + ")" * depth
    assert evaluate(d(source, "x"), at={"x": 0.5}).value == evaluate(source, at={"x": 0.5}).gradients["x"]


def test_names_never_collide_with_the_inputs():
    source = "input df_dx, t1, dq\nq = x * t1 + dq\nf = q * exp(q) * df_dx"
    program = d(source, "x")
    names = [line.split(" = ")[0] for line in statements(program)]
    assert not set(names) & {"df_dx", "t1", "dq", "x"}
    assert "input df_dx, t1, dq, x" in program
    point = {"df_dx": 0.5, "t1": 2.0, "dq": -0.3, "x": 0.7}
    assert evaluate(program, at=point).value == evaluate(source, at=point).gradients["x"]


def test_the_output_can_be_chosen_and_inputs_without_defaults_stay_declared():
    program = run("diff", "q = x*y\nr = q + y\nr*r", "--wrt", "y", "--output", "q").stdout
    assert "input x, y" in program and statements(program)[-1] == "dq_dy = x"


def test_a_single_input_needs_no_wrt():
    result = run("diff", "x^2")
    assert result.exit_code == 0 and statements(result.stdout)[-1] == "df_dx = 2 * x"


@pytest.mark.parametrize("args, words", [
    (["x*y"], "--wrt is needed"),
    (["x*y", "--wrt", "z"], "no input 'z'"),
    (["x*"], "ends too early"),
])
def test_bad_input_is_one_message_and_exit_2(args, words):
    result = run("diff", *args)
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.stderr


# ---- the ops diff writes with: step, sign, share ---------------------------------------------------------


@pytest.mark.parametrize("x", [-2.0, -0.0, 0.0, 1e-300, 3.0, math.nan])
def test_step_is_relus_local_gradient_and_sign_is_abs(x):
    assert step(x) == GATES["relu"].local(relu(x), x)[0]
    expected = GATES["abs"].local(abs(x), x)[0]
    assert (sign(x) == expected) or (math.isnan(sign(x)) and math.isnan(expected))
    assert GATES["step"].local(step(x), x) == (0.0,) and GATES["sign"].local(sign(x), x) == (0.0,)
    assert GATES["step"].kink(x) == GATES["sign"].kink(x) == (x == 0)


@pytest.mark.parametrize("xs", [(1.0, 2.0), (2.0, 2.0), (3.0, 3.0, 1.0), (5.0,), (1.0, math.nan), (-1.0, -1.0, -1.0)])
def test_share_is_the_max_and_min_gates_routing(xs):
    for fn, name in ((maximum, "max"), (minimum, "min")):
        m = fn(*xs)
        routed = GATES[name].local(m, *xs)
        shares = tuple(share(x, m, *xs) for x in xs)
        assert all((a == b) or (math.isnan(a) and math.isnan(b)) for a, b in zip(shares, routed))
    assert GATES["share"].local(0.5, 1.0, 1.0, 1.0, 1.0) == (0.0, 0.0, 0.0, 0.0)
    assert GATES["share"].kink(1.0, 1.0, 1.0, 1.0) and not GATES["share"].kink(1.0, 1.0, 1.0, 0.0)


def test_the_new_functions_are_in_the_language():
    r = evaluate("step(x) + sign(y) + share(x, max(x, y), x, y)", at={"x": 1.0, "y": 1.0})
    assert r.value == 1.0 + 1.0 + 0.5
    assert r.gradients == {"x": 0.0, "y": 0.0}
