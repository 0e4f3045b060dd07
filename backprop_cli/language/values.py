"""Values of inputs as users write them: constants ("pi/4"), arrays ("[[1, 2], [3, 4]]", "@W.npy"), and
--at's "name=value,..." lists."""

from __future__ import annotations

import math
import os

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Iterable, Mapping, Union

    Point = Mapping[str, Union[float, int, str]]

from ..base.errors import BackpropError, InputError, SourceError, caret, listing
from ..base.text import nesting, printable
from ..core.engine import run
from . import limits
from .parser import parse



class _Name:
    """A name of the language, ``[A-Za-z_][A-Za-z_0-9]*``: an ASCII identifier (no regular
    expression, so that ``re`` stays off the start-up path)."""

    @staticmethod
    def match(text: str):
        return text if text.isascii() and text.isidentifier() else None


NAME = _Name()
#: a number as the language writes it, with an optional minus: read without the parser
_PLAIN_NUMBER = r"\s*(-?)((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*"


def parse_value(text: str):
    """A value's text parsed as a program is (maths pasted from a PDF, −2 and 2×3, read as the
    language; an error pointed at the text as given)."""
    from .normalize import normalize, remap

    cut = next((k for k, c in enumerate(text) if c in ";\n"), None)
    if cut is not None and text[cut + 1:].strip():
        # "x=1;y=2" would parse as a program, its value the last statement's (2): a wrong number
        in_array = text[:cut].count("[") > text[:cut].count("]")
        raise SourceError("a value is one expression, and this is more than one", text, cut, cut + 1, None,
                          "Write an array's numbers with commas and each row in brackets: [[1, 2], [3, 4]]."
                          if in_array else "Separate the inputs with commas: --at x=1,y=2.")
    plain, positions = normalize(text)
    try:
        return parse(plain)
    except SourceError as e:
        remap(e, text, positions)
        raise


def constant(text: str) -> float:
    """The value of a constant expression such as "-2", "1e-3" or "pi/4"."""
    limits.check_source(text)
    import re

    plain = re.fullmatch(_PLAIN_NUMBER, text, re.ASCII)
    if plain is not None:
        # What the parser makes of it (a number, negated), without a parse: 100,000 values from a
        # file are read in a second.  Out of range, the parser is asked, for its message.
        value = float(plain.group(2))
        if value - value == 0.0 and (value != 0 or plain.group(2).lower().partition("e")[0].strip("0.") == ""):
            return -value if plain.group(1) else value
    graph = parse_value(text)
    array = first_array(graph)
    if array is not None:
        raise InputError(f"'{printable(text.strip())}' has an array ({printable(graph.text(array), 40)}), not only numbers",
                         "A value here is one number or an expression of numbers, like pi/4.")
    if graph.inputs:
        names = listing(graph.inputs)
        raise InputError(f"'{printable(text.strip())}' is not a constant ({names} has no value)",
                         "A value is a number or an expression of numbers, pi and e, like pi/4.")
    value = run(graph, {}, record=False).value
    return value


def first_array(graph):
    """The first node of ``graph`` that makes an array ([1, 2], randn(3), sum(...)), or None: the
    scalar engine takes numbers only."""
    if not graph.tensor:
        return None
    for i, (op, payload) in enumerate(zip(graph.op, graph.payload)):
        if op in ("randn", "zeros", "load") or (op == "const" and type(payload) not in (float, int)):
            return i
    return len(graph) - 1


def resolve_point(at: Point) -> dict:
    out = {}
    for name, value in at.items():
        if isinstance(value, str):
            value = constant(value)
        out[name] = float(value)
    return out


def _no_equals_hint(part: str, point: dict) -> str:
    """Write name=value; after a value, digits alone were most likely its thousands (x=1,000)."""
    hint = "Write name=value, e.g. --at x=-2,y=5."
    digits = part.strip().replace("_", "")
    if point and digits[:1].isdecimal() and digits.replace(".", "", 1).isdecimal():
        hint += (" A comma separates inputs, so a number takes no thousands separators: "
                 "write 1000, not 1,000.")
    return hint


