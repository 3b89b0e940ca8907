"""How long the person has been away from the keyboard and mouse.

This module owns reading the system's idle time, so break reminders can
count time away as a break. :func:`find_idle_probe` picks the first way this
machine offers; :func:`search_idle_probe` also says why there is none and how
to fix that, for ``coach doctor``:

* X11: the MIT-SCREEN-SAVER extension through ``libXss.so.1`` with ctypes
  (``XScreenSaverQueryInfo`` on ``$DISPLAY``); the display is opened once and
  kept, so a reading costs one round trip and no process;
* logind: ``loginctl show-session`` (``IdleHint``/``IdleSinceHintMonotonic``),
  which the desktop sets after its own idle delay, so readings are coarse;
* macOS: ``ioreg -c IOHIDSystem`` (``HIDIdleTime``);
* Windows: ``GetLastInputInfo`` and ``GetTickCount64`` through ctypes.

In a Wayland session X11 is never used, even when ``$DISPLAY`` is set:
XWayland sees only input to X11 windows, so a person typing into a Wayland
window would look idle and coach would count a break that never happened.
Wayland itself has no protocol coach can ask without a desktop-specific
helper, so there only logind can answer.

Only the standard library (and ctypes) is imported: ``coach remind`` imports
this module and must start quickly. A probe is meant for one thread.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "CommandOutput",
    "IdleProbe",
    "IdleProbeLookup",
    "IoregIdleProbe",
    "LogindIdleProbe",
    "ProbeUnavailable",
    "WindowsIdleProbe",
    "X11IdleProbe",
    "find_idle_probe",
    "logind_idle_seconds",
    "parse_ioreg_idle",
    "parse_properties",
    "search_idle_probe",
]

_COMMAND_TIMEOUT = 2.0


class CommandOutput(NamedTuple):
    """What a finished command said: its exit status, stdout and stderr."""

    status: int
    """The exit status; 127 when it could not be started, -1 when it timed out."""

    stdout: str
    """Its standard output."""

    stderr: str
    """Its standard error, or why it could not be run."""


CommandRunner = Callable[[Sequence[str]], CommandOutput]
"""Runs an argv and returns its output; tests pass a fake."""


def _run_command(argv: Sequence[str]) -> CommandOutput:
    """Run ``argv`` with a short timeout; never raises."""
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CommandOutput(-1, "", f"{argv[0]} did not answer within {_COMMAND_TIMEOUT:g} s")
    except OSError as error:
        return CommandOutput(127, "", f"{argv[0]}: {error.strerror or error}")
    return CommandOutput(done.returncode, done.stdout, done.stderr)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:200] if lines else "no message"


class IdleProbe(ABC):
    """Reads how long the person has been idle, one way."""

    name: str
    """Which way: "x11", "logind", "ioreg" or "windows"."""

    detail: str
    """Where it reads from, for messages (``XScreenSaver on :0``)."""

    fine: bool = False
    """True when a reading is cheap (no process) and to the second, so readings every few
    seconds can count time at work (active time); logind's hint and ``ioreg`` are not."""

    @abstractmethod
    def idle_seconds(self) -> float | None:
        """Seconds since the last keyboard or mouse input, or None if this reading failed."""

    def close(self) -> None:  # noqa: B027 (most probes hold nothing)
        """Let go of what the probe holds (the X display); it may not be used after."""


# --------------------------------------------------------------------------- X11


class _XScreenSaverInfo(ctypes.Structure):
    _fields_ = [
        ("window", ctypes.c_ulong),
        ("state", ctypes.c_int),
        ("kind", ctypes.c_int),
        ("til_or_since", ctypes.c_ulong),
        ("idle", ctypes.c_ulong),
        ("event_mask", ctypes.c_ulong),
    ]


_XErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_XIOErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_XIOErrorExitHandler = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)

_lost_displays: set[int] = set()
"""Displays whose connection broke (the server went away)."""


def _ignore_x_error(display: int | None, event: int | None) -> int:
    # Xlib's default handler prints and exits the process on any protocol error.
    return 0


def _quiet_io_error(display: int | None) -> int:
    # Xlib's default prints "fatal IO error"; the exit handler below decides what happens.
    return 0


