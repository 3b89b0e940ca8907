"""Cues you can hear (and see outside the terminal): speech, sounds, the bell, notifications.

Cues are engine listeners, and none of them blocks the engine:

- :class:`SpeechCue` says each step (its full announcement, or a short form
  when the step is too short for it), introduces each exercise when it
  starts (its get-ready step, or the rest before it), and says the 3-2-1
  countdown in steps of at least ``countdown_min_step`` seconds. It goes
  through a :class:`coach.session.speech.SpeechQueue`, so a step's words are never
  cut off or talked over by a countdown number.
- :class:`SoundCue` plays the shipped sounds through the system's player: one
  when work starts, one when a rest starts, one at the end, and with the
  metronome a soft tick each second of a tempo phase.
- :class:`BellCue` rings the terminal bell where no sound can be played, only
  when work starts and at the end.
- :class:`NotifyCue` sends a desktop notification when a long rest starts.

Text from program files reaches these commands only as data: on standard
input where the command reads it, otherwise as one argument that can never
be taken for an option. Notifications go through :mod:`coach.notify`, which
also makes the text plain.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import queue
import shlex
import shutil
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from coach.clock import Clock, SystemClock
from coach.notify import Notifier, find_notifier
from coach.program.model import Exercise, Program
from coach.program.timeline import HOLD_PHASE, Step, build_timeline, side_words
from coach.session.audio import PlayerCommand, SoundPlayer, find_audio_output, find_player
from coach.session.engine import (
    Countdown,
    Event,
    Paused,
    Resumed,
    SessionCompleted,
    SessionStopped,
    StepStarted,
)
from coach.session.sounds import SoundName
from coach.session.speech import (
    CommandTemplate,
    ProcessSpeaker,
    Speaker,
    SpeechQueue,
    Utterance,
    say_forms,
    sentence,
)

__all__ = [
    "BellCue",
    "CommandTemplate",
    "CueOptions",
    "NotifyCue",
    "SoundCue",
    "SpeechCue",
    "announcement",
    "build_cues",
    "close_cues",
    "find_speech_command",
    "last_problems",
    "remember_problems",
    "starts_work",
]

COUNTDOWN_MIN_STEP = 5.0
"""Steps shorter than this many seconds get no spoken countdown (``cues.countdown_min_step``)."""

_NOTIFY_TIMEOUT = 5.0
"""Seconds a notification command may take before it is given up (Windows' balloon
fallback stays up for three of them)."""


def find_speech_command(configured: str | None = None) -> CommandTemplate | None:
    """The speech command to use: the configured one, else the first the system has."""
    if configured:
        argv = tuple(shlex.split(configured))
        return CommandTemplate(argv, via_stdin=False) if argv else None
    if sys.platform == "darwin":
        return CommandTemplate(("say", "-f", "-"), True) if shutil.which("say") else None
    if sys.platform == "win32":
        shell = shutil.which("powershell") or shutil.which("pwsh")
        if shell is None:
            return None
        script = (
            "Add-Type -AssemblyName System.Speech; "
            "(New-Object System.Speech.Synthesis.SpeechSynthesizer)"
            ".Speak([Console]::In.ReadToEnd())"
        )
        return CommandTemplate((shell, "-NoProfile", "-Command", script), True)
    for name in ("espeak-ng", "espeak"):
        path = shutil.which(name)
        if path:
            # With no text argument espeak reads standard input.
            return CommandTemplate((path, "-s", "160"), True)
    path = shutil.which("spd-say")
    if path:
        return CommandTemplate((path, "--wait", "--"), False)
    return None


def starts_work(steps: Sequence[Step], index: int) -> bool:
    """Whether step ``index`` is where work starts: a work step after anything but work.

    The phases of one tempo rep (and an alternating rep's two sides) follow
    each other with no rest, so they start work once, not once a phase.
    """
    step = steps[index]
    return step.kind == "work" and (index == 0 or steps[index - 1].kind != "work")


def _introduction(exercise: Exercise) -> tuple[str, str]:
    """The exercise's name with and without its cue, as sentences; its load and effort
    in both, since the right band or weight matters more than the cue."""
    load, effort = (
        text[:1].upper() + text[1:] for text in (exercise.load or "", exercise.effort or "")
    )
    return sentence(exercise.name, exercise.cue, load, effort), sentence(exercise.name, load)


def announcement(steps: Sequence[Step], index: int, program: Program) -> tuple[str, ...]:
    """What to say when step ``index`` starts, longest form first (the shortest is the phase word).

    The exercise is introduced (name and cue) by its get-ready step, or by
    the rest before it; work steps say their phase ("Squeeze", "Hold"), with
    the side when it changes, and the cue only where the step leaves time.
    """
    step = steps[index]
    exercise = program.exercises[step.exercise_index]
    previous = steps[index - 1] if index > 0 else None
    following = steps[index + 1] if index + 1 < len(steps) else None
    if step.kind == "prep":
        with_cue, name = _introduction(exercise)
        return say_forms(f"Get ready. {with_cue}", f"Get ready. {name}", "Get ready.")
    if step.kind == "switch":
        return ("Switch sides.",)
    if step.kind == "rest":
        held = previous is not None and previous.kind == "work" and previous.phase == HOLD_PHASE
        rest = "Release. Rest." if held else "Rest."
        if following is not None and following.exercise_index != step.exercise_index:
            upcoming = program.exercises[following.exercise_index]
            with_cue, name = _introduction(upcoming)
            return say_forms(f"{rest} Next: {with_cue}", f"{rest} Next: {name}", rest)
        return (rest,)
    # Work: the phase word, the side when it changes, the cue where there is time.
    first_work = (
        previous is None
        or previous.exercise_index != step.exercise_index
        or previous.kind in ("prep", "switch")
    )
    phase = sentence(step.phase or "Begin")
    if step.side is not None and (first_work or previous is None or previous.side != step.side):
        phase = f"{side_words(step.side).capitalize()}. {phase}"
    forms = [phase]
    if first_work and exercise.cue:
        forms.insert(0, f"{phase} {sentence(exercise.cue)}")
    if previous is None:
        # No get-ready and no rest before: the name, where the step has time for it.
        forms.insert(0, f"{_introduction(exercise)[1]} {forms[0]}")
    return say_forms(*forms)


class SpeechCue:
    """Says each step, introduces each exercise and counts down, through a speech queue.

    A countdown is said only in steps of at least ``countdown_min_step``
    seconds, and not in a rest whose next step is a get-ready that counts
    down itself (two spoken 3-2-1s back to back would be one too many).
    """

    def __init__(
        self,
        program: Program,
        speaker: Speaker | CommandTemplate,
        *,
        clock: Clock | None = None,
        countdown_min_step: float = COUNTDOWN_MIN_STEP,
    ) -> None:
        self.program = program
        self.steps = build_timeline(program).steps
        self.clock: Clock = SystemClock() if clock is None else clock
        if isinstance(speaker, CommandTemplate):
            speaker = ProcessSpeaker(speaker)
        self.speaker = speaker
        self.queue = SpeechQueue(speaker, self.clock)
        self.countdown_min_step = countdown_min_step

    def __call__(self, event: Event) -> None:
        """Speak for this event, if it has anything to say."""
        now = self.clock.monotonic()
        match event:
            case StepStarted(index=int() as index, step=Step() as step):
                self.queue.expire_pending()
                forms = announcement(self.steps, index, self.program)
                if event.waiting:  # a rest "as needed" that waits: no time to hurry
                    forms = tuple(f"{form} Take as long as you need." for form in forms)
                self.queue.say(Utterance(forms, until=now + step.seconds))
            case Countdown(index=int() as index, seconds_left=left) if self.counts_down(index):
                self.queue.say(Utterance((str(left),), now + left, number=True))
            case SessionCompleted():
                self.queue.say(Utterance(("Session complete. Well done.",)))
            case Paused(reason="suspend"):
                self.queue.say(Utterance(("Paused.",)))
            case SessionStopped(reason=reason):
                self.queue.expire_pending()
                if reason != "user":  # Ctrl-C, SIGTERM, a closed pipe: quiet now, not in 3 s
                    self.queue.silence()

    def counts_down(self, index: int) -> bool:
        """Whether step ``index`` gets a spoken countdown."""
        if index >= len(self.steps):
            return False
        step = self.steps[index]
        if step.seconds < self.countdown_min_step:
            return False
        following = self.steps[index + 1] if index + 1 < len(self.steps) else None
        return not (
            step.kind == "rest"
            and following is not None
            and following.kind == "prep"
            and following.seconds >= self.countdown_min_step
        )

    def problems(self) -> list[str]:
        """What went wrong with speech (the command's last stderr line), for reports."""
        failure = getattr(self.speaker, "last_failure", None)
        return [f"speech: {failure}"] if failure else []

    def close(self) -> None:
        """Let the last words finish."""
        self.queue.close()


class SoundCue:
    """Plays a sound when work starts, when a rest starts and at the end; ticks if asked.

    With ``metronome``, a soft tick on each whole second of a tempo phase
    (from its start), timed on ``clock`` by a task this cue keeps and
    cancels when the phase ends, the session pauses or the cue closes.
    """

    def __init__(
        self,
        program: Program,
        player: SoundPlayer,
        *,
        clock: Clock | None = None,
        metronome: bool = False,
    ) -> None:
        self.program = program
        self.steps = build_timeline(program).steps
        self.player = player
        self.clock: Clock = SystemClock() if clock is None else clock
        self.metronome = metronome
        self._ticker: asyncio.Task[None] | None = None
        self._tempo_deadline = 0.0
        self._tempo_left: float | None = None
        """Seconds left in the tempo phase under way (as of a pause), or None."""

    def __call__(self, event: Event) -> None:
        """Play what this event calls for."""
        match event:
            case StepStarted(index=int() as index, step=Step() as step):
                self._stop_ticking()
                sound = self.sound_for(index)
                if sound is not None:
                    self.player.play(sound)
                if self._is_tempo(step):
                    self._tempo_left = step.seconds
                    self._start_ticking(self.clock.monotonic() + step.seconds)
            case SessionCompleted():
                self._stop_ticking()
                self.player.play("end")
            case Paused():
                if self._ticker is not None and self._tempo_left is not None:
                    self._tempo_left = max(0.0, self._tempo_deadline - self.clock.monotonic())
                self._stop_ticking(forget=False)
            case Resumed() if self._tempo_left is not None:
                self._start_ticking(self.clock.monotonic() + self._tempo_left)
            case SessionStopped():
                self._stop_ticking()

    def sound_for(self, index: int) -> SoundName | None:
        """The sound step ``index`` starts with: work where work starts, rest for rests."""
        if starts_work(self.steps, index):
            return "work"
        if self.steps[index].kind == "rest":
            return "rest"
        return None

    def problems(self) -> list[str]:
        """What went wrong with the player, for reports."""
        failure = self.player.last_failure
        return [f"sounds: {failure}"] if failure else []

    def close(self) -> None:
        """Stop the metronome and let the last sound play."""
        self._stop_ticking()
        self.player.close()

    def _is_tempo(self, step: Step) -> bool:
        exercise = self.program.exercises[step.exercise_index]
        return self.metronome and step.kind == "work" and exercise.tempo is not None

    def _start_ticking(self, deadline: float) -> None:
        self._tempo_deadline = deadline
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop (a plain call): nothing can be timed
        self._ticker = asyncio.ensure_future(self._tick_until(deadline))

    def _stop_ticking(self, *, forget: bool = True) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        if forget:
            self._tempo_left = None

    async def _tick_until(self, deadline: float) -> None:
        """A tick on each whole second before ``deadline``: at ``deadline - n``, ..., ``- 1``."""
        start = self.clock.monotonic()
        for seconds_before in range(math.ceil(deadline - start - 1e-6), 0, -1):
            at = deadline - seconds_before
            if at < start - 0.05:
                continue  # a beat already gone (after a resume)
            await self.clock.sleep_until(at)
            self.player.play("tick")


class BellCue:
    """Rings the terminal bell when work starts and at the end (where no sound can be played).

    ``ring`` rings it (the app passes Textual's own bell); without one, a
    bell character is written to ``stream``.
    """

    def __init__(
        self,
        program: Program,
        stream: TextIO | None = None,
        *,
        ring: Callable[[], None] | None = None,
    ) -> None:
        self.steps = build_timeline(program).steps
        self.stream = stream
        self.ring = ring

    def __call__(self, event: Event) -> None:
        """Ring where work starts and on completion."""
        match event:
            case SessionCompleted():
                self._ring()
            case StepStarted(index=int() as index) if index < len(self.steps) and starts_work(
                self.steps, index
            ):
                self._ring()

    def _ring(self) -> None:
        if self.ring is not None:
            self.ring()
            return
        if self.stream is None:
            return
        try:
            self.stream.write("\a")
            self.stream.flush()
        except (OSError, ValueError):
            pass


class NotifyCue:
    """A desktop notification when a long rest starts, so the person can look away.

    Notifications are sent from a thread of their own (a notifier may take a
    moment, and the engine must never wait); one still being sent when the
    next comes is not cut short, since each takes a fraction of a second.
    """

    def __init__(self, program: Program, notifier: Notifier, min_seconds: float) -> None:
        self.program = program
        self.notifier = notifier
        self.min_seconds = min_seconds
        self.failures: list[str] = []
        """Why notifications failed, for tests and `coach doctor`."""
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="coach-notify", daemon=True)
        self._thread.start()

    def __call__(self, event: Event) -> None:
        """Notify when a rest of at least ``min_seconds`` starts."""
        step = event.step
        if not isinstance(event, StepStarted) or step is None or step.kind != "rest":
            return
        if step.seconds < self.min_seconds:
            return
        if event.waiting:  # no end to announce: the person says when it is over
            return
        after = self.program.exercises[step.exercise_index].name
        self._queue.put(f"Rest for {round(step.seconds)} s (after {after}).")

    def close(self, wait: float = 1.0) -> None:
        """Let the notifications already asked for go out, waiting at most ``wait`` seconds.

        A command still running after that finishes on its own; the thread is
        a daemon, so it never keeps coach from exiting.
        """
        self._queue.put(None)
        self._thread.join(timeout=wait)

    def _work(self) -> None:
        while True:
            text = self._queue.get()
            if text is None:
                return
            if not self.notifier.send("coach", text, timeout=_NOTIFY_TIMEOUT):
                self.failures.append(self.notifier.last_failure or "failed")


def bell_stream() -> TextIO | None:
    """A terminal to ring the bell on: stdout or stderr, whichever is a terminal."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream.isatty():
                return stream
        except (AttributeError, ValueError):
            continue
    return None


def _has_desktop() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass(frozen=True, slots=True)
class CueOptions:
    """What the ``[cues]`` settings ask for, as the cue builders take it."""

    bell: bool = True
    speech: bool = True
    speech_command: str | None = None
    notify_long_rests: float = 0.0
    quiet: bool = False
    sounds: bool = True
    metronome: bool = False
    countdown: int = 3
    countdown_min_step: float = COUNTDOWN_MIN_STEP

    @classmethod
    def from_settings(cls, cues: Any) -> CueOptions:
        """From :class:`coach.config.settings.CueSettings` (read by attribute: no pydantic here)."""
        return cls(**{field.name: getattr(cues, field.name) for field in fields(cls)})


def build_cues(
    program: Program,
    options: CueOptions,
    *,
    json_mode: bool,
    clock: Clock | None = None,
    ring: Callable[[], None] | None = None,
) -> list[Callable[[Event], None]]:
    """The cue listeners the settings ask for, degrading quietly where the system has none.

    Sounds play through the system's player when one is found and this
    machine has somewhere for sound to go; otherwise, with ``bell``, the
    terminal bell rings instead (where work starts and at the end). ``ring``
    rings that bell (the app passes Textual's); without it a bell character
    goes to the terminal. ``clock`` must be the engine's (the metronome and
    the speech queue time themselves on it).
    """
    cues: list[Callable[[Event], None]] = []
    bell, speech, sounds = options.bell, options.speech, options.sounds
    if options.quiet:
        sounds = bell = speech = False
    player: PlayerCommand | None = None
    if sounds:
        player = find_player()
        if player is not None and not find_audio_output().heard:
            player = None
    if player is not None:
        cues.append(
            SoundCue(program, SoundPlayer(player), clock=clock, metronome=options.metronome)
        )
    elif bell and ring is not None:
        cues.append(BellCue(program, ring=ring))
    elif bell:
        stream = sys.stderr if json_mode else bell_stream()
        if stream is not None and (not json_mode or stream.isatty()):
            cues.append(BellCue(program, stream))
    if speech:
        template = find_speech_command(options.speech_command)
        if template is not None:
            cues.append(
                SpeechCue(
                    program, template, clock=clock, countdown_min_step=options.countdown_min_step
                )
            )
    if options.notify_long_rests > 0:
        notify = find_notifier()
        if notify is not None and _has_desktop():
            cues.append(NotifyCue(program, notify, options.notify_long_rests))
    return cues


CUE_PROBLEMS = "cue-problems.json"
"""A file in the data folder: what went wrong with speech or sounds in the last session."""

_CUE_PROBLEMS_MAX = 64 * 1024


def remember_problems(folder: Path, problems: Sequence[str], when: datetime) -> None:
    """Keep the last session's speech and sound failures for ``coach doctor``.

    A session where nothing failed clears them. Quietly nothing when the
    folder cannot be written: the session itself already said what failed.
    """
    from coach.files import private_folder, write_private

    path = folder / CUE_PROBLEMS
    try:
        if not problems:
            path.unlink(missing_ok=True)
            return
        private_folder(folder)
        data = {"at": when.isoformat(timespec="seconds"), "problems": list(problems)[:20]}
        # ASCII escapes: a failure naming a command with a stray byte (a lone surrogate)
        # must not stop the session's end; doctor shows it made visible.
        write_private(path, json.dumps(data) + "\n", fsync=False)
    except OSError:
        pass


def last_problems(folder: Path) -> tuple[str, list[str]] | None:
    """When the last session's speech or sounds failed, and how; None when they did not
    (or the file is gone or damaged: it only ever helps)."""
    from coach.files import read_regular_file

    try:
        data = json.loads(read_regular_file(folder / CUE_PROBLEMS, _CUE_PROBLEMS_MAX))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    at, problems = data.get("at"), data.get("problems")
    if not isinstance(at, str) or not isinstance(problems, list) or not problems:
        return None
    return at, [str(problem) for problem in problems]


def close_cues(cues: Sequence[Callable[[Event], None]]) -> list[str]:
    """Let speech and sounds finish, stop the workers, and say what went wrong.

    Returns one line per cue that failed (``speech: ...`` with the speech
    command's last line on stderr, ``sounds: ...``), for the caller to report.
    """
    problems: list[str] = []
    for cue in cues:
        close = getattr(cue, "close", None)
        if close is not None:
            close()
        found = getattr(cue, "problems", None)
        if found is not None:
            problems.extend(found())
    return problems
