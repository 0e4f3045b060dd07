"""The graph panel of `backprop live`: one line per node (name, value in green, gradient in red, in
forward mode the tangent d(node)/d(selected input), the gate over its inputs), drawn with Textual's line API so that only the lines on screen are rendered.
A 1,000-node graph then costs a few milliseconds a keystroke instead of a table re-layout."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..views.console import GRAD_STYLE, VALUE_STYLE

HEADER = ("node", "value", "gradient", "gate")
NAME_WIDTH = 24  # longer names (full labels) end in '…'; numbers are never cut
NUMBER_WIDTH = 10  # show() at 4 digits: -1.234e-05; a longer number widens its own line
GAP = "  "

_HEAD = Style(bold=True)
_VALUE = Style.parse(VALUE_STYLE)
_GRAD = Style.parse(GRAD_STYLE)
_GATE = Style.parse("bold black on yellow")  # the gate of the current backward step
_INPUT = Style.parse("bold black on cyan")  # its inputs, where the product flows on


class GraphView(ScrollView, can_focus=True):
    """Rows of model.Row; ``highlight`` = (gate node, its input nodes) in step mode."""

    DEFAULT_CSS = "GraphView { overflow-x: hidden; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list = []  # a model.Rows once shown
        self.gate = None
        self.inputs: tuple = ()
        self.widths = [len(h) for h in HEADER]
        self.tangent_header = None  # forward mode's column, d·/dx

    def show(self, rows, gate=None, inputs: tuple = ()) -> None:
        """``rows``: a model.Rows (made on demand, so only the lines on screen cost anything)."""
        self.rows, self.gate, self.inputs = rows, gate, inputs
        self.tangent_header = getattr(rows, "tangent_header", None)
        self.widths = [max(len(HEADER[0]), min(NAME_WIDTH, rows.name_width())), NUMBER_WIDTH,
                       NUMBER_WIDTH, len(HEADER[3])]
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        if gate is not None:
            index = rows.index(gate)
            if index is not None:
                self.scroll_to(y=max(0, index + 1 - self.size.height // 2), animate=False)
        self.refresh()

    def line_text(self, index: int) -> str:
        """Row ``index`` (0: the header) as plain text, as drawn."""
        return "".join(text for text, _ in self._pieces(index))

    def _pieces(self, index: int) -> list:
        w = self.widths
        if index == 0:
            tangent = (self.tangent_header.rjust(w[2]),) if self.tangent_header else ()
            return [(GAP.join((HEADER[0].ljust(w[0]), HEADER[1].rjust(w[1]), HEADER[2].rjust(w[2]),
                               *tangent, HEADER[3])), _HEAD)]
        row = self.rows[index - 1]
        name = row.name if len(row.name) <= w[0] else row.name[: w[0] - 1] + "…"
        mark = _GATE if row.node == self.gate else _INPUT if row.node in self.inputs else None
        pieces = [(name.ljust(w[0]), mark), (GAP, None), (row.value.rjust(w[1]), _VALUE),
                  (GAP, None), (row.gradient.rjust(w[2]), _GRAD), (GAP, None), (row.expression, mark)]
        if self.tangent_header:
            pieces[5:5] = [(row.tangent.rjust(w[2]), None), (GAP, None)]
        if mark is not None:
            pieces = [(t, (s + mark) if s is not None else mark) for t, s in pieces]
        return pieces

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            index = 0  # the header stays on top
        else:
            index = y + self.scroll_offset.y
        if index > len(self.rows):
            return Strip.blank(width, self.rich_style)
        segments = [Segment(text, style) for text, style in self._pieces(index)]
        strip = Strip(segments)
        return strip.crop(0, width).extend_cell_length(width).apply_style(self.rich_style)
