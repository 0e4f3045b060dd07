"""Views of a gradient check: a table for people, a JSON document for scripts."""

from __future__ import annotations

from ..tasks.check.numeric import EPS, RELATIVE_ERROR_RULE, STEP_FACTOR, STEP_RULE, CheckReport
from ..base.numbers import json_value, show

WORDS = {"pass": "ok", "fail": "FAIL", "kink": "kink", "near-kink": "near a kink",
         "inconclusive": "inconclusive"}
STYLES = {"pass": "green", "fail": "bold red", "kink": "yellow", "near-kink": "yellow",
          "inconclusive": "yellow"}


#: a table of more inputs than this shows the ones that did not pass and the worst that did
MANY = 40
#: names listed in a sentence before "and N more"
MOST_NAMES = 10


def names_of(checks: list) -> str:
    names = ", ".join(c.name for c in checks[:MOST_NAMES])
    return names + (f" and {len(checks) - MOST_NAMES:,} more" if len(checks) > MOST_NAMES else "")


def verdict(report: CheckReport) -> str:
    n = len(report.inputs)
    along = report.method != "each input"
    fails = report.failures
    noun = "direction" if along else "gradient"
    if fails:
        return (f"FAIL: {len(fails):,} of {n:,} {noun}{'s' if n != 1 else ''} "
                f"{'disagree' if len(fails) > 1 else 'disagrees'} with finite differences ({names_of(fails)})")
    by = {}
    for c in report.inputs:
        by.setdefault(c.status, []).append(c)
    passed = len(by.get("pass", []))
    if passed == n:
        if along:
            return f"the gradient passes along all {n:,} direction{'s' if n != 1 else ''}"
        return "the gradient passes" if n == 1 else f"all {n:,} gradients pass"
    parts = [f"{passed:,} of {n:,} pass"]
    for status in ("kink", "near-kink", "inconclusive"):
        if status in by:
            parts.append(f"{WORDS[status]}: {names_of(by[status])}")
    return "; ".join(parts) + "; no failures"


