"""`check --order 2`: the Hessian against finite differences of the gradient, through the API."""

from __future__ import annotations

import click

from ...base.errors import InputError, MathError


def check_second_order(program, tolerance, fmt, digits, grading) -> None:
    from ... import api
    from ...base.numbers import show
    from ..output import Progress

    if grading:
        raise InputError("--order 2 checks the Hessian; --expect, --grad, --over and --backward grade "
                         "first derivatives", "Leave out --order 2 to grade your own work.")
    result = program.run()
    if type(result.value) is not float:
        raise InputError("check --order 2 takes scalar programs for now, and this one uses vectors or matrices",
                         "eval --hvp gives Hessian-vector products of a tensor program.")
    progress = Progress("checking the Hessian")
    try:
        report = api.check_hessian(result, tolerance, 0 if program.seed is None else program.seed, progress)
    finally:
        progress.done()
    if fmt == "json":
        from ...views.check_second import render_json

        click.echo(render_json(report))
    else:
        from ...views.check_second import render_table
        from ...views.console import make_console

        render_table(report, make_console(), digits)
    if report.failures:
        from ...views.check_report import names_of

        worst = max(report.failures, key=lambda c: c.relative_error if c.relative_error == c.relative_error else 1e300)
        raise MathError(f"Hessian check failed for {names_of(report.failures)}: relative error "
                        f"{show(worst.relative_error, 2)} > tolerance {show(tolerance, 3)}",
                        "If backprop's Hessian is right, the finite difference may be the problem: "
                        "see the '± numeric' column.")
