"""Text to graph: an LALR(1) parser with the graph builder run inline at every reduction.

The parse tables are generated from grammar/backprop.lark by Lark (``tablegen.py``) and driven by a
short loop here; Lark itself parses only to word a syntax error, or when the grammar file and the
tables disagree.  LALR reduces bottom-up and left to right, so nodes are appended in a topological
order as they are recognised; no parse tree is kept and nothing recurses, however deep the nesting.
"""

from __future__ import annotations

import math
import os
from itertools import islice

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Iterable, Optional

from ..base.errors import InputError, SourceError, listing
from ..core.graph import Graph
from ..core.ops import CONSTANTS, GATES, function_names
from ..base.suggest import nearest

#: operator symbol -> gate, from the gate table (``**`` and ``^`` are both pow)
_BINARY = {s: name for name, gate in GATES.items() if gate.notation == "infix" for s in gate.spellings}

_TERMINAL_WORDS = {
    "NUMBER": "a number", "NAME": "a name", "LPAR": "'('", "RPAR": "')'",
    "ADDOP": "'+' or '-'", "MULOP": "'*', '/' or '@'", "LSQB": "'['", "RSQB": "']'", "COLON": "':'",
    "FILEREF": "a data file (@name.npy)", "POWOP": "'^' or '**'",
    "AUGOP": "'+=', '-=', '*=' or '/='", "EQUAL": "'='", "COMMA": "','", "INPUT": "'input'",
    "_SEP": "a new line or ';'", "$END": "the end of the input",
}


def grammar_path():
    from pathlib import Path

    return Path(_grammar_file())


def _grammar_file() -> str:
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # backprop_cli/
    for candidate in (os.path.join(package, "grammar"), os.path.join(os.path.dirname(package), "grammar")):
        path = os.path.join(candidate, "backprop.lark")  # installed wheel, source tree
        if os.path.isfile(path):
            return path
    raise FileNotFoundError("backprop.lark not found next to the package")


class _Continuation:
    """Post-lexer: inside parentheses a newline continues the statement.  Remembers open parens."""

    always_accept = ("_SEP",)

    def __init__(self) -> None:
        self.opens: list = []
        self.brackets: list = []  # open '[' (for the message when one is never closed)

    def process(self, stream: Iterable):
        opens = self.opens = []
        brackets = self.brackets = []
        for tok in stream:
            kind = tok.type
            if kind == "LPAR":
                opens.append(tok.start_pos)
            elif kind == "RPAR":
                if opens:
                    opens.pop()
            elif kind == "LSQB":
                brackets.append(tok.start_pos)
            elif kind == "RSQB":
                if brackets:
                    brackets.pop()
            elif kind == "_SEP" and opens and tok.value != ";":
                continue
            yield tok


