"""The `backprop` console script: a fast path for the everyday commands, else the click group.

click costs more to import than the rest of an `eval` put together.  When the arguments are plain
(a command of options.FAST, one EXPR or -f FILE, and only the options that options.FAST lists for the
command, each with its value as the next argument), this module reads them itself and calls the same
function the click command calls (RUNS), reporting failures through the same ``output.report``.  Anything else,
--help, a completion request, standard input, an unknown or unusual option, a bad value, goes to click
unchanged, so messages and exit codes are click's own.  tests/test_entry.py runs both on many
argument lists and compares what they print and return.
"""

from __future__ import annotations

import os
import sys


#: command -> (module under cli/commands, function): what the click command calls once click has read
#: the options, and what the fast path calls with the options it read (options.FAST lists them)
RUNS = {
    "eval": ("eval_run", "show"),
    "gates": ("gates_run", "run"),
    "codegen": ("codegen_run", "run"),
    "diff": ("diff_run", "run"),
    "graph": ("graph_run", "run"),
    "trace": ("trace_run", "run"),
    "check": ("check_run", "run"),
    "quiz": ("quiz_run", "run"),
    "plot": ("plot_run", "run"),
    "batch": ("batch_run", "run"),
    "optimize": ("optimize_run", "run"),
}

#: the parameters that make the command's ``program`` (common.ProgramArgs), in its order
_PROGRAM = ("expr", "file", "at", "output", "allow_nonfinite")


def plain(argv: list):
    """The parameters of a plain `backprop COMMAND ...` argument list (the command's name under
    "command"), or None if click should read it."""
    if not argv or argv[0] not in RUNS:
        return None
    from .options import FAST

    read = FAST[argv[0]][0]
    by_flag = {flag: option for option in read for flag in option.flags}
    takes_program = any(option.dest == "file" for option in read)
    params = {"expr": None} if takes_program else {}
    given = {}
    for option in read:
        params[option.dest] = option.initial()
    args = argv[1:]
    k = 0
    while k < len(args):
        arg = args[k]
        option = by_flag.get(arg)
        if option is not None and option.is_flag:
            params[option.dest] = True
        elif option is not None:
            if k + 1 >= len(args):
                return None
            value = args[k + 1]
            if value.startswith("-"):  # "-" (standard input), or what click might read otherwise
                return None
            if option.multiple:
                params[option.dest].append(value)
            else:
                given[option] = value  # as click does, the last one counts
            k += 1
        elif arg.startswith("-") or not takes_program or params["expr"] is not None:
            return None  # an option click knows (--help), an expression like -x^2, '-', '--', extras
        else:
            params["expr"] = arg
        k += 1
    for option, text in given.items():
        value = option.convert(text)
        if value is None:
            return None  # click says what is wrong with it
        params[option.dest] = value
    for option in read:
        if option.multiple:
            params[option.dest] = tuple(params[option.dest])
        if option.required and params[option.dest] is None:
            return None  # click says it is missing
    params["command"] = argv[0]
    return params


def plain_eval(argv: list):
    """plain() for `backprop eval` only (None for any other command)."""
    return plain(argv) if argv and argv[0] == "eval" else None


def run_plain(argv: list):
    """Run a plain `backprop COMMAND`: its exit code, or None when click should run it."""
    if any(key.endswith("_COMPLETE") for key in os.environ):  # shell completion is click's
        return None
    params = plain(argv)
    if params is None:
        return None
    name = params.pop("command")
    debug = params.pop("debug")
    try:
        import importlib

        module, function = RUNS[name]
        run = getattr(importlib.import_module(f"backprop_cli.cli.commands.{module}"), function)
        if "expr" in params:
            from .commands.common import ProgramArgs, keep_inputs

            keep_inputs(params.get("out"), params.get("file"))  # as the click command's wrapper does
            params["program"] = ProgramArgs(**{key: params.pop(key) for key in _PROGRAM if key in params})
        run(**params)
    except (Exception, KeyboardInterrupt) as e:
        from .output import report

        return report(e, debug=debug)
    return 0


def main(argv=None):
    try:
        from .output import finish, start_up

        start_up()
        code = run_plain(sys.argv[1:] if argv is None else list(argv))
        if code is None:
            code = run_click(None if argv is None else list(argv))
        code = finish(code)
    except KeyboardInterrupt as e:  # Ctrl-C while modules load, before a command runs
        code = _interrupted(e)
    if argv is None and code in (130, 143):  # the process itself, interrupted: leave with that code
        _leave(code)
    if argv is None:  # the process itself, not a test
        leave_if_threads(code)
    return code


#: libraries whose native thread pools may still be alive when the interpreter tears itself down
_THREADED = ("pyarrow", "polars")


def leave_if_threads(code: int) -> None:
    """End the process now, with ``code``, when a library with native threads was loaded.

    pyarrow's thread pool can abort the interpreter's teardown (a C++ thread destroyed while still
    joinable: "terminate called without an active exception", SIGABRT), after all the work is done
    and the output written: apache/arrow#34314.  It took 3 runs in 80 of `batch` on a loaded
    machine.  Everything is finished and flushed here, so the process leaves without the teardown."""
    if any(name in sys.modules for name in _THREADED):
        _leave(code)


def _leave(code: int) -> None:
    """End the process now with ``code``.  An interrupt that arrived while a native module ran Python
    code through PyRun_String (numpy's import does) leaves CPython's "unhandled KeyboardInterrupt"
    flag set even though the interrupt was handled here, and the interpreter would then end itself
    by SIGINT (exit -2) after printing our one line: seen once in four CI runs, batch at 0.15 s."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _interrupted(error: KeyboardInterrupt) -> int:
    """One line and exit 130 (143 for SIGTERM), as output.report says it, without importing anything
    that a second Ctrl-C could interrupt."""
    number = getattr(error, "signal", None)
    try:
        os.write(2, b"Terminated.\n" if number else b"Interrupted.\n")
    except OSError:
        pass
    return 128 + number if number else 130


def run_click(args=None) -> int:
    """The click group in standalone mode, its exit code returned rather than raised."""
    from .group import main as click_main

    try:
        return click_main(args=args, prog_name="backprop")  # also under python -m backprop_cli
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            if e.code == 1 and type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
                # click's own output (help, usage) met a reader that left: click exits 1 and wraps
                # the streams; for backprop that is exit 0, as for every command's output.
                from .output import silence_stdout

                silence_stdout()
                return 0
            return e.code or 0
        raise
    except (OSError, MemoryError) as e:
        # What escaped click: its own output (help, usage) that could not be written, or memory that
        # ran out again while a first failure was being reported.
        from .output import report

        return report(e)
