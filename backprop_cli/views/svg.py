"""The graph as SVG without Graphviz, for notebooks: the same nodes and wires as `graph` (picture.py),
placed by layout.py; every wire labelled with its forward value (green, above) and the gradient
flowing back along it (red, below), gates as circles with their symbol and short name, and 'sum' over
a node whose gradients add."""

from __future__ import annotations

from ..base.numbers import DEFAULT_DIGITS
from .dot import GRAD_COLOUR, VALUE_COLOUR
from .layout import LABEL_AT, RADIUS, endpoints, place

FONT = "Helvetica, Arial, sans-serif"


def _xml(text: str) -> str:
    text = "".join(ch for ch in text if ch.isprintable())
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


#: the gate of the backward step being shown, and the wires into it (the widget's step button)
HIGHLIGHT = "#f0b400"


def render(result, digits: int = DEFAULT_DIGITS, highlight: int = None) -> str:
    """The SVG text; ``highlight``: a gate's node id, drawn marked with the wires into it."""
    placed = place(result, digits)
    marked = None if highlight is None else f"n{highlight}"
    nodes = {node.id: node for node in placed.nodes}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{placed.width:.0f}" height="{placed.height:.0f}" '
           f'viewBox="0 0 {placed.width:.0f} {placed.height:.0f}" font-family="{FONT}">\n',
           '<defs><marker id="bp-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/>'
           '</marker></defs>\n',
           '<rect width="100%" height="100%" fill="white"/>\n']
    for wire in placed.wires:
        x0, y0, x1, y1 = endpoints(placed, wire, nodes)
        stroke = f'stroke="{HIGHLIGHT}" stroke-width="2.5"' if wire.target == marked else 'stroke="#444" stroke-width="1.2"'
        out.append(f'<line class="wire" x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
                   f'{stroke} marker-end="url(#bp-arrow)"/>\n')
        mx, my = x0 + (x1 - x0) * LABEL_AT, y0 + (y1 - y0) * LABEL_AT
        if wire.value:
            out.append(f'<text class="value" x="{mx:.1f}" y="{my - 5:.1f}" font-size="11" text-anchor="middle" '
                       f'fill="{VALUE_COLOUR}">{_xml(wire.value)}</text>\n')
        if wire.grad:
            out.append(f'<text class="grad" x="{mx:.1f}" y="{my + 14:.1f}" font-size="11" text-anchor="middle" '
                       f'fill="{GRAD_COLOUR}">{_xml(wire.grad)}</text>\n')
    for node in placed.nodes:
        x, y = placed.x[node.id], placed.y[node.id]
        if node.kind == "gate":
            stroke = f'stroke="{HIGHLIGHT}" stroke-width="3"' if node.id == marked else 'stroke="#222" stroke-width="1.3"'
            out.append(f'<circle class="gate" cx="{x:.1f}" cy="{y:.1f}" r="{RADIUS}" fill="white" {stroke}/>\n')
            size = 16 if len(node.text) <= 2 else 10 if len(node.text) <= 5 else 8
            out.append(f'<text x="{x:.1f}" y="{y + size * 0.35:.1f}" font-size="{size}" text-anchor="middle">'
                       f'{_xml(node.text)}</text>\n')
            if node.name:
                out.append(f'<text class="name" x="{x:.1f}" y="{y + RADIUS + 12:.1f}" font-size="10" '
                           f'text-anchor="middle" fill="#555">{_xml(node.name)}</text>\n')
        else:
            weight = ' font-weight="bold"' if node.kind == "output" else ""
            out.append(f'<text class="{node.kind}" x="{x:.1f}" y="{y + 5:.1f}" font-size="14" '
                       f'text-anchor="middle"{weight}>{_xml(node.text)}</text>\n')
        if node.total:
            lift = RADIUS + 6 if node.kind == "gate" else 14
            out.append(f'<text class="total" x="{x:.1f}" y="{y - lift:.1f}" font-size="10" text-anchor="middle" '
                       f'fill="{GRAD_COLOUR}">sum {_xml(node.total)}</text>\n')
    out.append("</svg>\n")
    return "".join(out)
