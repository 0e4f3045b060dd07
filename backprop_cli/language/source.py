"""Reading a program's or a data file's text: a file or standard input, within the size limit, as UTF-8."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Optional

from ..base.errors import InputError
from ..base.text import printable
from . import limits


def read_program(expr: Optional[str], file: Optional[str]) -> tuple:
    """The program's text and where it came from (for messages)."""
    if expr is not None and file is not None:
        raise InputError("give either EXPR or -f FILE, not both")
    if expr is None and file is None:
        raise InputError("no expression given",
                         "Pass one as an argument, e.g. backprop eval \"(x+y)*z\" --at x=-2,y=5,z=-4, "
                         "or read a program with -f FILE.")
    if file is not None:
        text, origin = read_text(file), ("<stdin>" if file == "-" else file)
    elif expr == "-":
        text, origin = read_text("-"), "<stdin>"
    else:
        text, origin = expr, ""
    limits.check_source(text, origin)
    return text, origin


def read_text(path: str) -> str:
    shown = "standard input" if path == "-" else printable(path, 200)
    limit = limits.max_bytes()
    try:
        if path == "-":
            if hasattr(sys.stdin, "buffer"):
                data = _read_at_most(sys.stdin.buffer, limit)
            else:
                data = sys.stdin.read(limit + 1 if limit else -1).encode("utf-8", "surrogateescape")
        else:
            with open(path, "rb") as fh:
                data = _read_at_most(fh, limit)
    except FileNotFoundError:
        raise InputError(f"cannot read {shown}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {shown}: it is a directory") from None
    except OSError as e:
        raise InputError(f"cannot read {shown}: {e.strerror or e}") from None
    except ValueError as e:  # a path with a NUL byte in it
        raise InputError(f"cannot read {shown}: {e}") from None
    if limit and len(data) > limit:
        raise limits.too_large(shown, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{shown} is not UTF-8 text (byte {e.start} is {data[e.start]:#04x})",
                         "Save the program as UTF-8; a program is plain text.") from None


def _read_at_most(fh, limit: int) -> bytes:
    """Up to ``limit`` + 1 bytes (one more tells that the input is too large); 0: everything.
    In chunks, so that a large limit does not allocate a buffer of its size up front."""
    chunks, total = [], 0
    while not limit or total <= limit:
        want = 1 << 20 if not limit else min(1 << 20, limit + 1 - total)
        chunk = fh.read(want)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
