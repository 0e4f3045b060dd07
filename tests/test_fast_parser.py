"""The generated LALR tables and the parser loop that drives them, against Lark itself.

parser.py parses with tables that tablegen.py derives from grammar/backprop.lark, without importing
Lark.  These tests hold the two together: the committed tables match the grammar, and on every
program, valid or not, the fast loop does what Lark does (the same graph, the same builder error, or
a refusal where Lark finds a syntax error, or a builder's error that its contextual lexer reaches
first, which Lark then words).
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st

import lark
from backprop_cli.language import tables as _lalr_tables, tablegen as lalr_gen, parser
from backprop_cli.base.errors import BackpropError
from conftest import SAMPLES, lecture_cases


def test_tables_are_generated_from_the_grammar_as_it_is():
    assert _lalr_tables.GRAMMAR == parser.grammar_path().read_text(encoding="utf-8"), \
        "grammar/backprop.lark changed: run python -m backprop_cli.language.tablegen"


def test_generating_again_gives_the_committed_tables():
    # Every Lark version pyproject allows generates the same tables (tools/lark_versions.py checks
    # each one); only the line naming the version differs.
    generated = lalr_gen.generate(parser.grammar_path())
    assert f"LARK_VERSION = {lark.__version__!r}\n" in generated
    assert lalr_gen.same_tables(generated, lalr_gen.TABLES.read_text(encoding="utf-8")), (
        f"Lark {lark.__version__} generates other tables: run python -m backprop_cli.language.tablegen, "
        "check the parser tests, and widen or narrow the lark pin in pyproject.toml")


def test_the_version_line_is_all_that_same_tables_ignores():
    committed = lalr_gen.TABLES.read_text(encoding="utf-8")
    assert lalr_gen.same_tables(committed.replace("LARK_VERSION = '", "LARK_VERSION = '9.9 was "), committed)
    import re

    state = re.search(r"'NAME': (\d+),", committed)
    changed = committed[:state.start(1)] + str(int(state.group(1)) + 1) + committed[state.end(1):]
    assert not lalr_gen.same_tables(changed, committed)


def test_tables_generated_by_the_installed_lark_parse_as_lark_does(tmp_path, monkeypatch):
    """The driver on freshly generated tables, not the committed ones: this holds even if a Lark
    version numbered its states differently."""
    import importlib.util

    path = tmp_path / "fresh_tables.py"
    path.write_text(lalr_gen.generate(parser.grammar_path()), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("fresh_tables", path)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    names = [name for name in vars(fresh) if name.isupper() and name != "LARK_VERSION"]
    assert {"TABLE", "GOTO", "RULES", "SCANNER"} <= set(names)
    for name in names:
        monkeypatch.setattr(_lalr_tables, name, getattr(fresh, name))
    monkeypatch.setattr(parser, "_tables", None)
    for source in CORPUS:
        assert fast(source) == slow(source), source
    monkeypatch.setattr(parser, "_tables", None)


def _snapshot(g, statements):
    return (list(g.op), list(g.args), list(g.payload), list(g.name), list(g.start), list(g.end),
            dict(g.inputs), dict(g.defaults), g.tensor, statements)


def fast(source, bound=()):
    tables = parser._load_tables()
    assert tables, "the tables are stale"
    parser._builder.reset(source, "", bound)
    try:
        statements = parser._drive(tables, source, parser._builder)
    except parser._Unparsable:
        return "syntax error"
    except BackpropError as e:
        return ("error", str(e))
    return _snapshot(parser._builder.g, statements)


def slow(source, bound=()):
    from lark.exceptions import UnexpectedInput

    lark_parser = parser._parser()
    parser._builder.reset(source, "", bound)
    try:
        statements = lark_parser.parse(source)
    except UnexpectedInput:
        return "syntax error"
    except BackpropError as e:
        return ("error", str(e))
    return _snapshot(parser._builder.g, statements)


CORPUS = [
    "(x+y)*z", "1/(1+exp(-(w0*x0+w1*x1+w2)))", "-x^2", "2^3^2", "x^-1", "x**-+2", "--x", "+x",
    "max(x, y, 3)", "min(x)", "max()", "sin()", "sin(x, y)", "nosuch(x)", "sin", "x(", "x)", "(x",
    "q = x + y\nf = q * z", "q = x + y; f = q * z;", "\n\n x \n\n", "", "   ", "# only a comment",
    "x # trailing comment\n", "f = (x +\n y)\n", "f = x +\n y", "x += 1", "x = 2; x *= x; x /= 3; x -= 1",
    "y = x+=1", "input x = 2, y = -3\nf = x*y", "input x\nx*2", "input = 3", "inputs = 2; inputs*x",
    "x + input", "input x = y\nx", "input x = 1/0\nx", "q = 1\ninput q\nq", "input x, y = pi/4, z\nx+y+z",
    "e^x + pi", "2x", "x y", "1e400", "1e-400*x", ".5 + 5. + 1.5e3 + 2E-2", "x ** y ** z", "x^", "x*/y",
    "a = b = c", "x = ", "= x", "x;;y", "x\r\ny", "x\ty", "x\x00", "x $ y", "x = [1]", "f = 1\nf",
    "relu(x) + abs(-x) + sigmoid(x) + tanh(x) + sqrt(x) + log(x) + cos(x) + tan(x)", "-(-(-x))",
    "((((x))))", "(x, y)", "max(x,)", "max(,x)", "f(x)(y)", "x = 1\ny = x\nx = 2\nx + y", "3",
    # the reductions the loop runs inline, and what each hands back to its callback
    "W @ x", "sin(W) @ (x @ y)", "0*x + 0.0 - 00.5 + 0e5 + 1.5", "x*1e400", "pi*x + e*pi", "e = 2; e*x",
    "sin(x, y) + cos()", "abs((x)) * sqrt(((y)))", "max(sin(x), -(x))", "x +\n(y\n*\nz)",
    "atan2(y, x) + hypot(x, 3) * pow(x, 2)", "leaky_relu(x, 0.1) - leaky_relu(x)", "max = 2; max(x, max)",
    "min(x, y, z, 2)", "randn(2, 3)", "zeros(2)", "sin(x, y, z)", "nosuch(x, y)", "max(x, (y, z))",
    "c = 2\n-c", "-2*x - -pi", "x = -3; -x + -(1)", "-(2) * -sin(x) + -1e400",
]


@pytest.mark.parametrize("source", CORPUS)
def test_the_fast_loop_does_what_lark_does(source):
    assert fast(source) == slow(source)
    assert fast(source, bound=("e", "pi", "x")) == slow(source, bound=("e", "pi", "x"))


def test_the_samples_and_the_lecture_parse_alike():
    for path in sorted(SAMPLES.glob("*.bp")):
        text = path.read_text(encoding="utf-8")
        assert fast(text) == slow(text) != "syntax error"
    for case in lecture_cases():
        assert fast(case["program"]) == slow(case["program"]) != "syntax error"


PIECES = ["x", "y", "e", "pi", "input", "f", "sin", "max", "(", ")", ",", "+", "-", "*", "/", "^", "**",
          "=", "+=", "*=", "\n", ";", "2", "3.5", "1e3", ".5", "#c\n", " ", "\t", "\\", "2x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
@example(["x", "(", ")", "+="])
def test_token_soup_parses_alike(pieces):
    source = "".join(pieces)
    got, lark_got = fast(source), slow(source)
    if got == "syntax error" and lark_got[0] == "error":
        # Lark's contextual lexer reads x()+= as x() + = and meets the builder's error (no function
        # x) before the syntax error; the loop's scanner reads += and refuses, and Lark, parsing the
        # text again, gives the user that same message.
        with pytest.raises(BackpropError) as error:
            parser.parse(source)
        assert str(error.value) == lark_got[1]
        return
    assert got == lark_got


def _expressions():
    leaf = st.sampled_from(["x", "y", "z", "2", "0.5", "pi", "e", "1e-3"])

    def grow(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^", "**"]), inner).map(" ".join),
            st.tuples(st.sampled_from(["-", "+"]), inner).map("".join),
            inner.map(lambda s: f"({s})"),
            st.tuples(st.sampled_from(["sin", "exp", "log", "relu"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: f"max({', '.join(xs)})"),
        )

    return st.recursive(leaf, grow, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "a = ", "b = ", "x += ", "z *= "]), _expressions()),
                min_size=1, max_size=4),
       st.sampled_from(["\n", ";", "\n\n", " ;\n"]))
def test_random_programs_parse_alike(statements, separator):
    source = separator.join(prefix + expr for prefix, expr in statements)
    result = fast(source)
    assert result == slow(source)
    assert result != "syntax error"


def test_a_100000_deep_nesting_parses():
    depth = 100_000
    source = "sin(" * depth + "x" + ")" * depth
    g = parser.parse(source)
    assert len(g) == depth + 1
    assert g.op[-1] == "sin" and g.args[1] == (0,) and g.start[-1] == 0 and g.end[-1] == len(source)


def test_a_program_too_long_for_the_small_scanner_parses_alike():
    """Beyond small_scanner.MAX_LENGTH the tokens are the regular expression's matches: the loop's
    inline reductions read them (text, start, end) as they read small_scanner's."""
    import sys
    from pathlib import Path

    from backprop_cli.language import small_scanner

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    try:
        from mixture import mixture
    finally:
        sys.path.pop(0)
    text = ("c = 2 # a comment (\nq = max(x, -c) * (y +\n  z)\n" + mixture(3000)[0] +
            "w = -q + min(q, 1e-3, y) - -2.5; w * atan2(w, q)\n")
    assert len(text) > small_scanner.MAX_LENGTH
    assert fast(text) == slow(text) != "syntax error"
    assert fast(text + "1e400 * x\n") == slow(text + "1e400 * x\n") != "syntax error"


