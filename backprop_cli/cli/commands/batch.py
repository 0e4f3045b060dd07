"""backprop batch: value and gradients at every row of a CSV or JSON-lines file."""

from __future__ import annotations

import click

from .. import options
from .batch_run import run
from .common import ExpressionCommand, program_options_no_values, click_option


@click.command(cls=ExpressionCommand, short_help="Value and gradient at every row of a data file.")
@program_options_no_values
@click_option(options.BATCH_INPUT)
@click_option(options.BATCH_OUT)
@click_option(options.FORMATS["batch"])
@click_option(options.BATCH_IN_FORMAT)
@click_option(options.BATCH_CHUNK_SIZE)
@click_option(options.BATCH_SKIP_BAD)
@click_option(options.BATCH_REJECTS)
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
@click_option(options.BATCH_CSV_ENGINE)
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
    return run(program, input_path=input_path, out_path=out_path, fmt=fmt, in_format=in_format,
               chunk_size=chunk_size, skip_bad=skip_bad, rejects_path=rejects_path, engine=engine,
               scheduler=scheduler, workers=workers, partition_size=partition_size, timeout=timeout,
               csv_engine=csv_engine)
