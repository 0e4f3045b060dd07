"""The fast entry point (entry.py) against the click group: same output, same messages, same exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from backprop_cli.cli import entry
from backprop_cli.cli.group import main as click_main
from conftest import ROOT, SAMPLES

NEURON = str(SAMPLES / "neuron.bp")
SIMPLE = str(SAMPLES / "simple.bp")


class _FastCommand(click.Command):
    """Lets CliRunner run entry.main in the same captured streams as the click group."""

    def main(self, args=None, prog_name=None, **extra):
        code = entry.run_plain(list(args))
        assert code is not None, f"the fast path declined {args}"
        sys.exit(code)


def both(args):
    runner = CliRunner()
    slow = runner.invoke(click_main, args, catch_exceptions=False)
    fast = CliRunner().invoke(_FastCommand("backprop"), args, catch_exceptions=False)
    return slow, fast


PLAIN = [
    ["eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4"],
    ["eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "json"],
    ["eval", "(x+y)*z", "--at", "x=-2", "--at", "y=5,z=-4", "--format", "json", "--no-nodes"],
    ["eval", "-f", NEURON],
    ["eval", "--file", NEURON, "--format", "json"],
    ["eval", "-f", NEURON, "--digits", "10"],
    ["eval", "-f", NEURON, "--digits", "17", "--format", "table"],
    ["eval", "-f", NEURON, "--format", "table", "--format", "json"],
    ["eval", "-f", SIMPLE, "--of", "q", "--format", "json"],
    ["eval", "--format", "json", "x^2", "--at", "x=3"],
    ["eval", "sin(x)*x", "--at", "x=pi/4", "--digits", "3"],
    ["eval", "log(x)", "--at", "x=0"],
    ["eval", "log(x)", "--at", "x=0", "--allow-nonfinite", "--format", "json"],
    ["eval", "log(x)", "--at", "x=0,y=1"],
    ["eval", "x+y", "--at", "x=1"],
    ["eval", "x+", "--at", "x=1"],
    ["eval", "nosuch(x)", "--at", "x=1"],
    ["eval", "x*2", "--at", "x=1,x"],
    ["eval", "x*2", "--at", "x=1/0"],
    ["eval", "x", "--at", "x=1", "--of", "nope"],
    ["eval", "-f", str(ROOT / "no-such-file.bp")],
    ["eval", "-f", str(ROOT / "samples")],
    ["eval", "-f", NEURON, "x+1"],
    ["eval"],
    ["eval", "--format", "json"],
    ["eval", "", "--format", "json"],
    ["eval", "q = x+1\nq*q", "--at", "x=2", "--format", "json"],
    ["eval", "input x = 2\nx*x", "--format", "json", "--debug"],
    ["eval", "1/x", "--at", "x=0", "--debug"],
    ["eval", "max(x, y)", "--at", "x=1,y=1", "--format", "json"],
]


@pytest.mark.parametrize("args", PLAIN, ids=[" ".join(a)[:60] for a in PLAIN])
def test_the_fast_path_prints_what_click_prints(args):
    assert entry.plain_eval(args) is not None
    slow, fast = both(args)
    assert (fast.exit_code, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr)


DECLINED = [
    [], ["--help"], ["-h"], ["--version"], ["--debug", "eval", "x", "--at", "x=1"], ["trace", "x"],
    ["eval", "--help"], ["eval", "-x^2", "--at", "x=3"], ["eval", "-"], ["eval", "-f", "-"], ["eval", "-f", SIMPLE, "--output", "q"],
    ["eval", "x", "--at"], ["eval", "x", "--at", "-x=1"], ["eval", "x", "--format", "JSON"],
    ["eval", "x", "--format", "xml"], ["eval", "x", "--digits", "0"], ["eval", "x", "--digits", "18"],
    ["eval", "x", "--digits", "+5"], ["eval", "x", "--digits", "five"], ["eval", "x", "y"],
    ["eval", "x", "--at=x=1"], ["eval", "--", "x"], ["eval", "-fsamples/neuron.bp"], ["eval", "x", "--nodes"],
    ["eval", "x", "--format"], ["eval", "x", "--output"],
]


@pytest.mark.parametrize("args", DECLINED, ids=[" ".join(a)[:60] or "nothing" for a in DECLINED])
def test_unusual_arguments_go_to_click(args):
    assert entry.plain_eval(args) is None


def test_a_completion_request_goes_to_click(monkeypatch):
    monkeypatch.setenv("_BACKPROP_COMPLETE", "bash_complete")
    assert entry.run_plain(["eval", "x", "--at", "x=1"]) is None


def _script(*args, env=None):
    """The console script as installed: `python -c 'from backprop_cli.cli.entry import main; ...'`."""
    code = "import sys; from backprop_cli.cli.entry import main; sys.exit(main())"
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=full_env, cwd=ROOT)


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_the_console_script_answers_without_importing_click_lark_rich_or_dataclasses(fmt):
    heavy = ("click", "lark", "rich", "dataclasses", "typing", "json")
    code = ("import sys; from backprop_cli.cli.entry import main; main(['eval', '-f', sys.argv[1], "
            f"'--format', {fmt!r}]); print(' '.join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    out = subprocess.run([sys.executable, "-c", code, NEURON], capture_output=True, text=True,
                         env=dict(env, PYTHONPATH=str(ROOT)), cwd=ROOT)
    assert out.returncode == 0, out.stderr
    if fmt == "json":
        assert json.loads(out.stdout)["output"]["value"] == pytest.approx(0.7310585786300049)
    else:
        assert "df/dw0 = -0.1966" in out.stdout
    assert out.stderr.split() == [], out.stderr


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.bp")), ids=lambda p: p.stem)
def test_the_table_without_rich_is_the_table_through_rich(path):
    import io

    from backprop_cli.api import load
    from backprop_cli.views import table
    from backprop_cli.views.console import PlainConsole, make_console

    result = load(file=str(path)).run()
    plain, rich = io.StringIO(), io.StringIO()
    table.render(result, PlainConsole(plain), 4)
    table.render(result, make_console(file=rich), 4)
    assert plain.getvalue() == rich.getvalue() and "gradient" in plain.getvalue()


def test_rich_draws_the_table_when_colour_is_asked_for(monkeypatch):
    import io

    from backprop_cli.views.console import plain_console

    assert plain_console(io.StringIO()) is not None
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert plain_console(io.StringIO()) is None


def test_the_console_script_end_to_end():
    ok = _script("eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "json", "--no-nodes")
    assert ok.returncode == 0 and json.loads(ok.stdout)["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    bad = _script("eval", "x+", "--at", "x=1")
    assert bad.returncode == 2 and bad.stderr.startswith("Error: ") and bad.stdout == ""
    helped = _script("--help")
    assert helped.returncode == 0 and "Commands" in helped.stdout
    unknown = _script("eval", "x", "--nodes")
    assert unknown.returncode == 2 and "No such option" in unknown.stderr


def test_the_progress_bar_shows_on_a_terminal_after_the_delay_only():
    import io

    from backprop_cli import api
    from backprop_cli.cli.output import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    source = "+".join(f"sin(x*{i}+y)" for i in range(1, 6000))
    screen = Terminal()
    progress = Progress("parsing", delay=0.0, stream=screen)
    api.build(source, progress=progress)
    drawn = screen.getvalue()
    assert "parsing" in drawn and "%" in drawn and "━" in drawn  # Rich's bar
    progress.done()
    assert len(screen.getvalue()) > len(drawn)  # the bar wiped (Rich's transient bar)

    piped = io.StringIO()
    api.build(source, progress=Progress("parsing", delay=0.0, stream=piped))
    assert piped.getvalue() == ""
    late = Terminal()
    api.build(source, progress=Progress("parsing", delay=60.0, stream=late))
    assert late.getvalue() == ""


# ---- one table of eval's options: the fast path and click read the same entries -------------------

from backprop_cli.cli import options  # noqa: E402
from backprop_cli.cli.group import COMMANDS  # noqa: E402


def _command(name):
    return click_main.get_command(click.Context(click_main), name)


def _click_options(name) -> dict:
    return {p.name: p for p in _command(name).params if isinstance(p, click.Option)}


def test_every_option_of_eval_is_read_by_the_fast_path_or_deliberately_left_to_click():
    fast = {option.dest for option in options.EVAL}
    assert not fast & set(options.EVAL_CLICK_ONLY)
    ctx = click.Context(_command("eval"), help_option_names=["-h", "--help"])
    for param in _command("eval").get_params(ctx):
        if set(_flags(param)) == set(ctx.help_option_names):
            continue  # the help screen is click's
        if isinstance(param, click.Argument):
            assert param.name == "expr", f"eval's argument {param.name} is new: teach entry.plain_eval it"
        else:
            assert param.name in fast or param.name in options.EVAL_CLICK_ONLY, (
                f"eval --{param.name} is neither read by the fast path (options.EVAL) "
                f"nor listed in options.EVAL_CLICK_ONLY")
    assert fast <= set(_click_options("eval")), "options.EVAL lists an option click does not have"


def _flags(param) -> tuple:
    return tuple(param.opts + param.secondary_opts)


@pytest.mark.parametrize("option", options.EVAL, ids=lambda o: o.dest)
def test_click_builds_eval_options_from_the_table(option):
    param = _click_options("eval")[option.dest]
    assert _flags(param) == option.flags
    assert param.is_flag == option.is_flag and param.multiple == option.multiple
    assert param.help == option.help
    given = _command("eval").make_context("eval", ["x"]).params  # what click passes when nothing is given
    if param.expose_value:
        assert given[option.dest] == (tuple(option.initial()) if option.multiple else option.initial())
    choices = getattr(param.type, "choices", None)
    assert (tuple(choices) if choices is not None else None) == option.choices
    if isinstance(param.type, click.IntRange):
        assert (param.type.min, param.type.max) == option.int_range
    else:
        assert option.int_range is None


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_spells_the_shared_options_as_the_table_does(command):
    shared = [options.FILE, options.AT, options.OUTPUT, options.ALLOW_NONFINITE, options.DEBUG]
    params = _click_options(command)
    for option in shared:
        for param in params.values():
            if set(_flags(param)) & set(option.flags):
                assert (_flags(param), param.name, param.help) == (option.flags, option.dest, option.help)
    assert "debug" in params  # every command has --debug (not every one reads a program)


#: a value for each free-text option of eval, on samples/neuron.bp
SAMPLE_VALUES = {"file": NEURON, "at": "w0=1", "output": "f", "get": "df/dw0"}


def _cases_from_click():
    """Argument lists built from click's own parameters of eval: every choice, both ends of every
    range, every flag, a sample for every free-text option; and values click must judge itself."""
    accepted, declined = [], []
    base = ["eval", "-f", NEURON]
    for param in _command("eval").params:
        if not isinstance(param, click.Option) or param.name not in {o.dest for o in options.EVAL}:
            continue
        flag = param.opts[-1]
        if param.is_flag:
            accepted.append(base + [flag])
        elif isinstance(param.type, click.Choice):
            accepted += [base + [flag, choice] for choice in param.type.choices]
            declined.append(base + [flag, "no-such-choice"])
        elif isinstance(param.type, click.IntRange):
            low, high = param.type.min, param.type.max
            accepted += [base + [flag, str(low)], base + [flag, str(high)]]
            declined += [base + [flag, str(low - 1)], base + [flag, str(high + 1)]]
        else:
            assert param.name in SAMPLE_VALUES, f"give eval --{param.name} a sample value in SAMPLE_VALUES"
            args = ["eval", flag, SAMPLE_VALUES[param.name]] if param.name == "file" else \
                base + [flag, SAMPLE_VALUES[param.name]]
            accepted.append(args)
        declined.append(base + [flag] if not param.is_flag else base + [flag + "x"])
    return accepted, declined


ACCEPTED, UNUSUAL = _cases_from_click()


def _ids(cases):
    return [" ".join(a[1:]).replace(NEURON, "neuron.bp") for a in cases]


@pytest.mark.parametrize("args", ACCEPTED, ids=_ids(ACCEPTED))
def test_the_fast_path_reads_every_value_click_accepts_and_prints_the_same(args):
    assert entry.plain_eval(args) is not None
    slow, fast = both(args)
    assert slow.exit_code == 0, slow.stderr
    assert (fast.exit_code, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr)


@pytest.mark.parametrize("args", UNUSUAL, ids=_ids(UNUSUAL))
def test_the_fast_path_leaves_values_click_rejects_to_click(args):
    assert entry.plain_eval(args) is None
    assert CliRunner().invoke(click_main, args).exit_code == 2


def _table_through(console, source, at=()):
    from backprop_cli.api import load
    from backprop_cli.views import table

    table.render(load(source, at=at).run(), console, 4)
    return console.file.getvalue()


TABLE_CASES = [(str(p.read_text()), ()) for p in sorted(SAMPLES.glob("*.bp"))] + [
    ("x", ("x=1",)), ("(x+y)*z", ("x=-2,y=5,z=-4",)), ("relu(x)*max(x, y)", ("x=0,y=0",)),
    ("log(x)", ("x=1e-300",)), ("q = x*y\nq + sin(q)/x", ("x=3,y=1e10",))]


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
@pytest.mark.parametrize("source, at", TABLE_CASES, ids=[s.splitlines()[-1][:30] for s, _ in TABLE_CASES])
def test_the_table_on_a_terminal_without_rich_is_what_rich_writes(source, at, no_color):
    import io

    from rich.console import Console

    from backprop_cli.views.console import AnsiConsole

    ours = _table_through(AnsiConsole(io.StringIO(), 200, no_color=no_color), source, at)
    for system in ("standard", "256", "truecolor"):
        rich = Console(file=io.StringIO(), force_terminal=True, width=200, color_system=system, highlight=False,
                       emoji=False, soft_wrap=False, no_color=no_color)
        assert ours == _table_through(rich, source, at)
    assert ("\x1b[32m" in ours) != no_color and ("\x1b[1m" in ours) != no_color


class _Terminal(__import__("io").StringIO):
    def isatty(self):
        return True


def test_a_table_wider_than_the_terminal_is_fitted_to_it_through_either_console(monkeypatch):
    import io

    from rich.console import Console

    from backprop_cli.views.console import AnsiConsole

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    source, at = TABLE_CASES[1]  # the neuron
    ours = _table_through(AnsiConsole(_Terminal(), 60), source, at)
    rich = Console(file=_Terminal(), force_terminal=True, width=60, color_system="256", highlight=False,
                   emoji=False, soft_wrap=False)
    assert ours == _table_through(rich, source, at)
    plain = [re.sub("\x1b\\[[0-9;]*m", "", line) for line in ours.splitlines()]
    assert max(map(len, plain)) <= 60 and "\x1b[32m" in ours


def test_only_a_plain_terminal_gets_the_console_without_rich(monkeypatch):
    import io

    from backprop_cli.views.console import AnsiConsole, terminal_console

    Terminal = _Terminal
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "TERM", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "90")
    console = terminal_console(Terminal())
    assert isinstance(console, AnsiConsole) and console.width == 90 and not console.no_color
    assert terminal_console(io.StringIO()) is None  # not a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    assert terminal_console(Terminal()).no_color
    for name, value in (("TERM", "dumb"), ("FORCE_COLOR", "1"), ("TTY_COMPATIBLE", "1")):
        monkeypatch.setenv(name, value)
        assert terminal_console(Terminal()) is None
        monkeypatch.delenv(name)


def _on_a_terminal(args, **env):
    """The console script's output under a real pseudo-terminal (80 columns)."""
    import pty
    import select
    import struct

    master, slave = pty.openpty()
    import fcntl
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    clean = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "COLUMNS")}
    code = "import sys; from backprop_cli.cli.entry import main; sys.exit(main())"
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdin=slave, stdout=slave, stderr=slave,
                            env=dict(clean, PYTHONPATH=str(ROOT), TERM="xterm-256color", **env), cwd=ROOT)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(30) == 0
    return out


@pytest.mark.parametrize("args", [["eval", "-f", NEURON], ["eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4"],
                                  ["eval", "-f", NEURON, "--at", "w0=0.123456789123,x1=3.14159265358979", "--digits", "17"]],
                         ids=["neuron", "simple", "wider than 80 columns"])
def test_on_a_real_terminal_the_table_without_rich_is_rich_table(args):
    ours = _on_a_terminal(args)
    assert ours == _on_a_terminal(args, FORCE_COLOR="1")  # FORCE_COLOR: Rich draws it
    assert b"\x1b[1;32m" in ours
