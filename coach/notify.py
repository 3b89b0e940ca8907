"""Desktop notifications through the system's own command.

This module owns finding the notification command a machine has and running
it: ``notify-send`` (freedesktop, on Linux and the BSDs), ``osascript`` on
macOS and PowerShell on Windows. :func:`find_notifier` picks one;
:func:`search_notifier` also says why none was found and how to fix that, for
``coach doctor``.

Text reaches these commands only as data. Program files and settings are
written by other people, so every title and body is first made plain:
terminal control characters (C0 except tab and newline, DEL, C1) are dropped
and lone surrogates replaced, because a desktop can hand the text on to a
terminal (a log, ``dunst`` in a console) and argv cannot carry NUL. Then:

* ``notify-send`` gets the text as argv items after ``--``, so a title such
  as ``-u critical`` is never read as an option; the body is escaped for the
  small markup language freedesktop servers parse in bodies (``&``, ``<``,
  ``>``), so ``<b>`` shows as ``<b>``;
* ``osascript`` gets a fixed script (``on run argv``) and the text as its
  arguments, never spliced into the script;
* PowerShell gets a fixed script (as ``-EncodedCommand``) and the text in
  environment variables, read with ``$env:``, never spliced into the script.

Finding ``notify-send`` says nothing about whether anything will show what
it sends: a desktop-less session can have a bus and no notification server.
:func:`check_notifier` also asks the bus for the server's information
(``GetServerInformation``, through ``gdbus`` or ``dbus-send``, with a short
timeout), so ``coach doctor`` and ``coach remind`` can say so honestly.

Only the standard library is imported: ``coach remind`` imports this module
and must start quickly.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from coach.text import visible

__all__ = [
    "Notifier",
    "NotifierCheck",
    "NotifierLookup",
    "NotifyCommand",
    "Sender",
    "ServerAnswer",
    "Urgency",
    "ask_notification_server",
    "check_notifier",
    "find_notifier",
    "search_notifier",
]

Urgency = Literal["low", "normal", "critical"]
"""How insistent a notification is; freedesktop servers may keep critical ones on screen."""

_URGENCIES: tuple[Urgency, ...] = ("low", "normal", "critical")

_MAX_TITLE = 120
_MAX_BODY = 1000

_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

# The AppUserModelID Windows shows PowerShell's own toasts under: an app needs
# one to raise a toast, and coach has no installer to register its own.
_POWERSHELL_APP_ID = r"{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe"

# Type literals that also load the WinRT types (split only to keep lines short).
_TOAST_MANAGER = (
    "[Windows.UI.Notifications.ToastNotificationManager, "
    "Windows.UI.Notifications, ContentType = WindowsRuntime]"
)
_XML_DOCUMENT = (
    "[Windows.Data.Xml.Dom.XmlDocument, "
    "Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime]"
)

# The text comes in through $env:COACH_NOTIFY_*; nothing in this script is
# ever built from it, and it reaches the toast as XML text nodes (never parsed
# as XML). A toast where Windows.UI.Notifications is available, else a balloon
# tip from the notification area (it vanishes with the process, hence the wait).
_POWERSHELL_SCRIPT = f"""
$ErrorActionPreference = 'Stop'
$title = $env:COACH_NOTIFY_TITLE
$body = $env:COACH_NOTIFY_BODY
try {{
    $manager = {_TOAST_MANAGER}
    $null = {_XML_DOCUMENT}
    $xml = $manager::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02)
    $texts = $xml.GetElementsByTagName('text')
    $null = $texts.Item(0).AppendChild($xml.CreateTextNode($title))
    $null = $texts.Item(1).AppendChild($xml.CreateTextNode($body))
    $toast = [Windows.UI.Notifications.ToastNotification]::new($xml)
    $manager::CreateToastNotifier('{_POWERSHELL_APP_ID}').Show($toast)
}} catch {{
    Add-Type -AssemblyName System.Windows.Forms
    Add-Type -AssemblyName System.Drawing
    $icon = New-Object System.Windows.Forms.NotifyIcon
    $icon.Icon = [System.Drawing.SystemIcons]::Information
    $icon.BalloonTipTitle = $title
    $icon.BalloonTipText = $body
    $icon.Visible = $true
    $icon.ShowBalloonTip(3000)
    Start-Sleep -Milliseconds 3000
    $icon.Dispose()
}}
"""

# `display notification` with the text as the script's arguments. The last two
# items are used (not the first two) so the script is right whether or not
# osascript passes on the "--" that ends its own options.
_OSASCRIPT = (
    "-e",
    "on run argv",
    "-e",
    "display notification (item -1 of argv) with title (item -2 of argv)",
    "-e",
    "end run",
)


def _plain_text(text: str, *, limit: int, newlines: bool) -> str:
    """``text`` with unsafe characters shown (coach.text.visible), at most ``limit`` long."""
    if not newlines:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = visible(text)  # control, bidi and zero-width characters shown, never obeyed
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


class Sender(Protocol):
    """What sends a notification: a :class:`Notifier`, or a test's fake."""

    def send(self, title: str, body: str, *, urgency: Urgency = "normal") -> bool:
        """Show a notification; False (with a reason in ``last_failure``) if it could not."""
        ...


