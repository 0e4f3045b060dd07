"""Value and gradients at many points: rows in (CSV or JSON lines), rows out, a chunk at a time.

A chunk of lines is parsed with numpy (``np.loadtxt`` on the lines; a slow line-by-line pass only
for a chunk that holds a bad row, to say which), run through the numpy engine, and written with one
``%`` format over the whole chunk, so memory stays bounded whatever the file's size.

Each output row repeats the inputs (the expression's, in order of first appearance, including those
fixed with --at), then the output value, then d(output)/d(input) for every input.  Numbers are
written to full precision, as Python's repr (the shortest text that reads back as the same double);
CSV has inf, -inf and nan as such, JSON lines as the strings "inf", "-inf", "nan".
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, List, Mapping, Optional, TextIO, Tuple

import numpy as np

from ..core import vectorized
from ..errors import BackpropError, InputError, MathError
from ..core.graph import Graph
from ..numbers import exact, json_value

FORMATS = ("csv", "jsonl")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
DEFAULT_CHUNK = 65536

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")


class BadRow(BackpropError):
    """A row that cannot be read, or whose value is undefined.  Exit 1 (the issue asks for it)."""

    exit_code = 1


def format_of(path: Optional[str]) -> Optional[str]:
    """The format a file name asks for: jsonl for .jsonl/.ndjson, csv for .csv, else None."""
    if not path or path == "-":
        return None
    lower = path.lower()
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lower.endswith((".csv", ".txt")):
        return "csv"
    return None


# ---- reading ------------------------------------------------------------------------------------


@dataclass
class Chunk:
    """Parsed rows: one float64 array per wanted column, the line each row came from, the bad lines."""

    columns: dict
    lines: np.ndarray
    bad: List[Tuple[int, str]] = field(default_factory=list)
    chars: int = 0  # characters consumed, for the progress bar

    @property
    def n(self) -> int:
        return len(self.lines)


def _number(text: str) -> float:
    """A field as a double, as strictly as np.loadtxt reads it ('1_000' is not a number here)."""
    s = text.strip()
    if not s or "_" in s:
        raise ValueError(s)
    return float(s)


def _describe(text: str) -> str:
    text = text.strip()
    return f"'{text[:30]}…'" if len(text) > 30 else f"'{text}'"


class Reader:
    """Rows from a text stream, a chunk of lines at a time.  ``columns``: what each row may hold."""

    format = ""

    def __init__(self, stream: TextIO, origin: str) -> None:
        self.stream = stream
        self.origin = origin
        self.columns: list = []
        self.line = 0  # lines consumed so far
        self.pending: list = []  # lines read ahead (while sniffing) and not yet parsed

    def _next_lines(self, size: int) -> list:
        lines = self.pending[:size]
        del self.pending[:size]
        if len(lines) < size:
            try:
                lines += list(itertools.islice(self.stream, size - len(lines)))
            except UnicodeDecodeError as e:
                raise InputError(f"{self.origin} is not UTF-8 text (byte {e.start} of a block after "
                                 f"line {self.line})") from None
        return lines

    def _blocks(self, size: int):
        """(number of the first line, lines) for each block of up to ``size`` lines, to the end."""
        while True:
            lines = self._next_lines(size)
            if not lines:
                return
            first = self.line + 1
            self.line += len(lines)
            yield first, lines

    def chunks(self, names: list, size: int) -> Iterator[Chunk]:
        raise NotImplementedError


class CsvReader(Reader):
    """A header row of names, then rows of numbers separated by commas.  Blank lines are skipped."""

    format = "csv"

    def __init__(self, stream: TextIO, origin: str, first: str, first_line: int) -> None:
        super().__init__(stream, origin)
        self.line = first_line
        self.header_line = first_line
        fields = next(csv.reader([first]))
        self.columns = [f.strip() for f in fields]
        for k, name in enumerate(self.columns):
            if not _NAME.match(name):
                what = "empty" if not name else f"'{name}', not a name"
                raise InputError(f"{origin}, line {first_line}: column {k + 1} of the header is {what}",
                                 "The first line names the columns, e.g. x,y,z (names as in the "
                                 "expression: a letter or '_', then letters, digits or '_').")
        seen = set()
        for name in self.columns:
            if name in seen:
                raise InputError(f"{origin}, line {first_line}: the header names column '{name}' twice")
            seen.add(name)

    def chunks(self, names: list, size: int) -> Iterator[Chunk]:
        ncols = len(self.columns)
        usecols = [self.columns.index(n) for n in names]
        for first, lines in self._blocks(size):
            chunk = self._fast(lines, first, ncols, usecols, names)
            if chunk is None:
                chunk = self._slow(lines, first, ncols, usecols, names)
            chunk.chars = sum(map(len, lines))
            yield chunk

    def _fast(self, lines, first, ncols, usecols, names) -> Optional[Chunk]:
        """np.loadtxt over the chunk; None if any line is bad (the slow pass then says which)."""
        if not usecols:
            return None
        every_column = usecols == list(range(ncols))
        try:
            data = np.loadtxt(lines, delimiter=",", comments=None, quotechar='"', ndmin=2,
                              dtype=np.float64, usecols=None if every_column else usecols)
        except ValueError:
            return None
        if every_column:
            if data.shape[1] != ncols and len(data):
                return None
        else:
            # loadtxt does not count the fields it skips: count the commas instead.
            text = "".join(lines)
            if '"' in text or text.count(",") != (ncols - 1) * len(data):
                return None
        if len(data) == len(lines):
            rows = np.arange(first, first + len(lines))
        else:  # blank lines
            rows = np.array([first + k for k, line in enumerate(lines) if line.strip()], dtype=np.int64)
            if len(rows) != len(data):
                return None
        columns = {name: np.ascontiguousarray(data[:, k]) for k, name in enumerate(names)}
        return Chunk(columns, rows)

    def _slow(self, lines, first, ncols, usecols, names) -> Chunk:
        good_rows, good_lines, bad = [], [], []
        for k, line in enumerate(lines):
            number = first + k
            if not line.strip():
                continue
            try:
                fields = next(csv.reader([line]))
            except csv.Error as e:
                bad.append((number, f"cannot be read as CSV ({e})"))
                continue
            if len(fields) != ncols:
                bad.append((number, f"has {len(fields)} field{'s' if len(fields) != 1 else ''}, "
                                    f"the header has {ncols}"))
                continue
            row = []
            for c, name in zip(usecols, names):
                try:
                    row.append(_number(fields[c]))
                except ValueError:
                    bad.append((number, f"{name} (column {c + 1}) is {_describe(fields[c])}, "
                                        "not a number"))
                    break
            else:
                good_rows.append(row)
                good_lines.append(number)
        data = np.array(good_rows, dtype=np.float64).reshape(len(good_rows), len(names))
        columns = {name: np.ascontiguousarray(data[:, k]) for k, name in enumerate(names)}
        return Chunk(columns, np.array(good_lines, dtype=np.int64), bad)


class JsonlReader(Reader):
    """One JSON object per line; the first one's keys are the columns.  Blank lines are skipped."""

    format = "jsonl"

    def __init__(self, stream: TextIO, origin: str, first: str, first_line: int) -> None:
        super().__init__(stream, origin)
        self.line = first_line - 1
        self.pending = [first]
        try:
            record = json.loads(first)
        except ValueError as e:
            raise InputError(f"{origin}, line {first_line}: not valid JSON ({e})") from None
        if not isinstance(record, dict):
            raise InputError(f"{origin}, line {first_line}: a JSON line must be an object, "
                             'like {"x": 1, "y": 2}')
        self.columns = list(record)

    def chunks(self, names: list, size: int) -> Iterator[Chunk]:
        for first, lines in self._blocks(size):
            good_rows, good_lines, bad = [], [], []
            for k, line in enumerate(lines):
                number = first + k
                if not line.strip():
                    continue
                try:
                    row = _json_row(line, names)
                except ValueError as e:
                    bad.append((number, str(e)))
                    continue
                good_rows.append(row)
                good_lines.append(number)
            data = np.array(good_rows, dtype=np.float64).reshape(len(good_rows), len(names))
            columns = {name: np.ascontiguousarray(data[:, k]) for k, name in enumerate(names)}
            yield Chunk(columns, np.array(good_lines, dtype=np.int64), bad, sum(map(len, lines)))


