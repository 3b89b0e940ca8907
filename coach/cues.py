"""Cues you can hear (and see outside the terminal): bell, speech, desktop notifications.

Cues are engine listeners. They never block the engine: speech and
notifications are handed to a worker thread that starts the system's own
commands, and a cue that is still speaking when the next one comes is cut
short (the newest cue matters most: "3" must not wait behind a long sentence).

Text from program files reaches these commands only as data: on standard
input where the command reads it, otherwise as one argument that can never
be taken for an option. Notifications go through :mod:`coach.notify`, which
also makes the text plain.
"""

from __future__ import annotations

import os
import queue
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from coach.engine import Event
from coach.notify import Notifier, find_notifier
from coach.program import Program
from coach.timeline import HOLD_PHASE, Step

_NOTIFY_TIMEOUT = 5.0
"""Seconds a notification command may take before it is given up (Windows' balloon
fallback stays up for three of them)."""


@dataclass(frozen=True, slots=True)
class CommandTemplate:
    """How to run a command with some text: as its last argument or on its stdin."""

    argv: tuple[str, ...]
    via_stdin: bool

    def command(self, text: str) -> tuple[list[str], str | None]:
        """The argv to run and what to write on its stdin."""
        if self.via_stdin:
            return list(self.argv), text
        # A leading space keeps text such as "-w file" from ever being read as an option.
        safe = f" {text}" if text.startswith("-") else text
        return [*self.argv, safe], None


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


def find_notify_command() -> Notifier | None:
    """The desktop notifier, where the system has one (see :mod:`coach.notify`)."""
    return find_notifier()


class CommandWorker:
    """Runs commands one at a time on a thread; a new one cuts the previous one short."""

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue[tuple[list[str], str | None] | None] = queue.SimpleQueue()
        self._current: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()
        self.started: list[list[str]] = []
        """Every argv started, for tests and `coach doctor`."""
        self.failures: list[str] = []

    def submit(self, argv: list[str], stdin_text: str | None) -> None:
        """Run ``argv`` soon, off the caller's thread."""
        self._queue.put((argv, stdin_text))

    def close(self, wait: float = 3.0) -> None:
        """Let the last command finish (up to ``wait`` seconds), then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout=wait + 1)
        current = self._current
        if current is not None and current.poll() is None:
            try:
                current.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                current.terminate()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            argv, stdin_text = item
            current = self._current
            if current is not None and current.poll() is None:
                current.terminate()
                try:
                    current.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    current.kill()
            try:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            except OSError as error:
                self.failures.append(f"{argv[0]}: {error}")
                self._current = None
                continue
            self.started.append(argv)
            if stdin_text is not None and process.stdin is not None:
                try:
                    process.stdin.write(stdin_text.encode("utf-8"))
                    process.stdin.close()
                except OSError:
                    pass
            self._current = process


def spoken_text(event: Event, program: Program, previous: Step | None) -> str | None:
    """What to say for ``event``, or None."""
    if event.name == "countdown":
        return str(event.data["seconds_left"])
    if event.name == "session_completed":
        return "Session complete. Well done."
    if event.name == "paused" and event.data.get("reason") == "suspend":
        return "Paused."
    if event.name != "step_started" or event.step is None:
        return None
    step = event.step
    exercise = program.exercises[step.exercise_index]
    if step.kind == "prep":
        return f"Get ready. {exercise.name}."
    if step.kind == "switch":
        return "Switch sides."
    if step.kind == "rest":
        held = previous is not None and previous.kind == "work" and previous.phase == HOLD_PHASE
        return "Release. Rest." if held else "Rest."
    # The first work after a prep or a switch announces the side and says the cue.
    first_work = (
        previous is None
        or previous.exercise_index != step.exercise_index
        or previous.kind in ("prep", "switch")
    )
    words = step.phase or "Go"
    if step.side is not None and (first_work or previous is None or previous.side != step.side):
        words = f"{step.side.capitalize()}. {words}"
    if first_work and exercise.cue:
        words = f"{words}. {exercise.cue}"
    return words


class SpeechCue:
    """Says "Hold", "Release", "Switch sides", "3", "2", "1" through the system's speech."""

    def __init__(self, program: Program, template: CommandTemplate) -> None:
        self.program = program
        self.template = template
        self.worker = CommandWorker("coach-speech")
        self._previous: Step | None = None

    def __call__(self, event: Event) -> None:
        """Speak for this event, if it has anything to say."""
        text = spoken_text(event, self.program, self._previous)
        if event.name == "step_started" and event.step is not None:
            self._previous = event.step
        if text:
            argv, stdin_text = self.template.command(text)
            self.worker.submit(argv, stdin_text)

    def close(self) -> None:
        """Let the last words finish."""
        self.worker.close()


class BellCue:
    """Rings the terminal bell when a step starts and at the end."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, event: Event) -> None:
        """Ring on step starts and on completion."""
        if event.name in ("step_started", "session_completed"):
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
        if event.name != "step_started" or step is None or step.kind != "rest":
            return
        if step.seconds < self.min_seconds:
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


def build_cues(
    program: Program,
    *,
    bell: bool,
    speech: bool,
    speech_command: str | None,
    notify_long_rests: float,
    quiet: bool,
    json_mode: bool,
) -> list[Callable[[Event], None]]:
    """The cue listeners the settings ask for, degrading quietly where the system has none."""
    cues: list[Callable[[Event], None]] = []
    if not quiet and bell:
        stream = sys.stderr if json_mode else bell_stream()
        if stream is not None and (not json_mode or stream.isatty()):
            cues.append(BellCue(stream))
    if not quiet and speech:
        template = find_speech_command(speech_command)
        if template is not None:
            cues.append(SpeechCue(program, template))
    if notify_long_rests > 0:
        notify = find_notify_command()
        if notify is not None and _has_desktop():
            cues.append(NotifyCue(program, notify, notify_long_rests))
    return cues


def close_cues(cues: Sequence[Callable[[Event], None]]) -> None:
    """Let speech finish and stop the workers."""
    for cue in cues:
        close = getattr(cue, "close", None)
        if close is not None:
            close()
