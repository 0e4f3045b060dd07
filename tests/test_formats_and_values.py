"""Options that mean the same on every command: --format (json for scripts everywhere) and -i FILE
(the inputs' values from a file; batch's -i is its data)."""

from __future__ import annotations

import importlib
import json
import math

import pytest
from hypothesis import HealthCheck, example, given, settings

from backprop_cli import evaluate
from backprop_cli.cli.group import COMMANDS
from conftest import run
from random_programs import points, programs


def _command(name):
    return importlib.import_module(f"backprop_cli.cli.commands.{COMMANDS[name][0]}").command


def _flags(name) -> set:
    return {flag for p in _command(name).params for flag in getattr(p, "opts", [])}


@pytest.mark.parametrize("name", [n for n in COMMANDS if n != "live"])
def test_every_command_has_a_format_with_json(name):
    params = {p.name: p for p in _command(name).params}
    assert "--format" in _flags(name), name
    if name not in ("graph", "plot", "batch"):  # pictures, CSV for plotting, data files
        assert "json" in params["fmt"].type.choices, name


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_with_a_point_reads_values_with_i(name):
    flags = _flags(name)
    if "--at" in flags:
        assert "-i" in flags, name
    if "-f" in flags:
        assert "--file" in flags  # -f is always the program


# ---- trace --format json ----------------------------------------------------------------------------

def trace_json(*args):
    result = run("trace", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_trace_as_json_has_the_lecture_numbers():
    doc = trace_json("(x+y)*z", "--at", "x=-2,y=5,z=-4")
    assert doc["output"] == {"name": "f", "value": -12.0}
    assert doc["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    first = doc["backward"][0]
    assert (first["name"], first["upstream"]) == ("f", 1.0)
    assert [(e["to"], e["local_formula"], e["local"], e["flows"]) for e in first["edges"]] == \
        [("t1", "z", -4.0, -4.0), ("z", "t1", 3.0, 3.0)]
    assert [f["name"] for f in doc["forward"]] == ["x", "y", "t1", "z", "f"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), points())
@example("a = --relu(x)\n--x^(a)", {"x": -1.0, "y": 0.0, "z": 0.0})  # upstream "nan", local 0, flows 0
def test_the_trace_json_adds_up(source, point):
    """upstream x local = flows on every edge, and what flows into a node adds up to its gradient."""
    try:
        r = evaluate(source, at=point)
    except Exception:
        return
    at = ",".join(f"{k}={v!r}" for k, v in point.items() if k in r.graph.inputs)
    result = run("trace", "-f", "-", *(["--at", at] if at else []), "--format", "json", input=source)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    if any(isinstance(v, str) for v in r.gradients.values()) or \
            not all(math.isfinite(v) for v in r.gradients.values()):
        return
    assert doc["gradients"] == pytest.approx(r.gradients)
    into: dict = {}
    for step in doc["backward"]:
        for e in step["edges"]:
            if isinstance(e["flows"], float) and isinstance(e["local"], float) and \
                    isinstance(step["upstream"], float) and math.isfinite(e["flows"]):
                assert e["flows"] == pytest.approx(step["upstream"] * e["local"], rel=1e-12, abs=1e-300)
            into.setdefault(e["to"], []).append(e["flows"])
    for entry in doc["forward"]:
        flows = into.get(entry["name"])
        if entry["op"] == "input" and flows and all(isinstance(f, float) for f in flows):
            assert math.fsum(flows) == pytest.approx(entry["gradient"], rel=1e-9, abs=1e-12)


def test_a_deep_trace_in_json_streams():
    source = "x" + "+x" * 20_000
    doc = trace_json(source, "--at", "x=1")
    assert doc["gradients"] == {"x": 20001.0} and len(doc["backward"]) == 20_000


# ---- codegen and diff --format json --------------------------------------------------------------------

def test_codegen_json_wraps_the_same_code():
    plain = run("codegen", "(x+y)*z", "--lang", "c", "--name", "g")
    doc = json.loads(run("codegen", "(x+y)*z", "--lang", "c", "--name", "g", "--format", "json").stdout)
    assert doc == {"language": "c", "function": "g", "inputs": ["x", "y", "z"], "output": "f", "code": plain.stdout}


def test_diff_json_wraps_the_same_program_and_it_runs():
    plain = run("diff", "x^2*y", "--wrt", "x")
    doc = json.loads(run("diff", "x^2*y", "--wrt", "x", "--format", "json").stdout)
    assert doc == {"of": "f", "wrt": "x", "order": 1, "inputs": ["x", "y"], "program": plain.stdout}
    again = run("eval", "-", "--at", "x=3,y=2", "--get", "df_dx", input=doc["program"])
    assert float(again.stdout) == 12.0


# ---- -i FILE: the point from a file ---------------------------------------------------------------------

NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
NEURON_AT = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}


