"""What `backprop trace` does once its options are read, without click (the click command, trace.py, and
the fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

import sys
import time

from ...base.numbers import DEFAULT_DIGITS
from .common import result_stream


def run(program, collapse="none", digits=DEFAULT_DIGITS, step=False, delay=0, labels="short", fmt="text", out=None,
        mode="reverse", wrt=None, tangent=()):
    from ...views.console import make_console
    from ...views.styled import writer_for
    from ...views.trace import write

    if mode == "reverse" and (wrt is not None or tangent):
        from ...base.errors import InputError

        raise InputError("--wrt and --tangent choose the direction of forward mode",
                         "Add --mode forward, e.g. backprop trace \"x*y\" --at x=2,y=3 --mode forward --wrt x.")
    result = program.run(collapse=collapse)
    # The graph and its result live until the process ends: the collector need not walk them again
    # each time the trace's strings trigger a full collection (0.1 s of a 100,000-gate trace).
    import gc

    gc.freeze()
    if mode == "forward":
        return _forward_mode(result, wrt, tangent, fmt, digits, labels, out)
    if fmt in ("json", "latex"):
        if fmt == "latex" and type(result.value) is not float:
            from ...base.errors import InputError

            raise InputError("trace --format latex: scalar programs only for now",
                             "For a tensor program: trace --format json has the same steps, and trace "
                             "without --format shows them as text.")
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
        write(result, writer_for(console, background=True), digits, labels, before_step=pace if pace.active else None)


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
