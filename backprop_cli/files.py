"""Writing a file so that nothing is lost: to a temporary name beside the target, renamed when complete.

Interrupted (SIGINT, SIGTERM), out of space or failed half-way, the previous file stays whole and no
partial file is left behind: the temporary file is removed and the error goes on.  Every command that
writes a file writes it through ``atomic_write``.
"""

from __future__ import annotations

import os


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
