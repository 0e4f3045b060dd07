"""LaTeX for slides and handouts: the eval table as a booktabs tabular (`eval --format latex`), the
trace as an align* block with upstream x local at every gate (`trace --format latex`), and the pieces
the notebook's HTML typesets with MathJax (names, numbers, a gate's local gradient as a formula).

Names are the views' short names (notation.py); a local gradient is the gate's own description
(core/ops.py) replayed through a LaTeX builder, as notation.py replays it to write the text trace's
formulas.  Everything is written as a fragment to paste into a document: the first line says which
packages it needs (booktabs for the table, amsmath for the trace).
"""

from __future__ import annotations

import re

from ..core.engine import Result
from ..core.expr import build
from ..core.ops import GATES as OPS
from ..base.numbers import DEFAULT_DIGITS, exact, show
from .notation import FullNames, names as node_names, output_symbol

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
            "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}
_SPECIAL_RE = re.compile(r"[\\{}$&#^_%~]")
_INDEXED = re.compile(r"([A-Za-z])_?(\d+)\Z")
_LETTER = re.compile(r"[A-Za-z]\Z")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9#]*\Z")


def text(s: str) -> str:
    """Plain text with LaTeX's special characters escaped (and control characters dropped)."""
    s = "".join(ch for ch in s if ch.isprintable())
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group()], s)


def name(label: str) -> str:
    """A node's name in math mode: x, t_{1}, w_{0}, \\mathit{loss}; a number as itself; anything else
    (a full subexpression, --labels full) as typewriter text."""
    if _LETTER.match(label):
        return label
    m = _INDEXED.match(label)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if _IDENT.match(label):
        return r"\mathit{" + text(label) + "}"
    if re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", label):
        return number_text(label)
    return r"\texttt{" + text(label) + "}"


def number_text(shown: str) -> str:
    """A number as numbers.show wrote it, in math mode: 2.5e-07 -> 2.5 \\times 10^{-7}, inf -> \\infty."""
    if shown in ("inf", "-inf"):
        return shown.replace("inf", r"\infty")
    if shown == "nan":
        return r"\mathrm{nan}"
    mantissa, e, exponent = shown.lower().partition("e")
    if not e:
        return shown
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def number(x: float, digits: int = DEFAULT_DIGITS) -> str:
    return number_text(show(x, digits))


def operand_number(x: float, digits: int = DEFAULT_DIGITS) -> str:
    """A number as an operand: a negative one in parentheses, 3 \\times (-4)."""
    shown = number(x, digits)
    return f"({shown})" if shown.startswith("-") else shown


def partial(top: str, label: str, inline: bool = False) -> str:
    """\\frac{\\partial f}{\\partial q}, or \\partial f/\\partial q ``inline``"""
    if inline:
        return rf"\partial {name(top)}/\partial {name(label)}"
    return rf"\frac{{\partial {name(top)}}}{{\partial {name(label)}}}"


class _Tex:
    """A formula piece: its LaTeX as an operand, standing alone, and its precedence."""

    __slots__ = ("text", "raw", "prec")

    def __init__(self, text: str, prec: int = 5, raw: str = None) -> None:
        self.text, self.prec = text, prec
        self.raw = text if raw is None else raw


def _paren(p: _Tex, need: bool) -> str:
    return f"({p.raw})" if need else p.text


#: functions LaTeX has a command for
_NAMED = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "log", "exp", "max", "min"}
_CALLED = {"asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan", "sigmoid": r"\sigma"}


