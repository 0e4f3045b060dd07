"""Value and gradients at many points: rows in, rows out, a chunk at a time.

Readers (read.py) parse a block of rows (CSV, JSON lines, Parquet, Arrow IPC) into one float64
array per input; the numpy engine computes value and gradients over the block; writers
(write.py) write it, so memory stays bounded whatever the file's size.  The Dask engine
(cluster.py) runs this same loop over each partition of the input.

Each output row has the input's other columns first (passed through untouched, so rows join back),
then the expression's inputs (in order of first appearance, including those fixed with --at), then
the output value, then d(output)/d(input) for every input.  Numbers are written to full precision, as
Python's repr (the shortest text that reads back as the same double); CSV has inf, -inf and nan as
such, JSON lines as the strings "inf", "-inf", "nan".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, List, Mapping, Optional, Tuple

import numpy as np

from ...core import vectorized
from ...base.errors import BackpropError, InputError, MathError
from ...core.graph import Graph
from ...base.numbers import exact
from .cells import Cells
from .read import Chunk, Reader, shown

DEFAULT_CHUNK = 65536


class BadRow(BackpropError):
    """A row that cannot be read, or whose value is undefined.  Exit 1 (the issue asks for it)."""

    exit_code = 1


# ---- the plan and the run -----------------------------------------------------------------------


@dataclass
class Plan:
    """Which inputs come from the file, which are fixed, and which columns pass through."""

    from_file: list
    fixed: dict
    extra: list  # columns the expression does not use: written as they are, before the results
    overridden: list  # columns replaced by --at (left out: the input's column shows the value used)
    dropped: list = field(default_factory=list)  # unused columns named like an output column


def plan(graph: Graph, columns: list, at: Mapping[str, float], origin: str) -> Plan:
    """Match the expression's inputs with the file's columns.  Missing ones: InputError (exit 2)."""
    from_file, fixed, missing, overridden = [], {}, [], []
    have = set(columns)
    for name in graph.inputs:
        if name in at:
            fixed[name] = float(at[name])
            if name in have:
                overridden.append(name)
        elif name in have:
            from_file.append(name)
        elif name in graph.defaults:
            fixed[name] = graph.defaults[name]
        else:
            missing.append(name)
    if missing:
        s = "s" if len(missing) > 1 else ""
        example = ",".join(f"{n}=1" for n in missing[:5])
        names = ", ".join(missing[:10]) + (f" and {len(missing) - 10:,} more" if len(missing) > 10 else "")
        listed = ", ".join(shown(c, 40) for c in columns[:10])
        if len(columns) > 10:
            listed += f" and {len(columns) - 10:,} more"
        raise InputError(f"{shown(origin)} has no column for input{s} {names} "
                         f"(its columns: {listed or 'none'})",
                         f"Add the column{s}, or fix {'them' if s else 'it'} for every row with "
                         f"--at {example}.")
    outputs = set(output_names(graph))
    unused = [c for c in columns if c not in graph.inputs]
    extra = [c for c in unused if c not in outputs]
    dropped = [c for c in unused if c in outputs]
    return Plan(from_file, fixed, extra, overridden, dropped)


def output_names(graph: Graph) -> list:
    out = graph.output_name
    return [*graph.inputs, out, *[f"d{out}/d{name}" for name in graph.inputs]]


@dataclass
class Summary:
    rows: int = 0
    skipped: int = 0
    first_skipped: Optional[Tuple[int, str]] = None
    skipped_at: List[np.ndarray] = field(default_factory=list)  # positions of every skipped row
    nonfinite_gradients: int = 0
    first_nonfinite_gradient: Optional[int] = None
    seen: int = 0  # rows read, good or bad

    def skipped_positions(self) -> np.ndarray:
        return np.concatenate(self.skipped_at) if self.skipped_at else np.zeros(0, dtype=np.int64)


def run(graph: Graph, reader: Reader, writer, plan: Plan, *, chunk_size: int = DEFAULT_CHUNK,
        skip_bad: bool = False, allow_nonfinite: bool = False,
        progress: Optional[Callable[[int, int], None]] = None,
        rejected: Optional[Callable[[list], None]] = None) -> Summary:
    """Read, evaluate and write every row.  Raises BadRow at the first bad row unless ``skip_bad``;
    with it, ``rejected`` (if given) receives each chunk's bad rows as (position, why) pairs."""
    try:
        return _run(graph, reader, writer, plan, chunk_size, skip_bad, allow_nonfinite, progress, rejected)
    finally:
        drain = getattr(writer, "drain", None)
        if drain is not None:  # rows handed to a background writer are written, whatever happened
            drain()


def _run(graph, reader, writer, plan, chunk_size, skip_bad, allow_nonfinite, progress, rejected) -> Summary:
    summary = Summary()
    size = vectorized.rows_for(graph, chunk_size)
    for chunk in reader.chunks(plan.from_file, plan.extra, size):
        summary.seen += chunk.n + len(chunk.bad)
        done = evaluate(graph, plan, chunk, allow_nonfinite, explain=not skip_bad or summary.first_skipped is None)
        lines, extra, bad = done.lines, done.extra, done.bad
        block = np.column_stack(done.columns) if len(lines) else None
        if bad:
            bad.sort()
            if not skip_bad:
                line, why, hint = bad[0]
                if block is not None:  # the rows before the bad one, whatever the chunk size
                    before = lines < line
                    writer.write(block[before], _rows(extra, before))
                raise bad_row(reader, line, why, hint)
            summary.skipped += len(bad)
            summary.skipped_at.append(np.array([b[0] for b in bad], dtype=np.int64))
            if summary.first_skipped is None:
                summary.first_skipped = bad[0][:2]
            if rejected is not None:
                rejected([b[:2] for b in bad])
        if block is not None:
            note_nonfinite_gradients(summary, done.columns[len(graph.inputs) + 1:], lines)
            writer.write(block, extra)
            summary.rows += len(block)
        if progress is not None:
            progress(chunk.done, chunk.n + len(chunk.bad))
    return summary


