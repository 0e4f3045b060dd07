"""Limits on what backprop reads, checked on the raw text before it is parsed.

The parser and every view are linear in the size of the program, so one bound on the size bounds
the time and memory of a run.  The other checks catch, in one pass at C speed, inputs that are not
programs at all (binary files, control characters) or that no person or generator writes on
purpose (a name of a megabyte, parentheses a million deep), and say so at once instead of after
a long parse.

    size      at most 10 MB (10,000,000 bytes of UTF-8); --max-size or BACKPROP_MAX_SIZE raise it
    depth     parentheses nest at most 100,000 deep
    names     at most 255 characters
    numbers   at most 1,000 digits in a row
    text      UTF-8; no NUL or other control characters (tab, newline, CR and form feed are fine);
              digits are ASCII 0-9 (outside comments)
"""

from __future__ import annotations

import os
from itertools import accumulate

from ..base.errors import InputError, SourceError
from ..base.text import printable

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Optional

DEFAULT_MAX_BYTES = 10_000_000
MAX_DEPTH = 100_000
MAX_NAME = 255
MAX_NUMBER = 1_000  # digits in a row
ENV_MAX_SIZE = "BACKPROP_MAX_SIZE"

_override: Optional[int] = None

_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "k": 1000, "kb": 1000, "m": 1000 ** 2, "mb": 1000 ** 2,
          "g": 1000 ** 3, "gb": 1000 ** 3, "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3}
# Patterns are kept as text and compiled on first use (re caches them): an ordinary run, plain
# ASCII, needs none of them, and compiling them all would cost start-up time.
_SIZE = r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([A-Za-z]*)\s*\Z"

# Control characters other than tab, newline, form feed and carriage return (C0, DEL, C1), and
# the Unicode bidirectional overrides, which make a line display differently from what it is.
_CONTROL = "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_SURROGATE = "[\ud800-\udfff]"
# In a message every control character is escaped but newline and tab (which a message uses itself).
# In one piece of user text quoted in a message (a name, a value, a file name), newline and tab too.
_ASCII_ALLOWED = bytes(b for b in range(128) if b in b"\t\n\x0c\r" or 32 <= b < 127)
_NOT_PAREN = bytes(b for b in range(256) if b not in b"()")
_STEP = [0] * 256
_STEP[ord("(")], _STEP[ord(")")] = 1, -1

# Byte maps for finding long runs with bytes.find (C speed): a word character (letter, digit, _)
# becomes 'w', a digit 'd', everything else (including every byte of a non-ASCII character) ' '.
_WORD_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"
_WORDS = bytes(ord("w") if b in _WORD_BYTES else 32 for b in range(256))
_DIGITS = bytes(ord("d") if 48 <= b <= 57 else 32 for b in range(256))


def parse_size(text: str) -> int:
    """'10MB', '500k', '1.5G', '2MiB' or a plain number of bytes; 0 means no limit."""
    import re

    m = re.match(_SIZE, str(text))
    unit = m.group(2).lower() if m else ""
    if not m or unit not in _UNITS:
        raise InputError(f"'{printable(str(text))}' is not a size",
                         "Write a number of bytes, optionally with a unit: 20MB, 500kB, 1.5GB, 0 for no limit.")
    value = float(m.group(1)) * _UNITS[unit]
    if 0 < value < 1:
        raise InputError(f"'{printable(str(text))}' is less than one byte",
                         "Give at least 1 byte, e.g. 500kB or 20MB; 0 means no limit.")
    # Beyond what any machine holds, a limit is no limit (and keeps read() from overflowing).
    return 0 if value >= 2 ** 62 else int(value)


def set_max_bytes(limit: Optional[int]) -> None:
    """Set the size limit for this run (--max-size); None goes back to the environment or the default."""
    global _override
    _override = limit


def max_bytes() -> int:
    """The size limit in bytes now in force; 0 means none."""
    if _override is not None:
        return _override
    env = os.environ.get(ENV_MAX_SIZE)
    if env:
        try:
            return parse_size(env)
        except InputError as e:
            raise InputError(f"{ENV_MAX_SIZE}: {e.message}", e.hint) from None
    return DEFAULT_MAX_BYTES


def describe(n: int) -> str:
    """A byte count for people: '10 MB', '1.5 kB', '999 bytes'."""
    for unit, size in (("GB", 1000 ** 3), ("MB", 1000 ** 2), ("kB", 1000)):
        if n >= size:
            return f"{n / size:.6g} {unit}"
    return f"{n} byte{'s' if n != 1 else ''}"


