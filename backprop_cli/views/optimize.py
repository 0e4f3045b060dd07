"""Gradient descent for people: the table of steps (live in a terminal), the loss curve, and JSON."""

from __future__ import annotations

import json
import math

from ..base.numbers import json_value, show
from .console import GRAD_STYLE, VALUE_STYLE

TABLE_ROWS = 20


def _is_array(v) -> bool:
    return type(v) is not float and hasattr(v, "shape") and bool(v.shape)


def _num(v, digits: int) -> str:
    """A number, or an array's norm (its column or name says ‖W‖)."""
    if not _is_array(v):
        return show(float(v), digits)
    import numpy as np

    return show(float(np.linalg.norm(v)), digits)


def _name(name: str, v) -> str:
    """An input's name, ‖W‖ for an array (shown by its norm)."""
    return f"‖{name}‖" if _is_array(v) else name


def _norm(gradients: dict, wrt: list) -> float:
    """The length of the whole gradient (math.hypot: no overflow in the squares)."""
    parts = [gradients[name] for name in wrt]
    if all(type(g) is float for g in parts):
        return math.hypot(*parts)
    import numpy as np

    return math.hypot(*(float(np.linalg.norm(g)) for g in parts))


def stride(steps: int, rows: int = TABLE_ROWS) -> int:
    """Show every n-th step so that a table of ``steps`` has about ``rows`` rows."""
    return max(1, math.ceil(steps / rows))


def table(rows: list, wrt: list, out_name: str, digits: int):
    """step | f | each moving input | |gradient|, one row per Step."""
    from rich.table import Table

    t = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0))
    # Every cell is one number, as wide as it needs: a narrow terminal folds it, never cuts it.
    t.add_column("step", justify="right", overflow="fold")
    t.add_column(out_name, justify="right", style=VALUE_STYLE, overflow="fold")
    first = rows[0].at if rows else {}
    for name in wrt:
        t.add_column(_name(name, first.get(name, 0.0)), justify="right", overflow="fold")
    t.add_column(f"|grad {out_name}|", justify="right", style=GRAD_STYLE, overflow="fold")
    for s in rows:
        norm = _norm(s.gradients, wrt)
        t.add_row(str(s.step), show(s.value, digits), *[_num(s.at[name], digits) for name in wrt],
                  show(norm, digits))
    return t


def final_line(last, wrt: list, out_name: str, digits: int) -> str:
    point = ", ".join(f"{_name(name, v)} = {_num(v, digits)}" for name, v in last.at.items()
                      if name in wrt or not _is_array(v))
    return f"after {last.step} step{'s' if last.step != 1 else ''}: {out_name} = {show(last.value, digits)} at {point}"


#: at most this many points of the loss curve are kept and drawn, however many steps ran
CURVE_POINTS = 2000


class CurveSampler:
    """The loss curve's points for ``steps`` steps, kept as they come: every k-th step (and the
    last), at most about CURVE_POINTS of them, so memory does not grow with --steps."""

    def __init__(self, steps: int) -> None:
        self.every = max(1, math.ceil(steps / CURVE_POINTS))
        self.steps, self.values = [], []

    def __call__(self, step) -> None:
        if step.step % self.every == 0:
            self.steps.append(step.step)
            self.values.append(step.value)

    def finish(self, last) -> None:
        if not self.steps or self.steps[-1] != last.step:
            self.steps.append(last.step)
            self.values.append(last.value)


def integer_ticks(last: int, most: int = 7) -> list:
    """Whole-number step ticks from 0 to ``last``, at most ``most`` of them."""
    if last <= 0:
        return [0]
    stride = max(1, math.ceil(last / (most - 1)))
    # a round stride: 1, 2, 5, 10, 20, 50 ...
    magnitude = 10 ** (len(str(stride)) - 1)
    stride = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= stride)
    return list(range(0, last + 1, stride))


def no_log_axis(values: list):
    """Why a loss curve asked for on a logarithmic axis is drawn on a linear one, or None: a value
    that is not > 0 has no logarithm, and a curve flat within 0.01% shows nothing more on a log
    axis (and plotext would put its ticks at 0 and below)."""
    if not all(v > 0 for v in values):
        return "the loss is not always > 0"
    if max(values) <= min(values) * (1 + 1e-4):
        return "the loss is flat"
    return None


