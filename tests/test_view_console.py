"""The views written through styled.writer_for (trace, check, quiz, the grader) come out byte for
byte the same through views.console.view_console, which leaves Rich unimported where it can, as
through Rich's own console: piped (plain text) and on a terminal (colour), NO_COLOR too."""

from __future__ import annotations

import io

import pytest

from backprop_cli.api import evaluate
from backprop_cli.views import check_report, console as consoles, grade, trace
from backprop_cli.views.styled import writer_for
from conftest import SAMPLES


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _views():
    neuron = (SAMPLES / "neuron.bp").read_text()
    result = evaluate(neuron)
    from backprop_cli.tasks.check.numeric import check

    report = check(result)
    return [
        ("trace", lambda console: trace.write(result, writer_for(console))),
        ("check", lambda console: check_report.render_table(report, console, 4)),
        ("grade", lambda console: grade.print_lines(console, [("a line of prose " * 12, "bold"), ("", None),
                                                               ("green words", "green"), ("red", "red")])),
    ]


@pytest.mark.parametrize("tty", [False, True])
@pytest.mark.parametrize("no_color", [False, True])
def test_view_console_writes_what_rich_would(monkeypatch, tty, no_color):
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "TERM", "COLORTERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "64")
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    for name, draw in _views():
        light_stream, rich_stream = (Terminal(), Terminal()) if tty else (io.StringIO(), io.StringIO())
        light = consoles.view_console(light_stream)
        assert type(light).__name__ == ("AnsiConsole" if tty else "PlainConsole"), name
        draw(light)
        draw(consoles.make_console(file=rich_stream))
        assert light_stream.getvalue() == rich_stream.getvalue(), name
        assert light_stream.getvalue()
        assert ("\x1b[" in light_stream.getvalue()) == (tty and not no_color), name


def test_view_console_leaves_the_unusual_to_rich(monkeypatch):
    from rich.console import Console

    monkeypatch.setenv("FORCE_COLOR", "1")
    assert isinstance(consoles.view_console(io.StringIO()), Console)
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert isinstance(consoles.view_console(Terminal()), Console)


def test_the_colour_writer_measures_as_it_writes():
    """styled's one-pass colour line: the same escapes as ansi(), the text's length beside them."""
    import random

    from backprop_cli.views import styled

    rng = random.Random(2)
    styles = [None, "green", "red", "bold", "dim", "italic", "break"]
    for _ in range(3000):
        line = [("".join(rng.choice("ab 1é中") for _ in range(rng.randint(0, 6))), rng.choice(styles))
                for _ in range(rng.randint(0, 10))]
        out, size = styled._ansi_sized(line)
        assert out == styled.ansi(line)
        assert size == len("".join(t for t, _ in line))
