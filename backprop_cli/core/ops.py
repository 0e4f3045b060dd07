"""The gate table: every gate of the language, each described once.

A gate is one ``_gate(...)`` entry: its inputs, its forward rule and one local gradient
d(out)/d(input) per input, written in the small expression form of ``expr.py`` (``X``, ``Y`` the
inputs, ``OUT`` the output, ``F.cos(X)`` a call, ``where``/``at`` for pieces and conventions), side
by side as in micrograd, in a table as in HIPS autograd's ``defvjp``.  A forward of ``lib(n)`` is
the library function of the gate's own name (``library.py`` spells it for every backend).  Every
consumer derives what it needs from that one description:

- ``Gate.forward`` / ``Gate.local``: closures for the scalar engine (``engine.py``);
- ``Gate.np_forward`` / ``Gate.np_local``: the same over numpy arrays (``vectorized.py``);
- the generated code in every language and ``diff``'s programs (``transforms/expressions.py`` replays
  the expressions through one simplifying DAG and prints it per language);
- the trace's formulas and ``backprop gates`` (``views/notation.py`` prints them);
- the sigmoid collapse (``transforms/collapse.py``) matches the chain a gate's ``collapses`` gives.

``fast`` may give hand-tuned versions: the scalar forwards of sigmoid, relu, step and sign (one
call instead of a few closures, for big graphs), max/min's routing (a tie in one pass), pow's local
gradient (through logs where a^(b-1) overflows for a tiny base).  ``tests/test_gates.py`` proves them
equal to the description.

Everything is total over IEEE doubles: where maths is undefined a gate returns inf or nan instead of
raising, and the engine asks ``undefined`` why.  Non-differentiable points follow PyTorch:
relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = a, a tie in max/min splits the gradient evenly; ``kink``
says whether a point is one of those, ``piece`` which smooth piece of the domain a point is in.

Adding a gate is one entry below and nothing else: the parser, the engines, codegen, diff, the
trace, ``backprop gates`` and the table-driven tests pick it up by iterating ``GATES``.

Tensors add entries, not an engine: an elementwise gate is already one, since every backend
applies its expression with numpy broadcasting; a gate over whole arrays (matmul, sum over an axis,
softmax, cross_entropy...) is an entry whose ``elementwise`` is False (the scalar consumers skip
those: ``elementwise_gates()``), with a ``shape`` rule beside ``arity``, ``static`` parameters fixed at parse time (an axis, a shape, an index), and ``vjp``: one
vector-Jacobian product per input written in the same form, ``G`` the upstream gradient, with array
primitives from the library (``F.matmul_dx(G, X, Y)`` is G Yᵀ).  ``vectorized.run_tensor`` runs them.

No dataclasses or typing at run time: this module is on the start-up path of ``eval``.
"""

from __future__ import annotations

import math

from . import library
from .expr import (ALL, OUT, F, G, I, X, Y, arg, at, both, compile_expr, eq, ge, gt, le, lib, lift, lt,
                   numpy_pick, where)
from .library import (div, exp, log, maximum, minimum, np, np_power, power, share, sqrt,  # noqa: F401
                      sin, cos, tan)

inf = math.inf
nan = math.nan


# ---- conventions and diagnostics in Python (not derivatives) -----------------------------------


# Hand-tuned scalar forwards of the gates every big graph is full of (one call instead of a few
# closures); test_fast_paths_equal_the_description_at_special_values holds them to the entries below.


def step(x: float) -> float:
    """1 where x > 0, else 0 (also for nan): relu's local gradient, relu'(0) = 0."""
    return 1.0 if x > 0 else 0.0


def sign(x: float) -> float:
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return x  # 0 -> 0 (PyTorch's abs'(0)), nan -> nan


def relu(x: float) -> float:
    return 0.0 if x <= 0 else x  # nan stays nan, as in PyTorch


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = exp(x)  # exp(x) <= 1 here, or nan
    return e / (1.0 + e)


def _tie_split(out: float, xs) -> tuple:
    """Gradient of max/min: routed to the input(s) equal to the result, split evenly on a tie."""
    winners = sum(1 for x in xs if x == out)
    if winners == 0:  # nan somewhere
        return tuple(nan for _ in xs)
    each = 1.0 / winners
    return tuple(each if x == out else 0.0 for x in xs)


def _np_tie_split(out, xs) -> tuple:
    hits = [x == out for x in xs]
    winners = sum(hits)
    each = np.divide(1.0, winners)
    return tuple(np.where(winners == 0, np.nan, np.where(hit, each, 0.0)) for hit in hits)


def _tied(xs, best: float) -> bool:
    """Do two or more inputs share the winning value?"""
    return sum(1 for x in xs if x == best) > 1


def _pow_local(out: float, a: float, b: float) -> tuple:
    # The description's formulas, except that a^(b-1) can overflow where b*a^(b-1) does not (a tiny
    # base): then through logs.
    da = 0.0 if b == 0 else b * power(a, b - 1.0)
    if not math.isfinite(da) and a > 0 and math.isfinite(b) and math.isfinite(out):
        da = math.copysign(exp(math.log(abs(b)) + (b - 1.0) * math.log(a)), b)
    db = 0.0 if a == 0 and b >= 0 else out * log(a)
    return (da, db)


