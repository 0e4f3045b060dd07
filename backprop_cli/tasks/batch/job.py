"""A batch job from end to end: which files are read, where results go, and the local engine's run.

One input, or several (a directory, a glob): their results go to one output (``-o out.csv``, or
standard output), or with ``-o DIR/`` to one file per input in DIR, named after the input.  Every
file is written through ``files.atomic_write``: an interrupted or failed run leaves what was there.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Callable, List, Mapping, Optional

from ...base.errors import InputError
from ...base.files import atomic_write
from . import chunks as batch
from .read import CsvReader, expand_inputs, format_of, open_reader, shown, Reader
from .cells import arrow, have_arrow
from .write import COLUMNAR_FORMATS, open_writer

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


def check_not_same_file(inputs: List[str], out_path: str) -> None:
    """Refuse to write over an input, named or arriving on standard input (`-i - -o f < f`)."""
    if out_path == "-" or not os.path.exists(out_path) or os.path.isdir(out_path):
        return
    target = os.stat(out_path)
    for path in inputs:
        try:
            st = os.fstat(sys.stdin.fileno()) if path == "-" else os.stat(path)
        except (OSError, ValueError, AttributeError):
            continue
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            what = "standard input" if path == "-" else "the input file"
            raise InputError(f"-o {shown(out_path)} is {what}: writing it would destroy the points",
                             "Write to another file.")


def output_for(job: Job, path: str, fmt: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(job.out_path, stem + EXTENSIONS[fmt])


class Output:
    """Where a run's rows go: standard output, or a file written to a temporary name and renamed."""

    def __init__(self, stack: ExitStack, path: str) -> None:
        self.path = path
        if path == "-":
            self.stream = sys.stdout.buffer
            stack.callback(self.stream.flush)
        else:
            try:
                self.stream = stack.enter_context(atomic_write(path, "wb"))
            except (OSError, ValueError) as e:
                raise InputError(f"cannot write {shown(path)}: {getattr(e, 'strerror', None) or e}") from None


class Rejects:
    """--rejects FILE: every skipped row as CSV (its line or row, and why)."""

    def __init__(self, stack: ExitStack, path: Optional[str]) -> None:
        self.stream = None
        if path:
            try:
                self.stream = stack.enter_context(atomic_write(path, "w", encoding="utf-8", newline=""))
            except (OSError, ValueError) as e:
                raise InputError(f"cannot write {shown(path)}: {getattr(e, 'strerror', None) or e}") from None
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
    if csv_engine == "auto":  # write as the input is read: pyarrow only where it is loaded anyway
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
            writer = _lazy_writer(fmt, single.stream, names, extra_schema, lazy, csv_engine)
        for reader in readers:
            with ExitStack() as inner:
                inner.callback(reader.close)
                if job.per_file:
                    fmt = job.out_format or reader.format
                    out = Output(inner, output_for(job, reader.origin, fmt))
                    writer = _lazy_writer(fmt, out.stream, names, extra_schema, lazy, csv_engine)
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


class _lazy_writer:
    """A writer made at the first block (a JSON-lines input's passed-through types are known then),
    that also closes cleanly when no row came."""

    def __init__(self, fmt, stream, names, extra_schema, lazy: bool = False, csv_engine: str = "auto") -> None:
        self.args = (fmt, stream, names, extra_schema)
        self.csv_engine = csv_engine
        self.writer = None if lazy else open_writer(fmt, stream, names, extra_schema, csv_engine)

    def write(self, block, extra=None) -> None:
        if self.writer is None:
            fmt, stream, names, schema = self.args
            if schema is None and extra is not None:
                schema = extra.schema
            self.writer = open_writer(fmt, stream, names, schema, self.csv_engine)
        self.writer.write(block, extra)

    def drain(self) -> None:
        drain = getattr(self.writer, "drain", None)
        if drain is not None:
            drain()

    def close(self) -> None:
        if self.writer is None:
            fmt, stream, names, schema = self.args
            self.writer = open_writer(fmt, stream, names, schema, self.csv_engine)
        close = getattr(self.writer, "close", None)
        if close is not None:
            close()


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
