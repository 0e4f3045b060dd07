"""backprop batch: value and gradients at every row of a CSV or JSON-lines file."""

from __future__ import annotations

import io
import os
import sys

import click

from ...errors import InputError
from ...language.limits import printable
from .common import ExpressionCommand, build_graph, program_options, read_program, warn


@click.command(cls=ExpressionCommand, short_help="Value and gradient at many points (CSV, JSON lines).")
@program_options
@click.option("-i", "--input", "input_path", required=True, metavar="FILE",
              help="The points: CSV with a header naming the inputs, or JSON lines ('-' reads "
                   "standard input).")
@click.option("-o", "--out", "out_path", default="-", metavar="FILE", show_default=True,
              help="Where to write the rows ('-' is standard output).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="Output format.  Default: from -o's extension (.jsonl/.ndjson, .csv), else the "
                   "input's format.")
@click.option("--chunk-size", type=click.IntRange(1, None), default=65536, show_default=True,
              help="Rows read, computed and written at a time (fewer for very big graphs).")
@click.option("--skip-bad", is_flag=True,
              help="Leave out bad rows (unreadable, or an undefined value) and count them on stderr.")
def command(expr, file, at, output, allow_nonfinite, input_path, out_path, fmt, chunk_size, skip_bad):
    """\b
    backprop batch "1/(1+exp(-(w0*x0+w1*x1+w2)))" -i points.csv -o grads.csv
    backprop batch "(x+y)*z" -i points.csv --at z=-4
    backprop batch -f samples/neuron.bp -i points.jsonl --format csv
    cat points.csv | backprop batch "x^2" -i - --skip-bad

    Evaluate EXPR and its gradient at every row of FILE.  CSV input has a header row naming
    the inputs; JSON lines are objects such as {"x": 1, "y": 2} (told apart by the first line).
    Each output row repeats the inputs, then the output (f), then df/d<input> for every input.

    Inputs the file lacks come from --at or the program's defaults; --at also overrides a
    column.  Columns the expression doesn't use are left out (with one warning).  A bad row
    (not a number, wrong field count, inf or nan, or an undefined value such as log(0))
    stops with its line number and exit 1: rows before it are already written.  --skip-bad
    leaves such rows out instead, and --allow-nonfinite writes inf and nan for undefined
    values.  Numbers are written in full precision.
    """
    from ...tasks import batch
    from ...api import parse_at

    source, origin = read_program(expr, file)
    if input_path == "-" and origin == "<stdin>":
        raise InputError("the program and the points can't both come from standard input",
                         "Give the program as EXPR or with -f FILE.")
    point = parse_at(at)
    in_stream, in_name, size = _open_input(input_path)
    with in_stream:
        reader = batch.open_reader(in_stream, in_name)
        graph = build_graph(source, origin, point, output, expr, file, also_bound=reader.columns)
        from .common import scalar_only

        scalar_only(graph, point, "batch")
        plan = batch.plan(graph, reader.columns, point, in_name)
        if plan.unused:
            s = "s" if len(plan.unused) > 1 else ""
            warn(f"column{s} {', '.join(plan.unused)} of {in_name} not used by the expression; "
                 f"left out of the output")
        for name in plan.overridden:
            warn(f"--at {name} overrides the column {name} of {in_name}")
        out_format = fmt or batch.format_of(out_path) or reader.format
        _check_not_same_file(input_path, out_path)
        out, close = _open_output(out_path)
        try:
            with _progress(size) as progress:
                summary = batch.run(graph, reader, out, plan, out_format=out_format,
                                    chunk_size=chunk_size, skip_bad=skip_bad,
                                    allow_nonfinite=allow_nonfinite, progress=progress)
        finally:
            if close:
                out.close()
            else:
                out.flush()
    if summary.skipped:
        line, why = summary.first_skipped
        first_line_of_why = why.splitlines()[0]
        s = "s" if summary.skipped > 1 else ""
        total = summary.rows + summary.skipped
        click.echo(f"Skipped {summary.skipped} bad row{s} of {total:,} in {in_name} (first: line {line}: "
                   f"{first_line_of_why})", err=True)
    if summary.nonfinite_gradients:
        s = "s" if summary.nonfinite_gradients > 1 else ""
        warn(f"{summary.nonfinite_gradients} row{s} with an infinite or nan gradient "
             f"(first: line {summary.first_nonfinite_gradient})")


def _open_input(path: str):
    """A text stream, a name for messages, and the size in characters if known (for the progress)."""
    if path == "-":
        stream = sys.stdin
        if hasattr(stream, "buffer"):
            stream = io.TextIOWrapper(stream.buffer, encoding="utf-8-sig")
        return stream, "<stdin>", None
    try:
        stream = open(path, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {path}: it is a directory") from None
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        raise InputError(f"cannot read {printable(path)}: {getattr(e, 'strerror', None) or e}") from None
    try:
        size = os.fstat(stream.fileno()).st_size or None
    except OSError:
        size = None
    return stream, path, size


def _check_not_same_file(input_path: str, out_path: str) -> None:
    if input_path == "-" or out_path == "-" or not os.path.exists(out_path):
        return
    try:
        same = os.path.samefile(input_path, out_path)
    except OSError:
        return
    if same:
        raise InputError(f"-o {out_path} is the input file: writing it would destroy the points",
                         "Write to another file.")


def _open_output(path: str):
    if path == "-":
        return sys.stdout, False
    try:
        return open(path, "w", encoding="utf-8", newline="\n"), True
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        raise InputError(f"cannot write {printable(path)}: {getattr(e, 'strerror', None) or e}") from None


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _progress(size):
    """A Rich progress bar on stderr, only when stderr is a terminal."""
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return _NoProgress()
    return _RichProgress(size)


class _RichProgress:
    def __init__(self, size) -> None:
        self.size = size

    def __enter__(self):
        from rich.progress import (BarColumn, Progress, TaskProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        from ...views.console import make_console

        columns = [TextColumn("[progress.description]{task.description}"), BarColumn(),
                   TaskProgressColumn(), TextColumn("{task.fields[rows]:,} rows"),
                   TimeElapsedColumn(), TimeRemainingColumn()]
        self.bar = Progress(*columns, console=make_console(stderr=True), transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task("batch", total=self.size, rows=0)
        self.rows = 0

        def advance(chars: int, rows: int) -> None:
            self.rows += rows
            self.bar.update(self.task, advance=chars, rows=self.rows)

        return advance

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)
