"""`batch --engine dask`: the same job on a Dask cluster, one task per partition of the input.

Partitions are the input's own: a row group of a Parquet file, a record batch of an Arrow IPC file,
a byte range of whole lines of CSV or JSON lines (``--partition-size``).  Each task runs the local
engine's loop (batch.run) over its partition and writes the rows to a temporary file of its own,
renamed to its part name only when complete; so a task re-run by Dask after its worker died simply
writes its part again.  When every task has finished, the parts are joined in order into the output
(itself written to a temporary name and renamed), and removed.  A failed job leaves no output and
an old output untouched: complete or absent, never partial.

The workers must see the input files and the output's directory at the same paths (a shared file
system, or one machine).  Line numbers in messages are the file's: each task counts the lines of its
range, and the client adds the lines of the ranges before it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from typing import List, Optional

from ...base.errors import InputError, install_extra
from ...base.files import output_file
from . import chunks as batch
from .job import EXTENSIONS, FileResult, Job, Rejects, output_for, standard_output
from .read import CsvReader, FeatherReader, JsonlReader, ParquetReader, format_of, open_reader, shown


@dataclass
class Part:
    index: int
    path: str
    origin: str
    format: str
    start: int = 0  # text: byte range; columnar: first..end row group / record batch
    end: int = 0
    columns: tuple = ()
    first_line: int = 0  # text: the line before the file's rows (the header's)


@dataclass
class PartResult:
    index: int
    rows: int
    lines: int  # text: the lines in the range (to number the next range's lines)
    skipped: list  # (position in the part, why)
    nonfinite_gradients: int
    first_nonfinite_gradient: Optional[int]
    bad: Optional[tuple] = None  # (position, why, hint) of the row that stopped the part


def partitions(paths: List[str], in_format: Optional[str], partition_size: int) -> List[Part]:
    parts: List[Part] = []
    for path in paths:
        if path == "-":
            raise InputError("--engine dask reads files, not standard input", "Give the file's name with -i.")
        reader = open_reader(path, fmt=in_format)
        try:
            fmt = reader.format
            if fmt == "parquet":
                for g in reader.groups:
                    parts.append(Part(len(parts), path, path, fmt, g, g + 1, tuple(reader.columns)))
            elif fmt == "feather":
                count = reader.ipc.num_record_batches if not reader.stream else 1
                for b in range(count):
                    parts.append(Part(len(parts), path, path, fmt, b, b + 1, tuple(reader.columns)))
            else:
                size = os.path.getsize(path)
                start = reader.data_start
                parts_here = []
                with open(path, "rb") as fh:
                    while start < size:
                        end = min(size, start + partition_size)
                        if end < size:
                            fh.seek(end)
                            rest = fh.readline()
                            end += len(rest)
                        parts_here.append((start, end))
                        start = end
                for start, end in parts_here or [(start, start)]:
                    parts.append(Part(len(parts), path, path, fmt, start, end, tuple(reader.columns),
                                      reader.data_line))
        finally:
            reader.close()
    return parts


def _part_reader(part: Part):
    if part.format == "parquet":
        return ParquetReader(part.path, part.origin, row_groups=list(range(part.start, part.end)))
    if part.format == "feather":
        reader = FeatherReader(part.path, part.origin, batches=range(part.start, part.end))
        if reader.stream:
            reader.parts = None
        return reader
    stream = open(part.path, "rb")
    stream.seek(part.start)
    cls = CsvReader if part.format == "csv" else JsonlReader
    reader = cls.part(stream, part.origin, list(part.columns), part.end - part.start)
    reader.close = stream.close
    return reader


def run_part(graph, plan, part: Part, out_format: str, folder: str, options: dict) -> PartResult:
    """One task: a partition through batch.run into ``folder/part-NNNNNN``, renamed when complete."""
    from .lazy_writer import LazyWriter

    reader = _part_reader(part)
    final = os.path.join(folder, f"part-{part.index:06d}")
    temporary = f"{final}.{uuid.uuid4().hex}.tmp"
    skipped: list = []
    bad = None
    try:
        with open(temporary, "wb") as out:
            extra_schema = reader.extra_schema(plan.extra) if plan.extra else None
            writer = LazyWriter(out_format, out, batch.output_names(graph), extra_schema, headerless=True)
            try:
                summary = batch.run(graph, reader, writer, plan, chunk_size=options["chunk_size"],
                                    skip_bad=options["skip_bad"], allow_nonfinite=options["allow_nonfinite"],
                                    rejected=skipped.extend)
            except batch.BadRow as e:
                bad = (e.position, e.why, e.hint)
                summary = batch.Summary()
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, final)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    finally:
        reader.close()
    return PartResult(part.index, summary.rows, getattr(reader, "line", 0), skipped,
                      summary.nonfinite_gradients, summary.first_nonfinite_gradient, bad)


CONNECT_HINT = ("Start one with `dask scheduler` (and workers with `dask worker ADDRESS`), "
                "or leave out --scheduler for a local cluster.")


def _connect(Client, scheduler: str, timeout: float):
    """A client of the scheduler at ``scheduler``, connected and answered within ``timeout`` seconds.

    distributed's own timeout covers the connection, not the handshake after it: an address that
    accepts and never answers (a wrong service, a hung scheduler) would wait forever.  The client is
    made in a thread of its own, and given up after the timeout (exit 2, naming the address)."""
    import threading

    box: dict = {}

    def connect() -> None:
        try:
            box["client"] = Client(scheduler, timeout=f"{timeout}s")
        except BaseException as e:  # handed to the main thread
            box["error"] = e

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if thread.is_alive():
        raise InputError(f"the Dask scheduler at {shown(scheduler)} did not answer within {timeout:g} s "
                         "(the address accepts connections, but no scheduler handshake came back)",
                         CONNECT_HINT + "  --timeout sets how long to wait.")
    error = box.get("error")
    if isinstance(error, (OSError, TimeoutError, ValueError, TypeError)):
        raise InputError(f"cannot reach the Dask scheduler at {shown(scheduler)}: {shown(str(error), 120)}",
                         CONNECT_HINT) from None
    if error is not None:
        raise error
    return box["client"]


def _client(scheduler: Optional[str], workers: Optional[int], timeout: float = 30.0):
    import logging

    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine dask needs Dask's distributed scheduler, which is not installed",
                         f"Install the cluster extra (dask[distributed]): {install_extra('cluster')}.") from None

    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler:
        scheme = scheduler.partition("://")[0].lower() if "://" in scheduler else "tcp"
        if scheme not in ("tcp", "inproc", "ws", "ucx"):
            raise InputError(f"--scheduler {shown(scheduler)}: the {shown(scheme)}:// scheme is not supported",
                             "Give the scheduler's address as tcp://HOST:PORT (TLS needs a security "
                             "configuration that backprop does not take).")
        return _connect(Client, scheduler, timeout), None
    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                           processes=True, dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run(job: Job, graph, plan: batch.Plan, *, scheduler: Optional[str] = None,
        workers: Optional[int] = None, partition_size: int = 64 * 2**20, progress=None,
        timeout: float = 30.0) -> List[FileResult]:
    parts = partitions(job.source_inputs, job.in_format, partition_size)
    outputs = _outputs(job, parts)
    folders = {}
    for target in outputs:
        base = os.path.dirname(os.path.abspath(target)) if target != "-" else os.getcwd()
        folders[target] = os.path.join(base, f".{os.path.basename(target) or 'stdout'}.{uuid.uuid4().hex[:12]}.parts")
    options = dict(chunk_size=job.chunk_size, skip_bad=job.skip_bad, allow_nonfinite=job.allow_nonfinite)
    client, cluster = _client(scheduler, workers, timeout)
    try:
        for folder in folders.values():
            os.makedirs(folder)
        graph_f, plan_f = client.scatter([graph, plan], broadcast=True)
        futures = []
        for part in parts:
            target = _target_of(job, part, outputs)
            out_format = outputs[target]
            futures.append(client.submit(run_part, graph_f, plan_f, part, out_format, folders[target], options,
                                         key=f"backprop-batch-{uuid.uuid4().hex}", pure=False))
        results = _gather(client, futures, progress)
        return _assemble(job, graph, plan, parts, results, outputs, folders)
    finally:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)
        client.close()
        if cluster is not None:
            cluster.close()


def _gather(client, futures, progress) -> List[PartResult]:
    from dask.distributed import as_completed

    results = [None] * len(futures)
    for future in as_completed(futures):
        result = future.result()
        results[result.index] = result
        if progress is not None:
            progress(1, result.rows)
    return results


def _outputs(job: Job, parts: List[Part]) -> dict:
    """Output path -> format, in order."""
    out = {}
    if job.per_file:
        for part in parts:
            fmt = job.out_format or part.format
            out.setdefault(output_for(job, part.path, fmt), fmt)
    else:
        out[job.out_path] = job.out_format or format_of(job.out_path) or parts[0].format
    return out


def _target_of(job: Job, part: Part, outputs: dict) -> str:
    if job.per_file:
        return output_for(job, part.path, job.out_format or part.format)
    return job.out_path


def _assemble(job, graph, plan, parts, results, outputs, folders) -> List[FileResult]:
    """Number the lines, stop at the first bad row (no output), else join the parts into each output."""
    by_file: dict = {}
    line_before: dict = {}
    for part, result in zip(parts, results):
        if part.format in ("csv", "jsonl"):
            before = line_before.get(part.path, part.first_line)
            line_before[part.path] = before + result.lines
        else:
            before = 0
        by_file.setdefault(part.path, []).append((part, result, before))
    file_results = []
    with_rejects = []
    for path, entries in by_file.items():
        summary = batch.Summary()
        unit = "row" if entries[0][0].format in ("parquet", "feather") else "line"
        reader = _where(entries[0][0])
        for part, result, before in entries:
            if result.bad is not None:
                position, why, hint = result.bad
                raise batch.BadRow(f"{shown(part.origin)}, {reader(before + position)}: {why}", hint)
            summary.rows += result.rows
            summary.nonfinite_gradients += result.nonfinite_gradients
            if summary.first_nonfinite_gradient is None and result.first_nonfinite_gradient is not None:
                summary.first_nonfinite_gradient = before + result.first_nonfinite_gradient
            if result.skipped:
                import numpy as np

                rows = [(before + pos, why) for pos, why in result.skipped]
                summary.skipped += len(rows)
                summary.skipped_at.append(np.array([r[0] for r in rows], dtype=np.int64))
                if summary.first_skipped is None:
                    summary.first_skipped = rows[0]
                with_rejects.append((path, reader, rows))
        summary.seen = summary.rows + summary.skipped
        file_results.append(FileResult(path, unit, summary))
    from contextlib import ExitStack

    with ExitStack() as stack:
        rejects = Rejects(stack, job.rejects_path)
        if rejects.stream is not None:
            for path, reader, rows in with_rejects:
                rejects.csv.writerows((path, reader(pos), why) for pos, why in rows)
        for target, fmt in outputs.items():
            files = [os.path.join(folders[target], f"part-{p.index:06d}") for p in parts
                     if _target_of(job, p, outputs) == target]
            _join(target, fmt, files, graph, plan)
    return file_results


def _where(part: Part):
    if part.format == "parquet":
        reader = ParquetReader(part.path, part.origin)
        reader.close()
        return reader.where
    return lambda position: f"{'row' if part.format == 'feather' else 'line'} {position}"


def _join(target: str, fmt: str, files: List[str], graph, plan) -> None:
    from .write import _csv_header_cell

    def write(out):
        if fmt == "csv":
            names = [_csv_header_cell(n) for n in plan.extra] + batch.output_names(graph)
            out.write((",".join(names) + "\n").encode("utf-8"))
        if fmt in ("csv", "jsonl"):
            for name in files:
                with open(name, "rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 20)
        else:
            _join_columnar(out, fmt, files)

    if target == "-":
        stream = standard_output()
        write(stream)
        stream.flush()
    else:
        with output_file(target, "wb") as out:
            write(out)


def _join_columnar(out, fmt: str, files: List[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for name in files:
        if fmt == "parquet":
            source = pq.ParquetFile(name)
            if writer is None:
                writer = pq.ParquetWriter(out, source.schema_arrow)
            for g in range(source.num_row_groups):
                table = source.read_row_group(g)
                writer.write_table(table.cast(source.schema_arrow) if table.schema != source.schema_arrow else table)
            source.close()
        else:
            with pa.OSFile(name, "rb") as fh:
                source = pa.ipc.open_file(fh)
                if writer is None:
                    writer = pa.ipc.new_file(out, source.schema)
                for b in range(source.num_record_batches):
                    writer.write_batch(source.get_batch(b))
    if writer is not None:
        writer.close()


assert set(EXTENSIONS) == {"csv", "jsonl", "parquet", "feather"}
