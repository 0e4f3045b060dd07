"""backprop_cli.widget("(x+y)*z", at={"x": -2, "y": 5, "z": -4}): a slider for every input, the eval
table and the graph's picture redrawn as they move, and a step button that walks the backward pass
gate by gate, as the live app does in a terminal.  Built with ipywidgets (the notebook extra), on
evaluate() (api.py) and the notebook's views (display.py): nothing is computed here."""

from __future__ import annotations

from ..base.numbers import DEFAULT_DIGITS

#: a slider runs this far either side of its starting value (at least), in steps of STEP
SPAN = 5.0
STEP = 0.01


class Widget:
    """The widget's parts: ``sliders`` (input name -> FloatSlider), ``table``, ``picture`` and
    ``steps`` (HTML panes), ``step_button``, ``reset_button``; ``result`` is the latest evaluation and
    ``step`` how many backward steps are shown.  In a notebook it shows itself (``view``)."""

    def __init__(self, source: str, at=None, *, digits: int = DEFAULT_DIGITS, collapse=None,
                 labels: str = "short", span: float = None) -> None:
        import ipywidgets as w

        from ..api import load
        from ..views.display import Evaluation

        self.digits, self.labels = digits, labels
        # Parsed once: a slider's move runs the same graph at a new point.
        self.program = load(source=source, at=at or {}, collapse=collapse).scalar_only("the widget")
        self.result = Evaluation.of(self.program.run(), digits, labels)
        self.sliders = {}
        for name, value in self.result.at.items():
            reach = span if span is not None else max(SPAN, 2 * abs(value))
            self.sliders[name] = w.FloatSlider(value=value, min=value - reach, max=value + reach, step=STEP,
                                               description=name, continuous_update=True,
                                               readout_format=".2f")
        self.table = w.HTML()
        self.picture = w.HTML()
        self.steps = w.HTMLMath()  # the maths typeset by the front end
        self.step_button = w.Button(description="step ▶", tooltip="the next gate of the backward pass")
        self.reset_button = w.Button(description="reset", tooltip="back to the forward pass")
        self.status = w.Label()
        self.step = 0
        for slider in self.sliders.values():
            slider.observe(self._moved, names="value")
        self.step_button.on_click(lambda _: self.next_step())
        self.reset_button.on_click(lambda _: self.show_step(0))
        self.view = w.VBox([w.HBox([w.VBox(list(self.sliders.values())), self.table]), self.picture,
                            w.HBox([self.step_button, self.reset_button, self.status]), self.steps])
        self._draw()

    @property
    def point(self) -> dict:
        return {name: slider.value for name, slider in self.sliders.items()}

    @property
    def total_steps(self) -> int:
        from ..views.html import count_steps

        return count_steps(self.result)

    def _moved(self, change=None) -> None:
        from ..base.errors import BackpropError
        from ..views.display import Evaluation
        from ..views.html import message

        try:
            result = self.program.run(point=self.point)
        except BackpropError as e:
            self.table.value = message(str(e))
            return
        self.result = Evaluation.of(result, self.digits, self.labels)
        self._draw()

    def next_step(self) -> None:
        """One more gate of the backward pass (after the last, back to the forward pass)."""
        self.show_step(self.step + 1 if self.step < self.total_steps else 0)

    def show_step(self, k: int) -> None:
        self.step = k
        self._draw_steps()

    def _draw(self) -> None:
        self.table.value = self.result._repr_html_()
        self._draw_steps()

    def _draw_steps(self) -> None:
        from ..views.html import step_gates, trace

        gates = step_gates(self.result)
        total = len(gates)
        self.step = min(self.step, total)
        # the picture marks the gate of the step shown (and the wires its gradient flows back along)
        marked = gates[self.step - 1] if self.step else None
        self.picture.value = self.result.picture(engine="builtin", highlight=marked).svg
        self.status.value = (f"backward step {self.step} of {total}" if self.step
                             else f"forward pass ({total} backward steps: press step)")
        self.steps.value = trace(self.result, self.digits, self.labels, upto=self.step, highlight=self.step)

    def _repr_mimebundle_(self, **kwargs):
        return self.view._repr_mimebundle_(**kwargs)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.view)


def widget(source: str, at=None, **options) -> Widget:
    """Sliders for the inputs of ``source`` (starting at ``at``), the table and the picture updating
    as they move, and a step button walking the backward pass.  Options: digits, collapse
    ("sigmoid"), labels ("full"), span (how far each slider reaches either side)."""
    return Widget(source, at, **options)
