"""The desktop's do-not-disturb, where a command can tell: break reminders follow it.

GNOME keeps it as ``org.gnome.desktop.notifications show-banners`` (false
while do-not-disturb is on), read with ``gsettings``. :func:`find_dnd_reader`
gives a reader for this desktop, or None where coach cannot tell (KDE's and
macOS's have no command that says, so there reminders come as usual).
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


def find_dnd_reader(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> DndReader | None:
    """A do-not-disturb reader for this desktop, or None where none can be read.

    GNOME's, where ``gsettings`` is installed and knows the key (a first
    reading that fails means it does not).
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform in ("darwin", "win32"):
        return None
    gsettings = shutil.which("gsettings", path=environ.get("PATH"))
    if gsettings is None:
        return None
    reader = gnome_dnd(gsettings)
    return reader if reader() is not None else None
