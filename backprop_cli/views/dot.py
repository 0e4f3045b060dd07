"""The graph in Graphviz's DOT language, left to right like the lecture's figures: inputs on the
left, gates as circles marked by their symbol, every wire labelled with its forward value (green,
above) and the gradient flowing back along it (red, below)."""

from __future__ import annotations

from ..core.engine import Result
from ..base.numbers import DEFAULT_DIGITS
from .picture import streamed

VALUE_COLOUR = "#1a7f37"
GRAD_COLOUR = "#cf222e"


def _html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def render(result: Result, digits: int = DEFAULT_DIGITS) -> str:
    return "".join(lines(result, digits))


def lines(result: Result, digits: int = DEFAULT_DIGITS):
    """The DOT text line by line (each ending in a newline), made as it is written."""
    nodes, wires = streamed(result, digits)
    yield "digraph backprop {\n"
    yield "  rankdir=LR;\n"
    yield "  forcelabels=true;\n"
    yield '  node [fontname="Helvetica", fontsize=14];\n'
    yield '  edge [fontname="Helvetica", fontsize=11, arrowsize=0.7];\n'
    for node in nodes:
        attrs = []
        if node.kind == "gate":
            label = f"<{_html(node.text)}"
            if node.name:
                label += f'<BR/><FONT POINT-SIZE="10">{_html(node.name)}</FONT>'
            attrs += [f"label={label}>", "shape=circle"]
        else:
            attrs += [f"label=<{_html(node.text)}>", "shape=plaintext"]
        if node.total:
            attrs.append(f'xlabel=<<FONT COLOR="{GRAD_COLOUR}">sum {_html(node.total)}</FONT>>')
        yield f"  {node.id} [{', '.join(attrs)}];\n"
    for wire in wires:
        parts = []
        if wire.value:
            parts.append(f'<FONT COLOR="{VALUE_COLOUR}">{_html(wire.value)}</FONT>')
        if wire.grad:
            parts.append(f'<FONT COLOR="{GRAD_COLOUR}">{_html(wire.grad)}</FONT>')
        label = f" [label=<{'<BR/>'.join(parts)}>]" if parts else ""
        yield f"  {wire.source} -> {wire.target}{label};\n"
    yield "}\n"
