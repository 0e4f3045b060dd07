"""The options of the commands as data: names, defaults, choices and ranges, without click.

click builds its options from these entries (``commands/common.py``: ``click_option``), and the fast
entry point (``entry.py``) reads `backprop eval`'s arguments from the same entries, so the two cannot
drift apart.  ``EVAL`` lists every option of `eval` the fast path reads; ``EVAL_CLICK_ONLY`` lists,
with the reason, every other option of `eval`, which the fast path leaves to click.
tests/test_entry.py walks click's parameters of every command and fails when an option of `eval` is
in neither list.

Every option that more than one command offers is an entry here, and each default has one owner (a
constant of base/numbers.py, or the entry itself); tests/test_options.py walks every command's click
parameters and fails on a shared option that is not built from this table.
"""

from __future__ import annotations

from ..base.numbers import CHECK_TOLERANCE, DEFAULT_DIGITS, QUIZ_SIGNIFICANT


class Option:
    """One command-line option: its parameter name (``dest``), its flags, and what it accepts."""

    __slots__ = ("dest", "flags", "help", "metavar", "default", "choices", "int_range", "multiple",
                 "is_flag", "float_range", "show_default", "required")

    def __init__(self, dest, flags, help, metavar=None, default=None, choices=None, int_range=None,
                 multiple=False, is_flag=False, float_range=None, show_default=True, required=False):
        self.dest = dest
        self.flags = flags
        self.help = help
        self.metavar = metavar
        self.default = False if is_flag else default
        self.choices = choices
        self.int_range = int_range
        self.multiple = multiple
        self.is_flag = is_flag
        #: (low, high, low_open): a float in that range (high None: no upper bound)
        self.float_range = float_range
        self.show_default = show_default
        self.required = required

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
            if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) < low or (high is not None and int(text) > high):
                return None
            return int(text)
        if self.float_range is not None:
            # only plain decimal numbers ("1e-3", "0.5"): click judges "inf", "1_0", " 2" and the rest
            if not text or len(text) > 40 or any(c not in "0123456789.eE+-" for c in text):
                return None
            try:
                value = float(text)
            except ValueError:
                return None
            low, high, low_open = self.float_range
            if low is not None and (value < low or (low_open and value == low)):
                return None
            if high is not None and value > high:
                return None
            return value
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
SEED = Option("seed", ("--seed",), metavar="N", int_range=(0, None),
              help="Seed for randn(...) starting values of tensor inputs (default 0).")
DEBUG = Option("debug", ("--debug",), is_flag=True, help="Show the Python traceback of an internal error.")

# ---- backprop eval ------------------------------------------------------------------------------------

FORMAT = Option("fmt", ("--format",), choices=("table", "json", "tree", "latex"), default="table",
                help="table for people, json for scripts, tree: from the output down, latex: a booktabs "
                     "tabular for slides.")
DIGITS = Option("digits", ("--digits",), int_range=(1, 17), default=DEFAULT_DIGITS,
                help="Significant digits shown in the table (JSON always has full precision).")
NO_NODES = Option("no_nodes", ("--no-nodes",), is_flag=True,
                  help="JSON: leave out the per-node list (for big graphs).")


# ---- options several commands share, each command's variant named for it -----------------------------

def _format(choices, help, default=None):
    return Option("fmt", ("--format",), choices=choices, default=choices[0] if default is None else default,
                  help=help)


