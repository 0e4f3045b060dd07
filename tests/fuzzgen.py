"""Inputs for fuzzing every command: random text, token soup, valid programs, and argv built from
each command's own options.  Plain ``random.Random`` generators, shared by the hypothesis tests
(tests/test_fuzz.py, which also has strategies of its own) and the long campaign (tools/fuzz.py).

Commands are found in ``backprop_cli.cli.group.COMMANDS``; one whose module is not importable yet is
skipped (``load_commands`` says which), so the fuzzing covers each new command once it lands.
"""

from __future__ import annotations

import importlib
import random
import sys
from typing import Optional

import click

from backprop_cli.core.ops import GATES, function_names

FUNCTIONS = function_names()
INPUTS = ["x", "y", "z", "w0", "x0"]
STEPS = ["a", "b", "q", "f"]
NUMBERS = ["0", "1", "2", "-1", "0.5", ".5", "3.", "1e3", "1e-3", "2.5E+2", "1e308", "1e309", "1e-320",
           "0.0", "7", "100", "1" * 40, "9"]
OPERATORS = ["+", "-", "*", "/", "^", "**", "+=", "-=", "*=", "/=", "=", ",", "(", ")", ";", "\n"]
WORDS = ["input", "pi", "e", "x", "y", "z", "f", "_", "w0", "sigmoid", "exp", "max", "min"] + FUNCTIONS
OTHER = [" ", "  ", "\t", "\r\n", "# note", "#", "$", "[", "]", "{", "!", "<", "==", ".", "..", "e5",
         "1x", "é", "∂", "\x00", "\x1b", "\u202e", "\ufeff", "\\", "'", '"', "`", "@", "%", "&", "|",
         "__import__", "os", "system", "lambda", ":"]
TOKENS = NUMBERS + OPERATORS + WORDS + OTHER
AT_VALUES = ["1", "-2", "0", "0.5", "3", "-0.25", "pi/4", "1e-8", "1e300", "-1e300", "2"]

# Options never given random values: they wait for a person (on a terminal), open windows,
# or change what the test harness sees rather than what the command computes.
SKIP_OPTIONS = {"help", "version", "step", "delay", "open", "view", "show", "watch", "browser", "pager",
                "interactive", "debug"}


#: the console script's fast path (entry.py) for a command, fuzzed as a command of its own: NAME-fast-path
FAST_SUFFIX = "-fast-path"
FAST = "eval" + FAST_SUFFIX


def is_fast(name: str) -> bool:
    return name.endswith(FAST_SUFFIX)


def base_name(name: str) -> str:
    """The command a fuzzed name runs (eval for eval-fast-path)."""
    return name[:-len(FAST_SUFFIX)] if is_fast(name) else name


class EntryCommand(click.Command):
    """Runs the console script's entry point (entry.main) under CliRunner's captured streams."""

    def main(self, args=None, prog_name=None, **extra):
        from backprop_cli.cli import entry

        sys.exit(entry.main(list(args or [])))


def run_entry(args: list, input=None, catch_exceptions: bool = False):
    """`backprop ARGS` as the installed console script runs it (fast path, else the click group)."""
    from click.testing import CliRunner

    return CliRunner().invoke(EntryCommand("backprop"), [str(a) for a in args], input=input,
                              catch_exceptions=catch_exceptions)


def load_commands(fast_path: bool = False) -> tuple:
    """({name: click.Command} for every command importable now, {name: why} for the rest).
    With ``fast_path``, also NAME-fast-path for every command the console script reads itself
    (entry.RUNS): its own reading of plain arguments."""
    from backprop_cli.cli.group import COMMANDS

    found, missing = {}, {}
    for name, (module, _) in COMMANDS.items():
        try:
            found[name] = importlib.import_module(f"backprop_cli.cli.commands.{module}").command
        except ImportError as e:
            missing[name] = f"{type(e).__name__}: {e}"
    if fast_path:
        try:
            entry = importlib.import_module("backprop_cli.cli.entry")
        except ImportError as e:
            missing[FAST] = f"{type(e).__name__}: {e}"
        else:
            for name in entry.RUNS:
                if name in found:
                    found[name + FAST_SUFFIX] = found[name]  # it takes the same arguments
    return found, missing


