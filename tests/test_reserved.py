"""Generated code never lets an input's name collide with its target: keywords, library functions,
macros, runtime globals, the language's own functions; and non-finite constants are spelled as each
language's own (math.inf, np.inf, INFINITY, Infinity; nan likewise), never as a bare name.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess

import numpy as np
import pytest

from backprop_cli import evaluate
from backprop_cli.api import build
from backprop_cli.core import engine
from backprop_cli.core.ops import function_names
from backprop_cli.transforms.codegen import generate
from backprop_cli.transforms.expressions import Spell
from backprop_cli.transforms.reserved import RESERVED
from test_codegen import run_c, run_js

HAVE_GCC = shutil.which("gcc") is not None
HAVE_NODE = shutil.which("node") is not None
LANGS = ("python", "numpy", "c", "js")


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def run_everywhere(graph_or_source, points: list, tmp_path, flags=("-O0",)) -> dict:
    """{lang: [(value, grads) per point]} for the generated code of every language."""
    graph = build(graph_or_source) if isinstance(graph_or_source, str) else graph_or_source
    out: dict = {}
    for lang in ("python", "numpy"):
        namespace: dict = {}
        exec(compile(generate(graph, lang, "g"), f"<{lang}>", "exec"), namespace)
        rows = []
        for xs in points:
            with np.errstate(all="ignore"):
                v, g = namespace["g"](*xs)
            rows.append((float(v), [float(x) for x in g]))
        out[lang] = rows
    if HAVE_GCC:
        out["c"] = _run_c_graph(graph, points, tmp_path, flags)
    if HAVE_NODE:
        out["js"] = _run_js_graph(graph, points, tmp_path)
    return out


def _run_c_graph(graph, points, tmp_path, flags):
    n = len(graph.inputs)
    calls = []
    for xs in points:
        args = ", ".join(_c_number(x) for x in xs)
        calls.append(f"  {{ double gr[{max(n, 1)}]; double v = g({args}, gr); printf(\"%.17g\", v);"
                     f" for (int i = 0; i < {n}; i++) printf(\" %.17g\", gr[i]); printf(\"\\n\"); }}")
    src = tmp_path / "names.c"
    src.write_text("#include <stdio.h>\n" + generate(graph, "c", "g") +
                   "int main(void)\n{\n" + "\n".join(calls) + "\n  return 0;\n}\n")
    exe = tmp_path / "names"
    subprocess.run(["gcc", "-Wall", "-Werror", *flags, str(src), "-o", str(exe), "-lm"],
                   check=True, capture_output=True, text=True)
    lines = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.splitlines()
    return [(float(v), [float(x) for x in g]) for v, *g in (line.split() for line in lines)]


def _c_number(x: float) -> str:
    return "INFINITY" if x == math.inf else "-INFINITY" if x == -math.inf else "NAN" if x != x else repr(x)


def _run_js_graph(graph, points, tmp_path):
    calls = [f"{{ const [v, gr] = g({', '.join(repr(x) for x in xs)}); "
             f"console.log([v, ...gr].map(String).join(' ')); }}" for xs in points]
    src = tmp_path / "names.js"
    src.write_text(generate(graph, "js", "g") + "\n".join(calls) + "\n")
    lines = subprocess.run(["node", str(src)], check=True, capture_output=True, text=True).stdout.splitlines()
    return [(float(v), [float(x) for x in g]) for v, *g in (line.split() for line in lines)]


def assert_like_eval(graph, points, results) -> None:
    for lang, rows in results.items():
        for xs, (value, grads) in zip(points, rows):
            r = engine.run(graph, dict(zip(graph.inputs, xs)), allow_nonfinite=True)
            want = [r.gradients[name] for name in graph.inputs]
            assert same(value, r.value), (lang, xs, value, r.value)
            assert all(same(a, b) for a, b in zip(grads, want)), (lang, xs, grads, want)


def test_an_input_named_inf_is_not_an_infinite_gradient(tmp_path):
    # The case: the local gradient 1/1e-320 is inf; it must not be written as `inf`, which
    # an input named inf would capture (all four languages said dx = 5 where eval says inf).
    source = "x / 1e-320 + 0*inf"
    points = [[1e-300, 5.0], [-2e-301, 0.5]]
    graph = build(source)
    results = run_everywhere(graph, points, tmp_path)
    assert set(results) == set(LANGS) or not (HAVE_GCC and HAVE_NODE)
    assert_like_eval(graph, points, results)
    assert evaluate(source, at={"x": 1e-300, "inf": 5.0}).gradients["x"] == math.inf


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_constants_are_each_languages_own(value, tmp_path):
    # The parser refuses 1e999, so plant the constant in the graph: c*x + c with c non-finite, and
    # inputs named like the other languages' spellings of it.
    graph = build("q = 2*INFINITY + NaN*x + math*np + NAN*Infinity")
    for i, op in enumerate(graph.op):
        if op == "const":
            graph.payload[i] = value
    points = [[float(k + 1) for k in range(len(graph.inputs))]]
    results = run_everywhere(graph, points, tmp_path)
    assert_like_eval(graph, points, results)
    spelled = {"python": "math.inf", "numpy": "np.inf", "c": "INFINITY", "js": "Infinity"}
    for lang in LANGS:
        text = Spell(lang).num(value).text
        if value == value:
            assert text == ("-" if value < 0 else "") + spelled[lang]
        else:
            assert text == {"python": "math.nan", "numpy": "np.nan", "c": "NAN", "js": "NaN"}[lang]


C_NAMES = ["M_PI", "M_E", "linux", "unix", "FP_NAN", "__LINE__", "asm", "floor", "y0", "gamma", "round",
           "isnan", "atan2", "exp", "grad", "double", "HUGE_VAL", "_Bool", "errno", "main", "fmax"]


@pytest.mark.skipif(not HAVE_GCC, reason="gcc is not installed")
@pytest.mark.parametrize("flags", [("-O0",), ("-std=c99", "-O2")], ids=["gnu", "c99"])
def test_c_inputs_named_like_macros_and_library_functions(flags, tmp_path):
    # gcc's default (GNU) mode defines linux and unix, and <math.h> M_PI, y0, gamma, ...
    source = "atan2(M_PI, linux)*atan2 + " + " + ".join(f"{n}*{k + 1}" for k, n in enumerate(C_NAMES[:-3]))
    source += " + max(double, _Bool)*errno - main*fmax"
    graph = build(source)
    points = [[0.5 + k / 7 for k in range(len(graph.inputs))], [-1.5 + k / 3 for k in range(len(graph.inputs))]]
    results = {"c": _run_c_graph(graph, points, tmp_path, flags)}
    assert_like_eval(graph, points, results)


def test_python_inputs_named_like_builtins(tmp_path):
    source = "float*2 + __debug__ + math*np + abs(max) + min*sum + sigmoid + exp*len + lambda"
    graph = build(source)
    points = [[0.5 + k / 7 for k in range(len(graph.inputs))]]
    results = run_everywhere(graph, points, tmp_path)
    assert_like_eval(graph, points, results)


@pytest.mark.skipif(not HAVE_NODE, reason="node is not installed")
def test_js_inputs_named_like_globals(tmp_path):
    graph = build("Math*Infinity + NaN*undefined + arguments - eval*let + Number")
    points = [[1.5 - k / 3 for k in range(len(graph.inputs))]]
    results = {"js": _run_js_graph(graph, points, tmp_path)}
    assert_like_eval(graph, points, results)


def test_every_language_function_is_reserved_in_every_target():
    for lang in LANGS:
        for name in function_names():
            assert name in RESERVED[lang], (lang, name)


@pytest.mark.skipif(not HAVE_GCC, reason="gcc is not installed")
def test_the_c_list_covers_what_gcc_defines(tmp_path):
    # Built from the real compiler: every macro gcc and <math.h> define, and every function
    # <math.h> declares, is reserved (by name or by the standard's patterns).
    src = tmp_path / "m.c"
    src.write_text("#include <math.h>\n")
    macros = subprocess.run(["gcc", "-dM", "-E", str(src)], check=True, capture_output=True, text=True).stdout
    names = {line.split()[1].split("(")[0] for line in macros.splitlines() if line.startswith("#define")}
    declared = subprocess.run(["gcc", "-E", str(src)], check=True, capture_output=True, text=True).stdout
    names |= set(re.findall(r"\b([A-Za-z_]\w*)\s*\(", declared))
    assert len(names) > 300
    missing = sorted(n for n in names if n not in RESERVED["c"])
    assert not missing, missing


def test_a_family_reserved_name_gets_a_prefix_not_a_loop():
    code = generate(build("M_PI + __x + _Y"), "c")
    assert "double vM_PI" in code and "double v__x" in code and "double v_Y" in code
