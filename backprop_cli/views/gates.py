"""The lecture's cheat sheet, printed from the gate table: every gate's forward rule, its local
gradients as formulas, and its backward pattern in the lecture's words."""

from __future__ import annotations

from ..core.ops import GATES
from .notation import applied, formula, label_piece
from .styled import wrap

MIN_WIDTH = 60


def _labels(op) -> list:
    """The names its inputs are shown under: x, y; a variadic gate's x1, x2 (and xi for each)."""
    lo, hi = op.arity
    if hi is None:
        first = [p for p in op.params[:-1]]
        return first + [f"{op.params[-1]}{k}" for k in (1, 2)]
    return list(op.params)


def describe_gate(op) -> dict:
    """One gate as {name, arity, inputs, forward, local, pattern, defaults}: formulas in the
    language; ``local[k]`` is d(out)/d(inputs[k]) (for a variadic gate the last is any input)."""
    labels = _labels(op)
    lo, hi = op.arity
    variadic = hi is None
    call = applied(op.name, labels).raw if not variadic else f"{op.name}({', '.join(labels)}, ...)"
    if op.forward_expr.kind == "lib":
        forward = call
    else:
        forward = f"{call} = {formula(op.forward_expr, labels, None, None, op.name)}"
    out = applied(op.name, labels)
    local = []
    inputs = labels if not variadic else labels[:-2] + [f"{op.params[-1]}i"]
    for k, name in enumerate(inputs):
        if op.reads is not None:
            text = op.reads.replace("{i}", name)
        else:
            e = op.shown[k] if op.shown is not None else op.local_expr(k)
            shown_labels = labels if not variadic else labels[:-2] + [name]
            text = formula(e, shown_labels, out, k if not variadic else len(shown_labels) - 1, op.name)
        local.append(text)
    fixed = len(op.params) - len(op.defaults)
    defaults = dict(zip(op.params[fixed:], op.defaults))
    return {"name": op.name, "arity": [lo, hi], "inputs": inputs, "forward": forward,
            "local": local, "pattern": op.pattern, "defaults": defaults}


def gate_table() -> list:
    return [describe_gate(op) for op in GATES.values() if op.forward_expr is not None and op.elementwise]


def as_json(rows: list) -> list:
    return [{"name": r["name"], "arity": r["arity"], "inputs": r["inputs"], "forward": r["forward"],
             "local": r["local"], "pattern": r["pattern"], "defaults": r["defaults"]} for r in rows]


def render(rows: list, width: int) -> str:
    """The cheat sheet as plain text, ``width`` columns (at least 60): long lines wrap, never cut."""
    width = max(MIN_WIDTH, width)
    out: list = []

    def para(text: str, indent: str = "", more: str = "    ") -> None:
        out.extend(wrap(indent + text, width, len(more)))

    para("Every gate: its forward rule, its local gradient for each input, and the pattern the "
         "gradient follows backward.  + - * / ^ (also **) and unary - are operators; the rest are "
         "called by name.", more="")
    out.append("")

    for r in rows:
        forward = r["forward"]
        if r["defaults"]:
            forward += "   (" + ", ".join(f"{p} = {d:g}" for p, d in r["defaults"].items()) + " when left out)"
        para(forward)
        each = " (each input)" if r["arity"][1] is None else ""
        para("   ".join(f"d/d{x} = {f}" for x, f in zip(r["inputs"], r["local"])) + each, "  ")
        para(r["pattern"], "  ")
        out.append("")
    para("Backward, each local gradient is multiplied by the upstream gradient; where a value "
         "feeds several gates, its gradients add.  At kinks the conventions are PyTorch's.", more="")
    return "\n".join(out) + "\n"


__all__ = ["as_json", "describe_gate", "gate_table", "label_piece", "render"]
