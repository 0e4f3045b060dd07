"""The graph as a Rich Tree from the output down to the inputs, with every node's value and gradient.

A node with several consumers is drawn in full under the first and referenced by its label under
the others.  The tree is built with an explicit stack.  Rich draws it iteratively too, but each level
indents by four columns, so a very deep graph is cut at ``max_depth`` levels with a marker saying so
(the table and JSON views show every node).
"""

from __future__ import annotations

from ..core.engine import Result
from ..numbers import DEFAULT_DIGITS, show
from ..core.ops import GATES as OPS
from .console import GRAD_STYLE, VALUE_STYLE
from .notation import describe, display_label, same_text

#: deepest level drawn by default; the console's width may lower it (four columns a level).
MAX_DEPTH = 100


def node_text(result: Result, i: int, digits: int):
    from rich.text import Text

    g = result.graph
    label = display_label(g, i)
    text = Text(label)
    op = OPS[g.op[i]]
    if g.args[i]:
        expression = describe(g, i)
        if not same_text(expression, label):
            text.append(f" = {expression}")
    mark = g.op[i] if op.notation in ("leaf", "call") else f"{op.name} {op.symbol}"
    text.append(f"  [{mark}]  value ")
    text.append(_show(result.values[i], digits), style=VALUE_STYLE)
    text.append("  grad ")
    text.append(_show(result.grads[i], digits), style=GRAD_STYLE)
    return text


def build(result: Result, digits: int = DEFAULT_DIGITS, max_depth: int = MAX_DEPTH):
    from rich.text import Text
    from rich.tree import Tree

    g = result.graph
    root = Tree(node_text(result, g.output, digits))
    drawn = [False] * len(g)
    drawn[g.output] = True
    # (node, the Tree to draw it under, its depth).  Popped in the order the lines print, so the
    # first pop of a shared node is its topmost place: drawn in full there, referenced elsewhere.
    stack = [(j, root, 1) for j in reversed(g.args[g.output])]
    if g.args[g.output] and max_depth < 1:
        stack = []
        root.add(_cut(max_depth))
    while stack:
        j, parent, depth = stack.pop()
        if drawn[j]:
            ref = Text(g.label(j))
            ref.append("  (shared: drawn in full above)", style="dim")
            parent.add(ref)
            continue
        drawn[j] = True
        tree = parent.add(node_text(result, j, digits))
        if not g.args[j]:
            continue
        if depth >= max_depth:
            tree.add(_cut(max_depth))
            continue
        for k in reversed(g.args[j]):
            stack.append((k, tree, depth + 1))
    return root


def _cut(max_depth: int):
    from rich.text import Text

    return Text(f"… cut at depth {max_depth}: every node is in --format table or json", style="dim")


def depth_for(console) -> int:
    """The deepest level that fits the console, leaving room for a label."""
    return max(4, min(MAX_DEPTH, (console.width - 40) // 4))


def renderables(result: Result, console, digits: int = DEFAULT_DIGITS) -> list:
    from rich.text import Text

    f = result.output_name
    summary = Text(f"{f} = ")
    summary.append(_show(result.value, digits), style=VALUE_STYLE)
    for name, grad in result.gradients.items():
        summary.append(f"\nd{f}/d{name} = ")
        summary.append(_show(grad, digits), style=GRAD_STYLE)
    return [build(result, digits, depth_for(console)), Text(""), summary]


def render(result: Result, console, digits: int = DEFAULT_DIGITS) -> None:
    for part in renderables(result, console, digits):
        console.print(part)


def _show(x, digits: int) -> str:
    """A number; an array (a tensor program) in full when small, else summarised."""
    if type(x) is float:
        return show(x, digits)
    from .tensor_text import brief

    return brief(x, digits)
