"""Every gate in every backend, by iterating the gate table: a new gate is tested by being added.

For each gate (at each arity it takes) and random points away from its kinks and singularities,
the value and the local gradients of every backend agree with the gate's one description:

- the scalar engine (hand-tuned fast paths included) and the numpy engine;
- the generated Python, numpy, C (gcc) and JavaScript (node);
- ``diff``'s program, evaluated again;
- the trace's formula text, read back as a formula;

and the description agrees with SymPy, whose derivative of the forward rule is the independent
oracle for the local gradients.
"""

from __future__ import annotations

import json
import math
import random
import shutil

import numpy as np
import pytest
import sympy as sp

from backprop_cli import evaluate
from backprop_cli.api import build
from backprop_cli.core import library, ops
from backprop_cli.core.ops import GATES, gate_names
from backprop_cli.transforms.codegen import generate
from backprop_cli.transforms.diff import derivative_program
from backprop_cli.views.notation import local_formula
from gate_oracle import NoOracle, forward as sympy_forward
from test_codegen import run_c, run_js

HAVE_GCC = shutil.which("gcc") is not None
HAVE_NODE = shutil.which("node") is not None
POINTS = 6


def arities(op) -> list:
    lo, hi = op.arity
    if hi is None:
        return [lo, lo + 2]
    return list(range(lo, hi + 1))


CASES = [(name, n) for name in gate_names() for n in arities(GATES[name])]
IDS = [f"{name}/{n}" for name, n in CASES]


def source(name: str, n: int, args=None) -> str:
    """f = the gate over x0, x1, ..., or over ``args`` (expressions: in parentheses by an operator)."""
    op = GATES[name]
    xs = [f"x{k}" for k in range(n)] if args is None else [f"({a})" for a in args]
    if op.notation == "infix":
        return f"f = {xs[0]} {op.symbol} {xs[1]}"
    if op.notation == "prefix":
        return f"f = {op.symbol}{xs[0]}"
    return f"f = {name}({', '.join(xs if args is None else args)})"


def description(name: str):
    """The scalar forward and local derived from the description alone (no fast path)."""
    op = GATES[name]
    return ops._derive(op, "forward"), ops._derive(op, "local")


def points(name: str, n: int) -> list:
    """Random points where the gate is defined, finite and not at a kink (some coordinates repeat, so
    that gates that need a tie, like share, get defined points)."""
    op = GATES[name]
    fwd, loc = description(name)
    rng = random.Random(f"{name}/{n}")
    found = []
    for _ in range(2000):
        xs = []
        for _k in range(n):
            xs.append(rng.choice(xs) if xs and rng.random() < 0.3 else round(rng.uniform(-3, 3), 3))
        out = fwd(*xs)
        if not math.isfinite(out) or abs(out) > 1e6 or op.kink(*xs):
            continue
        if not all(math.isfinite(g) for g in loc(out, *xs)):
            continue
        found.append(xs)
        if len(found) == POINTS:
            break
    assert len(found) == POINTS, f"{name}/{n}: no {POINTS} good points in [-3, 3]"
    return found


POINTS_OF = {case: points(*case) for case in CASES}


def same(a: float, b: float, rel: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or (rel > 0 and math.isclose(a, b, rel_tol=rel, abs_tol=rel))


def expected(name: str, xs: list) -> tuple:
    fwd, loc = description(name)
    out = fwd(*xs)
    return out, list(loc(out, *xs))


# ---- the engines --------------------------------------------------------------------------------


@pytest.mark.parametrize("name, n", CASES, ids=IDS)
def test_the_scalar_engine_is_the_description(name, n):
    op = GATES[name]
    for xs in POINTS_OF[name, n]:
        out, local = expected(name, xs)
        assert same(op.forward(*xs), out), (name, xs)
        assert all(same(a, b) for a, b in zip(op.local(out, *xs), local)), (name, xs)
        r = evaluate(source(name, n), at={f"x{k}": x for k, x in enumerate(xs)})
        assert same(r.value, out) and all(same(a, b) for a, b in zip(r.gradients.values(), local))


@pytest.mark.parametrize("name, n", CASES, ids=IDS)
def test_fast_paths_equal_the_description_at_special_values(name, n):
    op = GATES[name]
    if not op.fast:
        return
    fwd, loc = description(name)
    specials = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -2.5, math.inf, -math.inf, math.nan]
    rng = random.Random(name)
    for _ in range(300):
        xs = [rng.choice(specials) for _ in range(n)]
        out = fwd(*xs)
        assert same(op.forward(*xs), out), (name, xs)
        got, want = op.local(out, *xs), loc(out, *xs)
        for a, b in zip(got, want):
            # pow's fast path goes through logs where the description's a^(b-1) overflows.
            assert same(a, b) or (name == "pow" and not math.isfinite(b)), (name, xs, got, want)


