"""The op table: every gate the language knows, forward and local gradients side by side.

An op's ``forward`` takes the input values; its ``local`` takes the output value first, then the
input values, and returns one local gradient d(out)/d(input) per input.  Both are total over IEEE
doubles: where maths is undefined they return inf or nan instead of raising, and the engine decides
whether that is an error (it asks ``undefined`` why).

Non-differentiable points follow PyTorch: relu'(0) = 0, abs'(0) = 0, and a tie in max/min splits
the gradient evenly between the tied inputs.  ``kink`` says whether a point is one of those.

Each op also has ``np_forward``/``np_local``: the same maths over numpy arrays, elementwise, with the
same conventions (the batch engine, ``vectorized.py``).  numpy is imported only when those run.

Adding a function is one ``_op(...)`` entry below; the parser finds it by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Callable, Optional, Sequence

inf = math.inf
nan = math.nan


# ---- total (never-raising) IEEE versions of the maths we need ---------------------------------


def div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return nan
        return math.copysign(inf, a) * math.copysign(1.0, b)


def _odd_integer(b: float) -> bool:
    return math.isfinite(b) and b == math.floor(b) and math.fmod(b, 2.0) != 0


def power(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except OverflowError:
        return -inf if a < 0 and _odd_integer(b) else inf
    except ValueError:
        if a == 0:  # zero to a negative power
            return math.copysign(inf, a) if _odd_integer(b) else inf
        return nan  # negative base, non-integer power


def exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -inf if x == 0 else nan


def sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else nan


def _total(f: Callable[[float], float]) -> Callable[[float], float]:
    """math.sin and friends raise on inf; IEEE says nan."""

    def g(x: float) -> float:
        try:
            return f(x)
        except ValueError:
            return nan

    g.__name__ = f.__name__
    return g


sin = _total(math.sin)
cos = _total(math.cos)
tan = _total(math.tan)


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = exp(x)  # exp(x) <= 1 here, or nan
    return e / (1.0 + e)


def relu(x: float) -> float:
    return 0.0 if x <= 0 else x  # nan stays nan, as in PyTorch


def sign(x: float) -> float:
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return x  # 0 -> 0 (PyTorch's abs'(0)), nan -> nan


def maximum(*xs: float) -> float:
    for x in xs:
        if x != x:
            return nan
    return max(xs)


def minimum(*xs: float) -> float:
    for x in xs:
        if x != x:
            return nan
    return min(xs)


def _tie_split(out: float, xs: Sequence[float]) -> tuple:
    """Gradient of max/min: routed to the input(s) equal to the result, split evenly on a tie."""
    winners = sum(1 for x in xs if x == out)
    if winners == 0:  # nan somewhere
        return tuple(nan for _ in xs)
    share = 1.0 / winners
    return tuple(share if x == out else 0.0 for x in xs)


def _tied(xs: Sequence[float], best: float) -> bool:
    """Do two or more inputs share the winning value?  (One pass: ``best`` is computed once.)"""
    return sum(1 for x in xs if x == best) > 1


def _pow_local(out: float, a: float, b: float) -> tuple:
    # d/da = b * a^(b-1); 0 when b == 0 (PyTorch), even at a == 0 where a^(b-1) is inf.
    da = 0.0 if b == 0 else b * power(a, b - 1.0)
    if not math.isfinite(da) and a > 0 and math.isfinite(b) and math.isfinite(out):
        # a^(b-1) can overflow where b*a^(b-1) does not (a tiny base): go through logs.
        da = math.copysign(exp(math.log(abs(b)) + (b - 1.0) * math.log(a)), b)
    # d/db = a^b * ln(a); 0 at a == 0 with b >= 0 (PyTorch); nan for a negative base.
    db = 0.0 if a == 0 and b >= 0 else out * log(a)
    return (da, db)


def _pow_undefined(a: float, b: float) -> Optional[str]:
    if a < 0 and math.isfinite(b) and b != math.floor(b):
        return "a negative base to a non-integer power"
    if a == 0 and b < 0:
        return "zero to a negative power"
    return None


def step(x: float) -> float:
    """1 where x > 0, else 0 (also for nan): relu's local gradient, relu'(0) = 0."""
    return 1.0 if x > 0 else 0.0


def share(a: float, m: float, *xs: float) -> float:
    """The share of the gradient a max/min gate routes to its input ``a`` when its result is ``m``:
    1/k if a == m, where k of xs equal m (a tie splits evenly), else 0; nan if any is nan."""
    if a != a or m != m:
        return nan
    winners = 0
    for x in xs:
        if x != x:
            return nan
        winners += x == m
    if winners == 0:
        return nan
    return 1.0 / winners if a == m else 0.0


def _sign_piece(x: float):
    return (x > 0) - (x < 0) if x == x else None


def _winners(out: float, xs: Sequence[float]) -> tuple:
    return tuple(x == out for x in xs)


def _pow_piece(a: float, b: float):
    # a^b is smooth in a and b except where the base crosses 0 (a pole for b < 0, a cusp for
    # 0 < b < 1, nan on one side for a non-integer b); with a whole exponent >= 0 it is smooth.
    if math.isfinite(b) and b >= 0 and b == math.floor(b):
        return 0
    return _sign_piece(a)


def _nest(function: str, args: Sequence[str]) -> str:
    """f(f(a, b), c) for a two-argument f over any number of arguments (no recursion)."""
    text = args[0]
    for a in args[1:]:
        text = f"{function}({text}, {a})"
    return text


def _share_code(lang: str):
    """share(a, m, x1, ...) in generated code: (a == m) / (how many of x1, ... equal m)."""

    def code(a: str, m: str, *xs: str) -> str:
        if lang == "python":
            hit = f"(1.0 if {a} == {m} else 0.0)"
        elif lang == "numpy":
            hit = f"np.where({a} == {m}, 1.0, 0.0)"
        else:
            hit = f"({a} == {m} ? 1.0 : 0.0)"
        count = " + ".join(f"({x} == {m})" for x in xs)
        return f"{hit} / (0.0 + {count})"

    return code


# ---- the same maths over numpy arrays (the batch engine), with the same conventions -----------
#
# Elementwise over float64 arrays (or numpy scalars).  Every branch of the scalar version above is
# an ``np.where`` here, so inf, nan, -0.0, kinks and ties come out the same way.  The batch engine
# silences numpy's floating-point warnings: inf and nan are values here, as above.


class _LazyNumpy:
    """numpy, imported on first use, so commands that never touch an array never pay for it."""

    def __getattr__(self, name):
        import numpy

        return getattr(numpy, name)


np = _LazyNumpy()


def np_sigmoid(x):
    e = np.exp(-np.abs(x))  # exp(-x) for x >= 0, exp(x) below: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def np_relu(x):
    return np.where(x <= 0, 0.0, x)


def np_sign(x):
    return np.where(x > 0, 1.0, np.where(x < 0, -1.0, x))


def np_step(x):
    return np.where(x > 0, 1.0, 0.0)


def np_share(a, m, *xs):
    winners = sum(x == m for x in xs)
    undefined = np.isnan(a) | np.isnan(m) | (winners == 0)
    for x in xs:
        undefined = undefined | np.isnan(x)
    return np.where(undefined, np.nan, np.where(a == m, np.divide(1.0, winners), 0.0))


def _np_extreme(xs, better):
    # Python's max/min keep the first of equal values; this does the same, then nan wins.
    out, any_nan = xs[0], np.isnan(xs[0])
    for x in xs[1:]:
        out = np.where(better(x, out), x, out)
        any_nan = any_nan | np.isnan(x)
    return np.where(any_nan, np.nan, out)


def np_maximum(*xs):
    return _np_extreme(xs, np.greater)


def np_minimum(*xs):
    return _np_extreme(xs, np.less)


def _np_tie_split(out, xs) -> tuple:
    hits = [x == out for x in xs]
    winners = sum(hits)
    share = np.divide(1.0, winners)
    return tuple(np.where(winners == 0, np.nan, np.where(hit, share, 0.0)) for hit in hits)


def np_power(a, b):
    # Given a scalar exponent, numpy swaps pow for sqrt, square or reciprocal (0.5, 2, -1), which
    # differ from pow in the last bit and in the sign of zero; an array exponent keeps pow.
    if np.ndim(b) == 0 and np.ndim(a) > 0:
        b = np.full(np.shape(a), b)
    return np.power(a, b)


def _np_pow_local(out, a, b) -> tuple:
    da = np.where(b == 0, 0.0, b * np_power(a, b - 1.0))
    tiny_base = ~np.isfinite(da) & (a > 0) & np.isfinite(b) & np.isfinite(out)
    if np.any(tiny_base):
        via_logs = np.copysign(np.exp(np.log(np.abs(b)) + (b - 1.0) * np.log(a)), b)
        da = np.where(tiny_base, via_logs, da)
    db = np.where((a == 0) & (b >= 0), 0.0, out * np.log(a))
    return (da, db)


# ---- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    name: str
    #: (fewest, most) inputs; most is None for "any number".
    arity: tuple
    forward: Optional[Callable[..., float]]
    #: local(out, *inputs) -> one d(out)/d(input) per input.
    local: Optional[Callable[..., tuple]]
    #: the gate's backward-flow pattern, in the lecture's words.
    pattern: str
    #: local gradients as formulas in the language: {0}, {1}, ... stand for the inputs, {out} for the output.
    #: For ops with any number of inputs, a single template is used for every input ({i} is that input).
    formulas: tuple = ()
    #: how the op prints: "infix" with ``symbol`` and ``precedence``, "prefix", "call" or "leaf".
    notation: str = "call"
    symbol: str = ""
    precedence: int = 100
    #: is this a function users can call by name in the language?
    callable: bool = True
    #: given finite inputs that gave a non-finite output, why (None: the result overflowed).
    undefined: Callable[..., Optional[str]] = lambda *xs: None
    #: is the point non-differentiable (the gradient there is a convention, not a limit)?
    kink: Callable[..., bool] = lambda *xs: False
    #: which smooth piece of its domain the inputs lie in: the op is smooth (and its local gradients
    #: continuous) while this stays the same, so a finite-difference step whose ends give different
    #: pieces crosses a kink or a singularity.  None: smooth everywhere it is defined.
    piece: Optional[Callable[..., object]] = None
    #: the local gradients again, as expressions built with a builder ``L`` (L.num, L.add, L.sub,
    #: L.mul, L.div, L.neg, L.pow, L.call(name, ...), and L.zero_where(condition, x) with L.eq, L.ge,
    #: L.both for conventions): emit_local(L, out, *inputs) -> one expression per input.  Code
    #: generation prints them per language; `diff` builds them into a derivative program.
    emit_local: Optional[Callable[..., tuple]] = None
    #: how the forward is written in generated code, per language ("python", "numpy", "c", "js"):
    #: a template with {0}, {1}, ... or a function of the argument texts.  Without one, an infix op
    #: prints with its symbol and a function as a call to the language's maths library.
    code: dict = field(default_factory=dict)
    #: the same forward and local over numpy arrays, elementwise (the batch engine, vectorized.py).
    np_forward: Optional[Callable] = None
    np_local: Optional[Callable] = None

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


OPS: dict = {}


def _op(name: str, arity, forward, local, pattern: str, formulas=(), **kw) -> Op:
    if isinstance(arity, int):
        arity = (arity, arity)
    op = Op(name, arity, forward, local, pattern, tuple(formulas), **kw)
    OPS[name] = op
    return op


# Leaves: their values come from the program (constants) or from --at (inputs).
_op("input", 0, None, None, "an input: the gradient that arrives here is the answer",
    notation="leaf", callable=False)
_op("const", 0, None, None, "a constant: its gradient is computed but goes nowhere",
    notation="leaf", callable=False)

# Arithmetic gates.
_op("add", 2, lambda a, b: a + b, lambda out, a, b: (1.0, 1.0),
    "the add gate distributes: every input gets the upstream gradient unchanged",
    ("1", "1"), notation="infix", symbol="+", precedence=1, callable=False,
    emit_local=lambda L, out, a, b: (L.num(1), L.num(1)),
    np_forward=lambda a, b: a + b, np_local=lambda out, a, b: (1.0, 1.0))
_op("sub", 2, lambda a, b: a - b, lambda out, a, b: (1.0, -1.0),
    "the sub gate distributes: the left input gets the upstream gradient, the right its negative",
    ("1", "-1"), notation="infix", symbol="-", precedence=1, callable=False,
    emit_local=lambda L, out, a, b: (L.num(1), L.num(-1)),
    np_forward=lambda a, b: a - b, np_local=lambda out, a, b: (1.0, -1.0))
_op("mul", 2, lambda a, b: a * b, lambda out, a, b: (b, a),
    "the mul gate swaps its inputs and scales: each input gets the upstream times the other input",
    ("{1}", "{0}"), notation="infix", symbol="*", precedence=2, callable=False,
    emit_local=lambda L, out, a, b: (b, a),
    np_forward=lambda a, b: a * b, np_local=lambda out, a, b: (b, a))
_op("div", 2, div, lambda out, a, b: (div(1.0, b), div(-out, b)),
    "the div gate scales by 1/b, and sends -a/b^2 times the upstream to the divisor",
    ("1/{1}", "-{0}/{1}^2"), notation="infix", symbol="/", precedence=2, callable=False,
    undefined=lambda a, b: "division by zero" if b == 0 else None,
    piece=lambda a, b: _sign_piece(b),
    emit_local=lambda L, out, a, b: (L.div(L.num(1), b), L.div(L.neg(out), b)),
    np_forward=lambda a, b: np.divide(a, b),
    np_local=lambda out, a, b: (np.divide(1.0, b), np.divide(-out, b)))
_op("neg", 1, lambda a: -a, lambda out, a: (-1.0,),
    "the negation gate flips the sign of the upstream gradient",
    ("-1",), notation="prefix", symbol="-", precedence=3, callable=False,
    emit_local=lambda L, out, a: (L.num(-1),),
    np_forward=lambda a: -a, np_local=lambda out, a: (-1.0,))
_op("pow", 2, power, _pow_local,
    "the power gate scales by b*a^(b-1); the exponent gets a^b*log(a)",
    ("{1}*{0}^({1} - 1)", "{0}^{1}*log({0})"), notation="infix", symbol="^", precedence=4,
    undefined=_pow_undefined, piece=_pow_piece,
    code={"python": "math.pow({0}, {1})", "numpy": "np.power({0}, {1})", "c": "pow({0}, {1})",
          "js": "Math.pow({0}, {1})"},
    # The conventions of _pow_local: d/da is 0 when b == 0; d/db is 0 when a == 0 and b >= 0.
    emit_local=lambda L, out, a, b: (
        L.zero_where(L.eq(b, L.num(0)), L.mul(b, L.pow(a, L.sub(b, L.num(1))))),
        L.zero_where(L.both(L.eq(a, L.num(0)), L.ge(b, L.num(0))), L.mul(out, L.call("log", a)))),
    np_forward=np_power, np_local=_np_pow_local)

# Functions.
_op("exp", 1, exp, lambda out, a: (out,),
    "the exp gate scales by its own output: d/dx e^x = e^x",
    ("exp({0})",), emit_local=lambda L, out, a: (out,),
    np_forward=lambda a: np.exp(a), np_local=lambda out, a: (out,))
_op("log", 1, log, lambda out, a: (div(1.0, a),),
    "the log gate scales by 1/x",
    ("1/{0}",), undefined=lambda a: "log of a non-positive number" if a <= 0 else None,
    piece=lambda a: a > 0, emit_local=lambda L, out, a: (L.div(L.num(1), a),),
    np_forward=lambda a: np.log(a), np_local=lambda out, a: (np.divide(1.0, a),))
_op("sqrt", 1, sqrt, lambda out, a: (div(0.5, out),),
    "the sqrt gate scales by 1/(2*sqrt(x))",
    ("1/(2*sqrt({0}))",), undefined=lambda a: "sqrt of a negative number" if a < 0 else None,
    piece=lambda a: a > 0, emit_local=lambda L, out, a: (L.div(L.num(0.5), out),),
    np_forward=lambda a: np.sqrt(a), np_local=lambda out, a: (np.divide(0.5, out),))
_op("sin", 1, sin, lambda out, a: (cos(a),), "the sin gate scales by cos(x)", ("cos({0})",),
    emit_local=lambda L, out, a: (L.call("cos", a),),
    np_forward=lambda a: np.sin(a), np_local=lambda out, a: (np.cos(a),))
_op("cos", 1, cos, lambda out, a: (-sin(a),), "the cos gate scales by -sin(x)", ("-sin({0})",),
    emit_local=lambda L, out, a: (L.neg(L.call("sin", a)),),
    np_forward=lambda a: np.cos(a), np_local=lambda out, a: (-np.sin(a),))
_op("tan", 1, tan, lambda out, a: (1.0 + out * out,),
    "the tan gate scales by 1 + tan(x)^2", ("1 + tan({0})^2",),
    piece=lambda a: math.floor(a / math.pi + 0.5) if math.isfinite(a) else None,
    emit_local=lambda L, out, a: (L.add(L.num(1), L.mul(out, out)),),
    np_forward=lambda a: np.tan(a), np_local=lambda out, a: (1.0 + out * out,))
_op("tanh", 1, math.tanh, lambda out, a: (1.0 - out * out,),
    "the tanh gate scales by 1 - tanh(x)^2", ("1 - tanh({0})^2",),
    emit_local=lambda L, out, a: (L.sub(L.num(1), L.mul(out, out)),),
    np_forward=lambda a: np.tanh(a), np_local=lambda out, a: (1.0 - out * out,))
_op("sigmoid", 1, sigmoid, lambda out, a: (out * (1.0 - out),),
    "the sigmoid gate scales by (1 - sigma)*sigma",
    ("sigmoid({0})*(1 - sigmoid({0}))",),
    # The same two branches as sigmoid() above, so no branch overflows.
    code={"python": "(1.0 / (1.0 + math.exp(-{0})) if {0} >= 0 else math.exp({0}) / (1.0 + math.exp({0})))",
          "numpy": "np.where({0} >= 0, 1.0 / (1.0 + np.exp(-np.abs({0}))), "
                   "np.exp(-np.abs({0})) / (1.0 + np.exp(-np.abs({0}))))",
          "c": "({0} >= 0 ? 1.0 / (1.0 + exp(-{0})) : exp({0}) / (1.0 + exp({0})))",
          "js": "({0} >= 0 ? 1 / (1 + Math.exp(-{0})) : Math.exp({0}) / (1 + Math.exp({0})))"},
    emit_local=lambda L, out, a: (L.mul(out, L.sub(L.num(1), out)),),
    np_forward=np_sigmoid, np_local=lambda out, a: (out * (1.0 - out),))
_op("relu", 1, relu, lambda out, a: (step(a),),
    "the relu gate passes the gradient where x > 0 and blocks it elsewhere (relu'(0) = 0)",
    ("1 if {0} > 0 else 0",), kink=lambda a: a == 0, piece=_sign_piece,
    code={"python": "(0.0 if {0} <= 0 else {0})", "numpy": "np.where({0} <= 0, 0.0, {0})",
          "c": "({0} <= 0 ? 0.0 : {0})", "js": "({0} <= 0 ? 0 : {0})"},
    emit_local=lambda L, out, a: (L.call("step", a),),
    np_forward=np_relu, np_local=lambda out, a: (np_step(a),))
_op("abs", 1, abs, lambda out, a: (sign(a),),
    "the abs gate passes the gradient with the sign of x (abs'(0) = 0)",
    ("sign({0})",), kink=lambda a: a == 0, piece=_sign_piece,
    code={"python": "abs({0})", "numpy": "np.abs({0})", "c": "fabs({0})", "js": "Math.abs({0})"},
    emit_local=lambda L, out, a: (L.call("sign", a),),
    np_forward=lambda a: np.abs(a), np_local=lambda out, a: (np_sign(a),))
_op("max", (1, None), maximum, lambda out, *xs: _tie_split(out, xs),
    "the max gate routes: the largest input gets all of the gradient, the others 0 (a tie splits it)",
    ("1 if {i} is the largest else 0",),
    kink=lambda *xs: _tied(xs, maximum(*xs)),
    piece=lambda *xs: _winners(maximum(*xs), xs),
    code={"python": lambda *a: f"max({', '.join(a)})" if len(a) > 1 else a[0], "numpy": lambda *a: _nest("np.maximum", a),
          "c": lambda *a: _nest("fmax", a), "js": lambda *a: f"Math.max({', '.join(a)})"},
    emit_local=lambda L, out, *xs: tuple(L.call("share", x, out, *xs) for x in xs),
    np_forward=np_maximum, np_local=lambda out, *xs: _np_tie_split(out, xs))
_op("min", (1, None), minimum, lambda out, *xs: _tie_split(out, xs),
    "the min gate routes: the smallest input gets all of the gradient, the others 0 (a tie splits it)",
    ("1 if {i} is the smallest else 0",),
    kink=lambda *xs: _tied(xs, minimum(*xs)),
    piece=lambda *xs: _winners(minimum(*xs), xs),
    code={"python": lambda *a: f"min({', '.join(a)})" if len(a) > 1 else a[0], "numpy": lambda *a: _nest("np.minimum", a),
          "c": lambda *a: _nest("fmin", a), "js": lambda *a: f"Math.min({', '.join(a)})"},
    emit_local=lambda L, out, *xs: tuple(L.call("share", x, out, *xs) for x in xs),
    np_forward=np_minimum, np_local=lambda out, *xs: _np_tie_split(out, xs))

# The derivatives of relu, abs, max and min, as functions of the language, so that `backprop diff`
# can write them down.  They follow the engine's conventions at the kinks, and are flat (local
# gradient 0) everywhere else.
_op("step", 1, step, lambda out, a: (0.0,),
    "the step gate blocks the gradient: it is flat on both sides of its jump at 0",
    ("0",), kink=lambda a: a == 0, piece=_sign_piece,
    code={"python": "(1.0 if {0} > 0 else 0.0)", "numpy": "np.where({0} > 0, 1.0, 0.0)",
          "c": "({0} > 0 ? 1.0 : 0.0)", "js": "({0} > 0 ? 1 : 0)"},
    emit_local=lambda L, out, a: (L.num(0),),
    np_forward=np_step, np_local=lambda out, a: (0.0,))
_op("sign", 1, sign, lambda out, a: (0.0,),
    "the sign gate blocks the gradient: it is flat on both sides of its jump at 0",
    ("0",), kink=lambda a: a == 0, piece=_sign_piece,
    code={"python": "(1.0 if {0} > 0 else -1.0 if {0} < 0 else {0})", "numpy": "np.sign({0})",
          "c": "({0} > 0 ? 1.0 : {0} < 0 ? -1.0 : {0})", "js": "Math.sign({0})"},
    emit_local=lambda L, out, a: (L.num(0),),
    np_forward=np_sign, np_local=lambda out, a: (0.0,))
_op("share", (3, None), share, lambda out, *xs: tuple(0.0 for _ in xs),
    "the share gate blocks the gradient: it is flat wherever the winners of the max/min stay the same",
    ("0",), kink=lambda a, m, *xs: sum(1 for x in xs if x == m) > 1,
    piece=lambda a, m, *xs: (a == m,) + tuple(x == m for x in xs),
    code={lang: _share_code(lang) for lang in ("python", "numpy", "c", "js")},
    emit_local=lambda L, out, *xs: tuple(L.num(0) for _ in xs),
    np_forward=np_share, np_local=lambda out, *xs: tuple(0.0 for _ in xs))


#: named constants of the language; a binding of the same name shadows them.
CONSTANTS = {"pi": math.pi, "e": math.e}


def function_names() -> list:
    return sorted(name for name, op in OPS.items() if op.callable)