class _Builder:
    """Callbacks, one per grammar rule, called with the rule's children as Lark would (tokens are the
    scanner's match objects, small_scanner's ``Match`` or the expression's; ``_FromLark`` converts Lark's).
    Expressions return (node id, start, end)."""

    def reset(self, source: str, origin: str, bound: Iterable[str]) -> None:
        self.g = Graph(source)
        self.add = self.g.adder()
        self.origin = origin
        self.bound = set(bound)
        self.env: dict = {}
        self.versions: dict = {}
        self.decl_marks: list = []

    def _error(self, message: str, start: int, end: Optional[int] = None, hint=None):
        return SourceError(message, self.g.source, start, end, self.origin, hint)

    # -- leaves --

    def number(self, c):
        tok = c[0]
        text = tok[0]
        s, e = tok.span()
        value = float(text)
        if value - value != 0.0:  # inf
            raise self._error(f"the number {text[:20]}{'…' if len(text) > 20 else ''} is too large "
                              "for a double (largest is about 1.8e308)", s, e)
        if value == 0 and text.lower().partition("e")[0].strip("0.") != "":
            # 1e-400 is not zero, but a double would make it zero without a word: refuse it as
            # 1e999 is refused, rather than compute with a number the user did not write.
            raise self._error(f"the number {text[:20]}{'…' if len(text) > 20 else ''} is too small "
                              "for a double: it would become 0 (the smallest is about 4.9e-324)",
                              s, e, "Write 0 if zero is meant.")
        return (self.add("const", (), s, e, value), s, e)

    def name(self, c):
        tok = c[0]
        name = tok[0]
        s, e = tok.span()
        node = self.env.get(name)
        if node is None:
            if name in CONSTANTS and name not in self.bound:
                return (self.add("const", (), s, e, CONSTANTS[name]), s, e)
            node = self._new_input(name, s, e)
        return (node, s, e)

    def _new_input(self, name: str, s: int, e: int) -> int:
        node = self.add("input", (), s, e, name)
        self.g.inputs[name] = node
        self.env[name] = node
        self.versions[name] = 1
        return node

    # -- operators and calls --

    def binop(self, c):
        left, tok, right = c
        s, e = left[1], right[2]
        op = tok[0]
        if op == "@":
            self.g.tensor = True
        return (self.add(_BINARY[op], (left[0], right[0]), s, e), s, e)

    def unop(self, c):
        tok, operand = c
        s, e = tok.start(), operand[2]
        if tok[0] == "+":
            return (operand[0], s, e)
        g = self.g
        node = operand[0]
        if node == len(g) - 1 and g.op[node] == "const" and g.name[node] is None:
            # A signed literal is one constant, not a negation gate over a constant.
            g.payload[node] = -g.payload[node]
            g.start[node] = s
            return (node, s, e)
        return (self.add("neg", (node,), s, e), s, e)

    def call(self, c):
        tok, lpar, args, rpar = c
        fname = tok[0]
        if args is not None and len(args) == 1 and fname in _ONE_ARGUMENT:  # sin(x), exp(x), ...
            s, e = tok.start(), rpar.end()
            return (self.add(fname, (args[0][0],), s, e), s, e)
        args = args or []
        op = GATES.get(fname)
        if fname in ("randn", "zeros") and fname not in self.env:
            return self._randn(tok, args, rpar)
        if op is None or not op.callable:
            close = nearest(fname, function_names())
            hint = (f"Did you mean '{close}'? " if close else "") + \
                "Known functions: " + ", ".join(function_names()) + "."
            raise self._error(f"unknown function '{fname}'", tok.start(), tok.end(), hint)
        if not op.accepts(len(args)):
            raise self._error(f"{fname} takes {op.arity_text()}, got {len(args)}",
                              tok.start(), rpar.end())
        s, e = tok.start(), rpar.end()
        if op.shape is not None:
            return self._array_call(op, args, s, e)
        return (self.add(fname, tuple([a[0] for a in args]), s, e), s, e)

    def args(self, c):
        return c

    # -- arrays --

    def _whole(self, item, what: str):
        """The whole number a static argument (an axis, a size, an index) is written as."""
        g = self.g
        node, s, e = item
        value = g.payload[node] if g.op[node] == "const" else None
        if not isinstance(value, float) or not value.is_integer():
            raise self._error(f"{what} must be a whole number written in the program", s, e)
        return int(value)

    def _drop_from(self, first: int) -> None:
        """Remove the constant nodes a static argument was parsed into (they are the last ones)."""
        if first < len(self.g):
            self.g.truncate(first)

    def _array_call(self, op, args, s, e):
        g = self.g
        g.tensor = True
        n_inputs = 1 if op.static < 0 else len(op.params) - op.static
        inputs, statics = args[:n_inputs], args[n_inputs:]
        what = "a shape" if op.static < 0 else f"the {op.params[-1]} of {op.name}"
        values = tuple(self._whole(a, what) for a in statics)
        if statics:
            self._drop_from(min(a[0] for a in statics))
        if op.static > 0 and len(values) < op.static:
            values = values + op.defaults[len(values) - op.static:]
        return (g.add(op.name, tuple(a[0] for a in inputs), s, e, values), s, e)

    def _randn(self, tok, args, rpar):
        s, e = tok.start(), rpar.end()
        if not self.decl_marks:
            raise self._error(f"{tok[0]}(...) gives an input its starting value: write it in an input line",
                              s, e, "For example: input W = randn(3, 4), with --seed N to repeat the draw.")
        shape = tuple(self._whole(a, f"a size in {tok[0]}") for a in args)
        elements = 1
        for n in shape:
            elements *= max(n, 0)
        if any(n < 0 for n in shape) or len(shape) > MAX_DIMENSIONS or elements > MAX_ELEMENTS:
            why = ("a size is negative" if any(n < 0 for n in shape) else
                   f"{len(shape)} dimensions, more than {MAX_DIMENSIONS}" if len(shape) > MAX_DIMENSIONS else
                   f"{elements:.3g} elements, more than {MAX_ELEMENTS:,} (16 GiB of doubles)")
            raise self._error(f"{tok[0]}(...): {why}", s, e,
                              "Sizes are whole numbers from 0 up, e.g. input W = randn(3, 4).")
        from . import limits

        try:
            limits.check_array_size(math.prod(shape), f"{tok[0]}({', '.join(map(str, shape))})")
        except InputError as error:
            raise self._error(error.message, s, e, error.hint) from None
        if args:
            self._drop_from(min(a[0] for a in args))
        self.g.tensor = True
        return (self.g.add(tok[0], (), s, e, shape), s, e)

    def array(self, c):
        lsqb, items, rsqb = c
        g = self.g
        s, e = lsqb.start(), rsqb.end()
        elements = []
        for node, es, ee in items:
            if g.op[node] != "const":
                raise self._error("the elements of a [ ] literal must be numbers", es, ee,
                                  "Give arrays of values with --at or an input line; combine them with gates.")
            elements.append(g.payload[node])
        import numpy

        try:
            value = numpy.array(elements, dtype=numpy.float64)
        except ValueError:
            raise self._error("the rows of this array have different lengths", s, e) from None
        self._drop_from(min(item[0] for item in items))
        g.tensor = True
        return (g.add("const", (), s, e, value), s, e)

    def subscripts(self, c):
        return c

    def slice(self, c):
        lo, colon, hi = c
        return ("slice", lo, hi, colon)

    def index(self, c):
        base, lsqb, parts, rsqb = c
        g = self.g
        key, first = [], len(g)
        for part in parts:
            if part[0] == "slice":
                _, lo, hi, colon = part
                bounds = [None if b is None else self._whole(b, "a slice bound") for b in (lo, hi)]
                key.append(slice(*bounds))
                first = min([first] + [b[0] for b in (lo, hi) if b is not None])
            else:
                key.append(self._whole(part, "an index"))
                first = min(first, part[0])
        self._drop_from(max(first, base[0] + 1))
        g.tensor = True
        s, e = base[1], rsqb.end()
        return (g.add("index", (base[0],), s, e, (tuple(key),)), s, e)

    def fileref(self, c):
        tok = c[0]
        s, e = tok.start(), tok.end()
        if not self.decl_marks:
            raise self._error("a data file gives an input its value: write it in an input line", s, e,
                              "For example: input X = @data.npy, or --at X=@data.npy.")
        path = tok[0][1:]
        if self.origin and self.origin != "<stdin>" and not os.path.isabs(path):
            beside = os.path.join(os.path.dirname(self.origin), path)
            if os.path.exists(beside) or not os.path.exists(path):
                path = beside
        self.g.tensor = True
        return (self.g.add("load", (), s, e, path), s, e)

    def paren(self, c):
        lpar, inner, rpar = c
        return (inner[0], lpar.start(), rpar.end())

    # -- statements --

    def _bind(self, name: str, node: int) -> None:
        g = self.g
        if g.name[node] is None and g.op[node] != "input":
            version = self.versions.get(name, 0) + 1
            self.versions[name] = version
            g.name[node] = name if version == 1 else f"{name}#{version}"
        self.env[name] = node

    def assign(self, c):
        tok, expr = c
        self._bind(tok[0], expr[0])
        # (kind, name, node bound, where the statement starts, node of the right-hand side, operator)
        return ("=", tok[0], expr[0], tok.start(), expr[0], "=")

    def augassign(self, c):
        tok, augop, expr = c
        name = tok[0]
        old, s, _ = self.name([tok])
        op = _BINARY[augop[0][0]]
        node = self.add(op, (old, expr[0]), s, expr[2])
        self._bind(name, node)
        return ("=", name, node, s, expr[0], augop[0])

    def decl_start(self, c):
        tok = c[0]
        self.decl_marks.append(len(self.g))
        return tok

    def decl_plain(self, c):
        tok = c[0]
        self._declare(tok, None)

    def decl_default(self, c):
        tok, expr = c
        mark = self.decl_marks.pop()
        g = self.g
        if any(g.op[i] in ("randn", "zeros", "load") or type(g.payload[i]) not in (float, str, type(None))
               for i in range(mark, len(g))):
            recipe = Recipe(g, mark, expr[0])
            g.truncate(mark)
            self._declare(tok, recipe)
            return
        value = fold_constant(self.g, mark, expr[0])
        if value is None:
            raise self._error(f"the default of input '{tok[0]}' must be a constant "
                              "(numbers, pi, e and functions of them)", expr[1], expr[2])
        if not math.isfinite(value):
            raise self._error(f"the default of input '{tok[0]}' is {value}", expr[1], expr[2])
        self.g.truncate(mark)
        self._declare(tok, value)

    def _declare(self, tok, default) -> None:
        name = tok[0]
        node = self.env.get(name)
        if node is None:
            self._new_input(name, tok.start(), tok.end())
        elif self.g.op[node] != "input":
            raise self._error(f"'{name}' is assigned before it is declared an input; "
                              "put 'input' lines first", tok.start(), tok.end())
        if default is not None:
            self.g.defaults[name] = default

    def input_decl(self, c):
        return ("input",)

    def start(self, c):
        return c