def curve(steps: list, values: list, out_name: str, width: int, height: int, color: bool,
          log_y: bool = False, label: str = "", also=None) -> str:
    """The loss curve: the output's value by step (whole-number steps on the x axis; ``log_y``: a
    logarithmic value axis, for values > 0).  ``also``: (label, steps, values) of a second curve to
    compare with (dots), named with ``label`` in a legend."""
    from .plotext_loader import plotext

    plt = plotext()

    fig = plt.figure
    fig.clear()
    fig.theme("simple")
    marker = plt.marker("braille")
    marker.fill(VALUE_STYLE)
    signal = fig.signal(list(steps), list(values), marker=marker).lines()
    fig.draw(signal)
    fig.legend(False)
    if also is not None:
        other, steps2, values2 = also
        # A comparison that runs away (gradient descent diverging to 1e226) would flatten the curve
        # asked for into its floor: its points above the chart's top are drawn on it, and the
        # legend says so.
        low, high = min(list(values) + list(values2)), max(values)
        top = high + 0.25 * (high - low) if high > low else high + 1
        if not log_y and max(values2) > high + 2 * (high - low):
            values2 = [min(v, top) for v in values2]
            other += f" (cut at {show(top, 3)})"
        dots = plt.marker("dot")
        dots.fill(GRAD_STYLE)
        fig.draw(fig.signal(list(steps2), list(values2), marker=dots).lines())
        steps = steps if steps2[-1] <= steps[-1] else steps2
        out_name = f"{out_name} by step: ⠉⠒ {label}, ••• {other}"
    fig.title((out_name if also is not None else f"{out_name} by step") + (" (log scale)" if log_y else ""))
    fig.label("step", "x")
    ticks = integer_ticks(int(steps[-1]) if steps else 0)
    fig.ruler("x").ticks(ticks, [str(t) for t in ticks])
    if log_y:
        fig.ruler("y").scale("log")
    fig.plot_size(width, height)
    return "\n".join(line.rstrip() for line in fig.build().string(colorless=not color).splitlines())


def _point(s, with_step: bool = True) -> dict:
    d = {"step": s.step} if with_step else {}
    d.update(value=json_value(s.value), at={k: _json(v) for k, v in s.at.items()},
             gradients={k: _json(v) for k, v in s.gradients.items()})
    return d


def document(history: list, wrt: list, out_name: str, lr: float) -> dict:
    return {"output": out_name, "wrt": list(wrt), "lr": lr,
            "steps": [_point(s) for s in history[:-1]],
            "final": _point(history[-1], with_step=False)}


def _json(v):
    if type(v) is float or not hasattr(v, "shape") or not v.shape:
        return json_value(float(v))
    from .tensor_text import nested

    return nested(v)


def render_json(history: list, wrt: list, out_name: str, lr: float) -> str:
    return json.dumps(document(history, wrt, out_name, lr), indent=2, allow_nan=False)


class JsonSteps:
    """``render_json``'s text, written a step at a time as the descent makes them, so that memory
    does not grow with --steps: ``step(s)`` for every step, then ``finish()`` (the last step given is
    "final"), or ``fail(message)`` when a step failed: the document is closed with "final": null and
    "error", so that what was written is still one JSON document."""

    def __init__(self, write, wrt: list, out_name: str, lr: float, head: dict = None) -> None:
        self.write = write
        self.held = None  # the latest step: "final" if no other comes
        self.items = 0
        if head is None:
            head = {"output": out_name, "wrt": list(wrt), "lr": lr}
        text = json.dumps(head, indent=2, allow_nan=False)
        write(text[:-2] + ",\n")  # the object left open after its last key

    def step(self, s) -> None:
        if self.held is not None:
            item = json.dumps(_point(self.held), indent=2, allow_nan=False).replace("\n", "\n    ")
            self.write(('  "steps": [\n    ' if not self.items else ",\n    ") + item)
            self.items += 1
        self.held = s

    def _close_steps(self) -> None:
        self.write("\n  ],\n" if self.items else '  "steps": [],\n')

    def finish(self, tail: dict = None) -> None:
        """Close the document; ``tail``: keys written after "final"."""
        self._close_steps()
        final = json.dumps(_point(self.held, with_step=False), indent=2, allow_nan=False)
        self.write('  "final": ' + final.replace("\n", "\n  ") + _tail(tail) + "\n}\n")

    def fail(self, message: str, tail: dict = None) -> None:
        if self.held is not None:
            self.step(None)  # the last good step is a step, not the final point
        self._close_steps()
        self.write('  "final": null,\n  "error": ' + json.dumps(message) + _tail(tail) + "\n}\n")


def _tail(keys) -> str:
    return "".join(f",\n  {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in (keys or {}).items())