def test_the_module_keeps_nothing_of_a_graph_it_built():
    """Once parsed, a graph's columns are the graph's alone: the builder keeps no reference (its
    node adder held all six, so a big graph lived on until the interpreter's last collection)."""
    import sys

    for text in ("x*y + sin(z)", "q = (x + 1) ** 2\nq / 3"):
        g = parser.parse(text)
        for column in ("op", "args", "payload", "name", "start", "end"):
            references = sys.getrefcount(getattr(g, column))
            assert references == 2, column  # the graph's slot and getrefcount's argument
    for text in ("x * 1e400", "x +", "sin(x, y)"):  # a builder's error, a syntax error (Lark's), an arity
        with pytest.raises(BackpropError):
            parser.parse(text)
        assert parser._builder.g is None and parser._builder.add is None


def test_the_end_state_has_no_action():
    """The loop accepts where the end state's empty row has no action for the end of input."""
    assert _lalr_tables.TABLE[_lalr_tables.END] == {}


def test_stale_tables_fall_back_to_lark(monkeypatch):
    monkeypatch.setattr(parser, "_tables", None)
    monkeypatch.setattr(_lalr_tables, "GRAMMAR", _lalr_tables.GRAMMAR + "\n// edited")
    assert parser._load_tables() is False
    g = parser.parse("(x+y)*z")
    assert g.op == ["input", "input", "add", "input", "mul"]
    monkeypatch.setattr(parser, "_tables", None)


