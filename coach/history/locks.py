"""Advisory locks: a running session's claim, and whether break hosts run.

The kernel drops a lock when its process dies, however it dies, so a
``running`` session whose lock is free was abandoned. Only the standard library.
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

from coach.files import LinkRefused, open_private, private_folder
from coach.history.records import HistoryError


def _has_lock_support() -> bool:
    try:
        import fcntl  # noqa: F401
    except ImportError:
        return False
    return True


class SessionClaim:
    """An advisory lock that says "this session is running in this process".

    Held for the whole session; the kernel releases it when the process
    ends, even on ``kill -9``, which is how others tell an abandoned session.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        if not _has_lock_support():
            return
        import fcntl

        try:
            private_folder(path.parent)
            fd = open_private(path)
        except LinkRefused as error:
            raise HistoryError(str(error)) from None
        except OSError as error:
            raise HistoryError(
                f"cannot mark the session as running ({path}: {error.strerror or error}); "
                "if coach stops unexpectedly, the session will still read as running"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise HistoryError(f"{path}: another process already runs this session") from None
        self._fd = fd

    def release(self) -> None:
        """Drop the lock and its file."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


HOSTS_LOCK = "breaks.lock"
"""Every process that keeps the break timers (``coach remind``, the app) holds a
shared lock on this file in the data folder while it runs."""


def lock_is_held(path: Path, *, shared: bool = False, unreadable: bool = True) -> bool:
    """Whether some process holds the advisory lock on ``path`` (POSIX; False elsewhere).

    ``shared``: its holders lock it shared, so the probe asks for it alone. A
    missing file is not held; one that cannot be opened reads as ``unreadable``.
    The probe's own lock, if it got one, goes with the descriptor it closes.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return unreadable
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if shared else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def hosts_running(folder: Path) -> bool:
    """Whether some process (``coach remind`` or the app) keeps the break timers now."""
    return lock_is_held(folder / HOSTS_LOCK, shared=True, unreadable=False)


def lock_path(folder: Path, session_id: str) -> Path:
    """The lock file a running session holds, in the data folder ``folder``."""
    return folder / "running" / f"{session_id}.lock"


def session_is_alive(lock_path: Path, record_host: str, record_pid: int | None) -> bool:
    """Whether the process that runs a ``running`` session still runs.

    With advisory locks (POSIX): the session's lock file is still locked.
    Elsewhere: the same host and a process with that id exists.
    """
    if _has_lock_support():
        # A lock file that cannot be opened: cannot tell, so leave the session alone.
        return lock_is_held(lock_path, unreadable=True)
    if record_host != socket.gethostname() or record_pid is None:
        return False
    return _pid_exists(record_pid)


def _pid_exists(pid: int) -> bool:  # pragma: no cover - only where fcntl is missing
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)
        if not handle:
            return False
        kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