@pytest.mark.parametrize("kind", ["json", "csv", "txt", "stdin-json", "stdin-lines"])
def test_values_from_a_file_give_the_same_numbers_as_at(tmp_path, kind):
    expected = run("eval", NEURON, "--at", ",".join(f"{k}={v}" for k, v in NEURON_AT.items()),
                   "--format", "json", "--no-nodes").stdout
    text = {"json": json.dumps(NEURON_AT),
            "csv": ",".join(NEURON_AT) + "\n" + ",".join(map(str, NEURON_AT.values())) + "\n",
            "txt": "# the lecture's point\n" + "\n".join(f"{k} = {v}" for k, v in NEURON_AT.items())}
    if kind.startswith("stdin"):
        body = text["json"] if kind == "stdin-json" else text["txt"]
        got = run("eval", NEURON, "-i", "-", "--format", "json", "--no-nodes", input=body)
    else:
        path = tmp_path / f"point.{kind}"
        path.write_text(text[kind])
        got = run("eval", NEURON, "-i", str(path), "--format", "json", "--no-nodes")
    assert got.exit_code == 0, got.stderr
    assert got.stdout == expected


def test_at_overrides_the_file_and_every_point_command_reads_it(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"x": 3, "y": "pi/2", "z": 100}')
    assert float(run("eval", "x*sin(y)", "-i", str(path), "--at", "x=2", "--get", "f").stdout) == 2.0
    for args in (["check"], ["trace"], ["graph"], ["optimize", "--steps", "2"], ["plot", "--over", "x=0:1:5"]):
        result = run(args[0], "x*sin(y)", "-i", str(path), *args[1:])
        assert result.exit_code == 0, (args, result.stderr)
        assert "Error" not in result.stderr


def test_tensor_values_from_json(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"W": [[1, 2], [3, 4]], "x": [1, 1]}')
    doc = json.loads(run("eval", "sum(W@x)", "-i", str(path), "--format", "json", "--no-nodes").stdout)
    assert doc["output"]["value"] == 10.0 and doc["gradients"]["x"] == [4.0, 6.0]


@pytest.mark.parametrize("name, text, message", [
    ("two.csv", "x,y\n1,2\n3,4\n", "2 rows of values, and -i reads one point"),
    ("bad.json", '{"x": true}', "the value of x is not a number"),
    ("list.json", "[1, 2]", "not an object of input values"),
    ("broken.json", '{"x": ', "not JSON"),
    ("short.csv", "x,y\n1\n", "the header names 2 inputs but the row has 1 values"),
    ("word.txt", "x = banana", "-i "),
    ("esc.json", '{"x\\u001b[2J": 1}', "\\x1b"),
])
def test_bad_value_files_get_one_clear_message(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    result = run("eval", "x*y", "-i", str(path), "--at", "y=1")
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr and "\x1b" not in result.stderr


def test_standard_input_cannot_be_program_and_values():
    result = run("eval", "-", "-i", "-", input="x = 1\n")
    assert result.exit_code == 2 and "cannot hold both" in result.stderr


def test_batch_keeps_i_for_its_data(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2\n3,4\n")
    result = run("batch", "x*y", "-i", str(data))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["x,y,f,df/dx,df/dy", "1.0,2.0,2.0,2.0,1.0", "3.0,4.0,12.0,4.0,3.0"]