# ---- programs --------------------------------------------------------------------------------


def random_text(rng: random.Random, size: int = 40) -> str:
    """Any characters at all, biased towards ASCII punctuation and the language's own."""
    pools = [
        lambda: chr(rng.randrange(32, 127)),
        lambda: rng.choice("()+-*/^,;=#.e0123456789xyz \n"),
        lambda: chr(rng.randrange(0, 32)),
        lambda: chr(rng.randrange(0x80, 0x800)),
        lambda: chr(rng.choice([rng.randrange(0x800, 0xD800), rng.randrange(0xE000, 0x110000)])),
        lambda: chr(rng.randrange(0xD800, 0xE000)),  # lone surrogates: what undecodable argv bytes become
    ]
    weights = [40, 40, 5, 5, 5, 1]
    return "".join(rng.choices(pools, weights)[0]() for _ in range(rng.randrange(size + 1)))


def token_soup(rng: random.Random, size: int = 30) -> str:
    """The language's own tokens in random order, sometimes glued, sometimes spaced."""
    out = []
    for _ in range(rng.randrange(1, size + 1)):
        out.append(rng.choice(TOKENS))
        if rng.random() < 0.4:
            out.append(" ")
    return "".join(out)


def expression(rng: random.Random, depth: int, names: list) -> str:
    if depth <= 0 or rng.random() < 0.25:
        r = rng.random()
        if r < 0.55:
            return rng.choice(names)
        if r < 0.65:
            return rng.choice(["pi", "e"])
        return rng.choice(["0", "1", "2", "3", "0.5", "1.5", "10", "1e-3", "2.5e1", ".25", "100"])
    kind = rng.random()
    sub = lambda: expression(rng, depth - 1, names)  # noqa: E731
    if kind < 0.45:
        op = rng.choice(["+", "-", "*", "/", "^", "**"])
        left, right = sub(), sub()
        if op in ("^", "**"):
            return f"({left}){op}({right})" if rng.random() < 0.7 else f"{left}{op}{right}"
        return f"({left} {op} {right})" if rng.random() < 0.5 else f"{left}{op}{right}"
    if kind < 0.55:
        return f"-{sub()}" if rng.random() < 0.8 else f"+{sub()}"
    if kind < 0.65:
        return f"({sub()})"
    fname = rng.choice(FUNCTIONS)
    lo, hi = GATES[fname].arity
    n = rng.randint(lo, hi if hi is not None else lo + 3)
    return f"{fname}({', '.join(sub() for _ in range(n))})"


def valid_program(rng: random.Random, depth: int = 4) -> tuple:
    """(program, {input: value}): a program the language accepts, and a point for all its inputs.

    Inputs are never assigned; steps are assigned before use.  Some programs declare an input
    with a default; the output is the last statement or an assigned step.
    """
    inputs = rng.sample(INPUTS, rng.randint(1, 3))
    lines = []
    if rng.random() < 0.3:
        declared = rng.choice(inputs)
        lines.append(f"input {declared} = {rng.choice(['1', '-2', '0.5', 'pi/4', '2^3'])}")
    names = list(inputs)
    steps = rng.sample(STEPS, rng.randint(0, 3))
    for step in steps:
        if rng.random() < 0.2 and step in names:
            lines.append(f"{step} {rng.choice(['+=', '-=', '*=', '/='])} {expression(rng, depth - 1, names)}")
        else:
            lines.append(f"{step} = {expression(rng, depth, names)}")
            names.append(step)
    if not steps or rng.random() < 0.7:
        lines.append(expression(rng, depth, names))
    sep = rng.choice(["\n", "; ", "\n# comment\n", "\r\n"])
    point = {name: rng.choice(AT_VALUES) for name in inputs}
    return sep.join(lines), point