def _shown(report: CheckReport) -> tuple:
    """The checks the table shows: all of them, or for many inputs those that did not pass and
    the passes with the largest relative errors; and how many passes are left out."""
    checks = report.inputs
    if len(checks) <= MANY:
        return checks, 0
    others = [c for c in checks if c.status != "pass"][:MANY]
    passes = [c for c in checks if c.status == "pass"]
    worst = sorted(passes, key=lambda c: -c.relative_error)[:max(5, MANY // 4 - len(others))]
    keep = {id(c) for c in others + worst}
    return [c for c in checks if id(c) in keep], len(checks) - len(keep)


def _check_head(f: str, value: str, at: list, inputs: int) -> list:
    """The report's first line, "gradient check of f = value at x = 1, ...": ``at`` the first eight
    inputs' items, each never broken across lines, and a count of all ``inputs`` when there are more."""
    from .styled import BREAK

    if inputs > 8:
        at = at + [f"... ({inputs:,} inputs)"]
    head = [("gradient check of", None), BREAK, (f" {f} = {value}", None)]
    for k, item in enumerate(at):
        head += [BREAK, (f" {'at ' if k == 0 else ''}{item}{',' if k + 1 < len(at) else ''}", None)]
    return head


def lines(report: CheckReport, digits: int, width: int) -> list:
    """The check for people, as lines of (text, style) pieces no wider than ``width``: the numbers
    whole (a table too wide is split into groups of columns), the notes wrapped."""
    from .console import GRAD_STYLE
    from .styled import columns, prose

    r = report.result
    f = r.output_name
    at = [f"{name} = {show(v, digits)}" for name, v in list(r.at.items())[:8]]
    out = [_check_head(f, show(r.value, digits), at, len(r.at)), []]
    along = report.method != "each input"
    shown, left_out = _shown(report)
    headers = ["direction" if along else "input", "value", "step h", "backprop", "numeric", "± numeric", "rel. error", "result"]
    right = [False] + [True] * 7
    rows = [[(c.name.replace("direction ", "") if along else c.name, None),
             ("-" if c.value is None else show(c.value, digits), None), (show(c.step, 4), None),
             (show(c.backprop, digits), GRAD_STYLE), (show(c.numeric, digits), None),
             (show(c.numeric_error, 2), None), (show(c.relative_error, 2), None),
             (WORDS[c.status], STYLES[c.status])] for c in shown]
    if along:
        del headers[1], right[1]
        for row in rows:
            del row[1]
    out += columns(headers, rows, right, width)
    if left_out:
        out.append(prose(f"... and {left_out:,} more inputs that pass, with smaller relative errors "
                         "(--format json lists every input)"))
    out.append([])
    if along:
        seed = "" if report.seed in (None, 0) else f", --seed {report.seed}"
        out.append(prose(f"checked along {report.method} through the point{seed}: every input x moves by "
                         f"t * z * max(1, |x|), z standard normal; backprop's slope along a direction is "
                         f"the sum of gradient times z * max(1, |x|), as in JAX's check_grads"))
    if along:
        out.append(prose(f"numeric: centred difference (g(h) - g(-h)) / 2h of g(t) = f at the point moved "
                         f"by t along the direction, step h = eps^(1/3) = {show(STEP_FACTOR, 4)} "
                         f"(eps = {show(EPS, 3)})"))
    else:
        out.append(prose(f"numeric: centred difference (f(x+h) - f(x-h)) / 2h, step {STEP_RULE} "
                         f"= {show(STEP_FACTOR, 4)} * max(1, |x|) (eps = {show(EPS, 3)})"))
    out.append(prose(f"rel. error: {RELATIVE_ERROR_RULE}; ok when <= {show(report.tolerance, 3)} "
                     f"(--tolerance), or when the difference is within ± numeric, the finite "
                     f"difference's own error"))
    notes = [c for c in shown if c.note]
    if notes:
        out.append([])
        out += [prose(f"{c.name}: {c.note}") for c in notes]
    out.append([])
    out.append(prose(verdict(report), "bold red" if report.failures else "bold"))
    return out


def render_table(report: CheckReport, console, digits: int) -> None:
    _write(console, lambda width: lines(report, digits, width))


def _write(console, make_lines) -> None:
    """The lines ``make_lines(width)`` gives for the console's width, written and flushed."""
    from .styled import writer_for

    writer = writer_for(console)
    for line in make_lines(writer.width):
        if line:
            writer.line(line, indent=2)
        else:
            writer.blank()
    writer.flush()


def document(report: CheckReport) -> dict:
    r = report.result
    g = r.graph
    return {
        "output": {"name": r.output_name, "value": json_value(r.value)},
        "inputs": {name: json_value(v) for name, v in r.at.items()},
        "method": {
            "numeric": "centred difference (f(x+h) - f(x-h)) / ((x+h) - (x-h))",
            "step": STEP_RULE, "eps": EPS,
            "relative_error": RELATIVE_ERROR_RULE,
            "numeric_error": "|D(h) - D(2h)| + 4 r / 2h, r = eps * (|f| + sum over nodes of |value * gradient|)",
        },
        "tolerance": report.tolerance,
        "probes": report.method,
        **({"directions": {"count": len(report.inputs), "seed": report.seed,
                           "coefficients": "z * max(1, |x|) per input, z standard normal"}}
           if report.method != "each input" else {}),
        "checks": [
            {
                **({"entry": c.name, "of": c.of} if c.along is not None else {}),
                "input": c.name if c.along is None else c.along,
                "value": json_value(c.value),
                "step": json_value(c.step),
                "backprop": json_value(c.backprop),
                "numeric": json_value(c.numeric),
                "numeric_error": json_value(c.numeric_error),
                "relative_error": json_value(c.relative_error),
                "status": c.status,
                "node": None if c.node is None else {"id": c.node, "op": g.op[c.node], "label": g.label(c.node)},
                "note": c.note,
            }
            for c in report.inputs
        ],
        "passed": report.passed,
        "verdict": verdict(report),
    }


def render_json(report: CheckReport) -> str:
    import json

    return json.dumps(document(report), indent=2, allow_nan=False, ensure_ascii=False)


def tensor_lines(report: list, digits: int, width: int, tolerance: float = 1e-6) -> list:
    """The check of a tensor program: one row an input (its shape, how it was checked, the worst
    relative error and where), no wider than ``width``; the notes under it.  A relative error within
    the tolerance is shown as "<= tolerance", and the numeric derivative to the digits its own error
    leaves: below that, it is rounding, which differs from one machine's BLAS to another's."""
    from ..core.ops import shape_text
    from .console import GRAD_STYLE
    from .styled import columns, prose

    headers = ["input", "shape", "checked", "worst rel. error", "where", "backprop", "numeric", "result"]
    right = [False, False, False, True, False, True, True, True]
    words = {**WORDS, "kink": "kink nearby", "near-kink": "kink nearby"}
    rows = [[(c.name, None), (shape_text(c.shape), None), (c.method, None),
             (f"<= {show(tolerance, 3)}" if c.worst_error <= tolerance else show(c.worst_error, 2), None),
             (c.where or "-", None), (show(c.analytic, digits), GRAD_STYLE),
             (show(c.numeric, _known_digits(c.numeric, c.numeric_error, digits)), None),
             (words[c.status], STYLES[c.status])]
            for c in report]
    out = columns(headers, rows, right, width)
    notes = [c for c in report if c.note]
    if notes:
        out.append([])
        out += [prose(f"{c.name}{' ' + c.where if c.where else ''}: {c.note}") for c in notes]
    return out


def _known_digits(value: float, error: float, digits: int) -> int:
    """The significant digits of ``value`` that its error leaves standing (at most ``digits``): the
    rest of a finite difference is rounding, which differs from one machine's BLAS and SIMD exp to
    another's."""
    import math

    if not (value and math.isfinite(value) and error > 0 and math.isfinite(error)):
        return digits
    return max(1, min(digits, math.floor(math.log10(abs(value) / error))))


def render_tensor_table(report: list, console, digits: int, tolerance: float = 1e-6) -> None:
    _write(console, lambda width: tensor_lines(report, digits, width, tolerance))


# ---- a tensor program's check: the scalar check's title, verdict, notes and JSON schema ---------------

def tensor_verdict(report: list) -> str:
    """The scalar check's verdict, worded over inputs: "all 3 gradients pass", "FAIL: 1 of 3
    gradients disagrees with finite differences (W)", "2 of 3 pass; kink nearby: x; no failures"."""
    n = len(report)
    fails = [c for c in report if not c.passed]
    if fails:
        return (f"FAIL: {len(fails):,} of {n:,} gradient{'s' if n != 1 else ''} "
                f"{'disagree' if len(fails) > 1 else 'disagrees'} with finite differences ({names_of(fails)})")
    passed = [c for c in report if _tensor_status(c) == "pass"]
    if len(passed) == n:
        return "the gradient passes" if n == 1 else f"all {n:,} gradients pass"
    parts = [f"{len(passed):,} of {n:,} pass"]
    for status, word in (("kink", "kink nearby"), ("near-kink", "near a kink"), ("inconclusive", "inconclusive")):
        some = [c for c in report if _tensor_status(c) == status]
        if some:
            parts.append(f"{word}: {names_of(some)}")
    return "; ".join(parts) + "; no failures"


def _tensor_status(c) -> str:
    """An input's verdict: its worst probe's, a kink when the finite difference cannot see the slope."""
    return "kink" if c.kink else c.status


def _tensor_probes(report: list) -> str:
    methods = list(dict.fromkeys(c.method for c in report))
    return methods[0] if len(methods) == 1 else "; ".join(
        f"{m} ({', '.join(c.name for c in report if c.method == m)})" for m in methods)


def tensor_check_lines(result, report: list, digits: int, width: int, tolerance: float) -> list:
    """The tensor check for people, as the scalar check: its title (the output and the inputs by
    shape), the table (one row an input: its worst probe), the notes, the verdict."""
    import numpy as np

    from ..core.ops import shape_text
    from .styled import prose

    f = result.output_name
    value = result.value
    shown = show(float(value), digits) if np.ndim(value) == 0 else shape_text(np.shape(value))
    at = [f"{name} {shape_text(np.shape(v))}" if np.ndim(v) else f"{name} = {show(float(v), digits)}"
          for name, v in list(result.at.items())[:8]]
    out = [_check_head(f, shown, at, len(result.at)), []]
    out += tensor_lines(report, digits, width, tolerance)
    out.append([])
    out.append(prose("each row is an input's worst probe: every element of an input of at most 64 elements, "
                     "a larger one along random directions (--method, --directions, --seed), as JAX's "
                     "check_grads"))
    out.append(prose(f"numeric: centred difference (f(x+h) - f(x-h)) / 2h, step {STEP_RULE} "
                     f"= {show(STEP_FACTOR, 4)} * max(1, |x|) (eps = {show(EPS, 3)})"))
    out.append(prose(f"rel. error: {RELATIVE_ERROR_RULE}; ok when <= {show(tolerance, 3)} (--tolerance), "
                     "or when the difference is within the finite difference's own error"))
    out.append([])
    fails = [c for c in report if not c.passed]
    out.append(prose(tensor_verdict(report), "bold red" if fails else "bold"))
    return out


def render_tensor_check(result, report: list, console, digits: int, tolerance: float) -> None:
    _write(console, lambda width: tensor_check_lines(result, report, digits, width, tolerance))


def tensor_document(result, report: list, tolerance: float, seed=None) -> dict:
    """The scalar check's JSON schema (output, inputs, method, tolerance, probes, checks, passed,
    verdict) for a tensor program: an input's value is its shape, and each check is an input's
    worst probe, with ``shape``, ``probes`` and ``where`` (an element's index or a direction)."""
    import numpy as np

    from .tensor_text import nested

    doc = {
        "output": {"name": result.output_name, "value": nested(result.value)},
        "inputs": {name: ({"shape": list(np.shape(v))} if np.ndim(v) else json_value(float(v)))
                   for name, v in result.at.items()},
        "method": {
            "numeric": "centred difference (f(x+h) - f(x-h)) / ((x+h) - (x-h))",
            "step": STEP_RULE, "eps": EPS,
            "relative_error": RELATIVE_ERROR_RULE,
            "numeric_error": "|D(h) - D(2h)| + 4 r / 2h, r = eps * (|f| + sum over nodes of |value * gradient|)",
        },
        "tolerance": tolerance,
        "probes": _tensor_probes(report),
        "checks": [
            {
                "input": c.name,
                "shape": list(c.shape),
                "probes": c.method,
                "where": c.where or None,
                "value": None,
                "step": json_value(c.step),
                "backprop": json_value(c.analytic),
                "numeric": json_value(c.numeric),
                "numeric_error": json_value(c.numeric_error),
                "relative_error": json_value(c.worst_error),
                "status": _tensor_status(c),
                "node": None,
                "note": c.note,
            }
            for c in report
        ],
        "passed": all(c.passed for c in report),
        "verdict": tensor_verdict(report),
    }
    if seed not in (None, 0) and any(c.method != "every element" for c in report):
        doc["directions"] = {"seed": seed}
    return doc
