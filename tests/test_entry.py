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
POINTS = str(SAMPLES / "points" / "neuron.csv")
ANSWERS = str(SAMPLES / "exercises" / "simple-quiz-answers.txt")


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
    ["gates"], ["gates", "--format", "json"], ["gates", "--width", "60", "--debug"],
    ["codegen", "(x+y)*z"], ["codegen", "-f", NEURON, "--lang", "numpy", "--hvp"],
    ["codegen", "x+", "--lang", "c"], ["codegen", "-f", str(ROOT / "no-such-file.bp")],
    ["codegen", "-f", str(SAMPLES / "staged.bp"), "--lang", "js", "--name", "g", "--format", "json"],
    ["codegen", "sum(W)", "--lang", "c"], ["codegen", "nosuch(x)"], ["codegen"],
    ["diff", "x^3 + sin(x)*y", "--wrt", "x"], ["diff", "x^3 + sin(x)*y"], ["diff", "x^3", "--wrt", "y"],
    ["diff", "x^2*sin(y)", "--wrt", "x,y", "--order", "2"], ["diff", "x*y", "--wrt", "x,y"],
    ["diff", "-f", SIMPLE, "--of", "q", "--wrt", "x", "--format", "json"], ["diff", "x^", "--wrt", "x"],
    ["trace", "(x+y)*z", "--at", "x=-2,y=5,z=-4"], ["trace", "-f", NEURON, "--format", "json"],
    ["trace", "-f", NEURON, "--format", "latex", "--labels", "full"], ["trace", "x*y", "--at", "x=1,y=1", "--wrt", "x"],
    ["trace", "x*y", "--at", "x=2,y=3", "--mode", "forward", "--wrt", "x"], ["trace", "1/x", "--at", "x=0"],
    ["trace", "x*y", "--at", "x=2,y=3", "--mode", "forward", "--tangent", "x=1,y=0.5", "--format", "json"],
    ["check", "-f", NEURON], ["check", "relu(x)*y", "--at", "x=0,y=2"], ["check", "-f", NEURON, "--format", "json"],
    ["check", "x^2*y + sin(x*y)", "--at", "x=1,y=2", "--order", "2"], ["check", "log(x)", "--at", "x=-1"],
    ["check", "x^2", "--at", "x=3", "--method", "directions", "--directions", "3", "--digits", "3"],
    ["graph", "-f", NEURON], ["graph", "(x+y)*z"], ["graph", "-f", NEURON, "--format", "mermaid"],
    ["graph", "-f", NEURON, "--format", "tikz", "--digits", "3"], ["graph", "-f", NEURON, "-o", "x.xyz"],
    ["graph", "-f", NEURON, "-o", "x.mmd", "--format", "dot"],
    ["quiz", "-f", SIMPLE, "--answers", ANSWERS], ["quiz", "-f", SIMPLE, "--answers", ANSWERS, "--format", "json"],
    ["quiz", "--seed", "3", "--answers", str(SAMPLES / "exercises" / "quiz-seed-3-answers.txt")],
    ["quiz", "-f", SIMPLE, "--answers", str(ROOT / "no-such-answers.txt")],
    ["quiz", "-f", SIMPLE, "--answers", ANSWERS, "--only", "backward", "--significant", "4"],
    ["quiz", "x*y", "--at", "x=2,y=3", "--random", "--answers", ANSWERS],
    ["plot", "sin(x)", "--over", "x=0:3"], ["plot", "sin(x)", "--over", "x=0:3", "--format", "csv"],
    ["plot", "sin(x)*y", "--over", "x=0:3"], ["plot", "sin(x)", "--over", "x=3"],
    ["plot", "log(x)", "--over", "x=-1:1:11", "--format", "csv"], ["plot", "sin(x)", "--over", "y=0:1"],
    ["batch", "-f", NEURON, "-i", POINTS], ["batch", "-f", NEURON, "-i", POINTS, "--format", "jsonl"],
    ["batch", "-f", NEURON, "-i", str(SAMPLES / "points" / "bad_row.csv"), "--skip-bad"],
    ["batch", "-f", NEURON, "-i", str(SAMPLES / "points" / "bad_row.csv")],
    ["batch", "-f", NEURON, "-i", str(ROOT / "no-such.csv")], ["batch", "x*y", "-i", POINTS],
    ["batch", "-f", NEURON, "-i", POINTS, "--rejects", "r.csv"],
    ["optimize", "-f", NEURON, "--steps", "20"], ["optimize", "-f", NEURON, "--steps", "5", "--format", "json"],
    ["optimize", "x^2", "--at", "x=3", "--lr", "0.1", "--steps", "10", "--every", "2", "--log-y"],
    ["optimize", "x^2", "--at", "x=3", "--lr", "0", "--steps", "10"],
    ["optimize", "x^2 + y^2", "--at", "x=3,y=1", "--wrt", "x", "--method", "newton", "--steps", "5"],
    ["optimize", "log(x)", "--at", "x=1", "--lr", "10", "--steps", "5"],
]