@dataclass
class Evaluated:
    """A chunk's rows evaluated: the good rows' positions, their output columns (output_names' order,
    one array each) and passed-through columns; the bad rows as (position, why, hint)."""

    lines: np.ndarray
    columns: list
    extra: Optional[object]
    bad: list


def evaluate(graph: Graph, plan: Plan, chunk: Chunk, allow_nonfinite: bool, explain: bool = True) -> Evaluated:
    """Value and gradients at a chunk's rows.  Unless ``allow_nonfinite``, a row with an inf or nan
    input, or whose value is undefined, is bad (the first undefined one explained by the scalar
    engine if ``explain``)."""
    bad = [(line, why, _BAD_HINT) for line, why in chunk.bad]
    lines, columns, extra = chunk.lines, {**plan.fixed, **chunk.columns}, chunk.extra
    if chunk.n and not allow_nonfinite:
        keep = _finite_inputs(chunk, bad)
        if keep is not None:
            lines = lines[keep]
            columns = {k: v[keep] if np.ndim(v) else v for k, v in columns.items()}
            extra = _rows(extra, keep)
    n = len(lines)
    if not n:
        return Evaluated(lines, [], extra, bad)
    inputs = list(graph.inputs)
    result = vectorized.run(graph, columns, n)
    out = [*(result.full(columns[name]) for name in inputs), result.value, *result.gradients.values()]
    undefined = None if allow_nonfinite else result.undefined()
    if undefined is not None:
        rows = np.flatnonzero(undefined)
        bad.extend((int(lines[k]), _why_undefined(graph, {name: float(out[i][k]) for i, name in enumerate(inputs)})
                    if explain and j == 0 else "undefined", _UNDEFINED_HINT)
                   for j, k in enumerate(rows))
        keep = ~undefined
        lines, extra = lines[keep], _rows(extra, keep)
        out = [column[keep] for column in out]
    return Evaluated(lines, out, extra, bad)


def bad_row(reader: Reader, line: int, why: str, hint: str) -> "BadRow":
    error = BadRow(f"{shown(reader.origin)}, {reader.where(line)}: {why}", hint)
    error.position, error.why = line, why
    return error


def note_nonfinite_gradients(summary: Summary, gradients: list, lines: np.ndarray) -> None:
    """Count the rows with an inf or nan gradient (written, and warned about at the end)."""
    finite = None
    for column in gradients:
        ok = np.isfinite(column)
        if not ok.all():
            finite = ok if finite is None else finite & ok
    if finite is None:
        return
    rows = np.flatnonzero(~finite)
    summary.nonfinite_gradients += len(rows)
    first = int(lines[rows[0]])
    if summary.first_nonfinite_gradient is None or first < summary.first_nonfinite_gradient:
        summary.first_nonfinite_gradient = first


def _rows(table, mask):
    """The rows of a passed-through table where ``mask`` is true (None stays None)."""
    if table is None:
        return None
    mask = np.asarray(mask, dtype=bool)
    if isinstance(table, Cells):
        return table.filter(mask)
    import pyarrow as pa

    return table.filter(pa.array(mask))


_BAD_HINT = "Fix the row, or pass --skip-bad to leave bad rows out (they are counted on stderr)."
_NONFINITE_HINT = ("Fix the row, pass --skip-bad to leave such rows out, or --allow-nonfinite to let "
                   "inf and nan flow through.")
_UNDEFINED_HINT = ("Pass --allow-nonfinite to write inf and nan for such rows, or --skip-bad to "
                   "leave them out.")


def _finite_inputs(chunk: Chunk, bad: list) -> Optional[np.ndarray]:
    """Rows whose inputs are all finite (inf and nan in the file are bad rows, as with --at)."""
    keep = None
    for name, v in chunk.columns.items():
        finite = np.isfinite(v)
        if not finite.all():
            keep = finite if keep is None else keep & finite
    if keep is None:
        return None
    for k in np.flatnonzero(~keep):
        name = next(n for n, v in chunk.columns.items() if not np.isfinite(v[k]))
        bad.append((int(chunk.lines[k]), f"{name} is {exact(float(chunk.columns[name][k]))}: "
                                         "inputs must be finite numbers", _NONFINITE_HINT))
    return keep


def _why_undefined(graph: Graph, point: dict) -> str:
    """The scalar engine's message for the point: which node is undefined, and why."""
    from ...core.engine import run

    try:
        result = run(graph, point, record=False)
    except MathError as e:
        where = ", ".join(f"{k} = {exact(v)}" for k, v in point.items())
        return f"undefined at {where}: {e.message}"
    # numpy's exp and libm's may disagree in the last bit right at the edge of overflow.
    return f"undefined ({exact(result.value)} in the scalar engine, inf or nan here)"
