"""Reading batch inputs a block at a time: CSV and JSON lines as text, Parquet and Arrow IPC (Feather).

A reader yields ``Chunk``s: one float64 array per column the expression uses, the rows' positions
(line numbers for text, row numbers for columnar files, counted from 1), the bad rows with why, and
the columns passed through untouched (a pyarrow table, or ``Cells`` from a text file read without
pyarrow).

CSV is read a block of lines at a time, so memory stays bounded: by polars' or pyarrow's
multi-threaded parser when the data extra is installed (or asked for), else by orjson (csv_numbers:
a block of numbers only) or numpy's loadtxt; a block that holds a bad row (or a quote) is read again
line by line by Python's csv module, to say which line and why.  Each line is one row (no line
breaks inside quoted cells), as before.  Parquet and Arrow IPC need pyarrow.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator, List, Optional, Tuple

import numpy as np

from ...base.errors import InputError
from ...base.text import printable
from .cells import Cells, TextSchema, arrow, have_arrow, have_polars, polars
from .csv_numbers import read_numbers
from .write import FORMATS

#: how CSV is read and written: polars' parser and writer, pyarrow's, numpy's, or auto: polars (else
#: pyarrow) when it is installed and the input is not small (the output is the same bytes either way)
CSV_ENGINES = ("auto", "numpy", "pyarrow", "polars")
ARROW_FROM_BYTES = BLOCK_BYTES = 4 * 2**20
#: auto reads a file with more columns than this with numpy: pyarrow's CSV reader takes about 5 KB a
#: column (1.3 GB for 100,000 columns), numpy's path about 0.7 KB
ARROW_MAX_COLUMNS = 2_000

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")
SUFFIXES = {".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
            ".pq": "parquet", ".feather": "feather", ".arrow": "feather", ".ipc": "feather",
            ".arrows": "feather"}


def shown(text: str, width: int = 200) -> str:
    """Text from a data file made safe for a message: control characters and line breaks escaped."""
    return printable(str(text).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
                     .replace("\t", "\\t"), width)


def format_of(path: Optional[str]) -> Optional[str]:
    """The format a file name asks for by its suffix, else None."""
    if not path or path == "-":
        return None
    return SUFFIXES.get(os.path.splitext(path.lower())[1])


def expand_inputs(path: str) -> List[str]:
    """The files an -i argument names: itself, the data files of a directory, or a glob's matches."""
    if path == "-" or os.path.isfile(path):
        return [path]
    if os.path.isdir(path):
        files = sorted(os.path.join(path, name) for name in os.listdir(path)
                       if not name.startswith(".") and format_of(name)
                       and os.path.isfile(os.path.join(path, name)))
        if not files:
            raise InputError(f"{shown(path)} is a directory without data files",
                             f"batch reads files ending in {', '.join(sorted(SUFFIXES))} from a directory.")
        return files
    if any(c in path for c in "*?["):
        import glob

        files = sorted(f for f in glob.glob(path) if os.path.isfile(f))
        if not files:
            raise InputError(f"no file matches {shown(path)}")
        return files
    return [path]


@dataclass
class Chunk:
    """Parsed rows: a float64 array per used column, each row's position, the bad rows, and the
    columns passed through (a pyarrow table or Cells of the good rows, or None)."""

    columns: dict
    lines: np.ndarray
    bad: List[Tuple[int, str]] = field(default_factory=list)
    done: int = 0  # progress units (bytes of text, rows of a columnar file) consumed
    extra: Optional[object] = None

    @property
    def n(self) -> int:
        return len(self.lines)


class Reader:
    format = ""
    unit = "line"

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.columns: List[str] = []
        self.total: Optional[int] = None  # progress units in the whole input, when known
        self.path: Optional[str] = None  # the regular file read, when it was opened by its name

    def where(self, position: int) -> str:
        return f"{self.unit} {position}"

    def column_type(self, name: str):
        return None  # text: any cell may hold a number

    def extra_schema(self, extra: List[str]):
        return TextSchema(extra)

    def chunks(self, used: List[str], extra: List[str], size: int) -> Iterator[Chunk]:
        raise NotImplementedError

    def close(self) -> None:
        pass


# ---- text: blocks of whole lines ----------------------------------------------------------------