@pytest.mark.parametrize("args", PLAIN, ids=[" ".join(a)[:60] for a in PLAIN])
def test_the_fast_path_prints_what_click_prints(args):
    assert entry.plain(args) is not None
    slow, fast = both(args)
    assert (fast.exit_code, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr)


DECLINED = [
    [], ["--help"], ["-h"], ["--version"], ["--debug", "eval", "x", "--at", "x=1"], ["live", "x"], ["gates", "x"], ["plot", "sin(x)"], ["batch", "-f", NEURON],
    ["eval", "--help"], ["eval", "-x^2", "--at", "x=3"], ["eval", "-"], ["eval", "-f", "-"], ["eval", "-f", SIMPLE, "--output", "q"],
    ["eval", "x", "--at"], ["eval", "x", "--at", "-x=1"], ["eval", "x", "--format", "JSON"],
    ["eval", "x", "--format", "xml"], ["eval", "x", "--digits", "0"], ["eval", "x", "--digits", "18"],
    ["eval", "x", "--digits", "+5"], ["eval", "x", "--digits", "five"], ["eval", "x", "y"],
    ["eval", "x", "--at=x=1"], ["eval", "--", "x"], ["eval", "-fsamples/neuron.bp"], ["eval", "x", "--nodes"],
    ["eval", "x", "--format"], ["eval", "x", "--output"],
    ["quiz", "--seed", "9" * 100_000], ["optimize", "x", "--lr", "1" * 100_000], ["eval", "x", "--digits", "0" * 20 + "5"],
]


@pytest.mark.parametrize("args", DECLINED, ids=[" ".join(a)[:60] or "nothing" for a in DECLINED])
def test_unusual_arguments_go_to_click(args):
    assert entry.plain(args) is None


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


@pytest.mark.parametrize("command", list(options.FAST))
def test_every_option_is_read_by_the_fast_path_or_deliberately_left_to_click(command):
    read, click_only = options.FAST[command]
    fast = {option.dest for option in read}
    assert not fast & set(click_only)
    assert command in entry.RUNS, f"options.FAST has {command}: entry.RUNS must say what it calls"
    ctx = click.Context(_command(command), help_option_names=["-h", "--help"])
    for param in _command(command).get_params(ctx):
        if set(_flags(param)) == set(ctx.help_option_names):
            continue  # the help screen is click's
        if isinstance(param, click.Argument):
            assert param.name == "expr", f"{command}'s argument {param.name} is new: teach entry.plain it"
            assert "file" in fast, f"{command} reads EXPR: the fast path reads programs with options.FILE"
        else:
            assert param.name in fast or param.name in click_only, (
                f"{command} --{param.name} is neither read by the fast path (options.FAST) "
                f"nor listed there as click's")
    assert fast <= set(_click_options(command)), f"options.FAST lists an option {command} does not have"


def _flags(param) -> tuple:
    return tuple(param.opts + param.secondary_opts)


FAST_OPTIONS = [(command, option) for command, (read, _) in options.FAST.items() for option in read]


