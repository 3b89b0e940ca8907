"""Desktop notifications: the command each system gets, a fake command, and a real D-Bus server.

Where ``dbus-daemon`` and ``notify-send`` are installed, the real ``notify-send``
talks over a private session bus to a small ``org.freedesktop.Notifications``
server (written with jeepney, in tests/notification_bus.py) that records what
it was sent; ``gdbus`` and ``dbus-send`` ask it for its server information.
Everywhere, a fake ``notify-send`` on PATH records its argv, so the logic is
covered on every machine.
"""

from __future__ import annotations

import base64
import os
import shutil
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from coach.notify import (
    Notifier,
    ask_notification_server,
    check_notifier,
    find_notifier,
    search_notifier,
)
from tests.notification_bus import REAL_BUS, NotificationServer

HOSTILE_BODY = "Rest <b>now</b> & [bold]breathe[/bold] \x1b[31mred\x1b[0m\x07 \u009b2J done"
ESCAPED_BODY = (
    "Rest &lt;b&gt;now&lt;/b&gt; &amp; [bold]breathe[/bold] \\x1b[31mred\\x1b[0m\\x07 \\x9b2J done"
)
# notify-send reads C escapes in its body argument, so coach doubles each backslash.
ESCAPED_ARGV_BODY = ESCAPED_BODY.replace("\\", "\\\\")


def fake_which(*present: str) -> Any:
    def which(name: str, path: str | None = None) -> str | None:
        return f"/usr/bin/{name}" if name in present else None

    return which


def write_script(folder: Path, name: str, text: str) -> Path:
    script = folder / name
    script.write_text(text)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


# --------------------------------------------------------------------------- which command


