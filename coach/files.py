"""Reading a file someone else may have put there: regular files only, of bounded size.

A program file or a settings file can be a FIFO (opening it for reading
waits for a writer for ever), a link to ``/dev/zero`` (reading it never
ends) or a folder. :func:`read_regular_file` opens without waiting, looks at
what it opened (``fstat``) before reading a byte, refuses anything but a
regular file by its kind and a file over the limit by its size, and reads at
most one byte more than the limit (in case the file grows meanwhile).

Only the standard library: ``coach status`` reads the settings file through this.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Never wait (a FIFO with no writer), never become the controlling terminal,
# never leak into a child process. Flags a platform lacks are left out.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotARegularFile(OSError):
    """The path is a FIFO, a device, a socket or a folder; :attr:`kind` says which."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"is {kind}")
        self.kind = kind
        """``"a FIFO (a named pipe)"``, ``"a device"``, ``"a socket"``, ``"a folder"``..."""


class FileTooLarge(OSError):
    """The file is larger than the limit; :attr:`size` is its size, when known."""

    def __init__(self, size: int | None) -> None:
        super().__init__("file is too large")
        self.size = size


def kind_of(mode: int) -> str | None:
    """What a file of ``mode`` is, when it is not a regular file; None for a regular one."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (a named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``, if it has at most ``max_bytes``.

    Raises :class:`NotARegularFile`, :class:`FileTooLarge`, or the
    :class:`OSError` that opening or reading gave (``FileNotFoundError``...).
    """
    descriptor = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(descriptor)
        kind = kind_of(info.st_mode)
        if kind is not None:
            raise NotARegularFile(kind)
        if info.st_size > max_bytes:
            raise FileTooLarge(info.st_size)
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > max_bytes:  # it grew between fstat and read
        raise FileTooLarge(None)
    return data
