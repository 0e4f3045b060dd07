"""How long `backprop codegen` and the compilers take on big graphs (run by hand: python bench/codegen_sizes.py).

Prints one row per graph size: parse, generate (per language), CPython's compile of the generated
Python, and gcc -O0 on the generated C.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from backprop_cli.api import build  # noqa: E402
from backprop_cli.transforms.codegen import generate  # noqa: E402


def deep(n_steps: int) -> str:
    source = "x"
    for k in range(n_steps):
        source = f"sin({source})*y + 1" if k % 2 else f"({source})*y - x"
    return source


def main() -> None:
    print(f"{'nodes':>8} {'parse s':>8} {'python s':>9} {'c s':>6} {'js s':>6} {'compile py s':>13} {'gcc -O0 s':>10}")
    for steps in (1_000, 3_400, 10_000, 33_400):
        source = deep(steps)
        t = time.perf_counter()
        graph = build(source)
        parse = time.perf_counter() - t
        times = {}
        codes = {}
        for lang in ("python", "c", "js"):
            t = time.perf_counter()
            codes[lang] = generate(graph, lang)
            times[lang] = time.perf_counter() - t
        t = time.perf_counter()
        compile(codes["python"], "<generated>", "exec")
        compile_py = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "f.c")
            with open(path, "w") as fh:
                fh.write(codes["c"])
            t = time.perf_counter()
            subprocess.run(["gcc", "-O0", "-c", path, "-o", os.path.join(tmp, "f.o")], check=True)
            gcc = time.perf_counter() - t
        print(f"{len(graph):>8} {parse:>8.2f} {times['python']:>9.2f} {times['c']:>6.2f} {times['js']:>6.2f} "
              f"{compile_py:>13.2f} {gcc:>10.2f}")


if __name__ == "__main__":
    main()