@pytest.mark.parametrize("command, option", FAST_OPTIONS, ids=[f"{c} {o.dest}" for c, o in FAST_OPTIONS])
def test_click_builds_each_option_the_fast_path_reads_from_the_same_entry(command, option):
    param = _click_options(command)[option.dest]
    assert _flags(param) == option.flags
    assert param.is_flag == option.is_flag and param.multiple == option.multiple
    assert param.help == option.help
    args = BASE.get(command, [command, "-f", NEURON])[1:]
    given = _command(command).make_context(command, args).params  # what click passes when nothing is given
    if param.expose_value and not set(option.flags) & set(args):
        assert given[option.dest] == (tuple(option.initial()) if option.multiple else option.initial())
    choices = getattr(param.type, "choices", None)
    assert (tuple(choices) if choices is not None else None) == option.choices
    if isinstance(param.type, click.IntRange):
        assert (param.type.min, param.type.max) == option.int_range
    else:
        assert option.int_range is None
    if isinstance(param.type, click.FloatRange):
        assert (param.type.min, param.type.max, param.type.min_open, param.type.max_open) == \
            (*option.float_range, False)
    elif option.float_range is not None:
        assert option.float_range == (None, None, False) and param.type is click.FLOAT
    assert param.required == option.required


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_spells_the_shared_options_as_the_table_does(command):
    shared = [options.FILE, options.AT, options.OUTPUT, options.ALLOW_NONFINITE, options.DEBUG]
    params = _click_options(command)
    for option in shared:
        for param in params.values():
            if set(_flags(param)) & set(option.flags):
                assert (_flags(param), param.name, param.help) == (option.flags, option.dest, option.help)
    assert "debug" in params  # every command has --debug (not every one reads a program)


OUT_FILE = str(ROOT / ".test-entry-out.txt")

#: a value for each free-text option, on samples/neuron.bp (command -> parameter -> value)
SAMPLE_VALUES = {
    "eval": {"file": NEURON, "at": "w0=1", "output": "f", "get": "df/dw0"},
    "gates": {"out": OUT_FILE},
    "codegen": {"file": NEURON, "output": "f", "name": "neuron", "out": OUT_FILE},
    "diff": {"file": NEURON, "output": "f", "wrt": "w0", "out": OUT_FILE},
    "graph": {"file": NEURON, "at": "w0=1", "output": "f", "out": OUT_FILE},
    "trace": {"file": NEURON, "at": "w0=1", "output": "f", "wrt": "w0", "tangent": "w0=1,x0=0.5", "out": OUT_FILE},
    "check": {"file": NEURON, "at": "w0=1", "output": "f", "out": OUT_FILE},
    "quiz": {"file": SIMPLE, "at": "x=1", "output": "q", "answers": ANSWERS, "out": OUT_FILE},
    "plot": {"file": SIMPLE, "at": "y=1", "output": "q", "over": "x=0:3:7", "out": OUT_FILE},
    "batch": {"file": NEURON, "at": "w0=1", "output": "f", "input_path": POINTS, "out_path": OUT_FILE,
              "rejects_path": OUT_FILE},
    "optimize": {"file": NEURON, "at": "w0=1", "output": "f", "wrt": "w0,x0", "lr": "0.5", "out": OUT_FILE},
}

#: values too slow to try (optimize --steps 10000000)
TOO_SLOW = {("optimize", "steps")}

#: the arguments each command's cases start from
BASE = {"gates": ["gates"], "diff": ["diff", "-f", NEURON, "--wrt", "x0"],
        "quiz": ["quiz", "-f", SIMPLE, "--answers", ANSWERS], "plot": ["plot", "-f", SIMPLE, "--over", "x=-1:1:5"],
        "batch": ["batch", "-f", NEURON, "-i", POINTS], "optimize": ["optimize", "-f", NEURON, "--steps", "3"]}


