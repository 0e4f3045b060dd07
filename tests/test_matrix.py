"""Every command x every kind of program x every option the command offers: each run works or refuses
with one message (exit 0, 1 or 2), never an internal error (exit 70), a traceback or a hang.

The options come from click's parameters of each command, so a new option joins the matrix by itself:
its value is taken from VALUES by its parameter name when the matrix knows a good one, else made from
its type (each choice of a Choice, the low end of a range, a file for a FILE metavar).  Runs are
in-process (click's CliRunner) with an alarm for a hang."""

from __future__ import annotations

import importlib
import signal

import click
import pytest
from click.testing import CliRunner

from backprop_cli.cli.group import COMMANDS, main
from conftest import SAMPLES

#: the kinds of program: the arguments that give the program and its point, its output and an input
KINDS = {
    "scalar expression": (("(x+y)*z", "--at", "x=-2,y=5,z=-4"), "f", "x", "1"),
    "scalar program": (("-f", str(SAMPLES / "neuron.bp")), "f", "w0", "1"),
    "tensor expression": (("sum(square(W @ x))", "--at", "W=[[1,2],[3,4]],x=[1,-1]"), "f", "W", "[[0,0],[0,0]]"),
    "tensor program": (("-f", str(SAMPLES / "tensors" / "vectorized.bp")), "L", "W",
                       "[[1,0.5,-1,0],[2,1,-2,0],[0,0,0,0]]"),
    "kink": (("relu(x)*max(x, y)", "--at", "x=0,y=0"), "f", "x", "0"),
}

#: parameters that make the program and its point: the kinds above give them
PROGRAM_PARAMS = {"expr", "file", "at"}

#: (command, parameter, value) left out, and why
LEFT_OUT = {
    ("batch", "engine", "dask"): "starts a Dask cluster: tests/test_batch_dask.py runs it",
}

#: options every run of a command has (in _base), so they are not varied
IN_BASE = {("plot", "over"), ("batch", "input_path"), ("diff", "wrt")}

#: options that do their work only together (forward mode needs a direction, codegen --hvp numpy, a
#: second derivative a format to show it in): each joins every kind of program, and on the scalar kinds
#: must work (exit 0), so the new options are tried where they compute, not only where they refuse.
#: {out}, {in} and {grad} are the kind's output, input and a value in the input's shape.
TOGETHER = {
    "eval": [["--hessian", "--format", "json"], ["--hessian", "--format", "tree"], ["--hessian", "-o", "h.npz"],
             ["--jvp", "{in}={grad}", "--format", "json"], ["--jvp", "{in}={grad}", "--format", "tree"],
             ["--hvp", "{in}={grad}", "--format", "json"], ["--hvp", "{in}={grad}", "-o", "h.npz"],
             ["--get", "d2{out}/d{in}2"], ["--get", "d2{out}/d{in}2", "-o", "h.npy"],
             ["--hessian", "--collapse", "sigmoid"], ["--hessian", "--labels", "full"], ["--format", "latex", "-o", "t.tex"]],
    "trace": [["--mode", "forward", "--wrt", "{in}"], ["--mode", "forward", "--wrt", "{in}", "--format", "json"],
              ["--mode", "forward", "--tangent", "{in}={grad}", "--format", "json"],
              ["--mode", "forward", "--wrt", "{in}", "-o", "t.txt"], ["--format", "latex", "-o", "t.tex"]],
    "check": [["--order", "2", "--format", "json"], ["--order", "2", "-o", "c.txt"], ["--format", "json", "-o", "c.json"]],
    "optimize": [["--method", "newton", "--steps", "3", "--format", "json"],
                 ["--method", "newton", "--steps", "3", "-o", "o.txt"]],
    "diff": [["--order", "2", "--format", "json"], ["--order", "2", "-o", "d.txt"]],
    "codegen": [["--hvp", "--lang", "numpy"], ["--hvp", "--lang", "numpy", "--format", "json", "-o", "c.json"]],
    "graph": [["--format", "tikz", "-o", "g.tex"], ["-o", "g.tex"]],
}

#: the kinds on which every TOGETHER run must work (the tensor kinds may refuse with one message)
SCALAR_KINDS = ("scalar expression", "scalar program", "kink")

#: how long one run may take before it counts as a hang (seconds)
HANG = 30


