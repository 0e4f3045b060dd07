"""backprop trace: the forward pass, then every edge of the backward pass in the lecture's words."""

import os
import re
import select
import subprocess
import sys
import time

import pytest

from backprop_cli import evaluate
from backprop_cli.numbers import show
from backprop_cli.views import trace as trace_view
from conftest import ROOT, SAMPLES

SIMPLE = ("(x+y)*z", "--at", "x=-2,y=5,z=-4")


def plain(result):
    return "\n".join(trace_view.build(result).plain())


def test_the_lectures_simple_graph(cli):
    out = cli("trace", "q = x + y; f = q*z", "--at", "x=-2,y=5,z=-4")
    assert out.exit_code == 0, out.stderr
    text = out.stdout
    # forward, node by node
    assert "q = x + y = -2 + 5 = 3" in text
    assert "f = q*z = 3 * (-4) = -12" in text
    # backward: upstream, local as formula and number, the product, what flows on
    assert "upstream df/df = 1" in text
    assert "local d(q*z)/dq = z = -4" in text
    assert "upstream * local = 1 * (-4) = -4" in text
    assert "df/dq = -4" in text
    assert "local d(q*z)/dz = q = 3" in text
    assert "upstream df/dq = -4" in text
    assert "local d(x + y)/dx = 1" in text
    assert "upstream * local = -4 * 1 = -4" in text
    assert text.index("Forward pass") < text.index("Backward pass")


def test_gate_patterns_in_the_lectures_words(cli):
    text = cli("trace", "-f", SAMPLES / "gates.bp").stdout
    assert "the add gate distributes" in text
    assert "the mul gate swaps its inputs" in text
    assert "the max gate routes" in text
    assert "local d(max(z, w))/dz = 1 if z is the largest else 0 = 1" in text
    assert "local d(max(z, w))/dw = 1 if w is the largest else 0 = 0" in text


def test_a_branch_adds_with_running_sums_and_the_total(cli):
    r = evaluate((SAMPLES / "staged.bp").read_text())
    text = cli("trace", "-f", SAMPLES / "staged.bp").stdout
    # x feeds num, -x and xpy: three contributions, each shown with +=, then the sum.
    lines = [line for line in text.splitlines() if "df/dx += " in line]
    assert [re.search(r"\((\d) of 3\)", line).group(1) for line in lines] == ["1", "2", "3"]
    g = r.graph
    x = g.inputs["x"]
    flows = [r.contrib[i][k] for i in range(g.output, -1, -1) for k, j in enumerate(g.args[i]) if j == x]
    assert len(flows) == 3 and sum(flows) == pytest.approx(r.grads[x])
    total = next(line for line in text.splitlines() if "branch: x" in line)
    assert "a branch adds" in total
    assert total.endswith(f"df/dx = {show(flows[0])} + {show(flows[1])} + ({show(flows[2])}) = "
                          f"{show(r.grads[x])}") or total.endswith(f"= {show(r.grads[x])}")
    assert f"({show(flows[1])})" in total  # a negative term is parenthesised
    assert "branch: y feeds 2 gate inputs" in text


def test_steps_follow_reverse_topological_order():
    r = evaluate((SAMPLES / "staged.bp").read_text())
    g = r.graph
    text = plain(r)
    titles = re.findall(r"^step (\d+): ([^ ]+)", text, re.M)
    gates = [g.label(i) for i in range(g.output, -1, -1) if g.args[i]]
    assert [int(n) for n, _ in titles] == list(range(1, len(gates) + 1))
    assert [label for _, label in titles] == [label.split(" ")[0] for label in gates]


def test_the_trace_reads_the_engines_recorded_facts():
    # Change what the engine recorded: the trace must show it, so it cannot be recomputing.
    r = evaluate("q*z", {"q": 3, "z": -4})
    out = r.graph.output
    r.local[out] = (1234.5, 6789.25)
    r.contrib[out] = (-111.5, -222.75)
    text = plain(r)
    assert "local d(q*z)/dq = z = 1234" in text
    assert "= -111.5" in text and "= -222.8" in text


def test_collapsed_trace_is_shorter_and_shows_the_sigmoid_gate(cli):
    full = cli("trace", "-f", SAMPLES / "neuron.bp").stdout
    short = cli("trace", "-f", SAMPLES / "neuron.bp", "--collapse", "sigmoid").stdout
    steps = lambda text: len(re.findall(r"^step \d+:", text, re.M))  # noqa: E731
    assert steps(full) == 8 and steps(short) == 5
    assert "(sigmoid gate)" in short and "the sigmoid gate scales by (1 - sigma)*sigma" in short
    assert "= 0.1966" in short  # sigma(1 - sigma) at sigma = 0.73
    tail = lambda text: text[text.rindex("f = "):]  # noqa: E731
    assert tail(full) == tail(short)  # the same value and gradients


def test_no_gates_at_all(cli):
    out = cli("trace", "x", "--at", "x=2")
    assert out.exit_code == 0
    assert "no gates" in out.stdout and "df/dx = 1" in out.stdout


def test_piped_output_is_plain_and_equal_to_richs_rendering():
    import io

    from backprop_cli.views.console import make_console

    r = evaluate((SAMPLES / "staged.bp").read_text())
    t = trace_view.build(r)
    buffer = io.StringIO()
    console = make_console(file=buffer)
    for part in t.renderables():
        console.print(part)
    assert buffer.getvalue() == "".join(p + "\n" for p in t.plain())
    assert "\x1b[" not in buffer.getvalue()