FORMATS = {
    "eval": FORMAT,
    "trace": _format(("text", "json", "latex"), "text for people; json: the same steps with full-precision "
                                                "numbers, for scripts; latex: an align* block for slides."),
    "check": _format(("table", "json"), "table for people, json for scripts."),
    "optimize": _format(("table", "json"), "table (live in a terminal) and the loss curve for people; json "
                                           "for scripts."),
    "quiz": _format(("text", "json"), "text: the session as it goes; json: only the result, for scripts."),
    "gates": _format(("text", "json"), "text: the cheat sheet; json: [{name, arity, forward, local or vjp, "
                                       "pattern}] for scripts."),
    "plot": _format(("plot", "csv"), "plot draws it; csv prints the columns x, f, df/dx."),
    "diff": _format(("program", "json"), "program: backprop's language; json: {of, wrt, order, inputs, program} for "
                                         "scripts."),
    "codegen": _format(("code", "json"), "code: the source file; json: {language, function, inputs, output, code} for "
                                         "scripts."),
    "batch": Option("fmt", ("--format", "--out-format"), choices=("csv", "jsonl", "parquet", "feather"),
                    show_default=False, help="Output format.  Default: from -o's suffix (.csv, .jsonl/.ndjson, "
                                             ".parquet, .feather/.arrow), else the input's format."),
    "graph": Option("fmt", ("--format",), choices=("dot", "mermaid", "tikz"), show_default=False,
                    help="dot (Graphviz), mermaid, or tikz (a tikzpicture for LaTeX slides).  [default: from "
                         "-o's suffix, else dot]"),
}

DIGITS_SHOWN = Option("digits", ("--digits",), int_range=(1, 17), default=DEFAULT_DIGITS,
                      help="Significant digits shown.")
GRAPH_DIGITS = Option("digits", ("--digits",), int_range=(1, 17), default=DEFAULT_DIGITS,
                      help="Significant digits on the wires.")
OPTIMIZE_DIGITS = Option("digits", ("--digits",), int_range=(1, 17), default=DEFAULT_DIGITS,
                         help="Significant digits in the table (JSON always has full precision).")
CHECK_DIGITS = Option("digits", ("--digits",), int_range=(1, 17), default=8,
                      help="Significant digits shown in the table (JSON always has full precision).")
QUIZ_DIGITS = Option("digits", ("--digits",), int_range=(1, 17), default=6,
                     help="Significant digits in the answers shown.")

CHECK_TOLERANCE_OPTION = Option("tolerance", ("--tolerance",), default=CHECK_TOLERANCE, float_range=(None, None, False),
                                help="Largest relative error that passes.")
QUIZ_SIGNIFICANT_OPTION = Option("significant", ("--significant",), default=QUIZ_SIGNIFICANT, int_range=(1, 15),
                                 metavar="N", help="An answer counts when its first N significant digits are "
                                 "right (2: -0.20 for -0.1966, as the lecture writes).")

OUT = Option("out", ("-o", "--out"), metavar="FILE", show_default=False,
             help="Write the result to FILE instead of standard output ('-': standard output).")
GRAPH_OUT = Option("out", ("-o", "--out"), metavar="FILE", show_default=False,
                   help="Write to FILE: .dot/.gv, .mmd or .tex (TikZ) as text; .svg, .png or .pdf rendered by "
                        "Graphviz's dot ('-': standard output).")
EVAL_OUT = Option("out", ("-o", "--out"), metavar="FILE", show_default=False,
                  help="Write the result to FILE instead of standard output ('-': standard output); "
                       "FILE.npz (or FILE.npy with one --get): numpy arrays, every value and gradient by name "
                       "(and jvp, hvp/NAME, d2f/dxdy).")
BATCH_OUT = Option("out_path", ("-o", "--out"), metavar="FILE|DIR/", default="-",
                   help="Where to write the rows ('-' is standard output; a directory: one file per input).")
BATCH_INPUT = Option("input_path", ("-i", "--input"), metavar="FILE|DIR|GLOB", required=True,
                     help="The points: CSV with a header naming the inputs, JSON lines, Parquet or Arrow IPC "
                          "(Feather); a directory or a quoted glob reads many files ('-' reads standard input).")

LABELS = Option("labels", ("--labels",), choices=("short", "full"), default="short",
                help="short: name every node as the lecture does (q, f, t1, t2, ...); "
                     "full: write out each node's whole subexpression.")
#: its choices (none and the gates with a pattern to fold) come from transforms/collapse.py
COLLAPSE = Option("collapse", ("--collapse",), default="none",
                  help="Fold 1/(1+exp(-z)) into one sigmoid gate, as the lecture does.")

TRACE_DELAY = Option("delay", ("--delay",), float_range=(0, 3600, False), default=0, metavar="SECONDS",
                     show_default=False, help="On a terminal, wait SECONDS before each backward step.")
