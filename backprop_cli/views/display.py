"""Results that show themselves in a notebook (Jupyter, VS Code, Colab), through IPython's display
protocol (``_repr_html_``, ``_repr_svg_``, ``_repr_markdown_``, ``_repr_json_``), with plain text for a terminal or a front
end without HTML.  No IPython import here: the protocol is a matter of method names.

    >>> from backprop_cli import evaluate
    >>> r = evaluate("(x+y)*z", at={"x": -2, "y": 5, "z": -4})
    >>> r                  # the eval table: values green, gradients red
    >>> r.picture()        # the graph as SVG, values above each wire, gradients below
    >>> r.trace()          # the backward pass step by step, formulas typeset

Every view is one of the CLI's, drawn from the same Result (views/html.py, svg.py, latex.py)."""

from __future__ import annotations

import io

from ..core.engine import Result
from ..base.numbers import DEFAULT_DIGITS

#: a graph with more nodes shows its summary as text, not every row
TEXT_ROWS = 2000
#: a picture of more nodes is not drawn in a notebook by itself (a browser would stall on it);
#: ``.svg`` still draws it
PICTURE_NODES = 2000


def _is_tensor(result: Result) -> bool:
    return result.graph.tensor or any(type(v) is not float for v in result.at.values())


class Evaluation(Result):
    """What ``evaluate`` returns: the engine's Result (``value``, ``gradients``, ``values``, ``grads``,
    ``graph``), which a notebook shows as the eval table."""

    __slots__ = ("digits", "labels")

    @classmethod
    def of(cls, result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> "Evaluation":
        shown = cls(result.graph, result.values, result.grads, result.local, result.contrib, result.at,
                    result.warnings)
        shown.digits, shown.labels = digits, labels
        return shown

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.digits, self.labels = DEFAULT_DIGITS, "short"

    # ---- the table -----------------------------------------------------------------------------

    def _repr_html_(self) -> str:
        from .html import table

        return table(self, self.digits, self.labels)

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.text())

    def text(self, width: int = 100) -> str:
        """The eval table as the terminal shows it without colour."""
        from .console import PlainConsole
        from .table import render, summary

        if len(self.graph) > TEXT_ROWS:
            lines = [f"({len(self.graph):,} nodes: the table is left out; .table() draws it)"]
            return "\n".join(lines + [label + number for label, number, _ in summary(self, self.digits)])
        buffer = io.StringIO()
        console = PlainConsole(buffer)
        console.width = width
        console.no_color = True
        render(self, console, self.digits, self.labels)
        return buffer.getvalue().rstrip("\n")

    # ---- the other views -----------------------------------------------------------------------

    def picture(self, digits: int = None, engine: str = "auto", highlight: int = None) -> "Picture":
        """The graph as SVG, as `backprop graph` draws it: values above each wire, gradients below.
        ``engine``: "graphviz" (its dot program), "builtin" (no Graphviz needed) or "auto" (Graphviz
        when it is installed); ``highlight``: a gate's node id, marked (drawn by builtin)."""
        return Picture(self, self.digits if digits is None else digits, engine, highlight)

    def trace(self, digits: int = None, labels: str = None) -> "TraceView":
        """The forward and backward pass step by step, as `backprop trace` walks them."""
        return TraceView(self, self.digits if digits is None else digits, labels or self.labels)

    def tree(self, digits: int = None, labels: str = None) -> "Shown":
        from .html import tree
        from .tree import render

        digits = self.digits if digits is None else digits
        labels = labels or self.labels
        return Shown(tree(self, digits, labels), _plain(render, self, digits, labels))

    def table(self, digits: int = None, labels: str = None) -> "Shown":
        from .html import table

        digits = self.digits if digits is None else digits
        labels = labels or self.labels
        return Shown(table(self, digits, labels), self.text())

    def json(self) -> "JsonView":
        """Every node's value and gradient, as `eval --format json` writes them."""
        return JsonView(self)

    def latex(self, digits: int = None, labels: str = None) -> str:
        """The table as a booktabs tabular, for a handout (`eval --format latex`)."""
        from .latex import table

        return "".join(table(self, self.digits if digits is None else digits, labels or self.labels))


def _plain(render, result, digits, labels, width: int = 100) -> str:
    from .console import PlainConsole

    buffer = io.StringIO()
    console = PlainConsole(buffer)
    console.width = width
    console.no_color = True
    render(result, console, digits, labels)
    return buffer.getvalue().rstrip("\n")


