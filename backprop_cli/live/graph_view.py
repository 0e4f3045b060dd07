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
SHORT_HEADER = ("node", "value", "grad", "gate")  # where the panel is too narrow for "gradient"
NAME_WIDTH = 24  # longer names (full labels) end in '…'; numbers are never cut
NUMBER_WIDTH = 10  # show() at 4 digits: -1.234e-05; a longer number widens its own line
GAP = "  "
#: forward mode's column (t): room for show()'s longest number
TANGENT_WIDTH = 10

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
        self.header = HEADER
        self.tangent_header = None  # forward mode's column, d·/dx
        self._fitted_width = None  # the width the columns were fitted to

    def show(self, rows, gate=None, inputs: tuple = ()) -> None:
        """``rows``: a model.Rows (made on demand, so only the lines on screen cost anything)."""
        self.rows, self.gate, self.inputs = rows, gate, inputs
        self.tangent_header = getattr(rows, "tangent_header", None)
        self.widths = [max(len(HEADER[0]), min(NAME_WIDTH, rows.name_width())), NUMBER_WIDTH,
                       NUMBER_WIDTH, len(HEADER[3])]
        self._fit_numbers()
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self.keep_in_view()
        if gate is not None:  # the step panel may have taken rows from us: again once laid out
            self.call_after_refresh(self.keep_in_view)
        self.refresh()

    def _fit_numbers(self) -> None:
        """Number columns as wide as the widest number (at most NUMBER_WIDTH; a longer one widens
        its own line), and "grad" over the gradients where "gradient" would push them out of a
        narrow panel: the gradient column always shows."""
        widest = []
        for col in (1, 2):
            n = 0
            for text in self.rows.numbers(col == 2):
                n = max(n, len(text))
                if n >= NUMBER_WIDTH:
                    break
            widest.append(n)
        self._fitted_width = self.size.width
        room = self.size.width - 2  # a scroll bar may take two columns
        for header in (HEADER, SHORT_HEADER):
            self.header = header
            self.widths[1] = min(NUMBER_WIDTH, max(len(header[1]), widest[0]))
            self.widths[2] = min(NUMBER_WIDTH, max(len(header[2]), widest[1]))
            if room <= 0 or sum(self.widths[:3]) + 2 * len(GAP) <= room:
                break

    def keep_in_view(self) -> None:
        """In step mode: scroll so that the current gate's row and its inputs' rows are on screen
        (the gate's row, the latest, first if they cannot all be)."""
        if self.gate is None or not self.rows:
            return
        index = self.rows.index(self.gate)
        if index is None:
            return
        wanted = [index] + [k for k in (self.rows.index(j) for j in self.inputs) if k is not None]
        lo, hi = min(wanted) + 1, max(wanted) + 1  # +1: the header is line 0
        body = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if lo <= top or hi > top + body:  # not all in view: show them, the gate's row for sure
            top = max(0, lo - 1 if hi - lo < body else hi - body)
            self.scroll_to(y=top, animate=False)

    def on_resize(self) -> None:
        if self.rows:
            self._fit_numbers()
        self.keep_in_view()

    def line_text(self, index: int) -> str:
        """Row ``index`` (0: the header) as plain text, as drawn."""
        return "".join(text for text, _ in self._pieces(index))

    def _pieces(self, index: int) -> list:
        w = self.widths
        if index == 0:
            h = self.header
            tangent = (self.tangent_header.rjust(TANGENT_WIDTH),) if self.tangent_header else ()
            return [(GAP.join((h[0].ljust(w[0]), h[1].rjust(w[1]), h[2].rjust(w[2]), *tangent, h[3])), _HEAD)]
        row = self.rows[index - 1]
        name = row.name if len(row.name) <= w[0] else row.name[: w[0] - 1] + "…"
        mark = _GATE if row.node == self.gate else _INPUT if row.node in self.inputs else None
        pieces = [(name.ljust(w[0]), mark), (GAP, None), (row.value.rjust(w[1]), _VALUE),
                  (GAP, None), (row.gradient.rjust(w[2]), _GRAD), (GAP, None), (row.expression, mark)]
        if self.tangent_header:
            pieces[5:5] = [(row.tangent.rjust(TANGENT_WIDTH), None), (GAP, None)]
        if mark is not None:
            pieces = [(t, (s + mark) if s is not None else mark) for t, s in pieces]
        return pieces

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.rows and width != self._fitted_width:  # on a terminal the first fit may precede the
            self._fit_numbers()  # layout's last word on our width, and no Resize follows it
        if y == 0:
            index = 0  # the header stays on top
        else:
            index = y + self.scroll_offset.y
        if index > len(self.rows):
            return Strip.blank(width, self.rich_style)
        segments = [Segment(text, style) for text, style in self._pieces(index)]
        strip = Strip(segments)
        return strip.crop(0, width).extend_cell_length(width).apply_style(self.rich_style)
