"""Columns passed through from a text file, without pyarrow; and pyarrow itself, when a file needs it.

pyarrow (Parquet, Arrow IPC, the multi-threaded CSV reader) is the ``data`` extra, not part of the
default install.  CSV and JSON lines are read and written without it: the columns the expression does
not use travel as ``Cells`` (Python values a column), which the text writers format exactly as the
pyarrow path formats its tables, and which become an Arrow table only for a columnar output.
"""

from __future__ import annotations

import json
from typing import List, Optional

from ...base.errors import InputError, install_extra

EXTRA_HINT = f"Install the data extra (pyarrow and polars): {install_extra('data')}."


def arrow(why: str):
    """The pyarrow module, or InputError (exit 2) saying that ``why`` needs the data extra."""
    try:
        import pyarrow as pa
    except ImportError:
        raise InputError(f"{why} needs pyarrow, which the default install leaves out", EXTRA_HINT) from None
    # pyarrow's own Ctrl-C handling swallows the signal when the read it watches ends first: leave
    # SIGINT to Python, which raises KeyboardInterrupt as soon as the call returns.
    pa.enable_signal_handlers(False)
    return pa


def have_arrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def csv_number(value: float) -> str:
    """A double as a CSV cell: the shortest text that reads back as the same double (repr's digits),
    laid out as polars writes it, so that every CSV engine writes the same bytes: repr's layout
    (``0.1``, ``2.0``, ``1e+16``, ``nan``), except below 1e-4, where 1e-5 <= |x| is positional
    (``0.0000179``) and a smaller number's exponent has no leading zero (``1.5e-7``)."""
    text = repr(value)
    if "e-" not in text:
        return text
    mantissa, exponent = text.split("e-")
    if exponent == "05":
        digits = mantissa.lstrip("-").replace(".", "")
        return ("-0.0000" if mantissa[0] == "-" else "0.0000") + digits
    return mantissa + "e-" + exponent.lstrip("0")


#: numbers in every region of csv_number's layout
LAYOUT_PROBE = (0.1, -2.0, 123456789012345.0, 1e16, -1.2345678901234567e+17, 1e22, 3e300, 0.0001,
                -1.79e-05, 1e-05, 1.5e-07, -2e-300, 5e-324, -0.0, 0.0, float("inf"), float("-inf"))


def polars(why: str):
    """The polars module, or InputError (exit 2) saying that ``why`` needs the data extra."""
    try:
        import polars as pl
    except ImportError:
        raise InputError(f"{why} needs polars, which the default install leaves out", EXTRA_HINT) from None
    return pl


def have_polars() -> bool:
    try:
        import polars  # noqa: F401
    except ImportError:
        return False
    return True


class Cells:
    """Passed-through columns of a text file: name -> list of values (text cells of a CSV file, or
    the values of a JSON-lines file, normalised per block as pyarrow would type them)."""

    def __init__(self, columns: dict, from_json: bool = False) -> None:
        self.columns = columns
        self.from_json = from_json
        self._by_position = None

    def _column(self, k: int) -> list:
        # by position, without listing every column on each call (a file may have 100,000 columns)
        if self._by_position is None:
            self._by_position = list(self.columns.values())
        return self._by_position[k]

    @property
    def names(self) -> List[str]:
        return list(self.columns)

    @property
    def num_columns(self) -> int:
        return len(self.columns)

    @property
    def schema(self) -> "TextSchema":
        return TextSchema(self.names, self)

    def filter(self, mask) -> "Cells":
        keep = mask.tolist() if hasattr(mask, "tolist") else list(mask)
        return Cells({name: [v for v, k in zip(values, keep) if k] for name, values in self.columns.items()},
                     self.from_json)

    def csv_texts(self, k: int) -> List[str]:
        """Column k as CSV cells, quoted where needed."""
        values = self._column(k)
        if self.from_json:
            kind, values = json_column(values)
            values = [_json_csv_text(kind, v) for v in values]
        return [_quoted(v) for v in values]

    def json_values(self, k: int) -> list:
        """Column k as values for a JSON line."""
        values = self._column(k)
        if self.from_json:
            kind, values = json_column(values)
            if kind == "json":
                values = [None if v is None else json.dumps(v) for v in values]
        return values

    def to_arrow(self):
        pa = arrow("a columnar output")
        if not self.from_json:
            return pa.table({name: pa.array(values, pa.string()) for name, values in self.columns.items()})
        arrays = {}
        for name, values in self.columns.items():
            kind, values = json_column(values)
            arrays[name] = pa.array([None if v is None else json.dumps(v) for v in values], pa.string()) \
                if kind == "json" else pa.array(values, _ARROW_TYPES[kind](pa))
        return pa.table(arrays)


class TextSchema:
    """The passed-through columns of a text file, by name; an Arrow schema only when asked."""

    def __init__(self, names: List[str], cells: Optional[Cells] = None) -> None:
        self.names = list(names)
        self.cells = cells

    def to_arrow(self):
        if self.cells is not None:
            return self.cells.to_arrow().schema
        pa = arrow("a columnar output")
        return pa.schema([pa.field(n, pa.string()) for n in self.names])


_ARROW_TYPES = {"bool": lambda pa: pa.bool_(), "int": lambda pa: pa.int64(), "float": lambda pa: pa.float64(),
                "str": lambda pa: pa.string()}
_INT64 = (-2**63, 2**63 - 1)


def json_column(values: list):
    """(kind, values): the type pyarrow gives a column of JSON values (bool, int, float, str), or
    'json' where it gives none of those (mixed, nested, all null: then the values' JSON text)."""
    kinds = set()
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, int):
            kinds.add("int" if _INT64[0] <= v <= _INT64[1] else "big")
        elif isinstance(v, float):
            kinds.add("float")
        elif isinstance(v, str):
            kinds.add("str")
        else:
            kinds.add("json")
    if len(kinds) == 1 and kinds <= {"bool", "int", "float", "str"}:
        return kinds.pop(), values
    if kinds == {"int", "float"}:
        return "float", [None if v is None else float(v) for v in values]
    return "json", values


def _json_csv_text(kind: str, v) -> str:
    if v is None:
        return ""
    if kind == "bool":
        return "true" if v else "false"
    if kind == "float":
        return csv_number(v)
    if kind == "json":
        return json.dumps(v)
    return str(v)


def _quoted(text: str) -> str:
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text
