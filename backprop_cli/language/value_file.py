"""-i FILE: the inputs' values read from a file, as --at would give them.

A file is JSON ({"x": -2, "W": [[1, 2], [3, 4]], "y": "pi/4"}), CSV (a header naming the inputs and one
row of values: many rows are batch's work), or lines of name=value as --at takes them (# starts a
comment).  The values are read as --at reads them, and --at given as well overrides them.
"""

from __future__ import annotations

import json

from ..base.errors import InputError
from ..base.text import printable


def read_values(path: str, text: str) -> dict:
    """{name: value} from the text of the file ``path`` ('-': standard input)."""
    from .values import parse_at, split_top_level

    shown = "standard input" if path == "-" else printable(path, 200)
    kind = _kind(path, text)
    if kind == "json":
        items = _json_items(text, shown)
    elif kind == "csv":
        items = _csv_items(text, shown, path)
    else:
        items = [line.split("#", 1)[0] for line in text.splitlines()]
        items = [line for line in items if line.strip()]
    for item in items:
        if kind != "lines" and len(split_top_level(item)) > 1:
            name = item.partition("=")[0]
            raise InputError(f"-i {shown}: the value of {printable(name)} is not one value",
                             "A value is a number, an expression like pi/4, or a list of numbers.")
    try:
        return parse_at(items)
    except InputError as e:
        message = e.message[len("--at: "):] if e.message.startswith("--at: ") else e.message
        hint = e.hint.replace("without spaces: --at ", "without spaces: ") if e.hint else e.hint
        raise InputError(f"-i {shown}: {message}", hint) from None


def _kind(path: str, text: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix == "json":
        return "json"
    if suffix in ("csv", "tsv"):
        return "csv"
    if suffix:
        return "lines"
    start = text.lstrip()[:1]
    if start == "{":
        return "json"
    first = next((line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")), "")
    return "lines" if "=" in first else "csv"


def _json_items(text: str, shown: str) -> list:
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(f"-i {shown}: its arrays are nested too deep",
                         "An array has at most 32 dimensions.") from None
    except ValueError as e:
        raise InputError(f"-i {shown}: not JSON ({e})",
                         'Write an object of input values, e.g. {"x": -2, "y": 5}.') from None
    if not isinstance(data, dict):
        raise InputError(f"-i {shown}: the JSON is not an object of input values",
                         'Write an object, e.g. {"x": -2, "y": 5}; for many points use backprop batch.')
    items = []
    for name, value in data.items():
        if isinstance(value, bool) or value is None or isinstance(value, dict):
            raise InputError(f"-i {shown}: the value of {printable(name)} is not a number",
                             "A value is a number, an expression like \"pi/4\", or a list of numbers.")
        if isinstance(value, (int, float)):
            try:
                value = repr(float(value))
            except OverflowError:  # an integer of hundreds of digits
                raise InputError(f"-i {shown}: the value of {printable(name)} is an integer of "
                                 f"{len(str(abs(value)))} digits, too large for a double") from None
        elif isinstance(value, list):
            value = json.dumps(value)
        items.append(f"{name}={value}")
    return items


def _csv_items(text: str, shown: str, path: str) -> list:
    import csv
    import io

    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise InputError(f"-i {shown}: a CSV of input values needs a header and one row of values",
                         "e.g.\n  x,y\n  -2,5")
    if len(rows) > 2:
        raise InputError(f"-i {shown}: {len(rows) - 1:,} rows of values, and -i reads one point",
                         f"For a value and gradient at every row: backprop batch ... -i "
                         f"{'-' if path == '-' else shown}")
    header, values = rows
    if len(header) != len(values):
        raise InputError(f"-i {shown}: the header names {len(header)} inputs but the row has {len(values)} values")
    for name, value in zip(header, values):
        if not value.strip():
            raise InputError(f"-i {shown}: no value for {printable(name.strip())}")
    return [f"{name.strip()}={value.strip()}" for name, value in zip(header, values)]