class _Builder:
    """Writes a gate's description in LaTeX: z, \\frac{1}{y}, (1 - \\sigma)\\,\\sigma, cases."""

    def num(self, v: float) -> _Tex:
        shown = number_text(exact(v))
        return _Tex(shown, 3 if shown.startswith("-") else 5)

    def node(self, gate: str, *args: _Tex) -> _Tex:
        op = OPS.get(gate)
        if op is not None and op.notation == "infix" and len(args) == 2:
            a, b = args
            if op.symbol == "/":
                return _Tex(rf"\frac{{{a.raw}}}{{{b.raw}}}", 5)
            if op.symbol == "^":
                return _Tex(f"{{{_paren(a, a.prec < 5)}}}^{{{b.raw}}}", 4)
            p = op.precedence
            left = _paren(a, a.prec < p)
            right = _paren(b, b.prec <= p)
            symbol = {"*": r" \cdot ", "@": r" \mathbin{@} "}.get(op.symbol, f" {op.symbol} ")
            return _Tex(f"{left}{symbol}{right}", p)
        if op is not None and op.notation == "prefix" and len(args) == 1:
            (a,) = args
            return _Tex(f"{op.symbol}{_paren(a, a.prec < 3)}", 3)
        if gate == "exp" and len(args) == 1:
            return _Tex(f"e^{{{args[0].raw}}}", 4)
        if gate == "sqrt" and len(args) == 1:
            return _Tex(rf"\sqrt{{{args[0].raw}}}")
        if gate == "abs" and len(args) == 1:
            return _Tex(rf"\left|{args[0].raw}\right|")
        head = "\\" + gate if gate in _NAMED else _CALLED.get(gate, r"\operatorname{" + text(gate) + "}")
        return _Tex(head + "(" + ", ".join(a.raw for a in args) + ")")

    lib = node

    def compare(self, symbol: str, a: _Tex, b: _Tex) -> _Tex:
        symbol = {">=": r"\geq", "<=": r"\leq", "==": "="}.get(symbol, symbol)
        return _Tex(f"{a.raw} {symbol} {b.raw}", 0)

    def both(self, p: _Tex, q: _Tex) -> _Tex:
        return _Tex(rf"{p.raw} \text{{ and }} {q.raw}", 0)

    def where(self, c: _Tex, a: _Tex, b: _Tex) -> _Tex:
        return _Tex(rf"\begin{{cases}} {a.raw} & {c.raw} \\ {b.raw} & \text{{otherwise}} \end{{cases}}")

    def at(self, c: _Tex, value: _Tex, general: _Tex) -> _Tex:
        return general


_BUILDER = _Builder()


def local_formula(g, i: int, k: int, label) -> str:
    """d(node i)/d(input k) in LaTeX over the inputs' names, from the gate's description (the same
    description notation.local_formula writes as text)."""
    op = OPS[g.op[i]]
    if op.forward_expr is None:
        return ""
    short = not isinstance(label, FullNames)
    labels = [label[j] for j in g.args[i]] if short else [g.label(j) for j in g.args[i]]
    if op.reads is not None:
        before, _, after = op.reads.partition("{i}")
        return rf"\text{{{text(before)}}}{name(labels[k])}\text{{{text(after)}}}"
    pieces = [_Tex(name(lab), 5) for lab in labels]
    if op.defaults and len(labels) < len(op.params):
        pieces += [_BUILDER.num(d) for d in op.defaults[len(labels) - len(op.params):]]
    e = op.shown[k] if op.shown is not None else op.local_expr(k)
    out = _Tex(name(label[i] if short else g.label(i)), 5)
    return build(e, _BUILDER, out, pieces, k, op.name).raw


def expression(g, i: int, label) -> str:
    """Node i's gate over its inputs' names in LaTeX: x + y, q \\cdot z, e^{t_{1}}."""
    pieces = [_Tex(name(label[j]), 5) for j in g.args[i]]
    return _BUILDER.node(g.op[i], *pieces).raw


def with_values(g, i: int, values: list, digits: int) -> str:
    """Node i's gate over its inputs' values: 3 \\cdot (-4), e^{-1}."""
    prefix = OPS[g.op[i]].notation == "prefix"
    pieces = []
    for j in g.args[i]:
        shown = number(values[j], digits)
        pieces.append(_Tex(shown, 0 if shown.startswith("-") or prefix else 5))
    return _BUILDER.node(g.op[i], *pieces).raw


# ---- eval --format latex: a booktabs tabular ---------------------------------------------------------