#: the most elements and dimensions an input's starting value (randn, zeros) may have
MAX_ELEMENTS = 2**31
MAX_DIMENSIONS = 32


class Recipe:
    """An input's starting value made at run time: a constant array, randn(...) drawn with the run's
    seed, a data file, or an expression of those (``input W = 0.1 * randn(3, 4)``)."""

    def __init__(self, g: Graph, first: int, node: int) -> None:
        if node < first:  # a constant array parsed before this input line
            self.ops, self.args, self.payload = ["const"], [()], [g.payload[node]]
        else:
            self.ops = g.op[first:node + 1]
            self.args = [tuple(j - first for j in a) for a in g.args[first:node + 1]]
            self.payload = g.payload[first:node + 1]

    def make(self, rng):
        """The value, drawing from ``rng`` (numpy's Generator) for each randn in order."""
        import numpy as np

        from .limits import read_data_file

        values = []
        for op, args, payload in zip(self.ops, self.args, self.payload):
            if op == "const":
                values.append(payload)
            elif op == "randn":
                values.append(rng.standard_normal(payload))
            elif op == "zeros":
                values.append(np.zeros(payload))
            elif op == "load":
                values.append(read_data_file(payload))
            else:
                xs = [values[j] for j in args]
                extra = payload if isinstance(payload, tuple) else ()
                values.append(GATES[op].np_forward(*xs, *extra))
        return values[-1]


