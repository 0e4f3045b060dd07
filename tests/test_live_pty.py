"""The installed `backprop live` under a real pseudo-terminal: it starts, takes keys, and quits
cleanly with the terminal given back (alternate screen left, cursor shown, exit status 0)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")  # POSIX only
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

from conftest import SAMPLES  # noqa: E402

LEAVE_ALT_SCREEN = b"\x1b[?1049l"
SHOW_CURSOR = b"\x1b[?25h"


def _installed_command() -> str:
    """The console script next to this Python (the venv's), else the one on PATH."""
    here = Path(sys.executable).with_name("backprop")
    found = str(here) if here.exists() else shutil.which("backprop")
    assert found, "the backprop command is installed with the package"
    return found


class Terminal:
    """A child process on a pseudo-terminal of a given size; collects everything it writes."""

    def __init__(self, argv: list, columns: int = 80, rows: int = 24) -> None:
        import struct

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
        env.pop("NO_COLOR", None)
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        close_fds=True, start_new_session=True)
        os.close(slave)
        self.output = b""

    def read_until(self, needle: bytes, timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while needle not in self.output and time.monotonic() < end:
            if not self._read(0.1):
                if self.process.poll() is not None:
                    self._read(0.1)
                    break
        return needle in self.output

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.output += data
        return bool(data)

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def finish(self, timeout: float = 20.0) -> int:
        end = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < end:
            self._read(0.1)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"backprop live did not quit; it wrote: {self.output[-2000:]!r}")
        while self._read(0.05):
            pass
        os.close(self.master)
        return self.process.returncode


@pytest.mark.slow
def test_installed_live_starts_takes_keys_and_quits_cleanly():
    term = Terminal([_installed_command(), "live", "-f", str(SAMPLES / "simple.bp")])
    try:
        assert term.read_until(b"inputs"), term.output[-2000:]
        assert term.read_until(b"-12")  # f at the lecture's point
        term.send(b"\x1b[C")  # right arrow: x from -2 to -1
        assert term.read_until(b"-16"), "f = (x + y) z = 4 * -4 after the nudge"
        term.send(b"n")
        assert term.read_until(b"backward pass")
        term.send(b"q")
        code = term.finish()
    finally:
        if term.process.poll() is None:
            term.process.kill()
    assert code == 0, term.output[-2000:]
    tail = term.output[term.output.rfind(LEAVE_ALT_SCREEN):]
    assert LEAVE_ALT_SCREEN in term.output and SHOW_CURSOR in tail, "the terminal is given back"
    assert b"Traceback" not in term.output


@pytest.mark.slow
def test_installed_live_with_a_bad_program_says_so_in_one_message():
    term = Terminal([_installed_command(), "live", "(x+", "--at", "x=1"])
    code = term.finish()
    assert code == 2
    text = term.output.decode("utf-8", "replace")
    assert "Error:" in text and "never closed" in text
    assert LEAVE_ALT_SCREEN not in term.output  # it never took the screen


@pytest.mark.slow
def test_help_then_two_quick_arrows_and_ctrl_c_quit_cleanly():
    term = Terminal([_installed_command(), "live", "-f", str(SAMPLES / "neuron.bp")])
    try:
        assert term.read_until(b"inputs"), term.output[-2000:]
        term.send(b"?")
        assert term.read_until(b"any key closes")
        term.send(b"\x1b[B\x1b[B")  # two arrows at once: the second arrives while help closes
        time.sleep(0.5)
        term.send(b"n")
        assert term.read_until(b"backward pass")
        term.send(b"\x03")  # ctrl+c quits, as a teacher expects (no 'press ctrl+q' prompt)
        code = term.finish()
    finally:
        if term.process.poll() is None:
            term.process.kill()
    assert code == 0, term.output[-2000:]
    assert b"Internal error" not in term.output and b"ScreenStackError" not in term.output
    tail = term.output[term.output.rfind(LEAVE_ALT_SCREEN):]
    assert LEAVE_ALT_SCREEN in term.output and SHOW_CURSOR in tail


@pytest.mark.slow
def test_at_60_columns_the_graph_panel_fits_its_numbers_from_the_first_screen():
    # On a real terminal the first fit of the columns came before the layout's last word on the
    # panel's width: "gradien" over "-0.196" (df/dw0 = -0.1966 cut) until the first key.
    import re

    term = Terminal([_installed_command(), "live", "-f", str(SAMPLES / "neuron.bp")], columns=60, rows=20)
    try:
        assert term.read_until(b"inputs"), term.output[-2000:]
        assert term.read_until(b"0.7311")
        time.sleep(1.0)
        term._read(0.2)
        term.send(b"q")
        code = term.finish()
    finally:
        if term.process.poll() is None:
            term.process.kill()
    assert code == 0, term.output[-2000:]
    assert not re.search(rb"0\.196(?!6)|0\.589(?!8)|0\.393(?!2)|gradien(?!t)", term.output), term.output[-3000:]
