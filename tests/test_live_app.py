"""backprop live driven by Textual's Pilot: type, nudge and step, and compare every number on screen
with `backprop eval --format json` at the same point."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

pytest.importorskip("textual")  # a dependency of the package: installed wherever the tests run

from backprop_cli.live.app import LiveApp  # noqa: E402
from backprop_cli.live.model import Session  # noqa: E402
from backprop_cli.base.numbers import show

from conftest import SAMPLES, lecture_cases, run, run_json  # noqa: E402

NEURON = lecture_cases()[1]


def _eval(program: str, at: dict, *extra) -> dict:
    text = ",".join(f"{k}={v!r}" for k, v in at.items())
    return run_json("eval", program, *(["--at", text] if at else []), *extra)


def _screen(app) -> tuple:
    """What the app shows: {node id: (value, gradient)} from the graph, {input: (value, gradient)}."""
    inputs = app.query_one("#inputs")
    nodes = {row.node: cells[1:3] for row, cells in _graph_lines(app)}
    ins = {key.value: (inputs.get_cell(key, "value").plain, inputs.get_cell(key, "grad").plain)
           for key in inputs.rows}
    return nodes, ins


def _graph_lines(app) -> list:
    """(row, [name, value, gradient, gate]) for every line of the graph panel, cut from the text drawn."""
    view = app.query_one("#graph")
    w = view.widths
    out = []
    for k, row in enumerate(view.rows):
        line = view.line_text(k + 1)
        cells, at = [], 0
        for width in w[:3]:
            cells.append(line[at:at + width].strip())
            at += width + 2
        cells.append(line[at:])
        out.append((row, cells))
    return out


def _names(app) -> list:
    return [cells[0] for _, cells in _graph_lines(app)]


def _assert_shows_eval(app, program: str, at: dict, *extra) -> None:
    doc = _eval(program, at, *extra)
    nodes, ins = _screen(app)
    by_id = {n["id"]: n for n in doc["nodes"]}
    assert nodes
    for i, (value, grad) in nodes.items():
        assert value == show(by_id[i]["value"]) and grad == show(by_id[i]["grad"]), i
    for name, (value, grad) in ins.items():
        assert float(value) == doc["inputs"][name]
        assert grad == show(doc["gradients"][name])


def _drive(app, script, size=(80, 24)):
    async def go():
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(pilot)
    asyncio.run(go())


def test_typing_the_lecture_expression_and_its_inputs():
    app = LiveApp(Session("x", {"x": 1.0}))
    at = {"x": -2.0, "y": 5.0, "z": -4.0}

    async def script(pilot):
        editor = app.query_one("#editor")
        editor.focus()
        editor.clear()
        await pilot.press(*"(x+y)*z")
        await pilot.press("escape")  # back to the inputs
        for name, value in at.items():
            app.session.select(name)
            app._draw_inputs()
            await pilot.press("enter", *str(value), "enter")
            await pilot.pause()
        assert app.session.error is None
        _assert_shows_eval(app, "(x+y)*z", at)
        assert _names(app) == ["x", "y", "t1", "z", "f"]

    _drive(app, script)


def test_nudging_every_input_of_the_neuron_matches_eval():
    at = {k: float(v) for k, v in NEURON["at"].items()}
    app = LiveApp(Session(NEURON["program"], dict(at)))

    async def script(pilot):
        for n, name in enumerate(at):
            if n:
                await pilot.press("down")
            await pilot.press("right")
            at[name] += 1
            await pilot.pause()
            _assert_shows_eval(app, NEURON["program"], at)
            await pilot.press("minus", "left")  # step 0.1
            at[name] = round(at[name] - 0.1, 12)
            await pilot.pause()
            _assert_shows_eval(app, NEURON["program"], at)
            await pilot.press("plus")
        # the arrow says which way f moves as the selected input rises
        inputs = app.query_one("#inputs")
        for key in inputs.rows:
            grad = float(inputs.get_cell(key, "grad").plain)
            arrow = inputs.get_cell(key, "sign").plain
            assert ("▲" in arrow) == (grad > 0) and ("▼" in arrow) == (grad < 0)

    _drive(app, script)


def test_stepping_the_whole_backward_pass_and_back():
    source = (SAMPLES / "gates.bp").read_text()
    app = LiveApp(Session(source))

    async def script(pilot):
        doc = _eval(source, {})
        gates = len(app.session.gates())
        patterns = []
        for k in range(1, gates + 1):
            await pilot.press("n")
            await pilot.pause()
            panel = str(app.query_one("#step").render())
            assert f"step {k} of {gates}" in app.query_one("#step").border_title
            patterns.append(panel)
        text = "\n".join(patterns)
        for words in ("add gate distributes", "mul gate swaps", "max gate routes"):
            assert words in text
        _assert_shows_eval(app, source, {})  # all the way back: eval's gradients everywhere
        await pilot.press("b")
        await pilot.pause()
        assert f"step {gates - 1} of {gates}" in app.query_one("#step").border_title
        nodes, _ = _screen(app)
        blank = [i for i, (_, grad) in nodes.items() if grad == ""]
        assert blank, "stepping back hides the gradients not yet reached"
        await pilot.press("escape")
        await pilot.pause()
        assert not app.query_one("#step").display
        assert doc["output"]["value"] == app.session.result.value

    _drive(app, script)


def test_a_syntax_error_shows_inline_and_the_last_good_graph_stays():
    app = LiveApp(Session("(x+y)*z", {"x": -2.0, "y": 5.0, "z": -4.0}))

    async def script(pilot):
        app.query_one("#editor").focus()
        await pilot.press("end", "*")
        await pilot.pause()
        error = app.query_one("#error")
        assert error.display
        shown = str(error.render())
        message = run("eval", "(x+y)*z*", "--at", "x=-2,y=5,z=-4").stderr
        assert shown.splitlines()[0] in message and "^" in shown
        _assert_shows_eval(app, "(x+y)*z", {"x": -2.0, "y": 5.0, "z": -4.0})
        await pilot.press("backspace")
        await pilot.pause()
        assert not error.display

    _drive(app, script)


def test_toggles_collapse_labels_and_plot():
    at = {k: float(v) for k, v in NEURON["at"].items()}
    app = LiveApp(Session(NEURON["program"], dict(at)))

    async def script(pilot):
        await pilot.press("c")
        await pilot.pause()
        _assert_shows_eval(app, NEURON["program"], at, "--collapse", "sigmoid")
        await pilot.press("c", "l")
        await pilot.pause()
        assert "w0*x0" in _names(app)
        await pilot.press("p")
        await pilot.pause()
        assert app.query_one("#plot").display and not app.query_one("#graph").display
        assert "df/dw0" in str(app.query_one("#plot").render())

    _drive(app, script, size=(120, 40))


def test_s_saves_the_program_with_the_current_inputs(tmp_path):
    path = tmp_path / "neuron.bp"
    path.write_text((SAMPLES / "neuron.bp").read_text())
    app = LiveApp(Session(path.read_text()), path=str(path))

    async def script(pilot):
        await pilot.press("right", "s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    _drive(app, script)
    doc = run_json("eval", "-f", str(path))
    assert doc["inputs"]["w0"] == 3.0
    assert path.read_text().startswith("# CS231n")


def test_e_exports_the_json(tmp_path):
    target = tmp_path / "g.json"
    app = LiveApp(Session("(x+y)*z", {"x": -2.0, "y": 5.0, "z": -4.0}))

    async def script(pilot):
        await pilot.press("e")
        await pilot.pause()
        field = app.screen.query_one("#path")
        field.value = str(target)
        await pilot.press("enter")
        await pilot.pause()

    _drive(app, script)
    assert json.loads(target.read_text()) == _eval("(x+y)*z", {"x": -2.0, "y": 5.0, "z": -4.0})


def test_help_opens_and_closes():
    app = LiveApp(Session("x*y", {"x": 1.0, "y": 2.0}))

    async def script(pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        assert "nudge" in str(app.screen.query_one("#help-text").render())
        await pilot.press("space")
        await pilot.pause()
        assert not app.screen.query("#help")  # closed: back on the main screen

    _drive(app, script)


def test_an_internal_error_ends_the_app_and_is_kept_for_a_one_line_report(monkeypatch):
    app = LiveApp(Session("x*y", {"x": 1.0, "y": 2.0}))

    def broken(direction):
        raise RuntimeError("boom")

    monkeypatch.setattr(app.session, "nudge", broken)

    async def script(pilot):
        await pilot.press("right")
        await pilot.pause()

    with pytest.raises(RuntimeError):
        _drive(app, script)
    assert isinstance(app.failure, RuntimeError)


def test_live_without_a_terminal_says_so():
    result = run("live", "x*y", "--at", "x=1,y=2")
    assert result.exit_code == 2
    assert "needs a terminal" in result.stderr


def test_plain_eval_and_help_do_not_import_textual():
    code = ("import sys\n"
            "from backprop_cli.cli.entry import main\n"
            "for argv in (['eval', 'x*y', '--at', 'x=1,y=2'], ['eval', 'x', '--at', 'x=1', '--format', 'json'],"
            " ['--help']):\n"
            "    try:\n"
            "        main(argv)\n"
            "    except SystemExit:\n"
            "        pass\n"
            "print('textual' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False"
    assert "df/dx = 2" in done.stdout


@pytest.mark.parametrize("case", lecture_cases()[:2], ids=lambda c: c["name"])
def test_stepping_the_lecture_examples_to_the_end_gives_evals_gradients(case):
    at = {k: float(v) for k, v in case["at"].items()}
    app = LiveApp(Session(case["program"], dict(at)))

    async def script(pilot):
        gates = len(app.session.gates())
        await pilot.press(*["n"] * gates)
        await pilot.pause()
        assert app.query_one("#step").border_title.endswith(f"step {gates} of {gates}")
        _assert_shows_eval(app, case["program"], at)
        await pilot.press(*["b"] * gates)
        await pilot.pause()
        assert app.query_one("#step").border_title.endswith(f"0 of {gates}")
        nodes, _ = _screen(app)
        output = app.session.result.graph.output
        assert {i: g for i, (_, g) in nodes.items() if g} == {output: "1"}

    _drive(app, script)


def test_a_nudge_on_a_thousand_node_graph_makes_only_the_lines_on_screen():
    """Responsiveness without a clock: the work per key is bounded by the screen, not the graph
    (bench/live_latency.py measures the time)."""
    from backprop_cli.live import model

    lines = ["input x = 0.5, y = 0.5", "a1 = x*y + x"] + [f"a{k} = a{k - 1}*y + x" for k in range(2, 501)]
    app = LiveApp(Session("\n".join(lines)))
    made = []
    original = model.Rows.__getitem__

    def counting(self, k):
        made.append(k)
        return original(self, k)

    async def script(pilot):
        await pilot.pause()
        assert len(app.session.result.graph) > 1000
        made.clear()
        await pilot.press("right")
        await pilot.pause()
        height = app.query_one("#graph").size.height
        assert 0 < len(made) <= 3 * height
        assert app.session.values["x"] == 1.5
        _assert_shows_eval_rows_on_screen(app)

    model.Rows.__getitem__ = counting
    try:
        _drive(app, script)
    finally:
        model.Rows.__getitem__ = original


def _assert_shows_eval_rows_on_screen(app):
    from backprop_cli.api import evaluate

    r = evaluate(app.session.source, app.session.values)
    view = app.query_one("#graph")
    for k in range(view.size.height - 1):
        row = view.rows[view.scroll_offset.y + k]
        assert row.value == show(r.values[row.node]) and row.gradient == show(r.grads[row.node])


def test_a_bad_typed_value_is_a_notice_not_a_crash_even_with_brackets():
    app = LiveApp(Session("x*y", {"x": 1.0, "y": 2.0}))

    async def script(pilot):
        await pilot.press("enter")
        field = app.query_one("#value")
        field.value = "[b]q"
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.values["x"] == 1.0 and field.display  # still asking
        await pilot.press("escape")
        await pilot.pause()
        assert not field.display and app.focused.id == "inputs"

    _drive(app, script)


def test_screenshot_draws_the_screen_without_a_terminal(tmp_path):
    target = tmp_path / "step.svg"
    result = run("live", "-f", SAMPLES / "simple.bp", "--screenshot", target, "--size", "80x24",
                 "--keys", "n right")
    assert result.exit_code == 0, result.stderr
    svg = target.read_text()
    assert svg.startswith("<svg") and "backward" in svg
    assert [p.name for p in tmp_path.iterdir()] == ["step.svg"]
    bad = run("live", "x", "--at", "x=1", "--screenshot", target, "--keys", "nonsense")
    assert bad.exit_code == 2 and "unknown key" in bad.stderr
    bad = run("live", "x", "--at", "x=1", "--screenshot", target, "--size", "10x10")
    assert bad.exit_code == 2 and "--size" in bad.stderr


@pytest.mark.parametrize("path", ["a\x00b.svg", "\x1c(Q\x00\x1709=A\n", "missing-folder/x.svg"])
def test_a_screenshot_path_that_cannot_be_written_is_one_message(tmp_path, monkeypatch, path):
    """Found by the fuzz suite: a NUL byte in --screenshot's path was an internal error (exit 70)."""
    monkeypatch.chdir(tmp_path)
    result = run("live", "x", "--at", "x=1", "--screenshot", path)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("Error: cannot write ") and "\x00" not in result.stderr
    assert "\x1c" not in result.stderr and "Traceback" not in result.stderr


