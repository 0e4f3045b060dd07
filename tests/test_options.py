"""Every option that several commands share is built from one entry of cli/options.py, and each default
has one owner: walk click's parameters of every command against that table."""

from __future__ import annotations

import collections
import importlib

import click
import pytest

from backprop_cli.cli import options
from backprop_cli.cli.group import COMMANDS


def _commands():
    return {name: importlib.import_module(f"backprop_cli.cli.commands.{COMMANDS[name][0]}").command
            for name in COMMANDS}


def _table() -> list:
    entries = []
    for value in vars(options).values():
        if isinstance(value, options.Option):
            entries.append(value)
        elif isinstance(value, dict):
            entries.extend(v for v in value.values() if isinstance(v, options.Option))
    return entries


def _built_from(param: click.Option, entry: options.Option) -> bool:
    if param.name != entry.dest or tuple(param.opts) != tuple(entry.flags[:len(param.opts)]):
        return False
    if tuple(param.opts) + tuple(param.secondary_opts) != tuple(entry.flags):
        return False
    if param.help != entry.help:
        return False
    if not entry.is_flag and entry.default is not None and param.default != entry.default:
        return False
    if entry.choices is not None and list(getattr(param.type, "choices", ())) != list(entry.choices):
        return False
    return True


def test_every_shared_option_comes_from_the_table():
    commands = _commands()
    users = collections.defaultdict(set)
    for name, command in commands.items():
        for param in command.params:
            if isinstance(param, click.Option):
                for flag in param.opts:
                    users[flag].add(name)
    shared = {flag for flag, names in users.items() if len(names) > 1}
    table = _table()
    missing = []
    for name, command in commands.items():
        for param in command.params:
            if not isinstance(param, click.Option) or not shared.intersection(param.opts):
                continue
            if param.name in ("max_size",):  # --max-size: one decorator (common.max_size_option) for all
                continue
            if not any(_built_from(param, entry) for entry in table):
                missing.append(f"{name} {'/'.join(param.opts)}")
    assert not missing, f"shared options not built from cli/options.py: {missing}"


def test_each_default_has_one_owner():
    from backprop_cli.base import numbers
    from backprop_cli.tasks import quiz
    from backprop_cli.tasks.check import numeric

    assert options.CHECK_TOLERANCE_OPTION.default is numbers.CHECK_TOLERANCE is numeric.DEFAULT_TOLERANCE
    assert options.QUIZ_SIGNIFICANT_OPTION.default is numbers.QUIZ_SIGNIFICANT is quiz.DEFAULT_SIGNIFICANT
    commands = _commands()
    tolerance = {p.name: p.default for p in commands["check"].params}["tolerance"]
    assert tolerance == numeric.DEFAULT_TOLERANCE == 1e-6  # the library's default, loosened 1000x once


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_that_prints_a_result_has_out(name):
    command = _commands()[name]
    flags = {flag for p in command.params for flag in getattr(p, "opts", ())}
    if name == "live":  # a full-screen app: --screenshot FILE is its file
        assert "--screenshot" in flags
        return
    assert {"-o", "--out"} <= flags, f"{name} has no -o/--out"
