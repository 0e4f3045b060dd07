"""The JSON view writes, piece by piece, exactly the text json.dumps(indent=2) makes of its document.

views/as_json.py spells the indentation out itself (so json's C encoder does the strings and nothing
is held whole); these tests hold it to the standard library's own pretty-printing, byte for byte, on
random programs, non-finite numbers, unusual names and labels, with and without the engine's record
of local gradients.
"""

from __future__ import annotations

import json

import pytest

from hypothesis import given, settings, strategies as st

from backprop_cli import api
from backprop_cli.core import engine
from backprop_cli.views import as_json
from random_programs import points, programs


def reference(result, nodes=True) -> str:
    """What the view wrote before it was streamed: the whole document through json.dumps."""
    doc = as_json.document(result, nodes)
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False)


def both_ways(source, at, allow_nonfinite=True):
    graph = api.build(source, at=list(at))
    recorded = engine.run(graph, at, allow_nonfinite=allow_nonfinite, record=True)
    bare = engine.run(graph, at, allow_nonfinite=allow_nonfinite, record=False)
    return recorded, bare


@settings(max_examples=200, deadline=None)
@given(programs(), points())
def test_random_programs_write_what_json_dumps_writes(source, at):
    recorded, bare = both_ways(source, at)
    expected = reference(recorded)
    assert as_json.render(recorded) == expected
    assert as_json.render(bare) == expected  # local gradients computed while writing, not recorded
    assert as_json.render(bare, nodes=False) == reference(recorded, nodes=False)
    json.loads(expected)


def test_non_finite_numbers_warnings_and_odd_labels():
    source = "a = x/0\nb = -x * 1e308 * 10\nc = sqrt(-1 + 0*y)\nf = a + b + c + max(x, x, y)"
    recorded, bare = both_ways(source, {"x": 1.0, "y": 2.0})
    expected = reference(recorded)
    assert '"inf"' in expected and '"nan"' in expected and '"warnings": [\n    "' in expected
    assert as_json.render(bare) == as_json.render(recorded) == expected


@given(st.text(alphabet="xy_é\t \n#()+*", max_size=30))
@settings(max_examples=100, deadline=None)
def test_labels_with_any_text_are_escaped_as_json_escapes_them(junk):
    # Comments and whitespace end up in labels; names with non-ASCII letters do not parse, so the
    # escapes are driven through the label text.
    source = f"f = (x {('#' + junk.replace(chr(10), ' ') + chr(10)) if junk else ''}+ y) * x"
    recorded, bare = both_ways(source, {"x": 2.0, "y": -1.0})
    assert as_json.render(bare) == as_json.render(recorded) == reference(recorded)


def test_a_leaf_output_and_dead_statements():
    recorded, bare = both_ways("a = sin(y) * 2\nb = a + 1\nx", {"x": 1.0, "y": 2.0})
    assert as_json.render(bare) == as_json.render(recorded) == reference(recorded)
    assert '"local": [\n        ' not in as_json.render(bare)  # nothing is live but the output


def test_pieces_stay_small_on_a_big_graph():
    source = "+".join(f"sin(x*{i})" for i in range(1, 3001))
    recorded, bare = both_ways(source, {"x": 0.5})
    parts = list(as_json.pieces(bare))
    assert "".join(parts) == reference(recorded)
    assert len(parts) > 3 and max(map(len, parts)) < 300 * as_json.NODES_PER_PIECE


def test_the_command_streams_the_same_bytes_in_any_output_encoding():
    import os
    import subprocess
    import sys

    source = "f = (x # café, ∂\n + y) * x"
    at = {"x": 2.0, "y": -1.0}
    recorded, _ = both_ways(source, at)
    text = reference(recorded) + "\n"
    # A stream that is not UTF-8 (ASCII, Latin-1) gets JSON's own escapes (\u00e9), the same document
    # in ASCII; a UTF encoding gets the text in that encoding.
    import json

    escaped = json.dumps(json.loads(text), indent=2, ensure_ascii=True) + "\n"
    for encoding, expected in (("utf-8", text.encode("utf-8")), ("ascii", escaped.encode("ascii")),
                               ("latin-1", escaped.encode("ascii")), ("utf-16-le", text.encode("utf-16-le"))):
        env = dict(os.environ, PYTHONIOENCODING=encoding)
        out = subprocess.run([sys.executable, "-m", "backprop_cli", "eval", source, "--at", "x=2,y=-1",
                              "--format", "json"], capture_output=True, env=env, check=True).stdout
        assert out == expected, encoding


@pytest.mark.parametrize("per_piece", [1, 3, 1 << 16])
@pytest.mark.parametrize("shape", [(), (1,), (3,), (2, 3), (3, 1), (1, 1), (2, 3, 4), (2, 1, 3, 2), (0,), (2, 0), (0, 3)])
def test_streamed_arrays_are_json_dumps_byte_for_byte(monkeypatch, shape, per_piece):
    # Tensor documents are written a block of rows at a time (issue #24): the same text as json.dumps
    # of the nested lists, whatever the block size, with non-finite elements as strings.
    import json

    import numpy as np

    from backprop_cli.views import as_json
    from backprop_cli.views.tensor_text import nested

    monkeypatch.setattr(as_json, "ELEMENTS_PER_PIECE", per_piece)
    rng = np.random.default_rng(24)
    a = rng.normal(size=shape) * 10.0 ** rng.integers(-300, 300, size=shape)
    if a.size > 2:
        a.flat[1], a.flat[2] = np.inf, np.nan
    want = json.dumps({"x": [{"v": nested(a), "k": "é\x1b"}], "w": [], "e": {}}, indent=2, allow_nan=False,
                      ensure_ascii=False)
    got = "".join(as_json._encode({"x": [{"v": as_json._Array(a), "k": "é\x1b"}], "w": [], "e": {}}))
    assert got == want