def test_colours_when_forced():
    import io

    from rich.console import Console

    r = evaluate("q*z", {"q": 3, "z": -4})
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=200)
    trace_view.render(r, console)
    out = buffer.getvalue()
    assert "\x1b[32m-12" in out  # the value, green
    assert "\x1b[31m-4" in out  # a gradient, red


def test_step_and_delay_are_ignored_without_a_terminal(cli):
    started = time.monotonic()
    out = cli("trace", *SIMPLE, "--step", "--delay", "30")
    assert out.exit_code == 0 and out.stdout.count("step ") == 2
    assert time.monotonic() - started < 10


def test_a_script_with_an_open_stdin_never_hangs():
    # stdin is a pipe nobody writes to or closes: --step must not read it.
    proc = subprocess.Popen([sys.executable, "-m", "backprop_cli.cli", "trace", *SIMPLE, "--step"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT, env=_env())
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        if proc.stdin:
            proc.stdin.close()
    assert proc.returncode == 0, err
    assert b"step 2:" in out and b"Enter" not in out


# ---- under a real pseudo-terminal -------------------------------------------------------------

import pty  # noqa: E402  (Linux and macOS: the only systems the project supports)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


class Terminal:
    """The CLI run with stdin and stdout on a pseudo-terminal."""

    def __init__(self, *args, **env):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "backprop_cli.cli", *args],
                                     stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                                     env=_env(**env), close_fds=True)
        os.close(slave)
        self.seen = b""

    def read_until(self, needle: bytes, timeout: float = 60) -> bytes:
        deadline = time.monotonic() + timeout
        while needle not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{needle!r} did not appear; got {self.seen[-500:]!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    if needle not in self.seen:
                        raise AssertionError(f"ended before {needle!r}; got {self.seen[-500:]!r}")
                    break
                self.seen += chunk
        return self.seen

    def drain(self, seconds: float) -> bytes:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                break
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk
        return self.seen

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def finish(self, timeout: float = 60) -> int:
        try:
            self.drain(0.5)
            code = self.proc.wait(timeout=timeout)
            self.drain(0.2)
            return code
        finally:
            self.proc.kill()
            os.close(self.master)


def test_step_waits_for_enter_between_backward_steps():
    term = Terminal("trace", *SIMPLE, "--step")
    term.read_until(b"Enter")
    assert b"Forward pass" in term.seen and b"step 1:" not in term.seen
    term.drain(0.5)
    assert b"step 1:" not in term.seen  # it waits
    term.send(b"\n")
    term.read_until(b"step 1:")
    term.read_until(b"Enter", timeout=60)
    term.drain(0.5)
    assert b"step 2:" not in term.seen  # and waits again
    term.send(b"\n")
    term.read_until(b"dz = ")
    assert term.finish() == 0
    assert term.seen.count(b"[Enter") == 2


def test_q_shows_the_rest_at_once():
    term = Terminal("trace", "-f", str(SAMPLES / "staged.bp"), "--step")
    term.read_until(b"Enter")
    term.send(b"q\n")
    term.read_until(b"step 14:")
    assert term.finish() == 0
    assert term.seen.count(b"[Enter") == 1


def test_delay_advances_by_itself_on_a_terminal():
    started = time.monotonic()
    term = Terminal("trace", *SIMPLE, "--delay", "0.6")
    term.read_until(b"step 2:")
    assert term.finish() == 0
    assert time.monotonic() - started >= 1.2  # two backward steps, 0.6 s before each


def test_colours_on_a_terminal_and_not_with_no_color():
    term = Terminal("trace", *SIMPLE)
    term.read_until(b"dz = ")
    term.finish()
    assert re.search(rb"\x1b\[[0-9;]*32m-12", term.seen)  # the value -12 in green
    assert re.search(rb"\x1b\[[0-9;]*31m-4", term.seen)  # the gradient -4 in red
    term = Terminal("trace", *SIMPLE, NO_COLOR="1")
    term.read_until(b"dz = ")
    term.finish()
    assert not re.search(rb"\x1b\[[0-9;]*3[12]m", term.seen)


def test_an_unnamed_output_is_called_f():
    r = evaluate("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    text = plain(r)
    assert "  f   = (x+y)*z = 3 * (-4) = -12" in text
    assert "step 1: f = (x+y)*z" in text and "upstream df/df = 1" in text
    assert "local d((x+y)*z)/d(x+y) = z = -4" in text


def test_a_kink_is_said_to_be_a_convention(cli):
    text = cli("trace", "max(z, w)", "--at", "z=2,w=2").stdout
    assert "at a kink" in text and "= 0.5" in text
    assert "at a kink" not in cli("trace", "max(z, w)", "--at", "z=2,w=1").stdout


def test_a_branch_with_many_terms_is_summed_in_short(cli):
    text = cli("trace", "+".join(["x"] * 12), "--at", "x=1").stdout
    branch = next(line for line in text.splitlines() if "branch:" in line)
    assert branch.endswith("df/dx = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + … (3 more) + 1 = 12")
    text = cli("trace", "+".join(["x"] * 10), "--at", "x=1").stdout
    assert "… (" not in text and " + 1 = 10" in text