def recipe(rng: random.Random, name: str, point: dict, tmpdir: str = ".") -> list:
    """What a command needs to get past its own checks (a required option, a choice among the
    inputs), most of the time sensible and sometimes not, so that programs reach its real work."""
    names = list(point) or ["x"]
    name = base_name(name)
    if name == "diff" and rng.random() < 0.7:
        return ["--wrt", rng.choice(names)]
    if name == "plot":
        over = rng.choice([f"{rng.choice(names)}=-2:2:{rng.choice([2, 11, 41])}", f"{names[0]}=0:1",
                           f"{names[0]}=1:1", "x=-pi:pi:5", token_soup(rng, 3), f"{names[0]}=nan:1"])
        return ["--over", over, *(["--format", "csv"] if rng.random() < 0.5 else [])]
    if name == "live":  # no terminal in the tests: the screen drawn to a file, after some keys
        keys = " ".join(rng.choice(["n", "b", "c", "l", "right", "left", "plus", "minus", "down"])
                        for _ in range(rng.randint(0, 4)))
        return ["--screenshot", f"{tmpdir}/live.svg", *(["--keys", keys] if keys else [])]
    if name == "optimize":
        return ["--steps", str(rng.choice([0, 1, 5, 20])), *(["--format", "json"] if rng.random() < 0.5 else [])]
    if name == "batch":
        path = f"{tmpdir}/points{rng.choice(['.csv', '.jsonl', ''])}"
        with open(path, "wb") as fh:
            fh.write(points_file(rng, names))
        return ["-i", path]
    return []


def points_file(rng: random.Random, names: list) -> bytes:
    """Points for batch: CSV or JSON lines, mostly well formed, sometimes not at all."""
    rows = rng.randint(0, 5)
    values = lambda: rng.choice(["1", "-2", "0", "0.5", "nan", "inf", "", "x", "1e309", "pi/4", "3"])  # noqa: E731
    r = rng.random()
    if r < 0.45:
        header = list(names) if rng.random() < 0.8 else rng.sample(names + ["q", ""], k=rng.randint(1, 3))
        lines = [",".join(header)] + [",".join(values() for _ in header) for _ in range(rows)]
        return "\n".join(lines).encode()
    if r < 0.8:
        import json

        return "\n".join(json.dumps({n: rng.choice([1, -2.5, 0, "x", None, [1], 1e308])
                                     for n in names}) for _ in range(rows)).encode()
    return random_bytes(rng, 30) if rng.random() < 0.5 else random_text(rng, 60).encode("utf-8", "surrogatepass")


def at_argument(point: dict, command: Optional[click.Command] = None) -> list:
    """--at for the point, if the command takes one (codegen and diff do not)."""
    if command is not None and "at" not in {p.name for p in command.params}:
        return []
    return ["--at", ",".join(f"{k}={v}" for k, v in point.items())] if point else []


# ---- argv from a command's options ------------------------------------------------------------


def option_value(rng: random.Random, param: click.Parameter, tmpdir: str) -> Optional[str]:
    """A value for one option: often a sensible one for its type, sometimes nonsense."""
    t = param.type
    r = rng.random()
    if r < 0.25:
        junk = rng.choice([random_text(rng, 12), token_soup(rng, 4), "", "-", "--", "nan", "inf",
                           "-1", "0", "1e999", "99999999999999999999", "9" * 400, "0.0000001", "-0",
                           "x=1", "1:2", "-5:5", "1k", "2MB", "\x00"])
        return junk.lstrip("/")  # never an absolute path: a fuzzed option must not write outside tmp
    if isinstance(t, click.Choice):
        return rng.choice(list(t.choices))
    if isinstance(t, (click.IntRange, click.FloatRange)):
        lo = t.min if t.min is not None else -10
        hi = t.max if t.max is not None else 10
        lo, hi = max(lo, -1000), min(hi, 1000)
        value = rng.uniform(lo - 1, hi + 1)
        return str(int(value)) if isinstance(t, click.IntRange) else f"{value:.3g}"
    if t is click.INT:
        return str(rng.choice([0, 1, 2, 3, 10, -1, 100]))
    if t is click.FLOAT:
        return rng.choice(["0", "0.1", "1", "-1", "1e-6", "2.5", "100"])
    if isinstance(t, (click.Path, click.File)) or param.name in ("out", "output_file", "outfile", "to"):
        return rng.choice([f"{tmpdir}/out.txt", f"{tmpdir}/out.svg", f"{tmpdir}/nope/x", tmpdir, "-",
                           f"{tmpdir}/in.bp"])
    if param.name == "at":
        return ",".join(f"{n}={rng.choice(AT_VALUES)}" for n in rng.sample(INPUTS, rng.randint(1, 3)))
    if param.name == "output":
        return rng.choice(STEPS + INPUTS + ["nope", "1", ""])
    return rng.choice(["1", "0", "x", "-2:2", "0.1", "10", "x=1", "auto", "a,b", "2"])


