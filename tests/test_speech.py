"""The speech queue: words never cut off or talked over, numbers only into silence that fits.

Everything runs on a fake clock with a fake speaker that "speaks" for as long
as its text needs at 160 words a minute; whole sessions of the bundled
programs are run through the real engine with the speech cue listening.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from coach import paths
from coach.clock import FakeClock
from coach.program.loader import load_program
from coach.program.model import Program
from coach.program.timeline import build_timeline
from coach.session.cues import SpeechCue, announcement
from coach.session.engine import Event, SessionRunner
from coach.session.speech import (
    CommandTemplate,
    ProcessSpeaker,
    SpeechQueue,
    Utterance,
    count_words,
    speaking_seconds,
)

BUNDLED = sorted(paths.bundled_programs_dir().glob("*.toml"))


@dataclass
class Said:
    """One utterance the fake speaker began: when, and when it ended or was cut."""

    text: str
    start: float
    end: float
    cut_at: float | None = None

    @property
    def stopped(self) -> float:
        return self.end if self.cut_at is None else self.cut_at

    @property
    def number(self) -> bool:
        return self.text.isdigit()


@dataclass
class FakeSpeaker:
    """Speaks on the fake clock for exactly as long as the words take at 160 wpm."""

    clock: FakeClock
    said: list[Said] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _speaking: Said | None = None
    closed: bool = False

    def start(self, text: str, finished: Callable[[], None]) -> None:
        now = self.clock.monotonic()
        assert self._speaking is None, f"{text!r} started over {self._speaking}"
        record = Said(text, now, now + speaking_seconds(text))
        self.said.append(record)
        self._speaking = record
        self._task = asyncio.ensure_future(self._speak(record, finished))

    async def _speak(self, record: Said, finished: Callable[[], None]) -> None:
        await self.clock.sleep_until(record.end)
        self._speaking = None
        finished()

    def cut(self) -> None:
        if self._speaking is not None and self._task is not None:
            self._task.cancel()
            self._speaking.cut_at = self.clock.monotonic()
            self._speaking = None

    def close(self, wait: float = 3.0) -> None:
        self.closed = True
        if self._task is not None:
            self._task.cancel()


# --------------------------------------------------------------------------- the queue alone


def test_words_are_counted_as_spoken_and_timed_at_160_wpm() -> None:
    assert count_words("Get ready. Palm-on-the-desk forearm stretch.") == 8
    assert speaking_seconds("Get ready. Palm-on-the-desk forearm stretch.") == pytest.approx(3.0)


async def test_a_countdown_number_never_cuts_or_talks_over_words() -> None:
    clock = FakeClock()
    speaker = FakeSpeaker(clock)
    speech = SpeechQueue(speaker, clock)
    end = clock.monotonic() + 5
    speech.say(Utterance(("Get ready. Palm-on-the-desk forearm stretch.",), until=end))
    await clock.advance(2)
    speech.say(Utterance(("3",), until=end - 2, number=True))  # 3 s of words: still speaking
    await clock.advance(1.5)
    speech.say(Utterance(("1",), until=end, number=True))  # silence, and room for it
    await clock.run_until_idle()
    assert [s.text for s in speaker.said] == ["Get ready. Palm-on-the-desk forearm stretch.", "1"]
    assert all(s.cut_at is None for s in speaker.said)
    assert speech.dropped == ["3"]


async def test_a_number_with_no_room_before_the_step_ends_is_left_out() -> None:
    clock = FakeClock()
    speaker = FakeSpeaker(clock)
    speech = SpeechQueue(speaker, clock)
    speech.say(Utterance(("1",), until=clock.monotonic() + 0.3, number=True))
    assert speaker.said == [] and speech.dropped == ["1"]


async def test_words_cut_a_bare_number_and_wait_behind_words() -> None:
    clock = FakeClock()
    speaker = FakeSpeaker(clock)
    speech = SpeechQueue(speaker, clock)
    speech.say(Utterance(("2",), until=clock.monotonic() + 2, number=True))
    await clock.advance(0.1)
    speech.say(Utterance(("Squeeze. Squeeze gently, then let go",), until=clock.monotonic() + 10))
    speech.say(Utterance(("Release.",), until=clock.monotonic() + 10))
    await clock.run_until_idle()
    texts = [(s.text, s.cut_at is not None) for s in speaker.said]
    assert texts == [
        ("2", True),
        ("Squeeze. Squeeze gently, then let go", False),
        ("Release.", False),
    ]
    assert speaker.said[2].start == pytest.approx(speaker.said[1].end)


async def test_words_whose_moment_is_over_are_dropped_not_said_late() -> None:
    clock = FakeClock()
    speaker = FakeSpeaker(clock)
    speech = SpeechQueue(speaker, clock)
    speech.say(Utterance(("one two three four five six seven eight",), until=None))  # 3 s
    speech.say(Utterance(("Hold.",), until=clock.monotonic() + 2))
    speech.say(Utterance(("Rest.",), until=clock.monotonic() + 10))
    await clock.run_until_idle()
    assert [s.text for s in speaker.said] == ["one two three four five six seven eight", "Rest."]
    assert speech.dropped == ["Hold."]


async def test_the_longest_form_that_fits_is_said() -> None:
    clock = FakeClock()
    speaker = FakeSpeaker(clock)
    speech = SpeechQueue(speaker, clock)
    forms = ("Curl the fingers. Curl the fingers, then stretch them out.", "Curl the fingers.")
    speech.say(Utterance(forms, until=clock.monotonic() + 2))
    await clock.advance(2)
    speech.say(Utterance(forms, until=clock.monotonic() + 10))
    await clock.run_until_idle()
    assert [s.text for s in speaker.said] == [forms[1], forms[0]]


# --------------------------------------------------------------------------- whole sessions


@dataclass
class Session:
    program: Program
    events: list[Event]
    said: list[Said]
    windows: list[tuple[int, float, float]]
    """Each step's index and when it started and ended, on the clock."""


