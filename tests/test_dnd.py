"""Following the desktop's do-not-disturb: GNOME's through gsettings, KDE's (and any
notification server's ``Inhibited``) through gdbus or dbus-send, on a real private bus."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from coach.breaks.dnd import describe_dnd, inhibited_dnd
from coach.cli.doctor import _do_not_disturb
from tests.notification_bus import REAL_BUS, NotificationServer

needs_bus = pytest.mark.skipif(not REAL_BUS, reason="needs dbus-daemon and jeepney")


def _only(tmp_path: Path, *tools: str) -> str:
    """A PATH that holds only these tools (as links), so one way is tried at a time."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    for tool in tools:
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"needs {tool}")
        (folder / tool).symlink_to(found)
    return str(folder)


@needs_bus
@pytest.mark.parametrize("tool", ["gdbus", "dbus-send"])
def test_kde_s_do_not_disturb_is_read_from_the_notification_server(
    tmp_path: Path, notification_server: NotificationServer, tool: str
) -> None:
    env = {
        **os.environ,
        "DBUS_SESSION_BUS_ADDRESS": notification_server.address,
        "PATH": _only(tmp_path, tool),
        "XDG_CURRENT_DESKTOP": "KDE",
    }
    notification_server.inhibited = True
    detail, reader = describe_dnd(env, "linux")
    assert reader is not None and reader() is True
    assert detail == f"the notification server's Inhibited property ({tool}): on now"
    notification_server.inhibited = False
    assert reader() is False
    assert inhibited_dnd(str(Path(env["PATH"]) / tool), env)() is False


@needs_bus
def test_a_server_without_the_property_cannot_be_followed(
    tmp_path: Path, notification_server: NotificationServer
) -> None:
    env = {
        "DBUS_SESSION_BUS_ADDRESS": notification_server.address,
        "PATH": _only(tmp_path, "gdbus"),
        "XDG_CURRENT_DESKTOP": "KDE",
    }
    detail, reader = describe_dnd(env, "linux")
    assert reader is None and "no desktop here says whether it is on" in detail
    check = _do_not_disturb(env, "linux")
    assert check.ok is None and "`coach pause` holds reminders" in check.detail


def test_doctor_says_when_nothing_can_read_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    check = _do_not_disturb({"PATH": str(empty)}, "linux")
    assert check.ok is None
    assert "neither gsettings nor gdbus/dbus-send is installed" in check.detail
    assert "macOS's Focus cannot be read" in _do_not_disturb({}, "darwin").detail
