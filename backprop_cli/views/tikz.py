"""The graph as a TikZ picture for slides (`graph --format tikz`): the same nodes and wires as `graph`
(picture.py) at the places layout.py gives the notebook's SVG, every wire labelled with its forward
value (green, above) and the gradient flowing back along it (red, below)."""

from __future__ import annotations

import re

from ..base.numbers import DEFAULT_DIGITS
from .dot import GRAD_COLOUR, VALUE_COLOUR
from .latex import name, number_text, text
from .layout import LABEL_AT, place

#: pixels of the layout per centimetre of the picture
SCALE = 55.0
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)(e-?\d+)?|-?inf|nan\Z")
_SYMBOLS = {"+": "$+$", "-": "$-$", "*": r"$\times$", "/": "$/$", "^": r"\textasciicircum", "@": "$@$"}


def _number(shown: str) -> str:
    """A wire's label: a number in math mode, a tensor's shape and numbers as text."""
    if _NUMBER.fullmatch(shown):
        return f"${number_text(shown)}$"
    return r"\texttt{" + text(shown) + "}"


def _label(node) -> str:
    if node.kind == "gate":
        return _SYMBOLS.get(node.text, r"\texttt{" + text(node.text) + "}")
    if node.kind == "const":
        return _number(node.text) if _NUMBER.fullmatch(node.text) else f"${name(node.text)}$"
    return f"${name(node.text)}$"


def lines(result, digits: int = DEFAULT_DIGITS):
    placed = place(result, digits)
    yield "% backprop graph --format tikz: needs \\usepackage{tikz}\n"
    yield "\\begin{tikzpicture}[>=stealth, every node/.style={font=\\small}]\n"
    yield f"\\definecolor{{bpvalue}}{{HTML}}{{{VALUE_COLOUR[1:]}}}\n"
    yield f"\\definecolor{{bpgrad}}{{HTML}}{{{GRAD_COLOUR[1:]}}}\n"
    for node in placed.nodes:
        x, y = placed.x[node.id] / SCALE, -placed.y[node.id] / SCALE
        options = ["circle", "draw", "minimum size=8mm", "inner sep=1pt"] if node.kind == "gate" else []
        if node.kind == "output":
            options.append("font=\\bfseries")
        if node.name:
            options.append(f"label={{[font=\\scriptsize, text=black!60]below:${name(node.name)}$}}")
        if node.total:
            options.append(f"label={{[font=\\scriptsize, text=bpgrad]above:sum {_number(node.total)}}}")
        yield f"\\node[{', '.join(options)}] ({node.id}) at ({x:.2f},{y:.2f}) {{{_label(node)}}};\n"
    for wire in placed.wires:
        labels = ""
        if wire.value:
            labels += f" node[pos={LABEL_AT}, above, sloped, font=\\scriptsize, text=bpvalue] {{{_number(wire.value)}}}"
        if wire.grad:
            labels += f" node[pos={LABEL_AT}, below, sloped, font=\\scriptsize, text=bpgrad] {{{_number(wire.grad)}}}"
        yield f"\\draw[->] ({wire.source}) --{labels} ({wire.target});\n"
    yield "\\end{tikzpicture}\n"


def render(result, digits: int = DEFAULT_DIGITS) -> str:
    return "".join(lines(result, digits))