def _np_pow_local(out, a, b) -> tuple:
    da = np.where(b == 0, 0.0, b * np_power(a, b - 1.0))
    tiny_base = ~np.isfinite(da) & (a > 0) & np.isfinite(b) & np.isfinite(out)
    if np.any(tiny_base):
        via_logs = np.copysign(np.exp(np.log(np.abs(b)) + (b - 1.0) * np.log(a)), b)
        da = np.where(tiny_base, via_logs, da)
    db = np.where((a == 0) & (b >= 0), 0.0, out * np.log(a))
    return (da, db)


def _pow_undefined(a: float, b: float):
    if a < 0 and math.isfinite(b) and b != math.floor(b):
        return "a negative base to a non-integer power"
    if a == 0 and b < 0:
        return "zero to a negative power"
    return None


def _sign_piece(x: float):
    return (x > 0) - (x < 0) if x == x else None


def _winners(out: float, xs) -> tuple:
    return tuple(x == out for x in xs)


def _pow_piece(a: float, b: float):
    # a^b is smooth except where the base crosses 0 (a pole for b < 0, a cusp for 0 < b < 1, nan
    # on one side for a non-integer b): smooth in both wherever a > 0, and in a for a whole b >= 0.
    # (A positive base with b moving across a whole number, 1.5^x at x = 0, crosses nothing.)
    if a > 0 or (math.isfinite(b) and b >= 0 and b == math.floor(b)):
        return 1
    return _sign_piece(a)


def _tie_along(x, axis=None, extreme="max") -> bool:
    """Do two or more elements share the largest (smallest) value along ``axis``: amax's kink."""
    x = np.asarray(x)
    if x.size == 0:
        return False
    best = (np.max if extreme == "max" else np.min)(x, axis=axis, keepdims=True)
    return bool(np.any(np.sum(x == best, axis=axis) > 1))


def _no_kink(*xs) -> bool:
    return False


def _defined(*xs):
    return None


NO_KINK = _no_kink


def times(upstream: float, local: float) -> float:
    """A blocking gate's contribution: upstream * local, but 0 where local is 0, even for an inf or
    nan upstream (where IEEE gives 0 * inf = nan).  Finite products are untouched, bit for bit."""
    c = upstream * local
    return c if c == c or local != 0 else 0.0


def np_times(upstream, local):
    """``times`` over numpy arrays."""
    c = upstream * local
    return np.where((local == 0) & (c != c), 0.0, c)


# ---- the gate record -------------------------------------------------------------------------------

_LAZY = ("forward", "local", "np_forward", "np_local", "np_vjp")


