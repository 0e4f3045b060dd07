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
    ``at``: how a condition picks (a scalar picks one branch, numpy computes both)."""
    kind = e.kind
    if kind == "arg":
        k = e.value
        if k == "i":
            return lambda out, xs, i: xs[i]
        return lambda out, xs, i: xs[k]
    if kind == "out":
        return lambda out, xs, i: out
    if kind == "grad":  # a vector-Jacobian product is called with the upstream gradient last
        return lambda out, xs, i: xs[-1]
    if kind == "num":
        v = e.value
        return lambda out, xs, i: v
    if kind in ("call", "lib"):
        f = calls(e.value) if kind == "call" else libs(name)
        parts = [None if a.kind == "all" else compile_expr(a, calls, libs, name, where, at) for a in e.args]
        if parts == [None]:
            return lambda out, xs, i: f(*xs)
        if None in parts:
            def call_all(out, xs, i):
                values = []
                for p in parts:
                    if p is None:
                        values.extend(xs)
                    else:
                        values.append(p(out, xs, i))
                return f(*values)
            return call_all
        if len(parts) == 1:
            (p,) = parts
            if e.args[0].kind == "arg" and e.args[0].value != "i":
                k = e.args[0].value
                return lambda out, xs, i: f(xs[k])
            return lambda out, xs, i: f(p(out, xs, i))
        if len(parts) == 2:
            p, q = parts
            return lambda out, xs, i: f(p(out, xs, i), q(out, xs, i))
        return lambda out, xs, i: f(*[p(out, xs, i) for p in parts])
    c, a, b = (compile_expr(x, calls, libs, name, where, at) for x in e.args[:3]) if kind in ("where", "at") \
        else (None, None, None)
    if kind == "where":
        return lambda out, xs, i: where(c(out, xs, i), a, b, out, xs, i)
    if kind == "at":
        return lambda out, xs, i: at(c(out, xs, i), a, b, out, xs, i)
    if kind == "cmp":
        test = COMPARE[e.value]
        p, q = (compile_expr(x, calls, libs, name, where, at) for x in e.args)
        return lambda out, xs, i: test(p(out, xs, i), q(out, xs, i))
    if kind == "and":
        p, q = (compile_expr(x, calls, libs, name, where, at) for x in e.args)
        return lambda out, xs, i: both_values(p(out, xs, i), q(out, xs, i))
    raise ValueError(f"unknown expression kind {kind!r}")


def both_values(p, q):
    return p & q if not isinstance(p, bool) else p and q


def scalar_pick(c, a, b, out, xs, i):
    return a(out, xs, i) if c else b(out, xs, i)


def numpy_pick(c, a, b, out, xs, i):
    import numpy

    # numpy computes both branches; the one not taken may overflow where it is not used.
    with numpy.errstate(all="ignore"):
        return numpy.where(c, a(out, xs, i), b(out, xs, i))


def is_finite(v: float) -> bool:
    return math.isfinite(v)
