"""The Textual app of `backprop live`: the editor on top, the graph (value green, gradient red) with
the inputs beside it, the backward pass step by step, and a footer of keys.  It draws what a
model.Session holds and forwards keys to it; Textual is imported only here."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static, TextArea

from ..base.errors import BackpropError
from ..base.numbers import exact, show
from ..views.console import GRAD_STYLE, VALUE_STYLE
from .graph_view import GraphView
from .model import DIGITS, Session

#: an edit that took less than this is applied at each key; a slower one waits for the keys to pause
EDIT_AT_ONCE_SECONDS = 0.03
#: the shortest pause that ends a burst of keys (a slower edit waits as long as it took, up to 1 s)
BURST_PAUSE_SECONDS = 0.05

HELP = """\
backprop live: values in green, gradients in red

 tab, shift+tab  move between the editor, the graph and the inputs
 escape          leave the editor, the value being typed, or step mode
 ctrl+c, q       quit

In the inputs
 up, down        select an input
 left, right     nudge it down, up by the step (+ and -: step ×10, ÷10)
 enter           type a value (numbers, pi, e and expressions of them)
 f if ↑          which way the output moves when the input rises

Anywhere but the editor
 n, b            step the backward pass one gate on, back
 c               collapse 1/(1+exp(-z)) into one sigmoid gate (on/off)
 l, t            full labels; forward-mode tangents d·/dx (each on/off)
 p               plot f and df/dx over the selected input (on/off)
 s               save, with the current inputs as the 'input' defaults
 e               export the graph: .json, .dot, .svg, .png or .pdf
 ?               this help

Press any key to close this help."""


def value_text(value: float, step: float) -> str:
    """An input's value as the table shows it: DIGITS significant digits, more where a nudge by
    ``step`` would not show (enter shows every digit), so pi/4 does not push the gradient out."""
    import math

    digits = DIGITS
    if value and step and math.isfinite(value) and math.isfinite(step):
        digits = max(DIGITS, math.floor(math.log10(abs(value))) - math.floor(math.log10(abs(step))) + 1)
    return show(value, min(17, digits))


class HelpScreen(ModalScreen):
    """The keys.  Any key closes it, once: keys that arrive while it closes are dropped (two quick
    arrows used to dismiss it twice)."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help { width: 76; max-width: 100%; height: auto; max-height: 100%; border: round $accent;
            background: $surface; padding: 0 1; overflow-y: auto; }
    #help-text { width: 100%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.closing = False

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        with VerticalScroll(id="help") as box:  # a short terminal scrolls it with the arrows
            box.border_subtitle = "any key closes"  # seen even where the text is cut
            box.can_focus = False
            yield Static(HELP, id="help-text")

    def on_mount(self) -> None:
        self.call_after_refresh(self._say_how_to_scroll)

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_how_to_scroll)

    def _say_how_to_scroll(self) -> None:
        box = self.query_one("#help")
        box.border_subtitle = "↑/↓ more, other keys close" if box.max_scroll_y else "any key closes"

    def on_key(self, event) -> None:
        event.stop()
        event.prevent_default()
        box = self.query_one("#help")
        if box.max_scroll_y and event.key in ("up", "down", "pageup", "pagedown"):  # a short terminal
            {"up": box.scroll_up, "down": box.scroll_down, "pageup": box.scroll_page_up,
             "pagedown": box.scroll_page_down}[event.key](animate=False)
            return
        if not self.closing and self.is_current:
            self.closing = True
            self.dismiss()