OPTIMIZE_DELAY = Option("delay", ("--delay",), float_range=(0, 10, False), default=0.0, show_default=False,
                        help="Seconds to wait after each step in a terminal, to watch the descent.")
PLOT_WIDTH = Option("width", ("--width",), int_range=(20, None), show_default=False,
                    help="Width of the picture in characters (default: the terminal's, or 80).")
GATES_WIDTH = Option("width", ("--width",), int_range=(60, 1000), metavar="COLUMNS", show_default=False,
                     help="Width of the text (default: the terminal's, at least 60).")
PLOT_OVER = Option("over", ("--over",), metavar="NAME=FROM:TO[:POINTS]", required=True,
                   help="The input to vary and its range, e.g. x=-5:5 or x=-pi:pi:401.  Points default "
                        "to 201 for the picture, 101 for CSV.")
CHECK_OVER = Option("over", ("--over",), metavar="NAME=FROM:TO[:POINTS]",
                    help="With --grad: compare the formulas over a range of one input, e.g. --over x=-3:3.")
DIFF_WRT = Option("wrt", ("--wrt",), metavar="NAME",
                  help="The input to differentiate with respect to (needed when there are several).")
OPTIMIZE_WRT = Option("wrt", ("--wrt",), multiple=True, metavar="NAME[,NAME...]",
                      help="Inputs to move (repeatable); the others stay fixed.  Default: all of them.")
TRACE_WRT = Option("wrt", ("--wrt",), metavar="NAME", help="Forward mode: the tangents d(node)/dNAME.")
#: the choices are tasks/check/numeric.py's METHODS (tests/test_second_order.py holds them equal)
CHECK_METHOD = Option("method", ("--method",), choices=("auto", "each-input", "directions"), default="auto",
                      help="each-input: every input's derivative; directions: f's slope along random directions "
                           "(as JAX's check_grads); auto: input by input unless the program is too big for that.")
OPTIMIZE_METHOD = Option("method", ("--method",), choices=("gd", "newton"), default="gd",
                         help="gd: gradient descent; newton: damped Newton steps with a line search (the loss "
                              "curve then shows gradient descent from the same start too).")
CHECK_ORDER = Option("order", ("--order",), choices=("1", "2"), default="1",
                     help="2: check the Hessian (every d2f/dxdy) against finite differences of the gradient.")
DIFF_ORDER = Option("order", ("--order",), choices=("1", "2"), default="1",
                    help="2: the second derivative, d2f/dx2 (--wrt x) or d2f/dxdy (--wrt x,y).")
EVAL_HVP = Option("hvp", ("--hvp",), multiple=True, metavar="NAME=VALUE,...",
                  help="Also H·v, the Hessian times v (arrays for a tensor program: --hvp W=[[1,0],[0,1]]).")
CODEGEN_HVP = Option("hvp", ("--hvp",), is_flag=True,
                     help="numpy: also the Hessian times a direction v (forward over reverse): "
                          "f(x, y, x_dot, y_dot) returns the value, the gradient and H·v.")
QUIZ_SEED = Option("seed", ("--seed",), int_range=(0, None), metavar="N",
                   help="Repeat random exercise N (implies --random).")

GET = Option("get", ("--get",), multiple=True, metavar="NAME",
             help="Print only this number, at full precision: the output (f), any named value, or a "
                  "gradient d<out>/d<name> such as df/dx (repeatable: one a line).")

CODEGEN_LANG = Option("lang", ("--lang",), choices=("python", "numpy", "c", "js"), default="python",
                      help="The language to write.")
CODEGEN_NAME = Option("name", ("--name",), default="f", metavar="NAME", help="The function's name.")
QUIZ_ANSWERS = Option("answers", ("--answers",), metavar="FILE",
                      help="Read the answers from FILE, one a line ('-': standard input).")
QUIZ_ONLY = Option("only", ("--only",), choices=("all", "forward", "backward"), default="all",
                   help="Ask only the forward values or only the gradients.")
QUIZ_RANDOM = Option("random_", ("--random",), is_flag=True, help="A small random exercise (see --seed).")
TRACE_STEP = Option("step", ("--step",), is_flag=True,
                    help="On a terminal, wait for Enter before each backward step (q then Enter: show the rest).")
