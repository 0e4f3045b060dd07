"""Styled lines written straight to a stream: the fast path of the text views (trace, tree, table).

A line is a list of (text, style) pieces.  ``BREAK`` marks where a line too wide for the terminal
may continue on the next one (indented); the pieces between breaks are never split unless one alone
is wider than the line (a long label), and numbers are their own pieces, so a number is never cut.
Colour is written as ANSI SGR codes from the pieces' styles: Rich would measure and wrap every line
again (79% of a 100,000-gate trace's time), for the same bytes.
"""

from __future__ import annotations

from itertools import accumulate

from .console import view_width  # noqa: F401 - the one width policy (views import it from here too)

#: a place where a too-wide line may be broken
BREAK = ("", "break")

#: the styles the views use, as SGR parameters
_SGR = {"green": "32", "red": "31", "bold": "1", "italic": "3", "dim": "2", "yellow": "33",
        "bold red": "1;31", "bold green": "1;32", "cyan": "36"}


#: str.translate's table that takes the ASCII characters out
_WITHOUT_ASCII = dict.fromkeys(range(128))
#: columns of each non-ASCII character met so far
_COLUMNS: dict = {}


def cells(text: str) -> int:
    """Terminal columns taken by ``text`` (wide East Asian characters take two, combining marks
    none).  The ASCII characters are counted by length: only the others (a trace's ×, ∂, ←) are
    looked at, each once."""
    if text.isascii():
        return len(text)
    others = text.translate(_WITHOUT_ASCII)
    total = len(text) - len(others)
    for c in others:
        width = _COLUMNS.get(c)
        if width is None:
            from unicodedata import combining, east_asian_width

            width = _COLUMNS[c] = 0 if combining(c) else 2 if east_asian_width(c) in "WF" else 1
        total += width
    return total


def fit(pieces: list, width: int, indent: int = 4) -> list:
    """The line as one or more lines no wider than ``width``, broken at BREAKs (continuations
    indented by ``indent`` columns past the line's own indent).  Pieces: (text, style)."""
    texts = [t for t, _ in pieces]
    joined = "".join(texts)
    ascii_only = joined.isascii()
    if (len(joined) if ascii_only else cells(joined)) <= width:
        return [pieces]  # a BREAK writes nothing: no need to take it out
    return _broken(pieces, texts, ascii_only, width, indent)


