"""Generate ``tables.py`` from ``grammar/backprop.lark`` with Lark (run by hand after editing the grammar).

    python -m backprop_cli.language.tablegen          # rewrite backprop_cli/language/tables.py
    python -m backprop_cli.language.tablegen --check  # exit 1 if the committed tables are out of date

The grammar stays the source of truth: Lark computes the LALR(1) table, its lexer's terminals as one
regular expression (a new terminal in the grammar is a new group in it) with the keyword rule (a NAME
spelled ``input`` is the INPUT keyword only where INPUT may come next) and the tree-shaping of every rule (filtered tokens, ``?rule`` inlining,
``_rule`` splicing, ``[x]`` placeholders).  This module writes those facts down as plain data, so
that ``parser.py`` can parse without importing Lark at all.  States are renumbered canonically
(breadth first from the start state), so the output depends only on the grammar: every Lark version
that pyproject.toml allows writes the same tables (tools/lark_versions.py checks each one).
"""

from __future__ import annotations

import pprint
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLES = HERE / "tables.py"


def _lark_parser(grammar: str):
    from lark import Lark

    from .parser import _Continuation

    return Lark(grammar, parser="lalr", lexer="contextual", postlex=_Continuation(), start="start",
                maybe_placeholders=True)


def _include(rule) -> tuple:
    """Lark's child filter for a rule: (position, splice?, Nones before) per kept child, Nones after."""
    empty = rule.options.empty_indices
    if empty:
        s = "".join(str(int(b)) for b in empty)
        nones = [len(ones) for ones in s.split("0")]
    else:
        nones = [0] * (len(rule.expansion) + 1)
    include = []
    pending = 0
    for i, sym in enumerate(rule.expansion):
        pending += nones[i]
        if rule.options.keep_all_tokens or not (sym.is_term and sym.filter_out):
            include.append((i, (not sym.is_term) and sym.name.startswith("_"), pending))
            pending = 0
    pending += nones[len(rule.expansion)]
    return tuple(include), pending


