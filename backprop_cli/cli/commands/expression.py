"""ExpressionCommand: a click command whose EXPR may start with '-' (kept apart so common.py needs no click)."""

from __future__ import annotations

import re

import click


class ExpressionCommand(click.Command):
    """A command whose EXPR may start with '-' ("-x^2"): such an argument is taken as the
    expression, not as an unknown option."""

    def parse_args(self, ctx, args):
        takes_value = set()
        known = set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                names = param.opts + param.secondary_opts
                known.update(names)
                if not param.is_flag and not param.count:
                    takes_value.update(param.opts)
        out, moved, skip_next = [], [], False
        for k, arg in enumerate(args):
            if skip_next:
                skip_next = False
                out.append(arg)
                continue
            if arg == "--":
                out.extend(args[k:])
                break
            if arg in takes_value:
                skip_next = True
            elif _looks_like_expression(arg, known, takes_value):
                moved.append(arg)
                continue
            out.append(arg)
        if moved:
            out += moved if "--" in out else ["--", *moved]
        with escaped_usage_errors():
            words = _positionals(args, takes_value, set(moved))
            head = args[:args.index("--")] if "--" in args else args
            if any(a.startswith("--") and a.split("=", 1)[0] not in known for a in head):
                # an unknown option (a typo, --metod): click names it and suggests the option, and
                # its value is not a second word of EXPR
                return self._parse(ctx, out)
            if len(words) > 1 and not any(p.nargs == -1 for p in self.params if isinstance(p, click.Argument)):
                _stray_word(ctx, args, words, known, takes_value)
                import shlex

                joined = " ".join(words)
                raise click.UsageError(
                    f"EXPR came in {len(words)} words ({_shown(joined)}): the shell splits an expression "
                    f"that is not quoted.  Quote it: backprop {ctx.info_name} {shlex.quote(joined)} ...", ctx)
            return self._parse(ctx, out)

    def _parse(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as e:
            # click suggests from every option, hidden ones too (the old --output): not those
            hidden = {opt for p in self.params if getattr(p, "hidden", False) for opt in p.opts}
            if e.possibilities:
                e.possibilities = [p for p in e.possibilities if p not in hidden]
            raise


class escaped_usage_errors:
    """click's usage errors quote what the user typed (an unknown option, a bad value): escape it."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if isinstance(error, click.UsageError):
            from ...base.text import cut_long_words, escape_controls

            error.message = cut_long_words(escape_controls(error.message))
        return False


_VALUE_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*=[^=,]+(,[A-Za-z_][A-Za-z_0-9]*=[^=,]+)*\Z")


def _stray_word(ctx, args: list, words: list, known: set, takes_value: set) -> None:
    """A word besides EXPR that is not part of an expression: say what it looks like.  A short option
    the command lacks (-o FILE), or NAME=VALUE (input values split from their --at by a space)."""
    name = ctx.info_name
    for word in words:
        if re.fullmatch(r"-[A-Za-z]", word) and word not in known:
            raise click.UsageError(f"{word} is not an option of backprop {name}: see backprop {name} --help", ctx)
    for word in words[1:]:
        if not _VALUE_WORD.match(word):
            continue
        k = args.index(word)
        before = args[k - 2:k] if k >= 2 else []
        if before and before[0] in takes_value and "=" in before[1] and before[0] not in ("-f", "--file"):
            raise click.UsageError(
                f"'{_shown(word)}' came as a word of its own after {before[0]} {_shown(before[1])}: "
                f"{before[0]} takes one list without spaces.  Write {before[0]} "
                f"{_shown(before[1].rstrip(',') + ',' + word)} (or repeat {before[0]}).", ctx)
        raise click.UsageError(f"'{_shown(word)}' looks like input values: give them with --at "
                               f"{_shown(word)}.", ctx)


def _looks_like_expression(arg: str, known: set, takes_value: set) -> bool:
    if not arg.startswith("-") or arg == "-" or arg in known:
        return False
    if arg.startswith("--") and (arg[2:3].isalpha() or arg.split("=", 1)[0] in known):
        return False  # a long option, known or not (click says which is unknown)
    return arg[:2] not in takes_value  # not -fFILE, a short option with its value attached


def _positionals(args: list, takes_value: set, expressions: set) -> list:
    """The arguments that are not options or their values."""
    words, skip, rest = [], False, False
    for arg in args:
        if rest:
            words.append(arg)
        elif skip:
            skip = False
        elif arg == "--":
            rest = True
        elif arg in takes_value:
            skip = True
        elif arg.startswith("-") and arg != "-" and arg not in expressions:
            continue
        else:
            words.append(arg)
    return words


def _shown(text: str) -> str:
    from ...base.text import printable

    return printable(text, 60)
