"""The trace of a tensor program: the forward pass with every node's shape, then each gate's backward
rule with the shapes it moves between (``dW = dY @ Xᵀ: (3x4) = (3x1) @ (1x4)``) and, for small
tensors, the numbers."""

from __future__ import annotations

import numpy as np

from ..core.ops import GATES, shape_text
from ..base.numbers import DEFAULT_DIGITS
from .notation import vjp_formula
from .tensor_text import SMALL, brief


def _shape(x) -> tuple:
    return tuple(np.shape(x))


def _t(shape: tuple) -> tuple:
    return shape[:-2] + shape[-2:][::-1] if len(shape) >= 2 else shape


def _matmul_shapes(k: int, shapes: list) -> str:
    """The shapes the rule for input k of X @ Y multiplies.  numpy reads a vector as a row on the
    left of @ and as a column on the right; the shapes shown are those."""
    xs, ys = shapes
    xm = xs if len(xs) == 2 else (1,) + xs
    ym = ys if len(ys) == 2 else ys + (1,)
    gm = (xm[0], ym[1])
    if k == 0:
        return f"{shape_text(xs)} = {shape_text(gm)} @ {shape_text(_t(ym))}"
    return f"{shape_text(ys)} = {shape_text(_t(xm))} @ {shape_text(gm)}"


def _d(label: str) -> str:
    """dW for a name, d(Y * D) for an expression."""
    return f"d{label}" if label.isidentifier() else f"d({label})"


def lines(result, digits: int = DEFAULT_DIGITS) -> list:
    g = result.graph
    values, grads, local, contrib = result.values, result.grads, result.local, result.contrib
    out = []
    out.append("Forward pass (shape, value):")
    for i in range(len(g)):
        args = g.args[i]
        what = g.op[i] if not args else f"{g.op[i]}({', '.join(g.label(j, 20) for j in args)})"
        out.append(f"  [{i}] {g.label(i, 30)} = {what}  {shape_text(_shape(values[i]))}  "
                   f"{brief(values[i], digits)}")
    f = g.output_name
    seed = "1" if not np.ndim(values[g.output]) else f"ones{shape_text(_shape(values[g.output]))} (the sum of the elements)"
    out.append("")
    out.append(f"Backward pass: d{f}/d{f} = {seed}; each gate sends its vector-Jacobian product back, "
               "broadcasting undone by summing.")
    live = g.live()
    for i in range(g.output, -1, -1):
        args = g.args[i]
        if not args or not live[i] or contrib[i] is None:
            continue
        gate = GATES[g.op[i]]
        name = g.label(i, 20)
        gshape = _shape(grads[i])
        out.append(f"  [{i}] {name} ({gate.name} {shape_text(gshape)}): {gate.pattern}")
        names = [g.label(j, 20) for j in args]
        shapes = [_shape(values[j]) for j in args]
        for k, j in enumerate(args):
            c = contrib[i][k]
            if c is None:
                out.append(f"      {names[k]}: no gradient ({'labels' if gate.name == 'cross_entropy' else 'static'})")
                continue
            if gate.vjp_exprs is not None:  # the rule written from the gate's own description
                shown = vjp_formula(gate, k, names, name, _d(name), g.payload[i] or ())
                if gate.name == "matmul":
                    rule = f"{_d(names[k])} = {shown}: {_matmul_shapes(k, shapes)}"
                else:
                    rule = (f"{_d(names[k])} += {shown}: "
                            f"{shape_text(shapes[k])} from {_d(name)} {shape_text(gshape)}")
            else:
                summed = tuple(np.broadcast_shapes(gshape, *[_shape(x) for x in local[i]])) != shapes[k]
                term = f"{_d(name)} * ∂{_d(name)[1:]}/∂{_d(names[k])[1:]}"
                rule = (f"{_d(names[k])} += {'sum_to(' if summed else ''}{term}"
                        f"{') summed over the broadcast axes' if summed else ''}: {shape_text(shapes[k])}")
            out.append(f"      {rule}")
            if np.size(c) <= SMALL:
                out.append(f"        = {brief(c, digits)}")
    out.append("")
    out.append(f"{f} = {brief(values[g.output], digits)}")
    for name, j in g.inputs.items():
        out.append(f"d{f}/d{name} = {brief(grads[j], digits)}  {shape_text(_shape(grads[j]))}")
    return out


def render(result, console, digits: int = DEFAULT_DIGITS) -> None:
    """Each line fitted to the terminal (or $COLUMNS when piped): broken at spaces, never inside a
    number, continuation lines indented past the line's own indent."""
    from .styled import view_width, wrap

    width = view_width(console)
    for line in lines(result, digits):
        for piece in wrap(line, width) if line.strip() else [""]:
            console.print(piece, markup=False, highlight=False, soft_wrap=True)
