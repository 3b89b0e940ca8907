"""Cues: what is said, how commands are called, and the real speech command where there is one."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest

from coach.cues import (
    BellCue,
    CommandTemplate,
    CommandWorker,
    NotifyCue,
    SpeechCue,
    build_cues,
    close_cues,
    find_speech_command,
    spoken_text,
)
from coach.engine import Event
from coach.notify import Notifier
from coach.timeline import build_timeline
from tests.test_timeline import program

P = program(
    {
        "id": "ext",
        "name": "Wrist extension",
        "cue": "Gently pull the fingers back",
        "sides": "each",
        "reps": 2,
        "hold": 15,
        "rest_between_reps": 3,
    },
    prep=5,
)
STEPS = build_timeline(P).steps


def said(index: int, previous: int | None = None) -> str | None:
    event = Event("step_started", 0.0, index, STEPS[index])
    return spoken_text(event, P, None if previous is None else STEPS[previous])


def test_what_is_said_for_each_kind_of_step() -> None:
    kinds = [s.kind for s in STEPS]
    assert kinds == ["prep", "work", "rest", "work", "switch", "work", "rest", "work"]
    assert said(0) == "Get ready. Wrist extension."
    assert said(1, 0) == "Left. Hold. Gently pull the fingers back"
    assert said(2, 1) == "Release. Rest."
    assert said(3, 2) == "Hold"
    assert said(4, 3) == "Switch sides."
    assert said(5, 4) == "Right. Hold. Gently pull the fingers back"
    assert spoken_text(Event("countdown", 0, 1, data={"seconds_left": 3}), P, None) == "3"
    assert spoken_text(Event("session_completed", 0), P, None) == "Session complete. Well done."
    assert spoken_text(Event("resumed", 0), P, None) is None


def test_text_never_becomes_an_option() -> None:
    argv, stdin = CommandTemplate(("say",), via_stdin=False).command("-w /tmp/evil.wav")
    assert argv == ["say", " -w /tmp/evil.wav"] and stdin is None
    argv, stdin = CommandTemplate(("espeak-ng",), via_stdin=True).command("--stdout")
    assert argv == ["espeak-ng"] and stdin == "--stdout"


def test_configured_speech_command_is_split_like_a_shell() -> None:
    template = find_speech_command("my-tts --voice 'en gb'")
    assert (
        template is not None
        and template.argv == ("my-tts", "--voice", "en gb")
        and not template.via_stdin
    )


def test_no_speech_command_degrades_to_the_bell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert find_speech_command() is None
    cues = build_cues(
        P,
        bell=True,
        speech=True,
        speech_command=None,
        notify_long_rests=60,
        quiet=False,
        json_mode=False,
    )
    assert not any(isinstance(cue, SpeechCue) for cue in cues)


def test_quiet_turns_sound_off() -> None:
    cues = build_cues(
        P,
        bell=True,
        speech=True,
        speech_command="true",
        notify_long_rests=0,
        quiet=True,
        json_mode=False,
    )
    assert not any(isinstance(cue, SpeechCue | BellCue) for cue in cues)


def test_bell_rings_on_step_starts() -> None:
    stream = io.StringIO()
    bell = BellCue(stream)
    bell(Event("step_started", 0, 0, STEPS[0]))
    bell(Event("countdown", 0, 0, data={"seconds_left": 1}))
    bell(Event("session_completed", 0))
    assert stream.getvalue() == "\a\a"


def test_worker_runs_commands_off_the_caller_thread(tmp_path: Path) -> None:
    worker = CommandWorker("test")
    out = tmp_path / "out.txt"
    started = time.monotonic()
    worker.submit(["sh", "-c", f"cat > {out}"], "said through stdin")
    assert time.monotonic() - started < 0.05  # submit never waits for the command
    worker.close()
    assert out.read_text() == "said through stdin"
    assert worker.failures == []


def test_worker_reports_a_missing_command() -> None:
    worker = CommandWorker("test")
    worker.submit(["/nonexistent/speak"], None)
    worker.close()
    assert worker.failures and worker.failures[0].startswith("/nonexistent/speak")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed here")
def test_real_espeak_ng_speaks_a_cue(tmp_path: Path) -> None:
    """The real speech command, writing to a file instead of a sound card."""
    wav = tmp_path / "cue.wav"
    espeak = shutil.which("espeak-ng")
    assert espeak is not None
    cue = SpeechCue(P, CommandTemplate((espeak, "-w", str(wav)), via_stdin=True))
    cue(Event("step_started", 0.0, 1, STEPS[1]))
    cue.close()
    data = wav.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert len(data) > 10_000  # a second or so of speech, not an empty file


def test_detected_speech_reads_stdin_for_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(
        shutil, "which", lambda name: f"/usr/bin/{name}" if name == "espeak" else None
    )
    template = find_speech_command()
    assert template is not None and template.argv[0] == "/usr/bin/espeak" and template.via_stdin


def test_notification_for_long_rests_only(tmp_path: Path) -> None:
    out = tmp_path / "notified.txt"
    fake = tmp_path / "notify-send"
    fake.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {out}\necho >> {out}\n')
    fake.chmod(0o755)
    notifier = Notifier("notify-send", str(fake), environ={})
    p = program(
        {
            "id": "a",
            "name": "Grip <b>",
            "sets": 2,
            "reps": 1,
            "hold": 1,
            "rest_between_sets": 90,
            "rest_between_reps": 5,
        },
        prep=0,
    )
    steps = build_timeline(p).steps
    cue = NotifyCue(p, notifier, min_seconds=60)
    for index, step in enumerate(steps):
        cue(Event("step_started", 0.0, index, step))
    cue.close(wait=10)
    assert out.read_text() == (
        "--app-name=coach|--urgency=normal|--|coach|Rest for 90 s (after Grip &lt;b&gt;).|\n"
    )
    assert cue.failures == []


def test_failed_notifications_are_kept_not_raised(tmp_path: Path) -> None:
    notifier = Notifier("notify-send", str(tmp_path / "missing"), environ={})
    cue = NotifyCue(P, notifier, min_seconds=1)
    cue(Event("step_started", 0.0, 2, STEPS[2]))  # a rest
    cue.close(wait=10)
    assert len(cue.failures) == 1 and "could not be started" in cue.failures[0]


def test_notifications_need_a_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(
        shutil,
        "which",
        lambda name, **_: f"/usr/bin/{name}" if name == "notify-send" else None,
    )
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")
    kwargs = {
        "bell": False,
        "speech": False,
        "speech_command": None,
        "notify_long_rests": 60.0,
        "quiet": False,
        "json_mode": True,
    }
    assert not any(isinstance(c, NotifyCue) for c in build_cues(P, **kwargs))  # type: ignore[arg-type]
    monkeypatch.setenv("DISPLAY", ":0")
    cues = build_cues(P, **kwargs)  # type: ignore[arg-type]
    notify = [c for c in cues if isinstance(c, NotifyCue)]
    assert notify and notify[0].notifier.name == "notify-send"
    assert notify[0].notifier.path == "/usr/bin/notify-send"
    close_cues(cues)
    # A desktop but no session bus (su to another user, say): no notifications.
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert not any(isinstance(c, NotifyCue) for c in build_cues(P, **kwargs))  # type: ignore[arg-type]
