"""Writing batch results: CSV and JSON lines as text, Parquet and Arrow IPC (Feather) as columns.

Every writer takes blocks: a float64 array (rows x the output columns) and, optionally, the columns
passed through from the input (same rows: a pyarrow table, or ``Cells`` from a text file read without
pyarrow).  They write to a binary stream.

CSV numbers are the shortest text that reads back as the same double, laid out as polars writes
them (``cells.csv_number``: Python's repr, but ``0.0000179`` and ``1.5e-7`` below 1e-4), whichever
engine writes them: polars writes a block in one call (the data extra); pyarrow formats a column in
bulk and the cells where its layout differs are rewritten; numpy's path (the default install) has
orjson write a block of numbers (csv_numbers), and formats anything else with ``%s`` (repr),
rewriting the cells below 1e-4.  Parquet and Arrow IPC need pyarrow.
"""

from __future__ import annotations

import json
import os
from typing import BinaryIO, List, Optional

import numpy as np

from ...base.numbers import json_value
from .cells import LAYOUT_PROBE, Cells, TextSchema, arrow, csv_number, have_arrow, polars
from .csv_numbers import write_numbers

#: below this many rows a block is formatted by Python's % (no per-column overhead).
SMALL_BLOCK = 512

TEXT_FORMATS = ("csv", "jsonl")
COLUMNAR_FORMATS = ("parquet", "feather")
FORMATS = TEXT_FORMATS + COLUMNAR_FORMATS


def float_text(values: np.ndarray):
    """Each double as ``csv_number`` writes it, as a pyarrow string array."""
    pa = arrow("pyarrow's CSV writing")
    import pyarrow.compute as pc

    text = pc.cast(pa.array(values, pa.float64()), pa.string())
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        scientific = (size >= 1e16) | ((size < 1e-5) & (size != 0))  # where csv_number uses e
        # pyarrow: integers without '.0', 1e-6 <= |x| < 1e-5 positional, else its e where csv_number's is
        differs = ((size < 1e-5) & (size >= 1e-6)) | ((size < 1e16) & (values == np.trunc(values)))
    differs |= np.asarray(pc.match_substring(text, "e"), dtype=bool) != scientific
    rows = np.flatnonzero(differs)
    if len(rows):
        fixed = pa.array([csv_number(v) for v in values[rows].tolist()], pa.string())
        text = pc.replace_with_mask(text, pa.array(differs), fixed)
    return text


_POLARS_LAYOUT = []


def polars_writes_csv_numbers() -> bool:
    """Whether the installed polars writes numbers as csv_number does (polars 1.0 wrote 1e16 as
    1e16, for one): if not, its engine still reads, and numpy's path writes."""
    if not _POLARS_LAYOUT:
        pl = polars("polars' CSV writing")
        written = pl.DataFrame({"a": LAYOUT_PROBE}).write_csv(None, include_header=False).splitlines()
        _POLARS_LAYOUT.append(written == [csv_number(v) for v in LAYOUT_PROBE])
    return _POLARS_LAYOUT[0]


def csv_cell_text(column):
    """A passed-through column (pyarrow) as CSV cells: its text, quoted where it holds , " or a line
    break."""
    pa = arrow("pyarrow's CSV writing")
    import pyarrow.compute as pc

    if pa.types.is_floating(column.type):
        filled = column.fill_null(np.nan) if column.null_count else column
        text = float_text(filled.to_numpy(zero_copy_only=False).astype(np.float64))
        if column.null_count:
            text = pc.if_else(pc.is_null(column), pa.scalar("", pa.string()), text)
        return text
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        text = column.cast(pa.string())
    else:
        try:
            text = pc.cast(column, pa.string())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            text = pa.array([None if v is None else json.dumps(v, default=str) for v in column.to_pylist()],
                            pa.string())
    text = pc.fill_null(text, "")
    needs = pc.match_substring_regex(text, '[,"\r\n]')
    if pc.any(needs).as_py():
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        text = pc.if_else(needs, quoted, text)
    return text


def _text_bytes(array) -> memoryview:
    """The characters of a string array, back to back (its data buffer between the first and last
    offsets)."""
    array = array.combine_chunks() if hasattr(array, "combine_chunks") else array
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=len(array) + 1,
                            offset=array.offset * 4)
    data = array.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]):int(offsets[-1])]


def _arrow_table(extra):
    """Passed-through columns as a pyarrow table (Cells are converted)."""
    return extra.to_arrow() if isinstance(extra, Cells) else extra


