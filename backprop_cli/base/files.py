"""Writing a file so that nothing is lost, and nothing replaced that is not a file.

A regular file (or a new path) is written to a temporary name beside it and renamed when complete:
interrupted (SIGINT, SIGTERM), out of space or failed half-way, the previous file stays whole and no
partial file is left behind.  A symbolic link is followed (its target replaced, the link kept); a
device, FIFO, socket or standard stream is written in place, its errors an I/O error (exit 1).  Every
command that writes a file (-o, --rejects, live's screenshot and saves) writes it through
``atomic_write``.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
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
    """``with atomic_write(path, "w", encoding="utf-8") as fh: ...``: writing that respects what stands
    at ``path``.

    A regular file or a new path: fh writes to ``.<name>.<pid>.tmp`` beside it; leaving the block
    normally renames it over the file (keeping the old file's permission bits, and its owner where
    allowed), leaving it by an exception removes it.  A symbolic link is followed: its target is
    replaced that way, in the target's directory, and the link stays.  A device, a FIFO, a socket or
    a standard stream (``/dev/stdout``, ``/dev/fd/N``) is written directly: it is never replaced, and
    its write errors (a full device, a reader that left) are raised as they come."""

    def __init__(self, path, mode: str = "w", **open_kwargs) -> None:
        if "w" not in mode:
            raise ValueError("atomic_write writes: give a mode with 'w'")
        self.path = os.fspath(path)
        self.mode = mode
        self.open_kwargs = open_kwargs
        self.file = None
        self.direct = False
        self.final = self.temporary = None

    def __enter__(self):
        descriptor = standard_descriptor(self.path)
        if descriptor is not None:
            self._flush_standard(descriptor)
            self.direct = True
            self.file = os.fdopen(os.dup(descriptor), self.mode, **self.open_kwargs)
            return self.file
        self.final = os.path.realpath(self.path)  # a link's target (a dangling one: the file it names)
        try:
            st = os.stat(self.final)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "it is a directory", self.path)
        if st is not None and not stat.S_ISREG(st.st_mode):
            self.direct = True
            self.file = _open_special(self.final, st, self.mode, self.open_kwargs)
            return self.file
        folder, name = os.path.split(self.final)
        self.temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
        self.file = open(self.temporary, self.mode, **self.open_kwargs)
        return self.file

    @staticmethod
    def _flush_standard(descriptor: int) -> None:
        """What Python holds for the stream already goes before what is written through the descriptor."""
        stream = {1: sys.stdout, 2: sys.stderr}.get(descriptor)
        if stream is not None:
            stream.flush()

    def __exit__(self, kind, error, traceback) -> bool:
        if self.direct:
            return self._close_direct(kind)
        try:
            if kind is None:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
            if kind is None:
                self._keep_mode()
                os.replace(self.temporary, self.final)
                return False
        except BaseException:
            self.discard()
            raise
        self.discard()
        return False

    def _close_direct(self, kind) -> bool:
        """Flush and close a device, FIFO, socket or stream; its error is the write's error."""
        try:
            if kind is None:
                self.file.flush()
        finally:
            try:
                self.file.close()
            except OSError:
                if kind is None:
                    raise
        return False

    def _keep_mode(self) -> None:
        try:
            old = os.stat(self.final)
        except OSError:  # no previous file: the new one keeps the default mode
            return
        os.chmod(self.temporary, old.st_mode & 0o7777)
        try:
            os.chown(self.temporary, old.st_uid, old.st_gid)
        except OSError:  # not allowed (not root, another owner): the writer owns the new file
            pass

    def discard(self) -> None:
        try:
            if self.file is not None and not self.file.closed:
                self.file.close()
        except OSError:
            pass
        if self.temporary is None:
            return
        try:
            os.unlink(self.temporary)
        except FileNotFoundError:
            pass