def test_the_table_generator_uses_only_larks_public_api():
    """tablegen builds the LALR table and the scanner itself from the grammar Lark compiles: no Lark
    submodule is imported and no private attribute is read, so the pin can follow Lark's releases."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(lalr_gen))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lark"):
            assert node.module == "lark", f"line {node.lineno}: from {node.module} import ..."
        if isinstance(node, ast.Import):
            assert all(a.name == "lark" or not a.name.startswith("lark") for a in node.names), node.lineno
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and node.attr != "__version__":
            assert False, f"line {node.lineno}: .{node.attr}"


def test_the_lalr_construction_on_a_textbook_grammar():
    """The dragon book's S -> C C, C -> c C | d (LALR(1): 7 states after merging), against Lark."""
    from lark import Lark

    toy = Lark('start: c c\nc: "c" c | "d"\n', parser="lalr")
    states, start, end = lalr_gen._lalr_table(toy.rules, "start")
    assert len(states) == 7  # the state after `start` among them
    kinds = {tuple(sorted((sym, a) for sym, (a, _) in row.items())) for row in states}
    reduce_on_all = (("$END", "reduce"), ("C", "reduce"), ("D", "reduce"))
    assert reduce_on_all in kinds  # C -> d . reduces on c, d and $END after merging
    assert states[end] == {} and start == 0
    for text in ("dd", "cdcd", "ccdd"):
        toy.parse(text)


