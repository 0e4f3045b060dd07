"""Resource bounds: inputs that would blow up time or memory fail at once with one clear message.

"At once" is checked without a clock: an input over a limit must be refused before the parser
runs (the parser is replaced by one that fails the test).  Timings are in bench/limits.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import backprop_cli.api
import backprop_cli.language.parser
from backprop_cli.language import limits
from backprop_cli.base.errors import InputError, SourceError
from conftest import ROOT, run

SHORT = 1500  # no message about a hostile input is longer than this


def refused(*args, code=2, input=None, env=None):
    result = run(*args, input=input, env=env)
    assert result.exit_code == code, (result.exit_code, result.stderr[:2000])
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert sum(line.startswith("Error") for line in lines) == 1, result.stderr[:2000]
    assert "Traceback" not in result.stderr
    assert len(result.stderr) < SHORT, result.stderr[:2000]
    return result.stderr


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if the text reaches the parser: a limit must be checked before it."""
    def parse(*args, **kwargs):
        raise AssertionError("the parser ran on an input that should have been refused before it")

    monkeypatch.setattr(backprop_cli.language.parser, "parse", parse)
    monkeypatch.setattr(backprop_cli.language.program, "parse", parse)
    monkeypatch.setattr(backprop_cli.language.values, "parse", parse)


# ---- the inputs of the issue -------------------------------------------------------------------


def test_an_exponent_tower_overflows_to_the_undefined_value_error():
    err = refused("eval", "9^9^9^9", code=1)
    assert "is undefined (inf)" in err and "overflows a double" in err
    assert "--allow-nonfinite" in err


