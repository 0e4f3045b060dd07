"""backprop trace: the forward pass, then every edge of the backward pass in the lecture's words."""

import os
import re
import select
import subprocess
import sys
import time

import pytest

from backprop_cli import evaluate
from backprop_cli.base.numbers import show
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
    # backward: upstream, local as formula and number, their product, in the short names
    assert "upstream df/df = 1" in text
    assert "f -> q: upstream 1 × local (z = -4) = -4" in text
    assert "f -> z: upstream 1 × local (q = 3) = 3" in text
    assert "upstream df/dq = -4" in text
    assert "q -> x: upstream -4 × local 1 = -4" in text
    assert text.index("Forward pass") < text.index("Backward pass")


def test_unnamed_gates_get_short_names_and_the_forward_pass_is_their_legend(cli):
    text = cli("trace", "-f", SAMPLES / "neuron.bp", env={"COLUMNS": "80"}).stdout
    assert "  t7 = 1 + t6 = 1 + 0.3679 = 1.368" in text
    assert "  f  = 1/t7 = 1 / 1.368 = 0.7311" in text
    assert "t7 -> t6: upstream -0.5344 × local 1 = -0.5344" in text
    assert "f -> t7: upstream 1 × local (-1/t7^2 = -0.5344) = -0.5344" in text
    assert "exp(-(w0" not in text  # no whole subexpressions
    assert max(len(line) for line in text.splitlines()) <= 80
    full = cli("trace", "-f", SAMPLES / "neuron.bp", "--labels", "full").stdout
    assert "1 + exp(-(w0*x0 + w1*x1 + w2)) = 1 + 0.3679 = 1.368" in full
    assert "t7" not in full


def test_after_plus_equals_the_new_node_is_named_apart(cli):
    text = cli("trace", "input c = 3\nc += c").stdout
    assert "dc#2/dc = 2" in text and "dc/dc" not in text
    assert "c#2 = c + c = 3 + 3 = 6" in text


def test_gate_patterns_in_the_lectures_words(cli):
    text = cli("trace", "-f", SAMPLES / "gates.bp").stdout
    assert "the add gate distributes" in text
    assert "the mul gate swaps its inputs" in text
    assert "the max gate routes" in text
    assert "local (1 if z is the largest else 0 = 1)" in text
    assert "local (1 if w is the largest else 0 = 0)" in text


def test_a_branch_adds_with_running_sums_and_the_total(cli):
    r = evaluate((SAMPLES / "staged.bp").read_text())
    text = cli("trace", "-f", SAMPLES / "staged.bp").stdout
    # x feeds num, -x and xpy: three contributions, each shown with +=, then the sum.
    lines = [line for line in text.splitlines() if "df/dx += " in line]
    assert len(lines) == 3, text
    assert [re.search(r"\((\d) of 3\)", line).group(1) for line in lines] == ["1", "2", "3"]
    g = r.graph
    x = g.inputs["x"]
    flows = [r.contrib[i][k] for i in range(g.output, -1, -1) for k, j in enumerate(g.args[i]) if j == x]
    assert len(flows) == 3 and sum(flows) == pytest.approx(r.grads[x])
    text = cli("trace", "-f", SAMPLES / "staged.bp", env={"COLUMNS": "200"}).stdout
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
    names = [t for _, t in titles]
    # named gates keep their names; the unnamed ones are t1, t2, ... numbered in topological order
    named = [g.name[i] or g.output_name for i in range(g.output, -1, -1)
             if g.args[i] and (g.name[i] or i == g.output)]
    assert [t for t in names if not re.match(r"t\d+$", t)] == named
    generated = [int(t[1:]) for t in names if re.match(r"t\d+$", t)]
    assert generated == sorted(generated, reverse=True) and min(generated) == 1


def test_the_trace_reads_the_engines_recorded_facts():
    # Change what the engine recorded: the trace must show it, so it cannot be recomputing.
    r = evaluate("q*z", {"q": 3, "z": -4})
    out = r.graph.output
    r.local[out] = (1234.5, 6789.25)
    r.contrib[out] = (-111.5, -222.75)
    text = plain(r)
    assert "f -> q: upstream 1 × local (z = 1234) = -111.5" in text
    assert "= -222.8" in text


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


