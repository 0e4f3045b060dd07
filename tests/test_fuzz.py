"""Fuzzing every command in-process: whatever it is given, it ends with exit 0, or 1/2 and one
message on stderr; never a traceback, never the internal-error exit 70.

Commands come from backprop_cli.cli.group.COMMANDS, so a new command is fuzzed as soon as it is
listed there.  The long campaign (100,000+ inputs,
every command) is tools/fuzz.py; its result is in the README's hardening section.
"""

from __future__ import annotations

import os
import random
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_cli.core.ops import GATES
from conftest import command_params, run
from fuzzgen import (base_name, is_fast, FUNCTIONS, INPUTS, STEPS, TOKENS, at_argument, check_outcome, deliver,
                     group_options, load_commands, random_bytes, random_options, recipe, run_entry)

FOUND, MISSING = load_commands(fast_path=True)
ALL = list(FOUND)  # a command that does not import fails test_no_eval.py::test_every_command_imports
READS_FILES = [name for name in FOUND if "file" in {p.name for p in FOUND[name].params}]
TAKES_AT = [name for name in FOUND if "at" in {p.name for p in FOUND[name].params}]

#: examples per command and kind; BACKPROP_FUZZ_EXAMPLES=2000 for a longer run by hand.
EXAMPLES = int(os.environ.get("BACKPROP_FUZZ_EXAMPLES", "25"))
FUZZ = settings(deadline=None, max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Commands run in a scratch directory: an option that writes a file writes it there."""
    path = tmp_path_factory.mktemp("fuzz")
    old = os.getcwd()
    os.chdir(path)
    yield str(path)
    os.chdir(old)


def run_checked(name, argv, stdin=None):
    result = run_entry([base_name(name), *argv], input=stdin) if is_fast(name) else run(name, *argv, input=stdin)
    problem = check_outcome(result)
    assert problem is None, f"backprop {name} {argv!r} (stdin {stdin!r}): {problem}"
    return result


# ---- strategies ------------------------------------------------------------------------------

any_text = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(exclude_categories=()), max_size=30),  # with lone surrogates and controls
    st.text("()+-*/^,;=#.eE0123456789xyz_ \n\t", max_size=60),
)
soup = st.lists(st.sampled_from(TOKENS + [" "]), min_size=1, max_size=30).map("".join)
leaf = st.one_of(st.sampled_from(INPUTS[:3]), st.sampled_from(["pi", "e"]),
                 st.sampled_from(["0", "1", "2", "0.5", ".5", "3.", "1e3", "1e-3", "2.5E+2", "1e308", "1e-320"]))


def _call(children):
    def build(fname):
        lo, hi = GATES[fname].arity
        return st.lists(children, min_size=lo, max_size=hi if hi is not None else lo + 3).map(
            lambda args: f"{fname}({', '.join(args)})")
    return st.sampled_from(FUNCTIONS).flatmap(build)


expressions = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", "**"]), children).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})" if t[1] in ("^", "**") else f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"({c})"),
        _call(children),
    ),
    max_leaves=12,
)


@st.composite
def programs(draw):
    """(text, point): statements over inputs x, y, z; each step is assigned before it is used."""
    lines = []
    if draw(st.booleans()):
        lines.append(f"input x = {draw(st.sampled_from(['1', '-2', 'pi/4', '2^3']))}")
    steps = draw(st.lists(st.sampled_from(STEPS), max_size=3, unique=True))
    for step in steps:
        lines.append(f"{step} = {draw(expressions)}")
    if not steps or draw(st.booleans()):
        lines.append(draw(expressions))
    text = draw(st.sampled_from(["\n", "; ", "\n# a comment\n"])).join(lines)
    values = st.sampled_from(["1", "-2", "0", "0.5", "3", "pi/4", "1e-8", "1e300"])
    point = {name: draw(values) for name in INPUTS[:3]}
    return text, point


# ---- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", command_params(ALL))
@FUZZ
@given(text=any_text, seed=st.integers(0, 2 ** 32 - 1))
def test_random_text(name, text, seed, workdir):
    rng = random.Random(seed)
    command = FOUND[name]
    tail, stdin = deliver(rng, command, text, workdir)
    point = {"x": "1", "y": "2"}
    run_checked(name, [*at_argument(point, FOUND[name]), *recipe(rng, name, point, workdir), *tail], stdin)


@pytest.mark.parametrize("name", command_params(ALL))
@FUZZ
@given(text=soup, seed=st.integers(0, 2 ** 32 - 1))
def test_token_soup(name, text, seed, workdir):
    rng = random.Random(seed)
    tail, stdin = deliver(rng, FOUND[name], text, workdir)
    point = {"x": "1", "y": "-2", "z": "0.5"}
    run_checked(name, [*at_argument(point, FOUND[name]), *recipe(rng, name, point, workdir), *tail], stdin)


@pytest.mark.parametrize("name", command_params(ALL))
@FUZZ
@given(program=programs(), seed=st.integers(0, 2 ** 32 - 1))
def test_valid_programs(name, program, seed, workdir):
    text, point = program
    rng = random.Random(seed)
    tail, stdin = deliver(rng, FOUND[name], text, workdir)
    result = run_checked(name, [*at_argument(point, FOUND[name]), *recipe(rng, name, point, workdir), *tail], stdin)
    if base_name(name) == "eval":
        assert result.exit_code in (0, 1), result.stderr  # a valid program is never an input error


@pytest.mark.parametrize("name", command_params(ALL))
@FUZZ
@given(program=programs(), seed=st.integers(0, 2 ** 32 - 1))
def test_random_options(name, program, seed, workdir):
    """The command's own options, with sensible values and with nonsense."""
    text, point = program
    rng = random.Random(seed)
    command = FOUND[name]
    options = random_options(rng, command, workdir)
    tail, stdin = deliver(rng, command, text, workdir)
    run_checked(name, [*at_argument(point, FOUND[name]), *recipe(rng, name, point, workdir), *options, *tail], stdin)


@pytest.mark.parametrize("name", command_params(READS_FILES))
@settings(deadline=None, max_examples=max(5, EXAMPLES // 2))
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_random_files(name, seed, workdir):
    """Bytes in a file: invalid UTF-8, NUL bytes, byte-order marks."""
    rng = random.Random(seed)
    path = os.path.join(workdir, "bytes.bp")
    with open(path, "wb") as fh:
        fh.write(random_bytes(rng))
    point = {"x": "1"}
    run_checked(name, [*at_argument(point, FOUND[name]), *recipe(rng, name, point, workdir), "-f", path])


@pytest.mark.parametrize("name", command_params(TAKES_AT))
@FUZZ
@given(at=st.one_of(any_text, soup, st.lists(st.sampled_from(
    ["x=", "=", ",", "x=1", "y=-2", "(", ")", "pi", "1e999", "x=1,", "x==1", "x=(1,2)", "z=sqrt(-1)"]),
    max_size=6).map("".join)))
def test_random_at(name, at, workdir):
    """--at is user text too: it is parsed as constant expressions."""
    rng = random.Random(zlib.crc32(at.encode("utf-8", "surrogatepass")))
    extra = recipe(rng, name, {"x": "1", "y": "2", "z": "3"}, workdir)
    run_checked(name, ["--at", at, *extra, "--", "x*y+z"])


@pytest.mark.parametrize("name", command_params(ALL))
@FUZZ
@given(program=st.one_of(programs(), st.tuples(soup, st.just({"x": "1"}))), seed=st.integers(0, 2 ** 32 - 1))
def test_group_options(name, program, seed, workdir):
    """`backprop --max-size SIZE --debug COMMAND ...`: the group's own options, sensible or not."""
    text, point = program
    rng = random.Random(seed)
    command = FOUND[name]
    before = group_options(rng)
    tail, stdin = deliver(rng, command, text, workdir)
    argv = [*before, base_name(name), *at_argument(point, FOUND[name]),
            *recipe(rng, name, point, workdir), *tail]
    # With --debug an internal error comes out as the exception itself: the test fails on it too.
    result = run_entry(argv, input=stdin) if is_fast(name) else run(*argv, input=stdin)
    problem = check_outcome(result)
    assert problem is None, f"backprop {argv!r} (stdin {stdin!r}): {problem}"