def parse_at(items: Iterable[str]) -> dict:
    """``--at x=-2,y=5 --at z=pi/4`` to {name: value}.  Commas inside parentheses stay in a value.
    An item may be a dict of values already read (``-i FILE``); later items override earlier ones."""
    point: dict = {}
    for item in items:
        if isinstance(item, dict):  # values already read (-i FILE)
            point.update(item)
            continue
        for part in split_top_level(item):
            if not part.strip():
                continue
            name, eq, text = part.partition("=")
            name = name.strip()
            shown = printable(part)  # user text in a message: cut short, control characters escaped
            if not eq:
                raise InputError(f"--at: '{shown}' has no '='", _no_equals_hint(part, point))
            limits.check_name(name, "--at")
            if not NAME.match(name):
                raise InputError(f"--at: '{printable(name)}' in '{shown}' is not a name",
                                 "Names start with a letter or '_', then letters, digits or '_'.")
            if not text.strip():
                raise InputError(f"--at: '{shown}' has no value after '='",
                                 "Write name=value, e.g. --at x=-2,y=5.")
            following = _ran_on(text)
            if following:
                raise InputError(f"--at: the value of {name} ('{printable(text.strip())}') has a '[' that is "
                                 f"never closed, so it ran on into {printable(following)}=...",
                                 f"Add the missing ']' before ',{printable(following)}='.")
            if text.strip()[:1] in ("[", "@"):
                point[name] = array_value(name, text.strip())
                continue
            try:
                point[name] = constant(text)
            except SourceError as e:
                hint = e.hint
                if "=" in text and "[" not in text:  # --at "x=1 y=2" or "x=1;y=2": a comma was meant
                    import re

                    meant = ",".join(re.split(r"[;,\s]+", part.strip(" ;,")))
                    hint = f"Separate the inputs with commas, without spaces: --at {printable(meant)}."
                raise InputError(f"--at: the value of {name} ('{printable(text.strip())}'): {e.message}\n"
                                 f"{caret(text, e.start, e.end)}", hint) from None
            except BackpropError as e:
                raise InputError(f"--at: the value of {name}: {e.message}", e.hint) from None
            if not math.isfinite(point[name]):
                raise InputError(f"--at: the value of {name} ('{printable(text.strip())}') is {point[name]}",
                                 "Inputs must be finite numbers.")
    return point


def parse_named(items: Iterable[str], option: str) -> dict:
    """``parse_at`` for another option that takes NAME=VALUE lists (--tangent, --jvp, --hvp): its
    messages name that option."""
    try:
        return parse_at(items)
    except InputError as e:
        hint = e.hint.replace("--at ", option + " ") if e.hint else e.hint
        raise InputError(e.message.replace("--at", option, 1), hint) from None


def array_value(name: str, text: str):
    """--at W=[[1, 2], [3, 4]] or W=@weights.npy (.csv, .json): a float64 array."""
    from ..core.tensor_io import as_array

    if text.startswith("@"):
        try:
            return limits.read_data_file(text[1:])
        except InputError as e:  # say which value named the file, and where a relative path points
            raise InputError(f"--at {name}: {e.message}", e.hint or missing_file_hint(e, text[1:])) from None
    limits.check_source(text)
    try:
        graph = parse_value(text)
    except SourceError as e:
        raise InputError(f"--at: the value of {name} ('{printable(text)}'): {e.message}\n"
                         f"{caret(text, e.start, e.end)}", e.hint) from None
    if len(graph) != 1 or graph.op[0] != "const":
        raise InputError(f"--at: the value of {name} ('{printable(text)}') is not an array of numbers",
                         "Write it as [1, 2, 3] or [[1, 2], [3, 4]].")
    return as_array(graph.payload[0], f"--at {name}")


def _ran_on(text: str):
    """The name of the input that ran into an array whose ']' is missing ('[[1,2],[3,4],x=[1,2]':
    the comma after it did not end it), or None."""
    if text.strip()[:1] != "[" or text.count("[") <= text.count("]") or "=" not in text:
        return None
    import re

    match = re.search(r",\s*([A-Za-z_]\w*)\s*=", text)
    return match.group(1) if match else None


def missing_file_hint(error, path: str):
    """For a file not found at a relative path: where that path points."""
    if "no such file" in error.message and not os.path.isabs(path):
        return f"The path is relative to the current directory ({printable(os.getcwd(), 80)})."
    return None


def split_top_level(text: str, separator: str = ",", comment: str = "") -> list:
    """``text`` split at each ``separator`` outside parentheses and brackets; from a ``comment``
    character on, the rest is kept whole in the last part."""
    parts, start = [], 0
    for pos, ch, depth in nesting(text, separator + comment):
        if comment and ch == comment:
            break
        if ch == separator and depth <= 0:
            parts.append(text[start:pos])
            start = pos + 1
    parts.append(text[start:])
    return parts