def test_piped_output_is_plain_and_equal_to_the_built_parts(monkeypatch):
    import io

    from backprop_cli.views.console import make_console

    monkeypatch.setenv("COLUMNS", "300")
    r = evaluate((SAMPLES / "staged.bp").read_text())
    t = trace_view.build(r)
    buffer = io.StringIO()
    trace_view.render(r, make_console(file=buffer))
    assert buffer.getvalue() == "\n\n".join(t.plain()) + "\n"
    assert "\x1b[" not in buffer.getvalue()


def test_colour_and_plain_say_the_same_at_every_width():
    import io

    from backprop_cli.views.styled import Writer

    r = evaluate((SAMPLES / "neuron.bp").read_text())
    for width in (60, 80, 120):
        plain_out, colour_out = io.StringIO(), io.StringIO()
        trace_view.write(r, Writer(plain_out, False, width))
        trace_view.write(r, Writer(colour_out, True, width))
        assert re.sub(r"\x1b\[[0-9;]*m", "", colour_out.getvalue()) == plain_out.getvalue()
        assert max(len(line) for line in plain_out.getvalue().splitlines()) <= width


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
    assert "  f  = t1*z = 3 * (-4) = -12" in text
    assert "step 1: f = t1*z" in text and "upstream df/df = 1" in text
    assert "f -> t1: upstream 1 × local (z = -4) = -4" in text


def test_a_kink_is_said_to_be_a_convention(cli):
    text = cli("trace", "max(z, w)", "--at", "z=2,w=2").stdout
    assert "at a kink" in text and "= 0.5" in text
    assert "at a kink" not in cli("trace", "max(z, w)", "--at", "z=2,w=1").stdout


def test_a_branch_with_many_terms_is_summed_in_short(cli):
    text = cli("trace", "+".join(["x"] * 12), "--at", "x=1", env={"COLUMNS": "200"}).stdout
    branch = next(line for line in text.splitlines() if "branch:" in line)
    assert branch.endswith("df/dx = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + … (3 more) + 1 = 12")
    text = cli("trace", "+".join(["x"] * 10), "--at", "x=1").stdout
    assert "… (" not in text and " + 1 = 10" in text


# ---- the styled-line fitter (views/styled.py) ---------------------------------------------------

from hypothesis import example as _example, given as _given, settings as _settings, strategies as _st  # noqa: E402

_PIECE = _st.one_of(
    _st.tuples(_st.sampled_from(["a", " word", " ×", " 中文", "e\u0301", "  ", " long-label-" * 3, ""]),
               _st.sampled_from([None, "bold", "dim"])),
    _st.tuples(_st.sampled_from(["1.5", "-0.25", "123456789.125"]), _st.sampled_from(["green", "red"])),
    _st.just(("", "break")),
)


@_settings(max_examples=300, deadline=None)
@_given(_st.lists(_PIECE, max_size=40), _st.integers(8, 100), _st.integers(0, 6))
@_example([(" long-label-" * 3, None), ("a", None)], 36, 0)  # a first line filled by one piece
def test_fit_keeps_every_character_and_every_number_whole_within_the_width(pieces, width, indent):
    from backprop_cli.views.styled import cells, fit

    lines = fit(pieces, width, indent)
    text = lambda ps: "".join(t for t, _ in ps)  # noqa: E731
    assert "".join(text(line) for line in lines).replace(" ", "") == text(pieces).replace(" ", "")
    numbers = [t for t, s in pieces if s in ("green", "red")]
    for line in lines:
        if cells(text(line)) > width:  # only a number may stick out, never split
            assert any(t in numbers for t, s in line if s in ("green", "red")), line
    for line in lines:
        for t, s in line:
            if s in ("green", "red"):
                assert t in numbers


def test_cells_counts_wide_and_combining_characters():
    from backprop_cli.views.styled import cells

    assert [cells(t) for t in ["abc", "×", "中文", "e\u0301", "a×中\u0301b", ""]] == [3, 1, 4, 1, 5, 0]


# ---- a big trace: written by a thread of its own to a terminal or a pipe ------------------------


def _lines(n):
    return [[(f"  line {k}: upstream ", None), (show(k / 7), "green"), (" × local ", None), ("", "break"),
             (f"{k}", "red")] for k in range(n)]


