"""Every gate's second derivatives, derived from its local gradients in the gate table.

A gate's local gradient d(out)/d(input k) is an expression of the form in ``expr.py``; differentiating
that expression once more, with respect to input m, gives d²(out)/d(input k)d(input m).  The rules are
the chain rule over the expression form, and nothing else:

- an input: 1 for input m, 0 for the others; a number: 0;
- ``OUT``: the gate's own local gradient for input m;
- ``F.g(a, b, ...)``: the sum over g's inputs p of g's own local gradient for p (from the table, with
  g's inputs replaced by a, b, ... and g's OUT by the call itself) times the derivative of the p-th
  argument;
- ``where(c, a, b)``: ``where(c, a', b')`` (a condition does not move under an infinitesimal step);
- ``at(c, value, general)``, a convention at a special point (pow's 0 where the exponent is 0): the
  general formula's derivative, which is the derivative of the function there wherever it is finite,
  and the convention's derivative only where it is not.

So no gate has a hand-written second derivative: adding a gate to the table adds its second
derivatives, and tests/test_second_order.py checks every one against SymPy.  At a kink the first
derivative is a convention and the second is undefined there; the rules above give the derivative of
the convention's formula (relu'' = step' = 0), and the views say that it is undefined at the kink.

A derivative that is structurally zero is ``None`` (JAX's symbolic zero): it is never multiplied in,
so d²(x*y)/dx² is 0 even where y is inf.  The expressions are a gate's formula (shallow), so the walkers
here recurse, as those in ``expr.py`` do.
"""

from __future__ import annotations

from .expr import E, arg, compile_expr, eq, lift, numpy_pick
from . import library
from .ops import GATES, numpy_call, scalar_call

_CACHE: dict = {}


def _op(name: str):
    op = GATES.get(name)
    if op is None or op.forward_expr is None or not op.elementwise:
        raise KeyError(f"no elementwise gate named {name!r} to differentiate")
    return op


def specialise(e: E, n: int, i, gate: str) -> E:
    """``e`` for a gate of ``gate`` with ``n`` inputs, written for input ``i``: ``I`` becomes that input,
    ``ALL`` the list of them, and the gate's own library function a call of the gate."""
    kind = e.kind
    if kind == "arg":
        return arg(i) if e.value == "i" else e
    if kind in ("call", "lib"):
        parts = []
        for a in e.args:
            if a.kind == "all":
                parts.extend(arg(k) for k in range(n))
            else:
                parts.append(specialise(a, n, i, gate))
        return E("call", gate if kind == "lib" else e.value, tuple(parts))
    if not e.args:
        return e
    return E(kind, e.value, tuple(specialise(a, n, i, gate) for a in e.args))


def substitute(e: E, args: tuple, out: E) -> E:
    """``e`` with input k replaced by ``args[k]`` and OUT by ``out``."""
    kind = e.kind
    if kind == "arg":
        return args[e.value]
    if kind == "out":
        return out
    if not e.args:
        return e
    return E(kind, e.value, tuple(substitute(a, args, out) for a in e.args))


def local_expr(gate: str, k: int, n: int) -> E:
    """d(out)/d(input k) of gate ``gate`` with ``n`` inputs, defaults filled in, in plain form."""
    op = _op(gate)
    return specialise(op.local_expr(k), n, k, gate)


def _filled(gate: str, args: tuple) -> tuple:
    op = _op(gate)
    if op.defaults and len(args) < len(op.params):
        args = args + tuple(lift(d) for d in op.defaults[len(args) - len(op.params):])
    return args


# ---- symbolic zeros and ones -------------------------------------------------------------------------


def _is_num(e, v) -> bool:
    return e is not None and e.kind == "num" and e.value == v


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _mul(a, b):
    if a is None or b is None:
        return None
    if _is_num(a, 1.0):
        return b
    if _is_num(b, 1.0):
        return a
    return a * b


def derivative(e: E, m: int, n: int, gate: str):
    """d e / d(input m) for an expression ``e`` over the inputs of gate ``gate`` (``n`` of them) and its
    OUT, already specialised; None where it is zero by structure."""
    kind = e.kind
    if kind == "num":
        return None
    if kind == "arg":
        return lift(1.0) if e.value == m else None
    if kind == "out":
        return local_expr(gate, m, n)
    if kind == "call":
        args = _filled(e.value, e.args)
        total = None
        for p, a in enumerate(args):
            da = derivative(a, m, n, gate)
            if da is None:
                continue
            outer = substitute(local_expr(e.value, p, len(args)), args, e)
            if _is_num(outer, 0.0):
                continue
            total = _add(total, _mul(outer, da))
        return total
    if kind == "where":
        c, a, b = e.args
        da, db = derivative(a, m, n, gate), derivative(b, m, n, gate)
        if da is None and db is None:
            return None
        return E("where", None, (c, da or lift(0.0), db or lift(0.0)))
    if kind == "at":
        c, value, general = e.args
        dv, dg = derivative(value, m, n, gate), derivative(general, m, n, gate)
        if dg is None and dv is None:
            return None
        dg = dg or lift(0.0)
        # the convention's derivative only where the general formula's is not finite (dg - dg == 0
        # holds exactly for finite numbers)
        return E("at", None, (c, E("where", None, (eq(dg - dg, 0), dg, dv or lift(0.0))), dg))
    raise ValueError(f"cannot differentiate a {kind} expression")


def second_exprs(gate: str, n: int) -> tuple:
    """H[k][m] = d²(out)/d(input k)d(input m) of gate ``gate`` with ``n`` inputs, as expressions (None:
    zero by structure).  Derived once per gate and arity."""
    key = (gate, n)
    table = _CACHE.get(key)
    if table is None:
        table = tuple(tuple(derivative(local_expr(gate, k, n), m, n, gate) for m in range(n))
                      for k in range(n))
        _CACHE[key] = table
    return table


def _compile(e, numpy: bool):
    if e is None:
        return None
    if numpy:
        return compile_expr(e, numpy_call, lambda n: library.LIBRARY[n].numpy, "", numpy_pick, numpy_pick)
    return compile_expr(e, scalar_call, lambda n: library.LIBRARY[n].scalar, "", None, None)


def second_local(gate: str, n: int, numpy: bool = False):
    """A function (out, *xs) -> H, the n x n second derivatives of the gate at its inputs as numbers
    (None where zero by structure)."""
    key = ("compiled", gate, n, numpy)
    fn = _CACHE.get(key)
    if fn is None:
        rows = [[_compile(e, numpy) for e in row] for row in second_exprs(gate, n)]
        if n and len(_op(gate).params) > n and _op(gate).defaults:
            fill = _op(gate).defaults[n - len(_op(gate).params):]
        else:
            fill = ()

        def fn(out, *xs):
            xs = xs + fill
            return [[None if f is None else f(out, xs, None) for f in row] for row in rows]
        _CACHE[key] = fn
    return fn

