"""backprop batch: value and gradients at every row of a CSV or JSON-lines file."""

from __future__ import annotations

import os

import click

from ...base.errors import InputError
from ...base.text import printable
from .. import options
from .common import ExpressionCommand, program_options_no_values, warn, click_option


FORMAT_CHOICE = list(options.FORMATS["batch"].choices)


@click.command(cls=ExpressionCommand, short_help="Value and gradient at every row of a data file.")
@program_options_no_values
@click_option(options.BATCH_INPUT, required=True)
@click_option(options.BATCH_OUT)
@click_option(options.FORMATS["batch"])
@click.option("--in-format", type=click.Choice(FORMAT_CHOICE), default=None,
              help="Input format.  Default: from the file's suffix, else its first bytes.")
@click.option("--chunk-size", type=click.IntRange(1, None), default=65536, show_default=True,
              help="Rows read, computed and written at a time (fewer for very big graphs).")
@click.option("--skip-bad", is_flag=True,
              help="Leave out bad rows (unreadable, null, or an undefined value) and list them on stderr.")
@click.option("--rejects", "rejects_path", metavar="FILE",
              help="With --skip-bad: list every skipped row (file, line or row, why) in FILE as CSV.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this process.  dask: the input's partitions on a Dask cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --engine dask: a running dask.distributed scheduler, e.g. tcp://10.0.0.5:8786 "
                   "(default: a local cluster started for the run).")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="With --engine dask and no --scheduler: worker processes of the local cluster "
                   "(default: one per core).")
@click.option("--partition-size", type=click.IntRange(1, None), default=64 * 2**20, show_default=True,
              metavar="BYTES", help="With --engine dask: bytes of CSV or JSON lines per partition "
                                    "(Parquet: one partition per row group; Arrow: per record batch).")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=30.0, show_default=True, metavar="SECONDS",
              help="With --scheduler: how long to wait for the scheduler to connect and answer.")
@click.option("--csv-engine", type=click.Choice(["auto", "numpy", "pyarrow"]), default="auto",
              show_default=True,
              help="Who reads and writes CSV: pyarrow's multi-threaded reader (the data extra: "
                   "pip install 'backprop-cli[data]'), numpy, or auto (pyarrow when installed and the "
                   "input is over 4 MB; the output is the same).")
def command(program, input_path, out_path, fmt, in_format, chunk_size,
            skip_bad, rejects_path, engine, scheduler, workers, partition_size, timeout, csv_engine):
    """\b
    backprop batch "1/(1+exp(-(w0*x0+w1*x1+w2)))" -i points.csv -o grads.csv
    backprop batch "(x+y)*z" -i points.parquet --at z=-4 -o grads.parquet
    backprop batch -f samples/neuron.bp -i 'data/*.parquet' -o results/
    backprop batch "x^2" -i big.csv -o out.csv --engine dask --scheduler tcp://host:8786
    cat points.csv | backprop batch "x^2" -i - --skip-bad

    Evaluate EXPR and its gradient at every row of FILE.  CSV input has a header row naming
    the inputs; JSON lines are objects such as {"x": 1, "y": 2}; Parquet and Arrow IPC
    (Feather) columns of integers or floats are read as float64 (Parquet and Arrow need the data
    extra: pip install 'backprop-cli[data]').  Each output row has the
    input's other columns first (passed through, so rows join back), then the inputs, the
    output (f), and df/d<input> for every input.

    Inputs the file lacks come from --at or the program's defaults; --at also overrides a
    column.  A bad row (not a number, a null, wrong field count, inf or nan, or an undefined
    value such as log(0)) stops with its line or row number and exit 1; an output file is
    then left as it was (standard output has the rows before it).  --skip-bad leaves such
    rows out and lists them (on stderr, or in --rejects FILE); --allow-nonfinite writes inf
    and nan for undefined values.  Numbers are written in full precision.
    """
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
            click.echo(f"Skipped {summary.skipped:,} bad row{s} of {summary.seen:,} in {shown(result.origin)} "
                       f"(first: {result.unit} {line}: {first_line_of_why}){where}", err=True)
        if summary.nonfinite_gradients:
            s = "s" if summary.nonfinite_gradients > 1 else ""
            warn(f"{summary.nonfinite_gradients} row{s} with an infinite or nan gradient "
                 f"(first: {result.unit} {summary.first_nonfinite_gradient})")


def _progress(size):
    """The batch's progress bar on stderr (a terminal only): bytes read of ``size``, and rows."""
    from ..output import Progress

    return Progress("batch", delay=0.0, total=size, rows=True)