class TextReader(Reader):
    """Blocks of whole lines from a binary stream, each at most ``size`` lines."""

    def __init__(self, stream: BinaryIO, origin: str, first_line: int, rest: bytes,
                 end: Optional[int] = None) -> None:
        super().__init__(origin)
        self.stream = stream
        self.line = first_line  # lines consumed so far
        self.buffer = rest
        self.left = end  # bytes of the stream still ours (a partition's range), or None: to the end

    def _read(self, size: int) -> bytes:
        if self.left is not None:
            size = min(size, self.left)
            if size <= 0:
                return b""
        data = self.stream.read(size)
        if self.left is not None:
            self.left -= len(data)
        return data

    def ends_within(self, size: int) -> bool:
        """Whether the stream ends within ``size`` bytes from here: they are read ahead, into the
        buffer the blocks start from."""
        parts, have = [self.buffer], len(self.buffer)
        ended = False
        while have < size:
            more = self._read(size - have)
            if not more:
                ended = True
                break
            parts.append(more)
            have += len(more)
        self.buffer = b"".join(parts)
        return ended

    def _blocks(self, size: int) -> Iterator[Tuple[int, memoryview, int]]:
        """(number of the first line, the bytes of whole lines, how many lines) to the end.

        A buffer of about BLOCK_BYTES is read, cut into blocks of ``size`` lines without copying, and
        what is left (part of a block) starts the next buffer."""
        buf, eof, target = self.buffer, False, BLOCK_BYTES
        self.buffer = b""
        while True:
            while not eof and len(buf) < target:
                more = self._read(target - len(buf))
                if not more:
                    eof = True
                else:
                    buf += more
            if not buf:
                return
            count = buf.count(b"\n")
            if not count and not eof:  # one line longer than the buffer: read on
                target *= 2
                continue
            if count < size:  # fewer lines than a block (the usual case): no need for where they end
                cut = len(buf) if eof else buf.rfind(b"\n") + 1
                lines = count + (1 if eof and not buf.endswith(b"\n") else 0)
                first = self.line + 1
                self.line += lines
                yield first, memoryview(buf)[:cut], lines
                buf = buf[cut:]
                if eof:
                    return
                continue
            ends = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)
            view, pos, k = memoryview(buf), 0, 0
            while pos < len(buf):
                if len(ends) - k >= size:
                    cut, lines = int(ends[k + size - 1]) + 1, size
                elif eof:
                    cut, lines = len(buf), len(ends) - k + (0 if buf.endswith(b"\n") else 1)
                elif pos == 0:  # fewer than `size` lines fill the buffer: a smaller block
                    cut, lines = int(ends[-1]) + 1, len(ends)
                else:
                    break
                k += min(lines, len(ends) - k)
                first = self.line + 1
                self.line += lines
                yield first, view[pos:cut], lines
                pos = cut
            buf = buf[pos:]
            if eof and not buf:
                return

    def _text_lines(self, block, first: int) -> List[str]:
        block = bytes(block)
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as e:
            line = first + block.count(b"\n", 0, e.start)
            raise InputError(f"{shown(self.origin)}, line {line} is not UTF-8 text") from None
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [s[:-1] if s.endswith("\r") else s for s in lines]

    def _rows(self, block, first: int, used: list, parse) -> tuple:
        """The block's non-blank lines read by ``parse(line)`` -> (numbers of the used columns, the
        passed-through cells), or ValueError saying why the row is bad: (one float64 array per used
        column, the good rows' line numbers, their cells, the bad rows as (line, why))."""
        good_rows, good_lines, kept, bad = [], [], [], []
        for k, line in enumerate(self._text_lines(block, first)):
            number = first + k
            if not line.strip():
                continue
            try:
                row, cells = parse(line)
            except ValueError as e:
                bad.append((number, str(e)))
                continue
            good_rows.append(row)
            good_lines.append(number)
            kept.append(cells)
        data = np.array(good_rows, dtype=np.float64).reshape(len(good_rows), len(used))
        columns = {name: np.ascontiguousarray(data[:, k]) for k, name in enumerate(used)}
        return columns, np.array(good_lines, dtype=np.int64), kept, bad


def _number(text: str) -> float:
    """A cell as a double: ASCII decimal text only ('1_000' and '١٢' are not numbers here)."""
    s = text.strip()
    if not s or "_" in s or not s.isascii():
        raise ValueError(s)
    return float(s)


def _describe(text: str) -> str:
    return f"'{shown(text.strip(), 30)}'"


