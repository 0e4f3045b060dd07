"""Second order: every gate's second derivatives (derived from the table) against SymPy, Hessians of
random programs against SymPy, the kink conventions, eval --hessian/--get, check --order 2, Newton."""

import json
import math
import random

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings

from backprop_cli import api, evaluate
from backprop_cli.base.errors import MathError
from backprop_cli.core.ops import elementwise_gates
from backprop_cli.core.second import second_local
from exprgen import SYMBOLS, expressions, points
from gate_oracle import NoOracle, forward as sympy_forward

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
OPS = elementwise_gates()
GATES = [name for name, op in OPS.items() if op.forward_expr is not None]


def _arity(op) -> int:
    lo, hi = op.arity
    return max(lo, 2) if hi is None else hi


def _point(name: str, n: int, rng) -> list:
    xs = [rng.uniform(0.2, 0.9) * rng.choice((1, -1)) for _ in range(n)]
    if name in ("log", "log2", "log10", "sqrt", "pow"):
        xs[0] = abs(xs[0])
    return xs


@pytest.mark.parametrize("name", GATES)
def test_every_gates_second_derivatives_match_sympy(name):
    op = OPS[name]
    n = _arity(op)
    syms = sp.symbols(f"a0:{n}", real=True)
    try:
        f = sympy_forward(name, list(syms))
    except NoOracle:
        # share: flat wherever it is defined (its local gradient is 0), so its second derivative is 0
        assert all(e is None for row in api_second_exprs(name, n) for e in row)
        return
    h = second_local(name, n)
    rng = random.Random(name)
    for _ in range(4):
        xs = _point(name, n, rng)
        got = h(op.forward(*xs), *xs)
        for k in range(n):
            for m in range(n):
                want = float(sp.diff(f, syms[k], syms[m]).subs(dict(zip(syms, xs))).evalf(30))
                value = 0.0 if got[k][m] is None else got[k][m]
                assert value == pytest.approx(want, rel=1e-9, abs=1e-12), (name, xs, k, m)


def api_second_exprs(name, n):
    from backprop_cli.core.second import second_exprs

    return second_exprs(name, n)


def test_a_gate_with_a_default_input_uses_the_default():
    # leaky_relu(x) is leaky_relu(x, 0.01): d²/dxda is 0 for x > 0 and 1 for x < 0
    h = second_local("leaky_relu", 2)
    assert h(-0.5 * 0.01, -0.5, 0.01)[0][1] == 1.0
    assert h(0.5, 0.5, 0.01)[0][1] == 0.0
    assert second_local("leaky_relu", 1)(-0.005, -0.5) == [[None]]


def _oracle(expr, subs, a, b):
    try:
        value = complex(expr.diff(a, b).evalf(20, subs=subs))
    except (ZeroDivisionError, TypeError, ValueError, OverflowError):
        assume(False)
    assume(math.isfinite(value.real) and value.imag == 0)
    return value.real


@SETTINGS
@given(expressions(kinks=False, max_leaves=8), points)
def test_hessians_of_random_programs_match_sympy(expr, at):
    text, oracle = expr
    try:
        r = evaluate(text, at=at)
    except MathError:
        assume(False)
    assume(all(math.isfinite(v) and abs(v) < 1e6 for v in r.values + r.grads))
    table = api.hessian(r)
    subs = {SYMBOLS[n]: v for n, v in at.items()}
    scale = 1 + max([abs(v) for row in table.values() for v in row.values()], default=0)
    assume(scale < 1e8)
    for a, row in table.items():
        for b, value in row.items():
            want = _oracle(oracle, subs, SYMBOLS[a], SYMBOLS[b])
            assert value == pytest.approx(want, rel=1e-7, abs=1e-9 * scale), (text, a, b)
            assert value == pytest.approx(table[b][a], rel=1e-9, abs=1e-12 * scale)


def test_the_rosenbrock_hessian():
    r = evaluate("(1-x)^2 + 100*(y-x^2)^2", at={"x": -1.2, "y": 1})
    # 2 - 400 (y - 3x^2), -400x, 200
    assert api.hessian(r) == {"x": {"x": pytest.approx(1330.0), "y": pytest.approx(480.0)},
                              "y": {"x": pytest.approx(480.0), "y": 200.0}}


