"""The `backprop` command: a click group whose subcommands load only when they run."""

from __future__ import annotations

import importlib

import click

from .. import __version__

#: command name -> (module under backprop_cli.cli.commands, one-line help shown in `backprop --help`)
COMMANDS = {
    "eval": ("eval", "Show every node's value and gradient (table, tree, JSON)."),
    "trace": ("trace", "Walk the forward and backward pass step by step."),
    "graph": ("graph", "Draw the graph as DOT or Mermaid (or a picture)."),
    "check": ("check", "Compare the gradients with finite differences."),
    "codegen": ("codegen", "Write the forward and backward pass as flat code."),
    "diff": ("diff", "Write d(output)/dx as a program in this language."),
    "batch": ("batch", "Value and gradient at every row of a data file."),
    "plot": ("plot", "Draw f and df/dx over a range in the terminal."),
    "optimize": ("optimize", "Minimise the output by gradient descent."),
    "quiz": ("quiz", "Practise the forward and backward pass by hand."),
    "gates": ("gates", "List every gate: forward rule, local gradients, pattern."),
    "live": ("live", "A full-screen app: type, nudge the inputs, step the backward pass."),
}

from .helpfit import FittedContext


class LazyGroup(click.Group):
    context_class = FittedContext

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"backprop_cli.cli.commands.{COMMANDS[name][0]}")
        module.command.context_class = FittedContext  # help that fits the terminal
        return module.command

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name is not None and name not in COMMANDS and not name.startswith("-"):
            from ..base.suggest import nearest

            close = nearest(name, COMMANDS)
            hint = f" Did you mean '{close}'?" if close else ""
            from ..base.text import printable

            ctx.fail(f"No such command '{printable(name)}'.{hint} Commands: {', '.join(COMMANDS)}.")
        return super().resolve_command(ctx, args)

    def parse_args(self, ctx, args):
        from .commands.expression import escaped_usage_errors

        with escaped_usage_errors():
            return super().parse_args(ctx, args)

    def format_commands(self, ctx, formatter):
        # Listing help from the table, so `backprop --help` imports no command module.
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_, text) in COMMANDS.items()])

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as e:
            from .output import fit_click_error

            fit_click_error(e)
            raise
        except KeyboardInterrupt as e:  # Ctrl-C while the arguments are read: exit 130, not click's 1
            from .output import report

            raise click.exceptions.Exit(report(e)) from None

    def invoke(self, ctx):
        from ..language import limits
        from .output import report

        try:
            return super().invoke(ctx)
        except click.exceptions.Abort as e:
            if isinstance(e.__context__, KeyboardInterrupt):  # Ctrl-C in a click prompt: exit 130
                ctx.exit(report(KeyboardInterrupt()))
            raise
        except click.ClickException as e:
            from .output import fit_click_error

            fit_click_error(e)  # wrapped at the terminal's width, as our own messages are
            raise
        except click.exceptions.Exit:
            raise
        except (Exception, KeyboardInterrupt) as e:
            # Worded in output.report, which the fast entry point (entry.py) shares.
            ctx.exit(report(e, debug=bool(ctx.meta.get("backprop.debug"))))
        finally:
            limits.set_max_bytes(None)  # --max-size lasts one run (tests run many in one process)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="backprop", package_name="backprop-cli")
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, p, v: ctx.meta.__setitem__("backprop.debug", True) if v else None,
              help="Show the Python traceback of an internal error.")
@click.option("--max-size", metavar="SIZE", expose_value=False, is_eager=True,
              callback=lambda ctx, p, v: _set_max_size(ctx, p, v),
              help="Largest input to read, e.g. 20MB (default 10 MB, or $BACKPROP_MAX_SIZE; 0: no limit).")
def main():
    """\b
    backprop eval "(x+y)*z" --at x=-2,y=5,z=-4
    backprop eval "1/(1+exp(-(w0*x0+w1*x1+w2)))" --at w0=2,x0=-1,w1=-3,x1=-2,w2=-3
    backprop eval -f samples/neuron.bp --format json
    backprop trace -f samples/simple.bp
    backprop check "x*sin(x)" --at x=1
    echo "x^2 + 3*x" | backprop eval - --at x=2

    See the computational graph of an expression: every node's forward value and its
    gradient, computed by backpropagation as in CS231n's lecture.  Exit codes: 0 ok,
    1 the maths failed (an undefined value, a failed check), 2 the input was wrong.

    Run 'backprop COMMAND --help' for a command's options and examples.
    """


def _set_max_size(ctx, param, value):
    from .commands.common import set_max_size

    return set_max_size(ctx, param, value)

