"""Better hints for the mistakes of someone writing maths as on paper: |x|, sin x, x,y and f(x) = ...

``improve(error)`` looks at a SourceError's text around its position and, where it recognises one of
these, replaces the hint with the fix in the language's own words.
"""

from __future__ import annotations

import re

_DEFINITION = re.compile(r"[ \t]*([A-Za-z_][A-Za-z_0-9]*)[ \t]*\(([^()\n]*)\)[ \t]*=(?!=)")
_WORD_BEFORE = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)[ \t]+\Z")
_ARGUMENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+")


def improve(error) -> None:
    source = getattr(error, "source", None)
    if source is None or not (0 <= error.start <= len(source)):
        return
    if _unclosed_earlier(error, source):
        return
    pos = error.start
    line_start = source.rfind("\n", 0, pos) + 1
    line_end = source.find("\n", pos)
    line = source[line_start: line_end if line_end >= 0 else len(source)]
    here = source[pos:pos + 1]

    definition = _DEFINITION.match(line)
    if definition:
        name, params = definition.group(1), definition.group(2).strip()
        body = line[definition.end():].strip() or "..."
        error.hint = (f"To define {name}, write {name} = {body}: a statement names a value, and its "
                      f"inputs are the names it uses" + (f" ({params}), given with --at" if params else "")
                      + ".")
        return
    if here == "|":
        inside = re.match(r"\|([^|\n]*)\|", source[pos:])
        example = f"abs({inside.group(1).strip()})" if inside and inside.group(1).strip() else "abs(x)"
        error.hint = f"For an absolute value write {example}: '|' is not part of the language."
        return
    if here == "," and "(" not in line[: pos - line_start]:
        error.hint = ("A ',' only separates a call's arguments, as in max(x, y); write one expression, "
                      "or several statements separated by ';' or new lines.  Input values go in --at "
                      "x=1,y=2.")
        return
    word = _WORD_BEFORE.search(source, line_start, pos)
    argument = _ARGUMENT.match(source, pos)
    if word and argument:
        from ..core.ops import function_names

        fname = word.group(1)
        if fname in function_names():
            error.hint = (f"To apply {fname}, put its argument in parentheses: "
                          f"{fname}({argument.group()}).")


def _open_parens(source: str, end: int) -> list:
    """Positions of the '(' still open at ``end`` (comments skipped)."""
    opens: list = []
    k = 0
    while k < end:
        ch = source[k]
        if ch == "#":
            newline = source.find("\n", k)
            k = end if newline < 0 else newline
            continue
        if ch == "(":
            opens.append(k)
        elif ch == ")" and opens:
            opens.pop()
        k += 1
    return opens


def _unclosed_earlier(error, source: str) -> bool:
    """An error inside a '(' opened on an earlier line: inside parentheses a new line continues the
    statement, so the real mistake is the '(' never closed.  Report it there, as on one line."""
    if len(source) > 1_000_000 or error.message.startswith("this '('"):
        return False
    pos = error.start
    opens = _open_parens(source, min(pos, len(source)))
    if not opens:
        return False
    paren = opens[-1]
    if "\n" not in source[paren:pos]:
        return False
    error.message = "this '(' is never closed"
    error.start, error.end = paren, paren + 1
    line = source.count("\n", 0, pos) + 1
    error.hint = (f"Add the missing ')'.  Inside parentheses a new line continues the statement, so "
                  f"line {line} was read as part of it.")
    return True