TRACE_MODE = Option("mode", ("--mode",), choices=("reverse", "forward"), default="reverse",
                    help="reverse: the forward pass then the backward pass; forward: forward mode, each node's "
                         "value and tangent along --wrt or --tangent, then the cost of both modes.")
TRACE_TANGENT = Option("tangent", ("--tangent",), multiple=True, metavar="NAME=VALUE,...",
                       help="Forward mode: the direction, e.g. --tangent x=1,y=0.5 (inputs left out: 0).")
CHECK_DIRECTIONS = Option("directions", ("--directions",), int_range=(1, 100_000), default=16,
                          help="How many random directions, when checking along directions (--seed picks them).")
PLOT_HEIGHT = Option("height", ("--height",), int_range=(10, None),
                     help="Height of the picture in lines, both panels (default: fits the terminal, or 30).")
BATCH_IN_FORMAT = Option("in_format", ("--in-format",), choices=FORMATS["batch"].choices,
                         help="Input format.  Default: from the file's suffix, else its first bytes.")
BATCH_CHUNK_SIZE = Option("chunk_size", ("--chunk-size",), int_range=(1, None), default=65536,
                          help="Rows read, computed and written at a time (fewer for very big graphs).")
BATCH_SKIP_BAD = Option("skip_bad", ("--skip-bad",), is_flag=True,
                        help="Leave out bad rows (unreadable, null, or an undefined value) and list them on stderr.")
BATCH_REJECTS = Option("rejects_path", ("--rejects",), metavar="FILE",
                       help="With --skip-bad: list every skipped row (file, line or row, why) in FILE as CSV.")
BATCH_CSV_ENGINE = Option("csv_engine", ("--csv-engine",), choices=("auto", "numpy", "pyarrow", "polars"),
                          default="auto",
                          help="Who reads and writes CSV: polars or pyarrow (the data extra: pip install "
                               "'backprop-cli[data]'), numpy (the default install's: orjson for plain numbers, "
                               "numpy and Python for the rest), or auto (polars, else pyarrow, when installed "
                               "and the input is over 4 MB; the output is the same bytes). With polars, a file of inputs only "
                               "written to -o FILE streams through one query.")
OPTIMIZE_LR = Option("lr", ("--lr",), float_range=(None, None, False), default=0.1,
                     help="Learning rate: the step is -lr * gradient.")
OPTIMIZE_STEPS = Option("steps", ("--steps",), int_range=(0, 10_000_000), default=100, help="How many updates.")
OPTIMIZE_EVERY = Option("every", ("--every",), int_range=(1, None),
                        help="Show every N-th step in the table (default: about 20 rows).")
OPTIMIZE_LOG_Y = Option("log_y", ("--log-y",), is_flag=True, help="Draw the loss curve with a logarithmic value axis.")

#: what the fast path reads of a program (besides EXPR): with a point, and without (a program alone)
PROGRAM = (FILE, AT, OUTPUT, ALLOW_NONFINITE, DEBUG)
SOURCE = (FILE, OUTPUT, DEBUG)

#: the options of `backprop eval` that the fast path reads (besides EXPR)
EVAL = PROGRAM + (FORMAT, DIGITS, NO_NODES, GET)

#: the other parameters of `backprop eval` (besides -h/--help): click reads them, and the fast path declines any
#: argument list that uses one (parameter name -> why)
EVAL_CLICK_ONLY = {
    "max_size": "an eager callback sets the input-size limit before anything is read",
    "collapse": "its choices come from transforms/collapse.py, which the fast path does not import",
    "output_alias": "the old spelling of --of: click decides whether its value is a name or a file",
    "labels": "short names are the default; --labels full is rare enough to leave to click",
    "out": "writing to a file goes through click's path handling",
    "seed": "an eager callback sets the seed of randn(...) in tensor programs, which the fast path refuses",
    "values_path": "reading input values from a file (-i) is left to click",
    "jvp": "forward mode (--jvp), read by click",
    "hessian": "second order (--hessian), read by click",
    "hvp": "second order (--hvp), read by click",
}