class Gate:
    """One gate.  ``forward``, ``local``, ``np_forward`` and ``np_local`` are derived from the
    description on first use (so start-up pays for none of them)."""

    __slots__ = ("name", "params", "defaults", "arity", "forward_expr", "local_exprs", "pattern",
                 "shown", "reads", "notation", "symbol", "precedence", "callable", "undefined",
                 "kink", "piece", "fast", "collapses", "static", "shape", "vjp_exprs",
                 "elementwise", "commutative", "associativity", "spellings", "one_array", "mistakes",
                 "blocks") + _LAZY

    def __init__(self, name, params, forward_expr, local_exprs, pattern, *, defaults=(),
                 variadic=None, shown=None, reads=None, notation="call", symbol="", precedence=100,
                 callable=True, undefined=_defined, kink=_no_kink, piece=None, fast=None,
                 collapses=None, static=0, shape=None, vjp=None, commutative=False,
                 associativity="left", spellings=(), one_array=None, mistakes=(), blocks=False):
        self.name = name
        #: names of the inputs (for the cheat sheet); the last ``len(defaults)`` may be left out.
        self.params = tuple(params)
        self.defaults = tuple(defaults)
        n = len(self.params)
        #: (fewest, most) inputs; most is None for "any number".
        self.arity = (variadic, None) if variadic is not None else (n - len(self.defaults), n)
        self.forward_expr = forward_expr
        #: one expression per input; a variadic gate has one, for its input ``I``.
        self.local_exprs = tuple(lift(e) for e in local_exprs)
        #: the gate's backward-flow pattern, in the lecture's words.
        self.pattern = pattern
        #: the local gradients as the trace shows them, where the textbook form differs from the one
        #: computed (-x/y^2 for -out/y): checked equal to it by the tests.
        self.shown = shown
        #: the local gradient in words, where no formula reads well (max: "1 if x is the largest").
        self.reads = reads
        #: how the gate prints: "infix" with ``symbol`` and ``precedence``, "prefix", "call", "leaf".
        self.notation, self.symbol, self.precedence = notation, symbol, precedence
        #: infix gates: "left" (a - b - c is (a - b) - c) or "right" (2^3^2 is 2^(3^2)).
        self.associativity = associativity
        #: every symbol the language reads for it (``**`` is ``^`` too); the first is ``symbol``.
        self.spellings = ((symbol,) if symbol else ()) + tuple(spellings)
        #: f(x, y) == f(y, x), value and gradients alike (the collapse matches either order).
        self.commutative = commutative
        #: called on one array, the gate is this reduction of it: max(X) is amax(X), X's largest element.
        self.one_array = one_array
        #: can users call it by name in the language?
        self.callable = callable
        #: given finite inputs that gave a non-finite output, why (None: the result overflowed).
        self.undefined = undefined
        #: is the point non-differentiable (the gradient there is a convention, not a limit)?
        self.kink = kink
        #: which smooth piece of its domain the inputs lie in: a finite-difference step whose ends
        #: give different pieces crosses a kink or a singularity.  None: smooth where defined.
        self.piece = piece
        #: hand-tuned versions: {"forward"|"local"|"np_forward"|"np_local": function}.
        self.fast = fast or {}
        #: the textbook chain of gates this gate folds (``--collapse NAME``), as an expression.
        self.collapses = collapses
        #: array gates: how many trailing parameters are fixed when parsing (an axis, a shape, an
        #: index), -1 for "all after the first"; they are passed after the inputs, never differentiated.
        self.static = static
        #: array gates: the shape rule, (input shapes, statics) -> output shape, or raises
        #: ShapeError with the rule broken.  None: elementwise, numpy's broadcasting.
        self.shape = shape
        #: False for an array gate (one with a shape rule); elementwise gates also run on scalars.
        self.elementwise = shape is None
        #: array gates: one vector-Jacobian product per input, in terms of ``G`` (the upstream
        #: gradient), the inputs, the statics and ``OUT``; None for an input not differentiated.
        self.vjp_exprs = tuple(vjp) if vjp is not None else None
        #: the learners' mistakes at this gate that the grader (check --backward, the quiz) names:
        #: (code, words, one wrong local gradient per input in the form above, None where the
        #: mistake does not apply), beside the right local gradients.
        self.mistakes = tuple(mistakes)
        #: a zero local gradient blocks the upstream: 0 is passed on even when the upstream is inf or
        #: nan (PyTorch's masked gates: relu's flat side, step, sign, the losers of max and min).
        #: Every backend forms such a contribution with ``times`` (``masked_mul`` in generated code).
        self.blocks = blocks

    def __getattr__(self, attr):
        if attr not in _LAZY:
            raise AttributeError(attr)
        value = self.fast.get(attr) or _derive(self, attr)
        setattr(self, attr, value)
        return value

    def replace(self, **changes) -> "Gate":
        """A copy with some attributes changed (tests plant broken gates with it).  A changed
        description drops the closures derived from the old one."""
        new = Gate.__new__(Gate)
        rederive = bool({"forward_expr", "local_exprs", "vjp_exprs", "defaults"} & set(changes))
        for slot in Gate.__slots__:
            if slot in changes:
                setattr(new, slot, changes[slot])
            elif slot not in _LAZY or (slot in self._lazy_set() and not rederive):
                setattr(new, slot, getattr(self, slot))
        return new

    def _lazy_set(self) -> set:
        return {attr for attr in _LAZY if _is_set(self, attr)}

    def arity_text(self) -> str:
        lo, hi = self.arity
        if hi == lo:
            return f"{lo} argument" + ("" if lo == 1 else "s")
        if hi is None:
            return f"at least {lo} argument" + ("" if lo == 1 else "s")
        return f"{lo} to {hi} arguments"

    def accepts(self, n: int) -> bool:
        lo, hi = self.arity
        return n >= lo and (hi is None or n <= hi)

    def local_expr(self, k: int):
        """The expression of d(out)/d(input k)."""
        return self.local_exprs[0] if self.arity[1] is None else self.local_exprs[k]


def _is_set(op, attr) -> bool:
    try:
        object.__getattribute__(op, attr)
        return True
    except AttributeError:
        return False


def scalar_call(name):
    """The scalar function a compiled expression calls for ``name``: a gate's forward, else the library's."""
    op = GATES.get(name)
    return op.forward if op is not None else library.LIBRARY[name].scalar


def numpy_call(name):
    """The numpy function a compiled expression calls for ``name``."""
    op = GATES.get(name)
    return op.np_forward if op is not None else library.LIBRARY[name].numpy


