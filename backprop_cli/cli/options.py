"""The options of the commands as data: names, defaults, choices and ranges, without click.

click builds its options from these entries (``commands/common.py``: ``click_option``), and the fast
entry point (``entry.py``) reads `backprop eval`'s arguments from the same entries, so the two cannot
drift apart.  ``EVAL`` lists every option of `eval` the fast path reads; ``EVAL_CLICK_ONLY`` lists,
with the reason, every other option of `eval`, which the fast path leaves to click.
tests/test_entry.py walks click's parameters of every command and fails when an option of `eval` is
in neither list.
"""

from __future__ import annotations

from ..base.numbers import DEFAULT_DIGITS


class Option:
    """One command-line option: its parameter name (``dest``), its flags, and what it accepts."""

    __slots__ = ("dest", "flags", "help", "metavar", "default", "choices", "int_range", "multiple",
                 "is_flag")

    def __init__(self, dest, flags, help, metavar=None, default=None, choices=None, int_range=None,
                 multiple=False, is_flag=False):
        self.dest = dest
        self.flags = flags
        self.help = help
        self.metavar = metavar
        self.default = False if is_flag else default
        self.choices = choices
        self.int_range = int_range
        self.multiple = multiple
        self.is_flag = is_flag

    def initial(self):
        """The parameter's value when the option is not given."""
        return [] if self.multiple else self.default

    def convert(self, text: str):
        """The value of ``text`` as click would read it, or None when only click should judge it
        (outside the choices or the range, or written unusually, like "+5" for 5)."""
        if self.choices is not None:
            return text if text in self.choices else None
        if self.int_range is not None:
            low, high = self.int_range
            if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
                return None
            return int(text)
        return text

    def __repr__(self):
        return f"Option({self.dest!r}, {self.flags!r})"


# ---- what every command that reads a program shares ------------------------------------------------

FILE = Option("file", ("-f", "--file"), metavar="FILE",
              help="Read the program from FILE ('-' for standard input) instead of EXPR.")
AT = Option("at", ("--at",), metavar="NAME=VALUE,...", multiple=True,
            help="Input values, e.g. --at x=-2,y=5 or --at x=pi/4 (repeatable).")
VALUES = Option("values_path", ("-i", "--input"), metavar="FILE",
                help="Read input values from FILE ('-': standard input): JSON {\"x\": -2, ...}, a CSV "
                     "header and one row, or name=value lines.  --at overrides them.")
OUTPUT = Option("output", ("--of",), metavar="NAME",
                help="Differentiate the value named NAME instead of the last statement.")
OUTPUT_ALIAS = Option("output_alias", ("--output",), metavar="NAME",
                      help="The old spelling of --of (hidden); a value that can only be a file goes to -o.")
ALLOW_NONFINITE = Option("allow_nonfinite", ("--allow-nonfinite",), is_flag=True,
                         help="Let inf and nan flow through (IEEE) instead of stopping at an undefined value.")
SEED = Option("seed", ("--seed",), metavar="N",
              help="Seed for randn(...) starting values of tensor inputs (default 0).")
DEBUG = Option("debug", ("--debug",), is_flag=True, help="Show the Python traceback of an internal error.")

# ---- backprop eval ------------------------------------------------------------------------------------

FORMAT = Option("fmt", ("--format",), choices=("table", "json", "tree"), default="table",
                help="table for people, json for scripts, tree: from the output down.")
DIGITS = Option("digits", ("--digits",), int_range=(1, 17), default=DEFAULT_DIGITS,
                help="Significant digits shown in the table (JSON always has full precision).")
NO_NODES = Option("no_nodes", ("--no-nodes",), is_flag=True,
                  help="JSON: leave out the per-node list (for big graphs).")

#: the options of `backprop eval` that the fast path reads (besides EXPR)
EVAL = (FILE, AT, OUTPUT, ALLOW_NONFINITE, DEBUG, FORMAT, DIGITS, NO_NODES)

#: the other parameters of `backprop eval` (besides -h/--help): click reads them, and the fast path declines any
#: argument list that uses one (parameter name -> why)
EVAL_CLICK_ONLY = {
    "max_size": "an eager callback sets the input-size limit before anything is read",
    "collapse": "its choices come from transforms/collapse.py, which the fast path does not import",
    "output_alias": "the old spelling of --of: click decides whether its value is a name or a file",
    "labels": "short names are the default; --labels full is rare enough to leave to click",
    "get": "repeatable lookups of single numbers, read by click",
    "out": "writing to a file goes through click's path handling",
    "seed": "an eager callback sets the seed of randn(...) in tensor programs, which the fast path refuses",
    "values_path": "reading input values from a file (-i) is left to click",
    "jvp": "forward mode (--jvp), read by click",
    "hessian": "second order (--hessian), read by click",
    "hvp": "second order (--hvp), read by click",
}
