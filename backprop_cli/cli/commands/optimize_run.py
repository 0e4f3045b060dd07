"""What `backprop optimize` does once its options are read, without click (the click command, optimize.py, and
the fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

import math
import os
import sys
import time

from ...base.errors import InputError, MathError
from ...base.numbers import DEFAULT_DIGITS
from ..output import echo
from .common import output_to, warn

#: the table keeps at most this many rows (the last ones) however many steps --every selects
ROW_LIMIT = 10_000


def run(program, wrt=(), lr=0.1, steps=100, fmt="table", every=None, delay=0.0, digits=DEFAULT_DIGITS, log_y=False,
        out=None, method="gd"):
    with output_to(out, fmt, "optimize"):
        return _optimize(program, wrt, lr, steps, fmt, every, delay, digits, log_y, method)


def _optimize(program, wrt, lr, steps, fmt, every, delay, digits, log_y, method="gd"):
    from ...tasks.optimize import choose_inputs, descend
    from ...views import optimize as view

    if not math.isfinite(lr) or lr <= 0:
        raise InputError(f"--lr {lr}: the learning rate must be a positive number")
    loaded = program.load()
    graph, point, allow_nonfinite, seed = loaded.graph, loaded.point, loaded.allow_nonfinite, loaded.seed
    names = choose_inputs(graph, [n.strip() for item in wrt for n in item.split(",") if n.strip()])
    out_name = graph.output_name
    if method == "newton":
        from .optimize_newton import run_newton

        return run_newton(graph, point, names, lr, steps, allow_nonfinite, fmt, every, digits, log_y, seed)

    if fmt == "json":
        # Written as the steps come: memory does not grow with --steps (1M steps were 2.8 GB).
        document = view.JsonSteps(sys.stdout.write, names, out_name, lr)
        try:
            descend(graph, point, names, lr, steps, allow_nonfinite, document.step, keep_all=False,
                    seed=seed)
        except MathError as e:
            document.fail(e.message)
            raise
        document.finish()
        return

    from ...views.console import make_console, view_height, view_width

    console = make_console()
    every = every or view.stride(steps)
    shown: list = []
    last: list = []
    curve = view.CurveSampler(steps)
    # Only what is shown is kept (the table's rows, the curve's points): memory does not grow
    # with --steps.
    row_limit = ROW_LIMIT

    def keep(step) -> None:
        last[:] = [step]
        curve(step)
        if step.step % every == 0 or step.step == steps:
            shown.append(step)
            if len(shown) > row_limit:  # --every 1 with ten million steps: the last rows
                del shown[:len(shown) - row_limit]

    def rows() -> list:
        return shown + [s for s in last if not shown or shown[-1] is not s]

    error = None
    if console.is_terminal:
        from rich.live import Live

        tail = max(5, view_height(console.file) - 8)
        with Live(console=console, auto_refresh=False) as live:
            drawn = [0.0]

            def on_step(step) -> None:
                keep(step)
                now = time.monotonic()
                if delay or now - drawn[0] > 0.05 or step.step == steps:
                    live.update(view.table(rows()[-tail:], names, out_name, digits), refresh=True)
                    drawn[0] = now
                if delay:
                    time.sleep(delay)

            try:
                history = descend(graph, point, names, lr, steps, allow_nonfinite, on_step, keep_all=False,
                                  seed=seed)
            except MathError as e:
                error = e
            live.update(view.table(rows()[-tail:], names, out_name, digits), refresh=True)
    else:
        try:
            history = descend(graph, point, names, lr, steps, allow_nonfinite, keep, keep_all=False,
                              seed=seed)
        except MathError as e:
            error = e
        if shown or last:
            console.print(view.table(rows(), names, out_name, digits))
    if error is not None:
        raise error

    console.print(view.final_line(history[-1], names, out_name, digits))
    if steps:
        width = max(40, min(view_width(console), 100))
        color = console.is_terminal and "NO_COLOR" not in os.environ
        curve.finish(history[-1])
        values = curve.values
        why_linear = view.no_log_axis(values) if log_y else None
        if why_linear:
            warn(f"--log-y: {why_linear}, so the curve is drawn on a linear axis")
            log_y = False
        echo(view.curve(curve.steps, values, out_name, width, 14, color, log_y))