def test_linux_needs_notify_send(tmp_path: Path) -> None:
    found = search_notifier(
        {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, "linux", which=fake_which()
    )
    assert found.notifier is None
    assert "notify-send is not installed" in found.detail
    assert found.fix is not None and "libnotify-bin" in found.fix


def test_linux_needs_a_session_bus(tmp_path: Path) -> None:
    which = fake_which("notify-send")
    found = search_notifier({"XDG_RUNTIME_DIR": str(tmp_path)}, "linux", which=which)
    assert found.notifier is None and "no session bus" in found.detail and found.fix

    (tmp_path / "bus").touch()  # the socket a systemd user session makes
    found = search_notifier({"XDG_RUNTIME_DIR": str(tmp_path)}, "linux", which=which)
    assert found.notifier is not None and found.notifier.name == "notify-send"
    command = found.notifier.command("t", "b")
    assert command.env["DBUS_SESSION_BUS_ADDRESS"] == f"unix:path={tmp_path / 'bus'}"

    env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1/bus"}
    found = search_notifier(env, "freebsd14", which=which)
    assert found.notifier is not None and "unix:path=/run/user/1/bus" in found.detail


def test_notify_send_gets_the_text_after_double_dash_with_the_body_escaped() -> None:
    notifier = Notifier("notify-send", "/usr/bin/notify-send", environ={})
    command = notifier.command(
        "-u critical", HOSTILE_BODY, urgency="critical", app_name="co\x1bach"
    )
    assert command.argv == [
        "/usr/bin/notify-send",
        "--app-name=co\\x1bach",
        "--urgency=critical",
        "--",
        "-u critical",
        ESCAPED_ARGV_BODY,
    ]


def test_titles_lose_newlines_and_long_text_is_cut() -> None:
    notifier = Notifier("notify-send", "notify-send", environ={})
    argv = notifier.command("two\nlines", "a\nb" + "x" * 5000).argv
    assert argv[-2] == "two lines"
    assert argv[-1].startswith("a\nbxxx") and len(argv[-1]) == 1000 and argv[-1].endswith("…")
    # A lone surrogate cannot be passed as an argument; it is replaced.
    assert notifier.command("\ud800", "ok").argv[-2] == "<U+D800>"


def test_bad_urgency_is_a_programming_error() -> None:
    notifier = Notifier("notify-send", "notify-send", environ={})
    with pytest.raises(ValueError, match="urgency"):
        notifier.command("t", "b", urgency="loud")  # type: ignore[arg-type]


def test_macos_passes_the_text_as_script_arguments() -> None:
    found = search_notifier({}, "darwin", which=fake_which("osascript"))
    assert found.notifier is not None
    title = '"; do shell script "rm -rf ~'
    argv = found.notifier.command(title, "-body").argv
    assert argv[0] == "/usr/bin/osascript"
    assert argv[-3:] == ["--", title, "-body"]
    script = argv[1:-3]
    assert script[::2] == ["-e", "-e", "-e"]
    assert all(text not in line for line in script for text in ("rm -rf", "-body"))
    assert "item -1 of argv" in " ".join(script)  # right with or without the "--"
    assert search_notifier({}, "darwin", which=fake_which()).notifier is None


def test_windows_passes_the_text_in_the_environment() -> None:
    found = search_notifier({"PATH": "x"}, "win32", which=fake_which("pwsh"))
    assert found.notifier is not None and found.notifier.path == "/usr/bin/pwsh"
    title = "'; Remove-Item -Recurse C:\\ ; '"
    command = found.notifier.command(title, "$(evil) <b>")
    assert "-EncodedCommand" in command.argv
    script = base64.b64decode(command.argv[-1]).decode("utf-16-le")
    assert "$env:COACH_NOTIFY_TITLE" in script and "$env:COACH_NOTIFY_BODY" in script
    assert "Remove-Item" not in script and "evil" not in script
    assert all("Remove-Item" not in item and "evil" not in item for item in command.argv)
    assert command.env["COACH_NOTIFY_TITLE"] == title
    assert command.env["COACH_NOTIFY_BODY"] == "$(evil) <b>"  # a toast text node: no markup
    assert command.env["PATH"] == "x"
    missing = search_notifier({}, "win32", which=fake_which())
    assert missing.notifier is None and "PowerShell" in missing.detail


# --------------------------------------------------------------------------- a fake notify-send


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def fake_environ(fake_bin: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": f"{fake_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent",
        **extra,
    }


def test_send_runs_the_command_found_on_path(fake_bin: Path, tmp_path: Path) -> None:
    record = tmp_path / "argv"
    write_script(fake_bin, "notify-send", '#!/bin/sh\nprintf "%s\\0" "$@" > "$RECORD"\n')
    notifier = find_notifier(fake_environ(fake_bin, RECORD=str(record)), "linux")
    assert notifier is not None and notifier.path == str(fake_bin / "notify-send")
    assert notifier.send("--help", HOSTILE_BODY, urgency="low") is True
    assert notifier.last_failure is None
    assert record.read_text().split("\0")[:-1] == [
        "--app-name=coach",
        "--urgency=low",
        "--",
        "--help",
        ESCAPED_ARGV_BODY,
    ]


def test_a_failing_command_returns_false_with_its_reason(fake_bin: Path) -> None:
    write_script(
        fake_bin,
        "notify-send",
        '#!/bin/sh\necho "Could not connect: \x1b[31mNo such file" >&2\nexit 1\n',
    )
    notifier = find_notifier(fake_environ(fake_bin), "linux")
    assert notifier is not None
    assert notifier.send("t", "b") is False
    assert notifier.last_failure == (
        "notify-send failed (exit status 1): Could not connect: \\x1b[31mNo such file"
    )


def test_a_hanging_command_is_killed_after_the_timeout(fake_bin: Path) -> None:
    write_script(fake_bin, "notify-send", "#!/bin/sh\nexec sleep 30\n")
    notifier = find_notifier(fake_environ(fake_bin), "linux")
    assert notifier is not None
    started = time.monotonic()
    assert notifier.send("t", "b", timeout=0.3) is False
    assert time.monotonic() - started < 2
    assert notifier.last_failure == "notify-send did not finish within 0.3 s"


def test_a_vanished_command_returns_false(tmp_path: Path) -> None:
    notifier = Notifier("notify-send", str(tmp_path / "gone"), environ={})
    assert notifier.send("t", "b") is False
    assert notifier.last_failure is not None and "could not be started" in notifier.last_failure


# --------------------------------------------------------------------------- a real D-Bus server

_REAL = REAL_BUS and shutil.which("notify-send") is not None


@pytest.mark.skipif(not _REAL, reason="dbus-daemon, notify-send or jeepney is not installed here")
def test_real_notify_send_reaches_a_notification_server(
    notification_server: NotificationServer,
) -> None:
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "DBUS_SESSION_BUS_ADDRESS": notification_server.address,
    }
    notifier = find_notifier(environ, "linux")
    assert notifier is not None
    sent = notifier.send("-x [b]Break[/b]", HOSTILE_BODY, urgency="critical", app_name="coach-test")
    assert sent, notifier.last_failure
    assert len(notification_server.received) == 1
    got = notification_server.received[0]
    assert got["app_name"] == "coach-test"
    assert got["summary"] == "-x [b]Break[/b]"
    assert got["body"] == ESCAPED_BODY
    assert got["hints"]["urgency"] == ("y", 2)
    assert "\x1b" not in got["body"] and "\x9b" not in got["body"]


@pytest.mark.skipif(not _REAL, reason="dbus-daemon, notify-send or jeepney is not installed here")
def test_real_notify_send_without_a_server_fails_cleanly(session_bus: str) -> None:
    environ = {"PATH": os.environ.get("PATH", ""), "DBUS_SESSION_BUS_ADDRESS": session_bus}
    notifier = find_notifier(environ, "linux")
    assert notifier is not None
    assert notifier.send("t", "b", timeout=5) is False
    assert notifier.last_failure is not None
    assert notifier.last_failure.startswith("notify-send failed")


# --------------------------------------------------------------------------- asking for the server

ASKERS = [name for name in ("gdbus", "dbus-send") if shutil.which(name) is not None]


def only(tool: str) -> Any:
    """A which() that finds the real ``tool`` (and notify-send), nothing else."""

    def which(name: str, path: str | None = None) -> str | None:
        return shutil.which(name) if name in (tool, "notify-send") else None

    return which


@pytest.mark.parametrize("tool", ASKERS)
def test_the_server_that_answers_is_named(session_bus: str, tool: str) -> None:
    from tests.notification_bus import serve_notifications

    hostile = ("dun\x1b[2Jst \"q\" 'x' \\", "dunst-project", "1.9.0", "1.2")
    server = serve_notifications(session_bus, information=hostile)
    recorded = next(server)
    environ = {"PATH": os.environ.get("PATH", ""), "DBUS_SESSION_BUS_ADDRESS": session_bus}
    answer = ask_notification_server(environ, which=only(tool))
    server.close()
    assert "GetServerInformation" in recorded.calls and "Notify" not in recorded.calls
    assert answer.server == "dun\\x1b[2Jst \"q\" 'x' \\ 1.9.0 (dunst-project)"
    assert answer.fix is None and session_bus in answer.detail
    found = check_notifier(environ, "linux", which=only(tool))
    assert found.works is False  # the server has gone
    assert found.notifier is not None  # kept: a server may come later


@pytest.mark.parametrize("tool", ASKERS)
def test_a_bus_with_no_server_says_so(session_bus: str, tool: str) -> None:
    environ = {"PATH": os.environ.get("PATH", ""), "DBUS_SESSION_BUS_ADDRESS": session_bus}
    answer = ask_notification_server(environ, which=only(tool))
    assert answer.server is None and answer.asked
    assert answer.detail == (
        f"no notification server answers on the session bus {session_bus} "
        "(nothing owns org.freedesktop.Notifications)"
    )
    assert answer.fix is not None and "dunst" in answer.fix


@pytest.mark.parametrize("tool", ASKERS)
def test_a_bus_that_cannot_be_reached_says_so(tmp_path: Path, tool: str) -> None:
    address = f"unix:path={tmp_path / 'gone'}"
    environ = {"PATH": os.environ.get("PATH", ""), "DBUS_SESSION_BUS_ADDRESS": address}
    answer = ask_notification_server(environ, which=only(tool))
    assert answer.server is None
    assert answer.detail.startswith(f"the session bus {address} cannot be reached ({tool}: ")
    assert answer.fix is not None and "desktop session" in answer.fix


def test_no_tool_to_ask_with_is_not_a_verdict() -> None:
    environ = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1/bus"}
    answer = ask_notification_server(environ, which=fake_which())
    assert answer.server is None and answer.asked is False
    assert "neither gdbus nor dbus-send" in answer.detail
    found = check_notifier(environ, "linux", which=fake_which("notify-send"))
    assert found.notifier is not None and found.works is None
    assert found.fix is not None and "--send-test" in found.fix
    none = ask_notification_server({}, which=fake_which("gdbus"))
    assert none.server is None and "no session bus" in none.detail


def test_other_systems_are_not_asked() -> None:
    found = check_notifier({}, "darwin", which=fake_which("osascript"))
    assert found.notifier is not None and found.works is None and found.fix is None
    missing = check_notifier({}, "linux", which=fake_which())
    assert missing.notifier is None and missing.works is False
    assert "notify-send is not installed" in missing.detail


@pytest.mark.skipif(not _REAL or not ASKERS, reason="needs dbus-daemon, notify-send and gdbus")
def test_check_notifier_on_a_real_server(notification_server: NotificationServer) -> None:
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "DBUS_SESSION_BUS_ADDRESS": notification_server.address,
    }
    found = check_notifier(environ, "linux")
    assert found.works is True and found.notifier is not None and found.fix is None
    assert found.detail.endswith(": test 1 (coach) answers")
    assert notification_server.received == []