def _display_lost(display: int | None, data: int | None) -> None:
    # Returning (instead of exit(), Xlib's default) leaves the process running;
    # the display is unusable and is opened afresh on the next reading.
    if display is not None:
        _lost_displays.add(display)


# ctypes callbacks must outlive every call that may use them: module lifetime.
_X_CALLBACKS = (
    _XErrorHandler(_ignore_x_error),
    _XIOErrorHandler(_quiet_io_error),
    _XIOErrorExitHandler(_display_lost),
)


class ProbeUnavailable(Exception):
    """Raised when a probe cannot be made here; ``search_idle_probe`` turns it into a reason."""

    def __init__(self, detail: str, fix: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        """Why not, for a person."""
        self.fix = fix
        """What would help, if anything."""


class _Xlib:
    """The few Xlib and XScreenSaver functions the probe calls, with their C types."""

    def __init__(self) -> None:
        try:
            x11 = ctypes.CDLL("libX11.so.6")
        except OSError:
            raise ProbeUnavailable(
                "libX11.so.6 is not installed", "install libx11-6 (Debian/Ubuntu) or libX11"
            ) from None
        try:
            xss = ctypes.CDLL("libXss.so.1")
        except OSError:
            raise ProbeUnavailable(
                "libXss.so.1 (the X screen-saver library) is not installed",
                "install libxss1 (Debian/Ubuntu) or libXScrnSaver (Fedora)",
            ) from None
        self.open_display = x11.XOpenDisplay
        self.open_display.argtypes = [ctypes.c_char_p]
        self.open_display.restype = ctypes.c_void_p
        self.close_display = x11.XCloseDisplay
        self.close_display.argtypes = [ctypes.c_void_p]
        self.close_display.restype = ctypes.c_int
        self.root_window = x11.XDefaultRootWindow
        self.root_window.argtypes = [ctypes.c_void_p]
        self.root_window.restype = ctypes.c_ulong
        self.free = x11.XFree
        self.free.argtypes = [ctypes.c_void_p]
        self.free.restype = ctypes.c_int
        self.query_extension = xss.XScreenSaverQueryExtension
        self.query_extension.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_int),
        ]
        self.query_extension.restype = ctypes.c_int
        self.alloc_info = xss.XScreenSaverAllocInfo
        self.alloc_info.argtypes = []
        self.alloc_info.restype = ctypes.POINTER(_XScreenSaverInfo)
        self.query_info = xss.XScreenSaverQueryInfo
        self.query_info.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(_XScreenSaverInfo),
        ]
        self.query_info.restype = ctypes.c_int
        # Without an exit handler (libX11 before 1.7) a lost server still ends
        # the process, as it does for every Xlib program; keep Xlib's own handling.
        self.set_exit_handler = getattr(x11, "XSetIOErrorExitHandler", None)
        if self.set_exit_handler is not None:
            self.set_exit_handler.argtypes = [
                ctypes.c_void_p,
                _XIOErrorExitHandler,
                ctypes.c_void_p,
            ]
            self.set_exit_handler.restype = None
            x11.XSetIOErrorHandler.argtypes = [_XIOErrorHandler]
            x11.XSetIOErrorHandler.restype = ctypes.c_void_p
            x11.XSetIOErrorHandler(_X_CALLBACKS[1])
        x11.XSetErrorHandler.argtypes = [_XErrorHandler]
        x11.XSetErrorHandler.restype = ctypes.c_void_p
        x11.XSetErrorHandler(_X_CALLBACKS[0])


