"""The small expression form in which every gate's forward rule and local gradients are written.

A gate description (``ops.py``) is written with the names below: ``X``, ``Y`` (or ``arg(k)``) for its
inputs, ``OUT`` for its output, Python's operators for + - * / ** and unary -, ``F.name(...)`` for a
call of another gate (or of a library function), ``where(cond, a, b)`` for a piecewise rule,
``at(cond, value, general)`` for a convention at special points (PyTorch's pow'(0) = 0, ...), and
``gt``/``ge``/``lt``/``le``/``eq``/``both`` for conditions.  For a gate with any number of inputs,
``I`` is the input whose local gradient is being written and ``ALL`` all of them.

From one such expression every backend is derived:

- ``scalar(e)`` / ``numpy(e)``: Python closures for the scalar and numpy engines;
- ``build(e, builder, out, args)``: the expression replayed through a builder (the code generator's
  and ``diff``'s simplifying expression DAG), which spells it in a target language;
- ``show(e, ...)`` (``views/notation.py``): the formula text of the trace and of ``backprop gates``.

The expressions are our own, tiny and shallow (a gate's formula), so the walkers here recurse.
"""

from __future__ import annotations

import math
import operator


class E:
    """One node of a description: ``kind`` is arg, out, num, call, lib, where, at, cmp or and."""

    __slots__ = ("kind", "value", "args")

    def __init__(self, kind: str, value=None, args: tuple = ()) -> None:
        self.kind, self.value, self.args = kind, value, args

    def __add__(self, o):
        return E("call", "add", (self, lift(o)))

    def __radd__(self, o):
        return E("call", "add", (lift(o), self))

    def __sub__(self, o):
        return E("call", "sub", (self, lift(o)))

    def __rsub__(self, o):
        return E("call", "sub", (lift(o), self))

    def __mul__(self, o):
        return E("call", "mul", (self, lift(o)))

    def __rmul__(self, o):
        return E("call", "mul", (lift(o), self))

    def __truediv__(self, o):
        return E("call", "div", (self, lift(o)))

    def __rtruediv__(self, o):
        return E("call", "div", (lift(o), self))

    def __pow__(self, o):
        return E("call", "pow", (self, lift(o)))

    def __rpow__(self, o):
        return E("call", "pow", (lift(o), self))

    def __neg__(self):
        return E("call", "neg", (self,))

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"E({self.kind}, {self.value!r}, {self.args!r})"


def lift(v) -> E:
    return v if isinstance(v, E) else E("num", float(v))


def arg(k) -> E:
    return E("arg", k)


X, Y = arg(0), arg(1)
I = arg("i")  # noqa: E741 - the input of a variadic gate whose local gradient is written
ALL = E("all")
OUT = E("out")
#: the upstream gradient, in an array gate's vector-Jacobian product
G = E("grad")


def num(v: float) -> E:
    return E("num", float(v))


class _Calls:
    """``F.cos(X)``: a call of the gate (or library function) ``cos``."""

    def __getattr__(self, name):
        return lambda *args: E("call", name, tuple(lift(a) for a in args))


F = _Calls()


def lib(n: int) -> E:
    """The library function of the gate's own name over its ``n`` inputs (or all of them)."""
    return E("lib", None, tuple(arg(k) for k in range(n)) if n else (ALL,))


def where(cond: E, a, b) -> E:
    return E("where", None, (cond, lift(a), lift(b)))


def at(cond: E, value, general) -> E:
    """``value`` where ``cond`` holds (a convention at special points), else ``general``."""
    return E("at", None, (cond, lift(value), lift(general)))


def _cmp(symbol):
    return lambda a, b: E("cmp", symbol, (lift(a), lift(b)))


gt, ge, lt, le, eq = _cmp(">"), _cmp(">="), _cmp("<"), _cmp("<="), _cmp("==")


def both(p: E, q: E) -> E:
    return E("and", None, (p, q))


COMPARE = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
           "<=": lambda a, b: a <= b, "==": lambda a, b: a == b}


# ---- walking a description -----------------------------------------------------------------------


def build(e: E, b, out, args: list, i=None, name: str = ""):
    """Replay ``e`` through the builder ``b`` (a DAG, a printer), with ``out`` and ``args`` as its
    leaves.  ``b`` has num(v), node(gate, *args), lib(gate, *args), where(c, x, y), at(c, x, y),
    compare(symbol, x, y) and both(p, q).  ``name``: the gate whose own library function ``lib``
    stands for; ``i``: which input a variadic gate's ``I`` is."""
    kind = e.kind
    if kind == "arg":
        return args[i if e.value == "i" else e.value]
    if kind == "out":
        return out
    if kind == "grad":
        return args[-1]
    if kind == "num":
        return b.num(e.value)
    if kind in ("call", "lib"):
        xs = []
        for a in e.args:
            if a.kind == "all":
                xs.extend(args)
            else:
                xs.append(build(a, b, out, args, i, name))
        return b.node(e.value, *xs) if kind == "call" else b.lib(name, *xs)
    parts = [build(a, b, out, args, i, name) for a in e.args]
    if kind == "where":
        return b.where(*parts)
    if kind == "at":
        return b.at(*parts)
    if kind == "cmp":
        return b.compare(e.value, *parts)
    if kind == "and":
        return b.both(*parts)
    raise ValueError(f"unknown expression kind {kind!r}")