def fold_constant(g: Graph, first: int, node: int) -> Optional[float]:
    """The value of ``node`` if it and nodes ``first..`` use only constants, else None."""
    if node < first:
        return g.payload[node] if g.op[node] == "const" else None
    values: dict = {}
    for i in range(first, len(g)):
        op = g.op[i]
        if op == "const":
            values[i] = g.payload[i]
        elif op == "input":
            return None
        else:
            try:
                values[i] = GATES[op].forward(*[values[j] for j in g.args[i]])
            except KeyError:  # an argument from before ``first``: not constant
                return None
    return values[node]


class _FromLark:
    """The builder's callbacks for Lark: its tokens become small_scanner's ``Match`` objects first."""

    def __init__(self, builder: _Builder) -> None:
        from lark import Token

        from .small_scanner import Match

        self._builder = builder
        self._lark_token = Token
        self._match = Match

    def __getattr__(self, method: str):
        fn = getattr(self._builder, method)  # AttributeError for a rule with no callback, as Lark expects
        if method.startswith("_") or not callable(fn):
            raise AttributeError(method)

        lark_token, match = self._lark_token, self._match

        def callback(children):
            return fn([match(c.type, str(c), c.start_pos, c.end_pos) if isinstance(c, lark_token) else c
                       for c in children])

        return callback


#: functions of numbers that take one argument, and two (checked once here instead of at every call)
_ONE_ARGUMENT = frozenset(name for name, op in GATES.items()
                          if op.callable and op.accepts(1) and getattr(op, "shape", None) is None)
_TWO_ARGUMENTS = frozenset(name for name, op in GATES.items()
                           if op.callable and op.accepts(2) and getattr(op, "shape", None) is None)

_lark = None
_builder = _Builder()
_postlex = _Continuation()


def _parser():
    """Lark itself: used when the tables are stale, and to word syntax errors exactly as Lark sees them.

    No grammar cache: the generated tables already make start-up fast, and a pickle in a shared
    temporary folder is one more thing that can be stale, corrupt or planted."""
    global _lark
    if _lark is None:
        from lark import Lark

        path = _grammar_file()
        with open(path, encoding="utf-8") as fh:
            grammar = fh.read()
        _lark = Lark(grammar, parser="lalr", lexer="contextual",
                     transformer=_FromLark(_builder), postlex=_postlex, start="start",
                     maybe_placeholders=True, source_path=path)
    return _lark


# ---- the fast path: Lark's LALR tables and one regular expression for its terminals, driven by a loop of our own

class _Unparsable(Exception):
    """The fast driver met input it cannot parse; Lark parses it again to word the error."""


_PASS, _ALL, _FILTER, _SPLICE = range(4)
_KINDS = {"pass": _PASS, "all": _ALL, "filter": _FILTER, "splice": _SPLICE}
#: the loop's kinds for an _ALL rule: one child, or more (an _ALL rule has at least one child)
_ONE, _SOME = "one", "some"
#: group names the scanner adds to the grammar's terminals: any other character, and the end
_OTHER, _EOF = "__OTHER", "__EOF"
_tables = None  # (table, gotos, rules, scan, keywords, ignore, start, end), or False when stale


def _load_tables():
    """The generated tables, if they were generated from the grammar file as it is now."""
    global _tables
    if _tables is None:
        from . import tables as t

        try:
            with open(_grammar_file(), encoding="utf-8") as fh:
                fresh = fh.read() == t.GRAMMAR
        except OSError:
            fresh = False
        pattern, unless = t.SCANNER
        if not fresh or set(unless) - {"NAME"}:
            # The grammar was edited (Lark parses until the tables are generated again), or keywords
            # are spelled by a terminal other than NAME: beyond this driver.
            _tables = False
            return _tables
        scan = _scanner(pattern)
        keywords = unless.get("NAME", {})
        # The states where a keyword may come next: only there does a NAME spelled like it change kind.
        keyword_states = {}
        for state, row in enumerate(t.TABLE):
            accepted = {word: kind for word, kind in keywords.items() if kind in row}
            if accepted:
                keyword_states[state] = accepted
        rules = [(lhs, size, _KINDS[kind], method, include, nones_after, expand1)
                 for lhs, size, kind, method, include, nones_after, expand1 in t.RULES]
        table = [dict(row) for row in t.TABLE]
        for row in table:  # the end of input, under the scanner's name for it
            if "$END" in row:
                row[_EOF] = row["$END"]
        gotos = {lhs: {below: dict(row, **({_EOF: row["$END"]} if "$END" in row else {}))
                       for below, row in by_state.items()}
                 for lhs, by_state in t.GOTO.items()}
        _tables = (table, gotos, rules, scan, keyword_states, frozenset(t.IGNORE), t.START, t.END)
    return _tables