_SCANNER_ALPHABET = "@.npycsvjson aAzZ_019eE+-*/^=;\n\r\t\x0c\x0b\x1c#()[]:,x$\"'!?\\"


def _tokens(matches) -> list:
    return [(m.lastgroup, m.group(), m.start(), m.end()) for m in matches]


def _expression_tokens(text: str) -> list:
    import re

    pattern = f"{_lalr_tables.SCANNER[0]}|(?P<__OTHER>(?s:.))|(?P<__EOF>\\Z)"
    return _tokens(re.finditer(pattern, text))


def test_the_small_scanner_follows_the_grammars_expression():
    """The re-free scanner of short programs is used only while the tables' expression is the one
    it was written for: a grammar change shows here first."""
    from backprop_cli.language import small_scanner

    assert small_scanner.PATTERN == _lalr_tables.SCANNER[0], \
        "the grammar's terminals changed: update language/small_scanner.py (PATTERN and the loop)"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_SCANNER_ALPHABET, max_size=40))
def test_the_small_scanner_finds_the_expressions_tokens(text):
    from backprop_cli.language import small_scanner

    assert _tokens(small_scanner.scan(text, "__OTHER", "__EOF")) == _expression_tokens(text)


def _fast_expression_tokens(text: str) -> list:
    import re

    from backprop_cli.language import small_scanner

    return _tokens(re.finditer(f"{small_scanner.FAST_PATTERN}|(?P<__OTHER>(?s:.))|(?P<__EOF>\\Z)", text))


def test_the_fast_expression_is_the_grammars_reordered():
    """FAST_PATTERN (what the parser compiles for a big program) has exactly PATTERN's terminals, the
    same spelling, reordered only where no two of them can begin with the same character."""
    import re

    from backprop_cli.language import small_scanner

    def alternatives(pattern):
        return re.split(r"\|(?=\(\?P<)", pattern)

    fast, slow = alternatives(small_scanner.FAST_PATTERN), alternatives(small_scanner.PATTERN)
    assert sorted(fast) == sorted(slow) and len(fast) == len(set(fast))
    tails = ["", "=", "*", "\n", "x", "1", "a.npy", "e5", " ", "(", "#"]

    def can_begin(alt, ch):
        return any(re.match(alt, ch + tail) for tail in tails)

    for ch in map(chr, range(128)):
        starting = [alt for alt in slow if can_begin(alt, ch)]
        assert [alt for alt in fast if alt in starting] == starting, repr(ch)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_SCANNER_ALPHABET, max_size=40))
def test_the_fast_expression_finds_the_expressions_tokens(text):
    assert _fast_expression_tokens(text) == _expression_tokens(text)


def test_the_fast_expression_on_a_mixture_of_every_gate():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    try:
        from mixture import mixture
    finally:
        sys.path.pop(0)
    text = mixture(3000)[0] + "y = max(x, 2)\n# note (\ninput z = @a.npy; w = z[1:2, 0] ** 2\r\n"
    assert _fast_expression_tokens(text) == _expression_tokens(text)


@pytest.mark.parametrize("text", [
    "@a.csv", "@a.csv.npy", "@.csv", "@a.csvx", "@a.json;", "@a.b.json.npy(", "@@x.npy", "@a.cs", "@x.npyz.csv",
    "1.5e-3", "1.e5", ".5", ".e5", "1e", "1e+", "2.5E+10x", "x**=2", "x*=2", "a^-1", "\r\n", "a\r\n#c(\n",
    "input x = 1", "x\x0b@y.csv", "1..2", "3.14.15",
])
def test_the_small_scanner_on_corner_cases(text):
    from backprop_cli.language import small_scanner

    assert _tokens(small_scanner.scan(text, "__OTHER", "__EOF")) == _expression_tokens(text)
    assert _fast_expression_tokens(text) == _expression_tokens(text)
