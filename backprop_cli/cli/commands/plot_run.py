"""What `backprop plot` does once its options are read, without click (the click command, plot.py, and
the fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

import os
import sys

from ..output import echo
from .common import result_stream, warn


def run(program, over, fmt="plot", width=None, height=None, out=None):
    from .scalar_numpy import load_numpy_for_scalars

    load_numpy_for_scalars()  # before anything imports numpy
    from ...tasks.plot import DEFAULT_POINTS, KEEP_POINTS, check_inputs, chunked_sweep, grid, parse_over, sweep
    from ...views import plot

    span = parse_over(over)
    loaded = program.load(also_bound=[span.name]).scalar_only("plot")
    graph, point = loaded.graph, loaded.point
    if span.name in point:
        warn(f"--at {span.name} ignored: {span.name} runs over the range")
        del point[span.name]
    fixed = check_inputs(graph, span.name, point)
    n = span.n or DEFAULT_POINTS[fmt]
    with result_stream(out, fmt=fmt, command="plot") as stream:
        if n > KEEP_POINTS:
            # Evaluated a chunk at a time: CSV rows are written as they come, the picture and the
            # notes get every k-th point (memory does not grow with the number of points).
            first = [True]

            def write(part) -> None:
                text = plot.csv_text(graph, part)
                stream.write(text if first[0] else text.split("\n", 1)[1])
                first[0] = False

            result = chunked_sweep(graph, span.name, span.lo, span.hi, n, fixed,
                                   write if fmt == "csv" else None)
        else:
            result = sweep(graph, span.name, grid(span.lo, span.hi, n), fixed)
        if fmt == "csv":
            if n <= KEEP_POINTS:
                stream.write(plot.csv_text(graph, result))
                stream.flush()
            for note in plot.notes(graph, result):
                if not note.startswith("kink"):
                    warn(note.replace("gaps in both panels", "their rows hold inf or nan")
                         .replace(": a gap in its panel", ""))
            return
        if stream is not sys.stdout:
            stream.write(plot.draw(graph, result, width or 80, height or 30, False) + "\n")
            stream.write("".join(note + "\n" for note in plot.notes(graph, result)))
            return
    terminal = sys.stdout.isatty()
    from ...views.console import view_height, view_width

    columns, lines = view_width(stream=sys.stdout), view_height(sys.stdout, 30)
    width = width or max(40, min(columns, 120))
    height = height or max(16, min(lines - 4, 34))
    color = terminal and "NO_COLOR" not in os.environ
    echo(plot.draw(graph, result, width, height, color))
    from ...views.styled import wrap

    for note in plot.notes(graph, result):
        for line in wrap(note, columns):
            echo(line)