class Shown:
    """A finished view: HTML for a notebook, text for anything else."""

    def __init__(self, html: str, text: str) -> None:
        self.html, self.text = html, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.text)


class Picture:
    """The graph as SVG; ``svg`` is the text, ``save(path)`` writes it, ``tikz()`` is the same picture
    for LaTeX, ``dot()`` the DOT text."""

    def __init__(self, result: Result, digits: int = DEFAULT_DIGITS, engine: str = "auto",
                 highlight: int = None) -> None:
        if engine not in ("auto", "graphviz", "builtin"):
            raise ValueError(f"engine must be 'auto', 'graphviz' or 'builtin', not {engine!r}")
        self.result, self.digits, self.engine, self.highlight = result, digits, engine, highlight
        self._svg = None

    @property
    def drawn_by(self) -> str:
        import shutil

        if self.engine == "auto":
            return "graphviz" if shutil.which("dot") else "builtin"
        return self.engine

    @property
    def svg(self) -> str:
        if self._svg is None:
            if self.drawn_by == "graphviz":
                self._svg = _graphviz_svg(self.dot())
            else:
                from .svg import render

                self._svg = render(self.result, self.digits, self.highlight)
        return self._svg

    def _repr_svg_(self):
        if len(self.result.graph) > PICTURE_NODES:
            return None  # the front end shows the text below instead
        return self.svg

    def __repr__(self) -> str:
        n = len(self.result.graph)
        if n > PICTURE_NODES:
            return (f"<backprop picture: {n:,} nodes, more than a notebook draws ({PICTURE_NODES:,}); "
                    ".svg draws it anyway, .save('graph.svg') writes it>")
        return f"<backprop picture: {n} nodes, drawn by {self.drawn_by}; .svg has the SVG>"

    def dot(self) -> str:
        from .dot import render

        return render(self.result, self.digits)

    def tikz(self) -> str:
        from .tikz import render

        return render(self.result, self.digits)

    def save(self, path: str) -> None:
        from ..base.files import write_output

        write_output(path, self.svg)


def _graphviz_svg(dot_text: str) -> str:
    import shutil

    from .graphviz import INSTALL_HINT, ToolMissing, draw

    program = shutil.which("dot")
    if program is None:
        raise ToolMissing("engine='graphviz' needs Graphviz's dot program, which is not installed",
                          "Use engine='builtin' (or 'auto'), which draws without it.  " + INSTALL_HINT)
    return draw(program, "svg", dot_text, "the graph").decode("utf-8")


class TraceView:
    """The trace: Markdown with its formulas in LaTeX (``_repr_markdown_``: JupyterLab, VS Code and
    Colab all typeset maths there), text otherwise, ``html()`` for a page or a widget, and ``latex()``
    the align* block for slides.  A tensor program's trace shows each gate's rule with its shapes."""

    def __init__(self, result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> None:
        self.result, self.digits, self.labels = result, digits, labels

    def _repr_markdown_(self) -> str:
        if _is_tensor(self.result):
            fence = "~~~~"
            return f"{fence}text\n{self.text()}\n{fence}\n"
        from .markdown import trace

        return trace(self.result, self.digits, self.labels)

    def html(self) -> str:
        from html import escape

        if _is_tensor(self.result):
            return f'<pre class="backprop-trace">{escape(self.text())}</pre>'
        from .html import trace

        return trace(self.result, self.digits, self.labels)

    def text(self) -> str:
        if _is_tensor(self.result):
            from .tensor_trace import lines

            return "\n".join(lines(self.result, self.digits))
        from .trace import build

        return "\n\n".join(build(self.result, self.digits, self.labels, width=100).plain())

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.text())

    def latex(self) -> str:
        if _is_tensor(self.result):
            from ..base.errors import InputError

            raise InputError("the trace in LaTeX: scalar programs only for now",
                             "For a tensor program, .text() has each gate's rule with its shapes.")
        from .latex import trace

        return "".join(trace(self.result, self.digits, self.labels))


class JsonView:
    """The result as `eval --format json` writes it: a JSON tree in a notebook, the text otherwise."""

    def __init__(self, result: Result) -> None:
        from . import as_json

        self.text = "".join(as_json.pieces(result, nodes=True))

    def _repr_json_(self):
        import json

        return json.loads(self.text), {"expanded": False, "root": "backprop"}

    def __repr__(self) -> str:
        return self.text

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.text)
