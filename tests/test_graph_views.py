"""backprop graph: DOT that Graphviz renders, Mermaid that is a valid flowchart, pictures via -o."""

import re
import shutil
import subprocess

import pytest

from backprop_cli import evaluate
from backprop_cli.base.numbers import show
from backprop_cli.views import dot as dot_view
from backprop_cli.views import mermaid as mermaid_view
from backprop_cli.views.notation import ancestors
from conftest import SAMPLES
from mermaid_check import MermaidError, parse

NAMES = ["simple", "neuron", "staged", "gates"]
DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed")


def result_of(name, collapse=False):
    from backprop_cli.api import build
    from backprop_cli.transforms.collapse import collapse_sigmoid
    from backprop_cli.core.engine import run

    g = build((SAMPLES / f"{name}.bp").read_text())
    return run(collapse_sigmoid(g) if collapse else g, {})


def expected_wires(r):
    """(source node, target node, value text, gradient text) for every wire on a path to the output."""
    g = r.graph
    needed = ancestors(g, g.output)
    # a wire from a constant carries no gradient: nothing flows on from a constant
    wires = [(f"n{j}", f"n{i}", show(r.values[j]), "" if g.op[j] == "const" else show(r.contrib[i][k]))
             for i in range(g.output + 1) if needed[i] for k, j in enumerate(g.args[i])]
    return wires + [(f"n{g.output}", "out", show(r.value), "1")]


# ---- DOT ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("collapse", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_dot_wires_carry_value_and_gradient(name, collapse):
    r = result_of(name, collapse)
    text = dot_view.render(r)
    assert text.startswith("digraph backprop {\n  rankdir=LR;")
    found = re.findall(r'^  (\w+) -> (\w+) \[label=<<FONT COLOR="#\w+">([^<]+)</FONT>(?:<BR/>'
                       r'<FONT COLOR="#\w+">([^<]+)</FONT>)?>\];$', text, re.M)
    assert found == expected_wires(r)


@pytest.mark.parametrize("name", NAMES)
def test_dot_gates_are_marked_by_their_symbol(name):
    r = result_of(name)
    g = r.graph
    text = dot_view.render(r)
    from backprop_cli.core.ops import GATES

    for i in range(g.output + 1):
        if g.args[i]:
            op = GATES[g.op[i]]
            mark = op.symbol or op.name
            assert re.search(rf"^  n{i} \[label=<{re.escape(mark.replace('<', '&lt;'))}[<>].*shape=circle",
                             text, re.M), (i, mark)


