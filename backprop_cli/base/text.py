"""User text in messages and positions in a source: made safe for a terminal, cut short, located."""

from __future__ import annotations

# Characters that must not reach a terminal raw: C0 and C1 controls, bidirectional overrides, lone surrogates.
_MESSAGE_UNSAFE = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_TEXT_UNSAFE = "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def printable(text: str, width: int = 60) -> str:
    """User text made safe to show in a message: control characters (newline too) escaped, cut to ``width``."""
    if len(text) > width:
        text = text[:width - 1] + "…"
    if text.isascii() and text.isprintable():  # the common case, without importing re
        return text
    import re

    if re.search(_TEXT_UNSAFE, text):
        text = re.sub(_TEXT_UNSAFE, lambda m: repr(m.group())[1:-1], text)
    return text


def escape_controls(text: str) -> str:
    """A whole message made safe for a terminal: every control character (but newline and tab),
    the bidirectional overrides and lone surrogates escaped, nothing cut.  The net under every
    message printed (output.report, warnings, click's usage errors), so that user text a message
    forgot to pass through ``printable`` still cannot retitle or clear the terminal."""
    if text.isascii() and text.isprintable():
        return text
    import re

    return re.sub(_MESSAGE_UNSAFE, lambda m: repr(m.group())[1:-1], text)


def line_col(source: str, pos: int) -> tuple:
    """1-based line and column of a character offset."""
    line = source.count("\n", 0, pos) + 1
    col = pos - (source.rfind("\n", 0, pos) + 1) + 1
    return line, col


def nesting(text: str, stops: str = "", opening: str = "([", closing: str = ")]", comment: str = ""):
    """The one bracket-depth scanner: yields (position, character, depth) for every bracket and every
    character of ``stops`` in ``text``, in order; ``depth`` is the nesting there (after an opening
    bracket, before a closing one's effect: "(" at the top yields 1, its ")" yields 0).  From a
    ``comment`` character to the end of its line nothing is yielded.  No recursion and no
    per-character Python loop: only the characters of interest are visited."""
    wanted = set(stops + opening + closing + comment)
    if not wanted:
        return
    pattern = _NESTING.get(wanted_key := "".join(sorted(wanted)))
    if pattern is None:
        import re

        pattern = _NESTING[wanted_key] = re.compile("[" + re.escape(wanted_key) + ("\n" if comment else "") + "]")
    depth = 0
    in_comment = False
    for m in pattern.finditer(text):
        ch = m.group()
        if ch == "\n" and comment and ch not in wanted:
            in_comment = False
            continue
        if in_comment:
            continue
        if comment and ch in comment:
            in_comment = True
            yield m.start(), ch, depth
            continue
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
        yield m.start(), ch, depth


_NESTING: dict = {}


_LONG_WORD = r"\S{201,}"  # compiled (re caches it) when text is long enough to hold such a word


def cut_long_words(text: str, keep: int = 60) -> str:
    """Text with every word of more than 200 characters (a 100,000-digit value echoed back) cut to its
    first ``keep`` characters and its length."""
    if len(text) <= 200:
        return text
    import re

    return re.compile(_LONG_WORD).sub(lambda m: f"{m.group()[:keep]}… ({len(m.group()):,} characters)", text)


class LineIndex:
    """``line_col`` for many offsets of one source: the line starts found once, each lookup a binary
    search (line_col per line of a long program is quadratic in its length)."""

    def __init__(self, source: str) -> None:
        self.starts = [0]
        find = source.find
        k = find("\n")
        while k >= 0:
            self.starts.append(k + 1)
            k = find("\n", k + 1)

    def line_col(self, pos: int) -> tuple:
        from bisect import bisect_right

        line = bisect_right(self.starts, pos)
        return line, pos - self.starts[line - 1] + 1