# ---- the teacher's screen: help, step mode, long values, narrow terminals, errors, ctrl+c ----------

def test_help_closes_once_however_many_keys_arrive():
    app = LiveApp(Session((SAMPLES / "neuron.bp").read_text()))

    async def script(pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        from backprop_cli.live.app import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help")
        # at 80x24 the whole help shows, its last line too
        from backprop_cli.live.app import HELP

        assert box.content_size.height >= len(HELP.splitlines()) and box.content_size.width >= max(
            len(line) for line in HELP.splitlines())
        await pilot.press("down", "down", "right")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen) and app.failure is None
        assert app.is_running

    _drive(app, script)


def test_ctrl_c_quits():
    app = LiveApp(Session("(x+y)*z", {"x": -2.0, "y": 5.0, "z": -4.0}))

    async def script(pilot):
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running or app._exit

    _drive(app, script)
    assert app.failure is None and app.return_code in (0, None)


def _on_screen(view, node) -> bool:
    k = view.rows.index(node)
    return k is not None and view.scroll_offset.y < k + 1 <= view.scroll_offset.y + view.size.height - 1


@pytest.mark.parametrize("size", [(80, 24), (60, 24), (120, 40)])
def test_step_mode_keeps_the_gate_and_its_inputs_in_view(size):
    app = LiveApp(Session((SAMPLES / "neuron.bp").read_text()))

    async def script(pilot):
        view = app.query_one("#graph")
        total = len(app.session.gates())
        for n in range(1, total + 1):
            await pilot.press("n")
            await pilot.pause()
            gate, inputs = app.session.highlighted()
            assert _on_screen(view, gate), (n, gate)
            for j in inputs:
                if view.rows.index(j) is not None:  # the constant 1 has no row
                    assert _on_screen(view, j), (n, j)
        for n in range(total, 0, -1):
            gate, _ = app.session.highlighted()
            assert _on_screen(view, gate)
            await pilot.press("b")
            await pilot.pause()

    _drive(app, script, size=size)


