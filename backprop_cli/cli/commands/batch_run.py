"""What `backprop batch` does once its options are read, without click (the click command, batch.py, and
the fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

import os

from ...base.errors import InputError
from ...base.text import printable
from ..output import echo
from .common import warn


def run(program, input_path, out_path="-", fmt=None, in_format=None, chunk_size=65536, skip_bad=False,
        rejects_path=None, engine="local", scheduler=None, workers=None, partition_size=64 * 2**20, timeout=30.0,
        csv_engine="auto"):
    from .scalar_numpy import load_numpy_for_scalars

    load_numpy_for_scalars()  # before anything imports numpy
    from ...api import read_point
    from ...tasks.batch import job as batch_job
    from ...tasks.batch.read import shown

    source, origin = program.read_source()
    if input_path == "-" and origin == "<stdin>":
        raise InputError("the program and the points can't both come from standard input",
                         "Give the program as EXPR or with -f FILE.")
    if rejects_path and not skip_bad:
        raise InputError("--rejects lists the rows --skip-bad leaves out", "Add --skip-bad.")
    if engine != "dask" and (scheduler or workers):
        raise InputError("--scheduler and --workers are for --engine dask", "Add --engine dask.")
    if fmt is None and out_path and out_path.lower().endswith((".json", ".tex")):
        # a .json name would get the input's format (CSV): a script reading it as JSON would fail
        raise InputError(f"-o {shown(out_path)}: batch writes no {'JSON' if out_path.lower().endswith('.json') else 'LaTeX'} "
                         "document: its formats are CSV, JSON lines, Parquet and Feather",
                         "Name the file for one of them (.jsonl: one JSON object a row; .csv), or give --format.")
    point = read_point(program.at)  # before the data is opened: a bad --at is said first
    inputs = batch_job.resolve(input_path)
    job = batch_job.Job(inputs, out_path, in_format, fmt, chunk_size, skip_bad, program.allow_nonfinite,
                        rejects_path, point, csv_engine=csv_engine)
    if job.per_file and not os.path.isdir(out_path):
        try:
            os.makedirs(out_path, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot make the directory {printable(out_path)}: {e.strerror or e}") from None
    readers = []
    try:
        for path in inputs:
            readers.append(batch_job.open_input(path, in_format, csv_engine))
        batch_job.check_outputs(job, readers)
        batch_job.check_output_format(job, readers)
        batch_job.check_terminal(job, readers)
        graph = program.load(source=source, origin=origin, at=[point],
                             also_bound=readers[0].columns).scalar_only("batch").graph
        plan = batch_job.plan_all(graph, readers, point)
        for name in plan.overridden:
            warn(f"--at {name} overrides the column {name} of {shown(readers[0].origin)}")
        if plan.dropped:
            s = "s" if len(plan.dropped) > 1 else ""
            warn(f"column{s} {', '.join(plan.dropped)} of {shown(readers[0].origin)} "
                 f"named like an output column; left out")
        if engine == "dask":
            from ...tasks.batch import cluster as batch_dask

            for reader in readers:
                reader.close()
            with _progress(None) as bar:
                results = batch_dask.run(job, graph, plan, scheduler=scheduler, workers=workers,
                                         partition_size=partition_size, progress=bar.advance,
                                         timeout=timeout)
        else:
            total = sum(r.total or 0 for r in readers) or None
            with _progress(total) as bar:
                results = batch_job.run_local(job, graph, readers, plan, progress=bar.advance)
    finally:
        for reader in readers:
            reader.close()
    _report(results, rejects_path)


def _report(results, rejects_path) -> None:
    from ...tasks.batch.job import ranges
    from ...tasks.batch.read import shown

    for result in results:
        summary = result.summary
        if summary.skipped:
            line, why = summary.first_skipped
            first_line_of_why = why.splitlines()[0]
            s = "s" if summary.skipped > 1 else ""
            # Every skipped line: listed here (one is already named as the first), or in --rejects.
            where = ""
            if rejects_path:
                where = f"; listed in {shown(rejects_path)}"
            elif summary.skipped > 1:
                where = f"; {result.unit}s {ranges(summary.skipped_positions())}"
            echo(f"Skipped {summary.skipped:,} bad row{s} of {summary.seen:,} in {shown(result.origin)} "
                 f"(first: {result.unit} {line}: {first_line_of_why}){where}", err=True)
        if summary.nonfinite_gradients:
            s = "s" if summary.nonfinite_gradients > 1 else ""
            warn(f"{summary.nonfinite_gradients} row{s} with an infinite or nan gradient "
                 f"(first: {result.unit} {summary.first_nonfinite_gradient})")


def _progress(size):
    """The batch's progress bar on stderr (a terminal only): bytes read of ``size``, and rows."""
    from ..output import Progress

    return Progress("batch", delay=0.0, total=size, rows=True)