class CsvReader(TextReader):
    """A header row of names, then rows of numbers separated by commas.  Blank lines are skipped."""

    format = "csv"

    def __init__(self, stream, origin, header: str, header_line: int, rest: bytes, end=None) -> None:
        super().__init__(stream, origin, header_line, rest, end)
        self.header_line = header_line
        try:
            fields = next(csv.reader([header]))
        except csv.Error as e:
            raise InputError(f"{shown(origin)}, line {header_line}: the header cannot be read as CSV ({e})") from None
        self.columns = [f.strip() for f in fields]
        for k, name in enumerate(self.columns):
            if not _NAME.match(name):
                what = "empty" if not name else f"'{shown(name)}', not a name"
                raise InputError(f"{shown(origin)}, line {header_line}: column {k + 1} of the header is {what}",
                                 "The first line names the columns, e.g. x,y,z (names as in the "
                                 "expression: a letter or '_', then letters, digits or '_').")
        seen = set()
        for name in self.columns:
            if name in seen:
                raise InputError(f"{shown(origin)}, line {header_line}: the header names column '{name}' twice")
            seen.add(name)

    @classmethod
    def part(cls, stream: BinaryIO, origin: str, columns: List[str], length: int) -> "CsvReader":
        """The rows in the next ``length`` bytes of ``stream`` (a partition: whole lines, no header);
        lines are counted from the partition's start."""
        reader = cls.__new__(cls)
        TextReader.__init__(reader, stream, origin, 0, b"", length)
        reader.header_line, reader.columns = 0, list(columns)
        return reader

    #: read with pyarrow's parser (the data extra) rather than numpy's; None: pyarrow if installed
    use_arrow: Optional[bool] = None
    #: read with polars' parser (the data extra): before use_arrow
    use_polars: bool = False

    def chunks(self, used, extra, size):
        if self.use_arrow is None:
            self.use_arrow = have_arrow() and not self.use_polars
        index = {name: k for k, name in enumerate(self.columns)}
        used_cols = [index[n] for n in used]
        extra_cols = [index[n] for n in extra]
        if self.use_polars:
            fast = self._polars_reader(used_cols, extra_cols)
        elif self.use_arrow:
            fast = self._arrow_reader(used, extra)
        else:
            fast = self._numpy_reader(used_cols, extra_cols)
        for first, block, lines in self._blocks(size):
            chunk = None
            if used:
                chunk = fast(block, first, lines, used, extra)
            if chunk is None:
                chunk = self._slow(block, first, used, used_cols, extra, extra_cols)
            chunk.done = block.nbytes
            yield chunk

    def _arrow_reader(self, used, extra):
        pa = arrow("the pyarrow CSV reader")
        import pyarrow.csv as pacsv

        types = {name: pa.float64() for name in used}
        types.update({name: pa.string() for name in extra})
        options = (pacsv.ReadOptions(column_names=self.columns, use_threads=True, block_size=1 << 20),
                   pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
                   pacsv.ConvertOptions(column_types=types, include_columns=list(used) + list(extra),
                                        null_values=[], strings_can_be_null=False,
                                        quoted_strings_can_be_null=False, check_utf8=True))

        def fast(block, first, lines, used, extra) -> Optional[Chunk]:
            try:
                table = pacsv.read_csv(pa.py_buffer(block), *options)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
            if table.num_rows == lines:
                rows = np.arange(first, first + lines, dtype=np.int64)
            else:  # blank lines
                rows = np.array([first + k for k, line in enumerate(self._text_lines(block, first))
                                 if line.strip()], dtype=np.int64)
                if len(rows) != table.num_rows:
                    return None
            columns = {name: _floats(table.column(name)) for name in used}
            return Chunk(columns, rows, extra=table.select(list(extra)) if extra else None)

        return fast

    def _plain_lines(self, block, lines: int):
        """The block's blank lines (a boolean a line), if it has no quote and every other line has
        the header's number of fields and the block is UTF-8; else None."""
        raw = np.frombuffer(block, dtype=np.uint8)
        if not len(raw) or (raw == 34).any():  # a quote: the csv module reads the block
            return None
        ends = np.flatnonzero(raw == 10)
        if len(ends) < lines:  # the last line has no line break
            ends = np.append(ends, len(raw))
        starts = np.concatenate(([0], ends[:-1] + 1))
        commas = np.flatnonzero(raw == 44)
        fields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
        length = ends - starts
        cr = length > 0
        cr[cr] = raw[ends[cr] - 1] == 13
        blank = (length - cr) == 0
        if not ((fields == len(self.columns)) | blank).all():
            return None
        try:
            bytes(block).decode("utf-8")
        except UnicodeDecodeError:
            return None
        return blank

    def _numpy_reader(self, used_cols, extra_cols):
        """orjson on a block of numbers only (csv_numbers), else numpy's loadtxt on a block without
        quotes whose every line has the header's number of fields (or none: a blank line); anything
        else is left to the line-by-line reader."""
        ncols = len(self.columns)

        def fast(block, first, lines, used, extra) -> Optional[Chunk]:
            if not extra:
                data = read_numbers(bytes(block), lines, ncols)
                if data is not None:
                    return Chunk({name: np.ascontiguousarray(data[:, c]) for name, c in zip(used, used_cols)},
                                 np.arange(first, first + lines, dtype=np.int64))
            blank = self._plain_lines(block, lines)
            if blank is None:
                return None
            try:
                data = np.loadtxt(io.StringIO(bytes(block).decode("utf-8")), delimiter=",", dtype=np.float64,
                                  comments=None, usecols=used_cols, ndmin=2, encoding=None)
            except ValueError:
                return None
            rows = np.arange(first, first + lines, dtype=np.int64)
            if blank.any():
                rows = rows[~blank]
            if len(data) != len(rows):
                return None
            columns = {name: np.ascontiguousarray(data[:, k]) for k, name in enumerate(used)}
            cells = None
            if extra:
                kept = [line.split(",") for line in self._text_lines(block, first) if line]
                kept = [row for row in kept if len(row) == ncols]
                cells = Cells({name: [row[c] for row in kept] for name, c in zip(extra, extra_cols)})
            return Chunk(columns, rows, extra=cells)

        return fast

    def _polars_reader(self, used_cols, extra_cols):
        """polars' parser (every core) on a block of plain lines: no quote, UTF-8, and polars reads
        every row with no cell missing (it refuses a row with too many fields and reads a blank line
        or a missing last field as null, so the last column is read too).  A block with a null, or
        with passed-through columns, goes to numpy's path (which counts the fields itself), a block
        polars refuses to the line-by-line reader, which says which line and why.  polars reads the
        numbers Python's float reads and refuses the rest (tests/test_batch_engines.py)."""
        pl = polars("--csv-engine polars")
        numpy_fast = self._numpy_reader(used_cols, extra_cols)
        last = len(self.columns) - 1
        projected = sorted(set(used_cols) | {last})
        schema = {name: pl.String for name in self.columns}

        def fast(block, first, lines, used, extra) -> Optional[Chunk]:
            if extra:
                return numpy_fast(block, first, lines, used, extra)
            data = bytes(block)
            if b'"' in data:
                return None
            if not data.isascii():
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    return None
            schema.update({name: pl.Float64 for name in used})
            try:
                frame = pl.read_csv(data, has_header=False, schema=schema, columns=projected, quote_char=None)
            except pl.exceptions.PolarsError:
                return None
            if frame.height != lines or any(frame.null_count().row(0)):
                return numpy_fast(block, first, lines, used, extra)  # a blank line or an empty cell
            return Chunk({name: frame[name].to_numpy() for name in used},
                         np.arange(first, first + lines, dtype=np.int64))

        return fast

    def _slow(self, block, first, used, used_cols, extra, extra_cols) -> Chunk:
        ncols = len(self.columns)

        def parse(line):
            try:
                fields = next(csv.reader([line]))
            except csv.Error as e:
                raise ValueError(f"cannot be read as CSV ({e})") from None
            if len(fields) != ncols:
                raise ValueError(f"has {len(fields)} field{'s' if len(fields) != 1 else ''}, "
                                 f"the header has {ncols}")
            row = []
            for c, name in zip(used_cols, used):
                try:
                    row.append(_number(fields[c]))
                except ValueError:
                    raise ValueError(f"{name} (column {c + 1}) is {_describe(fields[c])}, "
                                     "not a number") from None
            return row, [fields[c] for c in extra_cols]

        columns, lines, kept, bad = self._rows(block, first, used, parse)
        table = None
        if extra:
            values = {name: [r[k] for r in kept] for k, name in enumerate(extra)}
            if self.use_arrow:
                pa = arrow("the pyarrow CSV reader")
                table = pa.table({name: pa.array(v, pa.string()) for name, v in values.items()})
            else:
                table = Cells(values)
        return Chunk(columns, lines, bad, extra=table)


