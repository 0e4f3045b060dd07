"""Each command imports only what it needs (issue 26 item 1): numpy, Rich, pyarrow, textual, Lark,
dask and plotext stay off the path of every command that can do without them, and the plain eval
(table or JSON) imports neither click nor re; no command the console script reads itself (options.FAST)
imports click.  Run as the console script, piped, on the neuron."""

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
    (["trace", "-f", NEURON], {"re"}),
    (["check", "-f", NEURON], {"re"}),
    (["graph", "-f", NEURON, "--format", "dot"], {"re"}),
    (["codegen", "-f", NEURON, "--lang", "c"], {"re"}),
    (["diff", "-f", NEURON, "--wrt", "w0"], {"re"}),
    (["gates"], {"re"}),
    (["quiz", "-f", NEURON, "--answers", "answers.txt"], {"re"}),
    (["plot", "sin(x)", "--over", "x=0:3"], {"re", "numpy", "plotext"}),
    (["batch", "-f", NEURON, "-i", "points.csv"], {"re", "numpy"}),
    (["optimize", "-f", NEURON, "--steps", "3"], {"re", "numpy", "rich", "plotext"}),
]


@pytest.mark.parametrize("args, allowed", CASES, ids=[" ".join(a[:1] + a[3:4]) for a, _ in CASES])
def test_heavy_imports_stay_off_each_commands_path(tmp_path, args, allowed):
    (tmp_path / "points.csv").write_text("w0,x0,w1,x1,w2\n2,-1,-3,-2,-3\n")
    (tmp_path / "answers.txt").write_text("0\n")
    modules = imported(args, tmp_path)
    unexpected = (HEAVY | {"click", "re"}) & modules - allowed
    assert not unexpected, f"{' '.join(args[:2])} imports {sorted(unexpected)}"


SEEN_BY_NUMPY = """
import os, sys
seen = []
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            seen.append(os.environ.get("OPENBLAS_NUM_THREADS"))
        return None
sys.meta_path.insert(0, Watch())
from backprop_cli.cli.commands.scalar_numpy import load_numpy_for_scalars
load_numpy_for_scalars()
print(seen, os.environ.get("OPENBLAS_NUM_THREADS"), "numpy" in sys.modules)
"""


@pytest.mark.parametrize("given, expected", [(None, ["['1']", "None", "True"]), ("3", ["[]", "3", "False"])])
def test_plot_and_batch_load_openblas_with_one_thread_and_leave_the_environment_as_it_was(given, expected):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given  # the user's choice stands
    proc = subprocess.run([sys.executable, "-c", SEEN_BY_NUMPY], capture_output=True, text=True,
                          env=dict(env, PYTHONPATH=str(ROOT)), cwd=ROOT)
    assert proc.stdout.split() == expected, proc.stderr


def test_plotext_loads_without_its_documentation_and_test_runner_and_keeps_its_api():
    code = ("import sys\nfrom backprop_cli.views.plotext_loader import plotext\nplt = plotext()\n"
            "print('unittest' in sys.modules, 'plotext._doc.doc' in sys.modules, callable(plt.test), "
            "hasattr(plt, 'figure'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT)
    assert proc.stdout.split() == ["False", "False", "True", "True"], proc.stderr
