"""Idle time: parsing what loginctl and ioreg print, choosing a probe, and a real X server.

The X11 tests start their own Xvfb (skipped where Xvfb or libXss is missing);
everything else runs everywhere on fakes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from coach.breaks.idle import (
    CommandOutput,
    IdleProbe,
    IoregIdleProbe,
    LogindIdleProbe,
    ProbeUnavailable,
    WindowsIdleProbe,
    X11IdleProbe,
    find_idle_probe,
    logind_idle_seconds,
    parse_ioreg_idle,
    parse_properties,
    search_idle_probe,
)
from tests.helpers import needs_xvfb, start_xvfb, stop

IOREG_SAMPLE = """\
+-o Root  <class IORegistryEntry, id 0x100000100, retain 23>
  +-o J316sAP  <class IOPlatformExpertDevice, id 0x10000020f, registered, matched, active>
    +-o AppleARMPE  <class AppleARMPE, id 0x100000210, registered, matched, active>
      +-o IOHIDSystem  <class IOHIDSystem, id 0x100000531, registered, matched, active>
        | {
        |   "HIDParameters" = {"HIDClickTime"=500000000}
        |   "HIDIdleTime" = 2417000000
        |   "IOUserClientClass" = "IOHIDParamUserClient"
        | }
"""


def which_of(*present: str) -> Callable[..., str | None]:
    def which(name: str, path: str | None = None) -> str | None:
        return f"/usr/bin/{name}" if name in present else None

    return which


class FakeCommands:
    """Answers argv with canned output and remembers what was run."""

    def __init__(self, answers: dict[tuple[str, ...], CommandOutput]) -> None:
        self.answers = answers
        self.ran: list[tuple[str, ...]] = []

    def __call__(self, argv: Sequence[str]) -> CommandOutput:
        self.ran.append(tuple(argv))
        return self.answers.get(tuple(argv), CommandOutput(1, "", "unexpected command"))


LOGINCTL = "/usr/bin/loginctl"
SHOW_5 = (LOGINCTL, "show-session", "5", "-p", "IdleHint", "-p", "IdleSinceHintMonotonic")


def no_x11(display: str) -> IdleProbe:
    raise ProbeUnavailable(
        "libXss.so.1 (the X screen-saver library) is not installed", "install libxss1"
    )


def must_not_open_x11(display: str) -> IdleProbe:
    raise AssertionError("X11 must not be used here")


# --------------------------------------------------------------------------- parsing


def test_logind_properties() -> None:
    text = "IdleHint=yes\nIdleSinceHintMonotonic=100000000\n"
    assert parse_properties(text) == {"IdleHint": "yes", "IdleSinceHintMonotonic": "100000000"}
    assert logind_idle_seconds(parse_properties(text), now_monotonic=130.5) == 30.5
    # Not idle: 0, whatever the old timestamp says.
    assert logind_idle_seconds({"IdleHint": "no", "IdleSinceHintMonotonic": "5"}, 99.0) == 0.0
    # A timestamp a little ahead of our clock reads is never negative.
    assert logind_idle_seconds({"IdleHint": "yes", "IdleSinceHintMonotonic": "2000000"}, 1.0) == 0.0
    for broken in (
        {},
        {"IdleHint": "maybe"},
        {"IdleHint": "yes"},
        {"IdleHint": "yes", "IdleSinceHintMonotonic": "0"},
        {"IdleHint": "yes", "IdleSinceHintMonotonic": "soon"},
    ):
        assert logind_idle_seconds(broken, 10.0) is None
    assert parse_properties("junk\n=x\nA=b=c") == {"A": "b=c"}


def test_ioreg_idle_time() -> None:
    assert parse_ioreg_idle(IOREG_SAMPLE) == pytest.approx(2.417)
    assert parse_ioreg_idle('"HIDIdleTime" = <00000000b2d05e00>') == pytest.approx(3.0)
    assert parse_ioreg_idle("no such key") is None


# --------------------------------------------------------------------------- probes on fakes


def test_logind_probe_reads_the_session() -> None:
    commands = FakeCommands(
        {SHOW_5: CommandOutput(0, "IdleHint=yes\nIdleSinceHintMonotonic=40000000\n", "")}
    )
    probe = LogindIdleProbe(LOGINCTL, "5", run=commands, monotonic=lambda: 100.0)
    assert probe.idle_seconds() == 60.0
    commands.answers[SHOW_5] = CommandOutput(1, "", "Failed to get session: No such file")
    assert probe.idle_seconds() is None
    assert commands.ran == [SHOW_5, SHOW_5]


def test_ioreg_probe() -> None:
    argv = ("/usr/sbin/ioreg", "-c", "IOHIDSystem", "-d", "4")
    probe = IoregIdleProbe(
        "/usr/sbin/ioreg", run=FakeCommands({argv: CommandOutput(0, IOREG_SAMPLE, "")})
    )
    assert probe.idle_seconds() == pytest.approx(2.417)
    assert IoregIdleProbe("/usr/sbin/ioreg", run=FakeCommands({})).idle_seconds() is None


def test_windows_idle_time_survives_the_tick_count_wrapping() -> None:
    # GetLastInputInfo's 32-bit tick just before the wrap; GetTickCount64 just after.
    probe = WindowsIdleProbe(last_input=lambda: 0xFFFF_FF00, tick_count=lambda: 0x1_0000_0100)
    assert probe.idle_seconds() == pytest.approx(0.512)
    probe = WindowsIdleProbe(last_input=lambda: 1_000, tick_count=lambda: 61_000)
    assert probe.idle_seconds() == 60.0
    assert WindowsIdleProbe(last_input=lambda: None, tick_count=lambda: 5).idle_seconds() is None


# --------------------------------------------------------------------------- choosing a probe


def test_x11_comes_first_when_it_works() -> None:
    class Fake(IdleProbe):
        name = "x11"
        detail = "XScreenSaver on :3"

        def idle_seconds(self) -> float | None:
            return 1.0

    opened: list[str] = []

    def open_x11(display: str) -> IdleProbe:
        opened.append(display)
        return Fake()

    found = search_idle_probe(
        {"DISPLAY": ":3"},
        "linux",
        which=which_of("loginctl"),
        run=FakeCommands({}),
        open_x11=open_x11,
    )
    assert found.probe is not None and found.probe.name == "x11" and opened == [":3"]
    assert found.detail == "x11 (XScreenSaver on :3)"


def test_logind_when_x11_cannot_be_used() -> None:
    commands = FakeCommands(
        {SHOW_5: CommandOutput(0, "IdleHint=no\nIdleSinceHintMonotonic=0\n", "")}
    )
    environ = {"DISPLAY": ":0", "XDG_SESSION_ID": "5"}
    found = search_idle_probe(
        environ,
        "linux",
        which=which_of("loginctl"),
        run=commands,
        open_x11=no_x11,
        monotonic=lambda: 1.0,
    )
    assert isinstance(found.probe, LogindIdleProbe) and found.probe.session == "5"
    assert found.probe.idle_seconds() == 0.0


def test_logind_finds_the_users_graphical_session() -> None:
    show_user = (LOGINCTL, "show-user", str(os.getuid()), "-p", "Display")
    commands = FakeCommands(
        {
            show_user: CommandOutput(0, "Display=5\n", ""),
            SHOW_5: CommandOutput(0, "IdleHint=no\n", ""),
        }
    )
    found = search_idle_probe(
        {}, "linux", which=which_of("loginctl"), run=commands, open_x11=must_not_open_x11
    )
    assert isinstance(found.probe, LogindIdleProbe) and found.probe.session == "5"
    assert commands.ran[0] == show_user

    commands.answers[show_user] = CommandOutput(0, "Display=\n", "")
    found = search_idle_probe({}, "linux", which=which_of("loginctl"), run=commands)
    assert found.probe is None and "no graphical session" in found.detail


def test_no_probe_says_why_for_each_way_tried() -> None:
    found = search_idle_probe({"DISPLAY": ":0"}, "linux", which=which_of(), open_x11=no_x11)
    assert found.probe is None
    assert found.detail == (
        "x11: libXss.so.1 (the X screen-saver library) is not installed; "
        "logind: loginctl is not installed (no systemd-logind)"
    )
    assert found.fix == "install libxss1"

    booted = FakeCommands(
        {
            SHOW_5: CommandOutput(
                1,
                "",
                "System has not been booted with systemd as init system (PID 1). Can't operate.\n",
            )
        }
    )
    found = search_idle_probe(
        {"XDG_SESSION_ID": "5"}, "linux", which=which_of("loginctl"), run=booted
    )
    assert found.probe is None
    assert found.detail == (
        "x11: DISPLAY is not set; logind: loginctl show-session 5 failed: "
        "System has not been booted with systemd as init system (PID 1). Can't operate."
    )
    assert found.fix is not None and "desktop session" in found.fix


def test_wayland_never_uses_xwayland() -> None:
    environ = {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
    found = search_idle_probe(environ, "linux", which=which_of(), open_x11=must_not_open_x11)
    assert found.probe is None
    assert "not used in a Wayland session" in found.detail
    assert found.fix is not None and "Wayland without X: idle time is not supported" in found.fix
    # Logind still answers in a Wayland session whose desktop sets IdleHint.
    commands = FakeCommands({SHOW_5: CommandOutput(0, "IdleHint=no\n", "")})
    found = search_idle_probe(
        {**environ, "XDG_SESSION_ID": "5"},
        "linux",
        which=which_of("loginctl"),
        run=commands,
        open_x11=must_not_open_x11,
    )
    assert isinstance(found.probe, LogindIdleProbe)
    # An X11 session that happens to have WAYLAND_DISPLAY set (a nested compositor) is X11.
    found = search_idle_probe(
        {**environ, "XDG_SESSION_TYPE": "x11"}, "linux", which=which_of(), open_x11=no_x11
    )
    assert found.detail.startswith("x11: libXss.so.1")


def test_macos_and_windows() -> None:
    argv = ("/usr/bin/ioreg", "-c", "IOHIDSystem", "-d", "4")
    found = search_idle_probe(
        {},
        "darwin",
        which=which_of("ioreg"),
        run=FakeCommands({argv: CommandOutput(0, IOREG_SAMPLE, "")}),
    )
    assert isinstance(found.probe, IoregIdleProbe)
    found = search_idle_probe({}, "darwin", which=which_of("ioreg"), run=FakeCommands({}))
    assert found.probe is None and "HIDIdleTime" in found.detail
    if sys.platform != "win32":
        found = search_idle_probe({}, "win32")
        assert found.probe is None and "GetLastInputInfo" in found.detail


# --------------------------------------------------------------------------- a real X server


@pytest.fixture
def xvfb() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    server, display = start_xvfb()
    try:
        yield server, display
    finally:
        if server.poll() is None:
            stop(server)


@needs_xvfb
def test_real_x_server_idle_time_grows(xvfb: tuple[subprocess.Popen[bytes], str]) -> None:
    _server, display = xvfb
    probe = find_idle_probe({"DISPLAY": display}, "linux")
    assert isinstance(probe, X11IdleProbe), search_idle_probe({"DISPLAY": display}, "linux")
    try:
        first = probe.idle_seconds()
        assert first is not None and 0 <= first < 30  # nobody has touched this server
        time.sleep(0.3)
        second = probe.idle_seconds()
        assert second is not None and 0.25 <= second - first < 5
    finally:
        probe.close()


@needs_xvfb
def test_real_x_server_going_away_and_coming_back(
    xvfb: tuple[subprocess.Popen[bytes], str],
) -> None:
    """Xlib's default would exit the whole process here; the probe says None and reconnects."""
    server, display = xvfb
    probe = X11IdleProbe(display)
    try:
        assert probe.idle_seconds() is not None
        stop(server)
        assert probe.idle_seconds() is None
        assert probe.idle_seconds() is None  # still gone: tries to open it again, quietly
        again, _ = start_xvfb(display)
        try:
            reading = probe.idle_seconds()
            assert reading is not None and 0 <= reading < 30
        finally:
            stop(again)
    finally:
        probe.close()


@needs_xvfb
def test_no_x_server_on_that_display() -> None:
    unused = next(n for n in range(900, 1000) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    with pytest.raises(ProbeUnavailable, match="cannot open the X display"):
        X11IdleProbe(f":{unused}")
    found = search_idle_probe({"DISPLAY": f":{unused}"}, "linux", which=which_of())
    assert found.probe is None and found.detail.startswith(
        f"x11: cannot open the X display :{unused}"
    )
