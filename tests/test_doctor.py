"""coach doctor: each check on a fake (or real) machine, the plain and JSON reports, the command."""

from __future__ import annotations

import argparse
import fcntl
import io
import json
import os
import re
import shutil
import stat
import struct
import termios
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import pytest

from coach.cli.doctor import (
    Check,
    checks_json,
    collect_checks,
    format_checks,
    run_doctor,
)
from coach.config.settings import BreakSettings, CueSettings, Settings
from coach.errors import SettingsError
from tests.helpers import needs_xvfb, read_only, start_xvfb, stop
from tests.notification_bus import NotificationServer

NAMES = [
    "notifications",
    "speech",
    "sound",
    "session cues",
    "idle detection",
    "terminal",
    "terminal bell",
    "history folder",
    "history",
    "config",
]
NO_DESKTOP = {"PATH": "/nonexistent"}


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def checks(settings: Settings | None = None, **kwargs: Any) -> dict[str, Check]:
    kwargs.setdefault("environ", NO_DESKTOP)
    kwargs.setdefault("platform", "linux")
    kwargs.setdefault("stdout", io.StringIO())
    kwargs.setdefault("stderr", io.StringIO())
    return by_name(collect_checks(settings or Settings(), **kwargs))


@pytest.fixture
def terminal() -> Iterator[Any]:
    """A real pseudo-terminal as stdout; call it with (columns, lines) to size it."""
    controller, child = os.openpty()
    stream = open(child, "w")  # noqa: SIM115 (closed below)

    def sized(columns: int, lines: int) -> TextIO:
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        return stream

    yield sized
    stream.close()
    os.close(controller)


