"""How numbers are shown: rounded for people, exact (and strict-JSON-safe) for scripts."""

from __future__ import annotations

import math

DEFAULT_DIGITS = 4
#: the largest relative error between backprop's gradient and a finite difference that passes (check)
CHECK_TOLERANCE = 1e-6
#: how close a quiz answer must be (relative, or absolute near 0)
#: the quiz: an answer counts when its first QUIZ_SIGNIFICANT significant digits are right
QUIZ_SIGNIFICANT = 2


#: format's spec for each number of digits asked for
_SPECS: dict = {}


def show(x: float, digits: int = DEFAULT_DIGITS) -> str:
    """``digits`` significant digits, no trailing zeros: 0.7311, -12, 1.368, 2.5e-7, inf, nan."""
    spec = _SPECS.get(digits)
    if spec is None:
        spec = _SPECS[digits] = f".{max(1, digits)}g"
    text = format(x, spec)  # nan, inf and -inf come out as they are shown
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return "0" if text == "-0" else text  # a sign on zero only confuses a reader


def exact(x: float) -> str:
    """The shortest text that reads back as the same double."""
    if x != x or math.isinf(x):
        return show(x)
    if x == int(x) and abs(x) < 1e16:
        return str(int(x)) if x != 0 else "0"
    return repr(x)


def json_value(x: float):
    """A float for strict JSON: non-finite numbers become the strings "inf", "-inf", "nan"."""
    if x != x:
        return "nan"
    if x == math.inf:
        return "inf"
    if x == -math.inf:
        return "-inf"
    return x
