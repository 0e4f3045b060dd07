"""The elementary functions the gates are built from, as each backend spells them.

A gate's description (``ops.py``) says *what* it computes, in a small expression form; this module
says how each backend writes one elementary function: the scalar engine's Python function (total
over IEEE doubles: inf or nan where ``math`` would raise), the numpy engine's, and the name the
generated code calls in Python, numpy, C and JavaScript.  It holds no derivative: those are in the
gate descriptions.

``sympy`` names the same function in SymPy, for the tests' independent oracle (a string: SymPy is
never imported here).
"""

from __future__ import annotations

import math
import operator

inf = math.inf
nan = math.nan


# ---- total (never-raising) IEEE versions of math -------------------------------------------------


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


def _logarithm(f):
    def g(x: float) -> float:
        if x > 0:
            return f(x)
        return -inf if x == 0 else nan

    g.__name__ = f.__name__
    return g


log = _logarithm(math.log)
log2 = _logarithm(math.log2)
log10 = _logarithm(math.log10)


def log1p(x: float) -> float:
    if x > -1:
        return math.log1p(x)
    return -inf if x == -1 else nan


def sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else nan


def expm1(x: float) -> float:
    try:
        return math.expm1(x)
    except OverflowError:
        return inf


def cbrt(x: float) -> float:
    """The real cube root (math.cbrt is Python 3.11+): x^(1/3) by pow, then one Newton step."""
    if x == 0 or x != x or x == math.inf or x == -math.inf:
        return x
    y = math.copysign(abs(x) ** (1.0 / 3.0), x)
    return y - (y - x / (y * y)) / 3.0


def hypot(x: float, y: float) -> float:
    return math.hypot(x, y)


def _total(f):
    """math.sin and friends raise ValueError where IEEE says nan (sin(inf), asin(2))."""

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
asin = _total(math.asin)
acos = _total(math.acos)


def sinh(x: float) -> float:
    try:
        return math.sinh(x)
    except OverflowError:
        return math.copysign(inf, x)


def cosh(x: float) -> float:
    try:
        return math.cosh(x)
    except OverflowError:
        return inf


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


def share(a: float, m: float, *xs: float) -> float:
    """The share of the gradient a max/min gate routes to its input ``a`` when its result is ``m``:
    1/k if a == m, where k >= 1 of xs equal m (a tie splits evenly), else 0; nan if any is nan."""
    if a != a or m != m:
        return nan
    winners = 0
    for x in xs:
        if x != x:
            return nan
        winners += x == m
    return 1.0 / winners if a == m and winners else 0.0


# ---- the same over numpy arrays -------------------------------------------------------------------


class _LazyNumpy:
    """numpy, imported on first use, so commands that never touch an array never pay for it."""

    def __getattr__(self, name):
        import numpy

        return getattr(numpy, name)


np = _LazyNumpy()


def np_power(a, b):
    # Given a scalar exponent, numpy swaps pow for sqrt, square or reciprocal (0.5, 2, -1), which
    # differ from pow in the last bit and in the sign of zero; an array exponent keeps pow.
    if np.ndim(b) == 0 and np.ndim(a) > 0:
        b = np.full(np.shape(a), b)
    return np.power(a, b)


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


def np_share(a, m, *xs):
    winners = sum(x == m for x in xs)
    undefined = np.isnan(a) | np.isnan(m)
    for x in xs:
        undefined = undefined | np.isnan(x)
    return np.where(undefined, np.nan, np.where((a == m) & (winners > 0), np.divide(1.0, np.maximum(winners, 1)), 0.0))


def np_erf(x):
    # numpy has no erf (SciPy's is scipy.special.erf): Python's, element by element.
    out = np.vectorize(math.erf, otypes=[float])(x)
    return out[()] if out.ndim == 0 else out


def _numpy(name):
    """numpy's function ``name``, looked up when first called."""

    function = None

    def f(*xs):
        nonlocal function
        if function is None:
            function = getattr(np, name)
        return function(*xs)

    f.__name__ = name
    return f


# ---- how generated code writes them ------------------------------------------------------------


def _nest(function: str, args) -> str:
    """f(f(a, b), c) for a two-argument f over any number of arguments (no recursion)."""
    text = args[0]
    for a in args[1:]:
        text = f"{function}({text}, {a})"
    return text