def test_every_check_is_there_in_order_and_each_line_says_its_status() -> None:
    found = collect_checks(
        Settings(), environ=NO_DESKTOP, platform="linux", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert [check.name for check in found] == NAMES
    text = format_checks(found)
    lines = text.splitlines()
    assert len(lines) == len(NAMES) and text.endswith("\n")
    assert all(re.match(r"(ok|missing|n/a) ", line) for line in lines)
    assert "\x1b" not in text  # no colour: readable anywhere


def test_json_form() -> None:
    found = [
        Check("a", True, "fine"),
        Check("b", None, "off"),
        Check("c", False, "gone", "install c"),
    ]
    data = json.loads(checks_json(found))
    assert data == {
        "ok": False,
        "checks": [
            {"name": "a", "status": "ok", "ok": True, "detail": "fine", "fix": None},
            {"name": "b", "status": "n/a", "ok": None, "detail": "off", "fix": None},
            {"name": "c", "status": "missing", "ok": False, "detail": "gone", "fix": "install c"},
        ],
    }
    assert json.loads(checks_json(found[:2]))["ok"] is True
    assert checks_json([Check("d", True, "\x1b[2J\u009b")]).isascii()


def test_fixes_are_shown_only_for_what_is_missing() -> None:
    text = format_checks(
        [Check("a", False, "gone.", "install a"), Check("b", True, "fine", "never shown")]
    )
    assert text == "missing a: gone. Fix: install a\nok      b: fine\n"


# --------------------------------------------------------------------------- notifications


def fake_notify_send(folder: Path, exit_status: int) -> dict[str, str]:
    script = folder / "notify-send"
    script.write_text(f"#!/bin/sh\necho 'no server here' >&2\nexit {exit_status}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"PATH": str(folder), "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1/bus"}


def test_notifications_without_a_way_to_ask_the_bus(tmp_path: Path) -> None:
    check = checks()["notifications"]
    assert check.ok is False and "notify-send is not installed" in check.detail
    assert check.fix is not None and "libnotify-bin" in check.fix

    environ = fake_notify_send(tmp_path, 0)  # no gdbus or dbus-send on this PATH
    check = checks(environ=environ)["notifications"]
    assert check.ok is False and "neither gdbus nor dbus-send" in check.detail
    assert check.fix is not None and "--send-test" in check.fix
    sent = checks(environ=environ, send_test=True)["notifications"]
    assert sent.ok is True and sent.detail.endswith("a test notification was sent")

    environ = fake_notify_send(tmp_path, 1)
    check = checks(environ=environ, send_test=True)["notifications"]
    assert check.ok is False and "no server here" in check.detail
    assert check.fix is not None and "gdbus" in check.fix


def real_bus(address: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "DBUS_SESSION_BUS_ADDRESS": address}


needs_bus_tools = pytest.mark.skipif(
    shutil.which("notify-send") is None
    or (shutil.which("gdbus") is None and shutil.which("dbus-send") is None),
    reason="needs notify-send and gdbus or dbus-send",
)


@needs_bus_tools
def test_notifications_ok_only_when_a_server_answers(
    notification_server: NotificationServer,
) -> None:
    check = checks(environ=real_bus(notification_server.address))["notifications"]
    assert check.ok is True
    assert ": test 1 (coach) answers (`coach doctor --send-test` sends one)" in check.detail
    assert notification_server.received == []  # asking shows nothing
    sent = checks(environ=real_bus(notification_server.address), send_test=True)
    assert sent["notifications"].ok is True
    assert [got["summary"] for got in notification_server.received] == ["coach doctor"]


@needs_bus_tools
def test_a_bus_with_no_notification_server_is_not_ok(session_bus: str) -> None:
    check = checks(environ=real_bus(session_bus))["notifications"]
    assert check.ok is False
    assert check.detail.endswith(
        f"but no notification server answers on the session bus {session_bus} "
        "(nothing owns org.freedesktop.Notifications)"
    )
    assert check.fix is not None and "notification server" in check.fix
    line = format_checks([check])
    assert line.startswith("missing notifications: notify-send (") and "Fix: start a" in line
    sent = checks(environ=real_bus(session_bus), send_test=True)["notifications"]
    assert sent.ok is False and "sending failed: notify-send failed" in sent.detail


# --------------------------------------------------------------------------- wrapping


LONG = Check(
    "history folder",
    False,
    "/home/someone/.local/share/coach-with-a-very-long-folder-name-that-cannot-be-split "
    "is not writable: Permission denied",
    "set data_dir in your config file (or COACH_DATA_DIR) to a folder you can write",
)


def test_lines_wrap_at_word_boundaries_with_continuations_indented() -> None:
    words = format_checks([LONG]).split()
    for width in (40, 60, 80, 132):
        lines = format_checks([LONG, Check("a", True, "fine")], width).splitlines()
        assert lines[0].startswith("missing history folder:")
        assert all(line.startswith(" " * 8) and line[8] != " " for line in lines[1:-1])
        assert lines[-1] == "ok      a: fine"
        body = lines[:-1]
        assert " ".join(line.strip() for line in body).split() == words  # no word cut
        assert all(len(line) <= width or " " not in line.strip() for line in body)
    # The long path alone is wider than 40 columns: it gets a line of its own, whole.
    narrow = format_checks([LONG], 40).splitlines()
    assert any(line.strip().startswith("/home/someone/") for line in narrow)
    assert format_checks([LONG], 10) == format_checks([LONG], 40)  # 40 at the least


def test_the_report_wraps_on_a_terminal_and_not_into_a_pipe(terminal: Any) -> None:
    from coach.cli.doctor import report_width

    assert report_width(io.StringIO(), {}) is None  # a pipe: one line a check, for grep
    assert report_width(terminal(100, 30), {}) == 100
    assert report_width(terminal(100, 30), {"COLUMNS": "72"}) == 72
    assert report_width(io.StringIO(), {"COLUMNS": "72"}) == 72
    assert report_width(io.StringIO(), {"COLUMNS": "wide"}) is None


def test_run_doctor_wraps_to_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    assert run_doctor(parser().parse_args(["doctor"])) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > len(NAMES) and all(
        len(line) <= 50 or " " not in line.strip() for line in lines
    )
    starts = [line for line in lines if not line.startswith(" ")]
    assert [line.split(":")[0].split(maxsplit=1)[1] for line in starts] == NAMES


# --------------------------------------------------------------------------- speech


@pytest.fixture
def no_sound_card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A /proc/asound/cards that lists no card; returns an empty runtime folder."""
    cards = tmp_path / "asound-cards"
    cards.write_text("--- no soundcards ---\n")
    monkeypatch.setattr("coach.session.audio.ALSA_CARDS_FILE", cards)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    return runtime


def with_pipewire(runtime: Path) -> dict[str, str]:
    (runtime / "pipewire-0").touch()
    return {**NO_DESKTOP, "XDG_RUNTIME_DIR": str(runtime)}


def test_speech(no_sound_card: Path) -> None:
    missing = checks(Settings(cues=CueSettings(speech_command="no-such-tts --fast")))["speech"]
    assert missing.ok is False and "no-such-tts is not on PATH" in missing.detail
    command = Settings(cues=CueSettings(speech_command="sh -c true"))
    unheard = checks(command)["speech"]
    assert unheard.ok is False and unheard.detail.endswith("but nothing it says can be heard")
    works = checks(command, environ=with_pipewire(no_sound_card))["speech"]
    assert (
        works.ok is True
        and works.detail.startswith("sh -c true")
        and "cues.speech_command" in works.detail
    )
    off = checks(Settings(cues=CueSettings(speech=False, speech_command="sh")))["speech"]
    assert off.ok is None and off.detail.startswith("off (cues.speech = false)")
    quiet = checks(Settings(cues=CueSettings(quiet=True, speech_command="sh")))["speech"]
    assert quiet.ok is None and "cues.quiet" in quiet.detail


def test_no_speech_command_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr("shutil.which", lambda name, **_: None)
    check = checks()["speech"]
    assert check.ok is False and "no speech command found" in check.detail
    assert check.fix is not None and "espeak-ng" in check.fix


# --------------------------------------------------------------------------- sound


def test_no_audio_server_or_sound_card_means_nothing_is_heard(no_sound_card: Path) -> None:
    environ = {**NO_DESKTOP, "XDG_RUNTIME_DIR": str(no_sound_card)}
    found = checks(environ=environ)
    sound = found["sound"]
    assert sound.ok is False and sound.detail == (
        "no audio server or sound card; speech and sounds cannot be heard here "
        "(the terminal bell still rings)"
    )
    assert sound.fix is not None and "PipeWire" in sound.fix
    assert found["speech"].status != "ok"
    line = next(x for x in format_checks(list(found.values())).splitlines() if "sound:" in x)
    assert line.startswith("missing sound: no audio server or sound card") and "Fix:" in line


def test_sound_through_a_server_or_a_card(no_sound_card: Path, tmp_path: Path) -> None:
    player = tmp_path / "bin" / "paplay"
    player.parent.mkdir()
    player.write_text("#!/bin/sh\n")
    player.chmod(0o755)
    environ = {**with_pipewire(no_sound_card), "PATH": str(player.parent)}
    sound = checks(environ=environ)["sound"]
    assert sound.ok is True and sound.detail.startswith("PipeWire (")
    assert "sounds play through paplay (metronome off)" in sound.detail
    off = checks(Settings(cues=CueSettings(sounds=False)), environ=environ)["sound"]
    assert off.ok is None and "cues.sounds = false" in off.detail
    (no_sound_card / "pipewire-0").unlink()
    cards = tmp_path / "asound-cards"
    cards.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n")
    environ["PATH"] = "/nonexistent"
    sound = checks(environ=environ)["sound"]
    assert sound.ok is True and "a sound card (0 [PCH" in sound.detail
    assert "terminal bell rings instead" in sound.detail


# --------------------------------------------------------------------------- idle detection


def test_idle_detection_missing_says_what_coach_does_without_it() -> None:
    check = checks(environ={"PATH": "/nonexistent", "WAYLAND_DISPLAY": "wayland-0"})[
        "idle detection"
    ]
    assert check.ok is False
    assert "not used in a Wayland session" in check.detail
    assert "keeps fixed break intervals and counts only sessions as breaks" in check.detail
    assert check.fix is not None and "Wayland without X" in check.fix
    off = checks(Settings(breaks=BreakSettings(idle_detection=False)))["idle detection"]
    assert off.ok is None and off.detail.startswith("off (breaks.idle_detection = false)")


@needs_xvfb
def test_idle_detection_on_a_real_x_server() -> None:
    server, display = start_xvfb()
    try:
        check = checks(environ={"PATH": "/nonexistent", "DISPLAY": display})["idle detection"]
    finally:
        stop(server)
    assert check.ok is True
    assert re.fullmatch(
        rf"x11 \(XScreenSaver on {display}\): idle for \d+ s now; counting: active", check.detail
    )


# --------------------------------------------------------------------------- terminal and bell


def test_terminal(terminal: Any) -> None:
    assert checks()["terminal"].ok is None  # a pipe or a file
    environ = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
    check = checks(stdout=terminal(100, 30), environ=environ)["terminal"]
    assert check.ok is True and check.detail == "TERM=xterm-256color, 100x30, 24-bit colour"
    check = checks(stdout=terminal(60, 20), environ={"TERM": "xterm-256color"})["terminal"]
    assert check.ok is False and "60x20" in check.detail and "256 colours" in check.detail
    assert check.fix is not None and "80 columns" in check.fix
    check = checks(stdout=terminal(80, 24), environ={"TERM": "dumb"})["terminal"]
    assert check.ok is False and check.fix is not None and "TERM" in check.fix
    check = checks(stdout=terminal(80, 24), environ={"TERM": "xterm", "NO_COLOR": "1"})["terminal"]
    assert check.ok is True and "colour off (NO_COLOR is set)" in check.detail


def test_outside_text_is_shown_not_obeyed(terminal: Any) -> None:
    found = collect_checks(
        Settings(),
        environ={"TERM": "xterm\x1b]0;owned\x07"},
        platform="linux",
        stdout=terminal(80, 24),
        stderr=io.StringIO(),
    )
    text = format_checks(found)
    assert "\x1b" not in text and "\x07" not in text
    assert "TERM=xterm\\x1b]0;owned\\x07" in text


def test_bell(terminal: Any) -> None:
    assert checks(stdout=terminal(80, 24))["terminal bell"].ok is True
    assert checks()["terminal bell"].ok is None  # no terminal to ring
    off = checks(Settings(cues=CueSettings(bell=False)), stdout=terminal(80, 24))["terminal bell"]
    assert off.ok is None and off.detail == "off (cues.bell = false)"
    quiet = checks(Settings(cues=CueSettings(quiet=True)), stdout=terminal(80, 24))["terminal bell"]
    assert quiet.ok is None and quiet.detail == "off (cues.quiet = true)"


# --------------------------------------------------------------------------- history folder and config


def test_history_folder(tmp_path: Path) -> None:
    check = checks(Settings(data_dir=tmp_path))["history folder"]
    assert check.ok is True and check.detail == f"{tmp_path} (writable)"
    assert list(tmp_path.iterdir()) == []  # the test write leaves nothing behind
    check = checks(Settings(data_dir=tmp_path / "new" / "coach"))["history folder"]
    assert check.ok is True and "not created yet" in check.detail
    assert not (tmp_path / "new").exists()  # doctor only looks
    (tmp_path / "file").write_text("")
    check = checks(Settings(data_dir=tmp_path / "file"))["history folder"]
    assert check.ok is False and "is not a folder" in check.detail and check.fix


def test_history_folder_not_writable(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    with read_only(folder):
        check = checks(Settings(data_dir=folder))["history folder"]
    assert check.ok is False and "not writable" in check.detail


def test_config(isolated_home: Path) -> None:
    check = checks()["config"]
    assert check.ok is True and "coach config init" in check.detail
    check = checks(environ={"COACH_CUES__BELL": "false"})["config"]
    assert check.detail.endswith(", and COACH_CUES__BELL")
    error = SettingsError(["COACH_CUES__BELL: input should be a valid boolean"])
    check = checks(settings_error=error)["config"]
    assert check.ok is False and "COACH_CUES__BELL: input should be a valid boolean" in check.detail


# --------------------------------------------------------------------------- the command


def parser() -> argparse.ArgumentParser:
    """coach's own parser."""
    from coach.cli.main import build_parser

    return build_parser()


def test_run_doctor(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert run_doctor(parser().parse_args(["doctor"])) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(NAMES) and re.match(r"ok +config: settings valid", lines[-1])
    assert run_doctor(parser().parse_args(["--set", "cues.bell=false", "doctor", "--json"])) == 0
    data = json.loads(capsys.readouterr().out)
    bell = next(check for check in data["checks"] if check["name"] == "terminal bell")
    assert bell["detail"] == "off (cues.bell = false)"


def test_bad_settings_exit_2_and_still_check_the_rest(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("COACH_CUES__BELL", "maybe")
    assert run_doctor(parser().parse_args(["doctor"])) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("coach: bad setting:\nCOACH_CUES__BELL:")
    lines = captured.out.splitlines()
    assert len(lines) == len(NAMES) and lines[-1].startswith(
        "missing config: the settings cannot be used"
    )
    assert run_doctor(parser().parse_args(["--set", "nonsense", "doctor"])) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_session_cue_failures_are_shown_safely_and_a_damaged_record_is_ignored(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    from coach.session.cues import CUE_PROBLEMS, remember_problems

    remember_problems(
        tmp_path, ["speech: \x1b]52;c;aGk=\x07 no card"], datetime(2026, 12, 2, tzinfo=UTC)
    )
    check = checks(Settings(data_dir=tmp_path))["session cues"]
    assert check.ok is False and "2026-12-02T00:00:00+00:00" in check.detail
    assert "\x1b" not in check.detail and "no card" in check.detail
    (tmp_path / CUE_PROBLEMS).write_text('{"at": "x", "probl')  # cut off by a crash
    assert checks(Settings(data_dir=tmp_path))["session cues"].ok is True


def test_a_failure_with_a_stray_byte_is_kept_all_the_same(tmp_path: Path) -> None:
    """A speech command named with an undecodable byte fails as "sp\\udcffk: ..."."""
    from datetime import UTC, datetime

    from coach.session.cues import remember_problems

    remember_problems(tmp_path, ["speech: sp\udcffk: not found"], datetime(2026, 12, 2, tzinfo=UTC))
    check = checks(Settings(data_dir=tmp_path))["session cues"]
    assert check.ok is False and "not found" in check.detail
