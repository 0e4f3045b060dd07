"""Every view on a 100,000-deep graph: no recursion anywhere, no crash, output that stays linear."""

import io

import pytest

from backprop_cli import evaluate
from backprop_cli.base.numbers import show
from backprop_cli.views import dot, mermaid, trace, tree

DEPTH = 100_000


@pytest.fixture(scope="module")
def deep():
    # A left-deep chain of 100,000 add gates over one input: x + x + ... + x.
    return evaluate("x" + "+x" * DEPTH, {"x": 1})


@pytest.mark.slow
def test_tree_is_cut_with_a_marker(deep):
    text = "\n".join("".join(t for t, _ in line) for line in tree.lines(deep, 1000))
    assert "cut at depth 100:" in text
    text += "\n" + "\n".join("".join(t for t, _ in line) for line in tree.summary_lines(deep))
    assert len(text.splitlines()) < 400
    assert text.rstrip().endswith("df/dx = 1e5")


@pytest.mark.slow
def test_tree_through_the_cli(cli):
    out = cli("eval", "x" + "+x" * DEPTH, "--at", "x=1", "--format", "tree", env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.stderr
    assert "cut at depth" in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80


@pytest.mark.slow
def test_dot_and_mermaid_draw_every_wire(deep):
    wires = 2 * DEPTH + 1  # two into each add gate, and one to the output marker
    assert dot.render(deep).count(" -> ") == wires
    assert mermaid.render(deep).count(" -->|") == wires


@pytest.mark.slow
def test_trace_walks_a_deep_chain():
    n = 20_000  # far past Python's recursion limit; the full 100,000 takes about a minute
    r = evaluate("x" + "+x" * n, {"x": 1})
    parts = trace.build(r).plain()
    assert sum(1 for p in parts if p.startswith("step ")) == n
    assert parts[-1].endswith(f"df/dx = {show(n + 1.0)}")