@pytest.mark.parametrize("width", [60, 80])
def test_a_long_value_and_a_narrow_terminal_keep_the_gradient_columns(width):
    import math

    app = LiveApp(Session("sin(x)*y", {"x": math.pi / 4, "y": 2.0}))

    async def script(pilot):
        inputs = app.query_one("#inputs")
        assert inputs.get_cell("x", "value").plain == "0.7854"
        assert inputs.virtual_size.width <= inputs.content_size.width  # every column shows
        view = app.query_one("#graph")
        w = view.widths
        assert sum(w[:3]) + 4 <= view.content_size.width, (w, view.content_size)
        assert view.line_text(1).split()[2] == show(app.session.result.grads[app.session.result.graph.inputs["x"]])
        # a nudge by a small step shows in the value
        await pilot.press("minus", "minus", "minus", "minus", "right")
        await pilot.pause()
        assert inputs.get_cell("x", "value").plain == "0.7855"
        await pilot.press("minus", "right")
        await pilot.pause()
        assert inputs.get_cell("x", "value").plain == "0.78551"

    _drive(app, script, size=(width, 24))


def test_an_overflow_error_leaves_both_panels_in_view():
    app = LiveApp(Session((SAMPLES / "neuron.bp").read_text()))

    async def script(pilot):
        await pilot.press("n", "n", "enter", "backspace", *"1000", "enter")
        await pilot.pause()
        assert app.session.error is not None and app.query_one("#error").display
        assert "overflows" in str(app.query_one("#error").render())
        for panel in ("#graph", "#inputs"):
            assert app.query_one(panel).content_size.height >= 3, panel

    _drive(app, script)


