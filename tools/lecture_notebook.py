"""Write samples/notebooks/lecture.ipynb and run it in a kernel, so that it is saved with its outputs
(what GitHub and a student see before running anything).

    python tools/lecture_notebook.py            # write and run it
    python tools/lecture_notebook.py --html F   # also export it to HTML (nbconvert) for a screenshot
    python tools/lecture_notebook.py --html F --assets node_modules
        # the HTML loads MathJax 2, require.js and the widget renderer from an npm folder instead of
        # the web (npm install mathjax@2 requirejs@2 @jupyter-widgets/html-manager@1): for a
        # screenshot on a machine without the internet (docs/notebooks.md)

tests/test_notebook.py runs the same notebook afresh and checks every output's MIME type and numbers.
"""

from __future__ import annotations

import argparse
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PATH = ROOT / "samples" / "notebooks" / "lecture.ipynb"

CELLS = [
    ("markdown", """# Backpropagation, as in the lecture

The two examples of CS231n's lecture on backpropagation, worked by `backprop` in a notebook: every
node's value (green) and gradient (red), the graph with both on its wires, and the backward pass gate
by gate, *upstream × local*.  Install with `pip install 'backprop-cli[notebook]'`."""),
    ("code", "%load_ext backprop_cli"),
    ("markdown", """## 1. f(x, y, z) = (x + y) z

At x = -2, y = 5, z = -4: q = 3, f = -12; df/dz = q = 3, df/dq = z = -4, and the add gate hands -4 to
both x and y."""),
    ("code", "%%backprop --at x=-2,y=5,z=-4\nq = x + y\nf = q * z"),
    ("code", "from backprop_cli import evaluate\n\n"
             "r = evaluate(\"q = x + y\\nf = q * z\", at={\"x\": -2, \"y\": 5, \"z\": -4})\n"
             "r.picture(engine=\"builtin\")"),
    ("code", "r.trace()"),
    ("code", "%backprop (x+y)*z --at x=-2,y=5,z=-4 --get df/dx"),
    ("markdown", """## 2. The sigmoid neuron

f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) at w = (2, -3, -3), x = (-1, -2): f = 0.73, and the
gradients -0.20, 0.39, -0.39, -0.59, 0.20."""),
    ("code", "%%backprop\ninput w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3\n"
             "f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"),
    ("markdown", """### The sigmoid collapse

The chain 1/(1 + exp(-z)) folds into one sigmoid gate, whose local gradient is (1 - σ) σ."""),
    ("code", "%%backprop --collapse sigmoid\ninput w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3\n"
             "f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"),
    ("code", "neuron = evaluate(\"f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))\",\n"
             "                  at={\"w0\": 2, \"x0\": -1, \"w1\": -3, \"x1\": -2, \"w2\": -3}, collapse=\"sigmoid\")\n"
             "neuron.picture(engine=\"builtin\")"),
    ("markdown", """## 3. A tensor example: Y = W X

The course notes' rule for a matrix product: dW = dY Xᵀ and dX = Wᵀ dY (each has its variable's
shape)."""),
    ("code", "import numpy as np\n\n"
             "W = np.array([[1., 2, 3, 4], [0, 1, 0, 1], [2, 0, 1, 1]])\n"
             "X = np.array([[1.], [2], [0], [-1]])\n"
             "D = np.array([[1.], [0.5], [-1]])\n"
             "t = evaluate(\"Y = W @ X\\nL = sum(Y * D)\", at={\"W\": W, \"X\": X, \"D\": D})\n"
             "t"),
    ("markdown", """## 4. Try it: sliders and the backward pass step by step

Move a slider and the table and the picture follow; *step* walks the backward pass one gate at a
time."""),
    ("code", "import backprop_cli\n\n"
             "w = backprop_cli.widget(\"q = x + y\\nf = q * z\", at={\"x\": -2, \"y\": 5, \"z\": -4})\n"
             "w.next_step()  # what the step button does: the first gate of the backward pass\n"
             "w"),
    ("markdown", """## 5. For slides

The same trace as LaTeX (`backprop trace --format latex`), ready for an `align*`-capable document."""),
    ("code", "print(r.trace().latex())"),
]


def make():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, text in CELLS:
        nb.cells.append(nbformat.v4.new_markdown_cell(text) if kind == "markdown"
                        else nbformat.v4.new_code_cell(text))
    return nb


def execute(nb, cwd=ROOT, timeout: int = 120):
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def main() -> None:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", metavar="FILE", help="also export the run notebook to HTML (nbconvert)")
    parser.add_argument("--assets", metavar="DIR", help="an npm node_modules folder with mathjax@2, requirejs and "
                        "@jupyter-widgets/html-manager, which the HTML loads instead of the web")
    args = parser.parse_args()
    nb = execute(make())
    for cell in nb.cells:  # stable ids and no run-dependent metadata: the file changes only with its content
        cell.metadata.pop("execution", None)
    for k, cell in enumerate(nb.cells):
        cell.id = f"cell-{k}"
    PATH.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(PATH))
    print(f"wrote {PATH.relative_to(ROOT)}")
    if args.html:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter()
        if args.assets:
            assets = pathlib.Path(args.assets).resolve().as_uri()
            exporter.mathjax_url = f"{assets}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
            exporter.require_js_url = f"{assets}/requirejs/require.js"
            exporter.widget_renderer_url = f"{assets}/@jupyter-widgets/html-manager/dist/embed-amd.js"
        body, _ = exporter.from_notebook_node(nb)
        pathlib.Path(args.html).write_text(body, encoding="utf-8")
        print(f"wrote {args.html}")


if __name__ == "__main__":
    main()