@dataclass(frozen=True, slots=True)
class NotifyCommand:
    """One notification as a process to start: its argv and its whole environment."""

    argv: list[str]
    """The program and its arguments; the text is in here only as separate items."""

    env: dict[str, str]
    """The environment to run it with."""


class Notifier:
    """Sends desktop notifications through one system command.

    Made by :func:`find_notifier`; :attr:`name` says which command family
    ``path`` belongs to. :meth:`send` never raises for a failed notification:
    it returns False and keeps the reason in :attr:`last_failure`.
    """

    __slots__ = ("environ", "extra_env", "last_failure", "name", "path")

    def __init__(
        self,
        name: Literal["notify-send", "osascript", "powershell"],
        path: str,
        *,
        environ: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        """The command family: "notify-send", "osascript" or "powershell"."""
        self.path = path
        """The command's full path."""
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        """The environment the command runs in (read at each send)."""
        self.extra_env: dict[str, str] = dict(extra_env or {})
        """Variables added to :attr:`environ`, such as the session bus found on disk."""
        self.last_failure: str | None = None
        """Why the last :meth:`send` failed, or None when it worked."""

    def __repr__(self) -> str:
        return f"Notifier({self.name!r}, {self.path!r})"

    def command(
        self, title: str, body: str, *, urgency: Urgency = "normal", app_name: str = "coach"
    ) -> NotifyCommand:
        """The process :meth:`send` would start for this notification."""
        if urgency not in _URGENCIES:
            raise ValueError(f"urgency must be one of {', '.join(_URGENCIES)}, not {urgency!r}")
        title = _plain_text(title, limit=_MAX_TITLE, newlines=False)
        body = _plain_text(body, limit=_MAX_BODY, newlines=True)
        app_name = _plain_text(app_name, limit=_MAX_TITLE, newlines=False) or "coach"
        env = {**self.environ, **self.extra_env}
        if self.name == "notify-send":
            argv = [
                self.path,
                f"--app-name={app_name}",
                f"--urgency={urgency}",
                "--",
                title,
                # notify-send reads C escapes in the body (g_strcompress): a
                # backslash there is doubled so that it arrives as written.
                body.translate(_MARKUP).replace("\\", "\\\\"),
            ]
        elif self.name == "osascript":
            argv = [self.path, *_OSASCRIPT, "--", title, body]
        else:
            encoded = base64.b64encode(_POWERSHELL_SCRIPT.encode("utf-16-le")).decode("ascii")
            argv = [
                self.path,
                "-NoProfile",
                "-NonInteractive",
                "-ExecutionPolicy",
                "Bypass",
                "-EncodedCommand",
                encoded,
            ]
            env.update(COACH_NOTIFY_TITLE=title, COACH_NOTIFY_BODY=body)
        return NotifyCommand(argv, env)

    def send(
        self,
        title: str,
        body: str,
        *,
        urgency: Urgency = "normal",
        app_name: str = "coach",
        timeout: float = 5.0,
    ) -> bool:
        """Show a notification; True when the command says it did.

        Waits at most ``timeout`` seconds for the command (it is killed after
        that). Never raises for a failure: returns False and sets
        :attr:`last_failure`.
        """
        command = self.command(title, body, urgency=urgency, app_name=app_name)
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if self.name == "powershell" else 0
        try:
            finished = subprocess.run(
                command.argv,
                env=command.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=timeout,
                check=False,
                creationflags=flags,
            )
        except subprocess.TimeoutExpired:
            self.last_failure = f"{self.name} did not finish within {timeout:g} s"
            return False
        except (OSError, ValueError) as error:
            self.last_failure = f"{self.name} could not be started: {error}"
            return False
        if finished.returncode != 0:
            said = finished.stderr.decode("utf-8", "replace").strip().splitlines()
            why = _plain_text(said[0], limit=200, newlines=False) if said else "no message"
            self.last_failure = f"{self.name} failed (exit status {finished.returncode}): {why}"
            return False
        self.last_failure = None
        return True


@dataclass(frozen=True, slots=True)
class NotifierLookup:
    """What :func:`search_notifier` found: a notifier, or why there is none."""

    notifier: Notifier | None
    """The notifier to use, or None."""

    detail: str
    """Which command and how it is reached, or why none can be used."""

    fix: str | None = None
    """How to get notifications working, when they are not."""


def _session_bus(environ: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    """The session bus address notify-send will use (or None), and variables to add for it."""
    address = environ.get("DBUS_SESSION_BUS_ADDRESS", "").strip()
    if address:
        return address, {}
    runtime = environ.get("XDG_RUNTIME_DIR", "").strip()
    if runtime:
        bus_socket = Path(runtime) / "bus"
        if bus_socket.exists():
            # libnotify finds this socket itself, but say it outright so any
            # notify-send (and this module's tests) reach the same bus.
            address = f"unix:path={bus_socket}"
            return address, {"DBUS_SESSION_BUS_ADDRESS": address}
    return None, {}


def search_notifier(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    *,
    which: Callable[..., str | None] = shutil.which,
) -> NotifierLookup:
    """Find the notification command this system has, or say why there is none.

    ``environ`` and ``platform`` default to this process's; ``which`` finds a
    command on ``environ``'s PATH (tests pass a fake).
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    search_path = environ.get("PATH")
    if platform == "darwin":
        path = which("osascript", path=search_path)
        if path is None:
            return NotifierLookup(
                None, "osascript is not on PATH", "it is part of macOS: check PATH"
            )
        return NotifierLookup(Notifier("osascript", path, environ=environ), f"osascript ({path})")
    if platform in ("win32", "cygwin"):
        path = which("powershell", path=search_path) or which("pwsh", path=search_path)
        if path is None:
            return NotifierLookup(
                None,
                "PowerShell (powershell or pwsh) is not on PATH",
                "it is part of Windows: check PATH",
            )
        return NotifierLookup(
            Notifier("powershell", path, environ=environ), f"PowerShell toast ({path})"
        )
    path = which("notify-send", path=search_path)
    if path is None:
        return NotifierLookup(
            None,
            "notify-send is not installed",
            "install libnotify-bin (Debian/Ubuntu) or libnotify (Fedora, Arch)",
        )
    address, extra = _session_bus(environ)
    if address is None:
        return NotifierLookup(
            None,
            "no session bus to reach a notification server: DBUS_SESSION_BUS_ADDRESS is not "
            "set and there is no $XDG_RUNTIME_DIR/bus (an SSH or console login has no desktop)",
            "run coach from a terminal inside your desktop session",
        )
    notifier = Notifier("notify-send", path, environ=environ, extra_env=extra)
    return NotifierLookup(notifier, f"notify-send ({path}) on the session bus {address}")


def find_notifier(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> Notifier | None:
    """The notifier this system has, or None (:func:`search_notifier` says why)."""
    return search_notifier(environ, platform).notifier


# --------------------------------------------------------------------------- is anyone listening?

_SERVICE = "org.freedesktop.Notifications"
_OBJECT = "/org/freedesktop/Notifications"
_METHOD = f"{_SERVICE}.GetServerInformation"
_NO_OWNER = ("ServiceUnknown", "NameHasNoOwner")
_NO_REPLY = ("NoReply", "Timeout", "Timed out")

SERVER_FIX = "start a notification server (your desktop's, or dunst or mako)"
"""How to get a notification server on a bus that has none."""

# A GVariant string as gdbus prints it: single or double quotes, backslash escapes.
_GVARIANT_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}
_DBUS_SEND_STRING = re.compile(r'^\s*string "(.*)"$', re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ServerAnswer:
    """What asking the session bus for its notification server found."""

    server: str | None
    """The server that answered ("dunst 1.9.0 (dunst-project)"), or None."""

    detail: str
    """Which server answered, or why none did (or why coach could not ask)."""

    fix: str | None = None
    """How to get a server answering, when none did."""

    asked: bool = True
    """False when there was no command to ask the bus with, so nothing is known."""


def _unescape(text: str) -> str:
    """A GVariant string's text: its backslash escapes (``\\n``, ``\\u001b``) read."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            number = int(code[1:], 16)
            return chr(number) if number <= sys.maxunicode else match.group(0)
        return _ESCAPES.get(code, match.group(0))

    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", one, text, flags=re.DOTALL)


def _server_name(fields: list[str]) -> str:
    """The server as "name version (vendor)", from GetServerInformation's answer, made plain."""
    name, vendor, version = [*fields, "", "", ""][:3]
    shown = " ".join(part for part in (name.strip(), version.strip()) if part) or "a server"
    if vendor.strip():
        shown += f" ({vendor.strip()})"
    return _plain_text(shown, limit=_MAX_TITLE, newlines=False)


def _failure(tool: str, said: str, address: str) -> ServerAnswer:
    """The answer for a call that failed with ``said`` on stderr."""
    first = said.strip().splitlines()[0] if said.strip() else "no message"
    why = _plain_text(first, limit=200, newlines=False)
    if any(marker in said for marker in _NO_OWNER):
        return ServerAnswer(
            None,
            f"no notification server answers on the session bus {address} "
            f"(nothing owns {_SERVICE})",
            SERVER_FIX,
        )
    if any(marker in said for marker in _NO_REPLY):
        return ServerAnswer(
            None,
            f"the notification server on the session bus {address} did not answer in time",
            "restart the notification server (your desktop's, or dunst or mako)",
        )
    if "connect" in said.lower() or "Failed to open connection" in said:
        return ServerAnswer(
            None,
            f"the session bus {address} cannot be reached ({tool}: {why})",
            "run coach from a terminal inside your desktop session",
        )
    return ServerAnswer(
        None, f"asking the session bus {address} failed ({tool}: {why})", SERVER_FIX
    )


def ask_notification_server(
    environ: Mapping[str, str] | None = None,
    *,
    which: Callable[..., str | None] = shutil.which,
    timeout: float = 3.0,
) -> ServerAnswer:
    """Ask the session bus which notification server is on it (freedesktop systems).

    Calls ``org.freedesktop.Notifications.GetServerInformation`` through
    ``gdbus`` or, failing that, ``dbus-send``, found on ``environ``'s PATH,
    and waits at most ``timeout`` seconds. A bus that starts a server on
    demand starts it now, which is what sending would do. Never raises.
    """
    environ = os.environ if environ is None else environ
    address, extra = _session_bus(environ)
    if address is None:
        return ServerAnswer(
            None,
            "no session bus (DBUS_SESSION_BUS_ADDRESS is not set and there is no "
            "$XDG_RUNTIME_DIR/bus)",
            "run coach from a terminal inside your desktop session",
        )
    env = {**environ, **extra}
    search_path = environ.get("PATH")
    seconds = max(1, round(timeout))
    gdbus = which("gdbus", path=search_path)
    dbus_send = which("dbus-send", path=search_path)
    if gdbus is not None:
        tool, argv = "gdbus", [
            gdbus, "call", "--address", address, "--dest", _SERVICE,
            "--object-path", _OBJECT, "--method", _METHOD, "--timeout", str(seconds),
        ]  # fmt: skip
    elif dbus_send is not None:
        tool, argv = "dbus-send", [
            dbus_send, f"--bus={address}", "--print-reply", f"--reply-timeout={seconds * 1000}",
            f"--dest={_SERVICE}", _OBJECT, _METHOD,
        ]  # fmt: skip
    else:
        return ServerAnswer(
            None,
            "neither gdbus nor dbus-send is installed to ask the session bus whether a "
            "notification server is there",
            "install gdbus (libglib2.0-bin on Debian/Ubuntu, glib2 elsewhere) or dbus-send "
            "(dbus), or try `coach doctor --send-test`",
            asked=False,
        )
    try:
        finished = subprocess.run(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=seconds + 1,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _failure(tool, "Timed out", address)
    except (OSError, ValueError) as error:
        return ServerAnswer(None, f"{tool} could not be started: {error}", None, asked=False)
    said = finished.stdout.decode("utf-8", "replace")
    if finished.returncode != 0:
        return _failure(tool, finished.stderr.decode("utf-8", "replace"), address)
    if tool == "gdbus":
        fields = [_unescape(a or b) for a, b in _GVARIANT_STRING.findall(said)]
    else:
        fields = _DBUS_SEND_STRING.findall(said)
    server = _server_name(fields)
    return ServerAnswer(server, f"the notification server {server} answers on {address}")


@dataclass(frozen=True, slots=True)
class NotifierCheck:
    """What :func:`check_notifier` found: the notifier, and whether anything shows what it sends."""

    notifier: Notifier | None
    """The notifier to use (even when nothing answers: a server may start later), or None."""

    works: bool | None
    """True when a notification server answered, False when notifications cannot show,
    None when it cannot be known without sending one (macOS, Windows, no bus tool)."""

    detail: str
    """Which command, which server, or why notifications will not show."""

    fix: str | None = None
    """How to get notifications working, when they are not."""


def check_notifier(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    *,
    which: Callable[..., str | None] = shutil.which,
    timeout: float = 3.0,
) -> NotifierCheck:
    """Find the notifier and, with notify-send, ask the bus whether a server will show it."""
    environ = os.environ if environ is None else environ
    found = search_notifier(environ, platform, which=which)
    notifier = found.notifier
    if notifier is None:
        return NotifierCheck(None, False, found.detail, found.fix)
    if notifier.name != "notify-send":
        return NotifierCheck(notifier, None, found.detail)
    answer = ask_notification_server(
        {**environ, **notifier.extra_env}, which=which, timeout=timeout
    )
    if answer.server is not None:
        return NotifierCheck(notifier, True, f"{found.detail}: {answer.server} answers")
    works = False if answer.asked else None
    detail = f"{notifier.name} ({notifier.path}) is installed, but {answer.detail}"
    return NotifierCheck(notifier, works, detail, answer.fix)