def group_options(rng: random.Random) -> list:
    """Options of `backprop` itself, before the command name."""
    argv = []
    if rng.random() < 0.5:
        argv += ["--max-size", rng.choice(["10", "1k", "0", "10MB", "-1", "lots", "9" * 400, "1.5", ""])]
    if rng.random() < 0.2:
        argv.append("--debug")
    return argv


def random_options(rng: random.Random, command: click.Command, tmpdir: str, most: int = 3) -> list:
    """A few of the command's own options, with values."""
    options = [p for p in command.params if isinstance(p, click.Option) and p.name not in SKIP_OPTIONS
               and p.name not in ("expr", "file", "at")]
    argv = []
    for param in rng.sample(options, min(len(options), rng.randint(0, most))):
        flag = rng.choice(param.opts)
        if param.is_flag or param.count:
            argv.append(flag)
            if param.secondary_opts and rng.random() < 0.3:
                argv[-1] = rng.choice(param.secondary_opts)
        else:
            value = option_value(rng, param, tmpdir)
            if value is not None:
                argv += [flag, value]
    return argv


def deliver(rng: random.Random, command: click.Command, program, tmpdir: str) -> tuple:
    """(argv tail, stdin) that hand ``program`` (text, or bytes for a file) to the command: as
    its EXPR argument (after '--', so any text at all is the expression), in a file with -f, or
    on standard input."""
    names = {p.name for p in command.params}
    ways = []
    if "expr" in names and isinstance(program, str):
        ways += ["expr", "expr"]
    if "file" in names:
        ways.append("file")
        if "expr" in names:
            ways.append("stdin")
    if not ways:
        return [], None
    way = rng.choice(ways)
    if way == "expr":
        # Without '--' when the text allows, so that the fast path (entry.py) takes it.
        plain = program and not program.startswith("-") and rng.random() < 0.5
        return ([program] if plain else ["--", program]), None
    data = program.encode("utf-8", "surrogatepass") if isinstance(program, str) else program
    if way == "stdin":
        return ["-"], data
    path = f"{tmpdir}/in.bp"
    with open(path, "wb") as fh:
        fh.write(data)
    return ["-f", path], None


def random_bytes(rng: random.Random, size: int = 40) -> bytes:
    """A file's bytes: mostly program-like, with invalid UTF-8, NULs and BOMs mixed in."""
    parts = []
    for _ in range(rng.randrange(1, size)):
        r = rng.random()
        if r < 0.6:
            parts.append(rng.choice(TOKENS).encode("utf-8", "surrogatepass"))
        elif r < 0.8:
            parts.append(bytes([rng.randrange(256)]))
        else:
            parts.append(rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\xc3", b"\xed\xa0\x80", b"\r"]))
    return b"".join(parts)


def check_outcome(result) -> Optional[str]:
    """None if the run ended as promised (exit 0, or 1/2 with one message on stderr and no
    traceback), else what went wrong."""
    exc = getattr(result, "exception", None)
    if exc is not None and not isinstance(exc, SystemExit):
        return f"raised {type(exc).__name__}: {exc}"
    code, err = result.exit_code, result.stderr
    if code not in (0, 1, 2):
        return f"exit {code}: {err.strip()[:500]}"
    if "Traceback" in err or "Internal error" in err:
        return f"a traceback or internal error with exit {code}: {err.strip()[:500]}"
    if code:
        errors = [line for line in err.splitlines() if line.startswith("Error")]
        if len(errors) != 1:
            return f"exit {code} with {len(errors)} 'Error' lines on stderr: {err.strip()[:500]}"
    return None
