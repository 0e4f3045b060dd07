"""Writing a file so that nothing is lost: to a temporary name beside the target, renamed when complete.

Interrupted (SIGINT, SIGTERM), out of space or failed half-way, the previous file stays whole and no
partial file is left behind: the temporary file is removed and the error goes on.  Every command that
writes a file writes it through ``atomic_write``.
"""

from __future__ import annotations

import errno
import os
import sys

#: errno values where the path itself is wrong (a missing folder, a directory, no permission): the
#: user can fix the name, so it is bad input (exit 2); anything else (a full disk, an I/O error) is
#: the environment failing (exit 1).
PATH_ERRORS = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM, errno.ENAMETOOLONG,
               errno.EROFS, errno.ELOOP, errno.EINVAL}


def write_error(path, error: BaseException):
    """The BackpropError for a failed write of ``path``: one line naming the file and the reason."""
    from .errors import InputError, OutputError
    from .text import printable

    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    if isinstance(error, ValueError):  # a NUL byte in the path
        return InputError(f"cannot write {printable(os.fspath(path), 200)}: {reason}")
    kind = InputError if getattr(error, "errno", None) in PATH_ERRORS else OutputError
    return kind(f"cannot write {printable(os.fspath(path), 200)}: {reason}")


def write_output(path, data, mode: str = "w") -> None:
    """Write all of ``data`` (text, or bytes with mode 'wb') to ``path`` through ``atomic_write``;
    a failure is the error of ``write_error`` and leaves any previous file as it was."""
    write_lines(path, [data], mode)


def write_lines(path, lines, mode: str = "w") -> None:
    """``write_output`` for text made piece by piece (an iterable of str or bytes): written as it
    comes, so the whole text is never held in memory."""
    kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
    target = atomic_write(path, mode, **kwargs)
    try:
        fh = target.__enter__()
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        raise write_error(path, e) from None
    try:
        fh.writelines(lines)
    except BaseException:
        kind, error, tb = sys.exc_info()
        target.__exit__(kind, error, tb)
        if isinstance(error, OSError):
            raise write_error(path, error) from None
        raise
    try:
        target.__exit__(None, None, None)
    except OSError as e:
        raise write_error(path, e) from None


class atomic_write:
    """``with atomic_write(path, "w", encoding="utf-8") as fh: ...``: fh writes to ``.<name>.<pid>.tmp``
    beside ``path``; leaving the block normally renames it over ``path`` (keeping the old file's mode),
    leaving it by an exception removes it."""

    def __init__(self, path, mode: str = "w", **open_kwargs) -> None:
        if "w" not in mode:
            raise ValueError("atomic_write writes: give a mode with 'w'")
        self.path = os.fspath(path)
        folder, name = os.path.split(os.path.abspath(self.path))
        self.temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
        self.mode = mode
        self.open_kwargs = open_kwargs
        self.file = None

    def __enter__(self):
        self.file = open(self.temporary, self.mode, **self.open_kwargs)
        return self.file

    def __exit__(self, kind, error, traceback) -> bool:
        try:
            if kind is None:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
            if kind is None:
                try:
                    os.chmod(self.temporary, os.stat(self.path).st_mode & 0o7777)
                except OSError:  # no previous file: the new one keeps the default mode
                    pass
                os.replace(self.temporary, self.path)
                return False
        except BaseException:
            self.discard()
            raise
        self.discard()
        return False

    def discard(self) -> None:
        try:
            if self.file is not None and not self.file.closed:
                self.file.close()
        except OSError:
            pass
        try:
            os.unlink(self.temporary)
        except FileNotFoundError:
            pass