def _broken(pieces: list, texts: list, ascii_only: bool, width: int, indent: int) -> list:
    """fit's lines for a line known to be too wide (``texts``: its pieces' texts)."""
    lead = 0
    for text in texts:  # the line's own indent
        stripped = len(text) - len(text.lstrip(" "))
        lead += stripped
        if stripped < len(text):
            break
    pad = " " * min(lead + indent, max(0, width // 3))
    # Segments: runs of pieces between breaks, measured by prefix sums (a trace's long lines have
    # dozens of pieces: each is looked at once).
    before = [0, *accumulate([len(t) if ascii_only or t.isascii() else cells(t) for t in texts])]
    breaks = [k for k, piece in enumerate(pieces) if piece[1] == "break"]
    lines, line, used = [], [], 0
    for start, end in zip([0] + [b + 1 for b in breaks], breaks + [len(pieces)]):
        seg, size = pieces[start:end], before[end] - before[start]
        if line and used + size > width:
            _strip_end(line)
            lines.append(line)
            if seg and seg[0][0].startswith(" "):
                seg = _strip_start(seg)
                size = sum(cells(t) for t, _ in seg)
            line, used = [(pad, None)], len(pad)
        if used + size <= width:
            line.extend(seg)
            used += size
            continue
        for text, style in seg:  # wider than a line by itself
            size = cells(text)
            while used + size > width and style not in ("green", "red"):
                # a label wider than the line: split it (numbers are never split), or, with no room
                # left on this line, go on on the next
                if width - used > 1:
                    head, text = _take(text, width - used)
                    line.append((head, style))
                elif not line or (lines and line == [(pad, None)]):  # nothing on it yet but its pad
                    break
                lines.append(line)
                line, used = [(pad, None)], len(pad)
                size = cells(text)
            line.append((text, style))
            used += size
    _strip_end(line)
    lines.append(line)
    return lines


def _take(text: str, room: int) -> tuple:
    n = 0
    for k, c in enumerate(text):
        n += cells(c)
        if n > room:
            return text[:k], text[k:]
    return text, ""


def _strip_start(seg: list) -> list:
    if seg and seg[0][0].startswith(" "):
        seg = [(seg[0][0].lstrip(" "), seg[0][1]), *seg[1:]]
    return seg


def _strip_end(line: list) -> None:
    while line and not line[-1][0].strip():
        line.pop()
    if line and line[-1][0].endswith(" "):
        line[-1] = (line[-1][0].rstrip(" "), line[-1][1])


def prose(text: str, style=None) -> list:
    """Words that may break between them: ``text`` as pieces with a BREAK before every space run."""
    lead = len(text) - len(text.lstrip(" "))
    words = text[lead:].split(" ")
    pieces = [(" " * lead + words[0], style)]
    for word in words[1:]:
        pieces += [BREAK, (" " + word, style)]
    return pieces


def wrap(text: str, width: int, indent: int = 4) -> list:
    """The one wrapper for plain text: ``text`` as lines no wider than ``width``, broken between
    words (a number is never split), continuations indented ``indent`` past the text's own indent."""
    return [plain(line) for line in fit(prose(text), width, indent)]


def plain(line: list) -> str:
    return "".join(t for t, _ in line)


#: each style's opening escape
_OPEN = {style: f"\x1b[{code}m" for style, code in _SGR.items()}


def ansi(line: list) -> str:
    """The line with each run of one style wrapped in its SGR code (as Rich writes it)."""
    return _ansi_sized(line)[0]


def _ansi_sized(line: list) -> tuple:
    """``ansi(line)`` and the number of characters of its text (its width when it is ASCII)."""
    out = []
    code = None
    size = 0
    for text, style in line:
        if not text:
            continue
        size += len(text)
        new = _OPEN.get(style) if style else None
        if new != code:
            if code:
                out.append("\x1b[0m")
            if new:
                out.append(new)
            code = new
        out.append(text)
    if code:
        out.append("\x1b[0m")
    return "".join(out), size


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns with an ellipsis (labels only: never a number)."""
    if cells(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head, _ = _take(text, width - 1)
    return head + "…"


class Writer:
    """Writes styled lines to a stream, in colour or plain, fitted to a width.

    With ``background``, an output of more than one buffer is written by a thread of its own while
    the lines go on being made: a terminal or a pipe takes its bytes only as fast as its reader, and
    a write waits meanwhile (0.2 s of a 100,000-gate trace on a terminal).  ``flush`` waits for the
    thread; after an error or an interrupt, ``abandon`` drops what it has not written yet."""

    def __init__(self, stream, colour: bool, width: int, background: bool = False) -> None:
        self.stream = stream
        self.colour = colour
        self.width = width
        self.background = background
        self.render = ansi if colour else plain
        self._buffer: list = []
        self._broken: dict = {}  # (a tuple line, indent) -> its lines, fitted and rendered
        self._chunks = self._thread = self._error = None

    def line(self, pieces, indent: int = 4) -> None:
        """Write a line of pieces (a list; a tuple for a line that is given again unchanged, whose
        breaking is remembered)."""
        if self.colour:
            # One pass: the escapes are ASCII, so ASCII output is ASCII text, as wide as its length.
            out, size = _ansi_sized(pieces)
            ascii_only = out.isascii()
            if not ascii_only:
                size = cells("".join([t for t, _ in pieces]))
        else:
            out = "".join([t for t, _ in pieces])
            ascii_only = out.isascii()
            size = len(out) if ascii_only else cells(out)
        if size <= self.width:
            self._buffer.append(out)
        elif type(pieces) is tuple:  # a line given again and again (a gate's rule): broken once
            broken = self._broken.get((pieces, indent))
            if broken is None:
                if len(self._broken) >= 1024:
                    self._broken.clear()
                broken = self._broken[pieces, indent] = self._break(pieces, ascii_only, indent)
            self._buffer += broken
        else:
            self._buffer += self._break(pieces, ascii_only, indent)
        if len(self._buffer) > 2048:
            if self.background and self._thread is None:
                self._start()
            self.flush_buffer()

    def _break(self, pieces, ascii_only: bool, indent: int) -> list:
        render = self.render
        return [render(piece) for piece in _broken(pieces, [t for t, _ in pieces], ascii_only, self.width, indent)]

    def blank(self) -> None:
        self._buffer.append("")

    def flush_buffer(self) -> None:
        if self._buffer:
            text = "\n".join(self._buffer) + "\n"
            self._buffer = []
            if self._thread is None:
                self.stream.write(text)
                return
            self._chunks.put(text)  # waits while two chunks wait
            if self._error is not None:
                self._end()

    def flush(self) -> None:
        self.flush_buffer()
        self._end()
        self.stream.flush()

    def abandon(self) -> None:
        """Drop the lines not written yet and end the background thread (after an error, or Ctrl-C)."""
        self._buffer = []
        if self._thread is not None:
            import queue

            try:
                while True:
                    self._chunks.get_nowait()
            except queue.Empty:
                pass
            self._end(raise_error=False)  # the chunk being written, if any, ends first

    def _start(self) -> None:
        """Hand the writing to a thread when the stream is a terminal or a pipe (a write there waits
        for its reader).  The thread writes the encoded text to the descriptor itself: a thread
        blocked inside the stream would hold its lock, which the main thread's last flush (after
        Ctrl-C, say) would wait for.  A file, or a stream without a descriptor, is written here."""
        import os
        import stat

        try:
            fd = self.stream.fileno()
            mode = os.fstat(fd).st_mode
            encoding, errors = self.stream.encoding, self.stream.errors or "strict"
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
            mode = 0
        if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
            self.background = False
            return
        import queue
        import threading

        self.stream.flush()  # what was written before comes first
        self._chunks = queue.Queue(2)
        self._thread = threading.Thread(target=self._write_chunks, args=(fd, encoding, errors),
                                        name="view-writer", daemon=True)
        self._thread.start()

    def _write_chunks(self, fd: int, encoding: str, errors: str) -> None:
        import os

        while True:
            text = self._chunks.get()
            if text is None:
                return
            if self._error is not None:  # after an error, chunks are taken and dropped
                continue
            try:
                data = memoryview(text.encode(encoding, errors))
                while data:
                    data = data[os.write(fd, data):]
            except BaseException as e:  # given to the main thread: a closed pipe, a full device
                self._error = e

    def _end(self, raise_error: bool = True) -> None:
        """Wait for the background thread to write what it was given, end it, and raise its error.
        After an error or an interrupt (``raise_error`` false), a thread whose reader does not read
        is not waited for long: it is a daemon, and the process may end."""
        if self._thread is not None:
            self._chunks.put(None)
            self._thread.join(None if raise_error else 0.2)
            self._thread = None
        error, self._error = self._error, None
        if error is not None and raise_error:
            raise error


def writer_for(console, background: bool = False) -> Writer:
    """A Writer over a Rich console's stream, with its colour decision and the view width."""
    colour = console.color_system is not None and not console.no_color
    return Writer(console.file, colour, view_width(console), background)


def columns(headers: list, rows: list, right: list, width: int, keep: int = 1) -> list:
    """A table as lines of pieces, no wider than ``width``.  Cells are (text, style).  When the
    columns do not fit side by side (with 3 spaces between, then 2), they are split into groups that
    do, each repeating the first ``keep`` columns: numbers are never cut, a first column too wide
    for the line is, with an ellipsis."""
    n = len(headers)
    sizes = [cells(h) for h in headers]
    for row in rows:
        for k, (text, _) in enumerate(row):
            sizes[k] = max(sizes[k], cells(text))
    groups = None
    for gap in (3, 2):
        if sum(sizes) + gap * (n - 1) <= width:
            groups, space = [list(range(n))], gap
            break
    if groups is None:
        space = 2
        groups, current = [], list(range(keep))
        used = sum(sizes[k] for k in current) + space * (len(current) - 1)
        for k in range(keep, n):
            if len(current) > keep and used + space + sizes[k] > width:
                groups.append(current)
                current = list(range(keep))
                used = sum(sizes[j] for j in current) + space * (len(current) - 1)
            current.append(k)
            used += space + sizes[k]
        groups.append(current)
    out: list = []
    for number, group in enumerate(groups):
        if number:
            out.append([])
        fixed = sum(sizes[k] for k in group[1:]) + space * (len(group) - 1)
        first = max(1, min(sizes[group[0]], width - fixed))
        widths = {k: sizes[k] for k in group}
        widths[group[0]] = first

        def line(cells_row, bold=False):
            pieces = []
            for position, k in enumerate(group):
                text, style = cells_row[k]
                if k == group[0]:
                    text = truncate(text, first)
                fill = " " * (widths[k] - cells(text))
                if position:
                    pieces.append((" " * space, None))
                if right[k]:
                    pieces += [(fill, None), (text, "bold" if bold else style)]
                else:
                    pieces += [(text, "bold" if bold else style), (fill, None)]
            _strip_end(pieces)
            return pieces

        out.append(line([(h, None) for h in headers], bold=True))
        out.append([("─" * (sum(widths.values()) + space * (len(group) - 1)), None)])
        out += [line(row) for row in rows]
    return out