class PathScreen(ModalScreen):
    """Asks for a file name; dismisses with the name, or None on escape."""

    DEFAULT_CSS = """
    PathScreen { align: center middle; }
    #box { width: 70; max-width: 100%; height: auto; border: round $accent; background: $surface; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#path"

    def __init__(self, question: str, default: str) -> None:
        super().__init__()
        self.question, self.default = question, default

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(self.question)
            yield Input(self.default, id="path")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class InputsTable(DataTable):
    """The inputs: select with up/down, nudge with left/right, +/- change the step, enter types."""

    BINDINGS = [
        Binding("left", "nudge(-1)", "Nudge -", show=False),
        Binding("right", "nudge(1)", "Nudge +", show=False),
        Binding("plus,equals_sign", "step_size(10)", "Step ×10", key_display="+", show=False),
        Binding("minus", "step_size(0.1)", "Step ÷10", key_display="-", show=False),
        Binding("enter", "type_value", "Type value", show=False),
    ]

    def action_nudge(self, direction: int) -> None:
        self.app.nudge(direction)

    def action_step_size(self, factor: float) -> None:
        self.app.scale_step(factor)

    def action_type_value(self) -> None:
        self.app.start_typing()


class ValueInput(Input):
    BINDINGS = [Binding("escape", "leave", "Cancel")]

    def action_leave(self) -> None:
        self.app.stop_typing()


class Editor(TextArea):
    BINDINGS = [Binding("escape", "leave", "Leave editor")]

    def action_leave(self) -> None:
        self.app.settle()
        self.app.query_one("#inputs").focus()


class PlotPanel(Static):
    """f and df/dx over the selected input; drawn again whenever its size changes."""

    def on_resize(self) -> None:
        if self.display:
            self.app._draw_plot()


class LiveApp(App):
    TITLE = "backprop live"
    AUTO_FOCUS = "#inputs"  # keys work at once; tab reaches the editor
    ENABLE_COMMAND_PALETTE = False  # the footer has no room for it at 80 columns
    CSS = """
    Screen { layout: vertical; }
    #editor { height: auto; max-height: 5; border: round $primary; }
    #error { height: auto; max-height: 4; color: $error; padding: 0 1; }
    #main { height: 1fr; min-height: 6; }
    #graph { width: 1fr; border: round $primary; }
    #plot { width: 1fr; height: 100%; border: round $primary; }
    #side { width: 36; }
    #inputs { height: auto; max-height: 1fr; border: round $primary; }
    #value { border: round $accent; }
    #status { height: auto; padding: 0 1; }
    #step { height: auto; max-height: 12; border: round $warning; padding: 0 1; }
    """
    BINDINGS = [
        # the footer's order: help and quit early, so that a narrow terminal still shows them
        Binding("n", "step(1)", "step"),
        Binding("b", "step(-1)", "back"),
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
        Binding("c", "collapse", "sigmoid"),
        Binding("l", "labels", "labels"),
        Binding("t", "tangents", "tangents", show=False),
        Binding("p", "plot", "plot"),
        Binding("s", "save", "save"),
        Binding("e", "export", "export"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),  # what a teacher expects
        Binding("escape", "stop_stepping", "End steps", show=False),
    ]

    def __init__(self, session: Session, *, path: str = "", debug: bool = False) -> None:
        super().__init__()
        self.session = session
        self.path = path  # the program's file, if it came from one (s saves there by default)
        self.show_tracebacks = debug
        self.plotting = False
        #: an internal error that ended the app: the command reports it in one line
        self.failure = None
        self._shown_inputs: list = []
        self._edit_timer = None  # an edit waiting for the keys to pause
        self._edit_seconds = 0.0  # how long the last edit took to parse and draw

    # ---- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Editor(self.session.source, id="editor", soft_wrap=True)
        yield Static("", id="error")
        with Horizontal(id="main"):
            graph = GraphView(id="graph")
            graph.border_title = "graph"
            yield graph
            plot = PlotPanel("", id="plot")
            plot.border_title = "plot"
            yield plot
            with Vertical(id="side"):
                inputs = InputsTable(id="inputs", cursor_type="row")
                inputs.border_title = "inputs"
                yield inputs
                yield ValueInput(id="value")
                yield Static("", id="status")
        yield Static("", id="step")
        yield Footer()

    def on_resize(self, event) -> None:
        # Below 80 columns the inputs give up their spare columns, so the graph keeps its gradients.
        self.query_one("#side").styles.width = 36 if event.size.width >= 80 else 35
        self.query_one(Footer).compact = event.size.width < 80  # so "? help" and "q quit" show at 60

    def on_mount(self) -> None:
        editor = self.query_one("#editor", TextArea)
        editor.move_cursor(editor.document.end)  # a long program shows its last lines: the output
        inputs = self.query_one("#inputs", DataTable)
        for key, label in (("name", "input"), ("value", "value"), ("grad", "gradient"), ("sign", "f if ↑")):
            inputs.add_column(label, key=key)
        self.query_one("#plot").display = False
        self.query_one("#value").display = False
        self.refresh_all()
        inputs.focus()

    # ---- drawing ------------------------------------------------------------------------------

    def refresh_all(self) -> None:
        """Show what the session holds: every value and gradient, the error, the step."""
        s = self.session
        error = self.query_one("#error", Static)
        if s.error is not None:
            error.update(Text(s.error_text(brief=True) + "  (showing the last good graph)"))
            error.display = True
        else:
            error.display = False
        self._draw_graph()
        self._draw_inputs()
        self._draw_status()
        self._draw_step()
        if self.plotting:
            self._draw_plot()

    def _draw_graph(self) -> None:
        s = self.session
        view = self.query_one("#graph", GraphView)
        rows = s.view()
        gate, args = s.highlighted()
        folded = rows.folded
        g = s.result.graph
        title = f"graph: {g.output_name} = {show(s.result.value, DIGITS)}"
        if folded:
            title += f"  ({len(rows)} of {len(g):,} nodes, around {s.selected})"
        if s.collapse:
            title += "  (sigmoid collapsed)"
        view.border_title = title
        view.show(rows, gate, args)

    def _draw_inputs(self) -> None:
        s = self.session
        table = self.query_one("#inputs", DataTable)
        f = s.result.graph.output_name
        table.columns["sign"].label = Text(f"{f} if ↑")
        rows = []
        for name, value, grad in s.inputs():
            if grad > 0:
                sign = Text(f"{f} ▲", style="bold green")
            elif grad < 0:
                sign = Text(f"{f} ▼", style="bold red")
            else:
                sign = Text(f"{f} =", style="dim")
            rows.append((name, (name, Text(value_text(value, s.step_size), style=VALUE_STYLE, justify="right"),
                                Text(show(grad, DIGITS), style=GRAD_STYLE, justify="right"), sign)))
        names = [name for name, _ in rows]
        if names != self._shown_inputs:
            table.clear()
            for name, cells in rows:
                table.add_row(*cells, key=name)
            self._shown_inputs = names
            if s.selected in table.rows:
                table.move_cursor(row=table.get_row_index(s.selected), animate=False)
        else:
            for name, cells in rows:
                for column, cell in zip(("value", "grad", "sign"), cells[1:]):
                    table.update_cell(name, column, cell, update_width=True)

    def _draw_status(self) -> None:
        s = self.session
        f = s.result.graph.output_name
        text = Text()
        text.append(f"{f} = ")
        text.append(show(s.result.value, DIGITS), style=f"bold {VALUE_STYLE}")
        text.append(f"\n←/→ nudge by {show(s.step_size, 6)} (+/- change)\n↑/↓ select, enter types")
        modes = [m for m, on in (("sigmoid collapsed", s.collapse), ("full labels", s.full_labels)) if on]
        if modes:
            text.append("\n" + ", ".join(modes))
        self.query_one("#status", Static).update(text)

    def _draw_step(self) -> None:
        s = self.session
        panel = self.query_one("#step", Static)
        if s.stepped is None:
            panel.display = False
            return
        panel.display = True
        step = s.current_step()
        f = s.result.graph.output_name
        if step is None:
            panel.border_title = f"backward pass: 0 of {len(s.gates())}"
            panel.update(Text.assemble(f"d{f}/d{f} = ", ("1", GRAD_STYLE),
                                       "  (the output's gradient with respect to itself); n: next gate"))
            return
        panel.border_title = f"backward pass: step {step.number} of {step.total}"
        text = Text()
        text.append(step.title, style="bold")
        text.append(f"  upstream {step.upstream.rsplit(' = ', 1)[0]} = ")
        text.append(step.upstream.rsplit(" = ", 1)[1], style=GRAD_STYLE)
        text.append(f"\n{step.pattern}", style="italic")
        for _, name, loc, product, total in step.edges:
            text.append(f"\n→ {name}: local ")
            text.append(loc, style=GRAD_STYLE)
            text.append(", upstream × local = ")
            text.append(product.replace(" * ", " × "), style=GRAD_STYLE)
            if "+=" in total:  # a branch: say how far its sum has got
                text.append(f"; {total}")
        for line in step.branches:
            text.append(f"\n{line}", style="italic")
        if step.kink:
            text.append("\nat a kink: the local gradient here is a convention (PyTorch's)", style="dim")
        panel.update(text)

    def _draw_plot(self) -> None:
        s = self.session
        panel = self.query_one("#plot", Static)
        name = s.selected
        if name is None:
            panel.update("No inputs to plot over.")
            return
        import numpy as np

        from ..tasks.plot import grid, sweep
        from ..views.plot import draw

        x = s.values[name]
        half = max(5.0, abs(x))
        graph = s.result.graph
        fixed = {k: v for k, v in s.values.items() if k in graph.inputs and k != name}
        numbers = sweep(graph, name, grid(x - half, x + half, 201), fixed)
        width = max(30, panel.content_size.width)
        height = max(10, panel.content_size.height)
        panel.border_title = f"plot over {name} = {show(x - half, 4)} … {show(x + half, 4)}"
        with np.errstate(all="ignore"):
            picture = draw(graph, numbers, width, height, color=True)
        panel.update(Text.from_ansi(picture, no_wrap=True, overflow="crop"))

    # ---- what the keys do ---------------------------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # Each edit parses and draws the whole program again, which takes time in proportion to its
        # length: typing a long one key by key would be quadratic.  When the last edit took longer
        # than a keystroke's worth, the edit waits until the keys pause (or until another key needs
        # the result), so a burst of keys costs one parse.
        if self._edit_seconds < EDIT_AT_ONCE_SECONDS:
            self._apply_edit()
            return
        if self._edit_timer is not None:
            self._edit_timer.stop()
        self._edit_timer = self.set_timer(min(1.0, max(BURST_PAUSE_SECONDS, self._edit_seconds)), self._apply_edit)

    def _apply_edit(self) -> None:
        import time

        self._edit_timer = None
        start = time.perf_counter()
        self.session.edit(self.query_one("#editor", TextArea).text)
        self.refresh_all()
        self._edit_seconds = time.perf_counter() - start

    def settle(self) -> None:
        """Apply an edit still waiting for the keys to pause (before anything that reads the session)."""
        if self._edit_timer is not None:
            self._edit_timer.stop()
            self._apply_edit()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.settle()
        if event.data_table.id == "inputs" and event.row_key.value != self.session.selected:
            self.session.select(event.row_key.value)
            if self.session.shown_nodes()[1]:  # a folded graph shows the part around the selection
                self._draw_graph()
            if self.plotting:
                self._draw_plot()

    def nudge(self, direction: int) -> None:
        self.settle()
        self.session.nudge(direction)
        self.refresh_all()

    def scale_step(self, factor: float) -> None:
        self.settle()
        self.session.scale_step(factor)
        self._draw_status()

    def start_typing(self) -> None:
        self.settle()
        s = self.session
        if s.selected is None:
            return
        field = self.query_one("#value", ValueInput)
        field.border_title = f"{s.selected} = (enter: set, escape: cancel)"
        field.value = exact(s.values[s.selected])
        field.display = True
        field.focus()

    def stop_typing(self) -> None:
        field = self.query_one("#value", ValueInput)
        field.display = False
        self.query_one("#inputs").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "value":
            return
        self.settle()
        from ..api import constant

        s = self.session
        try:
            value = constant(event.value)
            s.set_value(s.selected, value)
        except (BackpropError, ValueError) as e:
            self.notify(str(e.message if isinstance(e, BackpropError) else e), severity="error",
                        title="not a value", markup=False)
            return
        self.stop_typing()
        self.refresh_all()

    def action_step(self, delta: int) -> None:
        self.settle()
        self.session.step(delta)
        self.refresh_all()

    def action_stop_stepping(self) -> None:
        self.settle()
        if self.session.stepped is not None:
            self.session.stop_stepping()
            self.refresh_all()

    def action_collapse(self) -> None:
        self.settle()
        self.session.toggle_collapse()
        self.refresh_all()

    def action_tangents(self) -> None:
        self.session.forward = not self.session.forward
        self.refresh_all()

    def action_labels(self) -> None:
        self.settle()
        self.session.full_labels = not self.session.full_labels
        self.refresh_all()

    def action_plot(self) -> None:
        self.settle()
        self.plotting = not self.plotting
        self.query_one("#plot").display = self.plotting
        self.query_one("#graph").display = not self.plotting
        if self.plotting:
            self.call_after_refresh(self._draw_plot)  # and again on its first resize

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_save(self) -> None:
        self.settle()
        default = self.path or "live.bp"
        self.push_screen(PathScreen("Save the program, with the current inputs as its defaults, to:",
                                    default), self._save)

    def _save(self, path) -> None:
        if not path:
            return
        from .files import save_program

        s = self.session
        try:
            save_program(path, s.source if s.error is None else s.graph.source, list(s.graph.inputs),
                         s.values, output=s.output)
        except BackpropError as e:
            self.notify(e.message, severity="error", title="not saved", markup=False)
            return
        self.notify(f"saved {path}", title="saved", markup=False)

    def action_export(self) -> None:
        self.settle()
        self.push_screen(PathScreen("Export the graph to (.json, .dot, .svg, .png or .pdf):", "graph.json"),
                         self._export)

    def _export(self, path) -> None:
        if not path:
            return
        from .files import export

        try:
            what = export(path, self.session.result)
        except BackpropError as e:
            self.notify(e.message, severity="error", title="not exported", markup=False)
            return
        self.notify(f"wrote {what} to {path}", title="exported", markup=False)

    # ---- failures -----------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        # Textual restores the terminal and exits; the command then reports the error in one line
        # (the traceback only with --debug).
        self.failure = error
        super()._handle_exception(error)

    def _print_error_renderables(self) -> None:
        if self.show_tracebacks:
            super()._print_error_renderables()
        else:
            self._exit_renderables.clear()