def _derive(op: Gate, attr: str):
    if op.forward_expr is None:
        return None
    if attr == "np_vjp":
        return _derive_vjp(op)
    scalar = not attr.startswith("np_")
    calls = scalar_call if scalar else numpy_call
    libs = (lambda n: library.LIBRARY[n].scalar) if scalar else (lambda n: library.LIBRARY[n].numpy)
    pick = None if scalar else numpy_pick
    defaults, n = op.defaults, len(op.params)

    def fill(xs):
        return xs if len(xs) == n or not defaults else xs + defaults[len(xs) - n:]

    if attr in ("forward", "np_forward"):
        e = op.forward_expr
        if e.kind == "lib" and not defaults:
            return libs(op.name)
        ev = compile_expr(e, calls, libs, op.name, pick, pick)
        if defaults:
            return lambda *xs: ev(None, fill(xs), None)
        return lambda *xs: ev(None, xs, None)
    evs = [compile_expr(e, calls, libs, op.name, pick, pick) for e in op.local_exprs]
    if op.arity[1] is None:
        (ev,) = evs
        return lambda out, *xs: tuple(ev(out, xs, k) for k in range(len(xs)))
    if defaults:
        return lambda out, *xs: tuple(e(out, fill(xs), None) for e in evs[:len(xs)])
    if n == 1:
        (e0,) = evs
        return lambda out, *xs: (e0(out, xs, None),)
    if n == 2:
        e0, e1 = evs
        return lambda out, *xs: (e0(out, xs, None), e1(out, xs, None))
    return lambda out, *xs: tuple(e(out, xs, None) for e in evs)


def _derive_vjp(op: Gate, exprs=None):
    """``np_vjp(out, g, *inputs_and_statics)``: each input's share of the upstream ``g``.  ``exprs``:
    other VJPs in the same form (a mistake's, ``mistaken_vjp``) instead of the gate's own."""
    exprs = op.vjp_exprs if exprs is None else exprs
    if exprs is None:
        return None
    libs = lambda n: library.LIBRARY[n].numpy  # noqa: E731
    evs = [None if e is None else compile_expr(lift(e), numpy_call, libs, op.name, numpy_pick, numpy_pick)
           for e in exprs]

    def vjp(out, g, *xs, want=None):
        """``want``: which inputs need their share (None: all); the others get None, uncomputed."""
        args = xs + (g,)
        return tuple(None if ev is None or (want is not None and not want[k]) else ev(out, args, None)
                     for k, ev in enumerate(evs))
    return vjp


def mistaken_vjp(op: Gate, m: int):
    """What a learner who makes the gate's m-th mistake computes: an array gate's VJP (``mistakes``:
    wrong VJPs, in the form of ``vjp``), or an elementwise gate's ``np_local`` (wrong local
    gradients; an input the mistake leaves alone keeps the right one)."""
    if not op.elementwise:
        return _derive_vjp(op, op.mistakes[m][2])
    libs = lambda n: library.LIBRARY[n].numpy  # noqa: E731
    wrong = op.mistakes[m][2]
    if op.arity[1] is None:
        ev = compile_expr(lift(wrong[0]), numpy_call, libs, op.name, numpy_pick, numpy_pick)
        return lambda out, *xs: tuple(ev(out, xs, k) for k in range(len(xs)))
    evs = [compile_expr(lift(w if w is not None else r), numpy_call, libs, op.name, numpy_pick, numpy_pick)
           for w, r in zip(wrong, op.local_exprs)]
    n, defaults = len(op.params), op.defaults

    def local(out, *xs):
        full = xs if len(xs) == n or not defaults else xs + defaults[len(xs) - n:]
        return tuple(e(out, full, None) for e in evs[:len(xs)])
    return local


#: every gate, elementwise and array, by name, in table order
GATES: dict = {}


class Column(dict):
    """``Column("forward")[name]`` is ``GATES[name].forward``, derived only for the gates asked for."""

    def __init__(self, attr: str) -> None:
        super().__init__()
        self.attr = attr

    def __missing__(self, name):
        value = self[name] = getattr(GATES[name], self.attr)
        return value


def _gate(name, params, forward, local, pattern, **kw) -> Gate:
    op = Gate(name, params.split() if isinstance(params, str) else params, forward, local, pattern, **kw)
    GATES[name] = op
    return op


_INFIX = dict(notation="infix", callable=False)

# Leaves: their values come from the program (constants) or from --at (inputs).
_gate("input", (), None, (), "an input: the gradient that arrives here is the answer",
      notation="leaf", callable=False)
_gate("const", (), None, (), "a constant: its gradient is computed but goes nowhere",
      notation="leaf", callable=False)

# Arithmetic gates.
_gate("add", "x y", lib(2), (1, 1),
      "the add gate distributes: every input gets the upstream gradient unchanged",
      symbol="+", precedence=1, commutative=True, **_INFIX)
_gate("sub", "x y", lib(2), (1, -1),
      "the sub gate distributes: the left input gets the upstream gradient, the right its negative",
      symbol="-", precedence=1, **_INFIX)
_gate("mul", "x y", lib(2), (Y, X),
      "the mul gate swaps its inputs and scales: each input gets the upstream times the other input",
      symbol="*", precedence=2, commutative=True,
      mistakes=(("own-value", "own value instead of the other input's", (X, Y)),), **_INFIX)
_gate("div", "x y", lib(2), (1 / Y, -OUT / Y),
      "the div gate scales by 1/y, and sends -x/y^2 times the upstream to the divisor",
      shown=(1 / Y, -X / Y ** 2), symbol="/", precedence=2,
      mistakes=(("div-square", "-x/y instead of -x/y^2 at the divisor (-1/q for -1/q^2)", (None, -X / Y)),),
      undefined=lambda a, b: "division by zero" if b == 0 else None,
      piece=lambda a, b: _sign_piece(b), **_INFIX)