_NONFINITE = {"inf": float("inf"), "-inf": float("-inf"), "nan": float("nan")}


class JsonlReader(TextReader):
    """One JSON object per line; the first one's keys are the columns.  Blank lines are skipped."""

    format = "jsonl"

    def __init__(self, stream, origin, first: str, first_line: int, rest: bytes, end=None) -> None:
        super().__init__(stream, origin, first_line - 1, first.encode("utf-8") + rest, end)
        try:
            record = json.loads(first)
        except RecursionError:
            raise InputError(f"{shown(origin)}, line {first_line}: its arrays are nested too deep") from None
        except ValueError as e:
            raise InputError(f"{shown(origin)}, line {first_line}: not valid JSON ({shown(str(e))})") from None
        if not isinstance(record, dict):
            raise InputError(f"{shown(origin)}, line {first_line}: a JSON line must be an object, "
                             'like {"x": 1, "y": 2}')
        self.columns = list(record)

    @classmethod
    def part(cls, stream: BinaryIO, origin: str, columns: List[str], length: int) -> "JsonlReader":
        reader = cls.__new__(cls)
        TextReader.__init__(reader, stream, origin, 0, b"", length)
        reader.columns = list(columns)
        return reader

    def chunks(self, used, extra, size):
        def parse(line):
            row, record = _json_row(line, used)
            return row, [record.get(name) for name in extra]

        for first, block, _ in self._blocks(size):
            columns, lines, kept, bad = self._rows(block, first, used, parse)
            table = None
            if extra:
                table = Cells({name: [r[k] for r in kept] for k, name in enumerate(extra)}, from_json=True)
            yield Chunk(columns, lines, bad, block.nbytes, table)

    def extra_schema(self, extra):
        return None  # decided by the values (the writer of a columnar file takes the first block's)


