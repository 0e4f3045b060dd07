"""Generate ``tables.py`` from ``grammar/backprop.lark`` with Lark (run by hand after editing the grammar).

    python -m backprop_cli.language.tablegen          # rewrite backprop_cli/language/tables.py
    python -m backprop_cli.language.tablegen --check  # exit 1 if the committed tables are out of date

The grammar stays the source of truth.  Lark compiles it (through its public interface: the rules
and terminals a ``Lark`` object holds, each rule's options); this module computes from them the
LALR(1) table (``_lalr_table``: the same table Lark's own analysis builds, shift preferred on a
conflict as Lark does), the lexer's terminals as one regular expression in the order Lark's lexers
try them (a new terminal in the grammar is a new group in it) with the keyword rule (a NAME spelled
``input`` is the INPUT keyword only where INPUT may come next), and the tree-shaping of every rule
(filtered tokens, ``?rule`` inlining, ``_rule`` splicing, ``[x]`` placeholders).  It writes those
facts down as plain data, so that ``parser.py`` can parse without importing Lark at all.  No parser
or lexer internals of Lark are read, so Lark's releases can change them freely.  States are
renumbered canonically (breadth first from the start state), so the output depends only on the
grammar: every Lark version writes the same tables (tools/lark_versions.py checks a list of them;
tests/test_fast_parser.py regenerates them with the installed one).
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


ROOT, END_TERMINAL = "$root_start", "$END"
SHIFT, REDUCE = "shift", "reduce"


def _lalr_table(rules: list, start: str) -> tuple:
    """The LALR(1) parse table of ``rules`` (Lark's compiled rules), built here from the rules alone:
    (states, start state, end state), each state a dict symbol -> (SHIFT, state) or (REDUCE, rule).

    LR(0) item sets over the rules plus ``$root: start`` (followed by $END), then LALR(1) lookaheads by the
    propagation method (each kernel item's closure with a dummy lookahead '#': a real lookahead there
    is generated spontaneously, '#' propagates).  A shift/reduce conflict resolves as shift, as Lark
    does; a reduce/reduce conflict is an error.  The end state is the one after ``start``."""
    root = ("$root", (start,))
    productions = [root] + [(r.origin.name, tuple(s.name for s in r.expansion)) for r in rules]
    by_origin: dict = {}
    for k, (lhs, _) in enumerate(productions):
        by_origin.setdefault(lhs, []).append(k)
    nonterminals = set(by_origin)

    nullable: set = set()
    first: dict = {n: set() for n in nonterminals}
    changed = True
    while changed:
        changed = False
        for lhs, rhs in productions:
            if lhs not in nullable and all(s in nullable for s in rhs):
                nullable.add(lhs)
                changed = True
            for sym in rhs:
                new = first[sym] if sym in nonterminals else {sym}
                if not new <= first[lhs]:
                    first[lhs] |= new
                    changed = True
                if sym not in nullable:
                    break

    def first_of(symbols) -> tuple:
        """FIRST of a symbol string, and whether all of it can be empty."""
        out: set = set()
        for sym in symbols:
            if sym not in nonterminals:
                out.add(sym)
                return out, False
            out |= first[sym]
            if sym not in nullable:
                return out, False
        return out, True

    def closure0(items) -> frozenset:
        result, todo = set(items), list(items)
        while todo:
            p, dot = todo.pop()
            rhs = productions[p][1]
            if dot < len(rhs) and rhs[dot] in nonterminals:
                for q in by_origin[rhs[dot]]:
                    if (q, 0) not in result:
                        result.add((q, 0))
                        todo.append((q, 0))
        return frozenset(result)

    kernels = [frozenset({(0, 0)})]
    index = {kernels[0]: 0}
    transitions: list = []
    k = 0
    while k < len(kernels):
        moves: dict = {}
        for p, dot in closure0(kernels[k]):
            rhs = productions[p][1]
            if dot < len(rhs):
                moves.setdefault(rhs[dot], set()).add((p, dot + 1))
        row = {}
        for sym, kernel in moves.items():
            kernel = frozenset(kernel)
            if kernel not in index:
                index[kernel] = len(kernels)
                kernels.append(kernel)
            row[sym] = index[kernel]
        transitions.append(row)
        k += 1

    def closure1(item, lookahead) -> set:
        result, todo = {(item, lookahead)}, [(item, lookahead)]
        while todo:
            (p, dot), a = todo.pop()
            rhs = productions[p][1]
            if dot < len(rhs) and rhs[dot] in nonterminals:
                follow, empty = first_of(rhs[dot + 1:])
                if empty:
                    follow = follow | {a}
                for q in by_origin[rhs[dot]]:
                    for b in follow:
                        if ((q, 0), b) not in result:
                            result.add(((q, 0), b))
                            todo.append(((q, 0), b))
        return result

    lookaheads = {(s, item): set() for s, kernel in enumerate(kernels) for item in kernel}
    lookaheads[(0, (0, 0))].add(END_TERMINAL)  # what follows the whole program
    propagate: dict = {}
    for s, kernel in enumerate(kernels):
        for item in kernel:
            for (p, dot), a in closure1(item, "#"):
                rhs = productions[p][1]
                if dot == len(rhs):
                    continue
                target = (transitions[s][rhs[dot]], (p, dot + 1))
                if a == "#":
                    propagate.setdefault((s, item), set()).add(target)
                else:
                    lookaheads[target].add(a)
    changed = True
    while changed:
        changed = False
        for source, targets in propagate.items():
            for target in targets:
                if not lookaheads[source] <= lookaheads[target]:
                    lookaheads[target] |= lookaheads[source]
                    changed = True

    states = []
    end = None
    for s, kernel in enumerate(kernels):
        actions = {sym: (SHIFT, target) for sym, target in transitions[s].items()}
        reductions: dict = {}
        for item in kernel:
            for (p, dot), a in closure1(item, "#"):
                if dot != len(productions[p][1]):
                    continue
                if p == 0:
                    end = s
                    continue
                for b in (lookaheads[(s, item)] if a == "#" else {a}):
                    reductions.setdefault(b, set()).add(p)
        for la, ps in reductions.items():
            if len(ps) > 1:
                raise ValueError(f"reduce/reduce conflict on {la} between rules "
                                 f"{', '.join(str(rules[p - 1]) for p in sorted(ps))}")
            if la not in actions:  # shift/reduce: shift, as Lark resolves it
                actions[la] = (REDUCE, rules[ps.pop() - 1])
        states.append(actions)
    assert end is not None
    return states, 0, end


def _scanner(terminals: list, ignore: tuple) -> tuple:
    """Every terminal in one regular expression, in the order Lark's lexers try them (priority, then
    the longest possible match, then the pattern's length, then the name), and the keywords: string
    terminals that a regular-expression terminal of the same priority matches whole (``input`` for
    NAME) are left out of the expression and looked up after a match, as Lark's lexer does."""
    import re

    terminals = sorted(terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
    keywords: dict = {}
    embedded = set()
    for retok in terminals:
        if retok.pattern.type != "re":
            continue
        unless = {}
        for strtok in terminals:
            if strtok.pattern.type != "str" or strtok.priority != retok.priority:
                continue
            word = strtok.pattern.value
            m = re.match(retok.pattern.to_regexp(), word)
            if m and m.group(0) == word:
                unless[word] = strtok.name
                if strtok.pattern.flags <= retok.pattern.flags:
                    embedded.add(strtok.name)
        if unless:
            keywords[retok.name] = unless
    kept = [t for t in terminals if t.name not in embedded]
    assert len(kept) <= 100, "more than 100 terminals: split the lexer regex"
    assert all(not t.pattern.flags for t in kept), "regex flags are not supported"
    regex = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in kept)
    return (regex, keywords)


def generate(grammar_file: Path) -> str:
    import lark

    grammar = grammar_file.read_text(encoding="utf-8")
    parser = _lark_parser(grammar)
    # Lark's public view of the compiled grammar (its rules and terminals) is all that is used: the
    # table and the scanner are built here, so no Lark internals, and no pin on Lark's layout.
    lalr, start, end = _lalr_table(parser.rules, "start")
    ignore = tuple(sorted(parser.ignore_tokens))

    # Canonical state numbers: breadth first from the start state, symbols in sorted order.
    order = [start]
    number = {start: 0}
    k = 0
    while k < len(order):
        for sym, (action, arg) in sorted(lalr[order[k]].items()):
            if action == SHIFT and arg not in number:
                number[arg] = len(order)
                order.append(arg)
        k += 1
    assert len(order) == len(lalr), "unreachable LALR states"

    rules = sorted(parser.rules, key=lambda r: (r.origin.name, [s.name for s in r.expansion], r.alias or ""))
    rule_number = {rule: n for n, rule in enumerate(rules)}

    states = []
    for old in order:
        row = {}
        for sym, (action, arg) in sorted(lalr[old].items()):
            row[str(sym)] = number[arg] if action == SHIFT else -1 - rule_number[arg]
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
    scanner = _scanner(list(parser.terminals), ignore)

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
