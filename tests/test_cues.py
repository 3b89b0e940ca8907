"""Cues: what is said, which sound plays when, the bell, notifications, and how cues are built."""

from __future__ import annotations

import asyncio
import io
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from coach.clock import FakeClock
from coach.notify import Notifier
from coach.program.model import Program
from coach.program.timeline import build_timeline
from coach.session import audio
from coach.session.audio import PlayerCommand, SoundPlayer
from coach.session.cues import (
    BellCue,
    CommandTemplate,
    CueOptions,
    NotifyCue,
    SoundCue,
    SpeechCue,
    announcement,
    build_cues,
    close_cues,
    find_speech_command,
)
from coach.session.engine import (
    Countdown,
    Event,
    SessionCompleted,
    SessionResult,
    SessionRunner,
    StepStarted,
)
from tests.helpers import program

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


def said(index: int) -> tuple[str, ...]:
    return announcement(STEPS, index, P)


def test_what_is_said_for_each_kind_of_step_longest_form_first() -> None:
    kinds = [s.kind for s in STEPS]
    assert kinds == ["prep", "work", "rest", "work", "switch", "work", "rest", "work"]
    assert said(0) == (
        "Get ready. Wrist extension. Gently pull the fingers back.",
        "Get ready. Wrist extension.",
        "Get ready.",
    )
    assert said(1) == ("Left. Hold. Gently pull the fingers back.", "Left. Hold.")
    assert said(2) == ("Release. Rest.",)
    assert said(3) == ("Hold.",)
    assert said(4) == ("Switch sides.",)
    assert said(5) == ("Right. Hold. Gently pull the fingers back.", "Right. Hold.")


def test_the_rest_before_an_exercise_announces_it_and_a_first_step_names_its_exercise() -> None:
    p = program(
        {"id": "a", "name": "Shrug", "reps": 1, "tempo": [{"phase": "Up", "seconds": 2}]},
        {"id": "b", "name": "Fist", "cue": "Squeeze gently", "reps": 1, "hold": 2},
        prep=0,
        rest_between_exercises=10,
    )
    steps = build_timeline(p).steps
    assert [s.kind for s in steps] == ["work", "rest", "work"]
    assert announcement(steps, 0, p) == ("Shrug. Up.", "Up.")
    assert announcement(steps, 1, p) == (
        "Rest. Next: Fist. Squeeze gently.",
        "Rest. Next: Fist.",
        "Rest.",
    )


async def test_no_spoken_countdown_in_a_rest_before_a_get_ready_that_counts_down() -> None:
    p = program(
        {"id": "a", "reps": 1, "hold": 10},
        {"id": "b", "reps": 1, "hold": 10},
        prep=5,
        rest_between_exercises=10,
    )
    cue = SpeechCue(p, CommandTemplate(("true",), via_stdin=True), clock=FakeClock())
    kinds = [s.kind for s in cue.steps]
    assert kinds == ["prep", "work", "rest", "prep", "work"]
    assert [cue.counts_down(i) for i in range(5)] == [True, True, False, True, True]
    cue.countdown_min_step = 6  # the get-ready no longer counts down: the rest does
    assert [cue.counts_down(i) for i in range(5)] == [False, True, True, False, True]
    cue.close()


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
        CueOptions(bell=True, speech=True, speech_command=None, notify_long_rests=60, quiet=False),
        json_mode=False,
    )
    assert not any(isinstance(cue, SpeechCue) for cue in cues)


def test_quiet_turns_sound_off() -> None:
    cues = build_cues(
        P,
        CueOptions(bell=True, speech=True, speech_command="true", notify_long_rests=0, quiet=True),
        json_mode=False,
    )
    assert not any(isinstance(cue, SpeechCue | BellCue) for cue in cues)


TEMPO = program(
    {
        "id": "grip",
        "name": "Grip",
        "cue": "Squeeze gently, then let go",
        "reps": 2,
        "tempo": [{"phase": "Squeeze", "seconds": 2}, {"phase": "Release", "seconds": 2}],
        "rest_between_reps": 3,
    },
    {"id": "hold", "name": "Hold it", "reps": 1, "hold": 3},
    prep=2,
    rest_between_exercises=4,
)
"""Two tempo reps of 2 + 2 s with a rest between, then a 3 s hold: 8 s of tempo phases."""


