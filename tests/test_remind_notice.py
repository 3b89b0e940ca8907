"""`coach remind` says once at start when desktop notifications will not show, and why.

On the fake clock through :class:`coach.breaks.remind.Reminder`, and end to end:
the real command on a private D-Bus session bus, with and without a
notification server on it (tests/notification_bus.py).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coach.breaks.host import BreakHost
from coach.breaks.remind import Reminder
from coach.breaks.scheduler import BreakPolicy, KindPolicy
from coach.clock import FakeClock
from coach.history.store import HistoryStore
from tests.notification_bus import NotificationServer

POLICY = BreakPolicy(micro=KindPolicy(every=60, length=20), rest=KindPolicy(every=3600, length=300))


def run_reminder(tmp_path: Path, **kwargs: object) -> list[dict[str, object]]:
    store = HistoryStore.in_folder(tmp_path / "data")
    clock = FakeClock(start=0.0)
    out = io.StringIO()
    host = BreakHost(store, POLICY, clock)
    reminder = Reminder(host, out=out, json_lines=True, once=True, **kwargs)  # type: ignore[arg-type]

    async def go() -> None:
        task = asyncio.create_task(reminder.run())
        await clock.advance(61)
        await asyncio.wait_for(task, 5)

    asyncio.run(go())
    store.close()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_notice_comes_once_first_with_its_reason_and_fix(tmp_path: Path) -> None:
    got = run_reminder(tmp_path, cannot_notify=("no server \x1b[2J here", "start one"))
    notices = [event for event in got if event["event"] == "notice"]
    assert got[0] == notices[0] and len(notices) == 1
    assert notices[0]["about"] == "notifications"
    assert notices[0]["reason"] == "no server \x1b[2J here" and notices[0]["fix"] == "start one"
    assert notices[0]["message"] == (
        "desktop notifications will not show: no server \x1b[2J here; breaks are still "
        "announced here. Fix: start one"
    )
    assert [event["event"] for event in got[1:]] == ["waiting", "warning", "break", "stopped"]


def test_no_notice_when_notifications_can_show(tmp_path: Path) -> None:
    assert "notice" not in [event["event"] for event in run_reminder(tmp_path)]


def test_plain_lines_show_the_notice_safely(tmp_path: Path) -> None:
    store = HistoryStore.in_folder(tmp_path / "data")
    out = io.StringIO()
    host = BreakHost(store, POLICY, FakeClock(start=0.0))
    reminder = Reminder(host, out=out, bell=io.StringIO(), cannot_notify=("no \x1b[2J bus", None))
    reminder.stop()
    asyncio.run(reminder.run())
    store.close()
    first = out.getvalue().splitlines()[0]
    assert first.endswith(
        " desktop notifications will not show: no \\x1b[2J bus; breaks are still announced "
        "here and with the bell"
    )


# --------------------------------------------------------------------------- the real command

needs_tools = pytest.mark.skipif(
    shutil.which("notify-send") is None
    or (shutil.which("gdbus") is None and shutil.which("dbus-send") is None),
    reason="needs notify-send and gdbus or dbus-send",
)


def remind_once(tmp_path: Path, bus: str) -> list[dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(
        DBUS_SESSION_BUS_ADDRESS=bus,
        COACH_DATA_DIR=str(tmp_path / "data"),
        COACH_CONFIG_FILE=str(tmp_path / "none.toml"),
        COACH_BREAKS__IDLE_DETECTION="false",
        COACH_BREAKS__MICRO__EVERY="1s",
        COACH_BREAKS__WARNING="0",  # the warning before a break is tested apart
    )
    done = subprocess.run(
        [sys.executable, "-m", "coach", "remind", "--json", "--once", "--no-bell"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.e2e
@needs_tools
def test_remind_on_a_bus_with_no_server_says_so_once(tmp_path: Path, session_bus: str) -> None:
    got = remind_once(tmp_path, session_bus)
    assert got[0]["event"] == "notice" and got[0]["about"] == "notifications"
    assert str(got[0]["reason"]).endswith(
        f"is installed, but no notification server answers on the session bus {session_bus} "
        "(nothing owns org.freedesktop.Notifications)"
    )
    assert got[0]["fix"] == "start a notification server (your desktop's, or dunst or mako)"
    assert [event["event"] for event in got].count("notice") == 1
    assert "break" in [event["event"] for event in got]


@pytest.mark.e2e
@needs_tools
def test_remind_with_a_server_says_nothing_and_notifies(
    tmp_path: Path, notification_server: NotificationServer
) -> None:
    got = remind_once(tmp_path, notification_server.address)
    assert [event["event"] for event in got if event["event"] in ("notice", "error")] == []
    assert [note["summary"] for note in notification_server.received] == ["Time for a micro-break"]
