"""backprop plot: f and df/dx over a range of one input, in the terminal or as CSV."""

from __future__ import annotations

import os
import sys

import click

from .. import options

from .common import ExpressionCommand, program_options, warn, out_option, result_stream, click_option


@click.command(cls=ExpressionCommand, short_help="Draw f and df/dx over a range in the terminal.")
@program_options
@click_option(options.PLOT_OVER, required=True)
@click_option(options.FORMATS["plot"])
@click_option(options.PLOT_WIDTH)
@click.option("--height", type=click.IntRange(10, None), default=None,
              help="Height of the picture in lines, both panels (default: fits the terminal, or 30).")
@out_option
def command(program, over, fmt, width, height, out):
    """\b
    backprop plot "relu(x)" --over x=-2:2
    backprop plot "sigmoid(x)" --over x=-6:6
    backprop plot "x^2*sin(x)" --over x=-pi:pi:401
    backprop plot "w*x + b" --over w=-1:1 --at x=3,b=0.5
    backprop plot "log(x)" --over x=-1:3:9 --format csv

    Evaluate EXPR at evenly spaced points of one input (the others fixed with --at or
    the program's defaults) and draw f above and df/dx below, the points joined by
    straight lines: kinks stay corners, jumps stay jumps.  Points where the value is
    undefined (log at x <= 0) are gaps in the picture and listed below it; in CSV they
    hold what `eval --allow-nonfinite` gives there (inf, -inf or nan).
    """
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
    click.echo(plot.draw(graph, result, width, height, color))
    from ...views.styled import wrap

    for note in plot.notes(graph, result):
        for line in wrap(note, columns):
            click.echo(line)
