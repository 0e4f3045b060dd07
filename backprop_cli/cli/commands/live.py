"""backprop live: a full-screen app where the inputs move and every value and gradient follows."""

from __future__ import annotations

import click

from .common import ExpressionCommand, collapse_option, program_options


@click.command(cls=ExpressionCommand, short_help="A full-screen app: type, nudge the inputs, step backprop.")
@program_options
@collapse_option
@click.option("--screenshot", metavar="FILE.svg",
              help="No terminal needed: draw the screen to an SVG file (for slides and docs) and exit.")
@click.option("--size", default="100x30", show_default=True, metavar="WxH",
              help="With --screenshot: the screen's columns and rows.")
@click.option("--keys", default="", metavar="KEYS",
              help="With --screenshot: keys to press first, e.g. 'n n n' or 'c right right'.")
def command(program, collapse, screenshot, size, keys):
    """\b
    backprop live "(x+y)*z" --at x=-2,y=5,z=-4
    backprop live -f samples/neuron.bp
    backprop live "1/(1+exp(-(w0*x0+w1*x1+w2)))" --at w0=2,x0=-1,w1=-3,x1=-2,w2=-3

    The expression in an editor at the top (it re-parses as you type), the graph with
    every node's value (green) and gradient (red), and the inputs beside it: select one
    with up/down, nudge it with left/right, +/- change the step, enter types a value.
    n and b walk the backward pass one gate at a time; c collapses the sigmoid, l shows
    full labels, p plots f and df/dx over the selected input; s saves the program with
    the current inputs as its defaults; e exports JSON, DOT or a picture; ? for help.

    Needs a terminal (80x24 or larger); q quits.  --screenshot draws the screen to an
    SVG file instead, after pressing --keys, without a terminal.
    """
    import sys

    from ...base.errors import InputError

    _need_textual()
    loaded = program.load()
    shot = None
    if screenshot is not None:
        shot = (screenshot, _size(size), _keys(keys))
    elif not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError("backprop live needs a terminal (standard input and output)",
                         "Run it in a terminal; for a printout use backprop eval or backprop trace, "
                         "for a picture of the app --screenshot FILE.svg.")
    from ...live.model import Session

    session = Session.of(loaded, collapse=collapse == "sigmoid")
    from ...live.app import LiveApp

    ctx = click.get_current_context()
    app = LiveApp(session, path=program.file if program.file not in (None, "-") else "",
                  debug=bool(ctx.meta.get("backprop.debug")))
    if shot is None:
        app.run()
    else:
        _screenshot(app, *shot)
    if app.failure is not None:
        raise app.failure


def _need_textual() -> None:
    """textual is the live extra (about 10 MB with its own dependencies): say what to install."""
    import importlib.util

    from ...base.errors import InputError, install_extra

    try:
        found = importlib.util.find_spec("textual") is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules
        found = False
    if not found:
        raise InputError("backprop live needs textual, which the default install leaves out",
                         f"Install the live extra: {install_extra('live')}.")


KEY_NAMES = {"up", "down", "left", "right", "enter", "escape", "tab", "space", "backspace", "home", "end",
             "plus", "minus", "question_mark"}


def _size(text: str) -> tuple:
    from ...base.errors import InputError

    columns, x, rows = text.lower().partition("x")
    if not (x and columns.isdigit() and rows.isdigit()) or not (40 <= int(columns) <= 500 and
                                                                 10 <= int(rows) <= 200):
        raise InputError(f"--size {text}: expected COLUMNSxROWS, 40x10 to 500x200", "For example --size 80x24.")
    return int(columns), int(rows)


def _keys(text: str) -> list:
    from ...base.errors import InputError

    keys = text.split()
    if "q" in keys:
        raise InputError("--keys: 'q' would quit before the screenshot", "Leave it out.")
    for key in keys:
        if not (len(key) == 1 and key.isprintable()) and key not in KEY_NAMES:
            raise InputError(f"--keys: unknown key '{key}'",
                             "Keys are single characters or " + ", ".join(sorted(KEY_NAMES)) + ".")
    return keys


def _screenshot(app, path: str, size: tuple, keys: list) -> None:
    from ...base.files import atomic_write, write_error

    async def pilot_script(pilot) -> None:
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await pilot.pause()
        app.settle()  # an edit still waiting for the keys to pause
        await pilot.pause()
        picture = app.export_screenshot()
        try:
            with atomic_write(path, "w", encoding="utf-8") as fh:
                fh.write(picture)
        except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
            app.exit(message=None)
            app.write_error = write_error(path, e)
            return
        app.exit()

    app.write_error = None
    app.run(headless=True, size=size, auto_pilot=pilot_script)
    if app.write_error is not None:
        raise app.write_error
