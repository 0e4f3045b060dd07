#!/usr/bin/env python3
"""The hostile inputs of issue 7, run through the installed command as real processes, timed.

    python bench/limits.py                       # `backprop` on PATH
    python bench/limits.py --exe .venv/bin/backprop

Prints one row per input: its size, the exit code, the wall time and the first line of the
message.  Every row should end in well under a second or two, exit 1 or 2, with one message.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cases(tmp: Path):
    """(what, argv after the command, stdin bytes or None)."""
    def file(name: str, data: bytes) -> str:
        (tmp / name).write_bytes(data)
        return name  # the command runs in tmp: messages show short names

    yield "exponent tower 9^9^9^9", ["eval", "9^9^9^9"], None
    yield "2^2^...^2, 1,000 deep", ["eval", "-"], "^".join(["2"] * 1000).encode()
    yield "integer literal, 100,000 digits", ["eval", "-f", file("digits.bp", b"1" * 100_000)], None
    yield "identifier of 1 MB", ["eval", "-f", file("name.bp", b"x" * 1_000_000)], None
    yield "10 MB file (10 MiB)", ["eval", "-f", file("big.bp", b"x+" * (5 * 1024 * 1024) + b"x")], None
    yield "10 MB on stdin", ["eval", "-"], b"x+" * 5_000_001
    yield "1,000,000-deep nesting", ["eval", "-"], b"(" * 1_000_000 + b"x" + b")" * 1_000_000
    yield "1,000,000-deep calls in a file", ["eval", "-f", file("calls.bp", b"sin(" * 1_000_000 + b"x" + b")" * 1_000_000)], None
    yield "NUL bytes", ["eval", "-f", file("nul.bp", b"x = 1\ny = x +\x00\x00 2\n")], None
    yield "not UTF-8 (Latin-1)", ["eval", "-f", file("latin1.bp", "x * 2 # café\n".encode("latin-1"))], None
    yield "random binary (/bin/ls)", ["eval", "-f", shutil.which("ls") or "/bin/ls"], None
    yield "missing file", ["eval", "-f", "no-such-file.bp"], None
    (tmp / "adir").mkdir()
    yield "a directory", ["eval", "-f", "adir"], None
    yield "terminal escapes in a comment", ["eval", "x # \x1b]0;title\x07\x1b[2J", "--at", "x=1"], None
    yield "undecodable argv byte", ["eval", os.fsdecode(b"x + \xff")], None
    yield "--at value 60,000 deep (works)", ["eval", "x", "--at", "x=" + "(" * 60_000 + "1" + ")" * 60_000], None
    yield "20,000 missing inputs", ["eval", "-"], "+".join(f"v{i}" for i in range(20_000)).encode()
    yield "100,000-term sum (works)", ["eval", "-", "--at", "x=1", "--format", "json", "--no-nodes"], \
        b"x+" * 100_000 + b"x"
    yield "100,000-deep parentheses (works)", ["eval", "-", "--at", "x=1", "--format", "json", "--no-nodes"], \
        b"(" * 100_000 + b"x" + b")" * 100_000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exe", default=shutil.which("backprop") or "backprop", help="the command to run")
    args = ap.parse_args()
    args.exe = shutil.which(args.exe) or os.path.abspath(args.exe)  # it runs in a scratch directory
    print(f"command: {args.exe}\n")
    print(f"{'input':33} {'bytes':>10} {'exit':>4} {'seconds':>7}  message")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for what, argv, stdin in cases(Path(tmp)):
            size = len(stdin) if stdin is not None else sum(len(a.encode("utf-8", "surrogateescape")) for a in argv)
            if "-f" in argv:
                target = Path(tmp, argv[argv.index("-f") + 1])
                size = target.stat().st_size if target.is_file() else 0
            start = time.perf_counter()
            proc = subprocess.run([args.exe, *argv], input=stdin, capture_output=True, cwd=tmp,
                                  env=dict(os.environ, NO_COLOR="1"), timeout=600)
            elapsed = time.perf_counter() - start
            worst = max(worst, elapsed)
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            first = err[0] if err else "(ok) " + " ".join(proc.stdout.decode("utf-8", "replace").split())[:50]
            tb = " TRACEBACK" if b"Traceback" in proc.stderr else ""
            print(f"{what:33} {size:>10,} {proc.returncode:>4} {elapsed:>7.2f}  {first[:92]}{tb}")
    print(f"\nslowest: {worst:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
