"""atomic_write: complete or absent, never partial; the previous file survives any failure."""

import os

import pytest

from backprop_cli.base.files import atomic_write


def test_complete_write_replaces_the_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write("new\n")
    assert target.read_text() == "new\n"
    assert sorted(os.listdir(tmp_path)) == ["out.csv"]


def test_failure_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    for error in (KeyboardInterrupt, OSError(28, "No space left on device")):
        with pytest.raises(type(error) if isinstance(error, BaseException) else error):
            with atomic_write(target, "w") as fh:
                fh.write("half a row, 1.2")
                raise error
        assert target.read_text() == "old\n"
        assert sorted(os.listdir(tmp_path)) == ["out.csv"]


def test_failure_without_a_previous_file_leaves_nothing(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(ValueError):
        with atomic_write(target, "wb") as fh:
            fh.write(b"\x00")
            raise ValueError("stop")
    assert os.listdir(tmp_path) == []


def test_mode_of_the_previous_file_is_kept(tmp_path):
    target = tmp_path / "run.sh"
    target.write_text("old")
    os.chmod(target, 0o751)
    with atomic_write(target) as fh:
        fh.write("new")
    assert os.stat(target).st_mode & 0o777 == 0o751


def test_writeback_starts_a_regular_files_new_bytes_and_leaves_other_streams(tmp_path):
    import os

    from backprop_cli.base.files import Writeback

    with open(tmp_path / "out.csv", "wb") as fh:
        start = Writeback(fh)
        assert start.on == hasattr(os, "posix_fadvise")
        fh.write(b"x" * 100_000)
        start()
        assert fh.tell() == 100_000 and start.done == (100_000 if start.on else 0)
        fh.write(b"y" * 10)
        start()
    assert (tmp_path / "out.csv").read_bytes() == b"x" * 100_000 + b"y" * 10  # nothing dropped
    read, write = os.pipe()
    with os.fdopen(write, "wb") as pipe:
        assert not Writeback(pipe).on
        Writeback(pipe)()
    os.close(read)
    assert not Writeback(object()).on
