"""LaTeX for slides: eval --format latex (booktabs), trace --format latex (align*), graph --format tikz.
Every output is compiled with pdflatex (Debian's texlive; .ci/run installs it), and the numbers in it
are the engine's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from backprop_cli import evaluate
from backprop_cli.core.ops import elementwise_gates
from backprop_cli.base.numbers import show
from backprop_cli.views import latex, tikz
from backprop_cli.views.trace_steps import Steps
from conftest import SAMPLES, run
from random_programs import points, programs

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (Debian: texlive-latex-base "
                                    "texlive-latex-recommended texlive-pictures; .ci/run installs them)")

NEURON = (SAMPLES / "neuron.bp").read_text()
LECTURE = {"x": -2, "y": 5, "z": -4}


def compile_latex(tmp_path, *fragments: str) -> str:
    """Compile the fragments in one article (the packages each fragment's first line names); the log."""
    body = "\n\n".join(fragments)
    document = ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{booktabs}\n\\usepackage{tikz}\n"
                "\\usepackage[margin=1cm,paperwidth=60cm,paperheight=200cm]{geometry}\n"
                f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    (tmp_path / "doc.tex").write_text(document, encoding="utf-8")
    done = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    log = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0, log[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000
    return log


# ---- what the LaTeX says ---------------------------------------------------------------------------


def test_eval_latex_table_has_every_node_and_the_lectures_numbers():
    result = run("eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "latex")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith("% backprop eval --format latex: needs \\usepackage{booktabs}")
    assert "\\begin{tabular}{rllrr}" in text and "\\toprule" in text and "\\bottomrule" in text
    rows = [line for line in text.splitlines() if re.match(r"\d+ & ", line)]
    assert rows == ["0 & $x$ & input & $-2$ & $-4$ \\\\", "1 & $y$ & input & $5$ & $-4$ \\\\",
                    "2 & $t_{1} = x + y$ & add & $3$ & $-4$ \\\\", "3 & $z$ & input & $-4$ & $3$ \\\\",
                    "4 & $f = t_{1} \\cdot z$ & mul & $-12$ & $1$ \\\\"]
    assert "\\multicolumn{3}{l}{$\\partial f/\\partial x$} & & $-4$ \\\\" in text


def test_trace_latex_is_upstream_times_local_at_every_gate():
    text = "".join(latex.trace(evaluate("q = x + y\nf = q * z", at=LECTURE)))
    assert "{\\allowdisplaybreaks\n\\begin{align*}" in text and text.rstrip().endswith("\\end{align*}}")
    assert "f &= q \\cdot z = 3 \\cdot (-4) = -12\\\\" in text
    assert ("\\frac{\\partial f}{\\partial q} &= \\underbrace{1}_{\\text{upstream}} \\times "
            "\\underbrace{z}_{\\text{local}} = 1 \\times (-4) = -4\\\\") in text
    assert ("\\frac{\\partial f}{\\partial x} &= \\underbrace{(-4)}_{\\text{upstream}} \\times "
            "\\underbrace{1}_{\\text{local}} = -4\\\\") in text


def test_trace_latex_numbers_are_the_engines_on_the_neuron():
    """Each edge's line: the upstream, the local gradient's number and what flows on, all as the
    engine recorded them; the formula of each gate's local gradient is the gate table's."""
    result = evaluate(NEURON)
    lines = "".join(latex.trace(result)).splitlines()
    steps = Steps(result)
    for step in steps.backward():
        for edge in step.edges:
            if result.graph.op[edge.to] == "const":
                continue
            target = latex.partial("f", steps.names[edge.to])
            matching = [line for line in lines if line.startswith(target + " &")]
            assert any(f"\\underbrace{{{latex.operand_number(step.upstream)}}}" in line
                       and line.endswith(f"= {latex.number(edge.flows)}\\\\") for line in matching), (target, matching)
    text = "\n".join(lines)
    assert "\\underbrace{\\frac{-1}{{t_{7}}^{2}}}_{\\text{local}} = 1 \\times (-0.5344) = -0.5344" in text
    assert "\\underbrace{t_{6}}_{\\text{local}}" in text  # d/dx e^x = e^x, not the notes' 1/x
    collapsed = "".join(latex.trace(evaluate(NEURON, collapse="sigmoid")))
    assert "\\underbrace{f \\cdot (1 - f)}_{\\text{local}} = 1 \\times 0.1966 = 0.1966" in collapsed


def test_a_branch_adds_in_the_latex_trace():
    text = "".join(latex.trace(evaluate("x*y + x", at={"x": 3, "y": -4})))
    assert "\\frac{\\partial f}{\\partial x} &\\mathrel{+}=" in text
    assert "\\frac{\\partial f}{\\partial x} &= 1 + (-4) = -3 && \\text{(a branch adds)}" in text


def test_latex_names_and_numbers():
    assert latex.name("x") == "x" and latex.name("t12") == "t_{12}" and latex.name("w_0") == "w_{0}"
    assert latex.name("loss") == "\\mathit{loss}" and latex.name("c#2") == "\\mathit{c\\#2}"
    assert latex.name("my_var") == "\\mathit{my\\_var}"
    assert latex.number(2.5e-7) == "2.5 \\times 10^{-7}" and latex.number(float("-inf")) == "-\\infty"
    assert latex.text("50% & $x_1$ {#} \\ ~^") == "50\\% \\& \\$x\\_1\\$ \\{\\#\\} \\textbackslash{} \\~{}\\^{}"


def test_tikz_has_every_wire_with_its_numbers():
    result = evaluate("q = x + y\nf = q * z", at=LECTURE)
    text = tikz.render(result)
    assert text.splitlines()[1].startswith("\\begin{tikzpicture}")
    draws = [line for line in text.splitlines() if line.startswith("\\draw[->]")]
    assert len(draws) == 5  # x, y into +; q, z into *; f to the output marker
    assert "text=bpvalue] {$-2$}" in draws[0] and "text=bpgrad] {$-4$}" in draws[0]
    assert "{$-12$}" in draws[-1]


def test_graph_tikz_by_format_and_by_suffix(tmp_path):
    by_format = run("graph", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "tikz")
    assert by_format.exit_code == 0, by_format.stderr
    out = tmp_path / "g.tex"
    by_suffix = run("graph", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "-o", out)
    assert by_suffix.exit_code == 0, by_suffix.stderr
    assert out.read_text() == by_format.stdout
    clash = run("graph", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "-o", tmp_path / "g.mmd", "--format", "tikz")
    assert clash.exit_code == 2 and "--format" in clash.stderr


def test_trace_latex_refuses_a_tensor_program():
    result = run("trace", "-f", SAMPLES / "tensors" / "vectorized.bp", "--format", "latex")
    assert result.exit_code == 2
    assert "trace --format latex: scalar programs only" in result.stderr


def test_eval_latex_writes_a_file_and_agrees_with_json(tmp_path):
    out = tmp_path / "t.tex"
    assert run("eval", "-f", SAMPLES / "neuron.bp", "--format", "latex", "-o", out).exit_code == 0
    data = json.loads(run("eval", "-f", SAMPLES / "neuron.bp", "--format", "json").stdout)
    text = out.read_text()
    for node in data["nodes"]:
        assert f"$ & {node['op']} & ${show(node['value'])}$" in text


# ---- compiled by pdflatex --------------------------------------------------------------------------


@needs_pdflatex
def test_the_lectures_examples_compile(tmp_path):
    fragments = []
    for source, at, collapse in [("q = x + y\nf = q * z", LECTURE, None), (NEURON, None, None),
                                 (NEURON, None, "sigmoid"),
                                 ("2*(x*y + max(z, w))", {"x": 3, "y": -4, "z": 2, "w": -1}, None)]:
        result = evaluate(source, at, collapse=collapse)
        fragments += ["".join(latex.table(result)), "".join(latex.trace(result)), tikz.render(result)]
    tensor = run("eval", "-f", SAMPLES / "tensors" / "vectorized.bp", "--format", "latex")
    graph = run("graph", "-f", SAMPLES / "tensors" / "vectorized.bp", "--format", "tikz")
    structure = run("graph", "sigmoid(w*x + b)", "--format", "tikz")  # no --at: the shape alone
    fragments += [tensor.stdout, graph.stdout, structure.stdout]
    compile_latex(tmp_path, *fragments)


@needs_pdflatex
def test_every_scalar_gates_local_gradient_compiles(tmp_path):
    """One program per gate of the table, at a point inside its domain: its trace (each local
    gradient's formula, from the gate's description) compiles."""
    fragments = []
    for name, op in elementwise_gates().items():
        if not op.callable or op.forward_expr is None:
            continue
        lo, hi = op.arity
        args = ["x", "y", "z"][:max(lo, 1)] if hi is None or hi >= 1 else []
        at = {"x": 0.3, "y": 0.6, "z": 0.2}
        program = f"{name}({', '.join(args)})"
        result = evaluate(program, {k: at[k] for k in args}, allow_nonfinite=True)
        fragments.append("".join(latex.trace(result)))
    assert len(fragments) > 25
    compile_latex(tmp_path, *fragments)


@needs_pdflatex
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(programs(), points()), min_size=15, max_size=15))
def test_random_programs_compile(tmp_path_factory, cases):
    fragments = []
    for source, point in cases:
        try:
            result = evaluate(source, point, allow_nonfinite=True)
        except Exception:
            continue
        fragments += ["".join(latex.table(result)), "".join(latex.trace(result)), tikz.render(result)]
    if fragments:
        compile_latex(tmp_path_factory.mktemp("random"), *fragments)


# ---- deep programs: no recursion over the graph ----------------------------------------------------


@pytest.mark.parametrize("args", [["eval", "--format", "latex"], ["trace", "--format", "latex"],
                                  ["graph", "--format", "tikz"]])
def test_deep_nesting_writes_latex(tmp_path, args):
    """5,000 nested calls (five times Python's recursion limit) and a 20,000-long chain."""
    nested = "exp(" * 5000 + "x" + ")" * 5000
    chain = "x" + "+x" * 20000
    for name, program in (("nested.bp", nested), ("chain.bp", chain)):
        path = tmp_path / name
        path.write_text(program)
        result = run(*args[:1], "-f", path, "--at", "x=-30", "--allow-nonfinite", *args[1:])
        assert result.exit_code == 0, result.stderr[-500:]
        assert result.stdout.rstrip().endswith(("\\end{tabular}", "\\end{align*}}", "\\end{tikzpicture}"))


def test_deep_nesting_in_the_notebook_views():
    r = evaluate("exp(" * 3000 + "x" + ")" * 3000, {"x": -30}, allow_nonfinite=True)
    assert r._repr_html_().count("<tr>") == 501  # the header and the first 500 rows
    assert r.trace()._repr_markdown_().count("**step ") == 500
    assert r.picture(engine="builtin").svg.count("<circle") == 3000


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), points())
def test_every_edge_of_random_programs_is_a_line_of_the_latex_trace(source, point):
    """The align* block has one line per edge that carries a gradient, in the engine's order, each
    ending in what the engine says flows along it, and one line per branch with the node's total."""
    try:
        result = evaluate(source, point, allow_nonfinite=True)
    except Exception:
        return
    lines = "".join(latex.trace(result)).splitlines()
    backward = lines[lines.index("&\\text{Backward pass: upstream} \\times \\text{local}\\\\") + 2:
                     lines.index("&\\text{Result}\\\\")]
    expected = []
    steps = Steps(result)
    g = result.graph
    for step in steps.backward():
        expected.append(f"&\\text{{{step.op} gate}}")
        for edge in step.edges:
            if g.op[edge.to] == "const" and g.name[edge.to] is None:
                continue
            expected.append((latex.partial(steps.top, steps.names[edge.to]), latex.number(edge.flows)))
        for j, shares, total in step.branches:
            expected.append((latex.partial(steps.top, steps.names[j]), latex.number(total)))
    assert len(backward) == len(expected)
    for line, want in zip(backward, expected):
        if isinstance(want, str):
            assert line.startswith(want)
        else:
            target, number = want
            assert line.startswith(target + " &")
            assert f"= {number}\\\\" in line or f"= {number} &&" in line
