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
    computed = None
    if op.forward_expr.kind == "lib":
        forward = call
    elif op.collapses is not None:  # the textbook form; the one computed (which never overflows) beside it
        forward = f"{call} = {formula(op.collapses, labels, None, None, op.name)}"
        computed = formula(op.forward_expr, labels, None, None, op.name)
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
    row = {"name": op.name, "arity": [lo, hi], "inputs": inputs, "forward": forward,
           "local": local, "pattern": op.pattern, "defaults": defaults}
    if computed is not None:
        row["computed"] = computed
    return row


def gate_table() -> list:
    return [describe_gate(op) for op in GATES.values() if op.forward_expr is not None and op.elementwise]


#: example input shapes the array gates' shape rules are shown on, tried in order (the first a
#: gate's rule accepts is shown): a matrix, a matrix and one that fits it, N logits and N labels
_EXAMPLE_SHAPES = [((2, 3),), ((2, 3), (3, 4)), ((2, 3), (2,))]


def _example_statics(op, shape: tuple) -> tuple:
    n_static = len(op.params) - 1 if op.static == -1 else op.static
    if op.static == -1:  # reshape: the shape wanted
        return tuple(reversed(shape))
    if n_static and op.defaults:
        return tuple(op.defaults[-n_static:])
    return (0,) * n_static  # index: the first row


def _shape_example(op) -> str:
    from ..core.ops import ShapeError, shape_text

    n_inputs = 1 if op.static == -1 else len(op.params) - op.static
    for shapes in _EXAMPLE_SHAPES:
        if len(shapes) != n_inputs:
            continue
        statics = _example_statics(op, shapes[0])
        try:
            out = op.shape(list(shapes), statics)
        except (ShapeError, TypeError, ValueError, IndexError):
            continue
        given = ", ".join(shape_text(s) for s in shapes)
        fixed = [f"{p}={v}" for p, v in zip(op.params[n_inputs:], statics)] if op.static != -1 else \
            [f"shape={statics}"]
        text = f"{given}{'; ' + ', '.join(fixed) if fixed else ''} -> {shape_text(out)}"
        if statics == (None,):  # a reduction: over everything, or along an axis
            text += f"; axis=0 -> {shape_text(op.shape(list(shapes), (0,)))}"
        return text
    return ""


def _inputs_named(text: str, labels: list) -> str:
    """The VJP text with the gate's inputs under their own names (X -> x), as the scalar gates have them."""
    import re

    for upper, name in zip(("X", "Y"), labels):
        text = re.sub(rf"(?<![A-Za-z]){upper}(?![A-Za-z])", name, text)
    return text


def describe_array_gate(op) -> dict:
    """An array gate as {name, inputs, forward, local (each input's gradient from dOUT), pattern,
    shapes (an example of its shape rule)}."""
    n_inputs = 1 if op.static == -1 else len(op.params) - op.static
    labels = list(op.params[:n_inputs])
    if op.notation == "infix":
        forward = f"{labels[0]} {op.symbol} {labels[1]}"
    else:
        forward = f"{op.name}({', '.join(op.params) if op.static != -1 else labels[0] + ', shape...'})"
    local = [_inputs_named(t, labels) for t in (op.vjp_shown or ())][:n_inputs]
    return {"name": op.name, "arity": list(op.arity), "inputs": labels, "forward": forward, "local": local,
            "pattern": op.pattern, "shapes": _shape_example(op), "tensor": True}


def array_gate_table() -> list:
    return [describe_array_gate(op) for op in GATES.values() if op.forward_expr is not None and not op.elementwise]


def as_json(rows: list) -> list:
    keys = ("name", "arity", "inputs", "forward", "computed", "local", "pattern", "defaults", "shapes", "tensor")
    return [{k: r[k] for k in keys if k in r} for r in rows]


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

    tensors = [r for r in rows if r.get("tensor")]
    rows = [r for r in rows if not r.get("tensor")]
    for r in rows:
        forward = r["forward"]
        if "computed" in r:
            forward += f"   (computed as {r['computed']}, which never overflows)"
        if r["defaults"]:
            forward += "   (" + ", ".join(f"{p} = {d:g}" for p, d in r["defaults"].items()) + " when left out)"
        para(forward)
        each = " (each input)" if r["arity"][1] is None else ""
        para("   ".join(f"d/d{x} = {f}" for x, f in zip(r["inputs"], r["local"])) + each, "  ")
        para(r["pattern"], "  ")
        out.append("")
    para("Backward, each local gradient is multiplied by the upstream gradient; where a value "
         "feeds several gates, its gradients add.  At kinks the conventions are PyTorch's.", more="")
    if tensors:
        out.append("")
        para("Array gates (tensors): every gate above works elementwise on arrays, with numpy's "
             "broadcasting (a broadcast input's gradient is summed back to its shape). These work on "
             "whole arrays; each input's gradient is written with dOUT, the upstream gradient, which has "
             "the output's shape, and has the input's own shape.", more="")
        out.append("")
        for r in tensors:
            para(r["forward"] + (f"   shapes: {r['shapes']}" if r["shapes"] else ""))
            para("   ".join(f"d{x} = {f}" for x, f in zip(r["inputs"], r["local"])), "  ")
            para(r["pattern"], "  ")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


__all__ = ["array_gate_table", "as_json", "describe_array_gate", "describe_gate", "gate_table", "label_piece",
           "render"]