class X11IdleProbe(IdleProbe):
    """Idle time from the X server's screen-saver extension (``XScreenSaverQueryInfo``).

    The display is opened once and kept. If the X server goes away, that
    reading is None and each later reading tries to open the display again.
    """

    name = "x11"
    fine = True

    def __init__(self, display_name: str) -> None:
        """Open ``display_name``; raises :class:`ProbeUnavailable` when that cannot be done."""
        self.display_name = display_name
        """The X display, as in ``$DISPLAY``."""
        self.detail = f"XScreenSaver on {display_name}"
        self._xlib = _Xlib()
        self._info = self._xlib.alloc_info()
        if not self._info:
            raise ProbeUnavailable("XScreenSaverAllocInfo failed (out of memory)")
        self._display: int | None = None
        try:
            self._display = self._open()
        except ProbeUnavailable:
            self._xlib.free(self._info)
            raise

    def _open(self) -> int:
        display = self._xlib.open_display(self.display_name.encode())
        if not display:
            raise ProbeUnavailable(
                f"cannot open the X display {self.display_name}",
                "run coach inside your desktop session, where DISPLAY names a running X server",
            )
        event_base, error_base = ctypes.c_int(), ctypes.c_int()
        if not self._xlib.query_extension(
            display, ctypes.byref(event_base), ctypes.byref(error_base)
        ):
            self._xlib.close_display(display)
            raise ProbeUnavailable(
                f"the X server on {self.display_name} has no MIT-SCREEN-SAVER extension"
            )
        if self._xlib.set_exit_handler is not None:
            self._xlib.set_exit_handler(display, _X_CALLBACKS[2], None)
        return int(display)

    def idle_seconds(self) -> float | None:
        """Seconds since the X server last saw input, or None when it cannot be asked."""
        if self._display is None:
            try:
                self._display = self._open()
            except ProbeUnavailable:
                return None
        display = self._display
        ok = self._xlib.query_info(display, self._xlib.root_window(display), self._info)
        if display in _lost_displays:
            # The connection is gone; Xlib has already given up on it. Closing it
            # frees the memory and the socket (libX11 allows this after an I/O error).
            _lost_displays.discard(display)
            self._display = None
            self._xlib.close_display(display)
            return None
        if not ok:
            return None
        return float(self._info.contents.idle) / 1000.0

    def close(self) -> None:
        """Close the display."""
        if self._display is not None:
            self._xlib.close_display(self._display)
            self._display = None
        if self._info:
            self._xlib.free(self._info)
            self._info = ctypes.POINTER(_XScreenSaverInfo)()


# --------------------------------------------------------------------------- logind


