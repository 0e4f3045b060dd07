"""backprop eval --format tree: from the output down, every node's value and gradient."""

import re

from backprop_cli import evaluate
from backprop_cli.base.numbers import show
from backprop_cli.views import tree as tree_view
from backprop_cli.views.notation import short_names
from conftest import SAMPLES


def render(result, width=1000, max_depth=None, labels="short"):
    if max_depth is not None:
        rows = tree_view.rows(result, max_depth=max_depth, labels=labels)
        return "\n".join(label for _, label, *_ in rows)
    lines = tree_view.lines(result, width, labels=labels)
    return "\n".join("".join(t for t, _ in line).rstrip() for line in lines)


def _cells(line):
    """(tree text, op, value, gradient) of a drawn node's line."""
    parts = re.split(r"\s{2,}", line.strip())
    return parts


def test_every_node_on_the_way_to_the_output_with_value_and_gradient(cli):
    r = evaluate((SAMPLES / "gates.bp").read_text())
    out = cli("eval", "-f", SAMPLES / "gates.bp", "--format", "tree")
    assert out.exit_code == 0
    lines = out.stdout.splitlines()
    g = r.graph
    names = short_names(g)
    assert lines[0].split() == ["node", "op", "value", "gradient"]
    assert re.match(r"f = 2\*t3 +mul +-20 +1$", lines[1])
    for i in range(len(g)):
        line = next(line for line in lines[1:]
                    if re.match(rf"{re.escape(names[i])}( = |\s\s)", line.lstrip("│├└─ ")))
        cells = _cells(line.lstrip("│├└─ "))
        assert cells[1] == g.op[i] and cells[2] == show(r.values[i])
        if g.op[i] == "const":
            assert len(cells) == 3  # a constant shows no gradient
        else:
            assert cells[3] == show(r.grads[i])


def test_a_shared_node_is_drawn_once_and_referenced_elsewhere(cli):
    text = cli("eval", "-f", SAMPLES / "staged.bp", "--format", "tree", env={"COLUMNS": "120"}).stdout
    drawn = [line for line in text.splitlines() if re.search(r"─ x +input +3 +2\.06$", line)]
    assert len(drawn) == 1
    assert text.count("x  (shared: drawn in full above)") == 2
    assert text.count("y  (shared") == 1
    # drawn in full above its references
    assert text.index(drawn[0]) < text.index("x  (shared")


def test_a_shared_gate_keeps_its_subtree_once():
    r = evaluate("a = exp(x*y)\nf = a*a + a", {"x": 0.5, "y": 2})
    text = render(r)
    assert text.count("a = exp(t1)") == 1
    assert text.count("t1 = x*y") == 1
    assert text.count("a  (shared") == 2


def test_the_output_in_the_middle_of_a_program():
    r = evaluate("q = x + y\nf = q*z", {"x": -2, "y": 5, "z": -4}, output="q")
    text = render(r)
    assert re.match(r"q = x \+ y +add +3 +1$", text.splitlines()[1])
    assert "z" not in text


def test_collapsed_tree(cli):
    text = cli("eval", "-f", SAMPLES / "neuron.bp", "--format", "tree", "--collapse", "sigmoid").stdout
    assert re.match(r"f = sigmoid\(t4\) +sigmoid +0\.7311 +1$", text.splitlines()[1])
    assert "exp" not in text


def test_full_labels():
    r = evaluate((SAMPLES / "neuron.bp").read_text())
    text = render(r, labels="full")
    assert "1 + exp(-(w0*x0 + w1*x1 + w2))" in text and "t7" not in text


def test_the_neuron_keeps_its_inputs_at_60_columns(cli):
    for width in (60, 80, 120):
        text = cli("eval", "-f", SAMPLES / "neuron.bp", "--format", "tree",
                   env={"COLUMNS": str(width)}).stdout
        assert max(len(line) for line in text.splitlines()) <= width
        for name in ("w0", "x0", "w1", "x1", "w2"):
            assert re.search(rf"─ {name} +input ", text), (width, name)
        assert "cut at depth" not in text


def test_narrow_terminals_compress_the_indentation_before_cutting():
    r = evaluate("x" + "+x" * 12, {"x": 1})
    text = render(r, width=60)
    assert "cut at depth" not in text and max(len(line) for line in text.splitlines()) <= 60
    deep = render(evaluate("x" + "+x" * 50, {"x": 1}), width=80)
    assert "cut at depth" in deep
    assert max(len(line) for line in deep.splitlines()) <= 80


def test_max_depth_zero_and_one():
    r = evaluate("(x+y)*z", {"x": 1, "y": 2, "z": 3})
    assert "cut at depth 0" in render(r, max_depth=0)
    one = render(r, max_depth=1)
    assert "t1 = x + y" in one and "cut at depth 1" in one and "\nx" not in one
