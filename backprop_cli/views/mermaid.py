"""The graph as a Mermaid flowchart (GitHub and many editors draw it): left to right, gates as
circles marked by their symbol, every wire labelled with its forward value and the gradient
flowing back along it."""

from __future__ import annotations

from ..core.engine import Result
from ..numbers import DEFAULT_DIGITS
from .picture import layout


def _text(text: str) -> str:
    """Text for inside a Mermaid "quoted string": entity codes for what it would take as markup."""
    return (text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;")
            .replace(">", "#gt;"))


def render(result: Result, digits: int = DEFAULT_DIGITS) -> str:
    nodes, wires = layout(result, digits)
    lines = ["flowchart LR"]
    for node in nodes:
        text = _text(node.text)
        if node.kind == "gate" and node.name:
            text += f"<br/>{_text(node.name)}"
        if node.total:
            text += f"<br/>sum grad {_text(node.total)}"
        if node.kind == "gate":
            lines.append(f'  {node.id}(("{text}"))')
        else:
            lines.append(f'  {node.id}["{text}"]')
    for wire in wires:
        parts = []
        if wire.value:
            parts.append(f"value {_text(wire.value)}")
        if wire.grad:
            parts.append(f"grad {_text(wire.grad)}")
        if parts:
            lines.append(f'  {wire.source} -->|"{"<br/>".join(parts)}"| {wire.target}')
        else:
            lines.append(f"  {wire.source} --> {wire.target}")
    gates = [node.id for node in nodes if node.kind == "gate"]
    leaves = [node.id for node in nodes if node.kind != "gate"]
    lines.append("  classDef gate fill:#f6f8fa,stroke:#57606a")
    lines.append("  classDef leaf fill:none,stroke:none")
    if gates:
        lines.append(f"  class {','.join(gates)} gate")
    lines.append(f"  class {','.join(leaves)} leaf")
    return "\n".join(lines) + "\n"
