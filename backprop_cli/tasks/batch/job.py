"""A batch job from end to end: which files are read, where results go, and the local engine's run.

One input, or several (a directory, a glob): their results go to one output (``-o out.csv``, or
standard output), or with ``-o DIR/`` to one file per input in DIR, named after the input.  Every
file is written through ``files.atomic_write``: an interrupted or failed run leaves what was there.
A CSV file that can stream through polars' engine (stream.py) does, else (or when it hands the file
back) the usual loop (chunks.run) reads it a block at a time.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Callable, List, Mapping, Optional

from ...base.errors import InputError
from ...base.files import output_file
from . import chunks as batch
from . import stream as streaming
from .cells import arrow, have_arrow
from .lazy_writer import LazyWriter
from .read import CsvReader, expand_inputs, format_of, open_reader, shown, Reader
from .write import COLUMNAR_FORMATS

EXTENSIONS = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet", "feather": ".feather"}


@dataclass
class Job:
    source_inputs: List[str]
    out_path: str = "-"
    in_format: Optional[str] = None
    out_format: Optional[str] = None
    chunk_size: int = batch.DEFAULT_CHUNK
    skip_bad: bool = False
    allow_nonfinite: bool = False
    rejects_path: Optional[str] = None
    at: Mapping[str, float] = field(default_factory=dict)
    csv_engine: str = "auto"  # read.CSV_ENGINES: who reads and writes CSV

    @property
    def per_file(self) -> bool:
        """One output per input, into the directory -o names."""
        return self.out_path != "-" and (os.path.isdir(self.out_path) or self.out_path.endswith(("/", os.sep)))


@dataclass
class FileResult:
    origin: str
    unit: str
    summary: batch.Summary


def resolve(input_path: str) -> List[str]:
    return expand_inputs(input_path)


def open_input(path: str, fmt: Optional[str], csv_engine: str = "auto") -> Reader:
    if path == "-":
        return open_reader("-", stream=sys.stdin.buffer, fmt=fmt, origin="<stdin>", csv_engine=csv_engine)
    return open_reader(path, fmt=fmt, csv_engine=csv_engine)


def check_output_format(job: "Job", readers: List[Reader]) -> None:
    """A columnar output needs the data extra: say so before any row is read."""
    for reader in readers if job.per_file else readers[:1]:
        fmt = job.out_format or (None if job.per_file else format_of(job.out_path)) or reader.format
        if fmt in COLUMNAR_FORMATS:
            arrow(f"writing {'Parquet' if fmt == 'parquet' else 'Arrow IPC (Feather)'}")


def check_outputs(job: Job, readers: List[Reader]) -> None:
    """Refuse a run that would write over one of its inputs (named, found by a glob or in a directory,
    reached through a link, or arriving on standard input: `-i - -o f < f`), or write two of its
    outputs (-o, --rejects, the files of -o DIR/) to one file.  Checked before anything is written."""
    outputs = []
    if job.per_file:
        for reader, path in zip(readers, job.source_inputs):
            outputs.append(("-o", output_for(job, path, job.out_format or reader.format)))
    elif job.out_path != "-":
        outputs.append(("-o", job.out_path))
    if job.rejects_path:
        outputs.append(("--rejects", job.rejects_path))
    inputs = {}
    for path in job.source_inputs:
        key = _identity(path)
        if key is not None:
            inputs.setdefault(key, path)
    seen = {}
    for option, path in outputs:
        key = _identity(path)
        if key is None:
            continue
        if key in inputs:
            given = job.out_path if option == "-o" else path
            source = inputs[key]
            what = "standard input" if source == "-" else f"the input file {shown(source)}"
            raise InputError(f"{option} {shown(given)} would write over {what}: batch never writes over "
                             "its inputs", "Write to another file or directory.")
        if key in seen:
            first, first_path = seen[key]
            raise InputError(f"{first} {shown(first_path)} and {option} {shown(path)} are one file: "
                             "two outputs of a run must differ", "Give each output its own file.")
        seen[key] = (option, path)


def _identity(path: str):
    """What a path names, to tell whether two names are one file: (device, inode) of an existing
    regular file, the resolved path of one still to be made; None for standard output, a device or
    a FIFO (written in place, never replaced)."""
    import stat

    try:
        st = os.fstat(sys.stdin.fileno()) if path == "-" else os.stat(path)
    except FileNotFoundError:
        return ("path", os.path.realpath(path))
    except (OSError, ValueError, AttributeError):
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def output_for(job: Job, path: str, fmt: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(job.out_path, stem + EXTENSIONS[fmt])


BINARY_FORMATS = ("parquet", "feather")


def on_a_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def check_terminal(job: Job, readers: List[Reader]) -> None:
    """Refuse to write Parquet or Arrow to a terminal (standard output, or -o /dev/tty), as gzip
    refuses compressed data."""
    if job.per_file:
        return
    if job.out_path == "-":
        if not on_a_terminal(sys.stdout):
            return
        fmt = job.out_format or readers[0].format
    else:
        if not _names_a_terminal(job.out_path):
            return
        fmt = job.out_format or format_of(job.out_path) or readers[0].format
    if fmt in BINARY_FORMATS:
        raise InputError(f"{fmt} is binary: batch will not write it to a terminal",
                         "Give -o FILE, pipe it (| ...), or choose --format csv or jsonl.")


def standard_output():
    """Standard output's bytes; on a terminal, with control characters in the data escaped (a cell
    or a column name holding an escape sequence must not retitle or clear it).  A pipe or a file
    gets the data unchanged."""
    stream = sys.stdout.buffer
    return TerminalText(stream) if on_a_terminal(sys.stdout) else stream


def _names_a_terminal(path: str) -> bool:
    """Whether ``path`` is a terminal (a character device that says it is one when opened)."""
    import stat

    try:
        if not stat.S_ISCHR(os.stat(path).st_mode):
            return False
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        return os.isatty(fd)
    finally:
        os.close(fd)


class TerminalText:
    """A binary stream to a terminal: UTF-8 text written with ``escape_controls`` applied (line breaks
    and tabs kept), decoded incrementally so that a character split between two writes stays whole."""

    def __init__(self, stream) -> None:
        import codecs

        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def write(self, data) -> int:
        from ...base.text import escape_controls

        text = self.decoder.decode(bytes(data))
        self.stream.write(escape_controls(text).encode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


class Output:
    """Where a run's rows go: standard output, or a file written to a temporary name and renamed."""

    def __init__(self, stack: ExitStack, path: str) -> None:
        self.path = path
        if path == "-":
            self.stream = standard_output()
            stack.callback(self.stream.flush)
        else:
            self.stream = stack.enter_context(output_file(path, "wb"))
            if _names_a_terminal(path):  # -o /dev/tty: escaped as on standard output
                self.stream = TerminalText(self.stream)


