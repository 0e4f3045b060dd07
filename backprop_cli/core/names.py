"""How every view, the quiz and the live app write a node: its short name, and its gate over its inputs'
names (``describe``: x + y, w0*x0, exp(-y)).

Short names, the lecture's way of writing a graph (q = x + y, f = q*z): every node that has a name
in the program keeps it, inputs and constants are themselves, the unnamed output is called by the
output's name (f), and every other gate gets t1, t2, ... in topological order, skipping names the
program uses.  The views (views/notation.py), the quiz and the live app all name nodes with this."""

from __future__ import annotations

from ..base.numbers import show
from .graph import Graph
from .ops import GATES


def _generated(name: str) -> bool:
    """``t\\d+``: a name of the form the short names take (t1, t2, ...)."""
    return name[:1] == "t" and name[1:].isdecimal()


def short_names(g: Graph) -> list:
    """Every node's short name (see the module's docstring): one pass, one string a node."""
    used = {n for n in g.inputs}
    used.update(n for n in set(g.name) if n is not None)
    taken = {n for n in used if _generated(n)}
    out, out_name = g.output, g.output_name
    names: list = [None] * len(g)
    op, given, payload = g.op, g.name, g.payload
    counter = 0
    for i in range(len(op)):
        if given[i] is not None:
            names[i] = given[i]
        elif op[i] == "input":
            names[i] = payload[i]
        elif op[i] == "const":
            names[i] = g.label(i)
        elif i == out and out_name not in used:
            names[i] = out_name
        else:
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            names[i] = f"t{counter}"
    return names


def is_name(text: str) -> bool:
    """``[A-Za-z_][A-Za-z_0-9#]*``: a name, or a versioned one (x#2).  Without re (start-up)."""
    return text.isascii() and text[:1] != "#" and text.replace("#", "_").isidentifier()


def is_number(text: str) -> bool:
    """``(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?``, the whole text: an unsigned number as written."""
    for sep in "eE":
        if sep in text:
            text, _, exponent = text.partition(sep)
            if exponent[:1] in ("+", "-"):
                exponent = exponent[1:]
            if not exponent.isdecimal():
                return False
            break
    whole, dot, fraction = text.partition(".")
    if whole:
        return whole.isdecimal() and (not fraction or fraction.isdecimal())
    return bool(dot) and fraction.isdecimal()


def _call_paren(text: str) -> int:
    """Where the '(' of a call ``name(`` at the start of ``text`` is, or -1."""
    k = text.find("(")
    return k if k > 0 and text[:k].isascii() and text[:k].isidentifier() else -1


def _wrapped(text: str, start: int) -> bool:
    """Does the '(' at ``start`` close at the very end of ``text``?"""
    depth = 0
    for k in range(start, len(text)):
        ch = text[k]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return k == len(text) - 1
    return False


def is_atom(text: str) -> bool:
    """A name, an unsigned number, a call f(...) or something already in parentheses."""
    if is_name(text) or is_number(text):
        return True
    if text.startswith("("):
        return _wrapped(text, 0)
    paren = _call_paren(text)
    return paren > 0 and _wrapped(text, paren)


def wrap(text: str) -> str:
    """``text`` in parentheses unless it is an atom: composite labels are parenthesised."""
    return text if is_atom(text) else f"({text})"


class FullNames:
    """Full subexpressions (--labels full), made on demand: a million long labels would not fit."""

    __slots__ = ("g",)

    def __init__(self, g: Graph) -> None:
        self.g = g

    def __getitem__(self, i: int) -> str:
        return display_label(self.g, i)

    def __len__(self) -> int:
        return len(self.g)


def operand(g: Graph, j: int, parent: str, right: bool, label=None) -> str:
    """Node ``j``'s label as an operand of the infix or prefix op ``parent``, parenthesised only
    where the language needs it (or where a sign would read badly): x*y + max(z, w), 2*(a + b).
    ``label``: the names in use (short names are atoms: only a negative constant needs parentheses)."""
    if label is not None and not isinstance(label, FullNames):
        text = label[j]
        return f"({text})" if text.startswith("-") else text
    text = g.label(j)
    if g.name[j] is not None or g.op[j] == "input":
        return text
    if g.op[j] == "const":
        return f"({text})" if text.startswith("-") else text
    if text.endswith("…"):
        return f"({text})"
    child, op = GATES[g.op[j]], GATES[parent]
    if child.notation == "prefix":
        return f"({text})"
    if child.notation != "infix" or is_atom(text):
        return text
    if child.precedence < op.precedence or op.notation == "prefix":
        return f"({text})"
    if child.precedence == op.precedence and (right != (op.associativity == "right")):
        return f"({text})"
    return text


def describe(g: Graph, i: int, label=None) -> str:
    """Node ``i`` as its gate over its inputs' labels: x + y, q*z, -y, exp(-y), max(z, w).
    A leaf: its label.  ``label``: the names in use (default: the full labels)."""
    args = g.args[i]
    if not args:
        return g.label(i) if label is None else label[i]
    op = GATES[g.op[i]]
    if op.notation == "infix" and len(args) == 2:
        a, b = operand(g, args[0], op.name, False, label), operand(g, args[1], op.name, True, label)
        if op.precedence == 1:
            return f"{a} {op.symbol} {b}"
        return f"{a}{op.symbol}{b}"
    if op.notation == "prefix" and len(args) == 1:
        return f"{op.symbol}{operand(g, args[0], op.name, True, label)}"
    text = g.label if label is None or isinstance(label, FullNames) else label.__getitem__
    return f"{op.name}({', '.join(text(j) for j in args)})"


def display_label(g: Graph, i: int) -> str:
    """The node's label, except that an unnamed output gate is called by the output's name (f)."""
    if i == g.output and g.name[i] is None and g.args[i]:
        return g.output_name
    return g.label(i)


def with_values(g: Graph, i: int, values: list, digits: int) -> list:
    """Node ``i``'s gate over its inputs' values, as pieces (text, is_a_value): 3 * (-4), exp(4)."""
    texts = [show(values[j], digits) for j in g.args[i]]
    op = GATES[g.op[i]]
    if op.notation == "infix" and len(texts) == 2:
        a, b = texts
        if op.symbol == "^" and a.startswith("-"):
            a = f"({a})"
        if b.startswith("-"):
            b = f"({b})"
        return [(a, True), (f" {op.symbol} ", False), (b, True)]
    if op.notation == "prefix" and len(texts) == 1:
        return [(f"{op.symbol}(", False), (texts[0], True), (")", False)]
    pieces = [(f"{g.op[i]}(", False)]
    for n, text in enumerate(texts):
        if n:
            pieces.append((", ", False))
        pieces.append((text, True))
    pieces.append((")", False))
    return pieces
