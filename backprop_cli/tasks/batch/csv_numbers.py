"""A block of plain CSV numbers read, or written, in one call each by orjson.

orjson is a JSON library whose number parser and shortest round-trip formatter are native code.  A
block of lines of numbers is a JSON array once its line breaks are commas, and a block of doubles
written as a JSON array is CSV once every k-th comma is a line break: reading is about 3x numpy's
loadtxt, writing about 10x Python's repr.  This is how the default install (``--csv-engine numpy``)
reads and writes CSV without the data extra.

Only plain blocks: cells of digits, signs, points and exponents, the header's count on every line.
Anything else (a blank line, an empty or quoted cell, nan, a number orjson reads differently from
Python's float) gives None, and the caller's own reader or writer takes the block, as before.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .cells import LAYOUT_PROBE, csv_number

#: the bytes a plain number cell may hold (orjson refuses what is not a JSON number among them)
_NUMBER_BYTES = b"0123456789.-+eE \t\r"
_LINE_BREAK_TO_COMMA = bytes.maketrans(b"\n", b",")
#: the text orjson reads in one call (whole lines, but for a line longer than this)
PIECE_BYTES = 1 << 20
_ORJSON = []


def _orjson():
    """orjson, if it is installed and writes numbers as ``csv_number`` does (orjson before 3.12
    wrote 1e16 for 1e+16), else None: the caller's path reads and writes then."""
    if not _ORJSON:
        try:
            import orjson
        except ImportError:
            orjson = None
        if orjson is not None:
            finite = np.array([v for v in LAYOUT_PROBE if np.isfinite(v)])
            written = orjson.dumps(finite, option=orjson.OPT_SERIALIZE_NUMPY)
            if written != b"[" + ",".join(csv_number(v) for v in finite.tolist()).encode() + b"]":
                orjson = None
        _ORJSON.append(orjson)
    return _ORJSON[0]


def read_numbers(block: bytes, lines: int, ncols: int) -> Optional[np.ndarray]:
    """The block's ``lines`` lines of ``ncols`` numbers each as a (lines x ncols) array of doubles,
    or None if the block is not plain or orjson does not read it.

    orjson reads a JSON number as Python's float reads its text (tests/test_csv_numbers.py), but
    for ``-0``, which JSON reads as the integer 0: a block whose numbers hold a zero is searched for
    that cell, and given back if it has one.  orjson reads a piece of about PIECE_BYTES at a time:
    its list of Python floats takes up to 16 times the text's bytes (cells such as ``1,2,3``)."""
    orjson = _orjson()
    if orjson is None or not lines:
        return None
    separators = (b"," * (ncols - 1) + b"\n") * lines
    if not block.endswith(b"\n"):
        separators = separators[:-1]
    if block.translate(None, _NUMBER_BYTES) != separators:  # another byte, or a line's count is off
        return None
    text = block.translate(_LINE_BREAK_TO_COMMA)
    values = np.empty(lines * ncols)
    filled, start, end = 0, 0, len(text) - block.endswith(b"\n")
    while start < end:
        cut = end if end - start <= PIECE_BYTES else block.rfind(b"\n", start, start + PIECE_BYTES)
        if cut <= start:  # a line longer than a piece
            cut = block.find(b"\n", start + PIECE_BYTES)
            cut = end if cut < 0 else cut
        try:
            piece = np.array(orjson.loads(b"".join((b"[", text[start:cut], b"]"))), dtype=np.float64)
        except (orjson.JSONDecodeError, OverflowError, ValueError):  # not JSON numbers, or 1e400
            return None
        if piece.ndim != 1 or filled + piece.size > values.size:
            return None
        values[filled:filled + piece.size] = piece
        filled += piece.size
        start = cut + 1
    if filled != values.size:
        return None
    if not values.all() and _negative_integer_zero(text):
        return None
    return values.reshape(lines, ncols)


def _negative_integer_zero(text: bytes) -> bool:
    """Whether a cell may be ``-0`` (or ``1e-0``, which is given back too: rare either way)."""
    return text.endswith(b"-0") or any(b"-0" + end in text for end in (b",", b" ", b"\t", b"\r"))


def write_numbers(block: np.ndarray) -> Optional[bytearray]:
    """The block's rows as CSV lines, each number as ``csv_number`` writes it, or None if orjson is
    missing or a number is not finite (JSON has no nan or inf)."""
    orjson = _orjson()
    if orjson is None or not block.size or not np.isfinite(block).all():
        return None
    k = block.shape[1]
    text = bytearray(orjson.dumps(np.ascontiguousarray(block, dtype=np.float64).ravel(),
                                  option=orjson.OPT_SERIALIZE_NUMPY))
    raw = np.frombuffer(text, dtype=np.uint8)
    if k > 1:
        raw[np.flatnonzero(raw == 44)[k - 1::k]] = 10  # every k-th comma ends a row
    else:
        raw[raw == 44] = 10
    raw[-1] = 10  # the closing bracket ends the last row
    del raw  # a bytearray with a live export cannot be resized
    del text[0]  # the opening bracket
    return text