@pytest.mark.parametrize("name, n", CASES, ids=IDS)
def test_the_numpy_engine_is_the_description(name, n):
    op = GATES[name]
    pts = POINTS_OF[name, n]
    columns = [np.array([xs[k] for xs in pts]) for k in range(n)]
    with np.errstate(all="ignore"):
        out = op.np_forward(*columns)
        local = op.np_local(out, *columns)
    for row, xs in enumerate(pts):
        want_out, want_local = expected(name, xs)
        assert same(float(out[row]), want_out, 1e-14), (name, xs)
        for g, w in zip(local, want_local):
            assert same(float(np.broadcast_to(g, out.shape)[row]), w, 1e-13), (name, xs)


@pytest.mark.parametrize("name, n", CASES, ids=IDS)
def test_the_description_agrees_with_sympy(name, n):
    symbols = sp.symbols(f"x0:{n}", real=True)
    try:
        f = sympy_forward(name, list(symbols))
    except NoOracle:
        assert name == "share", name  # share's oracle is max/min's routing (test_diff.py)
        return
    for xs in POINTS_OF[name, n]:
        out, local = expected(name, xs)
        subs = dict(zip(symbols, xs))
        assert same(out, float(f.evalf(30, subs=subs)), 1e-12), (name, xs)
        for k, s in enumerate(symbols):
            d = sp.diff(f, s).evalf(30, subs=subs)
            assert same(local[k], float(d), 1e-9), (name, xs, k, local[k], d)


# ---- generated code -----------------------------------------------------------------------------


def functions_used(name: str) -> set:
    """The library functions a gate's description calls: its own (a ``lib`` forward) and every
    ``F.name(...)`` in its forward and local gradients, followed through the gates it calls."""
    found, stack, seen = set(), [name], set()
    while stack:
        gate = GATES.get(stack.pop())
        if gate is None or gate.name in seen or gate.forward_expr is None:
            continue
        seen.add(gate.name)
        exprs = [gate.forward_expr, *gate.local_exprs]
        while exprs:
            e = exprs.pop()
            if e.kind == "lib":
                found.add(gate.name)
            elif e.kind == "call":
                found.add(e.value)
                stack.append(e.value)
            exprs.extend(e.args)
    return {f for f in found if f in library.LIBRARY}


def lacking(name: str, lang: str) -> list:
    """The functions the gate needs that ``lang`` lacks (JavaScript's and numpy's erf)."""
    return sorted(f for f in functions_used(name) if library.LIBRARY[f].code.get(lang) is None)


def test_a_language_that_lacks_a_function_refuses_with_one_message():
    from backprop_cli.base.errors import InputError

    refused = 0
    for name, n in CASES:
        for lang in ("python", "numpy", "c", "js"):
            missing = lacking(name, lang)
            if not missing:
                continue
            refused += 1
            with pytest.raises(InputError) as e:
                generate(build(source(name, n)), lang, "g")
            assert e.value.args[0].startswith(f"{missing[0]} cannot be written in"), e.value.args
    assert refused >= 2  # erf in numpy and in JavaScript


def run_python(name: str, n: int, lang: str) -> list:
    namespace: dict = {}
    exec(compile(generate(build(source(name, n)), lang, "g"), "<generated>", "exec"), namespace)
    results = []
    for xs in POINTS_OF[name, n]:
        with np.errstate(all="ignore"):
            value, grads = namespace["g"](*xs)
        results.append((float(value), [float(g) for g in grads]))
    return results


def check_results(name: str, n: int, results: list, rel: float) -> None:
    for xs, (value, grads) in zip(POINTS_OF[name, n], results):
        out, local = expected(name, xs)
        assert same(value, out, rel), (name, xs, value, out)
        assert len(grads) == n
        for g, w in zip(grads, local):
            assert same(g, w, rel), (name, xs, grads, local)


@pytest.mark.parametrize("name, n", CASES, ids=IDS)
def test_generated_python_is_the_description(name, n):
    check_results(name, n, run_python(name, n, "python"), 0.0)