def test_typing_into_a_long_program_parses_once_a_burst_not_once_a_key(monkeypatch):
    # Each parse is linear in the program's length: once a key, typing was quadratic (issue #24).
    import backprop_cli.live.app as live_app

    monkeypatch.setattr(live_app, "EDIT_AT_ONCE_SECONDS", 0.0)  # as if every edit were slow
    # A pause of 0.05 s ends a burst; the pilot's keys may come slower than that on a busy machine
    # (the whole suite, two cores): here only a pause of 0.5 s does.
    monkeypatch.setattr(live_app, "BURST_PAUSE_SECONDS", 0.5)
    app = LiveApp(Session("+".join(f"x*{k}" for k in range(2000)), {"x": 1.0}))
    edits = []
    edit = app.session.edit

    def counted(source):
        edits.append(len(source))
        return edit(source)

    async def script(pilot):
        app.session.edit = counted
        editor = app.query_one("#editor")
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.press(*"+x*2+x*3+x*4")
        assert len(edits) <= 1  # the first at once, the rest wait for the keys to pause
        await pilot.press("escape")  # leaving the editor applies the edit
        assert app.session.error is None
        assert app.session.result.value == sum(range(2000)) + 9
        assert len(edits) <= 2

    _drive(app, script)


def test_a_small_program_is_still_parsed_at_each_key():
    app = LiveApp(Session("x", {"x": 2.0}))

    async def script(pilot):
        editor = app.query_one("#editor")
        editor.focus()
        editor.move_cursor(editor.document.end)
        await pilot.press("*", "3")
        assert app.session.result.value == 6.0

    _drive(app, script)