_NONFINITE = {"inf": float("inf"), "-inf": float("-inf"), "nan": float("nan")}


def _json_row(line: str, names: list) -> list:
    try:
        record = json.loads(line)
    except ValueError as e:
        raise ValueError(f"is not valid JSON ({e})") from None
    if not isinstance(record, dict):
        raise ValueError("is not a JSON object")
    row = []
    for name in names:
        if name not in record:
            raise ValueError(f"has no key '{name}'")
        v = record[name]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            row.append(float(v))
        elif isinstance(v, str) and v in _NONFINITE:
            row.append(_NONFINITE[v])
        else:
            raise ValueError(f"{name} is {json.dumps(v)[:30]}, not a number")
    return row


def open_reader(stream: TextIO, origin: str) -> Reader:
    """CSV or JSON lines, told apart by the first non-blank line ('{' starts JSON lines)."""
    line = 0
    for text in _lines(stream, origin):
        line += 1
        if text.strip():
            if text.lstrip().startswith("{"):
                return JsonlReader(stream, origin, text, line)
            return CsvReader(stream, origin, text, line)
    raise InputError(f"{origin} is empty",
                     "Give a CSV file with a header row naming the inputs, or JSON lines.")


def _lines(stream: TextIO, origin: str):
    try:
        for text in stream:
            yield text
            # The caller stops after the first non-blank line; the stream goes on from there.
    except UnicodeDecodeError as e:
        raise InputError(f"{origin} is not UTF-8 text (byte {e.start} of its first block)") from None


