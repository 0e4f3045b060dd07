"""Arrays from outside the program: data files (.npy, .csv, .json) and --at values such as [[1, 2], [3, 4]]."""

from __future__ import annotations

import json
import os

from ..base.errors import InputError
from ..base.text import printable

import numpy as np

#: numpy's own limit before 2.0; more dimensions than this is never a real input
MAX_DIMENSIONS = 32

#: what a dtype kind holds, for the message refusing it (b, i, u, f are read as float64)
_NOT_REAL = {"c": "complex numbers", "M": "dates (datetime64)", "m": "time spans (timedelta64)",
             "U": "text", "S": "bytes", "O": "Python objects", "V": "records (a structured array)"}


def load_array(path: str) -> np.ndarray:
    """A float64 array from a .npy, .csv or .json file; one clear message if it cannot be read."""
    shown = printable(path, 200)
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".npy":
            value = np.load(path, allow_pickle=False)
        elif ext == ".csv":
            value = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=1)
        elif ext == ".json":
            with open(path, encoding="utf-8") as fh:
                value = json.load(fh)
        else:
            raise InputError(f"cannot read {shown}: give a .npy, .csv or .json file")
    except FileNotFoundError:
        raise InputError(f"cannot read {shown}: no such file") from None
    except EOFError:
        raise InputError(f"cannot read {shown}: the file is empty or cut short") from None
    except RecursionError:
        raise InputError(f"cannot read {shown}: its arrays are nested too deep",
                         f"An array has at most {MAX_DIMENSIONS} dimensions.") from None
    except OSError as e:
        raise InputError(f"cannot read {shown}: {e.strerror or e}") from None
    except (ValueError, json.JSONDecodeError) as e:
        raise InputError(f"cannot read {shown}: {printable(str(e), 200)}") from None
    return as_array(value, shown)


def as_array(value, shown: str) -> np.ndarray:
    kind = getattr(getattr(value, "dtype", None), "kind", "f")
    if kind in _NOT_REAL:
        raise InputError(f"{shown}: holds {_NOT_REAL[kind]}, not real numbers",
                         "Give an array of floats or integers (numpy dtype float64, int64, ...).")
    if np.ndim(value) > MAX_DIMENSIONS:
        raise InputError(f"{shown}: has {np.ndim(value)} dimensions, more than {MAX_DIMENSIONS}")
    try:
        out = np.asarray(value, dtype=np.float64)
    except OverflowError:
        raise InputError(f"{shown}: has a number too large for a double (above 1.8e308)") from None
    except RecursionError:
        raise InputError(f"{shown}: its arrays are nested too deep",
                         f"An array has at most {MAX_DIMENSIONS} dimensions.") from None
    except (ValueError, TypeError):
        raise InputError(f"{shown}: not a rectangular array of numbers") from None
    if out.ndim > MAX_DIMENSIONS:
        raise InputError(f"{shown}: has {out.ndim} dimensions, more than {MAX_DIMENSIONS}")
    if not np.isfinite(out).all():
        raise InputError(f"{shown}: has inf or nan values", "Inputs must be finite numbers.")
    return out


def shape_of(value) -> tuple:
    return tuple(np.shape(value))