class FakePlayer:
    """Records which sound was asked for, and when."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock
        self.played: list[tuple[str, float | None]] = []
        self.last_failure: str | None = None
        self.closed = False

    def play(self, name: str) -> None:
        self.played.append((name, None if self.clock is None else self.clock.monotonic()))

    def close(self, wait: float = 2.0) -> None:
        self.closed = True

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.played]


async def run_session(p: Program, *listeners: Any) -> SessionResult:
    clock = listeners[0].clock if hasattr(listeners[0], "clock") else FakeClock()
    runner = SessionRunner(build_timeline(p), clock, list(listeners), countdown=3)
    session = asyncio.ensure_future(runner.run())
    await clock.run_until_idle()
    return await session


def every_step(p) -> list[Event]:  # type: ignore[no-untyped-def]
    steps = build_timeline(p).steps
    events = [
        StepStarted(t=0.0, index=i, step=step, planned_start=0.0, actual_start=0.0)
        for i, step in enumerate(steps)
    ]
    return [
        *events,
        SessionCompleted(t=0.0, active_seconds=0.0, elapsed_seconds=0.0, skipped_steps=0),
    ]


def test_the_bell_rings_only_where_work_starts_and_at_the_end() -> None:
    stream = io.StringIO()
    bell = BellCue(TEMPO, stream)
    for event in every_step(TEMPO):
        bell(event)
    bell(Countdown(t=0, index=0, seconds_left=1))
    # prep, Squeeze, Release, rest, Squeeze, Release, rest, prep, Hold: work starts 3 times.
    assert [s.kind for s in build_timeline(TEMPO).steps].count("work") == 5
    assert stream.getvalue() == "\a" * 3 + "\a"


def test_the_right_sound_plays_for_work_rest_and_the_end(tmp_path: Path) -> None:
    log = tmp_path / "played.txt"
    fake = tmp_path / "fake-player"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    fake.chmod(0o755)
    player = SoundPlayer(PlayerCommand((str(fake), "-q")))
    cue = SoundCue(TEMPO, player)
    for event in every_step(TEMPO):
        cue(event)
    cue.close()
    played = [line.split() for line in log.read_text().splitlines()]
    assert all(argv[0] == "-q" for argv in played)
    names = [Path(argv[-1]).name for argv in played]
    # prep (none), work, -, rest, work, -, rest (after the exercise), prep (none), work, end
    assert names == ["work.wav", "rest.wav", "work.wav", "rest.wav", "work.wav", "end.wav"]
    assert all(Path(argv[-1]).is_file() for argv in played)
    assert cue.problems() == []


def test_a_failing_player_is_reported_by_close_cues(tmp_path: Path) -> None:
    fake = tmp_path / "broken-player"
    fake.write_text("#!/bin/sh\necho 'Connection refused' >&2\nexit 1\n")
    fake.chmod(0o755)
    cue = SoundCue(TEMPO, SoundPlayer(PlayerCommand((str(fake),))))
    cue(SessionCompleted(t=0.0, active_seconds=0.0, elapsed_seconds=0.0, skipped_steps=0))
    assert close_cues([cue]) == ["sounds: broken-player: Connection refused"]


@pytest.mark.parametrize("metronome", [True, False])
async def test_the_metronome_ticks_once_a_second_of_each_tempo_phase_only_when_on(
    metronome: bool,
) -> None:
    clock = FakeClock()
    player = FakePlayer(clock)
    cue = SoundCue(TEMPO, player, clock=clock, metronome=metronome)  # type: ignore[arg-type]
    await run_session(TEMPO, cue)
    cue.close()
    ticks = [t for name, t in player.played if name == "tick" and t is not None]
    assert len(ticks) == (8 if metronome else 0)
    if metronome:
        start = ticks[0]
        # Phases start 2 s (prep) in; the rest of 3 s comes after the first rep's 4 s.
        assert [round(t - start, 6) for t in ticks] == [0, 1, 2, 3, 7, 8, 9, 10]
    assert player.names.count("work") == 3 and player.names[-1] == "end"


async def test_the_metronome_waits_while_paused() -> None:
    clock = FakeClock()
    player = FakePlayer(clock)
    cue = SoundCue(TEMPO, player, clock=clock, metronome=True)  # type: ignore[arg-type]
    runner = SessionRunner(build_timeline(TEMPO), clock, [cue], countdown=0)
    session = asyncio.ensure_future(runner.run())
    await clock.advance(2.5)  # 0.5 s into "Squeeze": one tick so far
    runner.pause()
    await clock.advance(60)
    assert player.names.count("tick") == 1
    runner.resume()
    await clock.run_until_idle()
    await session
    assert player.names.count("tick") == 8


async def test_with_no_player_the_bell_rings_for_work_and_the_end_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("coach.session.cues.find_player", lambda: None)
    rings: list[str] = []
    clock = FakeClock()
    cues = build_cues(
        TEMPO,
        CueOptions(bell=True, speech=False, speech_command=None, notify_long_rests=0, quiet=False),
        json_mode=False,
        clock=clock,
        ring=lambda: rings.append("ring"),
    )
    assert [type(cue) for cue in cues] == [BellCue]
    runner = SessionRunner(build_timeline(TEMPO), clock, cues, countdown=3)
    session = asyncio.ensure_future(runner.run())
    await clock.run_until_idle()
    await session
    assert len(rings) == 3 + 1  # three starts of work, and the end (not 10 steps)


def test_sounds_need_a_player_and_somewhere_to_hear_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "coach.session.cues.find_player", lambda: PlayerCommand(("/usr/bin/paplay",))
    )
    options = CueOptions(bell=True, speech=False, notify_long_rests=0)

    def built(**changes: Any) -> list[object]:
        return list(
            build_cues(TEMPO, replace(options, **changes), json_mode=False, ring=lambda: None)
        )

    monkeypatch.setattr(
        "coach.session.cues.find_audio_output", lambda: audio.AudioOutput(False, "none")
    )
    assert [type(c) for c in built()] == [BellCue]
    monkeypatch.setattr(
        "coach.session.cues.find_audio_output", lambda: audio.AudioOutput(True, "card")
    )
    cues = built()
    assert [type(c) for c in cues] == [SoundCue]
    close_cues(cues)  # type: ignore[arg-type]
    assert built(sounds=False) != []  # the bell instead
    assert built(sounds=False, bell=False) == []


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed here")
def test_real_espeak_ng_speaks_a_cue(tmp_path: Path) -> None:
    """The real speech command, writing to a file instead of a sound card."""
    wav = tmp_path / "cue.wav"
    espeak = shutil.which("espeak-ng")
    assert espeak is not None
    cue = SpeechCue(P, CommandTemplate((espeak, "-w", str(wav)), via_stdin=True))
    cue(StepStarted(t=0.0, index=0, step=STEPS[0], planned_start=0.0, actual_start=0.0))
    cue.close()
    data = wav.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert len(data) > 10_000  # a second or so of speech, not an empty file
    assert cue.problems() == []


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
        cue(StepStarted(t=0.0, index=index, step=step, planned_start=0.0, actual_start=0.0))
    cue.close(wait=10)
    assert out.read_text() == (
        "--app-name=coach|--urgency=normal|--|coach|Rest for 90 s (after Grip &lt;b&gt;).|\n"
    )
    assert cue.failures == []


def test_failed_notifications_are_kept_not_raised(tmp_path: Path) -> None:
    notifier = Notifier("notify-send", str(tmp_path / "missing"), environ={})
    cue = NotifyCue(P, notifier, min_seconds=1)
    cue(StepStarted(t=0.0, index=2, step=STEPS[2], planned_start=0.0, actual_start=0.0))  # a rest
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
    options = CueOptions(bell=False, speech=False, notify_long_rests=60.0)
    assert not any(isinstance(c, NotifyCue) for c in build_cues(P, options, json_mode=True))
    monkeypatch.setenv("DISPLAY", ":0")
    cues = build_cues(P, options, json_mode=True)
    notify = [c for c in cues if isinstance(c, NotifyCue)]
    assert notify and notify[0].notifier.name == "notify-send"
    assert notify[0].notifier.path == "/usr/bin/notify-send"
    close_cues(cues)
    # A desktop but no session bus (su to another user, say): no notifications.
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert not any(isinstance(c, NotifyCue) for c in build_cues(P, options, json_mode=True))


def test_both_hands_together_are_said_and_shown_as_such() -> None:
    from coach.program.timeline import describe_step

    p = program({"id": "a", "name": "Fist", "sides": "both", "reps": 2, "hold": 3}, prep=0)
    steps = build_timeline(p).steps
    assert announcement(steps, 0, p)[-1] == "Both hands. Hold."
    assert announcement(steps, 1, p)[-1] == "Hold."  # said once, with the first work
    assert describe_step(steps[0], p.exercises[0]) == "Fist, both hands, rep 1/2: Hold"


def test_the_load_and_effort_are_said_when_the_exercise_is_introduced() -> None:
    p = program(
        {"id": "a", "name": "Fist", "reps": 1, "hold": 2},
        {
            "id": "b",
            "name": "Wrist curl",
            "cue": "Slowly",
            "load": "red FlexBar",
            "effort": "about 70% of your maximum",
            "reps": 1,
            "hold": 2,
        },
        prep=5,
    )
    steps = build_timeline(p).steps
    prep = next(i for i, s in enumerate(steps) if s.kind == "prep" and s.exercise == "b")
    forms = announcement(steps, prep, p)
    assert forms[0] == "Get ready. Wrist curl. Slowly. Red FlexBar. About 70% of your maximum."
    assert "Get ready. Wrist curl. Red FlexBar." in forms  # the short form keeps the load
