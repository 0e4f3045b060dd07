"""How long `backprop live` takes from a keystroke to the updated screen on a 1,000-node graph.

    python bench/live_latency.py [--nodes 1000] [--presses 40]

Drives the app with Textual's Pilot (headless, 120x40) on a chain a1 = x*y + x, a2 = a1*y + x, ...
in which every node depends on x, so a nudge of x changes every value and gradient on screen.
Prints, for the right arrow (nudge), n (one backward step) and a typed character in the editor:

- "engine+app": the app's own work after the key (the model's update and the panels' contents);
- "draw lines": Textual rendering the graph panel's visible lines;
- "key to idle": from the key press until Textual has processed it and repainted (Pilot's press
  followed by a pause), which includes Pilot's own scheduling and the repaint of the whole screen:
  the same column for a 40-node graph (which fills the screen as well) shows that fixed part.

Run by hand, on an idle machine; the figures are in docs/live.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time


def program(gates: int) -> str:
    lines = ["input x = 0.5, y = 0.5", "a1 = x*y + x"]
    for k in range(2, gates // 2 + 1):
        lines.append(f"a{k} = a{k - 1}*y + x")
    return "\n".join(lines) + "\n"


def measure(source: str, presses: int) -> dict:
    """Per key kind: handler times, render times (the graph panel's lines) and key-to-idle times."""
    from backprop_cli.live.app import LiveApp
    from backprop_cli.live.graph_view import GraphView
    from backprop_cli.live.model import Session

    session = Session(source)
    app = LiveApp(session)
    times = {kind: {"handler": [], "render": [], "key": []} for kind in ("nudge", "step", "type")}
    current = ["nudge"]
    original_refresh = app.refresh_all

    def timed_refresh():
        start = time.perf_counter()
        original_refresh()
        times[current[0]]["handler"].append(time.perf_counter() - start)

    app.refresh_all = timed_refresh
    rendered = [0.0]
    original_line = GraphView.render_line

    def timed_line(self, y):
        start = time.perf_counter()
        strip = original_line(self, y)
        rendered[0] += time.perf_counter() - start
        return strip

    GraphView.render_line = timed_line

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            plan = [("nudge", ["right"] * presses), ("step", ["n"] * presses),
                    ("type", ["space", "backspace"] * (presses // 2))]
            for kind, keys in plan:
                current[0] = kind
                if kind == "type":
                    await pilot.press("escape")
                    app.query_one("#editor").focus()
                    await pilot.press("end")
                    await pilot.pause()
                for key in keys:
                    rendered[0] = 0.0
                    start = time.perf_counter()
                    await pilot.press(key)
                    await pilot.pause()
                    times[kind]["key"].append(time.perf_counter() - start)
                    times[kind]["render"].append(rendered[0])

    try:
        asyncio.run(run())
    finally:
        GraphView.render_line = original_line
    engine = []
    for _ in range(presses):
        start = time.perf_counter()
        session.nudge(1)
        engine.append(time.perf_counter() - start)
    times["engine"] = engine
    times["nodes"] = len(session.result.graph)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--presses", type=int, default=40)
    args = parser.parse_args()

    def ms(xs):
        return f"{statistics.median(xs) * 1000:6.1f} {max(xs) * 1000:6.1f}"

    tiny = measure(program(40), args.presses)  # fills the panel: the same lines to draw
    big = measure(program(args.nodes), args.presses)
    print(f"graph: {big['nodes']:,} nodes (and a 40-node graph that fills the same screen); ms, median and max")
    print(f"{'key':<24}{'engine+app':>14}{'draw lines':>14}{'key to idle':>14}{'40 nodes':>14}")
    for kind, label in (("nudge", "right arrow (nudge x)"), ("step", "n (backward step)"),
                        ("type", "a key in the editor")):
        b, t = big[kind], tiny[kind]
        print(f"{label:<24}{ms(b['handler']):>14}{ms(b['render']):>14}{ms(b['key']):>14}{ms(t['key']):>14}")
    print(f"{'engine alone (nudge)':<24}{ms(big['engine']):>14}")


if __name__ == "__main__":
    main()