def test_kinks_follow_the_conventions():
    # relu'' = 0 away from 0 (either side), and at 0 the derivative of the convention: 0
    for x in (-1.5, 0.0, 2.0):
        assert api.hessian(evaluate("relu(x)", at={"x": x})) == {"x": {"x": 0.0}}
        assert api.hessian(evaluate("abs(x)", at={"x": x})) == {"x": {"x": 0.0}}
    # x*relu(x) is x^2 on the right: 2 there, 0 on the left, and 2*relu'(0) = 0 at the kink
    assert api.hessian(evaluate("x*relu(x)", at={"x": 1.0}))["x"]["x"] == 2.0
    assert api.hessian(evaluate("x*relu(x)", at={"x": -1.0}))["x"]["x"] == 0.0
    assert api.hessian(evaluate("x*relu(x)", at={"x": 0.0}))["x"]["x"] == 0.0
    # max routes the curvature with the gradient: a tie splits it evenly
    h = api.hessian(evaluate("max(x^2, y^2)", at={"x": 1.0, "y": 1.0}))
    assert h == {"x": {"x": 1.0, "y": 0.0}, "y": {"x": 0.0, "y": 1.0}}


def test_pows_convention_at_a_zero_exponent_keeps_the_hessian_symmetric():
    # d²(x^y)/dxdy = x^(y-1) (1 + y log x): 1/x at y = 0, where pow's first-derivative convention is 0
    h = api.hessian(evaluate("x^y", at={"x": 2.0, "y": 0.0}))
    assert h["x"]["y"] == pytest.approx(0.5) and h["y"]["x"] == pytest.approx(0.5)


