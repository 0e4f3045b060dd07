"""backprop trace: the forward and backward pass step by step, for a class or a careful reader."""

from __future__ import annotations

import sys
import time

import click

from .. import options
from .common import ExpressionCommand, collapse_option, labels_option, out_option, program_options, result_stream, click_option


@click.command(cls=ExpressionCommand, short_help="Walk the forward and backward pass step by step.")
@program_options
@collapse_option
@click_option(options.DIGITS_SHOWN)
@click.option("--step", is_flag=True,
              help="On a terminal, wait for Enter before each backward step (q then Enter: show the rest).")
@click_option(options.TRACE_DELAY)
@labels_option
@click_option(options.FORMATS["trace"])
@out_option
def command(program, collapse, digits, step, delay, labels, fmt, out):
    """\b
    backprop trace "(x+y)*z" --at x=-2,y=5,z=-4
    backprop trace -f samples/neuron.bp --collapse sigmoid
    backprop trace -f samples/staged.bp --step
    backprop trace "2*(x*y + max(z, w))" --at x=3,y=-4,z=2,w=-1 --delay 1.5

    The forward pass node by node, then the backward pass gate by gate in reverse
    topological order.  For every edge: the upstream gradient, the local gradient as a
    formula and a number, and their product, the gradient that flows on; where a node
    feeds several gates, its gradients add.

    Nodes go by short names as in the lecture (q, f, and t1, t2, ... for unnamed gates),
    listed with their formulas in the forward pass; --labels full writes out every
    subexpression instead.  Lines fit the terminal (or $COLUMNS when piped).

    --step and --delay are for a live demo; without a terminal they are ignored and
    everything prints at once.  --format json gives the same forward entries and
    backward steps to a script (see docs/commands.md); --format latex an align* block
    for slides (docs/notebooks.md).
    """
    from ...views.console import make_console
    from ...views.styled import writer_for
    from ...views.trace import write

    result = program.run(collapse=collapse)
    if fmt in ("json", "latex"):
        if type(result.value) is not float:
            from ...base.errors import InputError

            raise InputError(f"trace --format {fmt}: scalar programs only for now",
                             "For a tensor program: backprop eval ... --format json has every node's "
                             "value and gradient; trace without --format shows the steps.")
        if fmt == "latex":
            from ...views.latex import trace as pieces

            document = pieces(result, digits, labels)
        else:
            from ...views.trace_json import pieces

            document = pieces(result, labels)
        with result_stream(out) as stream:
            for piece in document:
                stream.write(piece)
        return
    with result_stream(out) as stream:
        if type(result.value) is not float:  # a tensor program
            from ...views import tensor_trace

            tensor_trace.render(result, make_console(file=stream), digits)
            return
        if step or delay:  # pacing a demo prints and erases its prompt through Rich
            console = make_console(file=stream)
        else:
            from ...views.console import view_console

            console = view_console(stream)
        pace = Pacer(step, delay, console)
        write(result, writer_for(console), digits, labels, before_step=pace if pace.active else None)


class Pacer:
    """Waits before each backward step: for Enter (--step, which needs a terminal to read from and
    to print to) or for a while (--delay, which needs a terminal to print to).  A script never waits."""

    def __init__(self, step: bool, delay: float, console) -> None:
        out_tty = console.is_terminal
        in_tty = _isatty(sys.stdin)
        self.step = step and out_tty and in_tty
        self.delay = delay if out_tty else 0
        self.console = console

    @property
    def active(self) -> bool:
        return bool(self.step or self.delay)

    def __call__(self) -> None:
        if self.step:
            self.console.print("[Enter: next step, q Enter: all the rest]", style="dim", end="")
            self.console.file.flush()
            answer = sys.stdin.readline()
            # Erase the prompt line (the Enter moved to the next line: go up and clear it).
            _erase_prompt(self.console)
            if not answer or answer.strip().lower() == "q":
                self.step = False
                self.delay = 0
        elif self.delay:
            self.console.file.flush()
            time.sleep(self.delay)


def _erase_prompt(console) -> None:
    from rich.control import Control
    from rich.segment import ControlType

    console.control(Control((ControlType.CURSOR_UP, 1), (ControlType.ERASE_IN_LINE, 2)))


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
