"""Forward mode in `backprop live`: the t key shows each node's tangent along the selected input,
which must equal what `trace --mode forward --format json` says."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("textual")

from backprop_cli.base.numbers import show  # noqa: E402
from backprop_cli.live.app import LiveApp  # noqa: E402
from backprop_cli.live.model import Session  # noqa: E402
from conftest import SAMPLES, run  # noqa: E402


def test_the_t_key_shows_tangents_next_to_gradients():
    session = Session((SAMPLES / "neuron.bp").read_text())
    app = LiveApp(session)
    seen = {}

    async def go():
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            view = app.query_one("#graph")
            assert "d·/d" not in view.line_text(0)
            session.select("w1")
            await pilot.press("t")
            await pilot.pause()
            seen["header"] = view.line_text(0)
            seen["lines"] = {row.node: view.line_text(k + 1) for k, row in enumerate(view.rows)}
            seen["rows"] = list(view.rows)
            await pilot.press("t")
            await pilot.pause()
            seen["off"] = view.line_text(0)

    asyncio.run(go())
    assert "d·/dw1" in seen["header"] and "d·/dw1" not in seen["off"]
    doc = json.loads(run("trace", "-f", SAMPLES / "neuron.bp", "--mode", "forward", "--wrt", "w1",
                         "--format", "json").stdout)
    want = {node["id"]: node["tangent"] for node in doc["forward"]}
    assert seen["rows"]
    for row in seen["rows"]:
        if row.node in want:
            assert row.tangent == show(want[row.node]), row.name
            assert f"  {row.tangent}  " in seen["lines"][row.node] + "  "
    # the output's tangent along w1 is df/dw1 (-0.39 in the lecture)
    assert show(want[max(want)]) == "-0.3932"