def uses_out(e: E) -> bool:
    stack = [e]
    while stack:
        e = stack.pop()
        if e.kind == "out":
            return True
        stack.extend(e.args)
    return False


# ---- closures for the engines ----------------------------------------------------------------------


def compile_expr(e: E, calls, libs, name: str, where, at):
    """A function ``f(out, xs, i)`` evaluating ``e``.  ``calls(name)``: the function of a gate (or of
    a library function); ``libs(name)``: the library function itself; ``where(c, a, b, ...)`` and
    ``at``: how a condition picks over arrays (numpy computes both branches); None: pick one branch,
    as a scalar does.  Leaves (inputs, the output, numbers) are read in place, not called: the scalar
    engine spends its time here."""

    def compiled(x):
        return compile_expr(x, calls, libs, name, where, at)

    kind = e.kind
    if kind == "grad":  # a vector-Jacobian product is called with the upstream gradient last
        return lambda out, xs, i: xs[-1]
    if kind in ("arg", "out", "num"):
        how, v = _leaf(e)
        if how == "num":
            return lambda out, xs, i: v
        if how == "out":
            return lambda out, xs, i: out
        if how == "arg":
            return lambda out, xs, i: xs[v]
        return lambda out, xs, i: xs[i]
    if kind in ("call", "lib"):
        f = calls(e.value) if kind == "call" else libs(name)
        if any(a.kind == "all" for a in e.args):
            parts = [None if a.kind == "all" else compiled(a) for a in e.args]
            if parts == [None]:
                return lambda out, xs, i: f(*xs)

            def call_all(out, xs, i):
                values = []
                for p in parts:
                    if p is None:
                        values.extend(xs)
                    else:
                        values.append(p(out, xs, i))
                return f(*values)
            return call_all
        if len(e.args) == 1:
            how, v = _operand(e.args[0], compiled)
            if how == "arg":
                return lambda out, xs, i: f(xs[v])
            if how == "out":
                return lambda out, xs, i: f(out)
            if how == "num":
                return lambda out, xs, i: f(v)
            return lambda out, xs, i: f(v(out, xs, i))
        if len(e.args) == 2:
            return _two(f, _operand(e.args[0], compiled), _operand(e.args[1], compiled))
        parts = [compiled(a) for a in e.args]
        return lambda out, xs, i: f(*[p(out, xs, i) for p in parts])
    if kind == "cmp":
        return _two(_OPERATOR[e.value], _operand(e.args[0], compiled), _operand(e.args[1], compiled))
    if kind == "and":
        p, q = (compiled(x) for x in e.args)
        return lambda out, xs, i: both_values(p(out, xs, i), q(out, xs, i))
    c, a, b = (compiled(x) for x in e.args)
    pick = where if kind == "where" else at
    if pick is None:
        return lambda out, xs, i: a(out, xs, i) if c(out, xs, i) else b(out, xs, i)
    return lambda out, xs, i: pick(c(out, xs, i), a, b, out, xs, i)


_OPERATOR = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq}


def _leaf(e: E) -> tuple:
    if e.kind == "num":
        return "num", e.value
    if e.kind == "out":
        return "out", None
    return ("arg", e.value) if e.value != "i" else ("i", None)


def _operand(e: E, compiled) -> tuple:
    """How an operand is read: ("num", v), ("out", None), ("arg", k), or ("fn", closure)."""
    if e.kind in ("num", "out") or (e.kind == "arg" and e.value != "i"):
        return _leaf(e)
    return "fn", compiled(e)


def _two(f, a: tuple, b: tuple):
    """f(a, b) with each operand read in place where it is a leaf."""
    (ka, va), (kb, vb) = a, b
    if ka == "fn":
        if kb == "fn":
            return lambda out, xs, i: f(va(out, xs, i), vb(out, xs, i))
        if kb == "num":
            return lambda out, xs, i: f(va(out, xs, i), vb)
        if kb == "out":
            return lambda out, xs, i: f(va(out, xs, i), out)
        return lambda out, xs, i: f(va(out, xs, i), xs[vb])
    if ka == "num":
        if kb == "fn":
            return lambda out, xs, i: f(va, vb(out, xs, i))
        if kb == "out":
            return lambda out, xs, i: f(va, out)
        if kb == "arg":
            return lambda out, xs, i: f(va, xs[vb])
        return lambda out, xs, i: f(va, vb)
    if ka == "out":
        if kb == "fn":
            return lambda out, xs, i: f(out, vb(out, xs, i))
        if kb == "num":
            return lambda out, xs, i: f(out, vb)
        if kb == "out":
            return lambda out, xs, i: f(out, out)
        return lambda out, xs, i: f(out, xs[vb])
    if kb == "fn":
        return lambda out, xs, i: f(xs[va], vb(out, xs, i))
    if kb == "num":
        return lambda out, xs, i: f(xs[va], vb)
    if kb == "out":
        return lambda out, xs, i: f(xs[va], out)
    return lambda out, xs, i: f(xs[va], xs[vb])


def both_values(p, q):
    return p & q if not isinstance(p, bool) else p and q


def numpy_pick(c, a, b, out, xs, i):
    import numpy

    # numpy computes both branches; the one not taken may overflow where it is not used.
    with numpy.errstate(all="ignore"):
        return numpy.where(c, a(out, xs, i), b(out, xs, i))


def is_finite(v: float) -> bool:
    return math.isfinite(v)
