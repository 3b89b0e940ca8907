"""Files coach creates for itself: private to their owner, never written through a link.

This module owns how coach makes its own files and folders: the data folder
(mode 0700), and the database, its locks, the ``unsaved/`` spool, exports,
the configuration file and the library's cache (mode 0600) on POSIX. Modes
are set on the file itself after it is made (``fchmod``), so no umask, not
even 0o000, makes them readable by others.

A file in the data folder is opened with ``O_NOFOLLOW``: a symbolic link
planted where coach writes (say ``remind.lock`` pointing at a file of yours)
is refused with :class:`LinkRefused`, and its target is never opened, let
alone truncated. Files written whole (exports, the config, the cache, the
spool) go to a new temporary file, created exclusively, that is renamed over
the target: a link there is replaced, never followed.

Only the standard library: ``coach status`` may import this.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

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
        return str(self.strerror)


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


def write_private(path: Path, text: str, *, fsync: bool = True, exclusive: bool = False) -> None:
    """Write ``text`` to ``path`` whole: a new 0600 file renamed over it.

    A crash leaves the old file or the new one, never half of one; a link at
    ``path`` is replaced, not followed. ``exclusive``: refuse
    (FileExistsError) when ``path`` exists, as ``coach config init`` does.
    """
    if exclusive:
        # O_EXCL never follows a link: a link there is "already exists".
        fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
        except BaseException:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = open_private(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            if fsync:
                os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
