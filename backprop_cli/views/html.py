"""HTML for notebooks: the eval table (values green, gradients red, short names as in the terminal),
the tree, and the trace step by step with its formulas in LaTeX (typeset by the notebook's MathJax).

Each is made from the same facts as its terminal view: rows from table.cells and tree.rows, names
from notation.py, the trace from trace_steps.Steps, formulas from latex.py.  Styles are inline (some
front ends drop <style> blocks); every piece of user text is escaped.  A graph too big to read in a
browser is cut at ``MAX_ROWS`` rows with a line saying how many were left out."""

from __future__ import annotations

from html import escape

from ..core.engine import Result
from ..base.numbers import DEFAULT_DIGITS
from .dot import GRAD_COLOUR, VALUE_COLOUR

#: rows drawn before the rest are left out (the table, the tree, the trace's steps)
MAX_ROWS = 500

_TABLE = 'style="border-collapse:collapse;font-family:monospace;font-size:13px"'
_CELL = "padding:2px 10px;border-bottom:1px solid #ddd"


def _text(s: str) -> str:
    return escape("".join(ch for ch in s if ch.isprintable() or ch == "\n"))


def _number(text: str, colour: str, bold: bool = False) -> str:
    weight = ";font-weight:bold" if bold else ""
    return f'<span style="color:{colour}{weight}">{_text(text)}</span>'


def _td(content: str, right: bool = False, bold: bool = False) -> str:
    align = "right" if right else "left"
    weight = ";font-weight:bold" if bold else ""
    return f'<td style="{_CELL};text-align:{align}{weight}">{content}</td>'


def _left_out(n: int, what: str) -> str:
    return f'<p style="color:#666">… {n:,} more {what} left out (the JSON has every node).</p>' if n > 0 else ""


def table(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> str:
    """The eval table as an HTML table, then the output and d(output)/d(input) for every input."""
    from .table import HEADERS, RIGHT, cells, summary

    rows = cells(result, digits, labels)
    output = result.graph.output
    head = "".join(f'<th style="{_CELL};text-align:{"right" if r else "left"}">{h}</th>'
                   for h, r in zip(HEADERS, RIGHT))
    body = []
    for i, row in enumerate(rows[:MAX_ROWS]):
        bold = i == output
        number, node, op, value, grad = row
        body.append("<tr>" + _td(_text(number), True, bold) + _td(_text(node), False, bold)
                    + _td(_text(op), False, bold) + _td(_array(value, VALUE_COLOUR, bold), True)
                    + _td(_array(grad, GRAD_COLOUR, bold), True) + "</tr>")
    lines = []
    for label, number, style in summary(result, digits, labels):
        colour = VALUE_COLOUR if style == "green" else GRAD_COLOUR
        lines.append(f"{_text(label)}{_array(number, colour)}")
    return (f'<div class="backprop-eval"><table {_TABLE}><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{_left_out(len(rows) - MAX_ROWS, "rows")}'
            f'<pre style="margin-top:8px">{"<br>".join(lines)}</pre></div>')


def _array(text: str, colour: str, bold: bool = False) -> str:
    """A number, or an array as tensor_text wrote it ([[1, 2], [3, 4]]): a small matrix is drawn as a
    grid so that its shape shows."""
    if text.startswith("[[") and "]], [[" not in text and text.count("[") <= 13:
        rows = [row.strip("[] ").split(", ") for row in text[2:-2].split("], [")]
        grid = "".join("<tr>" + "".join(f'<td style="padding:0 4px;text-align:right">{_text(x)}</td>' for x in row)
                       + "</tr>" for row in rows)
        return (f'<table style="border-left:1px solid {colour};border-right:1px solid {colour};'
                f'color:{colour};display:inline-table">{grid}</table>')
    return _number(text, colour, bold) if text else ""


def tree(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> str:
    """The tree from the output down, with the numbers in columns (as `eval --format tree`)."""
    from .table import summary
    from .tree import HEADERS, _prefix, rows

    drawn = rows(result, digits, labels=labels)
    head = "".join(f'<th style="{_CELL};text-align:{"left" if k < 2 else "right"}">{h}</th>'
                   for k, h in enumerate(HEADERS))
    body = []
    for path, label, op, value, grad, _tangent in drawn[:MAX_ROWS]:
        node = f'<span style="color:#888">{_text(_prefix(path, 3))}</span>{_text(label)}'
        body.append(f'<tr><td style="{_CELL};white-space:pre">{node}</td>' + _td(_text(op))
                    + _td(_array(value, VALUE_COLOUR), True) + _td(_array(grad, GRAD_COLOUR), True) + "</tr>")
    lines = [f"{_text(label)}{_array(number, VALUE_COLOUR if style == 'green' else GRAD_COLOUR)}"
             for label, number, style in summary(result, digits, labels)]
    return (f'<div class="backprop-tree"><table {_TABLE}><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{_left_out(len(drawn) - MAX_ROWS, "rows")}'
            f'<pre style="margin-top:8px">{"<br>".join(lines)}</pre></div>')


def trace(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short", upto: int = None,
          highlight: int = None) -> str:
    """The trace: the forward pass as a list of formulas, then the backward pass gate by gate, each
    edge as upstream x local (formula = number) = what flows on, and a branch's sum; the maths for
    MathJax (ipywidgets' HTMLMath).  ``upto``: only the first steps (the widget walks them);
    ``highlight``: the step drawn emphasised."""
    from .trace_math import TraceMath

    maths = TraceMath(result, digits, labels)
    out = ['<div class="backprop-trace" style="font-size:14px">', "<h4>Forward pass</h4><ul>"]
    for k, line in enumerate(maths.forward()):
        if k == MAX_ROWS:
            out.append("<li>…</li>")
            break
        out.append(f"<li>${line}$</li>")
    out.append(f"</ul><h4>Backward pass: upstream × local = what flows on</h4><p>${maths.seed}$</p>")
    for step in maths.steps():
        if upto is not None and step.number > upto:
            break
        if step.number > MAX_ROWS:
            out.append(f"<p>… the steps after step {MAX_ROWS} are left out.</p>")
            break
        border = "#f0b400" if step.number == highlight else "#ddd"
        kink = ' <em style="color:#666">at a kink: the local gradient here is a convention (PyTorch\'s)</em>' \
            if step.kink else ""
        out.append(f'<div class="step" style="border-left:4px solid {border};padding:2px 10px;margin:6px 0">'
                   f"<b>step {step.number}: ${step.head}$</b> ({_text(step.op)} gate){kink}<br>"
                   f'<em style="color:#555">{_text(step.pattern)}</em><ul>')
        for line, note in step.lines:
            out.append(f"<li>${line}$" + (f" ({_text(note)})" if note else "") + "</li>")
        out.append("</ul></div>")
    if upto is None:
        out.append("<h4>Result</h4><p>" + "<br>".join(f"${line}$" for line in maths.result_lines()) + "</p>")
    out.append("</div>")
    return "".join(out)


def count_steps(result: Result) -> int:
    """How many backward steps the trace has (one per gate the output depends on)."""
    return len(step_gates(result))


def step_gates(result: Result) -> list:
    """The node id of each backward step's gate, in the trace's order (reverse topological)."""
    g = result.graph
    live = g.live()
    return [i for i in range(g.output, -1, -1) if live[i] and g.args[i]]


def message(text: str) -> str:
    """An error or a note, as the notebook shows it."""
    return f'<pre style="color:{GRAD_COLOUR}">{_text(text)}</pre>'
