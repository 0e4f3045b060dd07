#!/usr/bin/env python3
"""Time every command on the same program at growing sizes: each row should grow like its size.

    python bench/scaling.py                 # sizes 25, 100, 400, 1600 statements
    python bench/scaling.py --sizes 100,1000 --commands eval,trace

In-process (tests/conftest.py's `run`), best of --repeat runs.  The last column is the time ratio
to the previous size divided by the size ratio: about 1 for linear work, growing with the size for
anything worse.  tests/test_scaling.py makes the same comparison, small and with a generous bound.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import run  # noqa: E402
from fuzzgen import load_commands  # noqa: E402
from test_scaling import RECIPES, POINT, program  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="25,100,400,1600")
    ap.add_argument("--commands", default="")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    found, missing = load_commands()
    names = [n for n in found if not args.commands or n in args.commands.split(",")]
    print(f"{'command':10} {'statements':>10} {'bytes':>10} {'seconds':>9}  time ratio / size ratio")
    for name in names:
        takes_at = "at" in {p.name for p in found[name].params}
        previous = None
        for n in sizes:
            text = program(n)
            argv = [name, *RECIPES.get(name, []), *(["--at", POINT] if takes_at else []), "--", text]
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = run(*argv)
                best = min(best, time.perf_counter() - start)
            ratio = ""
            if previous:
                ratio = f"{(best / previous[1]) / (n / previous[0]):.2f}"
            flag = "" if result.exit_code == 0 else f"  (exit {result.exit_code})"
            print(f"{name:10} {n:>10,} {len(text):>10,} {best:>9.3f}  {ratio}{flag}")
            previous = (n, best)
    if missing:
        print(f"\nnot importable: {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
