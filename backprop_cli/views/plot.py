"""f and df/dx drawn in the terminal (plotext), one panel each, and the same numbers as CSV.

Points are drawn as computed, joined by straight lines: a kink stays a corner, a jump in df/dx
stays a jump.  Points where the value is undefined (where `eval` would stop) are left out and the
line is broken there, so they show as gaps; so are infinite gradients in the df/dx panel.
"""

from __future__ import annotations

import numpy as np

from ..core.graph import Graph
from ..base.numbers import show
from ..core.ops import GATES
from ..tasks.plot import Sweep

F_COLOR, GRAD_COLOR = "green", "red"  # as VALUE_STYLE and GRAD_STYLE in the tables


def names(graph: Graph, sweep: Sweep) -> tuple:
    out = graph.output_name
    return sweep.name, out, f"d{out}/d{sweep.name}"


def csv_text(graph: Graph, sweep: Sweep) -> str:
    """Columns x, f, df/dx at full precision; undefined points as eval --allow-nonfinite gives them."""
    block = np.column_stack([sweep.xs, sweep.f, sweep.dfdx])
    header = ",".join(names(graph, sweep)) + "\n"
    return header + ("%r,%r,%r\n" * len(block)) % tuple(block.ravel().tolist())


def draw(graph: Graph, sweep: Sweep, width: int, height: int, color: bool) -> str:
    from .plotext_loader import plotext

    plt = plotext()

    x_name, f_name, d_name = names(graph, sweep)
    fig = plt.figure
    fig.clear()
    fig.theme("simple")
    fig.subplots(2, 1)
    panels = [(fig.subplot(1, 1), sweep.f, f"{f_name} = {_expression(graph)}", F_COLOR),
              (fig.subplot(2, 1), sweep.dfdx, d_name, GRAD_COLOR)]
    for panel, ys, title, colour in panels:
        keep = ~sweep.undefined & np.isfinite(ys)
        idx = np.flatnonzero(keep)
        panel.theme("simple")  # no painted background: the terminal's own shows through
        panel.legend(False)
        panel.label(x_name, "x")
        panel.ruler("x").lim(float(sweep.xs[0]), float(sweep.xs[-1]))  # gaps at the ends show too
        if not len(idx):
            panel.title(f"{title}: undefined everywhere on the range")
            continue
        with np.errstate(over="ignore"):
            span = float(np.max(ys[idx])) - float(np.min(ys[idx]))
        if not np.isfinite(span):  # plotext's axis arithmetic would overflow
            panel.title(f"{title.split(' = ')[0]}: too wide a spread to draw; see --format csv")
            continue
        panel.title(title)
        marker = plt.marker("braille")
        marker.fill(colour)
        signal = panel.signal(sweep.xs[idx].tolist(), ys[idx].tolist(), marker=marker).lines()
        for k in np.flatnonzero(np.diff(idx) > 1):
            signal.line(int(k) + 1, False)  # a gap: don't join across undefined points
        panel.draw(signal)
    fig.plot_size(width, height)
    return _rstrip(fig.build().string(colorless=not color))


def _rstrip(text: str) -> str:
    """No trailing blanks on the picture's lines (they only get in the way when piped)."""
    return "\n".join(line.rstrip() for line in text.splitlines())


def notes(graph: Graph, sweep: Sweep) -> list:
    """What the picture can't say: where it is undefined, where df/dx is infinite, where the kinks are."""
    x_name, f_name, d_name = names(graph, sweep)
    out = []
    n = len(sweep.xs)
    if sweep.undefined.any():
        out.append(f"{f_name} is undefined at {int(sweep.undefined.sum())} of {n} points "
                   f"({_ranges(sweep.xs, sweep.undefined, x_name)}): gaps in both panels")
    infinite = ~sweep.undefined & ~np.isfinite(sweep.dfdx)
    if infinite.any():
        out.append(f"{d_name} is not finite at {_ranges(sweep.xs, infinite, x_name)}: a gap in its panel")
    seen = set()
    for x, i in sweep.kinks:
        if (x, graph.op[i]) in seen or len(seen) >= 5:
            continue
        seen.add((x, graph.op[i]))
        out.append(f"kink at {x_name} = {show(x)}: {graph.label(i, 30)} is not differentiable there; "
                   f"{d_name} uses the convention{_convention(GATES[graph.op[i]].pattern)}")
    return out


def _convention(pattern: str) -> str:
    """The parenthesis that ends an op's pattern: "relu'(0) = 0", "a tie splits it"."""
    start = pattern.rfind(" (")
    return f" ({pattern[start + 2:-1]})" if pattern.endswith(")") and start >= 0 else ""


def _expression(graph: Graph) -> str:
    i = graph.output
    text = graph.text(i) if graph.end[i] - graph.start[i] < 200 else graph.label(i)
    return text if len(text) <= 60 else text[:59] + "…"


def _ranges(xs: np.ndarray, mask: np.ndarray, name: str, most: int = 3) -> str:
    """Runs of True in mask as 'x = a' or 'x from a to b', the first few."""
    idx = np.flatnonzero(mask)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    parts = []
    for run in runs[:most]:
        a, b = float(xs[run[0]]), float(xs[run[-1]])
        parts.append(f"{name} = {show(a)}" if len(run) == 1 else f"{name} from {show(a)} to {show(b)}")
    if len(runs) > most:
        parts.append(f"and {len(runs) - most} more")
    return ", ".join(parts)