def _scanner(pattern: str):
    """source -> its tokens: the generated expression's matches, or for a short ASCII program the
    same tokens from small_scanner (no ``re`` at start-up) while it follows the same expression."""
    from . import small_scanner

    compiled = None

    def scan(source: str):
        nonlocal compiled
        if hand and len(source) <= small_scanner.MAX_LENGTH and source.isascii():
            return small_scanner.scan(source, _OTHER, _EOF)
        if compiled is None:
            import re

            # Every character belongs to some match, so a gap in the terminals shows as _OTHER, and
            # the empty match at the end of the text stands for the end of input.
            # small_scanner.FAST_PATTERN finds the same matches as the tables' expression it copies, sooner.
            terminals = small_scanner.FAST_PATTERN if hand else pattern
            compiled = re.compile(f"{terminals}|(?P<{_OTHER}>(?s:.))|(?P<{_EOF}>\\Z)").finditer
        return compiled(source)

    hand = pattern == small_scanner.PATTERN
    return scan


def _rule_gotos(tables) -> list:
    """For each rule, its nonterminal's gotos: state below -> lookahead -> the state to go to."""
    gotos = tables[1]
    return [gotos[spec[0]] for spec in tables[2]]


def _drive(tables, source: str, builder, progress=None) -> list:
    """LALR(1) over ``source`` with the builder's callbacks, exactly as Lark would call them.
    ``progress(fraction)``, if given, is called every few thousand tokens (between two batches, so
    that the loop counts nothing per token).

    The most frequent reductions of a big program (a binary operator, a negation, a name, a number,
    a parenthesis, a call of a function of one or two numbers and its arguments) are written out in
    the loop for the parser's own builder: they add the node to the graph's columns as its callback
    would, and hand anything unusual (a name seen first, a number too large or zero, a signed
    number, another call) to that callback.  A syntax error is only ever a refusal (_Unparsable):
    Lark parses the text again to word it."""
    table, gotos, rule_specs, scan, keyword_states, ignore, start, end = tables
    inline = isinstance(builder, _Builder)
    rules = []
    for (lhs, size, kind, method, include, nones_after, expand1), lhs_goto in zip(rule_specs,
                                                                                   _rule_gotos(tables)):
        fn = getattr(builder, method, None)
        if fn is None and kind != _SPLICE:
            fn = _no_callback
        # A rule that hands all its children to its callback is told apart by size in the loop.
        loop_kind = (_ONE if size == 1 else _SOME) if kind == _ALL else kind
        if inline and kind == _ALL:
            loop_kind = _INLINE.get((method, size), loop_kind)
        elif (size, kind, include, nones_after) == (2, _SPLICE, ((1, False, 0),), 0):
            loop_kind = _SECOND_ALONE  # a separator and an item: the item, in a list
        elif (size, kind, include, nones_after, expand1) == (2, _FILTER, ((0, False, 0), (1, True, 0)), 0, False):
            loop_kind = _FIRST_AND_REST  # an item and a list of more: all of them, to the callback
        rules.append((size, loop_kind, fn, lhs_goto, (include, nones_after, expand1)))
    rules.reverse()  # rules[code] for a reduce code (-1 - rule number): no arithmetic in the loop
    # Terminals the loop must look at before shifting: the rest are shifted as they come.
    special = set(ignore) | {"LPAR", "RPAR", "_SEP", _OTHER, _EOF}
    if inline:  # the graph's columns, appended to as Graph.add would
        g = builder.g
        ops = g.op
        add_op, add_args, add_payload, add_name, add_start, add_end = (
            ops.append, g.args.append, g.payload.append, g.name.append, g.start.append, g.end.append)
        bound_to = builder.env.get
        binary, one_argument, two_arguments = _BINARY, _ONE_ARGUMENT, _TWO_ARGUMENTS
    states = [start]
    values: list = []
    push_state, push_value, pop_value = states.append, values.append, values.pop
    depth = 0  # open parentheses: a newline inside them continues the statement
    state = start
    n = len(source) or 1
    tokens = scan(source)
    try:
        while True:  # the tokens in batches, with the progress said between two
            m = None
            for m in islice(tokens, _PROGRESS_EVERY):
                kind = m.lastgroup
                if kind in special:
                    if kind == "LPAR":
                        depth += 1
                    elif kind == "RPAR":
                        if depth:
                            depth -= 1
                    elif kind in ignore:
                        continue
                    elif kind == "_SEP":
                        if depth and m.group() != ";":
                            continue
                    elif kind == _OTHER:
                        raise _Unparsable
                elif kind == "NAME" and state in keyword_states:
                    kind = keyword_states[state].get(m.group(), kind)
                code = table[state][kind]
                while code < 0:
                    size, rkind, fn, lhs_goto, shape = rules[code]
                    if rkind is _BINOP:  # left, operator, right -> (node, start, end)
                        right = pop_value()
                        op = pop_value()[0]
                        left = values[-1]
                        if op == "@":
                            g.tensor = True
                        node = len(ops)
                        s = left[1]
                        e = right[2]
                        add_op(binary[op])
                        add_args((left[0], right[0]))
                        add_payload(None)
                        add_name(None)
                        add_start(s)
                        add_end(e)
                        values[-1] = (node, s, e)
                        del states[-3:]
                    elif rkind is _NAME:
                        tok = values[-1]
                        node = bound_to(tok[0])
                        if node is None:  # an input seen first, or a constant
                            values[-1] = fn([tok])
                        else:
                            s, e = tok.span()
                            values[-1] = (node, s, e)
                        del states[-1]
                    elif rkind is _NUMBER:
                        tok = values[-1]
                        x = float(tok[0])
                        if x and x - x == 0.0:  # neither zero (perhaps an underflow) nor too large
                            node = len(ops)
                            s, e = tok.span()
                            add_op("const")
                            add_args(())
                            add_payload(x)
                            add_name(None)
                            add_start(s)
                            add_end(e)
                            values[-1] = (node, s, e)
                        else:
                            values[-1] = fn([tok])
                        del states[-1]
                    elif rkind is _PAREN:
                        e = pop_value().end()
                        inner = pop_value()
                        values[-1] = (inner[0], values[-1].start(), e)
                        del states[-3:]
                    elif rkind is _CALL:  # name ( args ): a function of one or two numbers here, the rest in call()
                        rpar = pop_value()
                        args = pop_value()
                        tok = values[-2]
                        fname = tok[0]
                        if len(args) == 1:
                            inputs = (args[0][0],) if fname in one_argument else None
                        elif len(args) == 2:
                            inputs = (args[0][0], args[1][0]) if fname in two_arguments else None
                        else:
                            inputs = None
                        if inputs is not None:
                            del values[-1]
                            node = len(ops)
                            s = tok.start()
                            e = rpar.end()
                            add_op(fname)
                            add_args(inputs)
                            add_payload(None)
                            add_name(None)
                            add_start(s)
                            add_end(e)
                            values[-1] = (node, s, e)
                        else:
                            lpar = pop_value()
                            values[-1] = fn([tok, lpar, args, rpar])
                        del states[-4:]
                    elif rkind is _ARGS:
                        values[-1] = [values[-1]]
                        del states[-1]
                    elif rkind is _UNOP:  # - operand: a negation here; a signed number and + in unop()
                        operand = pop_value()
                        tok = values[-1]
                        node = operand[0]
                        if tok[0] == "-" and (node != len(ops) - 1 or ops[node] != "const"):
                            neg = len(ops)
                            s = tok.start()
                            e = operand[2]
                            add_op("neg")
                            add_args((node,))
                            add_payload(None)
                            add_name(None)
                            add_start(s)
                            add_end(e)
                            values[-1] = (neg, s, e)
                        else:
                            values[-1] = fn([tok, operand])
                        del states[-2:]
                    elif rkind is _ONE:
                        values[-1] = fn([values[-1]])
                        del states[-1]
                    elif rkind is _SECOND_ALONE:
                        values[-2:] = ([values[-1]],)
                        del states[-2:]
                    elif rkind is _FIRST_AND_REST:
                        rest = pop_value()
                        values[-1] = fn([values[-1], *rest])
                        del states[-2:]
                    elif rkind is _SOME:
                        value = fn(values[-size:])
                        del states[-size:]
                        values[-size:] = (value,)
                    else:
                        if size:
                            children = values[-size:]
                            del values[-size:]
                            del states[-size:]
                        else:
                            children = []
                        push_value(_shape(rkind, fn, children, *shape))
                    state = lhs_goto[states[-1]][kind]
                    push_state(state)
                    code = table[state][kind]  # after the start rule: a KeyError, seen below
                push_state(code)
                state = code
                push_value(m)
            if m is None:
                break  # pragma: no cover - the scanner always ends with the end of input
            if progress is not None:
                progress(m.end() / n)
    except KeyError:  # no action for this terminal in this state: a syntax error, or the end
        if state == end and kind == _EOF:  # the start rule reduced at the end of input: accept
            return values[-1]
        raise _Unparsable from None
    raise _Unparsable  # pragma: no cover - the scanner always ends with the end of input


