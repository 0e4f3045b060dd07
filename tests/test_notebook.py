"""samples/notebooks/lecture.ipynb run afresh in a real kernel (nbclient + ipykernel): every code
cell's outputs have the MIME types a notebook front end renders, and the lecture's numbers."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from html_cells import column
from notebook_guard import forget_ipython  # noqa: F401 (an autouse fixture)

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

sys.path.insert(0, str(ROOT / "tools"))
import lecture_notebook  # noqa: E402

PATH = ROOT / "samples" / "notebooks" / "lecture.ipynb"


@pytest.fixture(scope="module")
def executed():
    """The notebook after a fresh run in a kernel, its saved outputs dropped first."""
    nb = nbformat.read(str(PATH), as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return lecture_notebook.execute(nb, cwd=ROOT, timeout=180)


@pytest.fixture(scope="module")
def cells(executed):
    """The code cells after the run: (source, outputs)."""
    return [(cell.source, cell.outputs) for cell in executed.cells if cell.cell_type == "code"]


def _output(cells, start: str) -> list:
    for source, outputs in cells:
        if source.startswith(start):
            return outputs
    raise AssertionError(f"no cell starts with {start!r}")


def _result(outputs) -> dict:
    """The data of the cell's one result (execute_result or display_data)."""
    shown = [o for o in outputs if o.output_type in ("execute_result", "display_data")]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors[0].get("evalue")
    assert len(shown) == 1, outputs
    return shown[0].data


def test_the_committed_notebook_is_the_tools(cells):
    nb = nbformat.read(str(PATH), as_version=4)
    assert [c.source for c in nb.cells] == [text for _, text in lecture_notebook.CELLS]
    assert all(o.output_type != "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_no_cell_fails_and_every_output_is_rendered_by_a_front_end(cells):
    for source, outputs in cells:
        for output in outputs:
            assert output.output_type != "error", (source, output.get("evalue"))
            if output.output_type == "stream":
                assert output.name == "stdout", (source, output.text)


def test_the_first_example_as_a_table(cells):
    data = _result(_output(cells, "%%backprop --at x=-2,y=5,z=-4"))
    assert set(data) == {"text/html", "text/plain"}
    html = data["text/html"]
    assert column(html, 1) == ["x", "y", "q = x + y", "z", "f = q*z"]
    assert column(html, 3) == ["-2", "5", "3", "-4", "-12"]
    assert column(html, 4) == ["-4", "-4", "-4", "3", "1"]
    assert "color:#1a7f37" in html and "color:#cf222e" in html
    assert "df/dz = 3" in data["text/plain"]


def test_the_first_example_as_a_picture_and_a_trace(cells):
    data = _result(_output(cells, "from backprop_cli import evaluate"))
    assert "image/svg+xml" in data
    svg = data["image/svg+xml"]
    values = re.findall(r'class="value"[^>]*>([^<]*)<', svg)
    grads = re.findall(r'class="grad"[^>]*>([^<]*)<', svg)
    assert values == ["-2", "5", "3", "-4", "-12"] and grads == ["-4", "-4", "-4", "3", "1"]
    trace = _result(_output(cells, "r.trace()"))
    assert set(trace) == {"text/markdown", "text/plain"}
    assert trace["text/markdown"].count("**step ") == 2
    assert "\\frac{\\partial f}{\\partial q}" in trace["text/markdown"]
    assert "f -> q: upstream 1 × local (z = -4) = -4" in trace["text/plain"]


def test_the_line_magic_gets_one_number(cells):
    data = _result(_output(cells, "%backprop (x+y)*z"))
    assert data == {"text/plain": "-4.0"}


def test_the_neuron_and_its_sigmoid_collapse(cells):
    lecture = json.loads((ROOT / "tests" / "cs231n.json").read_text())
    neuron = next(e for e in lecture if e["name"] == "cs231n-neuron")
    plain = _result(_output(cells, "%%backprop\n"))
    collapsed = _result(_output(cells, "%%backprop --collapse sigmoid"))
    for data in (plain, collapsed):
        text = data["text/plain"]
        for name, grad in neuron["gradients"].items():
            assert f"df/d{name} = {float(f'{grad:.4g}'):g}" in text
        assert "f = 0.7311" in text
    assert "sigmoid" in collapsed["text/html"] and "sigmoid" not in plain["text/html"]
    assert len(column(collapsed["text/html"], 0)) == 10 and len(column(plain["text/html"], 0)) == 15
    picture = _result(_output(cells, "neuron = evaluate"))
    assert "sigmoid" in picture["image/svg+xml"] and ">0.7311<" in picture["image/svg+xml"]


def test_the_tensor_example_shows_shapes_and_arrays(cells):
    import numpy as np

    data = _result(_output(cells, "import numpy as np"))
    html = data["text/html"]
    ops = column(html, 2)
    assert ops[:3] == ["input (3x4)", "input (4x1)", "matmul (3x1)"]
    W = np.array([[1., 2, 3, 4], [0, 1, 0, 1], [2, 0, 1, 1]])
    X = np.array([[1.], [2], [0], [-1]])
    D = np.array([[1.], [0.5], [-1]])
    assert np.array_equal(D @ X.T, [[1, 2, 0, -1], [0.5, 1, 0, -0.5], [-1, -2, 0, 1]])  # dW = dY Xᵀ, dY = D
    assert np.array_equal(W.T @ D, [[-1], [2.5], [2], [3.5]])  # dX = Wᵀ dY
    assert "dL/dW = [[1, 2, 0, -1], [0.5, 1, 0, -0.5], [-1, -2, 0, 1]]" in data["text/plain"]
    assert "dL/dX = [[-1], [2.5], [2], [3.5]]" in data["text/plain"]
    assert "L = 0.5" in data["text/plain"] and float((W @ X * D).sum()) == 0.5


def test_the_widget_is_a_widget(cells):
    data = _result(_output(cells, "import backprop_cli"))
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"]


def test_the_widgets_state_is_saved_at_its_first_backward_step(executed):
    """The notebook keeps the widgets' state (what an exported page draws without a kernel): the
    sliders at the lecture's point and the step pane at step 1."""
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    models = [m["state"] for m in state.values()]
    sliders = {m["description"]: m["value"] for m in models if m.get("_model_name") == "FloatSliderModel"}
    assert sliders == {"x": -2.0, "y": 5.0, "z": -4.0}
    html = [m.get("value", "") for m in models if m.get("_model_name") in ("HTMLModel", "HTMLMathModel")]
    assert any("step 1:" in v and "step 2:" not in v for v in html)
    assert any(">-12<" in v for v in html)
    labels = [m.get("value", "") for m in models if m.get("_model_name") == "LabelModel"]
    assert "backward step 1 of 2" in labels


def test_the_latex_for_slides(cells):
    (stream,) = _output(cells, "print(r.trace().latex())")
    assert stream.output_type == "stream"
    assert "\\begin{align*}" in stream.text and "\\underbrace{z}_{\\text{local}}" in stream.text