_gate("neg", "x", lib(1), (-1,),
      "the negation gate flips the sign of the upstream gradient",
      notation="prefix", symbol="-", precedence=3, callable=False)
_gate("pow", "x y", lib(2),
      # PyTorch's conventions: d/dx is 0 when y == 0; d/dy is 0 when x == 0 and y >= 0.
      (at(eq(Y, 0), 0, Y * X ** (Y - 1)), at(both(eq(X, 0), ge(Y, 0)), 0, OUT * F.log(X))),
      "the power gate scales by y*x^(y-1); the exponent gets x^y*log(x)",
      symbol="^", spellings=("**",), associativity="right", precedence=4, notation="infix",
      undefined=_pow_undefined, piece=_pow_piece,
      fast={"local": _pow_local, "np_local": _np_pow_local})

# Functions.
_gate("exp", "x", lib(1), (OUT,), "the exp gate scales by its own output: d/dx e^x = e^x",
      mistakes=(("exp-as-log", "d/dx e^x written as 1/x (that is d/dx log x)", (1 / X,)),))
_gate("expm1", "x", lib(1), (F.exp(X),), "the expm1 gate scales by exp(x): e^x - 1, exact near 0")
_gate("log", "x", lib(1), (1 / X,), "the log gate scales by 1/x",
      undefined=lambda a: "log of a non-positive number" if a <= 0 else None, piece=lambda a: a > 0)
_gate("log2", "x", lib(1), (1 / (X * F.log(2)),), "the log2 gate scales by 1/(x*log(2))",
      undefined=lambda a: "log2 of a non-positive number" if a <= 0 else None, piece=lambda a: a > 0)
_gate("log10", "x", lib(1), (1 / (X * F.log(10)),), "the log10 gate scales by 1/(x*log(10))",
      undefined=lambda a: "log10 of a non-positive number" if a <= 0 else None, piece=lambda a: a > 0)
_gate("log1p", "x", lib(1), (1 / (1 + X),), "the log1p gate scales by 1/(1 + x): log(1 + x), exact near 0",
      undefined=lambda a: "log1p of a number below -1" if a < -1 else None, piece=lambda a: a > -1)
_gate("sqrt", "x", lib(1), (0.5 / OUT,), "the sqrt gate scales by 1/(2*sqrt(x))",
      shown=(1 / (2 * F.sqrt(X)),),
      undefined=lambda a: "sqrt of a negative number" if a < 0 else None, piece=lambda a: a > 0)
_gate("cbrt", "x", lib(1), (1 / (3 * OUT * OUT),), "the cbrt gate scales by 1/(3*cbrt(x)^2)",
      shown=(1 / (3 * F.cbrt(X) ** 2),), piece=_sign_piece)
_gate("square", "x", X * X, (2 * X,), "the square gate scales by 2x")
_gate("sin", "x", lib(1), (F.cos(X),), "the sin gate scales by cos(x)")
_gate("cos", "x", lib(1), (-F.sin(X),), "the cos gate scales by -sin(x)")
_gate("tan", "x", lib(1), (1 + OUT * OUT,), "the tan gate scales by 1 + tan(x)^2",
      shown=(1 + F.tan(X) ** 2,),
      piece=lambda a: math.floor(a / math.pi + 0.5) if math.isfinite(a) else None)
_gate("asin", "x", lib(1), (1 / F.sqrt(1 - X * X),), "the asin gate scales by 1/sqrt(1 - x^2)",
      undefined=lambda a: "asin of a number outside [-1, 1]" if abs(a) > 1 else None,
      piece=lambda a: abs(a) < 1)
_gate("acos", "x", lib(1), (-1 / F.sqrt(1 - X * X),), "the acos gate scales by -1/sqrt(1 - x^2)",
      undefined=lambda a: "acos of a number outside [-1, 1]" if abs(a) > 1 else None,
      piece=lambda a: abs(a) < 1)
_gate("atan", "x", lib(1), (1 / (1 + X * X),), "the atan gate scales by 1/(1 + x^2)")
_y, _x = arg(0), arg(1)
# x/(x^2 + y^2) computed as u/(s (u^2 + v^2)) with s = max(|x|, |y|), u = x/s, v = y/s, so that x^2 + y^2
# neither underflows (1e-300) nor overflows (1e300); 0 at the origin, as PyTorch gives.
_s = F.max(F.abs(_x), F.abs(_y))
_r = _s * ((_x / _s) * (_x / _s) + (_y / _s) * (_y / _s))
_origin = both(eq(_x, 0), eq(_y, 0))
_gate("atan2", "y x", lib(2), (at(_origin, 0, (_x / _s) / _r), at(_origin, 0, -(_y / _s) / _r)),
      "the atan2 gate sends x/(x^2 + y^2) to y and -y/(x^2 + y^2) to x",
      shown=(_x / (_x * _x + _y * _y), -_y / (_x * _x + _y * _y)),
      # The angle jumps from pi to -pi across the negative x axis; the origin is singular.
      piece=lambda y, x: (x < 0 and y < 0, x == 0 and y == 0) if x == x and y == y else None)
