"""The computational graph: nodes in topological order, kept as flat parallel lists.

Node ``i`` has ``op[i]`` (a name in ``ops.GATES``), ``args[i]`` (input node ids, all < i), ``name[i]``
(the name it was assigned to, or None), and a source span ``start[i]:end[i]``.  Leaves carry their
payload: an input's name or a constant's value.  Flat lists keep a million-node graph small.
"""

from __future__ import annotations

from ..base.text import line_col

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Optional

LABEL_WIDTH = 60


class Graph:
    __slots__ = ("source", "op", "args", "payload", "name", "start", "end", "inputs", "defaults",
                 "output", "output_name", "bindings", "tensor")

    def __init__(self, source: str = "") -> None:
        self.source = source
        self.op: list = []
        self.args: list = []
        self.payload: list = []
        self.name: list = []
        self.start: list = []
        self.end: list = []
        #: input name -> node id, in order of first appearance.
        self.inputs: dict = {}
        #: input name -> default value given in the program (``input x = 2``).
        self.defaults: dict = {}
        #: the node whose gradient is taken, and the name it is reported under.
        self.output: int = -1
        self.output_name: str = ""
        #: name -> node id, as bound at the end of the program.
        self.bindings: dict = {}
        #: does the program itself use arrays (a literal, @, an array gate, indexing, a data file)?
        self.tensor: bool = False

    def __len__(self) -> int:
        return len(self.op)

    def add(self, op: str, args: tuple, start: int, end: int, payload=None) -> int:
        self.op.append(op)
        self.args.append(args)
        self.payload.append(payload)
        self.name.append(None)
        self.start.append(start)
        self.end.append(end)
        return len(self.op) - 1

    def adder(self):
        """``add`` as a plain function over the columns: the parser adds a node per reduction."""
        ops = self.op
        op_, args_, payload_, name_, start_, end_ = (ops.append, self.args.append, self.payload.append,
                                                      self.name.append, self.start.append, self.end.append)

        def add(op: str, args: tuple, start: int, end: int, payload=None) -> int:
            n = len(ops)
            op_(op)
            args_(args)
            payload_(payload)
            name_(None)
            start_(start)
            end_(end)
            return n

        return add

    def truncate(self, n: int) -> None:
        for column in (self.op, self.args, self.payload, self.name, self.start, self.end):
            del column[n:]

    def text(self, i: int) -> str:
        """The node's source text, whitespace collapsed."""
        return " ".join(self.source[self.start[i]:self.end[i]].split())

    def label(self, i: int, width: Optional[int] = LABEL_WIDTH) -> str:
        """A readable name: the assigned name, else the source text (shortened to ``width``)."""
        if self.name[i] is not None:
            return self.name[i]
        if self.op[i] == "input":
            return self.payload[i]
        if width is not None and self.end[i] - self.start[i] > 4 * width:
            # Don't copy megabytes of source to show a few dozen characters.
            head = " ".join(self.source[self.start[i]:self.start[i] + 2 * width].split())
            return head[: width - 1] + "…"
        text = self.text(i)
        if width is not None and len(text) > width:
            return text[: width - 1] + "…"
        return text

    def live(self) -> bytearray:
        """live[i] is 1 when the output depends on node i (nodes after the output are left out)."""
        out = self.output
        live = bytearray(len(self.op))
        live[out] = 1
        for i in range(out, -1, -1):
            if live[i]:
                for j in self.args[i]:
                    live[j] = 1
        return live

    def consumers(self) -> list:
        """For each node, the ids of the nodes that take it as an input (with repeats)."""
        out: list = [[] for _ in self.op]
        for i, a in enumerate(self.args):
            for j in a:
                out[j].append(i)
        return out

    def line_col(self, i: int) -> tuple:
        return line_col(self.source, self.start[i])