def _cases_from_click():
    """Argument lists built from click's own parameters of every command the fast path reads: every
    choice, both ends of every range, every flag, a sample for every free-text option; and values click
    must judge itself."""
    accepted, declined, odd = [], [], []
    for command, (read, _) in options.FAST.items():
        base = BASE.get(command, [command, "-f", NEURON])
        for param in _command(command).params:
            if not isinstance(param, click.Option) or param.name not in {o.dest for o in read}:
                continue
            flag = param.opts[-1]
            if param.is_flag:
                accepted.append(base + [flag])
            elif isinstance(param.type, click.Choice):
                accepted += [base + [flag, choice] for choice in param.type.choices]
                declined.append(base + [flag, "no-such-choice"])
            elif isinstance(param.type, (click.IntRange, click.FloatRange)):
                low, high = param.type.min, param.type.max
                accepted.append(base + [flag, str(low)])
                declined.append(base + [flag, str(low - 1)])
                if high is not None:
                    if (command, param.name) not in TOO_SLOW:
                        accepted.append(base + [flag, str(high)])
                    declined.append(base + [flag, str(high + 1)])
                if isinstance(param.type, click.FloatRange):
                    accepted.append(base + [flag, f"{low}e0"])
                    odd += [base + [flag, "inf"], base + [flag, "1_0"], base + [flag, "nan"], base + [flag, " 1"]]
            elif param.type is click.FLOAT:
                accepted += [base + [flag, "0.25"], base + [flag, "1e-3"]]
                declined.append(base + [flag, "abc"])
                odd += [base + [flag, "inf"], base + [flag, "1_0"], base + [flag, "nan"], base + [flag, " 1"]]
            else:
                samples = SAMPLE_VALUES.get(command, {})
                assert param.name in samples, f"give {command} --{param.name} a sample value in SAMPLE_VALUES"
                rest = base[3:] if base[1:2] == ["-f"] else base[1:]  # the base's other options
                args = [command, flag, samples[param.name], *rest] if param.name == "file" else \
                    base + [flag, samples[param.name]]
                accepted.append(args)
            declined.append(base + [flag] if not param.is_flag else base + [flag + "x"])
    return accepted, declined, odd


ACCEPTED, UNUSUAL, ODD = _cases_from_click()


def _ids(cases):
    return [" ".join(a).replace(NEURON, "neuron.bp").replace(OUT_FILE, "OUT").replace(SIMPLE, "simple.bp")
            .replace(ANSWERS, "answers.txt")
            .replace(POINTS, "neuron.csv") for a in cases]


