"""The built wheel installs into a fresh virtual environment and works from another directory."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_wheel_installs_and_runs_from_another_directory(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = dist.glob("backprop_cli-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "backprop_cli/grammar/backprop.lark" in names  # the grammar ships inside the package

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   capture_output=True)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(bindir / "backprop"), "eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4",
                             "--format", "json"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["output"]["value"] == -12
    assert doc["gradients"] == {"x": -4, "y": -4, "z": 3}

    sample = Path(ROOT, "samples", "neuron.bp")
    result = subprocess.run([str(bindir / "backprop"), "eval", "-f", str(sample)], cwd=elsewhere, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "f = 0.7311" in result.stdout

    # The default install stays small (issue 21 item 6): no pyarrow, no textual, at most 120 MB of
    # site-packages (pip's own included); CSV batch works, Parquet and live name their extra.
    site = next((venv / "lib").glob("python*/site-packages"))
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file() and not p.is_symlink())
    assert size <= 120 * 2**20, f"{size / 2**20:.0f} MB"
    assert not list(site.glob("pyarrow*")) and not list(site.glob("textual*"))
    assert list(site.glob("orjson*"))  # CSV numbers in bulk (tasks/batch/csv_numbers.py)
    points = elsewhere / "points.csv"
    points.write_text("x,y\n1,2\n3,4\n")
    result = subprocess.run([str(bindir / "backprop"), "batch", "x*y", "-i", str(points)], cwd=elsewhere,
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "x,y,f,df/dx,df/dy\n1.0,2.0,2.0,2.0,1.0\n3.0,4.0,12.0,4.0,3.0\n"
    for args, extra in ((["batch", "x*y", "-i", str(points), "-o", "out.parquet"], "data"),
                        (["live", "x*y"], "live")):
        result = subprocess.run([str(bindir / "backprop"), *args], cwd=elsewhere, env=env,
                                capture_output=True, text=True)
        assert result.returncode == 2 and f"pip install 'backprop-cli[{extra}]'" in result.stderr
        assert "Traceback" not in result.stderr