def table(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short"):
    """The eval table as a booktabs tabular, line by line: id, node, op, value, gradient, then the
    output and its gradients under a rule.  A tensor program's arrays are written as text."""
    g = result.graph
    label = node_names(g, labels)
    tensor = g.tensor or any(type(v) is not float for v in result.at.values())
    cell = _array_cell if tensor else (lambda x, d: f"${number(x, d)}$")
    yield "% backprop eval --format latex: needs \\usepackage{booktabs} (and amsmath)\n"
    yield "\\begin{tabular}{rllrr}\n\\toprule\n"
    yield "id & node & op & value & gradient \\\\\n\\midrule\n"
    for i in range(len(g)):
        node = name(label[i])
        if g.args[i]:
            formula = expression(g, i, label)
            if formula.replace(" ", "") != node.replace(" ", ""):
                node = f"{node} = {formula}"
        op = text(g.op[i])
        if tensor:
            from ..core.ops import shape_text
            import numpy as np

            op += " " + text(shape_text(np.shape(result.values[i])))
        grad = "" if g.op[i] == "const" else cell(result.grads[i], digits)
        yield f"{i} & ${node}$ & {op} & {cell(result.values[i], digits)} & {grad} \\\\\n"
        if tensor:
            yield "\\addlinespace[4pt]\n"  # room between the matrices of neighbouring rows
    yield "\\midrule\n"
    top = output_symbol(g, node_names(g, "full"))
    yield f"\\multicolumn{{3}}{{l}}{{${name(top)}$}} & {cell(result.value, digits)} & \\\\\n"
    for input_name, grad in result.gradients.items():
        if tensor:
            yield "\\addlinespace[4pt]\n"
        yield f"\\multicolumn{{3}}{{l}}{{${partial(top, input_name, inline=True)}$}} & & {cell(grad, digits)} \\\\\n"
    yield "\\bottomrule\n\\end{tabular}\n"


def _array_cell(x, digits: int) -> str:
    """A number; a small array as a bracketed matrix (a vector as a row); a large one summarised."""
    import numpy as np

    from .tensor_text import SMALL, summary

    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        return f"${number(float(a), digits)}$"
    if a.size > SMALL or a.ndim > 2:
        return r"\texttt{" + text(summary(a, digits)) + "}"
    rows = a.reshape(1, -1) if a.ndim == 1 else a
    body = r" \\ ".join(" & ".join(number(float(v), digits) for v in row) for row in rows)
    return rf"$\left[\begin{{smallmatrix}} {body} \end{{smallmatrix}}\right]$"


# ---- trace --format latex: an align* block -----------------------------------------------------------


def trace(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short"):
    """The trace as an align* block, line by line: the forward pass (name = formula = numbers =
    value), then at every gate each edge's gradient as upstream x local, with the local gradient's
    formula and number; where a branch adds, the sum."""
    from .trace_steps import Steps

    steps = Steps(result, labels)
    g, label, top = steps.graph, steps.names, steps.top
    values = result.values
    yield "% backprop trace --format latex: needs \\usepackage{amsmath} (a long trace may break across pages)\n"
    yield "{\\allowdisplaybreaks\n\\begin{align*}\n"
    yield "&\\text{Forward pass}\\\\\n"
    for entry in steps.forward():
        line = f"{name(entry.name)} &= "
        if g.args[entry.id]:
            if entry.expression is not None:
                line += expression(g, entry.id, label) + " = "
            line += with_values(g, entry.id, values, digits) + " = "
        yield line + number(entry.value, digits) + "\\\\\n"
    yield "&\\text{Backward pass: upstream} \\times \\text{local}\\\\\n"
    yield f"{partial(top, label[g.output])} &= 1\\\\\n"
    for step in steps.backward():
        head = name(step.name) + (" = " + expression(g, step.id, label) if step.expression else "")
        note = r"\text{ (at a kink: PyTorch's convention)}" if step.kink else ""
        yield f"&\\text{{{text(step.op)} gate}}\\ {head}{note}\\\\\n"
        upstream = operand_number(step.upstream, digits)
        for edge in step.edges:
            if g.op[edge.to] == "const" and g.name[edge.to] is None:
                continue  # nothing flows on from a constant
            formula = local_formula(g, step.id, edge.k, label)
            local = operand_number(edge.local, digits)
            relation = r"\mathrel{+}=" if edge.fan_out > 1 else "="
            line = (f"{partial(top, label[edge.to])} &{relation} "
                    f"\\underbrace{{{upstream}}}_{{\\text{{upstream}}}} \\times "
                    f"\\underbrace{{{formula if formula else local}}}_{{\\text{{local}}}}")
            if formula and formula.replace(" ", "") != local.replace(" ", ""):
                line += f" = {upstream} \\times {local}"
            yield line + f" = {number(edge.flows, digits)}\\\\\n"
        for j, shares, total in step.branches:
            terms = " + ".join(operand_number(s, digits) if n else number(s, digits)
                               for n, s in enumerate(shares[:10]))
            if len(shares) > 10:
                terms += rf" + \dots ({len(shares) - 10}\ \text{{more}})"
            yield f"{partial(top, label[j])} &= {terms} = {number(total, digits)} && \\text{{(a branch adds)}}\\\\\n"
    yield "&\\text{Result}\\\\\n"
    yield f"{name(top)} &= {number(result.value, digits)}"
    for input_name, grad in result.gradients.items():
        yield f"\\\\\n{partial(top, input_name)} &= {number(grad, digits)}"
    yield "\n\\end{align*}}\n"