#: rules the loop runs inline for the parser's builder: (callback, children) -> the loop's kind
_BINOP, _UNOP, _NAME, _NUMBER, _PAREN, _CALL, _ARGS = "binop", "unop", "name", "number", "paren", "call", "args"
#: and two of Lark's list-building shapes (``args: expr ("," expr)*``), by their children
_SECOND_ALONE, _FIRST_AND_REST = "second alone", "first and rest"
_INLINE = {("binop", 3): _BINOP, ("unop", 2): _UNOP, ("name", 1): _NAME, ("number", 1): _NUMBER, ("paren", 3): _PAREN,
           ("call", 4): _CALL, ("args", 1): _ARGS}


_PROGRESS_EVERY = 16384  # tokens


def _shape(kind, fn, children, include, nones_after, expand1):
    """Lark's child filter: drop filtered tokens, splice _rules, add None for a missing [item]."""
    if kind == _PASS:
        return children[0]
    filtered: list = []
    for i, splice, nones in include:
        if nones:
            filtered += [None] * nones
        if splice:
            if filtered:
                filtered += children[i]
            else:
                filtered = children[i]
        else:
            filtered.append(children[i])
    if nones_after:
        filtered += [None] * nones_after
    if kind == _SPLICE:
        return filtered
    if expand1 and len(filtered) == 1:
        return filtered[0]
    return fn(filtered)