async def run_spoken(program: Program, *, min_step: float = 5.0) -> Session:
    clock = FakeClock()
    speaker = FakeSpeaker(clock)
    cue = SpeechCue(program, speaker, clock=clock, countdown_min_step=min_step)
    events: list[Event] = []
    starts: list[tuple[int, float]] = []

    def record(event: Event) -> None:
        events.append(event)
        if event.name == "step_started" and event.index is not None:
            starts.append((event.index, clock.monotonic()))

    runner = SessionRunner(build_timeline(program), clock, [record, cue], countdown=3)
    session = asyncio.ensure_future(runner.run())
    await clock.run_until_idle()
    result = await session
    cue.close()
    assert result.completed
    ends = [t for _, t in starts[1:]] + [clock.monotonic()]
    windows = [(i, t, end) for (i, t), end in zip(starts, ends, strict=True)]
    return Session(program, events, speaker.said, windows)


def step_of(session: Session, at: float) -> int:
    for index, start, end in session.windows:
        if start <= at < end:
            return index
    return -1  # after the last step


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
async def test_a_whole_session_is_spoken_without_cutting_or_talking_over(path: Path) -> None:
    program = load_program(path).program
    steps = build_timeline(program).steps
    session = await run_spoken(program)
    said = session.said

    # Nothing is cut but bare numbers, and nothing starts before the last has stopped.
    assert all(s.cut_at is None for s in said if not s.number), [s for s in said if s.cut_at]
    for before, after in itertools.pairwise(said):
        assert after.start >= before.stopped - 1e-9, (before, after)

    # Every step's announcement is said, in full or short, and starts within its step.
    for index, start, end in session.windows:
        forms = announcement(steps, index, program)
        spoken = [s for s in said if s.text in forms and start <= s.start < end]
        assert spoken, f"step {index} ({steps[index]}) was not announced: {forms}"

    # Countdown numbers only in steps of at least 5 s: no lone "one" in a 2-second phase.
    for s in said:
        if s.number:
            assert steps[step_of(session, s.start)].seconds >= 5

    # Never a spoken countdown in a rest and then in the get-ready right after it.
    counted = {step_of(session, s.start) for s in said if s.number}
    for index in counted:
        following = index + 1
        if steps[index].kind == "rest" and following < len(steps):
            assert not (steps[following].kind == "prep" and following in counted)

    # An exercise's cue is never crammed into a short phase: said in its get-ready or
    # the rest before, or in a work step long enough for it.
    for s in said:
        index = step_of(session, s.start)
        if index >= 0 and steps[index].kind == "work" and steps[index].seconds < 3:
            cue = program.exercises[steps[index].exercise_index].cue
            assert not cue or cue not in s.text, s

    assert said[-1].text == "Session complete. Well done."


async def test_hand_wrist_strength_introduces_each_exercise_and_counts_down_only_long_steps() -> (
    None
):
    program = load_program(paths.bundled_programs_dir() / "hand-wrist-strength.toml").program
    session = await run_spoken(program)
    texts = [s.text for s in session.said]
    for exercise in program.exercises:
        assert any(exercise.name in text for text in texts), exercise.name
    assert "Squeeze." in texts  # the grip's 2-second phase, short form
    numbers = [s for s in session.said if s.number]
    countdowns = [e for e in session.events if e.name == "countdown"]
    assert numbers and len(numbers) < len(countdowns) / 5


async def test_a_lower_countdown_minimum_counts_down_shorter_steps() -> None:
    program = load_program(paths.bundled_programs_dir() / "hand-wrist-strength.toml").program
    steps = build_timeline(program).steps
    session = await run_spoken(program, min_step=3)
    short = {step_of(session, s.start) for s in session.said if s.number}
    assert any(3 <= steps[i].seconds < 5 for i in short)


# --------------------------------------------------------------------------- the real speaker


def _sh(script: str) -> CommandTemplate:
    return CommandTemplate(("sh", "-c", script), via_stdin=True)


