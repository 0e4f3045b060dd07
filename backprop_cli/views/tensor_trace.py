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


def matmul_shapes(k: int, shapes: list) -> str:
    """The shapes the rule for input k of X @ Y multiplies.  numpy reads a vector as a row on the
    left of @ and as a column on the right; the shapes shown are those."""
    xs, ys = shapes
    xm = xs if len(xs) == 2 else (1,) + xs
    ym = ys if len(ys) == 2 else ys + (1,)
    gm = (xm[0], ym[1])
    if k == 0:
        return f"{shape_text(xs)} = {shape_text(gm)} @ {shape_text(_t(ym))}"
    return f"{shape_text(ys)} = {shape_text(_t(xm))} @ {shape_text(gm)}"


def d_name(label: str) -> str:
    """dW for a name, d(Y * D) for an expression."""
    return f"d{label}" if label.isidentifier() else f"d({label})"


def edge_rule(result, i: int, k: int, label) -> tuple:
    """The rule that sends node i's gradient to its input k, written from the gate table
    (``dW = dY @ Xᵀ``, ``dt1 += dL``; an elementwise gate without an array rule:
    ``dY += dt1 * ∂t1/∂Y``, in ``sum_to( )`` where broadcasting is undone), and the shapes it moves
    between (``(3x4) = (3x1) @ (1x4)``)."""
    from .notation import wrap

    g = result.graph
    gate = GATES[g.op[i]]
    args = g.args[i]
    name, arg_names = label[i], [label[j] for j in args]
    gshape = _shape(result.grads[i])
    shapes = [_shape(result.values[j]) for j in args]
    if gate.vjp_exprs is not None:
        rule = vjp_formula(gate, k, arg_names, name, d_name(name), g.payload[i] or ())
        if gate.name == "matmul":
            return f"{d_name(arg_names[k])} = {rule}", matmul_shapes(k, shapes)
        return f"{d_name(arg_names[k])} += {rule}", f"{shape_text(shapes[k])} from {d_name(name)} {shape_text(gshape)}"
    summed = tuple(np.broadcast_shapes(gshape, *[_shape(x) for x in result.local[i]])) != shapes[k]
    term = f"{d_name(name)} * ∂{wrap(name)}/∂{wrap(arg_names[k])}"
    return (f"{d_name(arg_names[k])} += {'sum_to(' if summed else ''}{term}"
            f"{') summed over the broadcast axes' if summed else ''}"), shape_text(shapes[k])


def lines(result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> list:
    """The trace in the scalar trace's names (t1, t2, the program's names; ``labels="full"``: whole
    subexpressions), every node's shape printed once, beside its value."""
    from .notation import describe, names, same_text

    g = result.graph
    values, grads, contrib = result.values, result.grads, result.contrib
    label = names(g, labels)
    live = g.live()
    shown = [i for i in range(len(g)) if g.op[i] != "const" and live[i]]
    pad = max((len(label[i]) for i in shown), default=1)
    out = ["Forward pass, in topological order (shape, value):"]
    for i in shown:
        shape = shape_text(_shape(values[i]))
        if not g.args[i]:
            out.append(f"  {label[i]:<{pad}} {shape} = {brief(values[i], digits)}   (input)")
        elif same_text(label[i], describe(g, i, label)):  # --labels full: the label is the formula
            out.append(f"  {label[i]:<{pad}}   {shape} = {brief(values[i], digits)}")
        else:
            out.append(f"  {label[i]:<{pad}} = {describe(g, i, label)}   {shape} = {brief(values[i], digits)}")
    f = label[g.output]
    out.append("")
    out.append(f"Backward pass: d{f}/d{f} = 1; each gate sends its vector-Jacobian product back, "
               "broadcasting undone by summing.")
    step = 0
    for i in range(g.output, -1, -1):
        args = g.args[i]
        if not args or not live[i] or contrib[i] is None:
            continue
        step += 1
        gate = GATES[g.op[i]]
        name = label[i]
        gshape = _shape(grads[i])
        out.append("")
        formula = describe(g, i, label)
        out.append(f"step {step}: {name}{'' if same_text(name, formula) else ' = ' + formula}"
                   f"   ({gate.name} gate, {shape_text(gshape)})")
        out.append(f"  {gate.pattern}")
        arg_names = [label[j] for j in args]
        for k, j in enumerate(args):
            c = contrib[i][k]
            if g.op[j] == "const":
                continue
            if c is None:
                out.append(f"  {arg_names[k]}: no gradient ({'labels' if gate.name == 'cross_entropy' else 'static'})")
                continue
            rule, shapes_moved = edge_rule(result, i, k, label)
            out.append(f"  {rule}: {shapes_moved}")
            if np.size(c) <= SMALL:
                out.append(f"    = {brief(c, digits)}")
    out.append("")
    out.append(f"{f} = {brief(values[g.output], digits)}")
    for name, j in g.inputs.items():
        out.append(f"d{f}/d{name} = {brief(grads[j], digits)}  {shape_text(_shape(grads[j]))}")
    return out


def render(result, console, digits: int = DEFAULT_DIGITS, labels: str = "short") -> None:
    """Each line fitted to the terminal (or $COLUMNS when piped): broken at spaces, never inside a
    number, continuation lines indented past the line's own indent."""
    from .styled import view_width, wrap

    width = view_width(console)
    for line in lines(result, digits, labels):
        for piece in wrap(line, width) if line.strip() else [""]:
            console.print(piece, markup=False, highlight=False, soft_wrap=True)
