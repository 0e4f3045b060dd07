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
@click.option("--mode", type=click.Choice(["reverse", "forward"]), default="reverse", show_default=True,
              help="reverse: the forward pass then the backward pass; forward: forward mode, each node's "
                   "value and tangent along --wrt or --tangent, then the cost of both modes.")
@click_option(options.TRACE_WRT)
@click.option("--tangent", "tangent", multiple=True, metavar="NAME=VALUE,...",
              help="Forward mode: the direction, e.g. --tangent x=1,y=0.5 (inputs left out: 0).")
@out_option
def command(program, collapse, digits, step, delay, labels, fmt, out, mode, wrt, tangent):
    """\b
    backprop trace "(x+y)*z" --at x=-2,y=5,z=-4
    backprop trace -f samples/neuron.bp --collapse sigmoid
    backprop trace -f samples/staged.bp --step
    backprop trace "2*(x*y + max(z, w))" --at x=3,y=-4,z=2,w=-1 --delay 1.5
    backprop trace "(x+y)*z" --at x=-2,y=5,z=-4 --mode forward --wrt x

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

    --mode forward runs forward mode instead (docs/forward-mode.md): every node's value
    and tangent along --wrt NAME or --tangent x=1,y=0.5, each gate's tangent as local
    × incoming tangent, then what the whole gradient costs in each mode.
    """
    from ...views.console import make_console
    from ...views.styled import writer_for
    from ...views.trace import write

    if mode == "reverse" and (wrt is not None or tangent):
        from ...base.errors import InputError

        raise InputError("--wrt and --tangent choose the direction of forward mode",
                         "Add --mode forward, e.g. backprop trace \"x*y\" --at x=2,y=3 --mode forward --wrt x.")
    result = program.run(collapse=collapse)
    if mode == "forward":
        return _forward_mode(result, wrt, tangent, fmt, digits, labels, out)
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
        with result_stream(out, fmt=fmt, command="trace") as stream:
            for piece in document:
                stream.write(piece)
        return
    with result_stream(out, fmt=fmt, command="trace") as stream:
        if type(result.value) is not float:  # a tensor program
            from ...views import tensor_trace

            tensor_trace.render(result, make_console(file=stream), digits, labels)
            return
        if step or delay:  # pacing a demo prints and erases its prompt through Rich
            console = make_console(file=stream)
        else:
            from ...views.console import view_console

            console = view_console(stream)
        pace = Pacer(step, delay, console)
        write(result, writer_for(console), digits, labels, before_step=pace if pace.active else None)


def _forward_mode(result, wrt, tangent, fmt, digits, labels, out) -> None:
    from ...api import direction, forward_mode
    from ...base.errors import InputError

    if fmt == "latex":
        raise InputError("--format latex writes the backward trace; forward mode writes text or json",
                         "Leave out --mode forward for the LaTeX trace, or use --format json.")
    along = direction(wrt, tangent)
    if not along:
        raise InputError("--mode forward needs a direction: --wrt NAME or --tangent NAME=VALUE,...",
                         "e.g. --wrt x for the tangents d(node)/dx.")
    tangents = forward_mode(result, along, "--wrt" if wrt is not None else "--tangent")
    with result_stream(out, fmt=fmt, command="trace") as stream:
        if fmt == "json":
            from ...views.forward_trace import pieces_json

            stream.writelines(pieces_json(tangents, labels))
            return
        from ...views.console import make_console
        from ...views.forward_trace import write as write_forward
        from ...views.styled import writer_for

        write_forward(tangents, writer_for(make_console(file=stream)), digits, labels)


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
