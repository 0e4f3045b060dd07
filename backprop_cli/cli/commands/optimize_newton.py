"""`optimize --method newton`: Newton's method through the API, shown with gradient descent's views,
and the loss curve beside gradient descent's from the same start (same --steps, --lr)."""

from __future__ import annotations

import os
import shutil

from ...base.errors import MathError
from ..output import echo
from .common import warn


def run_newton(graph, point, names, lr, steps, allow_nonfinite, fmt, every, digits, log_y, seed=None) -> None:
    from ... import api
    from ...views import optimize as view

    out_name = graph.output_name
    kinds: dict = {}
    if fmt == "json":
        # Written as the steps come, and closed with "final": null and "error" when a step fails, as
        # gradient descent's JSON is (it printed nothing then).
        import sys

        document = view.JsonSteps(sys.stdout.write, names, out_name, lr,
                                  head={"method": "newton", "output": out_name, "wrt": list(names)})

        def counts() -> dict:
            return {"newton_steps": kinds.get("newton", 0), "gradient_steps": kinds.get("gradient", 0)}

        try:
            api.newton(graph, point, names, steps, allow_nonfinite, document.step, keep_all=False, kinds=kinds,
                       seed=seed)
        except MathError as e:
            document.fail(e.message, counts())
            raise
        document.finish(counts())
        return
    from ...views.console import make_console

    console = make_console()
    every = every or view.stride(steps)
    shown: list = []
    last: list = []
    curve = view.CurveSampler(steps)

    def keep(step) -> None:
        last[:] = [step]
        curve(step)
        if step.step % every == 0:
            shown.append(step)

    history = api.newton(graph, point, names, steps, allow_nonfinite, keep, keep_all=False, kinds=kinds,
                         seed=seed)
    rows = shown + [s for s in last if not shown or shown[-1] is not s]
    console.print(view.table(rows, names, out_name, digits))
    final = history[-1]
    console.print(view.final_line(final, names, out_name, digits))
    n, fallback = kinds.get("newton", 0), kinds.get("gradient", 0)
    from ...views.styled import view_width, wrap

    def say(text: str) -> None:
        for line in wrap(text, view_width(console)):
            echo(line)

    say(f"{n} Newton step{'s' if n != 1 else ''}, {fallback} gradient step{'s' if fallback != 1 else ''} "
        "(where the Hessian was not positive definite)")
    if final.step < steps:
        flat = all(not _nonzero(g) for g in final.gradients.values())
        say(f"stopped after step {final.step}: " + (f"the gradient is 0 (a stationary point of {out_name})"
            if flat else f"no step along the direction decreases {out_name}"))
    if not steps:
        return
    # Gradient descent from the same start, for the comparison in the plot.
    gd = view.CurveSampler(steps)
    gd_last: list = []

    def keep_gd(step) -> None:
        gd_last[:] = [step]
        gd(step)

    try:
        api.descend(graph, point, names, lr, steps, allow_nonfinite, keep_gd, keep_all=False, seed=seed)
    except MathError as e:
        warn(f"gradient descent (--lr {lr}) stopped: {e.message.splitlines()[0].rstrip(':')} "
             "(it diverged: a smaller --lr keeps it on the chart)")
    if gd_last:
        gd.finish(gd_last[-1])
        say(f"gradient descent (--lr {lr}) from the same start: {out_name} = "
            f"{view.show(gd_last[-1].value, digits)} after {gd_last[-1].step} steps")
    width = max(40, min(shutil.get_terminal_size((80, 24)).columns, 100)) if console.is_terminal else 72
    color = console.is_terminal and "NO_COLOR" not in os.environ
    curve.finish(final)
    values = curve.values + (gd.values if gd_last else [])
    why_linear = view.no_log_axis(values) if log_y else None
    if why_linear:
        warn(f"--log-y: {why_linear}, so the curve is drawn on a linear axis")
        log_y = False
    also = ("gradient descent", gd.steps, gd.values) if gd_last else None
    echo(view.curve(curve.steps, curve.values, out_name, width, 14, color, log_y, label="newton",
                          also=also))


def _nonzero(g) -> bool:
    """A gradient (a number or an array) with an entry that is not 0."""
    import numpy as np

    return bool(np.any(np.asarray(g) != 0))