_gate("hypot", "x y", lib(2),
      # At the origin (a cone's tip) each input gets 0, as abs'(0) = 0: hypot(x, 0) is |x|.
      (at(both(eq(X, 0), eq(Y, 0)), 0, X / OUT), at(both(eq(X, 0), eq(Y, 0)), 0, Y / OUT)),
      "the hypot gate sends x/hypot(x, y) to x and y/hypot(x, y) to y (0 at the origin)", commutative=True,
      shown=(X / F.hypot(X, Y), Y / F.hypot(X, Y)),
      kink=lambda x, y: x == 0 and y == 0,
      piece=lambda x, y: (x == 0 and y == 0) if x == x and y == y else None)
_gate("sinh", "x", lib(1), (F.cosh(X),), "the sinh gate scales by cosh(x)")
_gate("cosh", "x", lib(1), (F.sinh(X),), "the cosh gate scales by sinh(x)")
_gate("tanh", "x", lib(1), (1 - OUT * OUT,), "the tanh gate scales by 1 - tanh(x)^2",
      shown=(1 - F.tanh(X) ** 2,))
_gate("erf", "x", lib(1), (2 / F.sqrt(math.pi) * F.exp(-(X * X)),),
      "the erf gate scales by 2/sqrt(pi)*exp(-x^2)", shown=(2 / F.sqrt(math.pi) * F.exp(-X ** 2),))
_gate("sigmoid", "x",
      # Two branches, neither of which overflows (numpy and generated numpy code compute both).
      where(ge(X, 0), 1 / (1 + F.exp(-F.abs(X))), F.exp(-F.abs(X)) / (1 + F.exp(-F.abs(X)))),
      (OUT * (1 - OUT),), "the sigmoid gate scales by (1 - sigma)*sigma",
      collapses=1 / (1 + F.exp(-X)), fast={"forward": sigmoid})
_gate("softplus", "x", where(ge(X, 0), X + F.log1p(F.exp(-F.abs(X))), F.log1p(F.exp(-F.abs(X)))),
      (F.sigmoid(X),),
      "the softplus gate scales by sigmoid(x): a smooth relu")
_gate("relu", "x", where(le(X, 0), 0, X), (F.step(X),),  # nan stays nan, as in PyTorch
      "the relu gate passes the gradient where x > 0 and blocks it elsewhere (relu'(0) = 0)",
      blocks=True, kink=lambda a: a == 0, piece=_sign_piece, fast={"forward": relu})
_gate("leaky_relu", "x a", where(gt(X, 0), X, X * Y),
      # a^(1 - step(x)) is 1 where x > 0 and exactly a elsewhere, in every IEEE case.
      (Y ** (1 - F.step(X)), F.min(X, 0)),
      "the leaky relu gate passes the gradient where x > 0 and scales it by a elsewhere "
      "(leaky_relu'(0) = a)",
      defaults=(0.01,), shown=(where(gt(X, 0), 1, Y), where(gt(X, 0), 0, X)), blocks=True,
      kink=lambda x, a=0.01: x == 0, piece=lambda x, a=0.01: _sign_piece(x))
_gate("abs", "x", lib(1), (F.sign(X),),
      "the abs gate passes the gradient with the sign of x (abs'(0) = 0)",
      kink=lambda a: a == 0, piece=_sign_piece)
_gate("max", "x", lib(0), (F.share(I, OUT, ALL),),
      "the max gate routes: the largest input gets all of the gradient, the others 0 (a tie splits it)",
      mistakes=(("routing", "routed to the wrong input", (1 - F.share(I, OUT, ALL),)),),
      variadic=1, reads="1 if {i} is the largest else 0", commutative=True, one_array="amax", blocks=True,
      kink=lambda *xs: _tied(xs, maximum(*xs)), piece=lambda *xs: _winners(maximum(*xs), xs),
      fast={"local": lambda out, *xs: _tie_split(out, xs),
            "np_local": lambda out, *xs: _np_tie_split(out, xs)})
_gate("min", "x", lib(0), (F.share(I, OUT, ALL),),
      "the min gate routes: the smallest input gets all of the gradient, the others 0 (a tie splits it)",
      mistakes=(("routing", "routed to the wrong input", (1 - F.share(I, OUT, ALL),)),),
      variadic=1, reads="1 if {i} is the smallest else 0", commutative=True, one_array="amin", blocks=True,
      kink=lambda *xs: _tied(xs, minimum(*xs)), piece=lambda *xs: _winners(minimum(*xs), xs),
      fast={"local": lambda out, *xs: _tie_split(out, xs),
            "np_local": lambda out, *xs: _np_tie_split(out, xs)})

