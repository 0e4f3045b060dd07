"""backprop check: every input's gradient against centred finite differences."""

from __future__ import annotations

import click

from .. import options
from .common import ExpressionCommand, out_option, output_to, program_options, warn, click_option


def _not_negative(ctx, param, value):
    if not value >= 0:
        raise click.BadParameter("must be a number >= 0, e.g. 1e-6")
    return value


@click.command(cls=ExpressionCommand, short_help="Compare the gradients with finite differences.")
@program_options
@click_option(options.CHECK_TOLERANCE_OPTION, callback=_not_negative)
@click_option(options.FORMATS["check"])
@click_option(options.CHECK_DIGITS)
@click_option(options.CHECK_METHOD)
@click.option("--directions", "directions", type=click.IntRange(1, 100_000), default=16, show_default=True,
              help="How many random directions, when checking along directions (--seed picks them).")
@click.option("--expect", "expect", multiple=True, metavar="NAME=VALUE,...",
              help="Your own numbers to grade, e.g. --expect dx=-4,dy=-4,dz=3 (f=... for the value).")
@click.option("--grad", "grads", multiple=True, metavar='"dNAME = FORMULA"',
              help='Your gradient formula to grade, e.g. --grad "dx = 2*x" (repeatable).')
@click.option("--grad-file", metavar="FILE", help="Formulas to grade, one 'dNAME = formula' a line.")
@click_option(options.CHECK_OVER)
@click.option("--backward", metavar="[FILE]", is_flag=False, flag_value="-program-",
              help="Grade a backward pass: the d<name> lines in FILE, or (with no FILE) in the program.")
@click_option(options.CHECK_ORDER)
@out_option
def command(program, tolerance, fmt, digits, method, directions, expect,
            grads, grad_file, over, backward, out, order):
    """\b
    backprop check "(x+y)*z" --at x=-2,y=5,z=-4
    backprop check -f samples/neuron.bp
    backprop check "relu(x)*y" --at x=0,y=2          (a kink: flagged, not a failure)
    backprop check -f model.bp --tolerance 1e-8 --format json
    backprop check "x^2*y + sin(x*y)" --at x=1,y=2 --order 2

    Compare backprop's gradient with a centred finite difference for every input,
    as the lecture advises before trusting a gradient.  Each input gets its own step,
    h = eps^(1/3) * max(1, |x|), shown with the relative error and the verdict.

    Exit status 0 when every gradient passes, 1 when any fails, so a script can use
    it as a guard.  A kink (relu or abs at 0, a tie in max or min) is flagged and not
    counted as a failure; so is a kink closer than the step can resolve.

    Many inputs are checked together on numpy arrays.  A program too big to check
    input by input in reasonable time (inputs x nodes above 1e9, e.g. 100,000 inputs)
    is checked along 16 random directions instead (--method, --directions).

    \b
    Check your own work (see docs/check-your-work.md):
    backprop check "(x+y)*z" --at x=-2,y=5,z=-4 --expect dx=-4,dy=-4,dz=3,f=-12
    backprop check "x^2*sin(x)" --at x=1 --grad "dx = 2*x*sin(x) + x^2*cos(x)"
    backprop check "x^2*sin(x)" --grad "dx = 2*x*sin(x)" --over x=-3:3
    backprop check -f samples/exercises/simple-mistakes.bp --backward
    backprop check -f samples/simple.bp --backward my-backward.txt
    """
    with output_to(out):
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

        click.echo(render_json(report))
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

        click.echo(json.dumps(tensor_document(result, report, tolerance, seed), indent=2, allow_nan=False,
                              ensure_ascii=False))
    else:
        from ...views.check_report import render_tensor_check

        render_tensor_check(result, report, view_console(), digits, tolerance)
    failures = [c for c in report if not c.passed]
    if failures:
        raise MathError(f"gradient check failed for {', '.join(c.name for c in failures)}: worst relative "
                        f"error {show(max(c.worst_error for c in failures), 2)} > tolerance {show(tolerance, 3)}")
