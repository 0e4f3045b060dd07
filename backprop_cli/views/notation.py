"""How the views write a node: its short name, its gate over its inputs' names, its local gradients
as formulas, and d(output)/d(node).  Plain strings; the views add the styles.

Short names are the lecture's way of writing a graph (q = x + y, f = q*z): every node that has a name
in the program keeps it, inputs and constants are themselves, the unnamed output is called by the
output's name (f), and every other gate gets t1, t2, ... in topological order, skipping names the
program uses.  ``names(g, "short")`` gives them; ``names(g, "full")`` gives the full subexpressions
(``--labels full``).  Every view (table, tree, trace, pictures) reads names from here.  The names and
``describe`` (a gate over its inputs' names) live in core/names.py, so that the quiz writes a gate as
the views do."""

from __future__ import annotations

from ..core.expr import build, lift
from ..core.library import LIBRARY
from ..core.graph import Graph
from ..core.names import (FullNames, is_name, is_number, describe, display_label, is_atom, operand,  # noqa: F401
                          short_names, with_values, wrap)  # (the views' notation, kept where the quiz can use it)
from ..core.ops import CONSTANTS, GATES
from ..base.numbers import exact



#: the styles of naming the views offer (--labels)
LABELS = ("short", "full")


def names(g: Graph, style: str = "short"):
    """Node id -> the name the views print: short names (a list) or full subexpressions."""
    return FullNames(g) if style == "full" else short_names(g)


def output_symbol(g: Graph, label) -> str:
    """What d(output)/d(...) writes on top: the output's name (f), unless an earlier node goes by
    that name too (c += ...: the output is c#2, so dc#2/dc, never dc/dc)."""
    out_name, out = g.output_name, g.output
    clash = (out_name in g.inputs and g.inputs[out_name] != out) or \
        g.name.count(out_name) > (g.name[out] == out_name)
    return label[out] if clash else out_name


def same_text(a: str, b: str) -> bool:
    """Equal but for spaces (a label as typed and the same gate as described)."""
    return a.replace(" ", "") == b.replace(" ", "")


class _Shown:
    """A formula piece: its text as an operand, its text standing alone, its precedence."""

    __slots__ = ("text", "raw", "prec")

    def __init__(self, text: str, prec: int = 5, raw: str = None) -> None:
        self.text, self.prec = text, prec
        self.raw = text if raw is None else raw


def label_piece(label: str) -> _Shown:
    """An input's label: parenthesised as an operand unless an atom, bare as a call's argument."""
    return _Shown(wrap(label), 5, label)


class _Formula:
    """The builder that writes a gate's description as the trace shows it: x*y, 1/(1 + exp(-x)),
    1 - tanh(x)^2, 1 if x > 0 else 0.  A convention at special points shows its general formula."""

    def num(self, v: float) -> _Shown:
        text = "pi" if v == CONSTANTS["pi"] else exact(v)
        return _Shown(text, 3 if text.startswith("-") else 5)

    def node(self, name: str, *args: _Shown) -> _Shown:
        op = GATES.get(name)
        if op is not None and op.notation == "infix":
            a, b = args
            folded = _folded(name, a, b)
            if folded is not None:
                return folded
            p = op.precedence
            if op.symbol == "^":
                left = a.text if a.prec >= 5 else f"({a.raw})"
                right = b.text if b.prec >= 3 else f"({b.raw})"
                return _Shown(f"{left}^{right}", p)
            left = a.text if a.prec >= p else f"({a.raw})"
            right = b.text if b.prec > p else f"({b.raw})"
            gap = " " if p == 1 else ""
            return _Shown(f"{left}{gap}{op.symbol}{gap}{right}", p)
        if op is not None and op.notation == "prefix":
            (a,) = args
            text = a.text if a.prec >= 3 else f"({a.raw})"
            return _Shown(f"{op.symbol}{text}", 3)
        fn = LIBRARY.get(name)
        if fn is not None and fn.shown is not None:  # an array primitive: dY @ Wᵀ, sum(dY)
            template, prec = fn.shown
            if template == "{0}":
                return args[0]
            return _Shown(_fill(template, args), prec)
        return _Shown(f"{name}({', '.join(a.raw for a in args)})")

    lib = node

    def compare(self, symbol: str, a: _Shown, b: _Shown) -> _Shown:
        return _Shown(f"{a.raw} {symbol} {b.raw}", 0)

    def both(self, p: _Shown, q: _Shown) -> _Shown:
        return _Shown(f"{p.raw} and {q.raw}", 0)

    def where(self, c: _Shown, a: _Shown, b: _Shown) -> _Shown:
        return _Shown(f"{a.raw} if {c.raw} else {b.raw}", 0)

    def at(self, c: _Shown, value: _Shown, general: _Shown) -> _Shown:
        return general


#: constant arithmetic a formula shows worked out: y*x^(y-1) for x^2 reads 2*x, not 2*x^(2 - 1)
_FOLDED = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}


def _folded(name: str, a: _Shown, b: _Shown):
    """A gate over two numbers worked out (add, sub, mul: exact in doubles as the engine does it),
    and x^1 as x; None otherwise.  Only the text shown changes, never a value computed."""
    if name == "pow" and b.raw == "1" or name == "mul" and b.raw == "1":
        return a
    if name == "mul" and a.raw == "1":
        return b
    if name in _FOLDED and _is_signed_number(a.raw) and _is_signed_number(b.raw):
        return _FORMULA.num(_FOLDED[name](float(a.raw), float(b.raw)))
    return None


def _is_signed_number(text: str) -> bool:
    return is_number(text[1:] if text.startswith("-") else text)