def _values(command: str, param, kind: str, tmp) -> list:
    """The values to try for one option: a list of argument lists."""
    _, out_name, input_name, gradient = KINDS[kind]
    flag = param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
    if param.is_flag:
        return [[flag]]
    known = {
        "values_path": [str(_file(tmp, "values.txt", f"{input_name}=1\n"))],
        "output": [out_name],
        "output_alias": [out_name],
        "get": [out_name, f"d{out_name}/d{input_name}"],
        "out": ["out.txt", "out.json", "out.npz", "g.dot", "g.mmd"] if command in ("eval", "graph")
        else ["out.txt", "out.npz"],
        "out_path": ["-", str(tmp / "rows.csv")],
        "input_path": [str(_file(tmp, "points.csv", f"{input_name},y,z\n1,2,3\n0,0,0\n"))],
        "wrt": [input_name],
        "over": [f"{input_name}=-1:1:5"],
        "expect": [f"d{input_name}={gradient}"],
        "grads": [f"d{input_name} = 2*{input_name}"],
        "grad_file": [str(_file(tmp, "grads.txt", f"d{input_name} = 1\n"))],
        "backward": [str(_file(tmp, "backward.txt", f"d{input_name} = 1\n"))],
        "answers": [str(_file(tmp, "answers.txt", "1\n2\n3\n"))],
        "screenshot": [str(tmp / "live.svg")],
        "size": ["80x24"],
        "keys": ["n"],
        "rejects_path": [str(tmp / "rejects.csv")],
        "scheduler": ["tcp://127.0.0.1:9"],
        "max_size": ["1MB"],
        "name": ["g"],
        "seed": ["3"],
        "jvp": [f"{input_name}={gradient}"],
        "hvp": [f"{input_name}={gradient}"],
        "tangent": [f"{input_name}={gradient}"],
    }
    if param.name in known:
        values = known[param.name]
    elif isinstance(param.type, click.Choice):
        values = list(param.type.choices)
    elif isinstance(param.type, (click.IntRange, click.FloatRange)):
        low = param.type.min
        if low is None:
            values = ["1"]
        elif param.type.min_open:
            values = [str(low + 0.5)]
        else:
            values = [str(low)]
    elif isinstance(param.type, click.types.IntParamType):
        values = ["1"]
    elif isinstance(param.type, click.types.FloatParamType):
        values = ["0.01"]
    elif "FILE" in (param.metavar or ""):
        values = [str(tmp / f"{param.name}.out")]
    else:
        values = ["x"]
    return [[flag, v] for v in values if (command, param.name, v) not in LEFT_OUT]


def _file(tmp, name: str, text: str):
    """A file holding ``text``, named for its text (each kind of program has its own)."""
    import hashlib

    stem, _, suffix = name.rpartition(".")
    path = tmp / f"{stem}-{hashlib.sha1(text.encode()).hexdigest()[:8]}.{suffix}"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return path


def _base(command: str, kind: str, tmp) -> list:
    args, _, input_name, _ = KINDS[kind]
    if command == "gates":
        return []
    if command in ("diff", "codegen"):
        program = list(args[:2]) if args[0] == "-f" else [args[0]]
        return program + ["--wrt", input_name] if command == "diff" else program
    base = list(args)
    if command == "plot":
        base += ["--over", f"{input_name}=-1:1:5"]
    if command == "batch":
        base += ["-i", str(_file(tmp, "points.csv", f"{input_name},y,z\n1,2,3\n0,0,0\n"))]
    return base


def _command(name: str):
    return importlib.import_module(f"backprop_cli.cli.commands.{COMMANDS[name][0]}").command


def _runs(tmp) -> list:
    runs = []
    for name in COMMANDS:
        params = [p for p in _command(name).params if isinstance(p, click.Option) and p.name not in PROGRAM_PARAMS
                  and p.name != "help"]
        kinds = ["scalar expression"] if name == "gates" else list(KINDS)
        for kind in kinds:
            base = _base(name, kind, tmp)
            runs.append((name, kind, "(none)", [name, *base]))
            for param in params:
                if (name, param.name) in IN_BASE:
                    continue
                for extra in _values(name, param, kind, tmp):
                    runs.append((name, kind, " ".join(extra), [name, *base, *extra]))
            _, out_name, input_name, gradient = KINDS[kind]
            for together in TOGETHER.get(name, []):
                extra = [word.format(out=out_name, grad=gradient, **{"in": input_name}) for word in together]
                runs.append((name, kind, "together: " + " ".join(extra), [name, *base, *extra]))
    return runs


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def _run_one(args):
    runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", "BACKPROP_DEBUG": None})
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG)
    try:
        return runner.invoke(main, args, input="", prog_name="backprop")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_every_command_every_program_every_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files a run writes (-o out.txt) land here
    problems = []
    runs = _runs(tmp_path)
    assert len(runs) > 500  # the matrix is generated, not hand-picked
    for name, kind, option, args in runs:
        try:
            result = _run_one(args)
        except Hang:
            problems.append(f"{name} | {kind} | {option}: no answer in {HANG} s")
            continue
        stderr = result.stderr
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        if result.exit_code not in (0, 1, 2) or crashed or "Traceback" in stderr or "Internal error" in stderr:
            what = repr(result.exception) if crashed else stderr.strip().splitlines()[:1]
            problems.append(f"{name} | {kind} | {option}: exit {result.exit_code} {what}")
        elif result.exit_code in (1, 2) and not stderr.strip():
            problems.append(f"{name} | {kind} | {option}: exit {result.exit_code} without a message")
        elif option.startswith("together:") and kind in SCALAR_KINDS and result.exit_code != 0:
            problems.append(f"{name} | {kind} | {option}: refused ({stderr.strip().splitlines()[:1]})")
        elif result.exit_code in (1, 2) and stderr.count("Error:") > 1:
            problems.append(f"{name} | {kind} | {option}: more than one error ({stderr.strip()[:200]})")
    assert not problems, f"{len(problems)} of {len(runs)} runs:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_new_option_joins_the_matrix_by_itself(name, tmp_path):
    """Every option of every command is in the generated runs (with a value the matrix could make)."""
    runs = _runs(tmp_path)
    tried = {option.split()[0] for command, _, option, _ in runs if command == name and option != "(none)"}
    for param in _command(name).params:
        if not isinstance(param, click.Option) or param.name in PROGRAM_PARAMS or param.name == "help":
            continue
        if (name, param.name) in IN_BASE:
            continue
        assert set(param.opts) & tried, f"{name} {param.opts} is not in the matrix"