@needs_dot
@pytest.mark.parametrize("collapse", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_dot_renders_with_graphviz_without_warnings(name, collapse):
    text = dot_view.render(result_of(name, collapse))
    done = subprocess.run([DOT, "-Tsvg"], input=text.encode(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert b"<svg" in done.stdout


@needs_dot
@pytest.mark.parametrize("suffix,magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_pictures_through_dot(cli, tmp_path, suffix, magic):
    path = tmp_path / f"neuron{suffix}"
    out = cli("graph", "-f", SAMPLES / "neuron.bp", "-o", path)
    assert out.exit_code == 0, out.stderr
    assert path.read_bytes().startswith(magic)
    assert out.stdout == ""


def test_without_graphviz_a_picture_says_how_to_install_it(cli, tmp_path):
    path = tmp_path / "neuron.svg"
    out = cli("graph", "-f", SAMPLES / "neuron.bp", "-o", path, env={"PATH": str(tmp_path)})
    assert out.exit_code == 1
    assert "Graphviz" in out.stderr and "apt-get install graphviz" in out.stderr
    assert "--format dot" in out.stderr
    assert not path.exists()
    # ...and the text formats need nothing installed
    out = cli("graph", "-f", SAMPLES / "neuron.bp", "--format", "dot", env={"PATH": str(tmp_path)})
    assert out.exit_code == 0 and out.stdout.startswith("digraph")


def test_text_files_by_suffix(cli, tmp_path):
    for suffix, start in ((".dot", "digraph"), (".gv", "digraph"), (".mmd", "flowchart LR")):
        path = tmp_path / f"g{suffix}"
        out = cli("graph", *("(x+y)*z", "--at", "x=-2,y=5,z=-4"), "-o", path)
        assert out.exit_code == 0, out.stderr
        assert path.read_text().startswith(start)


def test_bad_suffix_and_conflicting_format_are_input_errors(cli, tmp_path):
    args = ("(x+y)*z", "--at", "x=-2,y=5,z=-4")
    out = cli("graph", *args, "-o", tmp_path / "g.txt")
    assert out.exit_code == 2 and ".svg" in out.stderr
    out = cli("graph", *args, "-o", tmp_path / "g.svg", "--format", "mermaid")
    assert out.exit_code == 2 and "DOT" in out.stderr
    out = cli("graph", *args, "-o", tmp_path / "g.mmd", "--format", "dot")
    assert out.exit_code == 2
    out = cli("graph", *args, "-o", tmp_path / "missing" / "g.dot")
    assert out.exit_code == 2 and "cannot write" in out.stderr


def test_dot_quotes_what_it_must():
    assert dot_view._html('a<b>&"c"') == "a&lt;b&gt;&amp;&quot;c&quot;"


# ---- Mermaid ------------------------------------------------------------------------------------

@pytest.mark.parametrize("collapse", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_mermaid_is_a_valid_flowchart_of_the_graph(name, collapse):
    r = result_of(name, collapse)
    chart = parse(mermaid_view.render(r))
    g = r.graph
    needed = ancestors(g, g.output)
    wires = expected_wires(r)
    assert [(a, b) for a, b, _ in chart["edges"]] == [(a, b) for a, b, _, _ in wires]
    for (_, _, text), (_, _, value, grad) in zip(chart["edges"], wires):
        assert text == f"value {value}<br/>grad {grad}" if grad else text == f"value {value}"
    assert set(chart["nodes"]) == {f"n{i}" for i in range(len(g)) if needed[i]} | {"out"}
    gates = {f"n{i}" for i in range(len(g)) if needed[i] and g.args[i]}
    assert {n for n, c in chart["classes"].items() if c == "gate"} == gates


def test_mermaid_escapes_hash_and_quotes():
    r = evaluate("x = 2*x\nx*3", {"x": 1.5})  # the second x is named x#2
    text = mermaid_view.render(r)
    parse(text)
    assert "x#35;2" in text


@pytest.mark.parametrize("bad", [
    'graph\n  a["x"]',  # no direction
    'flowchart LR\n  end["x"]',  # keyword as id
    'flowchart LR\n  a["x"]\n  a -->|"v"| b',  # undefined node
    'flowchart LR\n  a["say "hi""]',  # raw quote
    'flowchart LR\n  a["x#y"]',  # stray '#'
    'flowchart LR\n  a["<b>x</b>"]',  # markup
    'flowchart LR\n  a["x"]\n  a["y"]',  # defined twice
    'flowchart LR\n  a("x"',  # unbalanced
    'flowchart LR\n  a["x"]\n  class a gate',  # class before classDef
])
def test_the_mermaid_validator_rejects_broken_charts(bad):
    with pytest.raises(MermaidError):
        parse(bad)


def test_graph_command_defaults_to_dot_and_takes_collapse(cli):
    out = cli("graph", "-f", SAMPLES / "neuron.bp", "--collapse", "sigmoid")
    assert out.exit_code == 0
    assert out.stdout.startswith("digraph") and "label=<sigmoid<BR/>" in out.stdout
    assert "exp" not in out.stdout


# ---- Mermaid's own parser (optional) ------------------------------------------------------------

MERMAID_JS = SAMPLES.parent / "tests" / "mermaid"
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None or not (MERMAID_JS / "node_modules" / "mermaid").is_dir(),
                    reason="Mermaid's parser is not installed (npm install --prefix tests/mermaid)")
def test_mermaids_own_parser_accepts_every_chart(tmp_path):
    paths = []
    for name in NAMES:
        for collapse in (False, True):
            path = tmp_path / f"{name}-{collapse}.mmd"
            path.write_text(mermaid_view.render(result_of(name, collapse)))
            paths.append(path)
    tricky = tmp_path / "names.mmd"
    tricky.write_text(mermaid_view.render(evaluate("x = 2*x\ne = exp(x)\ne*e + x", {"x": 0.5})))
    broken = tmp_path / "broken.mmd"
    broken.write_text('flowchart LR\n  n0["x"] -->\n')
    done = subprocess.run([NODE, str(MERMAID_JS / "parse.mjs"), *map(str, paths), str(tricky), str(broken)],
                          capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert len(lines) == len(paths) + 2, done.stderr
    assert all(line.startswith("ok ") and line.endswith(" flowchart-v2") for line in lines[:-1]), lines
    assert lines[-1].startswith("FAIL ")  # the parser really parses


def test_without_a_point_the_structure_alone_is_drawn(cli):
    out = cli("graph", "(x+y)*z")
    assert out.exit_code == 0, out.stderr
    assert "  n0 -> n2;" in out.stdout and "FONT COLOR" not in out.stdout
    assert "t1</FONT>" in out.stdout  # gates named as in the table and the trace
    chart = parse(cli("graph", "(x+y)*z", "--format", "mermaid").stdout)
    assert len(chart["edges"]) == 5