def test_an_exponent_tower_with_allow_nonfinite_is_inf():
    result = run("eval", "9^9^9^9", "--allow-nonfinite", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert '"value": "inf"' in result.stdout


def test_a_100000_digit_literal(no_parsing):
    err = refused("eval", "1" * 100_000)
    assert "this number has 100,000 digits; the limit is 1,000" in err and "1:1" in err


def test_a_long_but_sane_literal_is_fine():
    assert run("eval", "0." + "0" * 300 + "1").exit_code == 0  # 1e-301: 303 characters
    assert refused("eval", "1" * 400, code=2)  # 1e399 has 400 digits: too large for a double
    assert "too large for a double" in refused("eval", "1" * 400)


def test_a_megabyte_identifier(no_parsing):
    err = refused("eval", "x" * 1_000_000 + " + 1")
    assert "this name is 1,000,000 characters long; the limit is 255" in err


def test_names_up_to_the_limit_work():
    name = "n" * 255
    result = run("eval", f"{name} * 2", "--at", f"{name}=3", "--format", "json")
    assert result.exit_code == 0, result.stderr[:500]


def test_a_10_mb_file(tmp_path, no_parsing):
    path = tmp_path / "big.bp"
    path.write_bytes(b"x+" * (5 * 1024 * 1024) + b"x")  # 10 MiB
    err = refused("eval", "-f", path, "--at", "x=1")
    assert f"{path} is larger than the limit of 10 MB" in err and "--max-size" in err


def test_a_10_mb_expression_and_stdin(no_parsing):
    text = "x+" * 5_000_001
    assert "the expression is larger than the limit of 10 MB (10,000,002 bytes)" in refused("eval", text)
    assert "standard input is larger than the limit of 10 MB" in refused("eval", "-", input=text)


def test_the_size_limit_counts_utf8_bytes(no_parsing):
    # 3,400,000 characters but 10,200,000 bytes: the comment's é is two bytes.
    text = "x # " + "é" * 5_099_998
    assert "larger than the limit of 10 MB (10,200,000 bytes)" in refused("eval", text)


def test_a_million_deep_nesting(no_parsing):
    err = refused("eval", "(" * 1_000_000 + "x" + ")" * 1_000_000, "--at", "x=1")
    assert "parentheses nest 1,000,000 deep here; the limit is 100,000" in err
    assert "1:100001" in err  # where the limit is crossed


def test_nesting_depth_limit_is_exact():
    limits.check_source("(" * 100_000 + "x" + ")" * 100_000)
    with pytest.raises(SourceError, match="nest 100,001 deep"):
        limits.check_source("sin(" * 100_001 + "x" + ")" * 100_001)


def test_parentheses_in_comments_do_not_count():
    limits.check_source("# " + "(" * 200_000 + "\nx")


def test_a_nul_byte(tmp_path):
    path = tmp_path / "nul.bp"
    path.write_bytes(b"x = 1\ny = x +\x00 2\n")
    err = refused("eval", "-f", path)
    assert f"{path}:2:8: a NUL byte is not allowed in a program" in err
    assert "binary file" in err
    assert "\x00" not in err


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.bp"
    path.write_bytes("x * 2 # café\n".encode("latin-1"))
    err = refused("eval", "-f", path, "--at", "x=1")
    assert f"{path} is not UTF-8 text (byte 11 is 0xe9)" in err


def test_utf8_with_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.bp"
    path.write_bytes(b"\xef\xbb\xbfx * 2 # caf\xc3\xa9\n")
    assert run("eval", "-f", path, "--at", "x=1").exit_code == 0


def test_a_missing_file_a_directory_and_a_bad_path(tmp_path):
    assert f"cannot read {tmp_path}/nope.bp: no such file" in refused("eval", "-f", tmp_path / "nope.bp")
    assert "it is a directory" in refused("eval", "-f", tmp_path)
    assert "cannot read" in refused("eval", "-f", "a\x00b")


def test_control_characters_never_reach_the_terminal(no_parsing):
    err = refused("eval", "x + 1 # \x1b]0;pwned\x07\x1b[2J")
    assert "a control character (U+001B) is not allowed" in err and "\x1b" not in err
    err = refused("eval", "x + 1 # \u202e reversed")
    assert "bidirectional control character (U+202E)" in err and "\u202e" not in err


def test_undecodable_bytes_from_the_command_line(no_parsing):
    # Linux hands Python non-UTF-8 argv bytes as lone surrogates.
    assert "not UTF-8 text" in refused("eval", "x + \udcff")


# ---- names and values given outside the program --------------------------------------------


def test_long_and_hostile_names_in_options():
    err = refused("eval", "x", "--at", "x" * 100_000 + "=1")
    assert "is 100,000 characters long; the limit is 255" in err
    assert "is not a name" in refused("eval", "x", "--at", "x=1", "--output", "\x1b[31m")
    assert "\x1b" not in refused("eval", "x", "--at", "\x1b[31m=1")
    assert "characters long" in refused("eval", "x", "--at", "x=1", "--output", "y" * 10_000)


def test_hostile_at_values(no_parsing):
    assert "nest 1,000,000 deep" in refused("eval", "x", "--at", "x=" + "(" * 1_000_000 + "1" + ")" * 1_000_000)
    assert "100,000 digits" in refused("eval", "x", "--at", "x=" + "9" * 100_000)


def test_messages_about_many_names_stay_short():
    names = [f"v{i}" for i in range(2_000)]
    err = refused("eval", "+".join(names))
    assert "no value for inputs v0, v1, v2" in err and "and 1,990 more" in err
    err = refused("eval", "+".join(names), "--output", "zzz")
    assert "the program has no name 'zzz'" in err and "more" in err


# ---- the size limit and its flag -----------------------------------------------------------


@pytest.mark.parametrize("text, size", [
    ("10MB", 10_000_000), ("10 mb", 10_000_000), ("500k", 500_000), ("1.5GB", 1_500_000_000),
    ("2MiB", 2 * 1024 * 1024), ("123", 123), ("0", 0), ("64 bytes", 64),
    ("99999999999999999999", 0), ("9" * 400, 0),  # more than any machine holds: no limit
])
def test_parse_size(text, size):
    assert limits.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "x", "-1", "1TB", "MB", "1e3", "1.2.3"])
def test_parse_size_refuses(text):
    with pytest.raises(InputError, match="is not a size"):
        limits.parse_size(text)


