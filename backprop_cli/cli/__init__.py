"""The command line: the fast path for plain `eval` (entry), the click group (group), the commands, output."""