class CsvWriter:
    """CSV rows of numbers (after the passed-through cells), formatted by ``engine``: "polars" (one
    call a block, on every core), "pyarrow" (a column at a time, in a background thread) or "numpy"
    (orjson on a block of finite numbers, else Python's %); None: pyarrow if it is installed.  Every
    engine writes the same bytes."""

    def __init__(self, out: BinaryIO, names: List[str], extra_names: List[str] = (),
                 engine: Optional[str] = None) -> None:
        self.out = out
        self.engine = engine or ("pyarrow" if have_arrow() else "numpy")
        self.k = len(names)
        self.extra_names = list(extra_names)
        header = [_csv_header_cell(n) for n in self.extra_names] + list(names)
        self.row = ",".join(["%s"] * (len(self.extra_names) + self.k)) + "\n"
        self.template = ("", 0)
        self.pool = self.pending = None
        self.writeback = None
        out.write((",".join(header) + "\n").encode("utf-8"))

    def write(self, block: np.ndarray, extra=None) -> None:
        n = len(block)
        if not n:
            return
        plain = extra is None or not extra.num_columns
        if n < SMALL_BLOCK or not (self.engine == "pyarrow" or self.engine == "polars" and plain):
            self.drain()
            self.out.write(self._text(block, extra))
            if n >= SMALL_BLOCK:
                self._written()
            return
        # A big block is formatted and written by a background thread (pyarrow's casts and joins,
        # and polars' writer, release the GIL) while the next block is read and computed; at most
        # two wait.
        if self.pending is None:
            from collections import deque
            from concurrent.futures import ThreadPoolExecutor

            self.pool, self.pending = ThreadPoolExecutor(1, thread_name_prefix="csv-writer"), deque()
        while len(self.pending) >= 2:
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(self._polars if self.engine == "polars" else self._bulk, block, extra))

    def drain(self) -> None:
        """Wait until every block given is written (and raise the error of one that failed)."""
        if self.pending:
            try:
                while self.pending:
                    self.pending.popleft().result()
            finally:
                self.pending.clear()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
                self.pool, self.pending = None, None

    def _polars(self, block: np.ndarray, extra=None) -> None:
        if not polars_writes_csv_numbers():
            self.out.write(self._text(block, extra))
            return
        self._polars_block(block)

    def _polars_block(self, block: np.ndarray) -> None:
        """The block written by polars, whose layout ``csv_number`` follows; polars writes nan as
        NaN, so a column holding one (--allow-nonfinite) is written as text."""
        pl = polars("polars' CSV writing")
        columns = []
        for j in range(self.k):
            column = pl.Series(f"c{j}", np.ascontiguousarray(block[:, j]))
            if column.is_nan().any():
                column = column.cast(pl.String).str.replace("NaN", "nan", literal=True)
            columns.append(column)
        pl.DataFrame(columns).write_csv(self.out, include_header=False)
        self._written()

    def _written(self) -> None:
        """A big block is out: the disk may start on it (files.Writeback)."""
        if self.writeback is None:
            from ...base.files import Writeback

            self.writeback = Writeback(self.out)
        self.writeback()

    def _bulk(self, block: np.ndarray, extra) -> None:
        import pyarrow.compute as pc

        extra = _arrow_table(extra)
        cells = [csv_cell_text(extra.column(k).combine_chunks()) for k in range(extra.num_columns)] if extra else []
        cells += [float_text(np.ascontiguousarray(block[:, j])) for j in range(self.k)]
        rows = pc.binary_join_element_wise(*cells, ",") if len(cells) > 1 else cells[0]
        lines = pc.binary_join_element_wise(rows, "\n", "")
        self.out.write(_text_bytes(lines))
        self._written()

    def _text(self, block: np.ndarray, extra) -> bytes:
        """The block as CSV lines, formatted in this thread: by orjson (csv_numbers) if the block is
        numbers only, all finite; else by Python's % (repr)."""
        n = len(block)
        plain = extra is None or not extra.num_columns
        if plain:
            text = write_numbers(block)
            if text is not None:
                return text
        numbers = _numbers(block)
        if plain:
            if self.template[1] != n:
                self.template = (self.row * n, n)
            return (self.template[0] % tuple(numbers)).encode("utf-8")
        if isinstance(extra, Cells):
            texts = [extra.csv_texts(k) for k in range(extra.num_columns)]
        else:
            texts = [csv_cell_text(extra.column(k).combine_chunks()).to_pylist() for k in range(extra.num_columns)]
        k = self.k
        return "".join(self.row % (*(t[r] for t in texts), *numbers[r * k:(r + 1) * k])
                       for r in range(n)).encode("utf-8")


def _numbers(block: np.ndarray) -> list:
    """The block's doubles row by row, for ``%s`` (repr), with those below 1e-4 as ``csv_number``
    text (written out here, without a call a number: there may be many)."""
    numbers = block.ravel().tolist()
    with np.errstate(invalid="ignore"):
        size = np.abs(block).ravel()
        tiny = np.flatnonzero((size < 1e-4) & (size != 0))
    if not len(tiny):
        return numbers
    positional = size[tiny] >= 1e-5  # repr: d.ddde-05 or -d.ddde-05
    for i, t, p in zip(tiny.tolist(), map(repr, block.ravel()[tiny].tolist()), positional.tolist()):
        if p:
            numbers[i] = "-0.0000" + t[1:-4].replace(".", "") if t[0] == "-" else "0.0000" + t[:-4].replace(".", "")
        else:
            numbers[i] = t.replace("e-0", "e-")
    return numbers


