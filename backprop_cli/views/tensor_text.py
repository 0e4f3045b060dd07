"""How arrays are shown: small ones in full, large ones summarised (shape, min, max, mean, norm)."""

from __future__ import annotations

import numpy as np

from ..core.ops import shape_text
from ..base.numbers import DEFAULT_DIGITS, json_value, show

#: arrays with at most this many elements are shown in full
SMALL = 12


def is_array(x) -> bool:
    return np.ndim(x) > 0


def full(x, digits: int = DEFAULT_DIGITS) -> str:
    """[[1, 2], [3, 4]]: every element, rounded."""
    a = np.asarray(x)
    if a.ndim == 0:
        return show(float(a), digits)
    return "[" + ", ".join(full(row, digits) for row in a) + "]"


def summary(x, digits: int = DEFAULT_DIGITS) -> str:
    a = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        return (f"{shape_text(a.shape)} min {show(float(a.min()), digits)} max {show(float(a.max()), digits)} "
                f"mean {show(float(a.mean()), digits)} norm {show(float(np.linalg.norm(a)), digits)}")


def brief(x, digits: int = DEFAULT_DIGITS) -> str:
    """A number, a small array in full, or a large array's summary."""
    if np.ndim(x) == 0:
        return show(float(x), digits)
    return full(x, digits) if np.size(x) <= SMALL else summary(x, digits)


def nested(x):
    """Strict-JSON nested lists (non-finite numbers as strings)."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        return json_value(float(a))
    if np.isfinite(a).all():
        return a.tolist()
    return [nested(row) for row in a]