def _share_code(lang: str):
    """share(a, m, x1, ...) in generated code: min(k, a == m) / max(k, 1), k how many of x1, ...
    equal m (0 when none does)."""

    def code(a: str, m: str, *xs: str) -> str:
        if lang in ("python", "backprop"):
            hit = f"(1.0 if {a} == {m} else 0.0)"
        elif lang == "numpy":
            hit = f"np.where({a} == {m}, 1.0, 0.0)"
        else:
            hit = f"({a} == {m} ? 1.0 : 0.0)"
        count = "(0.0 + " + " + ".join(f"({x} == {m})" for x in xs) + ")"
        low, high = {"python": ("min", "max"), "backprop": ("min", "max"), "numpy": ("np.minimum", "np.maximum"),
                     "c": ("fmin", "fmax"), "js": ("Math.min", "Math.max")}[lang]
        return f"{low}({count}, {hit}) / {high}({count}, 1.0)"

    return code


class Lib:
    """One elementary function: ``scalar`` and ``numpy`` implementations, and ``code``: per language
    ("python", "numpy", "c", "js") the function generated code calls, or a function of the argument
    texts, or None where the language lacks it (``lacks`` says why, and generating code that needs
    it is refused).  ``helper``: per language, a Python function of this module whose source the
    generated code carries (``code`` then names it).  ``infix``: (symbol, precedence) for the
    arithmetic operators, the same in every language."""

    __slots__ = ("name", "scalar", "numpy", "code", "infix", "prec", "sympy", "helper", "lacks", "shown")

    def __init__(self, name, scalar, numpy, code=None, infix=None, sympy=None, prec=5, helper=None,
                 lacks=None, shown=None):
        self.name, self.scalar, self.numpy = name, scalar, numpy
        self.code = {"python": f"math.{name}", "numpy": f"np.{name}", "c": name, "js": f"Math.{name}"}
        self.code.update(code or {})
        self.infix = infix
        #: precedence of a ``code`` function's text (5: an atom, like a call).
        self.prec = prec
        #: SymPy's version, for the tests' oracle: a SymPy name, or an expression over {0}, {1}, ...
        #: ("log({0}, 2)"); "" for none.
        self.sympy = sympy if sympy is not None else name
        self.helper = helper or {}
        #: language -> why it has no version of this function.
        self.lacks = lacks or {}
        #: how formulas (the trace's rules) write a call, where not as name(args): (template over
        #: the arguments {0}, {1}, ..., its precedence as an operand: 5 an atom, 2 a product, 0 words).
        self.shown = shown


LIBRARY: dict = {}


def _lib(name, scalar, numpy=None, **kw) -> None:
    LIBRARY[name] = Lib(name, scalar, numpy if numpy is not None else _numpy(name), **kw)


_lib("add", operator.add, operator.add, infix=("+", 1), sympy="{0} + {1}")
_lib("sub", operator.sub, operator.sub, infix=("-", 1), sympy="{0} - {1}")
_lib("mul", operator.mul, operator.mul, infix=("*", 2), sympy="{0} * {1}")
_lib("div", div, _numpy("divide"), infix=("/", 2), sympy="{0} / {1}")
_lib("neg", operator.neg, operator.neg, infix=("-", 3), sympy="-{0}")
_lib("pow", power, np_power,
     code={"python": "math.pow", "numpy": "np.power", "c": "pow", "js": "Math.pow"}, sympy="Pow")
