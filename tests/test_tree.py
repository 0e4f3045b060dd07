"""backprop eval --format tree: from the output down, every node's value and gradient."""

import io
import re


from backprop_cli import evaluate
from backprop_cli.numbers import show
from backprop_cli.views import tree as tree_view
from conftest import SAMPLES


def render(result, width=1000, max_depth=None):
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, soft_wrap=True)
    if max_depth is None:
        tree_view.render(result, console)
    else:
        console.print(tree_view.build(result, max_depth=max_depth))
    return buffer.getvalue()


def test_every_node_on_the_way_to_the_output_with_value_and_gradient(cli):
    r = evaluate((SAMPLES / "gates.bp").read_text())
    out = cli("eval", "-f", SAMPLES / "gates.bp", "--format", "tree")
    assert out.exit_code == 0
    lines = out.stdout.splitlines()
    g = r.graph
    assert lines[0].startswith("f = 2*(x*y + max(z, w))  [mul *]  value -20  grad 1")
    for i in range(len(g)):
        line = next(line for line in lines
                    if re.match(rf"{re.escape(g.label(i))}(  \[| = )", line.lstrip("│├└─ ")))
        assert f"value {show(r.values[i])}  grad {show(r.grads[i])}" in line


def test_a_shared_node_is_drawn_once_and_referenced_elsewhere(cli):
    text = cli("eval", "-f", SAMPLES / "staged.bp", "--format", "tree").stdout
    assert text.count("x  [input]  value 3  grad 2.06") == 1
    assert text.count("x  (shared: drawn in full above)") == 2
    assert text.count("y  [input]") == 1 and text.count("y  (shared") == 1
    # drawn in full above its references
    assert text.index("x  [input]") < text.index("x  (shared")


def test_a_shared_gate_keeps_its_subtree_once():
    r = evaluate("a = exp(x*y)\nf = a*a + a", {"x": 0.5, "y": 2})
    text = render(r)
    assert text.count("a = exp(x*y)") == 1
    assert text.count("x*y  [mul *]") == 1
    assert text.count("a  (shared") == 2


def test_the_output_in_the_middle_of_a_program():
    r = evaluate("q = x + y\nf = q*z", {"x": -2, "y": 5, "z": -4}, output="q")
    text = render(r)
    assert text.splitlines()[0] == "q = x + y  [add +]  value 3  grad 1"
    assert "z" not in text.split("\n\n")[0]


def test_collapsed_tree(cli):
    text = cli("eval", "-f", SAMPLES / "neuron.bp", "--format", "tree", "--collapse", "sigmoid").stdout
    assert text.splitlines()[0].startswith("f = sigmoid(w0*x0 + w1*x1 + w2)  [sigmoid]  value 0.7311")
    assert "exp" not in text


def test_narrow_terminals_cut_the_tree_sooner():
    narrow = render(evaluate("x" + "+x" * 50, {"x": 1}), width=80)
    assert "cut at depth 10" in narrow  # (80 - 40) / 4 levels fit in 80 columns
    assert max(len(line) for line in narrow.splitlines()) <= 80


def test_max_depth_zero_and_one():
    r = evaluate("(x+y)*z", {"x": 1, "y": 2, "z": 3})
    assert "cut at depth 0" in render(r, max_depth=0)
    one = render(r, max_depth=1)
    assert "x+y  [add +]" in one and "cut at depth 1" in one and "x  [input]" not in one
