"""What `backprop check` does once its options are read, without click (the click command, check.py, and
the fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

from ...base.numbers import CHECK_TOLERANCE
from ..output import echo
from .common import output_to, warn


def run(program, tolerance=CHECK_TOLERANCE, fmt="table", digits=8, method="auto", directions=16, expect=(),
        grads=(), grad_file=None, over=None, backward=None, out=None, order="1"):
    with output_to(out, fmt, "check"):
        if order == "2":
            from .check_second import check_second_order

            return check_second_order(program, tolerance, fmt, digits,
                                      expect or grads or grad_file or over or backward)
        return _check(program, tolerance, fmt, digits, method, directions, expect, grads, grad_file, over, backward)


def _check(program, tolerance, fmt, digits, method, directions, expect,
            grads, grad_file, over, backward):
    if expect or grads or grad_file or over or backward:
        from .grade_work import own_work

        return own_work(program, tolerance, fmt, digits, expect, grads,
                        grad_file, over, backward)
    from ...base.errors import MathError
    from ...tasks.check.numeric import check, choose_method
    from ...base.numbers import show
    from ..output import Progress
    result = program.run()
    if program.output is None and result.output_name[1:] in result.graph.bindings and result.output_name[:1] == "d":
        warn(f"the program ends with a gradient line ({result.output_name} = ...): to grade its backward "
             "pass, add --backward")
    seed = 0 if program.seed is None else program.seed
    if type(result.value) is not float:  # a tensor program
        return _check_tensors(result, tolerance, fmt, digits, seed, method, directions)
    chosen = choose_method(result, method)
    if method == "auto" and chosen == "directions":
        warn(f"{len(result.graph.inputs):,} inputs and {sum(result.graph.live()):,} nodes are too many to check "
             f"input by input in reasonable time: checking along {directions} random directions instead "
             "(--method each-input insists)")
    progress = Progress("checking gradients")
    try:
        report = check(result, tolerance, chosen, directions, seed, progress)
    finally:
        progress.done()
    if fmt == "json":
        from ...views.check_report import render_json

        echo(render_json(report))
    else:
        from ...views.check_report import render_table
        from ...views.console import view_console

        render_table(report, view_console(), digits)
    inconclusive = [c for c in report.inputs if c.status == "inconclusive"]
    for c in inconclusive[:MOST_WARNINGS]:
        warn(f"{c.name}: {c.note}")
    if len(inconclusive) > MOST_WARNINGS:
        warn(f"and {len(inconclusive) - MOST_WARNINGS:,} more inconclusive (--format json lists them all)")
    if report.failures:
        from ...views.check_report import names_of

        worst = max(report.failures, key=lambda c: c.relative_error if c.relative_error == c.relative_error else 1e300)
        names = names_of(report.failures)
        raise MathError(f"gradient check failed for {names}: relative error {show(worst.relative_error, 2)} "
                        f"> tolerance {show(tolerance, 3)}",
                        "If backprop's gradient is right, the finite difference may be the problem: "
                        "see the '± numeric' column.")


MOST_WARNINGS = 10


def _check_tensors(result, tolerance, fmt, digits, seed, method, directions) -> None:
    import json

    from ...base.errors import MathError
    from ...base.numbers import show
    from ...tasks.check.tensors import check_tensors
    from ...views.console import view_console

    report = check_tensors(result, tolerance, seed, method, directions)
    if fmt == "json":
        from ...views.check_report import tensor_document

        echo(json.dumps(tensor_document(result, report, tolerance, seed), indent=2, allow_nan=False,
                              ensure_ascii=False))
    else:
        from ...views.check_report import render_tensor_check

        render_tensor_check(result, report, view_console(), digits, tolerance)
    failures = [c for c in report if not c.passed]
    if failures:
        raise MathError(f"gradient check failed for {', '.join(c.name for c in failures)}: worst relative "
                        f"error {show(max(c.worst_error for c in failures), 2)} > tolerance {show(tolerance, 3)}")