# The derivatives of relu, abs, max and min, as functions of the language, so that `backprop diff`
# can write them down.  They follow the engine's conventions at the kinks and are flat elsewhere.
_gate("step", "x", where(gt(X, 0), 1, 0), (0,),
      "the step gate blocks the gradient: it is flat on both sides of its jump at 0",
      blocks=True, kink=lambda a: a == 0, piece=_sign_piece, fast={"forward": step})
_gate("sign", "x", where(gt(X, 0), 1, where(lt(X, 0), -1, X)), (0,),
      "the sign gate blocks the gradient: it is flat on both sides of its jump at 0",
      blocks=True, kink=lambda a: a == 0, piece=_sign_piece, fast={"forward": sign})
_gate("share", "a m x", lib(0), (0,),
      "the share gate blocks the gradient: it is flat wherever the winners of the max/min stay the same",
      variadic=3, blocks=True, kink=lambda a, m, *xs: sum(1 for x in xs if x == m) > 1,
      piece=lambda a, m, *xs: (a == m,) + tuple(x == m for x in xs))
# (a convention at x = 0, as relu'(0) = 0 is: x * y everywhere else, and 0 * y there for a finite y)
_gate("masked_mul", "x y", at(eq(X, 0), 0, X * Y), (Y, X),
      "the masked mul gate multiplies, except that x = 0 gives 0 even for an infinite or nan y: how "
      "relu, step, sign, max and min pass the gradient on (a zero local gradient blocks it)",
      blocks=True)


# ---- array gates: a shape rule and a vector-Jacobian product per input ------------------------------
# (Every gate above works on arrays too, elementwise with numpy's broadcasting.)


class ShapeError(Exception):
    """A shape rule broken: the message says which shapes and why; the engine adds gate and place."""


def shape_text(shape) -> str:
    """(3x4) for a matrix, (3,) for a vector, () for a scalar."""
    shape = tuple(shape)
    return f"({shape[0]},)" if len(shape) == 1 else "(" + "x".join(map(str, shape)) + ")"


def _need_array(shape, what="an array") -> None:
    if not shape:
        raise ShapeError(f"{shape_text(shape)} — needs {what}, not a scalar")


def _axis(shape, axis):
    if axis is None:
        return None
    if not -len(shape) <= axis < len(shape):
        raise ShapeError(f"{shape_text(shape)} — axis {axis} is out of range for {len(shape)} "
                         f"dimension{'s' if len(shape) != 1 else ''}")
    return axis % len(shape)


def _matmul_shape(shapes, statics):
    a, b = shapes
    if not a or not b:
        raise ShapeError(f"{shape_text(a)} @ {shape_text(b)} — @ multiplies vectors and matrices; "
                         "scale by a number with *")
    if len(a) > 2 or len(b) > 2:
        raise ShapeError(f"{shape_text(a)} @ {shape_text(b)} — @ takes vectors and matrices (at most 2-D)")
    inner_b = b[0] if len(b) == 1 else b[-2]
    if a[-1] != inner_b:
        raise ShapeError(f"{shape_text(a)} @ {shape_text(b)} — inner dimensions {a[-1]} and {inner_b} differ")
    return a[:-1] + b[1:]


def _reduce_shape(shapes, statics):
    (x,), (axis,) = shapes, statics
    axis = _axis(x, axis)
    return () if axis is None else x[:axis] + x[axis + 1:]


def _along_shape(shapes, statics):
    (x,), (axis,) = shapes, statics
    _need_array(x)
    _axis(x, axis)
    return x


def _logsumexp_shape(shapes, statics):
    _need_array(shapes[0])
    return _reduce_shape(shapes, statics)


def _transpose_shape(shapes, statics):
    (x,) = shapes
    return x[:-2] + x[-2:][::-1]


def _cross_entropy_shape(shapes, statics):
    logits, labels = shapes
    if len(logits) == 1 and labels == ():
        return ()
    if len(logits) == 2 and labels == logits[:1]:
        return ()
    raise ShapeError(f"{shape_text(logits)}, {shape_text(labels)} — logits (N x C) need N labels (N,), "
                     "a vector of C logits one label ()")


def _reshape_shape(shapes, statics):
    (x,) = shapes
    size = 1
    for n in x:
        size *= n
    want = list(statics)
    if want.count(-1) > 1 or any(n < -1 for n in want):
        raise ShapeError(f"{shape_text(x)} to {tuple(want)} — at most one dimension may be -1, the others >= 0")
    known = 1
    for n in want:
        if n != -1:
            known *= n
    if -1 in want and known and size % known == 0:
        want[want.index(-1)] = size // known
    if -1 in want or known * (1 if -1 not in statics else want[statics.index(-1)]) != size:
        raise ShapeError(f"{shape_text(x)} to {shape_text(tuple(want))} — {size} elements cannot "
                         f"make that shape")
    return tuple(want)


def _index_shape(shapes, statics):
    (x,), (key,) = shapes, statics
    if type(key) is int and x:  # one whole number takes the first axis: no numpy (backprop gates' start-up)
        if -x[0] <= key < x[0]:
            return tuple(x[1:])
        raise ShapeError(f"{shape_text(x)} — index {key} is out of bounds for axis 0 with size {x[0]}")
    import numpy

    try:
        return numpy.empty(x)[key].shape
    except IndexError as e:
        raise ShapeError(f"{shape_text(x)} — {e}") from None


