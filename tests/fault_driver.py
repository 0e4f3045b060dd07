"""Run many `backprop` command lines quickly, each in its own forked process with standard output
broken in a chosen way.  Importing backprop, click, rich, numpy and plotext once and forking for
every case makes the fault matrix of tests/test_faults.py a few seconds instead of a minute.

A child sets up its descriptors, rebuilds sys.stdout and sys.stderr as the interpreter does at
start-up (a closed descriptor 1 gives sys.stdout = None), runs the console script's ``main`` and
flushes at the end as the interpreter does at exit (a failing flush there is "Exception ignored"
and status 120, which the tests must never see).

    python tests/fault_driver.py '<json list of {"args": [...], "stdout": "epipe"|"full"|"closed"}>'

prints a JSON list of {"status": int, "stderr": str}.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile


def warm_up() -> None:
    import numpy  # noqa: F401
    import plotext  # noqa: F401
    import rich.console  # noqa: F401
    import rich.live  # noqa: F401
    import rich.table  # noqa: F401

    import backprop_cli.cli.entry  # noqa: F401
    from backprop_cli.cli.group import COMMANDS
    import importlib

    for module, _ in COMMANDS.values():
        importlib.import_module(f"backprop_cli.cli.commands.{module}")
    for package, names in (("tasks", "batch.chunks check.numeric optimize plot"),
                           ("views", "as_json check_report console dot mermaid optimize plot table trace tree"),
                           ("transforms", "codegen diff"), ("language", "parser tables"), ("base", "suggest")):
        for name in names.split():
            importlib.import_module(f"backprop_cli.{package}.{name}")


def child(args: list, stdout: str, err_fd: int, memory_kb: int = 0) -> int:
    os.dup2(err_fd, 2)
    if stdout == "closed":
        os.close(1)
        sys.stdout = None
    else:
        if stdout == "epipe":
            read, write = os.pipe()
            os.close(read)
            os.dup2(write, 1)
            os.close(write)
        elif stdout == "devnull":
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.close(null)
        elif stdout == "full":
            full = os.open("/dev/full", os.O_WRONLY)
            os.dup2(full, 1)
            os.close(full)
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
                                      encoding="utf-8", errors="strict")
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
                                  encoding="utf-8", errors="backslashreplace", line_buffering=True)
    from backprop_cli.cli.entry import main

    if memory_kb:  # a ceiling on the address space: what is mapped now, plus memory_kb
        import resource

        with open("/proc/self/status") as fh:
            size = next(int(line.split()[1]) for line in fh if line.startswith("VmSize:"))
        limit = (size + 8192 + memory_kb) * 1024  # 8 MB more: the reserve main() sets aside
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        code = main(list(args))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception as e:  # what the interpreter does at exit
            os.write(2, f"Exception ignored on flushing {stream!r}: {e!r}\n".encode())
            code = 120
    return code


def main(cases: list) -> list:
    warm_up()
    results = []
    for case in cases:
        with tempfile.TemporaryFile() as err:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    code = child(case["args"], case.get("stdout", "devnull"), err.fileno(),
                                 case.get("memory_kb", 0))
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            err.seek(0)
            results.append({"status": os.waitstatus_to_exitcode(status),
                            "stderr": err.read().decode("utf-8", "replace")})
    return results


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
