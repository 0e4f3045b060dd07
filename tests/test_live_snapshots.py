"""SVG snapshots of backprop live's main screens at 80x24 and 120x40 (Textual's snapshot tooling).

The SVGs live in tests/__snapshots__/test_live_snapshots/; after a deliberate change to the look,
rerun with --snapshot-update and look at the new pictures before committing them."""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_textual_snapshot")

from backprop_cli.live.app import LiveApp  # noqa: E402
from backprop_cli.live.model import Session  # noqa: E402

from conftest import SAMPLES  # noqa: E402

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


def neuron() -> LiveApp:
    return LiveApp(Session((SAMPLES / "neuron.bp").read_text()))


def simple_expression() -> LiveApp:
    return LiveApp(Session("(x+y)*z", {"x": -2.0, "y": 5.0, "z": -4.0}))


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, size):
    assert snap_compare(neuron(), terminal_size=SIZES[size])


@pytest.mark.parametrize("size", SIZES)
def test_step_mode(snap_compare, size):
    assert snap_compare(neuron(), press=["n", "n", "n"], terminal_size=SIZES[size])


@pytest.mark.parametrize("size", SIZES)
def test_syntax_error(snap_compare, size):
    async def break_it(pilot):
        pilot.app.query_one("#editor").focus()
        await pilot.press("end", "*", "escape")

    assert snap_compare(simple_expression(), run_before=break_it, terminal_size=SIZES[size])


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, size):
    assert snap_compare(simple_expression(), press=["question_mark"], terminal_size=SIZES[size])


def test_plot(snap_compare):
    assert snap_compare(simple_expression(), press=["p"], terminal_size=SIZES["120x40"])


def test_collapsed_and_nudged(snap_compare):
    assert snap_compare(neuron(), press=["c", "down", "right", "right"], terminal_size=SIZES["120x40"])