def _csv_header_cell(name: str) -> str:
    if any(c in name for c in ',"\r\n'):
        return '"' + name.replace('"', '""') + '"'
    return name


class JsonlWriter:
    def __init__(self, out: BinaryIO, names: List[str], extra_names: List[str] = ()) -> None:
        self.out = out
        self.names = names
        self.extra_names = list(extra_names)
        self.row = "{" + ", ".join(f"{json.dumps(n)}: %r" for n in names) + "}\n"
        self.template = ("", 0)

    def write(self, block: np.ndarray, extra=None) -> None:
        n = len(block)
        if not n:
            return
        if (extra is None or not extra.num_columns) and np.isfinite(block).all():
            if self.template[1] != n:
                self.template = (self.row * n, n)
            self.out.write((self.template[0] % tuple(block.ravel().tolist())).encode("utf-8"))
            return
        # Strict JSON: non-finite numbers as strings, row by row (rare: --allow-nonfinite).
        if isinstance(extra, Cells):
            extras = [extra.json_values(k) for k in range(extra.num_columns)]
        else:
            extras = [extra.column(k).to_pylist() for k in range(extra.num_columns)] if extra else []
        lines = []
        for r, row in enumerate(block.tolist()):
            record = {name: _json_cell(values[r]) for name, values in zip(self.extra_names, extras)}
            record.update(zip(self.names, map(json_value, row)))
            lines.append(json.dumps(record, allow_nan=False, default=str) + "\n")
        self.out.write("".join(lines).encode("utf-8"))


def _json_cell(value):
    if isinstance(value, float):
        return json_value(value)
    return value


class _ColumnarWriter:
    def __init__(self, out: BinaryIO, names: List[str], extra_schema=None) -> None:
        pa = arrow("Parquet and Arrow IPC")
        if isinstance(extra_schema, TextSchema):
            extra_schema = extra_schema.to_arrow()
        self.out = out
        self.names = names
        fields = list(extra_schema) if extra_schema is not None else []
        self.extra_names = [f.name for f in fields]
        self.schema = pa.schema(fields + [pa.field(n, pa.float64()) for n in names])
        self.writer = None
        self.native = None
        self.sink = out

    def _sink(self):
        """Arrow's own file on the same path when there is one: writing through a Python file object
        takes the GIL for every page.  (The caller's handle then only syncs and renames the file.)"""
        name = getattr(self.out, "name", None)
        if self.native is None and isinstance(name, str) and os.path.isfile(name):
            self.native = arrow("Parquet and Arrow IPC").OSFile(name, "wb")
            self.sink = self.native
        return self.sink

    def table(self, block: np.ndarray, extra):
        pa = arrow("Parquet and Arrow IPC")
        extra = _arrow_table(extra)
        arrays = [extra.column(k).cast(self.schema.field(k).type) for k in range(extra.num_columns)] if extra else []
        arrays += [pa.array(np.ascontiguousarray(block[:, j])) for j in range(len(self.names))]
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def write(self, block: np.ndarray, extra=None) -> None:
        if len(block):
            self._writer().write_table(self.table(block, extra))

    def close(self) -> None:
        self._writer().close()  # an empty input still gives a file with the columns
        if self.native is not None:
            self.native.close()


class ParquetWriter(_ColumnarWriter):
    def _writer(self):
        if self.writer is None:
            import pyarrow.parquet as pq

            # Dictionary encoding only for passed-through columns: computed doubles rarely repeat.
            self.writer = pq.ParquetWriter(self._sink(), self.schema, use_dictionary=self.extra_names or False)
        return self.writer


class FeatherWriter(_ColumnarWriter):
    def _writer(self):
        if self.writer is None:
            self.writer = arrow("Arrow IPC").ipc.new_file(self._sink(), self.schema)
        return self.writer


def open_writer(fmt: str, out: BinaryIO, names: List[str], extra_schema, csv_engine: str = "auto"):
    """A writer of ``fmt``; ``extra_schema`` (a pyarrow schema, a TextSchema, or None) names the
    passed-through columns."""
    extra_names = list(extra_schema.names) if extra_schema is not None else []
    if fmt == "csv":
        return CsvWriter(out, names, extra_names, None if csv_engine == "auto" else csv_engine)
    if fmt == "jsonl":
        return JsonlWriter(out, names, extra_names)
    if fmt == "parquet":
        return ParquetWriter(out, names, extra_schema)
    return FeatherWriter(out, names, extra_schema)