for _name in ("exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "expm1", "hypot"):
    _lib(_name, globals()[_name], sympy={"expm1": "exp({0}) - 1", "hypot": "sqrt({0}**2 + {1}**2)"}.get(_name))
_lib("log2", log2, sympy="log({0}, 2)")
_lib("log10", log10, sympy="log({0}, 10)")
_lib("log1p", log1p, sympy="log(1 + {0})")
_lib("cbrt", cbrt, code={"python": "cbrt"}, helper={"python": cbrt},
     sympy="sign({0}) * Abs({0})**Rational(1, 3)")
_lib("erf", math.erf, np_erf, code={"numpy": None, "js": None},
     lacks={"numpy": "numpy has no erf (SciPy's is scipy.special.erf)", "js": "JavaScript's Math has no erf"})
_lib("tanh", math.tanh)
for _name in ("asin", "acos", "atan", "atan2"):
    _lib(_name, globals().get(_name) or getattr(math, _name), _numpy("arc" + _name[1:]))
# |x| as its two pieces, x >= 0 first: SymPy's Abs has derivative sign(x), 0 at x = 0, which would
# make 1/(1 + exp(-|x|)) (sigmoid's stable branch for x >= 0) flat at 0.
_lib("abs", abs, code={"python": "abs", "numpy": "np.abs", "c": "fabs", "js": "Math.abs"},
     sympy="Piecewise(({0}, {0} >= 0), (-{0}, True))")
_lib("max", maximum, np_maximum, sympy="Max", code={
    "python": lambda *a: f"max({', '.join(a)})" if len(a) > 1 else a[0],
    "numpy": lambda *a: _nest("np.maximum", a), "c": lambda *a: _nest("fmax", a),
    "js": lambda *a: f"Math.max({', '.join(a)})"})
_lib("min", minimum, np_minimum, sympy="Min", code={
    "python": lambda *a: f"min({', '.join(a)})" if len(a) > 1 else a[0],
    "numpy": lambda *a: _nest("np.minimum", a), "c": lambda *a: _nest("fmin", a),
    "js": lambda *a: f"Math.min({', '.join(a)})"})
_lib("share", share, np_share, code={lang: _share_code(lang) for lang in ("python", "numpy", "c", "js")},
     prec=2, sympy="")
del _name


def code_names(lang: str) -> set:
    """Every library function generated code in ``lang`` calls by a bare name (C's exp, fmax, ...)."""
    names = set()
    for lib in LIBRARY.values():
        spelling = lib.code.get(lang)
        if isinstance(spelling, str):
            names.add(spelling.split(".")[0])
    probe = ("a", "b", "c")
    for lib in LIBRARY.values():
        spelling = lib.code.get(lang)
        if callable(spelling):
            text = spelling(*probe)
            names.update(w for w in _words(text) if w not in probe)
    return names


def _words(text: str) -> list:
    out, word = [], ""
    for ch in text + " ":
        if ch.isalnum() or ch == "_":
            word += ch
        else:
            if word and not word[0].isdigit():
                out.append(word)
            word = ""
    return out


# ---- array primitives: what the tensor gates and their vector-Jacobian products are built from ----
#
# numpy only: the scalar engine never meets an array gate.  ``axis`` is a static parameter (an int
# or None for "all elements"), fixed when the program is parsed.


def sum_to(g, shape):
    """Undo broadcasting: sum ``g`` over the axes numpy added or stretched to reach its shape."""
    shape = tuple(shape)
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(k for k, n in enumerate(shape) if n == 1 and g.shape[k] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return np.broadcast_to(g, shape) if g.shape != shape else g


def np_matmul(a, b):
    return np.matmul(a, b)


def matmul_dx(g, a, b):
    """d(a @ b)/da applied to the upstream g: g @ bᵀ, with vectors as rows/columns as numpy reads them."""
    if np.ndim(b) == 1:
        return np.multiply.outer(g, b) if np.ndim(a) > 1 else g * b
    if np.ndim(a) == 1:
        return np.matmul(b, g)
    return np.matmul(g, np.swapaxes(b, -1, -2))


def matmul_dy(g, a, b):
    """d(a @ b)/db applied to the upstream g: aᵀ @ g."""
    if np.ndim(a) == 1:
        return np.multiply.outer(a, g) if np.ndim(b) > 1 else g * a
    if np.ndim(b) == 1:
        return np.matmul(np.swapaxes(a, -1, -2), g)
    return np.matmul(np.swapaxes(a, -1, -2), g)


def np_transpose(a):
    return np.swapaxes(a, -1, -2) if np.ndim(a) >= 2 else a


def np_sum(x, axis=None):
    return np.sum(x, axis=axis)


def np_mean(x, axis=None):
    return np.mean(x, axis=axis)


def np_amax(x, axis=None):
    return np.max(x, axis=axis)


def np_amin(x, axis=None):
    return np.min(x, axis=axis)


def expand(g, x, axis=None):
    """The upstream gradient of a reduction over ``axis``, spread back over ``x``'s shape."""
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, np.shape(x))


def count(x, axis=None):
    """How many elements a reduction over ``axis`` takes in."""
    return float(np.size(x) if axis is None else np.shape(x)[axis])


def winners(x, out, axis=None):
    """Where ``x`` equals its reduced extreme ``out``, each share 1/k of a tie of k (PyTorch's even
    split for max/min); nan where the extreme is nan."""
    hit = (x == expand(out, x, axis)).astype(float)
    k = np.sum(hit, axis=axis, keepdims=axis is not None)
    return hit / k


def sum_keep(x, axis=-1):
    return np.sum(x, axis=axis, keepdims=True)


def _shifted(x, axis):
    """x - max(x) along ``axis`` (the max taken as 0 where it is not finite), and that max: the
    log-sum-exp family works on the shifted logits, whose largest is 0, so neither exp overflows
    nor a large logit swallows log(n) (1e16 + log 2 rounds to 1e16)."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return x - m, m


def np_logsumexp(x, axis=-1):
    z, m = _shifted(x, axis)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(z), axis=axis))


def np_softmax(x, axis=-1):
    z = np.exp(_shifted(x, axis)[0])
    return z / np.sum(z, axis=axis, keepdims=True)


def np_log_softmax(x, axis=-1):
    z = _shifted(x, axis)[0]
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _labels(y, classes):
    labels = np.asarray(y)
    as_int = labels.astype(np.int64)
    if np.any(as_int != labels) or np.any(as_int < 0) or np.any(as_int >= classes):
        raise ValueError(f"labels must be whole numbers from 0 to {classes - 1} (one per row)")
    return as_int


def np_cross_entropy(logits, y):
    """PyTorch's cross_entropy: -log softmax(logits)[label], the mean over the rows of a matrix."""
    lp = np_log_softmax(logits, -1)
    labels = _labels(y, np.shape(logits)[-1])
    if np.ndim(logits) == 1:
        return -lp[labels]
    return -np.mean(lp[np.arange(lp.shape[0]), labels])


def cross_entropy_dx(g, logits, y):
    p = np_softmax(logits, -1)
    labels = _labels(y, np.shape(logits)[-1])
    if np.ndim(logits) == 1:
        p[labels] -= 1.0
        return g * p
    p[np.arange(p.shape[0]), labels] -= 1.0
    return g * p / p.shape[0]


def rows(x):
    """How many rows a batch's mean divides by: the first axis of a matrix, 1 for a vector."""
    return float(np.shape(x)[0]) if np.ndim(x) > 1 else 1.0


def zeros_like(x):
    return np.zeros(np.shape(x))


def np_reshape(x, *shape):
    return np.reshape(x, shape)


def like(g, x):
    """``g`` in the shape of ``x`` (a reshape's gradient)."""
    return np.reshape(g, np.shape(x))


def np_index(x, key):
    return (x if hasattr(x, "shape") else np.asarray(x))[key]


def unindex(g, x, key):
    """The gradient of x[key]: g scattered back into zeros of x's shape (repeats add up)."""
    out = np.zeros(np.shape(x))
    np.add.at(out, key, g)
    return out


#: how the trace writes the primitives of the vector-Jacobian products (dW = dY @ Xᵀ); a reduction's
#: gradient spread back over the reduced axis is written as the gradient itself (broadcasting).
_SHOWN = {"matmul_dx": ("{0} @ {2}ᵀ", 2), "matmul_dy": ("{1}ᵀ @ {0}", 2), "transpose": ("{0}ᵀ", 5),
          "expand": ("{0}", None), "count": ("n", 5), "winners": ("[{0} = {1}]", 5),
          "sum_keep": ("sum({0})", 5), "cross_entropy_dx": ("{0}*(softmax({1}) - onehot({2}))/N", 2),
          "like": ("{0} reshaped like {1}", 0), "unindex": ("{0} scattered into zeros like {1}", 0)}

for _name, _f in (("matmul", np_matmul), ("matmul_dx", matmul_dx), ("matmul_dy", matmul_dy),
                  ("transpose", np_transpose), ("sum", np_sum), ("mean", np_mean), ("amax", np_amax),
                  ("amin", np_amin), ("expand", expand), ("count", count), ("winners", winners),
                  ("sum_keep", sum_keep), ("logsumexp", np_logsumexp), ("softmax", np_softmax),
                  ("log_softmax", np_log_softmax), ("cross_entropy", np_cross_entropy),
                  ("cross_entropy_dx", cross_entropy_dx), ("rows", rows), ("zeros_like", zeros_like),
                  ("reshape", np_reshape), ("like", like), ("index", np_index), ("unindex", unindex),
                  ("sum_to", sum_to)):
    _lib(_name, _f, _f, sympy="", code={"python": None, "numpy": f"bp.{_name}", "c": None, "js": None},
         shown=_SHOWN.get(_name))
del _name, _f