def _no_callback(children):
    raise _Unparsable  # Lark would build a tree here; let it


def parse(source: str, origin: str = "", bound: Iterable[str] = (),
          output: Optional[str] = None, progress=None) -> Graph:
    """Parse a program into a graph.  ``bound`` are names given values from outside (--at), which
    shadow the constants pi and e.  ``output`` picks the output by name (default: the last statement).
    ``progress(fraction)`` is called now and then while a big input is parsed."""
    g, statements = _statements(source, origin, bound, progress)
    _choose_output(g, statements, output, _builder.env, origin)
    return g


def parse_statements(source: str, origin: str = "", bound: Iterable[str] = ()) -> tuple:
    """The graph and the program's statements in order, with no output chosen.  An assignment is
    ``("=", name, node, start, rhs node, operator)`` (operator "=", "+=", ...); an input line is
    ``("input",)``; a bare expression is ``(node, start, end)``."""
    g, statements = _statements(source, origin, bound, None)
    g.bindings = dict(_builder.env)
    return g, [s for s in statements if s is not None]


def _statements(source: str, origin: str, bound: Iterable[str], progress) -> tuple:
    tables = _load_tables()
    statements = None
    try:
        if tables:
            _builder.reset(source, origin, bound)
            try:
                statements = _drive(tables, source, _builder, progress)
            except _Unparsable:
                statements = None
        if statements is None:
            statements = _parse_with_lark(source, origin, bound)
        return _builder.g, statements
    finally:  # don't keep a big graph (or its columns, in add) alive in the module, even after an error
        _builder.g = _builder.add = None


#: set by tests: fail instead of quietly letting Lark parse what the fast driver refused
STRICT = False


def _parse_with_lark(source: str, origin: str, bound: Iterable[str]) -> list:
    from lark import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    lark = _parser()
    _builder.reset(source, origin, bound)
    try:
        statements = lark.parse(source)
    except UnexpectedCharacters as e:
        raise _unexpected_character(source, e.pos_in_stream, origin) from None
    except UnexpectedToken as e:
        raise _unexpected_token(source, e, origin) from None
    except UnexpectedInput as e:  # pragma: no cover - LALR raises the two above
        raise SourceError("cannot parse this", source, getattr(e, "pos_in_stream", 0) or 0,
                          origin=origin) from None
    if STRICT and _tables:
        raise AssertionError(f"the fast parser refused what Lark parses: {source[:200]!r}")
    return statements


def _choose_output(g: Graph, statements, output: Optional[str], env: dict, origin: str) -> None:
    g.bindings = dict(env)
    last = statements[-1] if statements else None
    if output == "f" and "f" not in env and last is not None and last[0] not in ("input", "="):
        output = None  # --of f: the unnamed output, which is called f
    if output is not None:
        if output not in env:
            names = [n for n in env]
            close = nearest(output, names)
            raise InputError(f"--of {output}: the program has no name '{output}'",
                             (f"Did you mean '{close}'? " if close else "") +
                             ("Names in the program: " + listing(names) + "." if names else
                              "The program names no values; its output is f."))
        g.output, g.output_name = env[output], output
        return
    if last is None or not len(g):
        raise InputError(f"{origin or 'the expression'} is empty: nothing to evaluate",
                         "Give an expression such as \"(x+y)*z\".")
    if last[0] == "input":
        raise InputError(f"{origin or 'the program'} ends with an 'input' line: "
                         "the last statement should be the expression to evaluate")
    if last[0] == "=":
        g.output, g.output_name = last[2], last[1]
    else:
        # An unnamed output is called f, as in the lecture, unless the program uses that name.
        g.output = last[0]
        g.output_name = "f" if "f" not in env else g.label(last[0])