def _through_a_pipe(background, lines, colour=True, close_reader=False):
    from backprop_cli.views.styled import Writer

    read, write = os.pipe()
    got = []
    if close_reader:
        os.close(read)
    else:
        import threading

        def reader():
            with os.fdopen(read, "rb") as f:
                got.append(f.read())

        thread = threading.Thread(target=reader)
        thread.start()
    stream = os.fdopen(write, "w", encoding="utf-8")
    writer = Writer(stream, colour, 40, background=background)
    try:
        for line in lines:
            writer.line(line)
        writer.flush()
    finally:
        writer.abandon()
        try:
            stream.close()
        except BrokenPipeError:
            pass
        if not close_reader:
            thread.join()
    return got[0] if got else None


def test_a_background_writer_writes_the_same_bytes_in_the_same_order():
    lines = _lines(10_000)  # several buffers: the thread takes all but the first
    assert _through_a_pipe(True, lines) == _through_a_pipe(False, lines)
    assert _through_a_pipe(True, lines, colour=False) == _through_a_pipe(False, lines, colour=False)


def test_a_background_writer_starts_a_thread_for_a_pipe_only(tmp_path, monkeypatch):
    import threading

    from backprop_cli.views.styled import Writer

    started = []
    real = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self.name) or real(self))
    _through_a_pipe(True, _lines(5000))
    assert "view-writer" in started
    started.clear()
    with open(tmp_path / "out.txt", "w") as f:  # a file takes its bytes at once: written in the caller
        writer = Writer(f, False, 40, background=True)
        for line in _lines(5000):
            writer.line(line)
        writer.flush()
    assert started == [] and (tmp_path / "out.txt").read_text().count("\n") == 5000


def test_a_reader_that_left_is_a_broken_pipe_in_the_caller():
    with pytest.raises(BrokenPipeError):
        _through_a_pipe(True, _lines(10_000), close_reader=True)


def test_abandon_does_not_wait_for_a_reader_that_does_not_read():
    from backprop_cli.views.styled import Writer

    read, write = os.pipe()  # nobody reads: the pipe fills, and the thread waits in its write
    stream = os.fdopen(write, "w", encoding="utf-8")
    writer = Writer(stream, False, 40, background=True)
    try:
        for line in _lines(30_000):
            writer.line(line)
            if writer._thread is not None and writer._chunks.full():
                break
        started = time.monotonic()
        writer.abandon()
        assert time.monotonic() - started < 2 and writer._thread is None
    finally:
        os.close(read)
        try:
            stream.close()
        except BrokenPipeError:
            pass


def test_ctrl_c_in_a_big_trace_on_a_terminal_is_one_line_and_exit_130(tmp_path):
    import signal

    program = tmp_path / "big.bp"
    program.write_text("x = 0.5\ny = 0.5\n" + "".join(f"v{k} = sin(x*{k}) + y*v{k - 1}\n" if k else "v0 = x*y\n"
                                                     for k in range(6000)))
    term = Terminal("trace", "-f", str(program), COLUMNS="100")
    term.read_until(b"step 1:")  # and no further: the terminal fills, and the trace waits for it
    term.proc.send_signal(signal.SIGINT)
    code = term.finish()
    assert code == 130, term.seen[-300:]
    assert term.seen.rstrip().endswith(b"Interrupted."), term.seen[-300:]
    assert b"Traceback" not in term.seen and b"Fatal" not in term.seen


@_settings(max_examples=500, deadline=None)
@_given(_st.floats(allow_nan=True, allow_infinity=True), _st.integers(0, 17))
def test_show_is_digits_significant_without_a_sign_on_zero(x, digits):
    """show against its definition: %g with the digits, the exponent without its zeros, 0 for -0."""
    import math

    if x != x:
        expected = "nan"
    elif math.isinf(x):
        expected = "inf" if x > 0 else "-inf"
    elif x == 0:
        expected = "0"
    else:
        text = "%.*g" % (max(1, digits), x)
        mantissa, _, exponent = text.partition("e")
        expected = f"{mantissa}e{int(exponent)}" if exponent else text
    assert show(x, digits) == expected