def test_process_speaker_reports_when_the_process_exits_and_keeps_stderr(tmp_path: Path) -> None:
    out = tmp_path / "said.txt"
    speaker = ProcessSpeaker(_sh(f"cat > {out}; echo 'ALSA: cannot find card' >&2"))
    done: list[str] = []
    speaker.start("said through stdin", lambda: done.append("finished"))
    speaker.close(wait=10)
    assert out.read_text() == "said through stdin" and done == ["finished"]
    assert speaker.last_failure == "sh: ALSA: cannot find card"


def test_process_speaker_cut_stops_the_process(tmp_path: Path) -> None:
    speaker = ProcessSpeaker(_sh("cat > /dev/null; exec sleep 30"))
    done: list[str] = []
    speaker.start("3", lambda: done.append("3"))
    for _ in range(200):
        if speaker.started:
            break
        asyncio.run(asyncio.sleep(0.01))  # the thread starting the process, in real time
    speaker.cut()
    speaker.close(wait=10)
    assert done == ["3"] and speaker.failures == []


def test_process_speaker_reports_a_missing_command() -> None:
    speaker = ProcessSpeaker(CommandTemplate(("/nonexistent/speak",), via_stdin=False))
    speaker.start("hello", lambda: None)
    speaker.close(wait=10)
    assert speaker.last_failure and speaker.last_failure.startswith("/nonexistent/speak")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed here")
def test_real_espeak_ng_is_timed_as_estimated(tmp_path: Path) -> None:
    """The estimate (160 wpm plus start-up) is not shorter than espeak-ng's real speech."""
    import wave

    espeak = shutil.which("espeak-ng")
    assert espeak is not None
    wav = tmp_path / "said.wav"
    text = "Get ready. Palm-on-the-desk forearm stretch."
    speaker = ProcessSpeaker(CommandTemplate((espeak, "-s", "160", "-w", str(wav)), True))
    speaker.start(text, lambda: None)
    speaker.close(wait=10)
    with wave.open(str(wav)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    estimate = SpeechQueue(speaker, FakeClock()).estimate(text)
    assert 2.5 < seconds <= estimate, (seconds, estimate)
    assert sys.platform != "win32"


def _wait_for(condition: Callable[[], object], seconds: float = 10.0) -> bool:
    """Wait, in real time, for a thread of the real speaker (polling, never a fixed sleep)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        asyncio.run(asyncio.sleep(0.01))
    return bool(condition())


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie nobody reaped has stopped all the same


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_helper_left_running_does_not_hold_the_utterance_open(tmp_path: Path) -> None:
    """speech-dispatcher's spd-say starts a daemon that keeps stderr: the words end at the exit."""
    pid_file = tmp_path / "helper.pid"
    script = f"cat > /dev/null; sleep 30 & echo $! > {pid_file}; echo 'spd: started' >&2"
    speaker = ProcessSpeaker(_sh(script))
    done: list[str] = []
    speaker.start("hello", lambda: done.append("finished"))
    try:
        assert _wait_for(lambda: done == ["finished"]), "the utterance never ended"
        assert speaker.last_failure == "sh: spd: started"
    finally:
        speaker.close(wait=1)
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_cutting_stops_the_whole_pipeline(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    speaker = ProcessSpeaker(_sh(f"cat > /dev/null; sleep 30 & echo $! > {pid_file}; wait"))
    done: list[str] = []
    speaker.start("words", lambda: done.append("words"))
    assert _wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() != "")
    child = int(pid_file.read_text())
    try:
        speaker.cut()
        assert _wait_for(lambda: done == ["words"])
        assert _wait_for(lambda: not _alive(child)), "the pipeline's sleep outlived the cut"
    finally:
        speaker.close(wait=1)
        if _alive(child):
            os.kill(child, signal.SIGKILL)


async def test_silence_cuts_the_words_being_said_and_drops_the_rest() -> None:
    """A session ended by Ctrl-C: the speech process (in its own group) is stopped at once."""
    clock = FakeClock()
    speaker = FakeSpeaker(clock)
    queue = SpeechQueue(speaker, clock)
    queue.say(Utterance(("Get ready. Palm-on-the-desk forearm stretch.",)))
    queue.say(Utterance(("Hold.",)))
    assert queue.busy
    queue.silence()
    assert not queue.busy
    (first,) = speaker.said
    assert first.cut_at == clock.monotonic()  # cut where it was
    assert "Hold." in queue.dropped


def test_a_speech_process_that_cannot_keep_its_errors_still_speaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def no_temporary_file() -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_temporary_file)
    out = tmp_path / "said.txt"
    speaker = ProcessSpeaker(_sh(f"cat > {out}"))
    done: list[str] = []
    speaker.start("one", lambda: done.append("one"))
    speaker.start("two", lambda: done.append("two"))
    speaker.close(wait=10)
    assert done == ["one", "two"] and out.read_text() == "two"  # the thread lived on
    assert speaker.last_failure and "Too many open files" in speaker.last_failure
