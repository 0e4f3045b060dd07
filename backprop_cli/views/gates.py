"""The lecture's cheat sheet, printed from the gate table: every gate's forward rule, its local
gradients as formulas, and its backward pattern in the lecture's words; then the array gates, each
with the vector-Jacobian product every input gets (dx = dout @ yᵀ), printed from the same table."""

from __future__ import annotations

from ..core.ops import GATES
from .notation import applied, formula, label_piece, vjp_formula
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


#: example input shapes the array gates' shape rules are shown on, tried in order (the first a
#: gate's rule accepts is shown): a matrix, a matrix and one that fits it, N logits and N labels
_EXAMPLE_SHAPES = [((2, 3),), ((2, 3), (3, 4)), ((2, 3), (2,))]


def _shape_example(gate, n_inputs: int) -> str:
    """The gate's shape rule on example shapes, as "(2x3), (3x4) -> (2x4)": derived from the rule."""
    from ..core.ops import ShapeError, shape_text

    for shapes in _EXAMPLE_SHAPES:
        if len(shapes) != n_inputs:
            continue
        if gate.static == -1:  # reshape: the shape wanted
            statics = tuple(reversed(shapes[0]))
        elif gate.static and gate.defaults:
            statics = tuple(gate.defaults[-gate.static:])
        else:
            statics = (0,) * gate.static  # index: the first row
        try:
            out = gate.shape(list(shapes), statics)
        except (ShapeError, TypeError, ValueError, IndexError):
            continue
        fixed = [f"shape={statics}"] if gate.static == -1 else \
            [f"{p}={v}" for p, v in zip(gate.params[n_inputs:], statics)]
        text = ", ".join(shape_text(x) for x in shapes) + ("; " + ", ".join(fixed) if fixed else "") + \
            f" -> {shape_text(out)}"
        if statics == (None,):  # a reduction: over everything, or along an axis
            text += f"; axis=0 -> {shape_text(gate.shape(list(shapes), (0,)))}"
        return text
    return ""


def describe_array_gate(gate) -> dict:
    """An array gate as {name, arity, inputs, forward, vjp, pattern, defaults}: ``vjp[k]`` is what
    input k gets from the upstream gradient ``dout`` (None: no gradient, as cross_entropy's labels)."""
    lo, hi = gate.arity
    statics = len(gate.params) - 1 if gate.static == -1 else gate.static
    inputs = list(gate.params[:len(gate.params) - statics])
    fixed = list(gate.params[len(inputs):])
    if gate.notation == "infix":
        forward = f"{inputs[0]} {gate.symbol} {inputs[1]}"
    elif gate.name == "index":
        forward = f"{inputs[0]}[{fixed[0]}]"
    else:
        forward = f"{gate.name}({', '.join(inputs + fixed)}{', ...' if hi is None else ''})"
    vjp = [None if e is None else vjp_formula(gate, k, inputs, "out", "dout", fixed)
           for k, e in enumerate(gate.vjp_exprs)]
    defaults = dict(zip(gate.params[len(gate.params) - len(gate.defaults):], gate.defaults))
    return {"name": gate.name, "arity": [lo, hi], "inputs": inputs, "forward": forward, "vjp": vjp,
            "pattern": gate.pattern, "defaults": defaults, "shapes": _shape_example(gate, len(inputs))}


def gate_table() -> list:
    """The elementwise gates, then the array gates."""
    gates = [g for g in GATES.values() if g.forward_expr is not None]
    return [describe_gate(g) for g in gates if g.elementwise] + \
        [describe_array_gate(g) for g in gates if not g.elementwise]


_KEYS = ("name", "arity", "inputs", "forward", "computed", "local", "vjp", "pattern", "defaults", "shapes")


def as_json(rows: list) -> list:
    return [{key: r[key] for key in _KEYS if key in r} for r in rows]


def _default(value) -> str:
    return "all elements" if value is None else f"{value:g}"


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

    backward = ("Backward, each local gradient is multiplied by the upstream gradient; where a value "
                "feeds several gates, its gradients add.  At kinks the conventions are PyTorch's.")
    arrays = False
    for r in rows:
        if "vjp" in r and not arrays:
            arrays = True
            para(backward, more="")
            out.append("")
            para("Array gates work on whole arrays (numpy's rules: broadcasting, an axis).  Each input "
                 "gets a vector-Jacobian product of the upstream gradient dout (out is the gate's "
                 "output; a reduction's dout spreads back over the reduced axis):", more="")
            out.append("")
        forward = r["forward"]
        if "computed" in r:
            forward += f"   (computed as {r['computed']}, which never overflows)"
        if r.get("shapes"):
            forward += f"   shapes: {r['shapes']}"
        if r["defaults"]:
            forward += "   (" + ", ".join(f"{p} = {_default(d)}" for p, d in r["defaults"].items()) + \
                " when left out)"
        para(forward)
        if "local" in r:
            each = " (each input)" if r["arity"][1] is None else ""
            para("   ".join(f"d/d{x} = {f}" for x, f in zip(r["inputs"], r["local"])) + each, "  ")
        else:
            para("   ".join(f"d{x} = {f}" if f is not None else f"d{x}: none"
                            for x, f in zip(r["inputs"], r["vjp"])), "  ")
        para(r["pattern"], "  ")
        out.append("")
    if not arrays:
        para(backward, more="")
    return "\n".join(out) + "\n"


__all__ = ["as_json", "describe_gate", "gate_table", "label_piece", "render"]