def _json_row(line: str, names: list):
    try:
        record = json.loads(line)
    except RecursionError:
        raise ValueError("has arrays nested too deep") from None
    except ValueError as e:
        raise ValueError(f"is not valid JSON ({shown(str(e))})") from None
    if not isinstance(record, dict):
        raise ValueError("is not a JSON object")
    row = []
    for name in names:
        if name not in record:
            raise ValueError(f"has no key '{name}'")
        v = record[name]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            try:
                row.append(float(v))
            except OverflowError:  # an integer of hundreds of digits
                raise ValueError(f"{name} is an integer of {len(str(abs(v)))} digits, too large for a "
                                 "double") from None
        elif isinstance(v, str) and v in _NONFINITE:
            row.append(_NONFINITE[v])
        else:
            raise ValueError(f"{name} is {shown(json.dumps(v), 30)}, not a number")
    return row, record


# ---- columnar files -----------------------------------------------------------------------------


def _floats(column) -> np.ndarray:
    """A float64 column as one numpy array (ChunkedArray.to_numpy would import pandas)."""
    chunks = column.chunks
    if len(chunks) == 1:
        return chunks[0].to_numpy(zero_copy_only=False)
    return np.concatenate([c.to_numpy(zero_copy_only=False) for c in chunks]) if chunks else np.zeros(0)


