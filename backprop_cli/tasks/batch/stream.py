"""A clean CSV file end to end in polars' streaming engine: read, evaluate, write, as one query.

The usual loop (chunks.run) reads a block, evaluates it and hands it to a writer; with the data extra
each read and each write is a polars call of its own, 48 of them for 1M rows, and the reads and
writes contend for one thread pool.  Here polars reads the file, calls ``chunks.evaluate`` on each
morsel (from its own threads, in any order: each row carries its index) and writes the rows in
order, as one query on every core.

Only what has nothing to report is streamed: a regular file whose every column is an input,
written to a file batch owns (a temporary name, renamed at the end).  When polars meets a cell it
will not read (a quote, a blank line, a missing or extra field, text), or a row is bad with
--skip-bad, ``run`` returns None: the caller cuts off what was written and the usual loop reads the
file again and says what it says.  Without --skip-bad the first bad row (of every row, whatever
order the morsels came in) ends the run here, with the usual loop's message.
"""

from __future__ import annotations

import os
import threading
from typing import Optional

import numpy as np

from ...base.files import Writeback, named_errors
from ...core import vectorized
from .cells import polars
from .chunks import Evaluated, Plan, Summary, bad_row, evaluate, note_nonfinite_gradients, output_names
from .read import Chunk, CsvReader
from .write import polars_writes_csv_numbers

#: the row index's column: not a name a CSV header may give (names are identifiers)
ROW = "#row"
#: bytes of the file polars parses at a time (its POLARS_CSV_CHUNK_SIZE, unless that is set)
CHUNK_BYTES = 4 * 2**20


def can_stream(reader, plan: Plan, out_format: str, stream, csv_engine: str) -> bool:
    """Whether ``reader``'s rows may go through ``run``: the polars engine on a CSV file opened by
    name (not standard input, a pipe or a partition), every column an input read from the file, CSV
    out to a file of our own (it can be cut back), fewer than 2**32 rows (polars' row index)."""
    if not (csv_engine == "polars" and out_format == "csv" and isinstance(reader, CsvReader)
            and reader.use_polars and reader.path and reader.header_line > 0):
        return False
    if plan.extra or plan.dropped or plan.overridden or set(plan.from_file) != set(reader.columns):
        return False
    if not (isinstance(stream, named_errors) and stream.seekable()):
        return False
    if (reader.total or 0) >= 2 * len(reader.columns) * 2**32:  # a row takes 2 bytes a column at least
        return False
    return polars_writes_csv_numbers()


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.summary = Summary()
        self.first_bad = None  # (line, why, hint) of the first bad row found: the run's error
        self.give_up = False  # the usual loop must read the file
        self.error: Optional[BaseException] = None  # an unexpected one, raised after the query
        self.ended = False
        self.advanced = 0.0  # bytes the progress bar was advanced by (an estimate)


def run(graph, reader: CsvReader, stream, plan: Plan, *, chunk_size: int, skip_bad: bool,
        allow_nonfinite: bool, progress=None) -> Optional[Summary]:
    """Every row of ``reader``'s file evaluated and written to ``stream`` (after what it holds); None
    when the usual loop must do it (what was written is then to be cut off by the caller)."""
    pl = polars("--csv-engine polars")
    names = output_names(graph)
    size = vectorized.rows_for(graph, chunk_size)
    first_line = reader.header_line + 1
    per_row = _bytes_per_row(reader)
    state = _State()
    empty = pl.DataFrame(schema={name: pl.Float64 for name in names})

    def evaluate_morsel(frame):
        with state.lock:
            if state.ended:  # a task of a query that has failed
                return empty
            try:
                return _evaluate(frame) if frame.height else empty
            except BaseException as error:  # noqa: B902 - raised again in the caller's thread
                state.error = state.error or error
                return empty

    def _evaluate(frame):
        index = frame[ROW].to_numpy()
        lines = index.astype(np.int64) + first_line
        if state.give_up or state.error is not None or (state.first_bad and lines[0] > state.first_bad[0]):
            return empty  # what comes after the first bad row is never written
        if _has_nulls(frame):  # a blank line, a missing cell
            state.give_up = True
            return empty
        columns = {name: frame[name].to_numpy() for name in plan.from_file}
        parts = [evaluate(graph, plan, Chunk({k: v[start:start + size] for k, v in columns.items()},
                                             lines[start:start + size]), allow_nonfinite)
                 for start in range(0, len(lines), size)]
        bad = [b for part in parts for b in part.bad]
        if bad:
            if skip_bad:
                state.give_up = True
            else:
                first = min(bad)
                if state.first_bad is None or first[0] < state.first_bad[0]:
                    state.first_bad = first
            return empty
        good = parts[0] if len(parts) == 1 else _joined(parts)
        summary = state.summary
        summary.seen += len(lines)
        summary.rows += len(good.lines)
        note_nonfinite_gradients(summary, good.columns[len(graph.inputs) + 1:], good.lines)
        if progress is not None:
            state.advanced += len(lines) * per_row
            progress(len(lines) * per_row, len(lines))
        # a nan is written as a null, which the sink writes as csv_number writes nan
        return pl.DataFrame([pl.Series(name, np.ascontiguousarray(values, dtype=np.float64), nan_to_null=True)
                             for name, values in zip(names, good.columns)])

    schema = {name: pl.Float64 for name in reader.columns}
    if not _plain_head(pl, reader, schema):
        return None
    # polars reads a file in chunks sized by the file (memory grew with it: 0.33 GB for 180 MB,
    # 0.43 GB for 540 MB); chunks of a fixed size keep it bounded at about the same speed
    os.environ.setdefault("POLARS_CSV_CHUNK_SIZE", str(CHUNK_BYTES))
    query = pl.scan_csv(_source(reader), has_header=False, skip_lines=reader.header_line, schema=schema,
                        quote_char=None, row_index_name=ROW, encoding="utf8")
    query = query.map_batches(evaluate_morsel, schema={name: pl.Float64 for name in names}, streamable=True)
    stream.flush()
    sink = _Sink(stream)
    try:
        failed = _in_a_thread(lambda: query.sink_csv(sink, include_header=False, null_value="nan"))
    finally:
        sink.close()
        with state.lock:
            state.ended = True
    if state.error is not None:
        raise state.error
    if sink.error is not None:
        raise sink.error
    if failed is not None:
        if isinstance(failed, (KeyboardInterrupt, OSError)) or not _polars_refused(pl, failed):
            raise failed
        return None  # a cell polars would not read: the usual loop says which, or skips it
    if state.give_up:
        return None
    if state.first_bad is not None:
        raise bad_row(reader, *state.first_bad)
    if progress is not None and reader.total:  # the bar's estimate made whole
        progress(max(0.0, reader.total - getattr(reader, "data_start", 0) - state.advanced), 0)
    return state.summary


