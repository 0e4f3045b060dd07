"""The notebook side, in-process: results that show themselves (HTML table, SVG picture, trace), the
%backprop magics in a real IPython shell, the widget's sliders and step button, and the CLI's start-up
untouched by any of it."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings

from backprop_cli import evaluate
from backprop_cli.core.engine import Result
from backprop_cli.base.numbers import show
from backprop_cli.views.picture import layout
from conftest import ROOT, SAMPLES, run
from html_cells import parse_html
from notebook_guard import forget_ipython  # noqa: F401 (an autouse fixture)
from random_programs import points, programs

NEURON = (SAMPLES / "neuron.bp").read_text()
LECTURE = {"x": -2, "y": 5, "z": -4}
VALUE, GRAD = "#1a7f37", "#cf222e"


# ---- the result shows itself ---------------------------------------------------------------------


def test_evaluate_returns_a_result_that_shows_itself_as_the_eval_table():
    r = evaluate("(x+y)*z", at=LECTURE)
    assert isinstance(r, Result) and r.value == -12.0 and r.gradients == {"x": -4.0, "y": -4.0, "z": 3.0}
    cells = parse_html(r._repr_html_())
    rows = [row for row in cells.rows if row]
    assert [row[1] for row in rows] == ["x", "y", "t1 = x + y", "z", "f = t1*z"]
    assert [row[3] for row in rows] == ["-2", "5", "3", "-4", "-12"]
    assert [row[4] for row in rows] == ["-4", "-4", "-4", "3", "1"]
    assert ("-12", VALUE) in cells.colours and ("3", GRAD) in cells.colours
    # the plain-text fallback is the terminal's table, byte for byte
    cli = run("eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4")
    assert repr(r).strip() == cli.stdout.strip()


def test_labels_full_and_collapse_reach_the_notebook_views():
    r = evaluate(NEURON, collapse="sigmoid", labels="full")
    rows = [row for row in parse_html(r._repr_html_()).rows if row]
    assert rows[-1][1] == "f = sigmoid(w0*x0 + w1*x1 + w2)" and rows[-1][2] == "sigmoid"
    assert rows[-1][3] == "0.7311"
    assert repr(r).strip() == run("eval", "-f", SAMPLES / "neuron.bp", "--collapse", "sigmoid", "--labels",
                                  "full").stdout.strip()


def test_a_tensor_result_shows_shapes_and_arrays():
    import numpy as np

    W = np.array([[1., 2, 3, 4], [0, 1, 0, 1], [2, 0, 1, 1]])
    X = np.array([[1.], [2], [0], [-1]])
    D = np.array([[1.], [0.5], [-1]])
    r = evaluate("Y = W @ X\nL = sum(Y * D)", at={"W": W, "X": X, "D": D})
    html = r._repr_html_()
    rows = [row for row in parse_html(html).rows if len(row) == 5]
    ops = [row[2] for row in rows]
    assert "input (3x4)" in ops and "matmul (3x1)" in ops and "sum ()" in ops
    # dW = dY Xᵀ with dY = D (numpy, independently)
    assert np.allclose(r.gradients["W"], D @ X.T) and np.allclose(r.gradients["X"], W.T @ D)
    assert "display:inline-table" in html  # a small matrix drawn as a grid
    assert "(3x4)" in repr(r)
    assert "dW = d" in r.trace()._repr_markdown_()  # the tensor trace: each gate's rule with its shapes
    assert "dW = d" in r.trace().html()


def test_the_trace_as_html_with_latex_formulas():
    r = evaluate("q = x + y\nf = q * z", at=LECTURE)
    html = r.trace().html()
    assert html.count('class="step"') == 2
    assert "step 1: $f = q \\cdot z$" in html
    assert ("\\frac{\\partial f}{\\partial q} = \\underbrace{\\color{#cf222e}{1}}_{\\text{upstream}} \\times "
            "\\underbrace{z = (-4)}_{\\text{local}} = \\color{#cf222e}{-4}") in html
    assert "the add gate distributes" in html
    markdown = r.trace()._repr_markdown_()
    assert "**step 1:** $f = q \\cdot z$ (mul gate)  " in markdown
    assert ("- $\\frac{\\partial f}{\\partial q} = \\underbrace{\\color{#cf222e}{1}}_{\\text{upstream}} \\times "
            "\\underbrace{z = (-4)}_{\\text{local}} = \\color{#cf222e}{-4}$") in markdown
    assert "*the mul gate swaps its inputs and scales: each input gets the upstream times the other input*" in markdown
    assert not hasattr(r.trace(), "_repr_html_")  # front ends would prefer HTML, where some leave maths as text
    text = repr(r.trace())
    assert "f -> q: upstream 1 × local (z = -4) = -4" in text
    assert r.trace().latex().startswith("% backprop trace --format latex")


def test_the_trace_html_escapes_and_cuts(monkeypatch):
    import backprop_cli.views.html as html_view
    import backprop_cli.views.markdown as markdown_view

    monkeypatch.setattr(html_view, "MAX_ROWS", 3)
    monkeypatch.setattr(markdown_view, "MAX_ROWS", 3)
    r = evaluate("+".join(f"x{k}" for k in range(8)), at={f"x{k}": k for k in range(8)})
    assert "… 12 more rows left out" in r._repr_html_()
    assert "left out" in r.trace().html() and "left out" in r.trace()._repr_markdown_()


def test_the_picture_is_svg_with_every_wire_labelled():
    r = evaluate(NEURON)
    picture = r.picture(engine="builtin")
    svg = picture._repr_svg_()
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = {cls: [t.text for t in root.iter(f"{ns}text") if t.get("class") == cls] for cls in ("value", "grad")}
    nodes, wires = layout(r, 4)
    assert len(list(root.iter(f"{ns}line"))) == len(wires)
    assert len(list(root.iter(f"{ns}circle"))) == sum(node.kind == "gate" for node in nodes)
    assert texts["value"] == [w.value for w in wires if w.value]
    assert texts["grad"] == [w.grad for w in wires if w.grad]
    assert "-0.5344" in texts["grad"] and "0.7311" in texts["value"]
    # values above each wire, gradients below
    for line, value, grad in zip(root.iter(f"{ns}line"), [t for t in root.iter(f"{ns}text") if t.get("class") == "value"],
                                 [t for t in root.iter(f"{ns}text") if t.get("class") == "grad"]):
        assert float(value.get("y")) < float(grad.get("y"))
    assert picture.tikz().startswith("% backprop graph --format tikz")


def test_a_picture_too_big_for_a_notebook_says_so(monkeypatch, tmp_path):
    import backprop_cli.views.display as display

    monkeypatch.setattr(display, "PICTURE_NODES", 4)
    picture = evaluate("(x+y)*z", at=LECTURE).picture(engine="builtin")
    assert picture._repr_svg_() is None and "more than a notebook draws" in repr(picture)
    picture.save(str(tmp_path / "g.svg"))
    assert (tmp_path / "g.svg").read_text() == picture.svg and picture.svg.count("<circle") == 2


def test_the_picture_uses_graphviz_when_it_is_there(monkeypatch):
    import shutil

    r = evaluate("(x+y)*z", at=LECTURE)
    if shutil.which("dot"):
        svg = r.picture()._repr_svg_()
        assert "<svg" in svg and "-12" in svg and r.picture().drawn_by == "graphviz"
    monkeypatch.setenv("PATH", "")
    assert r.picture().drawn_by == "builtin"
    assert "<svg" in r.picture()._repr_svg_()
    from backprop_cli.base.errors import BackpropError

    with pytest.raises(BackpropError, match="needs Graphviz"):
        r.picture(engine="graphviz").svg


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), points())
def test_every_notebook_view_of_random_programs(source, point):
    try:
        r = evaluate(source, point, allow_nonfinite=True)
    except Exception:
        return
    rows = [row for row in parse_html(r._repr_html_()).rows if row]
    assert [row[3] for row in rows] == [show(v) for v in r.values]
    root = ET.fromstring(r.picture(engine="builtin").svg)
    assert root.tag.endswith("svg")
    parse_html(r.trace().html())
    markdown = r.trace()._repr_markdown_()
    assert markdown.count("**step ") == sum(1 for i in range(len(r.graph)) if r.graph.args[i] and r.graph.live()[i])
    parse_html(r.tree()._repr_html_())
    assert r.json()._repr_json_()[0]["gradients"].keys() == r.gradients.keys()


# ---- the magics ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ip():
    pytest.importorskip("IPython")
    from IPython.testing.globalipapp import start_ipython

    shell = start_ipython()
    shell.run_line_magic("load_ext", "backprop_cli")
    return shell


def test_cell_magic_shows_the_lecture(ip):
    r = ip.run_cell_magic("backprop", "--at x=-2,y=5,z=-4", "q = x + y\nf = q * z")
    assert r.value == -12.0 and r.gradients == {"x": -4.0, "y": -4.0, "z": 3.0}
    rows = [row for row in parse_html(r._repr_html_()).rows if row]
    assert rows[2][1] == "q = x + y"


def test_line_magic_reads_an_expression_with_spaces_and_a_leading_minus(ip):
    assert ip.run_line_magic("backprop", "(x + y) * z --at x=-2,y=5,z=-4").value == -12.0
    assert ip.run_line_magic("backprop", "-x^2 --at x=3").gradients == {"x": -6.0}
    assert ip.run_line_magic("backprop", "(x+y)*z --at x=-2,y=5,z=-4 --get df/dx") == -4.0
    assert ip.run_line_magic("backprop", "(x+y)*z --at x=-2 --at y=5,z=-4 --get f --get df/dz") == \
        {"f": -12.0, "df/dz": 3.0}


def test_magic_options_as_eval(ip, tmp_path):
    neuron = ip.run_cell_magic("backprop", "--collapse sigmoid --digits 6", NEURON)
    assert "0.731059" in neuron._repr_html_() and "sigmoid" in neuron._repr_html_()
    tree = ip.run_line_magic("backprop", "(x+y)*z --at x=-2,y=5,z=-4 --format tree")
    assert "├── t1 = x + y" in repr(tree) and "backprop-tree" in tree._repr_html_()
    as_json = ip.run_line_magic("backprop", "(x+y)*z --at x=-2,y=5,z=-4 --format json")
    assert as_json._repr_json_()[0]["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    tex = ip.run_line_magic("backprop", "(x+y)*z --at x=-2,y=5,z=-4 --format latex")
    assert "\\begin{tabular}" in repr(tex)
    full = ip.run_line_magic("backprop", "(x+y)*z --at x=-2,y=5,z=-4 --labels full")
    assert repr(full).strip() == run("eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--labels", "full").stdout.strip()
    assert "f = (x+y)*z" in repr(full)
    values = tmp_path / "v.json"
    values.write_text('{"x": -2, "y": 5, "z": -4}')
    assert ip.run_line_magic("backprop", f"(x+y)*z -i {values}").value == -12.0
    assert ip.run_line_magic("backprop", f"-f {SAMPLES / 'neuron.bp'} --get df/dx1") == \
        pytest.approx(-0.5898357997244457, rel=1e-15)


@pytest.mark.parametrize("line, message", [
    ("(x+y --at x=1", "this '(' is never closed"),
    ("x*y --at x=1", "no value for input y"),
    ("x --format nope", "'nope' is not one of"),
    ("x --at x=1 --collapse zz", "'zz' is not one of"),
    ("", "nothing to evaluate"),
    ("- --at x=1", "no standard input"),
    ("log(x) --at x=-1", "log of a non-positive number"),
    ("x --at x=1 --get nope", "nope"),
])
def test_magic_mistakes_are_one_message(ip, line, message):
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match=re.escape(message)):
        ip.run_line_magic("backprop", line)


# ---- the widget -----------------------------------------------------------------------------------


def test_widget_sliders_update_table_and_picture_and_step_walks_the_backward_pass():
    pytest.importorskip("ipywidgets")
    import backprop_cli

    w = backprop_cli.widget("q = x + y\nf = q * z", at=LECTURE)
    assert set(w.sliders) == {"x", "y", "z"} and w.sliders["x"].value == -2
    assert "-12" in w.table.value and "<svg" in w.picture.value
    w.sliders["z"].value = 2.0
    expected = evaluate("q = x + y\nf = q * z", at={"x": -2, "y": 5, "z": 2})
    assert w.result.value == expected.value == 6.0 and w.result.gradients == expected.gradients
    rows = [row for row in parse_html(w.table.value).rows if row]
    assert rows[-1][3] == "6" and rows[0][4] == "2"
    assert ">6<" in w.picture.value
    assert w.total_steps == 2 and w.step == 0
    assert "#f0b400" not in w.picture.value
    w.step_button.click()
    assert w.step == 1 and "step 1:" in w.steps.value and "step 2:" not in w.steps.value
    # the picture marks the mul gate of step 1 and the two wires into it
    root = ET.fromstring(w.picture.value)
    ns = "{http://www.w3.org/2000/svg}"
    marked = [c for c in root.iter(f"{ns}circle") if c.get("stroke") == "#f0b400"]
    assert len(marked) == 1 and len([x for x in root.iter(f"{ns}line") if x.get("stroke") == "#f0b400"]) == 2
    symbol = [t.text for t in root.iter(f"{ns}text") if t.get("x") == marked[0].get("cx") and t.get("class") is None]
    assert symbol == ["*"]
    w.step_button.click()
    assert "step 2:" in w.steps.value and w.status.value == "backward step 2 of 2"
    w.step_button.click()
    assert w.step == 0  # after the last step, back to the forward pass
    w.sliders["x"].value = 0.5
    w.reset_button.click()
    assert w.step == 0 and w.result.value == (0.5 + 5) * 2


def test_widget_shows_a_failure_in_place_and_refuses_tensors():
    pytest.importorskip("ipywidgets")
    import numpy as np

    import backprop_cli
    from backprop_cli.base.errors import InputError

    w = backprop_cli.widget("log(x)", at={"x": 1})
    w.sliders["x"].value = -1
    assert "log of a non-positive number" in w.table.value and w.result.value == 0.0
    with pytest.raises(InputError, match="the widget takes scalar programs only"):
        backprop_cli.widget("sum(W)", at={"W": np.ones(3)})


# ---- the CLI's start-up is untouched ------------------------------------------------------------


NOTEBOOK_MODULES = ("IPython", "ipywidgets", "ipykernel", "backprop_cli.notebook.magics",
                    "backprop_cli.notebook.widget")


@pytest.mark.parametrize("args", [
    ["eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4"],
    ["eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "latex"],
    ["trace", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "latex"],
    ["graph", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "tikz"],
])
def test_no_notebook_module_is_imported_by_the_cli(args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "backprop_cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "backprop_cli" in imported  # the import log is read
    assert not {m for m in imported if m.split(".")[0] in ("IPython", "ipywidgets", "ipykernel")
                or m.startswith("backprop_cli.notebook.magics") or m.startswith("backprop_cli.notebook.widget")}


def test_the_package_loads_the_extension_only_when_asked():
    code = ("import sys, backprop_cli\n"
            "from backprop_cli import evaluate\n"
            "evaluate('x', at={'x': 1})._repr_html_()\n"
            f"print(sorted(m for m in sys.modules if m.startswith({NOTEBOOK_MODULES!r})))\n"
            "backprop_cli.load_ipython_extension\n"
            "print('backprop_cli.notebook.magics' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True"]


def test_numbers_are_never_rounded_away_in_the_views():
    r = evaluate("x*1e-12", at={"x": 3})
    assert "3e-12" in r._repr_html_() and not math.isnan(r.value)


def test_the_magic_has_evals_options():
    """The magic's options are eval's, built from the same entries; those it leaves out are listed
    with the reason (a notebook shows its result instead of writing it)."""
    pytest.importorskip("IPython")
    from backprop_cli.cli.commands.eval import command as eval_command
    from backprop_cli.notebook.magics import _command

    left_out = {"out": "the notebook shows the result (r.picture().save(...) writes one)",
                "no_nodes": "JSON in a notebook is a tree to fold, not a stream",
                "max_size": "a cell is typed, not a file of unknown size",
                "debug": "a notebook shows tracebacks of its own", "output_alias": "the old spelling of --of",
                "expr": "the program is the cell, or the line's words before the options", "help": "-h",
                "jvp": "forward mode in Python: backprop_cli.jvp(result, v)",
                "hessian": "second order in Python: backprop_cli.hessian(result)",
                "hvp": "second order in Python: backprop_cli.hvp(result, v)"}
    magic = {p.name: p for p in _command().params}
    evals = {p.name: p for p in eval_command.params}
    assert set(evals) - set(magic) <= set(left_out), set(evals) - set(magic) - set(left_out)
    for name in set(evals) & set(magic):
        assert magic[name].opts == evals[name].opts, name
        assert getattr(magic[name].type, "choices", None) == getattr(evals[name].type, "choices", None), name
