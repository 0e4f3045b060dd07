"""`backprop check --backward [FILE]`: grade a student's backward pass line by line."""

from __future__ import annotations

import click

from ...base.errors import InputError, MathError
from .common import warn

IN_PROGRAM = "-program-"  # --backward with no FILE: the d<name> lines are in the program itself


def grade_backward(program, tolerance, fmt, digits, backward):
    from ...tasks.check.backward_pass import grade, split_program
    from ...views import grade as view
    from ...views.console import view_console
    from ...language.source import read_text

    source, origin = program.read_source()
    if backward == IN_PROGRAM:
        forward_source, backward_source = split_program(source, origin)
        if backward_source is None:
            raise InputError(f"{origin or 'the program'} has no backward pass: no line assigns d<name> "
                             "for a name defined above it",
                             "Add the backward lines (dq = z, dx = dq, ...) after the forward pass, "
                             "or give them in a file: --backward FILE.")
        backward_origin = origin
    else:
        forward_source = split_program(source, origin)[0]  # a backward part in the program gives way
        backward_source = read_text(backward)
        backward_origin = "<stdin>" if backward == "-" else backward
    loaded = program.load(source=forward_source, origin=origin)
    result = loaded.run()
    for message in result.warnings:
        warn(message)
    if loaded.tensor:
        from ...tasks.check import tensor_pass

        report = tensor_pass.grade(result, backward_source, backward_origin, tolerance)
        document, lines = view.tensor_backward_document, view.tensor_backward_lines
    else:
        report = grade(result, backward_source, backward_origin, tolerance, digits)
        document, lines = view.backward_document, view.backward_lines
    if fmt == "json":
        click.echo(view.dumps(document(report)))
    else:
        view.print_lines(view_console(), lines(report, digits))
    if not report.passed:
        wrong = [gl.statement for gl in report.graded if not gl.right]
        incomplete = [f"d{f.name}" for f in report.findings if f.failure]
        parts = []
        if wrong:
            parts.append(f"{len(wrong)} wrong line{'s' if len(wrong) != 1 else ''} "
                         f"({', '.join(str(st.line) for st in wrong)})")
        if incomplete:
            parts.append(f"{len(incomplete)} incomplete gradient{'s' if len(incomplete) != 1 else ''} "
                         f"({', '.join(incomplete)})")
        raise MathError("the backward pass has " + " and ".join(parts))
