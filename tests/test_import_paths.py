"""Each command imports only what it needs (issue 26 item 1): numpy, Rich, pyarrow, textual, Lark,
dask and plotext stay off the path of every command that can do without them, and the plain eval
(table or JSON) imports neither click nor re.  Run as the console script, piped, on the neuron."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES

NEURON = str(SAMPLES / "neuron.bp")
HEAVY = {"numpy", "rich", "pyarrow", "textual", "lark", "dask", "distributed", "plotext", "pandas"}
SCRIPT = "import sys\nfrom backprop_cli.cli.entry import main\nsys.exit(main())\n"


def imported(args, tmp_path) -> set:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", SCRIPT, *args], capture_output=True,
                          text=True, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:")}


CASES = [
    # (arguments, modules that may be imported among HEAVY and click/re)
    (["eval", "-f", NEURON, "--format", "json"], set()),
    (["eval", "-f", NEURON], set()),
    (["eval", "-f", NEURON, "--get", "df/dw0"], {"re"}),
    (["trace", "-f", NEURON], {"click", "re"}),
    (["check", "-f", NEURON], {"click", "re"}),
    (["graph", "-f", NEURON, "--format", "dot"], {"click", "re"}),
    (["codegen", "-f", NEURON, "--lang", "c"], {"click", "re"}),
    (["diff", "-f", NEURON, "--wrt", "w0"], {"click", "re"}),
    (["gates"], {"click", "re"}),
    (["quiz", "-f", NEURON, "--answers", "answers.txt"], {"click", "re"}),
    (["plot", "sin(x)", "--over", "x=0:3"], {"click", "re", "numpy", "plotext"}),
    (["batch", "-f", NEURON, "-i", "points.csv"], {"click", "re", "numpy"}),
    (["optimize", "-f", NEURON, "--steps", "3"], {"click", "re", "numpy", "rich", "plotext"}),
]


@pytest.mark.parametrize("args, allowed", CASES, ids=[" ".join(a[:1] + a[3:4]) for a, _ in CASES])
def test_heavy_imports_stay_off_each_commands_path(tmp_path, args, allowed):
    (tmp_path / "points.csv").write_text("w0,x0,w1,x1,w2\n2,-1,-3,-2,-3\n")
    (tmp_path / "answers.txt").write_text("0\n")
    modules = imported(args, tmp_path)
    unexpected = (HEAVY | {"click", "re"}) & modules - allowed
    assert not unexpected, f"{' '.join(args[:2])} imports {sorted(unexpected)}"