def test_eval_hessian_json_and_table(cli):
    out = cli("eval", "x^2*y", "--at", "x=3,y=2", "--hessian", "--format", "json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["hessian"] == {"x": {"x": 4.0, "y": 6.0}, "y": {"x": 6.0, "y": 0.0}}
    table = cli("eval", "x^2*y", "--at", "x=3,y=2", "--hessian").stdout
    assert "Hessian d²f/d(row)d(column), symmetric:" in table
    assert "  x  4  6\n  y  6  0\n" in table
    tree = cli("eval", "x^2*y", "--at", "x=3,y=2", "--hessian", "--format", "tree").stdout
    assert "  x  4  6\n" in tree


def test_a_wide_hessian_is_listed_not_cut(cli):
    source = " + ".join(f"a{k}*a{k + 1}*1234567.891" for k in range(8))
    at = ",".join(f"a{k}=1.2345678" for k in range(9))
    out = cli("eval", source, "--at", at, "--hessian", env={"COLUMNS": "60"})
    assert out.exit_code == 0, out.stderr
    assert "upper triangle" in out.stdout and "d2f/da0da1 = 1.235e6" in out.stdout
    assert "d2f/da0da0 = 0" in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 60


@pytest.mark.parametrize("name, value", [("d2f/dxdy", "6"), ("d2f/dydx", "6"), ("d2f/dx2", "4"),
                                         ("d²f/dx²", "4"), ("d2f/dy^2", "0"), ("d2f/d(x)d(y)", "6")])
def test_get_one_second_derivative(cli, name, value):
    out = cli("eval", "x^2*y", "--at", "x=3,y=2", "--get", name)
    assert out.exit_code == 0, out.stderr
    assert out.stdout == value + "\n"


@pytest.mark.parametrize("args, message", [
    (("--get", "d2f/dxdz"), "no two inputs"),
    (("--get", "d2q/dxdy"), "second derivatives are of the output"),
    (("--get", "df/dx", "--hessian"), "--get prints single numbers"),
    (("--jvp", "q=1"), "no input 'q'"),
    (("--hvp", "x=[1,2]"), "is an array"),
])
def test_bad_second_order_options_get_one_message(cli, args, message):
    out = cli("eval", "x^2*y", "--at", "x=3,y=2", *args)
    assert out.exit_code == 2, out.stdout
    assert message in out.stderr and "Traceback" not in out.stderr


def test_hvp_of_a_scalar_program(cli):
    doc = json.loads(cli("eval", "x^2*y", "--at", "x=3,y=2", "--hvp", "x=1,y=-1", "--format", "json").stdout)
    assert doc["hvp"] == {"x": 4.0 - 6.0, "y": 6.0}


def test_a_kink_is_noted(cli):
    out = cli("eval", "relu(x)*x", "--at", "x=0", "--hessian")
    assert out.exit_code == 0
    assert "second derivatives are undefined at a kink" in out.stderr


def test_check_order_2_passes_on_a_smooth_program(cli):
    out = cli("check", "x^2*y + sin(x*y)", "--at", "x=1,y=2", "--order", "2")
    assert out.exit_code == 0, out.stderr
    assert "Hessian check of f" in out.stdout
    assert out.stdout.rstrip().endswith("all 4 second derivatives pass")
    doc = json.loads(cli("check", "x^2*y + sin(x*y)", "--at", "x=1,y=2", "--order", "2",
                         "--format", "json").stdout)
    assert doc["order"] == 2 and doc["passed"]
    assert [c["input"] for c in doc["checks"]] == ["d2f/dx2", "d2f/dxdy", "d2f/dydx", "d2f/dy2"]
    h = api.hessian(evaluate("x^2*y + sin(x*y)", at={"x": 1, "y": 2}))
    assert doc["checks"][1]["backprop"] == h["x"]["y"]


def test_check_order_2_flags_a_kink_not_a_failure(cli):
    doc = json.loads(cli("check", "relu(x)*y + x^3", "--at", "x=0,y=2", "--order", "2", "--format", "json").stdout)
    status = {c["input"]: c["status"] for c in doc["checks"]}
    assert status["d2f/dx2"] == "kink" and status["d2f/dxdy"] == "pass"
    note = next(c["note"] for c in doc["checks"] if c["input"] == "d2f/dx2")
    assert "step(x)" in note and "second derivative is undefined" in note


def test_check_order_2_fails_a_wrong_hessian(monkeypatch, cli):
    from backprop_cli.tasks.check import second_order

    real = second_order.hessian

    def wrong(result, wrt=None):
        table = real(result, wrt)
        table["x"]["y"] += 0.01
        return table

    monkeypatch.setattr(second_order, "hessian", wrong)
    out = cli("check", "x^2*y + sin(x*y)", "--at", "x=1,y=2", "--order", "2")
    assert out.exit_code == 1
    assert "Hessian check failed for d2f/dxdy" in out.stderr


def test_newton_solves_rosenbrock_where_gradient_descent_crawls():
    graph = api.build("(1-x)^2 + 100*(y-x^2)^2", at=["x", "y"])
    kinds = {}
    steps = api.newton(graph, {"x": -1.2, "y": 1.0}, ["x", "y"], 50, kinds=kinds)
    last = steps[-1]
    assert len(steps) - 1 <= 50
    assert abs(last.at["x"] - 1) <= 1e-6 and abs(last.at["y"] - 1) <= 1e-6
    assert kinds["newton"] >= 1
    for lr in (0.001, 0.002):  # larger rates diverge from (-1.2, 1)
        gd = api.descend(graph, {"x": -1.2, "y": 1.0}, ["x", "y"], lr, 2000, keep_all=False)
        assert abs(gd[-1].at["x"] - 1) > 1e-3  # still far after 2000 steps


def test_newton_falls_back_to_a_gradient_step_where_the_hessian_is_indefinite():
    graph = api.build("x^4 - 2*x^2 + y^2", at=["x", "y"])  # f'' < 0 near x = 0
    kinds = {}
    steps = api.newton(graph, {"x": 0.1, "y": 1.0}, ["x", "y"], 30, kinds=kinds)
    assert kinds.get("gradient", 0) >= 1
    assert steps[-1].at["x"] == pytest.approx(1.0) and steps[-1].value == pytest.approx(-1.0)


def test_optimize_newton_from_the_command_line(cli):
    out = cli("optimize", "(1-x)^2 + 100*(y-x^2)^2", "--at", "x=-1.2,y=1", "--method", "newton",
              "--steps", "50", "--lr", "0.001")
    assert out.exit_code == 0, out.stderr
    assert "f = 0 at x = 1, y = 1" in out.stdout
    assert "newton, ••• gradient descent" in out.stdout  # both curves in one plot
    assert "gradient descent (--lr 0.001) from the same start" in out.stdout
    doc = json.loads(cli("optimize", "(1-x)^2 + 100*(y-x^2)^2", "--at", "x=-1.2,y=1", "--method", "newton",
                         "--steps", "50", "--format", "json").stdout)
    assert doc["method"] == "newton" and doc["final"]["at"] == {"x": 1.0, "y": 1.0}
    assert len(doc["steps"]) <= 50


def test_newton_beside_a_diverging_gradient_descent_keeps_its_own_curve_on_the_chart(cli):
    # With the default --lr 0.1 gradient descent blows up on Rosenbrock (f = 1.9e226 at step 4): the
    # chart was scaled to it (Newton's curve a flat line at 0), or plotext died (std::bad_alloc)
    out = cli("optimize", "(1-x)^2 + 100*(y-x^2)^2", "--at", "x=-1.2,y=1", "--method", "newton", "--steps", "50")
    assert out.exit_code == 0, out.stderr
    assert "gradient descent (cut at 30.2)" in out.stdout and "e226┤" not in out.stdout
    assert "24.2┤" in out.stdout or "22.7┤" in out.stdout  # the axis is Newton's
    assert "stopped after step 22: the gradient is 0 (a stationary point of f)" in out.stdout
    assert "stopped: step 5: the value is not finite" in out.stderr and ":\n" not in out.stderr
    assert "(it diverged: a smaller --lr keeps it on the chart)" in out.stderr


def test_newton_cg_solves_a_tensor_least_squares_in_one_step():
    import numpy as np

    A = np.array([[1.0, 2, 0], [0, 1, 1], [1, 0, -1], [2, 1, 1]])
    b = np.array([1.0, 0, 2, -1])
    graph = api.build("sum((A@w - b)^2) + sum(w*w)", at=["A", "b", "w"])
    kinds = {}
    steps = api.newton(graph, {"A": A, "b": b, "w": np.zeros(3)}, ["w"], 5, kinds=kinds)
    want = np.linalg.solve(A.T @ A + np.eye(3), A.T @ b)
    np.testing.assert_allclose(steps[1].at["w"], want, rtol=1e-12)  # a quadratic: one Newton step
    assert kinds["newton"] >= 1 and "gradient" not in kinds


def test_optimize_newton_on_a_tensor_classifier(cli):
    out = cli("optimize", "cross_entropy(X@W, y) + 0.01*sum(W*W)", "--at",
              "X=[[1,2],[0,-1],[3,1],[-1,-1]],W=[[0,0,0],[0,0,0]],y=[0,2,1,0]", "--wrt", "W",
              "--method", "newton", "--steps", "20", "--format", "json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["method"] == "newton" and doc["gradient_steps"] == 0
    assert max(abs(v) for row in doc["final"]["gradients"]["W"] for v in row) < 1e-12


def _second_program_value(source, at, a, b):
    from backprop_cli.transforms.second_diff import second_derivative_program

    graph = api.build(source, at=list(at))
    program = second_derivative_program(graph, a, b)
    return evaluate(program, at={k: v for k, v in at.items() if k in api.build(program).inputs}).value


@SETTINGS
@given(expressions(kinks=False, max_leaves=6), points)
def test_diff_order_2_programs_compute_the_hessian(expr, at):
    text, _ = expr
    try:
        r = evaluate(text, at=at)
        table = api.hessian(r)
    except MathError:
        assume(False)
    assume(all(math.isfinite(v) and abs(v) < 1e6 for v in r.values + r.grads))
    for a, row in table.items():
        for b, value in row.items():
            assume(math.isfinite(value) and abs(value) < 1e8)
            try:
                got = _second_program_value(text, at, a, b)
            except MathError:
                assume(False)
            assert got == pytest.approx(value, rel=1e-9, abs=1e-9 * (1 + abs(value))), (text, a, b)


def test_diff_order_2_from_the_command_line(cli):
    out = cli("diff", "x^2*sin(y)", "--wrt", "x,y", "--order", "2")
    assert out.exit_code == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("# d2f/dxdy")
    assert out.stdout.splitlines()[-1] == "d2f_dxdy = cos(y) * (2 * x)"
    assert cli("diff", "x*y", "--wrt", "x,y").exit_code == 2
    assert cli("diff", "x*y", "--wrt", "x,q", "--order", "2").exit_code == 2


@SETTINGS
@given(expressions(kinks=True, max_leaves=8), points)
def test_generated_numpy_hvp_equals_the_engines(expr, at):
    from backprop_cli.transforms.hvp_codegen import generate_hvp

    text, _ = expr
    try:
        r = evaluate(text, at=at)
    except MathError:
        assume(False)
    assume(all(math.isfinite(v) and abs(v) < 1e6 for v in r.values + r.grads))
    v = {name: 0.5 + k for k, name in enumerate(r.graph.inputs)}
    want = api.hvp(r, v)
    assume(all(math.isfinite(x) for x in want.values()))
    namespace = {}
    exec(compile(generate_hvp(r.graph), "<generated hvp>", "exec"), namespace)
    names = list(r.graph.inputs)
    value, grads, hv = namespace["f"](*[at[n] for n in names], *[v[n] for n in names])
    assert float(value) == pytest.approx(r.value, rel=1e-12, abs=1e-12)
    for k, n in enumerate(names):
        assert float(grads[k]) == pytest.approx(r.gradients[n], rel=1e-9, abs=1e-9)
        assert float(hv[k]) == pytest.approx(want[n], rel=1e-9, abs=1e-9 * (1 + abs(want[n]))), (text, n)


def test_codegen_hvp_is_numpy_only(cli):
    out = cli("codegen", "x*y", "--lang", "c", "--hvp")
    assert out.exit_code == 2 and "numpy" in out.stderr


def test_check_methods_are_the_tasks():
    from backprop_cli.cli import options
    from backprop_cli.tasks.check.numeric import METHODS

    assert tuple(options.CHECK_METHOD.choices) == tuple(METHODS)
