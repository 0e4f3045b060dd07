"""The scanner for a short ASCII program, without the ``re`` module.

Importing ``re`` (and the enum, functools and collections modules it needs) and compiling the
terminals' expression is about a fifth of a one-line ``backprop eval``'s start-up.  For a program of
a few kilobytes of ASCII, this loop finds the same tokens as the generated expression
(``tables.SCANNER``, tried in the same order, with the parser's "any other character" and "end of
input" groups); anything longer, or not ASCII, is scanned by the expression.  ``PATTERN`` is the
expression this loop was written for: when the grammar's terminals change, the tables' expression
differs and the parser stops using this loop (tests/test_fast_parser.py compares the two scanners
on random text, and fails until this module follows the grammar).
"""

from __future__ import annotations

PATTERN = ("(?P<FILEREF>@[^\\s;,#()\\[\\]]+\\.(npy|csv|json))|(?P<NUMBER>(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)"
           "|(?P<NAME>[A-Za-z_][A-Za-z_0-9]*)|(?P<__IGNORE_1>[ \t\x0c\r]+)|(?P<COMMENT>#[^\n]*)"
           "|(?P<AUGOP>(?:\\+=|\\-=|\\*=|/=))|(?P<POWOP>(?:\\*\\*|\\^))|(?P<_SEP>(?:\r?\n|;))"
           "|(?P<MULOP>(?:\\*|/|@))|(?P<ADDOP>(?:\\+|\\-))|(?P<COLON>:)|(?P<COMMA>,)|(?P<EQUAL>=)"
           "|(?P<LPAR>\\()|(?P<LSQB>\\[)|(?P<RPAR>\\))|(?P<RSQB>\\])")

#: PATTERN's terminals, the most frequent first.  Two terminals can match at the same place only if
#: they can begin with the same character: '@' (FILEREF, MULOP), '*' (AUGOP, POWOP, MULOP), '/'
#: (AUGOP, MULOP), '+' and '-' (AUGOP, ADDOP), '\r' (blanks, _SEP); those keep PATTERN's order among
#: themselves, so at any position this finds the same match as PATTERN, and the regex engine tries
#: fewer groups first (the scan of a big program 20% sooner).  The parser compiles it only while the
#: tables' expression is PATTERN; tests/test_fast_parser.py checks the order and compares the two.
FAST_PATTERN = ("(?P<LPAR>\\()|(?P<RPAR>\\))|(?P<NAME>[A-Za-z_][A-Za-z_0-9]*)|(?P<COMMA>,)"
                "|(?P<NUMBER>(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)|(?P<__IGNORE_1>[ \t\x0c\r]+)"
                "|(?P<AUGOP>(?:\\+=|\\-=|\\*=|/=))|(?P<POWOP>(?:\\*\\*|\\^))"
                "|(?P<FILEREF>@[^\\s;,#()\\[\\]]+\\.(npy|csv|json))|(?P<MULOP>(?:\\*|/|@))|(?P<ADDOP>(?:\\+|\\-))"
                "|(?P<COMMENT>#[^\n]*)|(?P<_SEP>(?:\r?\n|;))|(?P<COLON>:)|(?P<EQUAL>=)"
                "|(?P<LSQB>\\[)|(?P<RSQB>\\])")

#: the longest program scanned here (characters)
MAX_LENGTH = 4096

_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_REST = _NAME_START | _DIGITS
_BLANK = frozenset(" \t\x0c\r")
_NOT_IN_FILEREF = frozenset(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f;,#()[]")  # \s (as str.isspace) and ;,#()[]
_EXTENSIONS = (".npy", ".csv", ".json")
_SINGLE = {"@": "MULOP", "*": "MULOP", "/": "MULOP", "+": "ADDOP", "-": "ADDOP", ":": "COLON", ",": "COMMA",
           "=": "EQUAL", "(": "LPAR", "[": "LSQB", ")": "RPAR", "]": "RSQB", "^": "POWOP", ";": "_SEP",
           "\n": "_SEP"}


class Match:
    """A token in the likeness of a match of the expression: ``lastgroup``, ``group()``, ``m[0]``,
    ``start()``, ``end()``, ``span()``."""

    __slots__ = ("lastgroup", "_text", "_start", "_end")

    def __init__(self, kind: str, text: str, start: int, end: int) -> None:
        self.lastgroup, self._text, self._start, self._end = kind, text, start, end

    def group(self, group: int = 0) -> str:
        if group != 0:
            raise IndexError(group)
        return self._text

    __getitem__ = group

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def span(self) -> tuple:
        return (self._start, self._end)

    def __repr__(self) -> str:
        return f"Match({self.lastgroup}, {self._text!r}, {self._start}, {self._end})"


def _fileref_end(s: str, i: int, n: int) -> int:
    """End of '@path.ext' at i (the longest, as the greedy expression finds it), or -1."""
    run = i + 1
    while run < n and s[run] not in _NOT_IN_FILEREF:
        run += 1
    for k in range(run - 4, i + 1, -1):  # '.' at k: at least one path character before it
        if s[k] == ".":
            for ext in _EXTENSIONS:
                if s.startswith(ext, k) and k + len(ext) <= run:
                    return k + len(ext)
    return -1


def _number_end(s: str, i: int, n: int) -> int:
    """End of a number at i, or -1: digits[.digits] or .digits, then an optional exponent."""
    j = i
    if s[j] in _DIGITS:
        while j < n and s[j] in _DIGITS:
            j += 1
        if j < n and s[j] == ".":
            j += 1
            while j < n and s[j] in _DIGITS:
                j += 1
    elif s[j] == "." and j + 1 < n and s[j + 1] in _DIGITS:
        j += 1
        while j < n and s[j] in _DIGITS:
            j += 1
    else:
        return -1
    if j < n and s[j] in "eE":
        k = j + 1
        if k < n and s[k] in "+-":
            k += 1
        if k < n and s[k] in _DIGITS:
            while k < n and s[k] in _DIGITS:
                k += 1
            j = k
    return j


def scan(s: str, other: str, eof: str):
    """The tokens of ``s`` (ASCII), as the expression's ``finditer`` gives them, then ``eof``."""
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        j = -1
        kind = None
        if c == "@":
            j = _fileref_end(s, i, n)
            kind = "FILEREF"
        if j < 0 and (c in _DIGITS or c == "."):
            j = _number_end(s, i, n)
            kind = "NUMBER"
        if j < 0:
            if c in _NAME_START:
                j = i + 1
                while j < n and s[j] in _NAME_REST:
                    j += 1
                kind = "NAME"
            elif c in _BLANK:
                j = i + 1
                while j < n and s[j] in _BLANK:
                    j += 1
                kind = "__IGNORE_1"
            elif c == "#":
                j = s.find("\n", i)
                if j < 0:
                    j = n
                kind = "COMMENT"
            elif c in "+-*/" and s.startswith("=", i + 1):
                j, kind = i + 2, "AUGOP"
            elif c == "*" and s.startswith("*", i + 1):
                j, kind = i + 2, "POWOP"
            else:
                j, kind = i + 1, _SINGLE.get(c, other)
        yield Match(kind, s[i:j], i, j)
        i = j
    yield Match(eof, "", n, n)
