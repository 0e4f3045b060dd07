"""Check the parse-table generator and the parser against every Lark version pyproject.toml allows.

    python tools/lark_versions.py                  # the versions in VERSIONS
    python tools/lark_versions.py 1.3.2 1.4.0      # others, e.g. before widening the pin

For each version: install that Lark alone into a temporary folder (pip install --target), put it in
front of this interpreter's packages, regenerate the tables (``tablegen --check``: the same tables as
the committed ones) and run the parser tests (the driver against that Lark on the corpus, token soup
and random programs).  Prints one line per version; exit 1 if any failed.  When a new Lark passes,
add it to VERSIONS; when one fails, fix tablegen (or, for a while, pin below that version).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: versions checked with this script (pyproject.toml asks for lark>=1.1.9 with no upper bound: tablegen
#: uses Lark's public API only, so a new release is checked here rather than pinned out)
VERSIONS = ["1.1.9", "1.2.1", "1.2.2", "1.3.0", "1.3.1"]
TESTS = ["tests/test_fast_parser.py", "tests/test_language.py", "tests/test_errors.py"]


def check(version: str, tmp: Path) -> tuple:
    target = tmp / version
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                              str(target), f"lark=={version}"], capture_output=True, text=True)
    if install.returncode:
        return False, "pip: " + (install.stderr.strip().splitlines() or ["failed"])[-1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), str(ROOT)]))
    seen = subprocess.run([sys.executable, "-c", "import lark; print(lark.__version__)"], env=env,
                          capture_output=True, text=True, cwd=ROOT).stdout.strip()
    if seen != version:
        return False, f"imported Lark {seen or '?'} instead"
    tables = subprocess.run([sys.executable, "-m", "backprop_cli.language.tablegen", "--check"], env=env,
                            capture_output=True, text=True, cwd=ROOT)
    if tables.returncode:
        return False, "tables differ: " + (tables.stderr.strip() or tables.stdout.strip())[-200:]
    tests = subprocess.run([sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider", *TESTS],
                           env=env, capture_output=True, text=True, cwd=ROOT)
    summary = (tests.stdout.strip().splitlines() or ["no output"])[-1]
    return tests.returncode == 0, f"same tables; tests: {summary}"


def main(argv: list) -> int:
    versions = argv or VERSIONS
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for version in versions:
            ok, note = check(version, Path(tmp))
            failed += not ok
            print(f"lark {version:<8} {'ok    ' if ok else 'FAILED'} {note}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