#: names of a standard stream, written to through its descriptor (its /proc link may name a pipe)
_STANDARD = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_DESCRIPTOR_NAME = re.compile(r"/(?:dev/fd|proc/self/fd)/([0-9]{1,6})\Z")


class Writeback:
    """Starts the kernel writing a regular file's new bytes as they come (posix_fadvise DONTNEED
    on the range written since the last call: dirty pages are queued for the disk, none is dropped),
    so that the fsync before atomic_write's rename finds little left to wait for (a 200 MB output:
    0.08 s less).  On a stream that is not a regular file, or without posix_fadvise: nothing."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.done = 0
        try:
            self.fd = stream.fileno()
            regular = stat.S_ISREG(os.fstat(self.fd).st_mode)
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            regular = False
        self.on = regular and hasattr(os, "posix_fadvise")

    def __call__(self) -> None:
        if not self.on:
            return
        self.stream.flush()
        end = os.lseek(self.fd, 0, os.SEEK_CUR)
        if end > self.done:
            os.posix_fadvise(self.fd, self.done, end - self.done, os.POSIX_FADV_DONTNEED)
            self.done = end


def standard_descriptor(path: str):
    """The descriptor a path such as /dev/stdout or /dev/fd/3 names, else None."""
    if path in _STANDARD:
        return _STANDARD[path]
    match = _DESCRIPTOR_NAME.match(path)
    return int(match.group(1)) if match else None


def _open_special(path: str, st, mode: str, open_kwargs: dict):
    """A device or FIFO opened for writing in place (never truncated, never replaced); a Unix socket
    connected to."""
    if stat.S_ISSOCK(st.st_mode):
        import socket

        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(path)
            if "b" in mode:
                return connection.makefile("wb")
            return connection.makefile("w", encoding=open_kwargs.get("encoding", "utf-8"),
                                       newline=open_kwargs.get("newline"))
        finally:
            connection.close()  # the file object holds its own reference
    descriptor = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    return os.fdopen(descriptor, mode, **open_kwargs)


class named_errors:
    """A file being written whose write errors are ``write_error(path, ...)``: a full device or a
    reader that left is reported with the file's name, not as standard output's."""

    def __init__(self, file, path, seekable: bool = True) -> None:
        self.file = file
        self.path = path
        #: False for a device, FIFO or socket written in place: /dev/null seeks but always tells 0,
        #: and a writer that seeks back (zipfile, for .npz) must write straight through instead
        self.can_seek = seekable

    def write(self, data):
        try:
            return self.file.write(data)
        except OSError as e:
            raise write_error(self.path, e) from None

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self.file.flush()
        except OSError as e:
            raise write_error(self.path, e) from None

    def seekable(self) -> bool:
        return self.can_seek and self.file.seekable()

    def tell(self) -> int:
        if not self.can_seek:
            raise io.UnsupportedOperation("tell")
        return self.file.tell()

    def seek(self, *args) -> int:
        if not self.can_seek:
            raise io.UnsupportedOperation("seek")
        try:
            return self.file.seek(*args)  # a buffered file writes what it holds first
        except OSError as e:
            raise write_error(self.path, e) from None

    def __getattr__(self, name):
        return getattr(self.file, name)


class output_file:
    """``with output_file(path, "w", encoding="utf-8") as fh:``: ``atomic_write`` whose every failure,
    opening, writing or closing, is ``write_error(path, ...)``: one message naming the file, exit 2
    for a path that cannot be written, exit 1 for the device or disk failing."""

    def __init__(self, path, mode: str = "w", **open_kwargs) -> None:
        self.path = path
        self.writer = atomic_write(path, mode, **open_kwargs)

    def __enter__(self):
        try:
            file = self.writer.__enter__()
            return named_errors(file, self.path, seekable=not self.writer.direct)
        except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
            raise write_error(self.path, e) from None

    def __exit__(self, kind, error, traceback) -> bool:
        try:
            return self.writer.__exit__(kind, error, traceback)
        except OSError as e:
            raise write_error(self.path, e) from None