def _fill(template: str, args: list) -> str:
    """A primitive's template with its arguments: bare as a call's argument (sum(dY*s)), in
    parentheses next to an operator unless atoms ((A + B)ᵀ)."""
    text = template
    for k, a in enumerate(args):
        place = "{%d}" % k
        at = template.find(place)
        if at < 0:
            continue
        after = template[at + len(place):at + len(place) + 1]
        argument = (template[at - 1:at] == "(" or template[at - 2:at] == ", ") and after in (")", ",")
        text = text.replace(place, a.raw if argument else a.text if a.prec >= 5 else f"({a.raw})")
    return text


_FORMULA = _Formula()


def formula(e, labels: list, out: _Shown = None, i: int = None, name: str = "") -> str:
    """The description ``e`` over input labels (strings): ``out`` shows the gate's output."""
    pieces = [label_piece(label) for label in labels]
    return build(e, _FORMULA, out, pieces, i, name).raw


def applied(name: str, labels: list) -> _Shown:
    """Gate ``name`` over input labels, as a formula piece: x^y, sigmoid(x + y), -x."""
    return _FORMULA.node(name, *[label_piece(label) for label in labels])


def vjp_formula(gate, k: int, labels: list, out: str, grad: str, statics=()) -> str:
    """An array gate's vector-Jacobian product for input k, as a formula, from its description:
    dY @ Wᵀ for the left input of Y = X @ W (``labels`` the inputs', ``out`` the output's label,
    ``grad`` its gradient's name, ``statics`` the fixed parameters: an axis, a shape, or their
    names as strings)."""
    pieces = [label_piece(label) for label in labels] + [_Shown(s if isinstance(s, str) else repr(s))
                                                        for s in statics]
    pieces.append(label_piece(grad))
    return build(lift(gate.vjp_exprs[k]), _FORMULA, label_piece(out), pieces, None, gate.name).raw


def local_formula(g: Graph, i: int, k: int, label=None) -> str:
    """d(node)/d(input k) as a formula over the input labels, from the gate's description.
    ``label``: the names in use (default: the full labels)."""
    short = label is not None and not isinstance(label, FullNames)
    name = label.__getitem__ if short else g.label
    op = GATES[g.op[i]]
    if op.forward_expr is None:
        return ""
    labels = [name(j) for j in g.args[i]]
    if op.reads is not None:
        return op.reads.replace("{i}", wrap(labels[k]))
    labels += [exact(d) for d in op.defaults[len(labels) - len(op.params):]] \
        if op.defaults and len(labels) < len(op.params) else []
    out = _out_text(g, i, label if short else None)
    # The formula depends on each label only through its kind: a number (folded: 2*x^(2 - 1) reads
    # 2*x), an atom, or an expression to parenthesise.  It is written once for each gate, input and
    # kinds, over stand-ins, and the labels are put in their places (a 100,000-gate trace: 0.1 s).
    kinds = tuple([True if text.isidentifier() and text.isascii() else  # a short name: an atom
                   text if _is_signed_number(text) else is_atom(text) for text in labels])
    key = (op.name, k, kinds, out[1])
    template = _LOCAL_TEMPLATES.get(key)
    if template is None:
        if len(_LOCAL_TEMPLATES) >= 4096:
            _LOCAL_TEMPLATES.clear()
        template = _LOCAL_TEMPLATES[key] = _local_template(op, k, kinds, out[1])
    return template.format(*labels, out[0])


#: (gate, input, the kinds of its labels, the output's precedence) -> the formula as a format string
_LOCAL_TEMPLATES: dict = {}


def _local_template(op, k: int, kinds: tuple, out_prec: int) -> str:
    """local_formula's text with {n} for label n (and {len(kinds)} for the gate's own label)."""
    stand_ins = [kind if type(kind) is str else f"_bp{n}_" if kind else f"_bp{n}_ + _" for n, kind in enumerate(kinds)]
    own = "_bpout_" if out_prec == 5 else "_bpout_ + _"
    e = op.shown[k] if op.shown is not None else op.local_expr(k)
    text = formula(e, stand_ins, _Shown(own, out_prec, own), k, op.name).replace("{", "{{").replace("}", "}}")
    for n, (stand_in, kind) in enumerate(zip(stand_ins, kinds)):
        if type(kind) is not str:
            text = text.replace(stand_in, "{%d}" % n)
    return text.replace(own, "{%d}" % len(kinds))


def _out_text(g: Graph, i: int, label=None) -> tuple:
    op = GATES[g.op[i]]
    text = label[i] if label is not None else describe(g, i)
    if text.isidentifier() and text.isascii():  # a short name
        return (text, 5, text)
    prec = op.precedence if op.notation == "infix" else 3 if op.notation == "prefix" else 5
    return (text, 5 if is_atom(text) else prec, text)


def derivative(numerator: str, denominator: str) -> str:
    """d(numerator)/d(denominator), parenthesising all but names and numbers: d(q*z)/dq, df/d(exp(-y))."""
    def d(text: str) -> str:
        return f"d{text}" if is_name(text) or is_number(text) else f"d({text})"

    return f"{d(numerator)}/{d(denominator)}"


def gradient_name(g: Graph, i: int) -> str:
    """d(output)/d(node i), e.g. df/dq, df/d(x + y)."""
    return derivative(g.output_name, display_label(g, i))


def ancestors(g: Graph, node: int) -> list:
    """For each node: does ``node`` depend on it (or is it ``node``)?  One backward sweep."""
    needed = [False] * len(g)
    needed[node] = True
    for i in range(node, -1, -1):
        if needed[i]:
            for j in g.args[i]:
                needed[j] = True
    return needed