def generate(grammar_file: Path) -> str:
    import lark
    from lark.parsers.lalr_analysis import Shift

    grammar = grammar_file.read_text(encoding="utf-8")
    parser = _lark_parser(grammar)
    frontend = parser.parser
    table = frontend.parser.parser.parse_table
    contextual = frontend.lexer.lexer  # PostLexConnector(ContextualLexer, _Continuation)
    start = table.start_states["start"]
    end = table.end_states["start"]

    # Canonical state numbers: breadth first from the start state, symbols in sorted order.
    order = [start]
    number = {start: 0}
    k = 0
    while k < len(order):
        for sym, (action, arg) in sorted(table.states[order[k]].items()):
            if action is Shift and arg not in number:
                number[arg] = len(order)
                order.append(arg)
        k += 1
    assert len(order) == len(table.states), "unreachable LALR states"

    rules = sorted(parser.rules, key=lambda r: (r.origin.name, [s.name for s in r.expansion], r.alias or ""))
    rule_number = {rule: n for n, rule in enumerate(rules)}

    states = []
    for old in order:
        row = {}
        for sym, (action, arg) in sorted(table.states[old].items()):
            row[str(sym)] = number[arg] if action is Shift else -1 - rule_number[arg]
        states.append(row)

    rule_rows = []
    for rule in rules:
        include, nones_after = _include(rule)
        expand1 = bool(rule.options.expand1 and not rule.alias)
        method = str(rule.alias or rule.origin.name)
        size = len(rule.expansion)
        if expand1 and size == 1 and include == ((0, False, 0),) and not nones_after:
            kind = "pass"  # ?rule with one child: the child's value is the rule's value
        elif method.startswith("_"):
            kind = "splice"  # an inlined _rule: its children go into the parent's list
        elif size and include == tuple((i, False, 0) for i in range(size)) and not nones_after and not expand1:
            kind = "all"  # the callback gets every child, in order
        else:
            kind = "filter"
        rule_rows.append((str(rule.origin.name), size, kind, str(method), include, nones_after, expand1))

    # Unit reductions (``?sum: product``) only relabel the value on top of the stack, and the state they
    # lead to depends only on the state below it, the nonterminal just reduced and the lookahead.  So
    # GOTO[state][nonterminal][lookahead] is where a whole chain of them ends, and the parser never
    # performs them one by one.
    passes = {-1 - n for n, row in enumerate(rule_rows) if row[2] == "pass"}
    terminals = sorted({sym for row in states for sym in row if not sym[0].islower() and sym[0] != "_"}
                       | {sym for row in states for sym in row if sym.startswith("_") and sym.isupper()})
    end_state = number[end]
    gotos: dict = {}
    for below, row in enumerate(states):
        for sym, target in row.items():
            if sym in terminals:
                continue
            by_lookahead = {}
            for t in terminals:
                state = target
                while states[state].get(t) in passes:
                    state = row[rule_rows[-1 - states[state][t]][0]]
                if t in states[state] or state == end_state:
                    by_lookahead[t] = state
            gotos.setdefault(sym, {})[below] = by_lookahead
    states = [{sym: code for sym, code in row.items() if sym in terminals} for row in states]

    # One regular expression for every terminal, in the order Lark's lexers try them.  Each state's
    # contextual lexer tries a subset of these in the same order, so where this one matches a terminal
    # the state accepts, that lexer matches the same text; where it matches one the state does not
    # accept, the parser stops and Lark words the error.
    root = contextual.root_lexer
    assert len(root.scanner._mres) == 1, "more than 100 terminals: split the lexer regex"
    assert root.scanner._mres[0].flags & ~32 == 0, "regex flags are not supported"  # 32: re.UNICODE
    keywords = {}
    for name, callback in sorted(root.callback.items()):
        assert type(callback).__name__ == "UnlessCallback", callback
        keywords[name] = {t.pattern.value: t.name for t in callback.scanner.terminals}
    scanner = (root.scanner._mres[0].pattern, keywords)
    ignore = tuple(sorted(contextual.lexers[start].ignore_types))

    def fmt(value) -> str:
        return pprint.pformat(value, width=110, sort_dicts=True)

    return (
        '"""LALR(1) tables for grammar/backprop.lark, written by ``python -m backprop_cli.language.tablegen``.  Do not edit.\n\n'
        "TABLE[state] maps a terminal to a code: >= 0 shift to that state; < 0 reduce by rule -code-1.\n"
        "GOTO[nonterminal][state][lookahead]: the state after reducing to nonterminal over state, past any\n"
        "unit reductions (?rule: one child) that lookahead leads to.\n"
        "RULES[r] = (lhs, size, kind, callback, include, nones_after, expand1): how a reduction shapes its\n"
        "children, as Lark's tree builder does.  SCANNER = (regex, keyword map): every terminal in one\n"
        'regular expression, tried in the order of Lark\'s lexers, and the names that are keywords.\n"""\n\n'
        f"LARK_VERSION = {lark.__version__!r}\n"
        f"GRAMMAR = {grammar!r}\n"
        f"START = {number[start]}\n"
        f"END = {number[end]}\n"
        f"IGNORE = {ignore!r}\n"
        f"TABLE = {fmt(states)}\n"
        f"GOTO = {fmt(gotos)}\n"
        f"RULES = {fmt(rule_rows)}\n"
        f"SCANNER = {fmt(scanner)}\n"
    )


def same_tables(a: str, b: str) -> bool:
    """Whether two generated files hold the same tables (the Lark version that wrote them aside)."""
    def tables(text: str) -> list:
        return [line for line in text.splitlines() if not line.startswith("LARK_VERSION = ")]

    return tables(a) == tables(b)


def main(argv=None) -> int:
    from .parser import grammar_path

    argv = sys.argv[1:] if argv is None else argv
    text = generate(grammar_path())
    if "--check" in argv:
        current = TABLES.read_text(encoding="utf-8") if TABLES.exists() else ""
        if not same_tables(current, text):
            print(f"{TABLES} is out of date: run python -m backprop_cli.language.tablegen", file=sys.stderr)
            return 1
        return 0
    TABLES.write_text(text, encoding="utf-8")
    print(f"wrote {TABLES}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
