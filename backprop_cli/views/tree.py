"""The graph as a tree from the output down to the inputs, with every node's value and gradient in
columns on the right:

    node                  op        value   gradient
    f = 1/t7              div      0.7311          1
    ├─ 1                  const         1
    └─ t7 = 1 + t6        add       1.368    -0.5344

A node with several consumers is drawn in full under the first and referenced by its name under the
others.  The tree is built with an explicit stack (no recursion).  It fits the width it is given: the
numbers keep their full text, the labels are cut with an ellipsis, and the indentation per level
shrinks (4, 3, then 2 columns) before any level is dropped; only a tree too deep for 2 columns a
level is cut at ``max_depth`` with a marker saying so (the table and JSON views show every node).
"""

from __future__ import annotations

from ..core.engine import Result
from ..base.numbers import DEFAULT_DIGITS, show
from .console import GRAD_STYLE, VALUE_STYLE
from .notation import names as node_names, output_symbol
from .styled import ansi, cells, truncate, view_width
from .table import node_label

#: deepest level drawn when the width allows it
MAX_DEPTH = 100
#: columns a level may take, widest first
INDENTS = (4, 3, 2)
#: a label keeps at least this many columns before the indentation gets narrower
MIN_LABEL = 12
GAP = "  "
HEADERS = ("node", "op", "value", "gradient")
#: the column forward mode adds (eval --format tree --jvp ...): d(node)/dv
TANGENT_HEADER = "tangent"


def _mark(g, i: int) -> str:
    return g.op[i]


def rows(result: Result, digits: int = DEFAULT_DIGITS, max_depth: int = MAX_DEPTH, labels: str = "short",
         tangents=None):
    """(depth, is_last per level, label, op, value, gradient, tangent) from the output down; a cut or
    a reference to a shared node has op "" and no numbers.  ``tangents``: each node's tangent (forward
    mode), or None for no tangent column ("" in every row)."""
    g = result.graph
    name = node_names(g, labels)
    values, grads = result.values, result.grads
    drawn = bytearray(len(g))
    out = []

    def full(i: int, path: tuple) -> None:
        out.append((path, node_label(g, name, i), _mark(g, i), _show(values[i], digits),
                    "" if g.op[i] == "const" else _show(grads[i], digits),
                    "" if tangents is None or g.op[i] == "const" else
                    _show(0.0 if tangents[i] is None else tangents[i], digits)))

    root = g.output
    drawn[root] = True
    full(root, ())
    # (node, path of is-last flags from the root's children down)
    stack = []
    a = g.args[root]
    if a and max_depth < 1:
        out.append(((True,), _cut(max_depth), "", "", "", ""))
    else:
        stack = [(j, (k == len(a) - 1,)) for k, j in reversed(list(enumerate(a)))]
    while stack:
        j, path = stack.pop()
        if drawn[j]:
            out.append((path, f"{name[j]}  (shared: drawn in full above)", "", "", "", ""))
            continue
        drawn[j] = True
        full(j, path)
        a = g.args[j]
        if not a:
            continue
        if len(path) >= max_depth:
            out.append(((*path, True), _cut(max_depth), "", "", "", ""))
            continue
        for k in range(len(a) - 1, -1, -1):
            stack.append((a[k], (*path, k == len(a) - 1)))
    return out


def _cut(max_depth: int) -> str:
    return f"… cut at depth {max_depth}: every node is in --format table or json"


def _prefix(path: tuple, indent: int) -> str:
    if not path:
        return ""
    parts = []
    for last in path[:-1]:
        parts.append(" " * indent if last else "│" + " " * (indent - 1))
    branch = "└" if path[-1] else "├"
    parts.append(branch + "─" * (indent - 2) + " ")
    return "".join(parts)