def _out_file():
    try:
        with open(OUT_FILE, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None
    finally:
        if os.path.exists(OUT_FILE):
            os.remove(OUT_FILE)


@pytest.mark.parametrize("args", ACCEPTED, ids=_ids(ACCEPTED))
def test_the_fast_path_reads_every_value_click_accepts_and_prints_the_same(args):
    assert entry.plain(args) is not None
    runner = CliRunner()
    slow = runner.invoke(click_main, args, catch_exceptions=False)
    slow_file = _out_file()
    fast = CliRunner().invoke(_FastCommand("backprop"), args, catch_exceptions=False)
    fast_file = _out_file()
    assert "Usage:" not in slow.stderr, slow.stderr  # click read them all (the command may refuse)
    assert (fast.exit_code, fast.stdout, fast.stderr, fast_file) == (slow.exit_code, slow.stdout, slow.stderr,
                                                                      slow_file)


@pytest.mark.parametrize("args", UNUSUAL, ids=_ids(UNUSUAL))
def test_the_fast_path_leaves_values_click_rejects_to_click(args):
    assert entry.plain(args) is None
    assert CliRunner().invoke(click_main, args).exit_code == 2


@pytest.mark.parametrize("args", ODD, ids=_ids(ODD))
def test_the_fast_path_leaves_numbers_written_unusually_to_click(args):
    assert entry.plain(args) is None


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


@pytest.mark.parametrize("command", [c for c, (read, _) in options.FAST.items() if "out" in {o.dest for o in read}
                                     and "file" in {o.dest for o in read}])
def test_neither_path_writes_over_the_program_it_reads(tmp_path, command):
    program = tmp_path / "neuron.bp"
    program.write_text((SAMPLES / "neuron.bp").read_text())
    args = [command, "-f", str(program), "-o", str(program)] + {"diff": ["--wrt", "w0"], "plot": ["--over", "x0=0:1"],
                                                                "quiz": ["--answers", ANSWERS]}.get(command, [])
    assert entry.plain(args) is not None
    slow, fast = both(args)
    assert (fast.exit_code, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr)
    assert slow.exit_code == 2 and "would destroy it" in slow.stderr
    assert program.read_text() == (SAMPLES / "neuron.bp").read_text()


# ---- random argument lists: whatever the fast path accepts, it answers as click does --------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

#: values an option may get: samples, numbers at and beyond the ends of ranges, odd spellings
VALUE_POOL = ["0", "1", "2", "3", "7", "17", "1e-3", "0.5", "-1", "-", "", "x", "w0", "q", "df/dw0", "w0=1",
              "x=0:1:5", "x0=-1:1", "json", "table", "text", "csv", "c", "numpy", "2", "forward", "all"]
#: flags left out: --random draws its own exercise (two runs differ); --step waits on a terminal
SKIPPED_FLAGS = {"--random", "--step", "-h", "--help"}


@st.composite
def _argument_lists(draw, command):
    params = [p for p in _command(command).params if isinstance(p, click.Option)]
    words = []
    if "file" in {o.dest for o in options.FAST[command][0]}:
        words.append(draw(st.sampled_from([["-f", NEURON], ["-f", SIMPLE], ["(x+y)*z"], ["x*y"]])))
    for _ in range(draw(st.integers(0, 4))):
        param = draw(st.sampled_from(params))
        flag = draw(st.sampled_from(param.opts))
        if flag in SKIPPED_FLAGS:
            continue
        if param.is_flag:
            words.append([flag])
            continue
        good = list(VALUE_POOL)  # most often a value the option takes, else anything of the pool
        if isinstance(param.type, click.Choice):
            good = list(param.type.choices)
        elif isinstance(param.type, click.IntRange):
            good = [str(param.type.min + k) for k in (0, 1, 3)]
        elif isinstance(param.type, click.FloatRange) or param.type is click.FLOAT:
            good = ["0.5", "1e-2", "0"]
        elif param.name in SAMPLE_VALUES.get(command, {}):
            good = [SAMPLE_VALUES[command][param.name]]
        pool = good if draw(st.integers(0, 9)) < 7 else VALUE_POOL
        words.append([flag, draw(st.sampled_from(pool))])
    words = draw(st.permutations(words))
    return [command] + [w for group in words for w in group]


@pytest.mark.parametrize("command", list(options.FAST))
def test_random_argument_lists_answered_alike_by_both_paths(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an -o or --rejects given a random value writes its file here
    _answered_alike(command)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def _answered_alike_cases(command, data):
    args = data.draw(_argument_lists(command))
    if entry.plain(args) is None:
        return  # click's alone
    if "--steps" in args and args[args.index("--steps") + 1] not in ("0", "1", "2", "3", "7", "17"):
        return
    slow = CliRunner().invoke(click_main, args, catch_exceptions=False)
    slow_files = _files_written()
    fast = CliRunner().invoke(_FastCommand("backprop"), args, catch_exceptions=False)
    fast_files = _files_written()
    assert (fast.exit_code, fast.stdout, fast.stderr, fast_files) == (slow.exit_code, slow.stdout, slow.stderr,
                                                                       slow_files), args


def _files_written() -> dict:
    """What a run wrote (OUT_FILE, and any file in the working directory), removed for the next run."""
    import shutil

    written = {}
    for path in [OUT_FILE] + sorted(os.listdir(".")):
        if os.path.isdir(path) and not os.path.isabs(path):
            written[path] = sorted(os.listdir(path))
            shutil.rmtree(path)
        elif os.path.exists(path):
            with open(path, "rb") as f:
                written[path] = f.read()
            os.remove(path)
    return written


def _answered_alike(command):
    _answered_alike_cases(command)