@pytest.mark.parametrize("name, n", CASES, ids=IDS)
def test_generated_numpy_is_the_description(name, n):
    if lacking(name, "numpy"):
        return  # refused: test_a_language_that_lacks_a_function_refuses_with_one_message
    check_results(name, n, run_python(name, n, "numpy"), 1e-13)


@pytest.mark.skipif(not HAVE_GCC, reason="gcc is not installed")
def test_generated_c_is_the_description(tmp_path):
    cases = [case for case in CASES if not lacking(case[0], "c")]
    results = run_c([(source(*case), POINTS_OF[case]) for case in cases], tmp_path)
    for case, got in zip(cases, results):
        check_results(*case, got, 1e-14)


@pytest.mark.skipif(not HAVE_NODE, reason="node is not installed")
def test_generated_js_is_the_description(tmp_path):
    cases = [case for case in CASES if not lacking(case[0], "js")]
    results = run_js([(source(*case), POINTS_OF[case]) for case in cases], tmp_path)
    for case, got in zip(cases, results):
        check_results(*case, got, 1e-12)


# ---- diff and the trace -------------------------------------------------------------------------


@pytest.mark.parametrize("name, n", CASES, ids=IDS)
def test_diff_is_the_description(name, n):
    graph = build(source(name, n))
    for k in range(n):
        program = derivative_program(graph, f"x{k}")
        for xs in POINTS_OF[name, n]:
            at = {f"x{j}": x for j, x in enumerate(xs)}
            got = evaluate(program, at=at).value
            assert same(got, expected(name, xs)[1][k]), (name, xs, k, program)


def read_formula(text: str, labels: dict) -> float:
    """A trace formula read back: the language's operators, Python's `a if c else b` (our own text
    from the gate table, never user input)."""
    namespace = {name: GATES[name].forward for name in gate_names() if GATES[name].callable}
    namespace.update(ops.CONSTANTS)
    namespace.update(labels)
    return eval(text.replace("^", "**"), {"__builtins__": {}}, namespace)


@pytest.mark.parametrize("name, n", CASES, ids=IDS)
def test_the_trace_formula_is_the_description(name, n):
    op = GATES[name]
    graph = build(source(name, n))
    node = graph.output
    for k in range(n):
        text = local_formula(graph, node, k)
        if op.reads is not None:  # words, not a formula: they name the input
            assert f"x{k}" in text
            continue
        for xs in POINTS_OF[name, n]:
            got = read_formula(text, {f"x{j}": x for j, x in enumerate(xs)})
            assert same(got, expected(name, xs)[1][k], 1e-12), (name, k, text, xs)


def test_the_new_gates_are_in_the_table():
    new = {"asin", "acos", "atan", "atan2", "sinh", "cosh", "log2", "log10", "softplus", "leaky_relu",
           "square"}
    assert new <= set(gate_names())
    assert GATES["leaky_relu"].arity == (1, 2) and GATES["atan2"].params == ("y", "x")


# ---- backprop gates: the cheat sheet ----------------------------------------------------------------


def test_the_cheat_sheet_lists_every_gate_with_its_formulas_whole():
    from conftest import run

    rows = json.loads(run("gates", "--format", "json").output)
    assert [r["name"] for r in rows if "local" in r] == gate_names()
    assert [r["name"] for r in rows if "vjp" in r] == [n for n, g in GATES.items() if not g.elementwise]
    for width in (60, 80, 200):
        text = run("gates", "--width", str(width)).output
        squeezed = "".join(text.split())
        for r in rows:
            for piece in [r["forward"], r["pattern"], *[f for f in r.get("local", r.get("vjp")) if f]]:
                assert "".join(piece.split()) in squeezed, (width, piece)  # wrapped, never cut
        for line in text.splitlines():
            assert len(line) <= width or " " not in line.strip(), (width, line)


def test_the_cheat_sheet_uses_the_lectures_words():
    from conftest import run

    rows = {r["name"]: r for r in json.loads(run("gates", "--format", "json").output)}
    assert "distributes" in rows["add"]["pattern"] and "swaps" in rows["mul"]["pattern"]
    assert "routes" in rows["max"]["pattern"]
    assert rows["mul"]["local"] == ["y", "x"] and rows["mul"]["arity"] == [2, 2]
    assert rows["exp"]["local"] == ["exp(x)"]  # not the lecture notes' slip, 1/x
    assert rows["leaky_relu"]["arity"] == [1, 2] and rows["leaky_relu"]["defaults"] == {"a": 0.01}
    assert rows["max"]["arity"] == [1, None]