_ARRAY = dict(callable=True)
_NO_MEAN_N = "a missing 1/N of a mean"
_gate("matmul", "x y", lib(2), (), "the matmul gate sends dOUT @ (right)ᵀ to the left input and (left)ᵀ @ dOUT to the right one",
      notation="infix", symbol="@", precedence=2, callable=False, shape=_matmul_shape,
      vjp=(F.matmul_dx(G, X, Y), F.matmul_dy(G, X, Y)),
      mistakes=(("no-transpose", "a transpose missing", (F.matmul(G, Y), F.matmul(X, G))),))
_gate("transpose", "x", lib(1), (), "the transpose gate transposes the gradient back",
      shape=_transpose_shape, vjp=(F.transpose(G),), **_ARRAY)
_gate("sum", "x axis", lib(2), (), "the sum gate copies the gradient to every element it added",
      defaults=(None,), static=1, shape=_reduce_shape, vjp=(F.expand(G, X, Y),), **_ARRAY)
_gate("mean", "x axis", lib(2), (), "the mean gate copies the gradient divided by the count to every element",
      defaults=(None,), static=1, shape=_reduce_shape, vjp=(F.expand(G, X, Y) / F.count(X, Y),),
      mistakes=(("no-mean-n", _NO_MEAN_N, (F.expand(G, X, Y),)),), **_ARRAY)
_gate("amax", "x axis", lib(2), (), "the amax gate routes the gradient to the largest element (a tie splits it)",
      defaults=(None,), static=1, shape=_reduce_shape, vjp=(F.masked_mul(F.winners(X, OUT, Y), F.expand(G, X, Y)),),
      kink=lambda x, axis=None: _tie_along(x, axis, "max"), **_ARRAY)
_gate("amin", "x axis", lib(2), (), "the amin gate routes the gradient to the smallest element (a tie splits it)",
      defaults=(None,), static=1, shape=_reduce_shape, vjp=(F.masked_mul(F.winners(X, OUT, Y), F.expand(G, X, Y)),),
      kink=lambda x, axis=None: _tie_along(x, axis, "min"), **_ARRAY)
_gate("softmax", "x axis", lib(2), (), "the softmax gate sends s * (dOUT - sum(dOUT * s)) back",
      defaults=(-1,), static=1, shape=_along_shape, vjp=(OUT * (G - F.sum_keep(G * OUT, Y)),), **_ARRAY)
_gate("log_softmax", "x axis", lib(2), (), "the log_softmax gate sends dOUT - softmax(x) * sum(dOUT) back",
      defaults=(-1,), static=1, shape=_along_shape, vjp=(G - F.exp(OUT) * F.sum_keep(G, Y),), **_ARRAY)
_gate("logsumexp", "x axis", lib(2), (), "the logsumexp gate sends dOUT * softmax(x) back",
      defaults=(-1,), static=1, shape=_logsumexp_shape,
      vjp=(F.expand(G, X, Y) * F.softmax(X, Y),), **_ARRAY)
_gate("cross_entropy", "logits labels", lib(2), (),
      "the cross-entropy gate sends (softmax(logits) - onehot(labels)) / N back; labels get none",
      shape=_cross_entropy_shape, vjp=(F.cross_entropy_dx(G, X, Y), None),
      mistakes=(("no-onehot", "the softmax gradient without the one-hot subtraction",
                 (G * F.softmax(X) / F.rows(X), None)),
                ("no-mean-n", _NO_MEAN_N, (F.cross_entropy_dx(G, X, Y) * F.rows(X), None))), **_ARRAY)
_gate("reshape", "x shape", lib(0), (), "the reshape gate reshapes the gradient back",
      variadic=2, static=-1, shape=_reshape_shape, vjp=(F.like(G, X),), **_ARRAY)
_gate("index", "x key", lib(2), (), "the index gate scatters the gradient back to the elements picked",
      static=1, shape=_index_shape, vjp=(F.unindex(G, X, Y),),
      notation="call", callable=False)

del _INFIX, _y, _x, _s, _r, _origin, _ARRAY, _NO_MEAN_N

#: the gates whose zero local gradient blocks the upstream (``Gate.blocks``)
BLOCKING = frozenset(name for name, gate in GATES.items() if gate.blocks)

#: named constants of the language; a binding of the same name shadows them.
CONSTANTS = {"pi": math.pi, "e": math.e}


def elementwise_gates() -> dict:
    """The gates a scalar program can use (leaves too): every gate but the array gates."""
    return {name: gate for name, gate in GATES.items() if gate.elementwise}


def function_names() -> list:
    return sorted(name for name, op in GATES.items() if op.callable and op.elementwise)


def gate_names() -> list:
    """Every elementwise gate, leaves left out, in table order."""
    return [name for name, op in GATES.items() if op.forward_expr is not None and op.elementwise]