def _as_floats(array, name: str, origin: str) -> np.ndarray:
    """A numeric column as float64; an integer a double cannot hold exactly (beyond 2^53) is refused."""
    pa = arrow("Parquet and Arrow IPC")
    try:
        return array.cast(pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        big = next((v for v in array.to_pylist() if isinstance(v, int) and abs(v) > 2**53), None)
        what = f"the integer {big}, beyond 2^53," if big is not None else "a value"
        raise InputError(f"{shown(origin)}: column {shown(name)} has {what} which a double cannot hold exactly",
                         "Store the column as float64 (or as smaller integers).") from None


class ColumnarReader(Reader):
    unit = "row"

    def __init__(self, origin: str, schema) -> None:
        super().__init__(origin)
        self.schema = schema
        self.columns = list(schema.names)
        twice = sorted({name for name in self.columns if self.columns.count(name) > 1})
        if twice:
            raise InputError(f"{shown(origin)}: more than one column is named {shown(twice[0])}",
                             "Give every column its own name.")

    def column_type(self, name):
        return self.schema.field(name).type

    def extra_schema(self, extra):
        pa = arrow("Parquet and Arrow IPC")
        return pa.schema([self.schema.field(n) for n in extra])

    def _chunk(self, batch, start: int, used, extra) -> Chunk:
        """Row ``start`` (from 0) is the batch's first; a null in a used column makes a bad row."""
        pa = arrow("Parquet and Arrow IPC")
        n = batch.num_rows
        rows = np.arange(start + 1, start + n + 1, dtype=np.int64)
        arrays = {name: batch.column(name) for name in used}
        bad, keep = [], None
        for name, array in arrays.items():
            if array.null_count:
                valid = np.asarray(array.is_valid().to_numpy(zero_copy_only=False))
                keep = valid if keep is None else keep & valid
        if keep is not None:
            for k in np.flatnonzero(~keep):
                name = next(nm for nm, a in arrays.items() if not a[int(k)].is_valid)
                bad.append((int(rows[k]), f"{name} is null (no value)"))
            mask = pa.array(keep)
            arrays = {name: a.filter(mask) for name, a in arrays.items()}
            rows = rows[keep]
        columns = {name: _as_floats(a, name, self.origin) for name, a in arrays.items()}
        table = None
        if extra:
            table = pa.Table.from_batches([batch.select(list(extra))])
            if keep is not None:
                table = table.filter(pa.array(keep))
        return Chunk(columns, rows, bad, n, table)


class ParquetReader(ColumnarReader):
    format = "parquet"

    def __init__(self, path: str, origin: str, row_groups: Optional[List[int]] = None) -> None:
        pa = arrow(f"reading {shown(origin)} (Parquet)")
        import pyarrow.parquet as pq

        try:
            self.file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as e:
            raise InputError(f"cannot read {shown(origin)} as Parquet: {shown(str(e), 120)}") from None
        super().__init__(origin, self.file.schema_arrow)
        meta = self.file.metadata
        self.groups = list(range(meta.num_row_groups)) if row_groups is None else row_groups
        self.starts = np.cumsum([0] + [meta.row_group(g).num_rows for g in range(meta.num_row_groups)])
        self.total = int(sum(meta.row_group(g).num_rows for g in self.groups))

    def where(self, position):
        g = int(np.searchsorted(self.starts, position - 1, side="right")) - 1
        return f"row {position} (row group {g + 1}, row {position - int(self.starts[g])})"

    def chunks(self, used, extra, size):
        for g in self.groups:
            start = int(self.starts[g])
            for batch in self.file.iter_batches(batch_size=size, row_groups=[g],
                                                columns=list(used) + list(extra)):
                yield self._chunk(batch, start, used, extra)
                start += batch.num_rows

    def close(self):
        self.file.close()


class FeatherReader(ColumnarReader):
    format = "feather"

    def __init__(self, path: str, origin: str, batches: Optional[range] = None) -> None:
        pa = arrow(f"reading {shown(origin)} (Arrow IPC, Feather)")
        self.source = pa.OSFile(path, "rb")
        try:
            try:
                self.ipc = pa.ipc.open_file(self.source)
                self.stream = False
            except pa.ArrowInvalid:
                self.source.seek(0)
                self.ipc = pa.ipc.open_stream(self.source)
                self.stream = True
        except (pa.ArrowInvalid, OSError) as e:
            self.source.close()
            raise InputError(f"cannot read {shown(origin)} as Arrow IPC (Feather): {shown(str(e), 120)}") from None
        super().__init__(origin, self.ipc.schema)
        if self.stream:
            self.parts = None
        else:
            self.parts = range(self.ipc.num_record_batches) if batches is None else batches
            self.starts = np.cumsum([0] + [self.ipc.get_batch(i).num_rows
                                           for i in range(self.ipc.num_record_batches)])
            self.total = int(sum(self.starts[i + 1] - self.starts[i] for i in self.parts))

    def _batches(self):
        if self.stream:
            start = 0
            for batch in self.ipc:
                yield start, batch
                start += batch.num_rows
        else:
            for i in self.parts:
                yield int(self.starts[i]), self.ipc.get_batch(i)

    def chunks(self, used, extra, size):
        for start, batch in self._batches():
            for k in range(0, max(batch.num_rows, 1), size):
                piece = batch.slice(k, size)
                if piece.num_rows:
                    yield self._chunk(piece, start + k, used, extra)

    def close(self):
        self.source.close()


# ---- opening ------------------------------------------------------------------------------------


def sniff(head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ARROW1") or head.startswith(b"\xff\xff\xff\xff"):
        return "feather"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return "jsonl" if text.startswith(b"{") else "csv"


def open_text(stream: BinaryIO, origin: str, fmt: Optional[str] = None) -> TextReader:
    """CSV or JSON lines from a binary stream: the first non-blank line is the header (CSV) or the
    first record (JSON lines, told apart by its '{' when ``fmt`` does not say)."""
    buf, line, start = b"", 0, 0
    while True:
        end = buf.find(b"\n", start)
        if end < 0:
            more = stream.read(1 << 16)
            if more:
                buf += more
                continue
            end = len(buf)
            if start >= end:
                break
        raw = buf[start:end + 1]
        line += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{shown(origin)}, line {line} is not UTF-8 text") from None
        if line == 1 and text.startswith("\ufeff"):
            text = text[1:]
        if text.strip():
            rest = buf[end + 1:]
            text = text.rstrip("\r\n")
            if (fmt or ("jsonl" if text.lstrip().startswith("{") else "csv")) == "jsonl":
                reader = JsonlReader(stream, origin, text + "\n", line, rest)
                reader.data_start, reader.data_line = start, line - 1  # byte and line before the rows
            else:
                reader = CsvReader(stream, origin, text, line, rest)
                reader.data_start, reader.data_line = end + 1, line
            return reader
        start = end + 1
    raise InputError(f"{shown(origin)} is empty",
                     "Give a CSV file with a header row naming the inputs, or JSON lines.")


def open_reader(path: str, stream: Optional[BinaryIO] = None, fmt: Optional[str] = None,
                origin: Optional[str] = None, csv_engine: str = "auto") -> Reader:
    """A reader for a file (or a binary stream such as standard input), its format from ``fmt``, else
    the file's suffix, else its first bytes.  ``csv_engine`` (CSV_ENGINES) says who parses CSV."""
    origin = origin or path
    by_name = stream is None
    if csv_engine == "pyarrow":
        arrow("--csv-engine pyarrow")
    if csv_engine == "polars":
        polars("--csv-engine polars")
    if stream is None:
        fmt = fmt or format_of(path)
        stream = None
        if fmt is None:  # its first bytes say, peeked at: a pipe (-i <(...)) can be read only once
            stream = _open(path, origin)
            fmt = sniff(stream.peek(8)[:8])
        if fmt in ("parquet", "feather"):
            if stream is not None:
                stream.close()
            return ParquetReader(path, origin) if fmt == "parquet" else FeatherReader(path, origin)
        if stream is None:
            stream = _open(path, origin)
    elif fmt in ("parquet", "feather"):
        raise InputError(f"{fmt} can't be read from standard input", "Give the file's name with -i.")
    try:
        reader = open_text(stream, origin, fmt)
    except BaseException:
        stream.close()
        raise
    try:
        st = os.fstat(stream.fileno())
        reader.total = st.st_size or None
        if by_name and stat.S_ISREG(st.st_mode):
            reader.path = path  # a regular file, which polars may read by itself (stream.py)
    except (OSError, ValueError, AttributeError, io_unsupported()):
        reader.total = None
    reader.close = stream.close
    if isinstance(reader, CsvReader):
        if csv_engine == "auto" and reader.total is None and reader.ends_within(ARROW_FROM_BYTES):
            reader.total = len(reader.buffer)  # a small stream (`... | backprop batch -i -`)
        if csv_engine != "auto":
            reader.use_arrow = csv_engine == "pyarrow"
            reader.use_polars = csv_engine == "polars"
        elif reader.total is not None and reader.total < ARROW_FROM_BYTES:
            reader.use_arrow = False  # a small file: not worth importing pyarrow (0.15 s) or polars
        elif len(reader.columns) > ARROW_MAX_COLUMNS:
            reader.use_arrow = False
        elif have_polars():
            reader.use_polars, reader.use_arrow = True, False
    return reader


def io_unsupported():
    import io

    return io.UnsupportedOperation


def _open(path: str, origin: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"cannot read {shown(origin)}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {shown(origin)}: it is a directory") from None
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        raise InputError(f"cannot read {shown(origin)}: {getattr(e, 'strerror', None) or e}") from None


assert set(SUFFIXES.values()) <= set(FORMATS)