@pytest.mark.parametrize("name, n", [c for c in CASES if GATES[c[0]].arity[1] is not None
                                      and GATES[c[0]].reads is None and c[1] == len(GATES[c[0]].params)],
                         ids=lambda c: str(c))
def test_the_cheat_sheets_formulas_are_the_local_gradients(name, n):
    from backprop_cli.views.gates import describe_gate

    row = describe_gate(GATES[name])
    for xs in POINTS_OF[name, n]:
        labels = dict(zip(row["inputs"], xs))
        for k, text in enumerate(row["local"]):
            assert same(read_formula(text, labels), expected(name, xs)[1][k], 1e-12), (name, text, xs)


COLLAPSING = [name for name in gate_names() if GATES[name].collapses is not None]


@pytest.mark.parametrize("name", COLLAPSING)
def test_a_collapsed_chain_is_its_gate(name):
    from backprop_cli.core import engine
    from backprop_cli.transforms.collapse import collapse
    from backprop_cli.views.notation import formula

    op = GATES[name]
    n = len(op.params)
    chain = formula(op.collapses, [f"x{k}" for k in range(n)])
    graph = build(f"f = {chain}")
    folded = collapse(graph, name)
    assert folded.op[folded.output] == name and len(folded) == n + 1, chain
    for xs in POINTS_OF[name, n]:
        at = {f"x{k}": x for k, x in enumerate(xs)}
        a, b = engine.run(graph, at), engine.run(folded, at)
        assert same(a.value, b.value, 1e-15), (chain, xs)
        assert all(same(a.gradients[k], b.gradients[k], 1e-13) for k in at), (chain, xs)


def test_the_gate_table_costs_no_dataclasses_or_typing_at_start_up():
    import subprocess
    import sys

    code = ("import sys\n"
            "from backprop_cli.api import build\n"
            "from backprop_cli.core import engine\n"
            "engine.run(build('1/(1+exp(-(w0*x0+w1*x1+w2))) + leaky_relu(w0)*atan2(x0, x1)'),"
            " dict(w0=2, x0=-1, w1=-3, x1=-2, w2=-3))\n"
            "print(sorted(m for m in ('dataclasses', 'typing', 'numpy', 'sympy') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


# ---- a language that lacks a function, and the new gates end to end ---------------------------------


@pytest.mark.parametrize("args", [("codegen", "erf(x) + 1", "--lang", "js"),
                                  ("codegen", "erf(x) + 1", "--lang", "numpy"),
                                  ("codegen", "input X = [1, 2]\nf = sum(erf(X))\n", "--lang", "numpy")])
def test_codegen_refuses_a_function_the_language_lacks_with_one_message(args):
    from conftest import run

    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Error: erf cannot be written in ") and "Traceback" not in result.stderr
    assert len(lines) == 2  # what, and what to do instead


def test_batch_computes_the_gates_every_backend_of_python_has(tmp_path):
    """batch (the numpy engine) on erf ended in an internal error; it computes it now, as eval does."""
    from conftest import run

    data = tmp_path / "in.csv"
    data.write_text("x,y\n0.5,2\n-1.5,0.25\n3,-0.5\n")
    expr = "erf(x) + cbrt(y) + expm1(x) + log1p(y) + hypot(x, y)"
    result = run("batch", expr, "-i", data, "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    for row in rows:
        r = evaluate(expr, at={"x": row["x"], "y": row["y"]})
        assert same(row["f"], r.value, 1e-15) or (math.isnan(row["f"]) and math.isnan(r.value))
        assert same(row["df/dx"], r.gradients["x"], 1e-14)


def test_generated_python_runs_on_the_oldest_python_allowed():
    """math.cbrt is Python 3.11+: generated Python carries its own cbrt, the engine's own."""
    from backprop_cli.core.library import cbrt

    code = generate(build("cbrt(x)*erf(x)"), "python", "g")
    assert "math.cbrt(" not in code and "def cbrt(x" in code
    assert [cbrt(float(n ** 3)) for n in range(-50, 51)] == [float(n) for n in range(-50, 51)]


def test_the_language_reference_names_every_function():
    from pathlib import Path

    from backprop_cli.core.ops import function_names

    text = (Path(__file__).parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
    missing = [name for name in function_names() if f"`{name}" not in text]
    assert not missing, f"docs/language.md does not list {missing}"