# ---- writing ------------------------------------------------------------------------------------


class CsvWriter:
    def __init__(self, out: TextIO, names: list) -> None:
        self.out = out
        self.k = len(names)
        self.row = ",".join(["%r"] * self.k) + "\n"
        self.template = ("", 0)
        out.write(",".join(names) + "\n")

    def write(self, block: np.ndarray) -> None:
        n = len(block)
        if self.template[1] != n:
            self.template = (self.row * n, n)
        self.out.write(self.template[0] % tuple(block.ravel().tolist()))


class JsonlWriter:
    def __init__(self, out: TextIO, names: list) -> None:
        self.out = out
        self.names = names
        self.row = "{" + ", ".join(f"{json.dumps(n)}: %r" for n in names) + "}\n"
        self.template = ("", 0)

    def write(self, block: np.ndarray) -> None:
        n = len(block)
        if np.isfinite(block).all():
            if self.template[1] != n:
                self.template = (self.row * n, n)
            self.out.write(self.template[0] % tuple(block.ravel().tolist()))
            return
        # Strict JSON: non-finite numbers as strings, row by row (rare: --allow-nonfinite).
        self.out.write("".join(
            json.dumps(dict(zip(self.names, map(json_value, row))), allow_nan=False) + "\n"
            for row in block.tolist()))


WRITERS = {"csv": CsvWriter, "jsonl": JsonlWriter}


# ---- the plan and the run -----------------------------------------------------------------------


@dataclass
class Plan:
    """Which inputs come from the file, which are fixed, and what the file has that goes unused."""

    from_file: list
    fixed: dict
    unused: list
    overridden: list


def plan(graph: Graph, columns: list, at: Mapping[str, float], origin: str) -> Plan:
    """Match the expression's inputs with the file's columns.  Missing ones: InputError (exit 2)."""
    from_file, fixed, missing, overridden = [], {}, [], []
    for name in graph.inputs:
        if name in at:
            fixed[name] = float(at[name])
            if name in columns:
                overridden.append(name)
        elif name in columns:
            from_file.append(name)
        elif name in graph.defaults:
            fixed[name] = graph.defaults[name]
        else:
            missing.append(name)
    if missing:
        s = "s" if len(missing) > 1 else ""
        example = ",".join(f"{n}=1" for n in missing)
        raise InputError(f"{origin} has no column for input{s} {', '.join(missing)} "
                         f"(its columns: {', '.join(columns) or 'none'})",
                         f"Add the column{s}, or fix {'them' if s else 'it'} for every row with "
                         f"--at {example}.")
    unused = [c for c in columns if c not in graph.inputs]
    return Plan(from_file, fixed, unused, overridden)


def output_names(graph: Graph) -> list:
    out = graph.output_name
    return [*graph.inputs, out, *[f"d{out}/d{name}" for name in graph.inputs]]


@dataclass
class Summary:
    rows: int = 0
    skipped: int = 0
    first_skipped: Optional[Tuple[int, str]] = None
    nonfinite_gradients: int = 0
    first_nonfinite_gradient: Optional[int] = None


