"""Where features meet, as a script writer and a new user type them (the sweep of issue 22): each
test is a run that once gave a wrong suggestion, dropped a result without a word, or printed
something a script could not read."""

from __future__ import annotations

from conftest import run


def test_a_space_after_the_comma_of_at_suggests_one_comma():
    result = run("eval", "x*y", "--at", "x=1,", "y=2")
    assert result.exit_code == 2
    assert "Write --at x=1,y=2 " in result.stderr and ",," not in result.stderr
