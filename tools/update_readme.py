"""Rerun every ```console example in README.md and paste its real output back in.

    python tools/update_readme.py          # rewrite README.md in place
    python tools/update_readme.py --check  # exit 1 if any example's output has changed

tests/test_readme.py runs the same examples, so a stale README fails the tests.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(```console\n)(.*?)(```)", re.S)


def run(command: str) -> str:
    from backprop_cli.cli.group import main

    words = shlex.split(command)
    stdin = None
    if "<" in words:
        k = words.index("<")
        stdin = (ROOT / words[k + 1]).read_text()
        words = words[:k] + words[k + 2:]
    if words[0] != "backprop":
        raise SystemExit(f"README example does not start with 'backprop': {command}")
    result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100"}).invoke(
        main, words[1:], input=stdin, prog_name="backprop")
    return result.output.rstrip()


def refresh(block: str) -> str:
    out = []
    for line in block.splitlines():
        if line.startswith("$ "):
            out.append(line)
            out.append(run(line[2:]))
    return "\n".join(out) + "\n"


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    new = BLOCK.sub(lambda m: m.group(1) + refresh(m.group(2)) + m.group(3), text)
    if "--check" in sys.argv:
        return 0 if new == text else 1
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