def run(graph: Graph, reader: Reader, out: TextIO, plan: Plan, *, out_format: str = "csv",
        chunk_size: int = DEFAULT_CHUNK, skip_bad: bool = False, allow_nonfinite: bool = False,
        progress: Optional[Callable[[int, int], None]] = None) -> Summary:
    """Read, evaluate and write every row.  Raises BadRow at the first bad row unless ``skip_bad``."""
    writer = WRITERS[out_format](out, output_names(graph))
    summary = Summary()
    size = vectorized.rows_for(graph, chunk_size)
    inputs = list(graph.inputs)
    for chunk in reader.chunks(plan.from_file, size):
        bad = [(line, why, _BAD_HINT) for line, why in chunk.bad]
        lines, columns = chunk.lines, {**plan.fixed, **chunk.columns}
        if chunk.n and not allow_nonfinite:
            keep = _finite_inputs(chunk, bad)
            if keep is not None:
                lines = lines[keep]
                columns = {k: v[keep] if np.ndim(v) else v for k, v in columns.items()}
        n = len(lines)
        block = None
        if n:
            result = vectorized.run(graph, columns, n)
            block = np.column_stack([*(result.full(columns[name]) for name in inputs), result.value,
                                     *result.gradients.values()])
            undefined = None if allow_nonfinite else result.undefined()
            if undefined is not None:
                rows = np.flatnonzero(undefined)
                explain = not skip_bad or summary.first_skipped is None
                bad.extend((int(lines[k]), _why_undefined(graph, dict(zip(inputs, block[k].tolist())))
                            if explain and j == 0 else "undefined", _UNDEFINED_HINT)
                           for j, k in enumerate(rows))
                block, lines = block[~undefined], lines[~undefined]
        if bad:
            bad.sort()
            if not skip_bad:
                line, why, hint = bad[0]
                if block is not None:  # the rows before the bad one, whatever the chunk size
                    writer.write(block[lines < line])
                raise BadRow(f"{reader.origin}, line {line}: {why}", hint)
            summary.skipped += len(bad)
            if summary.first_skipped is None:
                summary.first_skipped = bad[0][:2]
        if block is not None and len(block):
            grads = block[:, len(inputs) + 1:]
            if grads.size and not np.isfinite(grads).all():
                rows = np.flatnonzero(~np.isfinite(grads).all(axis=1))
                summary.nonfinite_gradients += len(rows)
                if summary.first_nonfinite_gradient is None:
                    summary.first_nonfinite_gradient = int(lines[rows[0]])
            writer.write(block)
            summary.rows += len(block)
        if progress is not None:
            progress(chunk.chars, chunk.n + len(chunk.bad))
    return summary


_BAD_HINT = "Fix the row, or pass --skip-bad to leave bad rows out (they are counted on stderr)."
_NONFINITE_HINT = ("Fix the row, pass --skip-bad to leave such rows out, or --allow-nonfinite to let "
                   "inf and nan flow through.")
_UNDEFINED_HINT = ("Pass --allow-nonfinite to write inf and nan for such rows, or --skip-bad to "
                   "leave them out.")


def _finite_inputs(chunk: Chunk, bad: list) -> Optional[np.ndarray]:
    """Rows whose inputs are all finite (inf and nan in the file are bad rows, as with --at)."""
    keep = None
    for name, v in chunk.columns.items():
        finite = np.isfinite(v)
        if not finite.all():
            keep = finite if keep is None else keep & finite
    if keep is None:
        return None
    for k in np.flatnonzero(~keep):
        name = next(n for n, v in chunk.columns.items() if not np.isfinite(v[k]))
        bad.append((int(chunk.lines[k]), f"{name} is {exact(float(chunk.columns[name][k]))}: "
                                         "inputs must be finite numbers", _NONFINITE_HINT))
    return keep


def _why_undefined(graph: Graph, point: dict) -> str:
    """The scalar engine's message for the point: which node is undefined, and why."""
    from ..core.engine import run

    try:
        result = run(graph, point, record=False)
    except MathError as e:
        where = ", ".join(f"{k} = {exact(v)}" for k, v in point.items())
        return f"undefined at {where}: {e.message}"
    # numpy's exp and libm's may disagree in the last bit right at the edge of overflow.
    return f"undefined ({exact(result.value)} in the scalar engine, inf or nan here)"
