"""The desktop's do-not-disturb, where a command can tell: break reminders follow it.

GNOME keeps it as ``org.gnome.desktop.notifications show-banners`` (false
while do-not-disturb is on), read with ``gsettings``. KDE Plasma's notification
server says it in its ``Inhibited`` property (true while do-not-disturb is on),
read with ``gdbus`` or ``dbus-send``; other servers that have the property are
followed the same way. :func:`find_dnd_reader` gives a reader for this desktop,
or None where coach cannot tell (macOS's Focus has no command that says, so
there reminders come as usual); :func:`describe_dnd` says which, for ``coach
doctor``.
A reading runs one short process, so ``coach remind`` reads it only when a
break, a warning or a prescribed session is about to be told.

Standard library only: ``coach remind`` imports this.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping

DndReader = Callable[[], bool | None]
"""True while do-not-disturb is on, False when off, None when this reading failed."""

GNOME_KEY = ("org.gnome.desktop.notifications", "show-banners")


def gnome_dnd(gsettings: str) -> DndReader:
    """A reader of GNOME's do-not-disturb through the ``gsettings`` at that path."""

    def read() -> bool | None:
        try:
            result = subprocess.run(
                [gsettings, "get", *GNOME_KEY],
                capture_output=True,
                text=True,
                timeout=2,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        answer = result.stdout.strip()
        if result.returncode != 0 or answer not in ("true", "false"):
            return None
        return answer == "false"  # no banners: do not disturb

    return read


_INHIBITED = (
    "org.freedesktop.Notifications",
    "/org/freedesktop/Notifications",
    "org.freedesktop.DBus.Properties.Get",
    "org.freedesktop.Notifications",
    "Inhibited",
)


def inhibited_dnd(tool: str, environ: Mapping[str, str] | None = None) -> DndReader:
    """A reader of the notification server's ``Inhibited`` property (KDE Plasma's
    do-not-disturb) through ``gdbus`` or ``dbus-send`` at that path."""
    destination, path, method, interface, name = _INHIBITED
    if os.path.basename(tool).startswith("gdbus"):
        argv = [tool, "call", "--session", "--dest", destination, "--object-path", path]
        argv += ["--method", method, interface, name]
    else:
        argv = [tool, "--session", "--print-reply", f"--dest={destination}", path, method]
        argv += [f"string:{interface}", f"string:{name}"]

    def read() -> bool | None:
        try:
            result = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=2,
                check=False,
                stdin=subprocess.DEVNULL,
                env=None if environ is None else dict(environ),
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if result.returncode != 0:
            return None
        words = result.stdout.replace("<", " ").replace(">", " ").replace(",", " ").split()
        if "true" in words:
            return True
        return False if "false" in words else None

    return read


def _dnd_candidates(environ: Mapping[str, str], platform: str) -> list[tuple[str, DndReader]]:
    """Each way this desktop's do-not-disturb might be read, most likely first."""
    if platform in ("darwin", "win32"):
        return []
    path = environ.get("PATH")
    gsettings = shutil.which("gsettings", path=path)
    bus_tools = [tool for name in ("gdbus", "dbus-send") if (tool := shutil.which(name, path=path))]
    inhibited = [
        (
            f"the notification server's Inhibited property ({os.path.basename(tool)})",
            inhibited_dnd(tool, environ),
        )
        for tool in bus_tools[:1]
    ]
    gnome: list[tuple[str, DndReader]] = []
    if gsettings is not None:
        gnome = [("GNOME's show-banners (gsettings)", gnome_dnd(gsettings))]
    if "KDE" in environ.get("XDG_CURRENT_DESKTOP", "").upper():
        return inhibited + gnome
    return gnome + inhibited


def find_dnd_reader(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> DndReader | None:
    """A do-not-disturb reader for this desktop, or None where none can be read.

    GNOME's, where ``gsettings`` is installed and knows the key; else (first on
    KDE) the notification server's ``Inhibited`` property; a first reading that
    fails means it cannot be read that way.
    """
    found = describe_dnd(environ, platform)
    return found[1]


def describe_dnd(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> tuple[str, DndReader | None]:
    """How this desktop's do-not-disturb is read (and the reader), or why it cannot be."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform == "darwin":
        return "macOS's Focus cannot be read by a command: reminders come as usual", None
    if platform == "win32":
        return "Windows' focus assist cannot be read here: reminders come as usual", None
    candidates = _dnd_candidates(environ, platform)
    for what, reader in candidates:
        state = reader()
        if state is not None:
            return f"{what}: {'on' if state else 'off'} now", reader
    if not candidates:
        return "neither gsettings nor gdbus/dbus-send is installed to read it", None
    return "no desktop here says whether it is on (GNOME's or KDE's)", None