def test_max_size_flag_raises_and_lowers_the_limit(tmp_path):
    path = tmp_path / "prog.bp"
    path.write_text("x * 2 # " + "pad " * 50 + "\n")  # 209 bytes
    env = {"BACKPROP_MAX_SIZE": "100"}
    assert "larger than the limit of 100 bytes" in refused("eval", "-f", path, "--at", "x=1", env=env)
    for flag in (["--max-size", "1k", "eval"], ["eval", "--max-size", "1k"]):  # on the group or the command
        args = flag[:-1] if flag[0] == "--max-size" else []
        cmd = flag[-1] if flag[0] == "--max-size" else flag[0]
        rest = [] if flag[0] == "--max-size" else flag[1:]
        result = run(*args, cmd, *rest, "-f", path, "--at", "x=1", env=env)
        assert result.exit_code == 0, (flag, result.stderr)
    assert "larger than the limit of 200 bytes" in refused("eval", "--max-size", "200", "-f", path, "--at", "x=1")
    assert run("eval", "--max-size", "0", "-f", path, "--at", "x=1", env=env).exit_code == 0


def test_max_size_lasts_one_run(tmp_path):
    assert "limit of 5 bytes" in refused("--max-size", "5", "eval", "x+y+z+1")
    assert run("eval", "x", "--at", "x=1").exit_code == 0  # the next run has the default again
    assert limits.max_bytes() == limits.DEFAULT_MAX_BYTES


def test_bad_max_size_values():
    assert "Invalid value for '--max-size': 'lots' is not a size" in refused("eval", "--max-size", "lots", "x")
    assert "Invalid value for '--max-size'" in refused("--max-size", "-3", "eval", "x")
    err = refused("eval", "x", "--at", "x=1", env={"BACKPROP_MAX_SIZE": "big"})
    assert "BACKPROP_MAX_SIZE: 'big' is not a size" in err


def test_a_huge_max_size_reads_what_is_there():
    assert run("eval", "--max-size", "99999999999999999999", "-", "--at", "x=1", input="x*2").exit_code == 0


def test_the_api_checks_the_limits_too():
    with pytest.raises(SourceError, match="nest 200,000 deep"):
        backprop_cli.api.evaluate("(" * 200_000 + "x" + ")" * 200_000, at={"x": 1})
    with pytest.raises(InputError, match="larger than the limit"):
        backprop_cli.api.build("x+" * 5_000_001)


# ---- a real process: real pipes, real argv bytes ----------------------------------------------


def backprop(*args, input=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "backprop_cli.cli", *args], input=input,
                          capture_output=True, env=env, timeout=120)


def test_in_a_real_process():
    big = backprop("eval", "-", input=b"x+" * 5_000_001)
    assert big.returncode == 2 and b"standard input is larger than the limit of 10 MB" in big.stderr
    deep = backprop("eval", "-", input=b"(" * 1_000_000 + b"x" + b")" * 1_000_000)
    assert deep.returncode == 2 and b"nest 1,000,000 deep" in deep.stderr
    argv = backprop("eval", os.fsdecode(b"x + \xff"))
    assert argv.returncode == 2 and b"not UTF-8 text" in argv.stderr
    tower = backprop("eval", "9^9^9^9")
    assert tower.returncode == 1 and b"undefined (inf)" in tower.stderr
    for r in (big, deep, argv, tower):
        assert b"Traceback" not in r.stderr and r.stdout == b""


def test_a_large_text_checked_twice_is_checked_again_under_other_limits(monkeypatch):
    """check_source skips a large text it has just passed (read, then built), but only under the
    same limits, and the small texts checked in between (--at values) do not matter."""
    text = "x + " * 50_000 + "x"
    limits.check_source(text)
    limits.check_source("1.5")
    limits.check_source(text)
    monkeypatch.setattr(limits, "_override", 1000)
    with pytest.raises(InputError, match="larger than the limit"):
        limits.check_source(text)
    monkeypatch.setattr(limits, "_override", None)
    monkeypatch.setattr(limits, "MAX_NAME", 0)
    with pytest.raises(SourceError, match="characters long"):
        limits.check_source(text)
