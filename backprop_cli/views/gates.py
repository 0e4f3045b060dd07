"""The lecture's cheat sheet, printed from the gate table: every gate's forward rule, its local
gradients as formulas, and its backward pattern in the lecture's words."""

from __future__ import annotations

import textwrap

from ..core.ops import OPS
from .notation import applied, formula, label_piece

MIN_WIDTH = 60


def _labels(op) -> list:
    """The names its inputs are shown under: x, y; a variadic gate's x1, x2 (and xi for each)."""
    lo, hi = op.arity
    if hi is None:
        first = [p for p in op.params[:-1]]
        return first + [f"{op.params[-1]}{k}" for k in (1, 2)]
    return list(op.params)


def describe_gate(op) -> dict:
    """One gate as {name, arity, inputs, forward, local, pattern}: formulas in the language."""
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
        local.append(f"d/d{name} = {text}" if not variadic or k < len(inputs) - 1 else
                     f"d/d{name} = {text} (each input)")
    if op.defaults:
        fixed = len(op.params) - len(op.defaults)
        defaults = ", ".join(f"{p} = {d:g}" for p, d in zip(op.params[fixed:], op.defaults))
        forward += f"   ({defaults} when left out)"
    return {"name": op.name, "arity": [lo, hi], "inputs": inputs, "forward": forward,
            "local": local, "pattern": op.pattern, "callable": op.callable}


def gate_table() -> list:
    return [describe_gate(op) for op in OPS.values() if op.forward_expr is not None]


def as_json(rows: list) -> list:
    return [{"name": r["name"], "arity": r["arity"], "forward": r["forward"], "local": r["local"],
             "pattern": r["pattern"]} for r in rows]


def render(rows: list, width: int) -> str:
    """The cheat sheet as plain text, ``width`` columns (at least 60): long lines wrap, never cut."""
    width = max(MIN_WIDTH, width)
    out = ["Gates: the forward rule, the local gradients, the backward pattern.",
           "Operators: + - * / ^ (also **) and unary -; everything else is called by name.", ""]

    def para(text: str, indent: str) -> None:
        out.extend(textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "    ",
                                 break_long_words=False, break_on_hyphens=False))

    for r in rows:
        para(r["forward"], "")
        para("   ".join(r["local"]), "  ")
        para(r["pattern"], "  ")
        out.append("")
    out.append("Every local gradient is multiplied by the upstream gradient; where a value feeds")
    out.append("several gates, its gradients add.  Conventions at kinks follow PyTorch.")
    return "\n".join(_fit(line, width) for line in out) + "\n"


def _fit(line: str, width: int) -> str:
    return line if len(line) <= width else "\n".join(
        textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)) or line


__all__ = ["as_json", "describe_gate", "gate_table", "label_piece", "render"]
