"""Files on disk, both ways: reading what someone else may have put there, and writing
coach's own files privately.

Reading: a program file or a settings file can be a FIFO (opening it for
reading waits for a writer for ever), a link to ``/dev/zero`` (reading it
never ends) or a folder. :func:`read_regular_file` opens without waiting,
looks at what it opened (``fstat``) before reading a byte, refuses anything
but a regular file by its kind and a file over the limit by its size, and
reads at most one byte more than the limit (in case the file grows meanwhile).

Writing: coach makes the data folder (mode 0700), and the database, its
locks, the ``unsaved/`` spool, exports, the configuration file and the
library's cache (mode 0600) on POSIX. Modes are set on the file itself after
it is made (``fchmod``), so no umask, not even 0o000, makes them readable by
others. A file in the data folder is opened with ``O_NOFOLLOW``: a symbolic
link planted where coach writes (say ``remind.lock`` pointing at a file of
yours) is refused with :class:`LinkRefused`, and its target is never opened,
let alone truncated. Files written whole (exports, the config, the cache,
the spool) go to a new temporary file, created exclusively, that is renamed
over the target: a link there is replaced, never followed.

Only the standard library: ``coach status`` reads the settings file through this.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

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


PRIVATE_FILE = 0o600
"""The mode of every file coach creates (POSIX)."""
PRIVATE_FOLDER = 0o700
"""The mode of every folder coach creates (POSIX)."""

_POSIX = os.name == "posix"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class LinkRefused(OSError):
    """A symbolic link sits where coach would create or write a file; ``str()`` says so."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            errno.ELOOP,
            f"{path} is a symbolic link; coach does not write through links in its "
            "folders (remove the link, or point data_dir at the real folder)",
            str(path),
        )
        self.path = path

    def __str__(self) -> str:
        from coach.text import visible  # a planted link's name can hold anything

        return visible(str(self.strerror))


def private_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) if missing; the folders created are mode 0700.

    An existing folder is left as it is: it may be one the user chose to share.
    """
    missing: list[Path] = []
    here = path
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    if _POSIX:
        for folder in missing:
            with contextlib.suppress(OSError):
                os.chmod(folder, PRIVATE_FOLDER)  # mkdir's mode is cut by the umask
    return path


def open_private(path: Path, flags: int = os.O_RDWR | os.O_CREAT) -> int:
    """``os.open`` for a file of coach's own: mode 0600, no link followed, closed on exec.

    Raises :class:`LinkRefused` when ``path`` is a symbolic link, and
    OSError for the rest.
    """
    try:
        fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC, PRIVATE_FILE)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK) and path.is_symlink():
            raise LinkRefused(path) from None
        raise
    if _POSIX and flags & os.O_CREAT:
        try:
            info = os.fstat(fd)
            mode = info.st_mode
            if stat.S_ISREG(mode) and mode & 0o777 != PRIVATE_FILE and info.st_uid == os.geteuid():
                os.fchmod(fd, PRIVATE_FILE)
        except OSError:
            pass  # a filesystem without modes (a FAT stick): nothing to tighten
    return fd


def refuse_link(path: Path) -> None:
    """Raise :class:`LinkRefused` if ``path`` is a symbolic link (for files others open)."""
    if path.is_symlink():
        raise LinkRefused(path)


@contextlib.contextmanager
def atomic_write(path: Path, *, fsync: bool = True, shared: bool = False) -> Iterator[TextIO]:
    """Write ``path`` whole: what is written to the stream lands all at once, or not at all.

    The text goes to a new 0600 file beside ``path`` (created exclusively, so
    never through a link), which is flushed, synced (``fsync``) and renamed
    over ``path`` when the ``with`` block ends. An exception in the block, a
    crash or a kill leaves the old file (or none), never half of one; the
    temporary file is removed on the way out. A link at ``path`` is replaced,
    not followed. Every file coach writes whole comes through here: exports,
    reports and schemas written with ``-o``, salvaged histories, the spool,
    the configuration file, the library's cache, the cue problems.
    ``shared``: the file is for others too (a JSON schema), mode 0644.
    """
    # The pid alone could be a stale file's, left by a crash (containers reuse pids).
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = open_private(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            if fsync:
                os.fsync(out.fileno())
        if shared and _POSIX:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def write_private(path: Path, text: str, *, fsync: bool = True, exclusive: bool = False) -> None:
    """Write ``text`` to ``path`` whole, as :func:`atomic_write` does.

    ``exclusive``: refuse (FileExistsError) when ``path`` exists, as ``coach
    config init`` does; the file is then created in place, never replacing one.
    """
    if not exclusive:
        with atomic_write(path, fsync=fsync) as out:
            out.write(text)
        return
    # O_EXCL never follows a link: a link there is "already exists".
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
