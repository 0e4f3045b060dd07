"""The graph as a Mermaid flowchart (GitHub and many editors draw it): left to right, gates as
circles marked by their symbol, every wire labelled with its forward value and the gradient
flowing back along it."""

from __future__ import annotations

from ..core.engine import Result
from ..base.numbers import DEFAULT_DIGITS
from .picture import streamed


def _text(text: str) -> str:
    """Text for inside a Mermaid "quoted string": entity codes for what it would take as markup."""
    return (text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;")
            .replace(">", "#gt;"))


def render(result: Result, digits: int = DEFAULT_DIGITS) -> str:
    return "".join(lines(result, digits))


def lines(result: Result, digits: int = DEFAULT_DIGITS):
    """The flowchart line by line (each ending in a newline), made as it is written."""
    nodes, wires = streamed(result, digits)
    gates, leaves = [], []  # node ids only: a few bytes a node
    yield "flowchart LR\n"
    for node in nodes:
        text = _text(node.text)
        if node.kind == "gate" and node.name:
            text += f"<br/>{_text(node.name)}"
        if node.total:
            text += f"<br/>sum grad {_text(node.total)}"
        if node.kind == "gate":
            gates.append(node.id)
            yield f'  {node.id}(("{text}"))\n'
        else:
            leaves.append(node.id)
            yield f'  {node.id}["{text}"]\n'
    for wire in wires:
        parts = []
        if wire.value:
            parts.append(f"value {_text(wire.value)}")
        if wire.grad:
            parts.append(f"grad {_text(wire.grad)}")
        if parts:
            yield f'  {wire.source} -->|"{"<br/>".join(parts)}"| {wire.target}\n'
        else:
            yield f"  {wire.source} --> {wire.target}\n"
    yield "  classDef gate fill:#f6f8fa,stroke:#57606a\n"
    yield "  classDef leaf fill:none,stroke:none\n"
    if gates:
        yield f"  class {','.join(gates)} gate\n"
    yield f"  class {','.join(leaves)} leaf\n"
