"""Arrays from outside the program: data files (.npy, .csv, .json) and --at values such as [[1, 2], [3, 4]]."""

from __future__ import annotations

import json
import os

from ..base.errors import InputError
from ..base.text import printable

import numpy as np


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
    except OSError as e:
        raise InputError(f"cannot read {shown}: {e.strerror or e}") from None
    except (ValueError, json.JSONDecodeError) as e:
        raise InputError(f"cannot read {shown}: {printable(str(e), 200)}") from None
    return as_array(value, shown)


def as_array(value, shown: str) -> np.ndarray:
    try:
        out = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise InputError(f"{shown}: not a rectangular array of numbers") from None
    if not np.isfinite(out).all():
        raise InputError(f"{shown}: has inf or nan values", "Inputs must be finite numbers.")
    return out


def shape_of(value) -> tuple:
    return tuple(np.shape(value))