#: maths symbols pasted from a PDF or a slide that the language spells otherwise (normalize.py turns
#: the ones with one meaning, − × ÷ ², into the language before parsing)
_PASTED = {"√": "Write the square root as sqrt(x).", "π": "Write π as pi.", "∑": "Write a sum as sum(X).",
           "∞": "Write infinity as a number; with --allow-nonfinite, 1/0 is inf.",
           "\\": "LaTeX is not part of the language: write * for \\cdot, sqrt(x) for \\sqrt{x}, exp(x) "
                   "for e^{x}."}


def _pasted_maths(source: str, pos: int):
    """A hint for a maths symbol pasted into an expression, or None."""
    import unicodedata

    ch = source[pos]
    if ch in _PASTED:
        return _PASTED[ch]
    if ch in "“”‘’":
        return "Curly quotes came with the text: quote the expression with straight quotes ' or \", or none."
    name = unicodedata.name(ch, "")
    if name.startswith(("SUBSCRIPT ", "SUPERSCRIPT ")) and unicodedata.digit(ch, None) is not None:
        digit = unicodedata.digit(ch)
        before = source[pos - 1] if pos and (source[pos - 1].isascii() and source[pos - 1].isalnum()) else "x"
        return (f"Write {before}{digit} for {before}{ch} (names are letters, digits and _)." if name.startswith("SUBSCRIPT")
                else f"Write a power with ^: {before}^{digit} for {before}{ch}.")
    if name.startswith("GREEK ") and " LETTER " in name:
        word = name.rsplit(" ", 1)[-1].lower()
        if word == "sigma" and source[pos + 1:pos + 2] == "(":
            return "Write the sigmoid σ(x) as sigmoid(x)."
        return f"Names are ASCII letters, digits and _: write {word} for {ch}."
    return None


def _unexpected_character(source: str, pos: int, origin: str) -> SourceError:
    ch = source[pos]
    if ch == "\x00":
        what = "a NUL byte"
    elif ch.isprintable():
        what = f"character '{ch}'"
    else:
        what = f"character {ch!r}"
    hint = _pasted_maths(source, pos)
    if hint is not None:
        pass
    elif ch in "=<>!≤≥≠":
        hint = "Comparisons are not part of the language; '=' only assigns a name at the start of a statement."
    elif ch == "{":
        hint = "Group with round parentheses: ( ); brackets [ ] make vectors and matrices."
    else:
        hint = ("Expressions use numbers, names, + - * / ^ **, parentheses and calls such as exp(x); "
                "'#' starts a comment.")
    return SourceError(f"unexpected {what}", source, pos, pos + 1, origin, hint)


def _unexpected_token(source: str, e, origin: str) -> SourceError:
    tok = e.token
    expected = set(e.expected)
    if tok.type == "$END":
        opens, brackets = _postlex.opens, _postlex.brackets
        if brackets and (not opens or brackets[-1] > opens[-1]):
            return SourceError("this '[' is never closed", source, brackets[-1], brackets[-1] + 1, origin,
                               "Add the missing ']'.")
        if opens:
            return SourceError("this '(' is never closed", source, opens[-1], opens[-1] + 1, origin,
                               "Add the missing ')'.")
        pos = len(source.rstrip())
        return SourceError("the expression ends too early", source, max(pos - 1, 0), pos, origin,
                           "Expected " + _words(expected) + ".")
    pos = tok.start_pos
    end = tok.end_pos
    if tok.type == "_SEP":
        what = "end of line" if tok.value != ";" else "';'"
    else:
        what = f"'{tok.value}'" if len(tok.value) <= 20 else f"'{tok.value[:20]}…'"
    if tok.type == "RPAR" and "RPAR" not in expected and "RSQB" in expected and _postlex.brackets:
        at = _postlex.brackets[-1]
        return SourceError("this '[' is never closed", source, at, at + 1, origin, "Add the missing ']' before ')'.")
    if tok.type == "RPAR" and not _postlex.opens and "RPAR" not in expected:
        return SourceError("this ')' has no matching '('", source, pos, end, origin)
    if {"NUMBER", "NAME", "LPAR"} <= expected:
        hint = "Expected an expression here (a number, a name, a call or '(')."
    elif tok.type in ("NAME", "NUMBER", "LPAR") and "MULOP" in expected:
        hint = "Expected an operator here; to multiply, write '*' (2*x, not 2x)."
    else:
        hint = "Expected " + _words(expected) + "."
    return SourceError(f"unexpected {what}", source, pos, end, origin, hint)


def _words(expected: set) -> str:
    words = sorted({_TERMINAL_WORDS.get(t, t.lower()) for t in expected})
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)