def too_large(what: str, limit: int, size: Optional[int] = None) -> InputError:
    """The error for an input over the size limit (``size`` in bytes, if known)."""
    known = f" ({size:,} bytes)" if size is not None else ""
    return InputError(f"{what} is larger than the limit of {describe(limit)}{known}",
                      f"Raise the limit with --max-size (e.g. --max-size {_flag_value(_suggested(limit, size))})"
                      f" or the environment variable {ENV_MAX_SIZE}; 0 means no limit.")


def _suggested(limit: int, size: Optional[int]) -> int:
    """A limit to suggest: twice the old one, or enough for ``size`` rounded up to two digits."""
    if not size or size < 2 * limit:
        return 2 * limit
    step = 10 ** max(0, len(str(size)) - 2)
    return -(-size // step) * step


def _flag_value(n: int) -> str:
    """A size as one would type it after --max-size: 20MB, 1.5kB, 500."""
    return describe(n).replace(" ", "") if n >= 1000 else str(n)


def check_source(source: str, origin: str = "") -> None:
    """Raise InputError if ``source`` is too large or not a program's text; else return.

    Linear in the length of the text, and done by C string methods and the regex engine (imported
only for text beyond ASCII or an error: start-up).
    """
    global _checked
    limit = max_bytes()
    limits = (limit, MAX_DEPTH, MAX_NAME, MAX_NUMBER)
    if _checked is not None and _checked[0] is source and _checked[1] == limits:
        return  # the same text, passed already: the file as read, then as built (a pass over it saved)
    what = origin or "the expression"
    if limit and len(source) > limit // 4:
        # Only measure the UTF-8 size when it could matter; a character is at most 4 bytes.
        size = len(source) if len(source) > limit else len(source.encode("utf-8", "surrogatepass"))
        if size > limit:
            raise too_large(what, limit, size)
    if source.isascii():
        data = source.encode("ascii")
        if data.translate(None, _ASCII_ALLOWED):
            import re

            raise _control_error(source, re.search(_CONTROL, source).start(), origin)
    else:
        import re  # text beyond ASCII: the regular expressions below (an ASCII program needs none)

        m = re.search(_SURROGATE, source)
        if m:
            raise SourceError("this is not UTF-8 text (an undecodable byte)", source, m.start(),
                              m.start() + 1, origin, "Save the program as UTF-8.")
        m = re.search(_CONTROL, source)
        if m:
            raise _control_error(source, m.start(), origin)
        _check_digits(source, origin)
        data = source.encode("utf-8")
    _check_runs(source, data, origin)
    _check_depth(source, origin)
    if len(source) >= _REMEMBERED:
        _checked = (source, limits)


#: (the last large text check_source passed, the limits then): only one is kept, and the small ones
#: checked in between (the values after --at) do not displace it
_checked = None
_REMEMBERED = 1 << 16  # characters


def _check_digits(source: str, origin: str) -> None:
    """Numbers are written with the ASCII digits 0-9: a digit of another script (١٢, ４２) would
    be read by float() and slip past the digit limit, so it is refused (outside comments)."""
    import re

    for m in re.finditer(r"(?![0-9])\d", source):
        line_start = source.rfind("\n", 0, m.start()) + 1
        if "#" in source[line_start:m.start()]:
            continue
        ch = m.group()
        import unicodedata

        raise SourceError(f"'{ch}' (U+{ord(ch):04X}, {unicodedata.name(ch, 'a digit').lower()}) is not an "
                          "ASCII digit", source, m.start(), m.end(), origin,
                          "Write numbers with the digits 0-9.")


def _check_runs(source: str, data: bytes, origin: str) -> None:
    """Names longer than MAX_NAME, runs of more than MAX_NUMBER digits (outside comments)."""
    for start, end in _long_runs(data, data.translate(_WORDS), b"w", MAX_NAME + 1):
        if not data[start:start + 1].isdigit():  # a run starting with digits: the number check decides
            at = _char_index(source, data, start)
            raise SourceError(f"this name is {end - start:,} characters long; the limit is {MAX_NAME}",
                              source, at, at + 1, origin, "Names are for people: use a shorter one.")
    for start, end in _long_runs(data, data.translate(_DIGITS), b"d", MAX_NUMBER + 1):
        at = _char_index(source, data, start)
        raise SourceError(f"this number has {end - start:,} digits; the limit is {MAX_NUMBER:,}",
                          source, at, at + 1, origin,
                          "A double holds about 17 significant digits; write big or small numbers "
                          "as 1.5e300 or 2e-300.")


def _long_runs(data: bytes, mapped: bytes, mark: bytes, length: int):
    """(start, end) of each run of at least ``length`` ``mark`` bytes in ``mapped`` that is not in
    a '#' comment.  ``mapped`` holds only ``mark`` and spaces.  Every byte of ``data`` is looked at
    a bounded number of times, so this stays linear however many runs there are on one line."""
    needle = mark * length
    pos = 0
    comment = False  # whether a '#' precedes pos on its line
    while True:
        hit = mapped.find(needle, pos)
        if hit < 0:
            return
        start = mapped.rfind(b" ", pos, hit) + 1 or pos
        end = mapped.find(b" ", hit + length)
        if end < 0:
            end = len(mapped)
        newline = data.rfind(b"\n", pos, start)
        if newline >= 0:
            comment = data.find(b"#", newline + 1, start) >= 0
        else:
            comment = comment or data.find(b"#", pos, start) >= 0
        if comment:
            line_end = data.find(b"\n", end)
            if line_end < 0:
                return
            pos, comment = line_end + 1, False
            continue
        yield start, end
        pos = end


def _char_index(source: str, data: bytes, byte_index: int) -> int:
    if len(data) == len(source):
        return byte_index
    return len(data[:byte_index].decode("utf-8"))


def check_name(name: str, what: str) -> None:
    """A name given outside the program (--at, --output) obeys the same length limit."""
    if len(name) > MAX_NAME:
        raise InputError(f"{what}: the name '{printable(name, 40)}' is {len(name):,} characters long; "
                         f"the limit is {MAX_NAME}")


def _control_error(source: str, pos: int, origin: str) -> SourceError:
    ch = source[pos]
    if ch == "\x00":
        what, hint = "a NUL byte", "This looks like a binary file, not a program."
    elif "\u202a" <= ch <= "\u2069":
        what, hint = (f"a bidirectional control character (U+{ord(ch):04X})",
                      "It makes the text display differently from what it is; remove it.")
    else:
        what, hint = (f"a control character (U+{ord(ch):04X})",
                      "Programs are plain text: only tab, newline, carriage return and form feed are allowed.")
    return SourceError(f"{what} is not allowed in a program", source, pos, pos + 1, origin, hint)


def _check_depth(source: str, origin: str) -> None:
    if source.count("(") <= MAX_DEPTH:
        return
    # Most programs with this many parentheses are wide, not deep: a C-speed measure of the depth
    # first (comments' parentheses count too: it can only over-estimate), then the scanner.
    parens = source.encode("utf-8", "surrogatepass").translate(None, _NOT_PAREN)
    if max(accumulate(map(_STEP.__getitem__, parens)), default=0) <= MAX_DEPTH:
        return
    from ..base.text import nesting

    first, deepest = None, 0
    for pos, ch, depth in nesting(source, opening="(", closing=")", comment="#"):
        if depth > deepest:
            deepest = depth
            if first is None and depth > MAX_DEPTH:
                first = pos
    if first is not None:
        raise SourceError(f"parentheses nest {deepest:,} deep here; the limit is {MAX_DEPTH:,}",
                          source, first, first + 1, origin,
                          "Split the expression into named steps (a = ...; b = f(a)).")


def check_array_size(elements: int, what: str) -> None:
    """Refuse an array (randn(...), zeros(...)) of more bytes than the size limit (8 a number)."""
    limit = max_bytes()
    if limit and elements * 8 > limit:
        raise too_large(what, limit, elements * 8)


def read_data_file(path: str):
    """A data file (@file, input W = load(...)): its size checked against the limit first, then read
    (core.tensor_io.load_array).  A 32 MB .npy under --max-size 1kB is refused, not loaded."""
    from ..core.tensor_io import load_array

    limit = max_bytes()
    if limit:
        try:
            size = os.stat(path).st_size
        except (OSError, ValueError):
            size = None  # load_array says what is wrong with the path
        if size is not None and size > limit:
            raise too_large(f"the data file {printable(path, 200)}", limit, size)
    return load_array(path)