def lines(result: Result, width: int, digits: int = DEFAULT_DIGITS, labels: str = "short",
          tangents=None) -> list:
    """The tree as lines of (text, style) pieces, no wider than ``width`` (``tangents``: a column of
    forward-mode tangents after the gradients)."""
    # The depth that would be drawn, and the numbers' columns, decide the indentation.
    drawn = rows(result, digits, MAX_DEPTH, labels, tangents)
    deepest = max(len(r[0]) for r in drawn)
    op_w = max(len(HEADERS[1]), *(len(r[2]) for r in drawn))
    value_w = max(len(HEADERS[2]), *(len(r[3]) for r in drawn))
    grad_w = max(len(HEADERS[3]), *(len(r[4]) for r in drawn))
    tan_w = 0 if tangents is None else max(len(TANGENT_HEADER), *(len(r[5]) for r in drawn))
    numbers = op_w + value_w + grad_w + 3 * len(GAP) + (tan_w + len(GAP) if tan_w else 0)
    room = width - numbers  # for the tree column
    if room < MIN_LABEL + deepest * INDENTS[-1] and _has_arrays(result):
        return _stacked(drawn, width)
    def needed(n: int) -> int:
        return max(cells(_prefix(r[0], n)) + cells(r[1]) for r in drawn if r[2])

    # The widest indentation at which no label is cut, else the narrowest.
    indent = next((n for n in INDENTS if needed(n) <= room), None)
    if indent is None and deepest * INDENTS[-1] + MIN_LABEL <= room:
        indent = INDENTS[-1]  # labels will be cut, but every level is drawn
    if indent is None:  # too deep even at 2 columns a level: cut where it fits
        indent = INDENTS[-1]
        depth = max(0, (room - MIN_LABEL) // indent)
        drawn = rows(result, digits, depth, labels, tangents)
        deepest = max(len(r[0]) for r in drawn)
    tree_w = max(cells(_prefix(r[0], indent)) + cells(r[1]) for r in drawn if r[2])
    tree_w = max(len(HEADERS[0]), min(tree_w, room))
    out = [[(HEADERS[0].ljust(tree_w) + GAP + HEADERS[1].ljust(op_w) + GAP + HEADERS[2].rjust(value_w)
             + GAP + HEADERS[3].rjust(grad_w) + (GAP + TANGENT_HEADER.rjust(tan_w) if tan_w else ""), "bold")]]
    for path, label, op, value, grad, tangent in drawn:
        prefix = _prefix(path, indent)
        if not op:  # a reference or a cut: no columns
            out.append([(truncate(prefix + label, width), "dim" if "cut at depth" in label else None)])
            continue
        left = prefix + truncate(label, max(1, tree_w - cells(prefix)))
        pad = " " * (tree_w - cells(left))
        line = [(left + pad + GAP + op.ljust(op_w) + GAP + " " * (value_w - len(value)), None),
                (value, VALUE_STYLE)]
        line.append((GAP + " " * (grad_w - len(grad)), None))
        if grad:
            line.append((grad, GRAD_STYLE))
        if tan_w:
            line.append((GAP + " " * (tan_w - len(tangent)), None))
            line.append((tangent, None))
        out.append(line)
    return out


def _has_arrays(result: Result) -> bool:
    return result.graph.tensor or any(type(v) is not float for v in result.at.values())


def _stacked(drawn: list, width: int) -> list:
    """The tree of a tensor program whose arrays do not fit beside it: each node's value and
    gradient on lines of their own under it, wrapped between the numbers."""
    from .styled import fit, prose

    indent = INDENTS[-1]
    below = "value, gradient and tangent" if any(len(r) > 5 and r[5] for r in drawn) else "value and gradient"
    out = [[(f"node  op  ({below} below each node)", "bold")]]
    for k, (path, label, op, value, grad, tangent) in enumerate(drawn):
        prefix = _prefix(path, indent)
        if not op:
            out.append([(truncate(prefix + label, width), "dim" if "cut at depth" in label else None)])
            continue
        room = max(1, width - cells(prefix) - len(GAP) - len(op))
        out.append([(prefix + truncate(label, room) + GAP + op, None)])
        has_child = k + 1 < len(drawn) and len(drawn[k + 1][0]) > len(path)
        under = "".join(" " * indent if last else "│" + " " * (indent - 1) for last in path)
        under += ("│" if has_child else " ") + " "
        for word, text, style in (("value", value, VALUE_STYLE), ("gradient", grad, GRAD_STYLE),
                                  ("tangent", tangent, None)):
            if text:
                head = f"{under}{word} "
                out += fit([(head, None), *prose(text, style)], width, cells(head) + 2)
    return out


def summary_lines(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> list:
    g = result.graph
    f = output_symbol(g, node_names(g, "full"))
    from .styled import prose

    out = [[(f"{f} = ", None), *prose(_show(result.value, digits), VALUE_STYLE)]]
    for name, grad in result.gradients.items():
        out.append([(f"d{f}/d{name} = ", None), *prose(_show(grad, digits), GRAD_STYLE)])
    return out


def render(result: Result, console, digits: int = DEFAULT_DIGITS, labels: str = "short", tangents=None) -> None:
    from .styled import fit

    width = view_width(console)
    colour = console.color_system is not None and not console.no_color
    text = []
    summary = [piece for line in summary_lines(result, digits, labels)
               for piece in fit(line, width, cells(line[0][0]))]
    for line in [*lines(result, width, digits, labels, tangents), [], *summary]:
        text.append((ansi(line) if colour else "".join(t for t, _ in line)).rstrip())
    console.file.write("\n".join(text) + "\n")
    console.file.flush()


def _show(x, digits: int) -> str:
    """A number; an array (a tensor program) in full when small, else summarised."""
    if type(x) is float:
        return show(x, digits)
    from .tensor_text import brief

    return brief(x, digits)