class _Sink:
    """The output as polars writes it (a few MB a call).  The disk is started on every 8 MB
    (files.Writeback), so that the fsync before the rename has little left to wait for.  Once
    ``close`` returns nothing more is written: a query that failed returns while some of its tasks
    may still be writing, and what they write must not land after the caller cut the file back."""

    EVERY = 8 * 2**20

    def __init__(self, stream) -> None:
        self.stream = stream
        self.writeback = Writeback(stream)
        self.pending = 0
        self.lock = threading.Lock()
        self.closed = False
        self.error: Optional[BaseException] = None  # the first write's error (a full disk)

    def write(self, data) -> int:
        with self.lock:
            if self.closed:
                raise ValueError("the query has ended")
            try:
                written = self.stream.write(data)
                self.pending += len(data)
                if self.pending >= self.EVERY:
                    self.writeback()
                    self.pending = 0
            except BaseException as error:  # noqa: B902 - polars words it as its own: raised as it was
                self.error = self.error or error
                raise
            return written

    def close(self) -> None:
        with self.lock:
            self.closed = True

    def flush(self) -> None:
        with self.lock:
            if not self.closed:
                self.stream.flush()


def _in_a_thread(work) -> Optional[BaseException]:
    """``work()`` in a thread of its own, the caller waiting where a signal reaches it: a query in the
    main thread would hold SIGTERM until it ends.  Returns what ``work`` raised; an interrupt of the
    wait is raised (the process then ends, and with it the thread)."""
    outcome = []
    finished = threading.Event()

    def target():
        try:
            work()
        except BaseException as error:  # noqa: B902 - handed to the caller
            outcome.append(error)
        finally:
            finished.set()

    threading.Thread(target=target, name="polars-stream", daemon=True).start()
    while not finished.wait(0.25):
        pass
    return outcome[0] if outcome else None


def _polars_refused(pl, error: BaseException) -> bool:
    """Whether ``error`` is polars refusing the input (a cell it will not parse, a ragged row), or
    polars failing in itself (a panic): the usual loop reads the file then."""
    return isinstance(error, pl.exceptions.PolarsError) or type(error).__name__ == "PanicException"


def _plain_head(pl, reader: CsvReader, schema: dict) -> bool:
    """Whether polars reads the lines read ahead (up to 64 KB) as plain numbers.  A query that meets
    a cell polars will not parse still reads the whole file before it fails: a file whose first
    lines are awkward (quotes, text, blank lines) goes straight to the usual loop."""
    ahead = bytes(reader.buffer[:2**20])
    head = ahead[:ahead.rfind(b"\n") + 1] or ahead
    if not head:
        return True
    try:
        frame = pl.read_csv(head, has_header=False, schema=schema, quote_char=None, encoding="utf8")
    except pl.exceptions.PolarsError:
        return False
    return not _has_nulls(frame)


def _has_nulls(frame) -> bool:
    """Whether polars read an empty cell: a blank line, a missing field, an empty one."""
    return any(column.null_count() for column in frame.get_columns())


def _source(reader: CsvReader) -> str:
    """The file ``reader`` reads, by its open descriptor where /proc has it (the very file, even if
    the name was given to another since), else by its name."""
    try:
        path = f"/proc/self/fd/{reader.stream.fileno()}"
        if os.path.exists(path):
            return path
    except (AttributeError, OSError, ValueError):
        pass
    return reader.path


def _bytes_per_row(reader: CsvReader) -> float:
    """The progress bar counts bytes: a row's bytes on average, from the lines read ahead."""
    ahead = reader.buffer
    lines = ahead.count(b"\n")
    return len(ahead) / lines if lines else float(len(ahead) or 1)


def _joined(parts) -> Evaluated:
    return Evaluated(np.concatenate([p.lines for p in parts]),
                     [np.concatenate(columns) for columns in zip(*(p.columns for p in parts))], None, [])