#: why the fast path leaves an option to click, for the options several commands share
_PROGRAM_CLICK_ONLY = {
    "max_size": EVAL_CLICK_ONLY["max_size"],
    "output_alias": EVAL_CLICK_ONLY["output_alias"],
    "seed": EVAL_CLICK_ONLY["seed"],
    "values_path": EVAL_CLICK_ONLY["values_path"],
}
_SOURCE_CLICK_ONLY = {"max_size": EVAL_CLICK_ONLY["max_size"], "output_alias": EVAL_CLICK_ONLY["output_alias"]}
_GRADING = "grading your own work (docs/check-your-work.md) is left to click"
_COLLAPSE = {"collapse": EVAL_CLICK_ONLY["collapse"]}

#: command -> (the options its fast path reads, besides EXPR; the others, which it leaves to click, with
#: why).  entry.py reads an argument list of these options itself and calls the function the click
#: command calls (entry.RUNS); tests/test_entry.py walks each command's click parameters and fails on
#: one in neither list, or built from another entry than the one the fast path reads.
FAST = {
    "eval": (EVAL, EVAL_CLICK_ONLY),
    "gates": ((FORMATS["gates"], GATES_WIDTH, DEBUG, OUT), {}),
    "codegen": (SOURCE + (CODEGEN_LANG, CODEGEN_NAME, FORMATS["codegen"], CODEGEN_HVP, OUT), _SOURCE_CLICK_ONLY),
    "diff": (SOURCE + (DIFF_WRT, FORMATS["diff"], DIFF_ORDER, OUT), _SOURCE_CLICK_ONLY),
    "graph": (PROGRAM + (FORMATS["graph"], GRAPH_OUT, GRAPH_DIGITS), {**_PROGRAM_CLICK_ONLY, **_COLLAPSE}),
    "trace": (PROGRAM + (DIGITS_SHOWN, TRACE_STEP, TRACE_DELAY, LABELS, FORMATS["trace"], TRACE_MODE, TRACE_WRT, TRACE_TANGENT,
                         OUT),
              {**_PROGRAM_CLICK_ONLY, **_COLLAPSE}),
    "check": (PROGRAM + (FORMATS["check"], CHECK_DIGITS, CHECK_METHOD, CHECK_DIRECTIONS, CHECK_ORDER, OUT),
              {**_PROGRAM_CLICK_ONLY,
               "tolerance": "a float with a check of its own (>= 0): click reads it",
               "expect": _GRADING, "grads": _GRADING, "grad_file": _GRADING, "over": _GRADING,
               "backward": "an option whose value is optional (--backward [FILE]): click reads it"}),
    "quiz": (PROGRAM + (QUIZ_RANDOM, QUIZ_SEED, QUIZ_ANSWERS, QUIZ_ONLY, QUIZ_SIGNIFICANT_OPTION, FORMATS["quiz"],
                        QUIZ_DIGITS, OUT),
             {k: v for k, v in _PROGRAM_CLICK_ONLY.items() if k != "seed"}),
    "plot": (PROGRAM + (PLOT_OVER, FORMATS["plot"], PLOT_WIDTH, PLOT_HEIGHT, OUT), _PROGRAM_CLICK_ONLY),
    "batch": (PROGRAM + (BATCH_INPUT, BATCH_OUT, FORMATS["batch"], BATCH_IN_FORMAT, BATCH_CHUNK_SIZE, BATCH_SKIP_BAD,
                         BATCH_REJECTS, BATCH_CSV_ENGINE),
              {**{k: v for k, v in _PROGRAM_CLICK_ONLY.items() if k != "values_path"},
               **dict.fromkeys(("engine", "scheduler", "workers", "partition_size", "timeout"),
                               "the dask engine and its settings are left to click")}),
    "optimize": (PROGRAM + (OPTIMIZE_WRT, OPTIMIZE_LR, OPTIMIZE_STEPS, FORMATS["optimize"], OPTIMIZE_EVERY,
                            OPTIMIZE_DELAY, OPTIMIZE_DIGITS, OPTIMIZE_LOG_Y, OPTIMIZE_METHOD, OUT),
                 _PROGRAM_CLICK_ONLY),
}

