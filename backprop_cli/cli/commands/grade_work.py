"""`backprop check` with --expect, --grad/--grad-file (and --over) or --backward: grade a student's
own numbers, formulas or backward pass against backprop's."""

from __future__ import annotations

import click

from ...base.errors import InputError, MathError
from .common import warn

DEFAULT_OVER_POINTS = 201


def own_work(program, tolerance, fmt, digits, expect, grads, grad_file,
             over, backward):
    chosen = [flag for flag, used in (("--expect", expect), ("--grad", grads or grad_file),
                                       ("--backward", backward)) if used]
    if len(chosen) > 1:
        raise InputError(f"give one of {' or '.join(chosen)} at a time")
    if over and not (grads or grad_file):
        raise InputError("--over compares formulas over a range: give them with --grad or --grad-file")
    if backward:
        from .grade_backward import grade_backward

        return grade_backward(program, tolerance, fmt, digits, backward)
    from ...tasks.check import own_work as grade
    from ...views import grade as view
    from ...views.console import view_console

    loaded = None if over else program.load()
    if loaded is not None and loaded.tensor:
        return _tensor_work(loaded, tolerance, fmt, digits, expect, grads, grad_file)
    if expect:
        expected = grade.parse_expect(expect)  # bad numbers are reported before the program runs
        result = _run(loaded)
        comparisons = grade.check_expected(result, expected, tolerance)
        what, noun = "your numbers", "number"
    else:
        formulas = grade.parse_formulas(grads, grad_file)
        if over:
            from ...tasks.plot import parse_over

            rng = parse_over(over)
            program.allow_nonfinite = True
            loaded = program.load(also_bound=[rng.name]).scalar_only("check --over")
            if rng.name not in loaded.point:
                loaded.point[rng.name] = rng.lo  # the swept input needs no --at
            result = loaded.run()
            for message in result.warnings:
                warn(message)
            checks = grade.check_formulas_over(result, formulas, rng, tolerance, rng.n or DEFAULT_OVER_POINTS)
            if fmt == "json":
                click.echo(view.dumps(view.range_document(result, checks, rng)))
            else:
                view.print_lines(view_console(), view.range_lines(result, checks, rng, digits))
            wrong = [c.name for c in checks if c.differ]
            if wrong:
                raise MathError(f"{', '.join(wrong)}: your formula{'s differ' if len(wrong) > 1 else ' differs'} "
                                f"from backprop over {rng.name} = {rng.lo:g} .. {rng.hi:g}")
            return
        result = _run(loaded)
        comparisons = grade.check_formulas(result, formulas, tolerance)
        what, noun = "your formulas", "formula"
    _report(result, comparisons, fmt, view.comparisons_document,
            lambda: view.print_lines(view_console(), view.comparisons_lines(result, comparisons, what, digits, noun)))


def _tensor_work(loaded, tolerance, fmt, digits, expect, grads, grad_file):
    """A tensor program's arrays: shapes first, then element by element, the mistakes named."""
    from ...tasks.check import tensor_work as grade
    from ...views import grade as view
    from ...views.console import make_console

    if expect:
        expected = grade.parse_expect(expect)
        result = _run(loaded)
        comparisons = grade.check_expected(result, expected, tolerance)
        what, noun = "your arrays", "array"
    else:
        formulas = grade.parse_formulas(grads, grad_file)
        result = _run(loaded)
        comparisons = grade.check_formulas(result, formulas, tolerance)
        what, noun = "your formulas", "formula"
    _report(result, comparisons, fmt, view.tensor_comparisons_document,
            lambda: view.print_lines(make_console(),
                                     view.tensor_comparisons_lines(result, comparisons, what, digits, noun)))


def _report(result, comparisons: list, fmt: str, document, print_table) -> None:
    """The graded comparisons as JSON (``document``) or a table (``print_table``); exit 1 naming each
    wrong gradient once (an array's elements are several comparisons of one name)."""
    from ...views import grade as view

    if fmt == "json":
        click.echo(view.dumps(document(result, comparisons)))
    else:
        print_table()
    wrong = [c.name for c in comparisons if not c.right]
    if wrong:
        names = list(dict.fromkeys(wrong))
        raise MathError(f"{', '.join(names)} {'are' if len(names) > 1 else 'is'} wrong "
                        f"({len(wrong)} of {len(comparisons)})")


def _run(loaded):
    result = loaded.run()
    for message in result.warnings:
        warn(message)
    return result