class Rejects:
    """--rejects FILE: every skipped row as CSV (its line or row, and why)."""

    def __init__(self, stack: ExitStack, path: Optional[str]) -> None:
        self.stream = None
        if path:
            self.stream = stack.enter_context(output_file(path, "w", encoding="utf-8", newline=""))
            import csv

            self.csv = csv.writer(self.stream, lineterminator="\n")
            self.csv.writerow(["file", "position", "reason"])

    def for_reader(self, reader: Reader) -> Optional[Callable[[list], None]]:
        if self.stream is None:
            return None

        def rejected(rows: list) -> None:
            self.csv.writerows((reader.origin, reader.where(pos), why) for pos, why in rows)

        return rejected


def plan_all(graph, readers: List[Reader], at) -> batch.Plan:
    plan = batch.plan(graph, readers[0].columns, at, readers[0].origin)
    for reader in readers[1:]:
        if reader.columns != readers[0].columns:
            raise InputError(f"{shown(reader.origin)} has other columns than {shown(readers[0].origin)}",
                             "Files read together must have the same columns, in the same order.")
    for name in plan.from_file:
        for reader in readers:
            check_numeric(reader, name)
    return plan


def check_numeric(reader: Reader, name: str) -> None:
    t = reader.column_type(name)
    if t is None:
        return
    import pyarrow as pa

    if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)):
        raise InputError(f"{shown(reader.origin)}: column {name} holds {t}, not numbers",
                         "The expression's inputs must be integer or floating-point columns.")


def run_local(job: Job, graph, readers: List[Reader], plan: batch.Plan, progress=None) -> List[FileResult]:
    """Every input through the numpy engine, in order, into one output or one per input."""
    names = batch.output_names(graph)
    csv_engine = job.csv_engine
    if csv_engine == "auto":  # write as the input is read: polars or pyarrow only where it is loaded anyway
        if any(isinstance(r, CsvReader) and r.use_polars for r in readers):
            csv_engine = "polars"
        else:
            csv_engine = "pyarrow" if any(_uses_arrow(r) for r in readers) else "numpy"
    extra_schema = readers[0].extra_schema(plan.extra) if plan.extra else None
    lazy = bool(plan.extra) and extra_schema is None
    results = []
    with ExitStack() as stack:
        rejects = Rejects(stack, job.rejects_path)
        single = None
        if not job.per_file:
            fmt = job.out_format or format_of(job.out_path) or readers[0].format
            single = Output(stack, job.out_path)
            writer = LazyWriter(fmt, single.stream, names, extra_schema, eager=not lazy, csv_engine=csv_engine)
        for reader in readers:
            with ExitStack() as inner:
                inner.callback(reader.close)
                if job.per_file:
                    fmt = job.out_format or reader.format
                    out = Output(inner, output_for(job, reader.origin, fmt))
                    writer = LazyWriter(fmt, out.stream, names, extra_schema, eager=not lazy,
                                        csv_engine=csv_engine)
                summary = None
                stream = (single if single is not None else out).stream
                if streaming.can_stream(reader, plan, fmt, stream, csv_engine):
                    writer.drain()
                    start = stream.tell()
                    summary = streaming.run(graph, reader, stream, plan, chunk_size=job.chunk_size,
                                            skip_bad=job.skip_bad, allow_nonfinite=job.allow_nonfinite,
                                            progress=progress)
                    if summary is None:  # the usual loop reads the file again: what was written goes
                        stream.seek(start)
                        stream.truncate()
                if summary is None:
                    summary = batch.run(graph, reader, writer, plan, chunk_size=job.chunk_size,
                                        skip_bad=job.skip_bad, allow_nonfinite=job.allow_nonfinite,
                                        progress=progress, rejected=rejects.for_reader(reader))
                if job.per_file:
                    writer.close()
                results.append(FileResult(reader.origin, reader.unit, summary))
        if single is not None:
            writer.close()
    return results


def _uses_arrow(reader: Reader) -> bool:
    """Whether reading ``reader`` loads pyarrow (then the CSV writer may as well use it)."""
    if reader.format in COLUMNAR_FORMATS:
        return True
    if isinstance(reader, CsvReader):
        if reader.use_arrow is None:
            reader.use_arrow = have_arrow()
        return reader.use_arrow
    return False


def ranges(positions) -> str:
    """1, 3-5, 9: the numbers given, runs shown as ranges."""
    parts, start, prev = [], None, None
    for p in sorted(int(x) for x in positions):
        if start is None:
            start = prev = p
        elif p == prev + 1:
            prev = p
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = p
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(parts)