def parse_properties(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines (as ``loginctl show-session`` prints them) as a dict."""
    properties: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            properties[key.strip()] = value.strip()
    return properties


def logind_idle_seconds(properties: Mapping[str, str], now_monotonic: float) -> float | None:
    """Idle seconds from logind's ``IdleHint`` and ``IdleSinceHintMonotonic`` (µs).

    0 while the session is not idle; None when the properties make no sense.
    ``now_monotonic`` is CLOCK_MONOTONIC now, in seconds.
    """
    hint = properties.get("IdleHint")
    if hint == "no":
        return 0.0
    if hint != "yes":
        return None
    try:
        since = int(properties.get("IdleSinceHintMonotonic", ""))
    except ValueError:
        return None
    if since <= 0:
        return None
    return max(0.0, now_monotonic - since / 1_000_000)


def _clock_monotonic() -> float:
    """CLOCK_MONOTONIC in seconds, the clock logind's ``*Monotonic`` values use."""
    clock = getattr(time, "CLOCK_MONOTONIC", None)
    return time.clock_gettime(clock) if clock is not None else time.monotonic()


class LogindIdleProbe(IdleProbe):
    """Idle time from systemd-logind, which the desktop tells when the session goes idle.

    The desktop sets ``IdleHint`` only after its own idle delay (often
    minutes), and some desktops never set it: readings are 0 until then.
    """

    name = "logind"

    def __init__(
        self,
        loginctl: str,
        session: str,
        *,
        run: CommandRunner = _run_command,
        monotonic: Callable[[], float] = _clock_monotonic,
    ) -> None:
        self.loginctl = loginctl
        """The ``loginctl`` command's path."""
        self.session = session
        """The logind session id."""
        self.detail = f"logind session {session} (IdleHint, set by the desktop)"
        self._run = run
        self._monotonic = monotonic

    def read_properties(self) -> CommandOutput:
        """Run ``loginctl show-session`` for the idle properties."""
        argv = [self.loginctl, "show-session", self.session]
        return self._run([*argv, "-p", "IdleHint", "-p", "IdleSinceHintMonotonic"])

    def idle_seconds(self) -> float | None:
        """Seconds since logind's session went idle (0 while it is not), or None."""
        output = self.read_properties()
        if output.status != 0:
            return None
        return logind_idle_seconds(parse_properties(output.stdout), self._monotonic())


def _logind_probe(
    environ: Mapping[str, str],
    which: Callable[..., str | None],
    run: CommandRunner,
    monotonic: Callable[[], float],
) -> LogindIdleProbe:
    loginctl = which("loginctl", path=environ.get("PATH"))
    if loginctl is None:
        raise ProbeUnavailable("loginctl is not installed (no systemd-logind)")
    session = environ.get("XDG_SESSION_ID", "").strip()
    if not session:
        # The user's main graphical session, when this terminal is outside it (tmux, SSH).
        found = run([loginctl, "show-user", str(os.getuid()), "-p", "Display"])
        if found.status != 0:
            raise ProbeUnavailable(f"loginctl show-user failed: {_first_line(found.stderr)}")
        session = parse_properties(found.stdout).get("Display", "")
        if not session:
            raise ProbeUnavailable("logind knows no graphical session of this user")
    probe = LogindIdleProbe(loginctl, session, run=run, monotonic=monotonic)
    output = probe.read_properties()
    if output.status != 0:
        raise ProbeUnavailable(
            f"loginctl show-session {session} failed: {_first_line(output.stderr)}"
        )
    if "IdleHint" not in parse_properties(output.stdout):
        raise ProbeUnavailable(f"logind gives no IdleHint for session {session}")
    return probe


# --------------------------------------------------------------------------- macOS

_HID_IDLE = re.compile(r'"HIDIdleTime"\s*=\s*(?:(\d+)|<([0-9a-fA-F]+)>)')


def parse_ioreg_idle(text: str) -> float | None:
    """Seconds from the first ``"HIDIdleTime" = <nanoseconds>`` in ``ioreg`` output."""
    match = _HID_IDLE.search(text)
    if match is None:
        return None
    # Older systems print the value as raw data: big-endian hex bytes.
    nanoseconds = int(match[1]) if match[1] is not None else int(match[2], 16)
    return nanoseconds / 1_000_000_000


class IoregIdleProbe(IdleProbe):
    """Idle time on macOS from the HID system's ``HIDIdleTime`` (``ioreg``)."""

    name = "ioreg"

    def __init__(self, ioreg: str, *, run: CommandRunner = _run_command) -> None:
        self.ioreg = ioreg
        """The ``ioreg`` command's path."""
        self.detail = "HIDIdleTime from ioreg"
        self._run = run

    def idle_seconds(self) -> float | None:
        """Seconds since the last input, or None when ``ioreg`` fails."""
        output = self._run([self.ioreg, "-c", "IOHIDSystem", "-d", "4"])
        if output.status != 0:
            return None
        return parse_ioreg_idle(output.stdout)


# --------------------------------------------------------------------------- Windows


class _LastInputInfo(ctypes.Structure):
    _fields_ = [("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint32)]


def _windows_functions() -> tuple[Callable[[], int | None], Callable[[], int]]:
    """GetLastInputInfo's tick (or None on failure) and GetTickCount64."""
    dll = getattr(ctypes, "WinDLL", None)  # only on Windows
    if dll is None:
        raise ProbeUnavailable("not Windows")
    user32 = dll("user32")
    kernel32 = dll("kernel32")
    get_last_input = user32.GetLastInputInfo
    get_last_input.argtypes = [ctypes.POINTER(_LastInputInfo)]
    get_last_input.restype = ctypes.c_int
    tick_count = kernel32.GetTickCount64
    tick_count.argtypes = []
    tick_count.restype = ctypes.c_uint64

    def last_input() -> int | None:
        info = _LastInputInfo(ctypes.sizeof(_LastInputInfo), 0)
        return int(info.dwTime) if get_last_input(ctypes.byref(info)) else None

    return last_input, lambda: int(tick_count())


class WindowsIdleProbe(IdleProbe):
    """Idle time on Windows: ``GetTickCount64`` minus ``GetLastInputInfo``'s tick."""

    name = "windows"
    fine = True

    def __init__(
        self,
        last_input: Callable[[], int | None] | None = None,
        tick_count: Callable[[], int] | None = None,
    ) -> None:
        """The Win32 functions by default; tests pass fakes."""
        if last_input is None or tick_count is None:
            last_input, tick_count = _windows_functions()
        self.detail = "GetLastInputInfo"
        self._last_input = last_input
        self._tick_count = tick_count

    def idle_seconds(self) -> float | None:
        """Seconds since the last input in this session, or None when Windows says no."""
        last = self._last_input()
        if last is None:
            return None
        # GetLastInputInfo's tick is 32 bits and wraps every 49.7 days: compare
        # it with the low 32 bits of the 64-bit count, modulo 2**32.
        now = self._tick_count() & 0xFFFFFFFF
        return ((now - last) & 0xFFFFFFFF) / 1000.0


# --------------------------------------------------------------------------- choosing


@dataclass(frozen=True, slots=True)
class IdleProbeLookup:
    """What :func:`search_idle_probe` found: a probe, or why there is none."""

    probe: IdleProbe | None
    """The probe to use, or None."""

    detail: str
    """Which probe and where it reads, or why none can be used (each way tried)."""

    fix: str | None = None
    """How to get idle detection working, when it is not."""


def _is_wayland(environ: Mapping[str, str]) -> bool:
    session_type = environ.get("XDG_SESSION_TYPE", "").strip().lower()
    if session_type == "x11":
        return False
    return session_type == "wayland" or bool(environ.get("WAYLAND_DISPLAY", "").strip())


def search_idle_probe(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    *,
    which: Callable[..., str | None] = shutil.which,
    run: CommandRunner = _run_command,
    monotonic: Callable[[], float] = _clock_monotonic,
    open_x11: Callable[[str], IdleProbe] = X11IdleProbe,
) -> IdleProbeLookup:
    """Find a way to read idle time here, or say why there is none.

    ``environ`` and ``platform`` default to this process's. ``which``,
    ``run``, ``monotonic`` and ``open_x11`` are the system's own unless a
    test passes fakes.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform == "darwin":
        ioreg = which("ioreg", path=environ.get("PATH"))
        if ioreg is None:
            return IdleProbeLookup(None, "ioreg is not on PATH", "it comes with macOS: check PATH")
        probe = IoregIdleProbe(ioreg, run=run)
        if probe.idle_seconds() is None:
            return IdleProbeLookup(None, "ioreg gives no HIDIdleTime")
        return IdleProbeLookup(probe, f"ioreg ({probe.detail})")
    if platform == "win32":
        try:
            windows = WindowsIdleProbe()
        except (ProbeUnavailable, OSError, AttributeError) as error:
            return IdleProbeLookup(None, f"GetLastInputInfo cannot be used: {error}")
        return IdleProbeLookup(windows, f"windows ({windows.detail})")

    tried: list[str] = []
    fixes: list[str] = []
    wayland = _is_wayland(environ)
    display = environ.get("DISPLAY", "").strip()
    if wayland:
        tried.append("x11: not used in a Wayland session (XWayland sees only input to X11 windows)")
    elif not display:
        tried.append("x11: DISPLAY is not set")
    else:
        try:
            x11 = open_x11(display)
        except ProbeUnavailable as error:
            tried.append(f"x11: {error.detail}")
            if error.fix:
                fixes.append(error.fix)
        else:
            return IdleProbeLookup(x11, f"x11 ({x11.detail})")
    try:
        logind = _logind_probe(environ, which, run, monotonic)
    except ProbeUnavailable as error:
        tried.append(f"logind: {error.detail}")
    else:
        return IdleProbeLookup(logind, f"logind ({logind.detail})")
    if wayland:
        fixes.append(
            "Wayland without X: idle time is not supported unless the desktop sets "
            "logind's IdleHint (GNOME and KDE do)"
        )
    elif not display:
        fixes.append("run coach inside your desktop session (X11), or use a desktop with logind")
    return IdleProbeLookup(None, "; ".join(tried), " ".join(fixes) or None)


def find_idle_probe(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> IdleProbe | None:
    """A probe for this system's idle time, or None (:func:`search_idle_probe` says why)."""
    return search_idle_probe(environ, platform).probe