def test_at_60x20_the_help_scrolls_and_the_footer_keeps_help_and_quit():
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    app = LiveApp(Session((SAMPLES / "neuron.bp").read_text()))

    async def script(pilot):
        keys = {k.key_display or k.key: k for k in app.query_one(Footer).query(FooterKey)}
        for key in ("?", "q"):  # a student alone with a small terminal can find help and leave
            assert keys[key].region.right <= 60 and keys[key].region.width > 0, (key, keys[key].region)
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.pause()
        box = app.screen.query_one("#help")
        assert box.max_scroll_y > 0 and "↑/↓ more" in str(box.border_subtitle)
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert box.scroll_y == 3 and type(app.screen).__name__ == "HelpScreen"  # arrows scroll, not close
        await pilot.press("end")
        await pilot.pause()
        assert type(app.screen).__name__ != "HelpScreen"

    _drive(app, script, size=(60, 20))


def test_at_80x24_the_whole_help_shows_and_any_key_closes_it():
    app = LiveApp(Session((SAMPLES / "neuron.bp").read_text()))

    async def script(pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.pause()
        box = app.screen.query_one("#help")
        assert box.max_scroll_y == 0 and str(box.border_subtitle) == "any key closes"
        await pilot.press("down")
        await pilot.pause()
        assert type(app.screen).__name__ != "HelpScreen"

    _drive(app, script, size=(80, 24))
