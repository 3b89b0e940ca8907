"""Speech that is never cut off: a queue of utterances with priorities, and the speakers.

A :class:`SpeechQueue` decides what is said and when; a speaker says it. The
rules, so that a person with both hands busy hears every instruction:

- words (a step's announcement, "Session complete") are never cut off and
  never talked over: words that come while words are being said wait their
  turn; waiting words whose time is over (their step has ended) are dropped
  rather than said out of time;
- a bare countdown number is said only when nothing is being said and it
  fits, by its estimated length, before the step ends; otherwise it is left
  out (a number is never worth waiting for);
- words cut a bare number short, never the other way round;
- an utterance may have several forms, longest first; the longest that fits
  in the time left is said, else the shortest.

When an utterance ends is known from the speaker (a speech process's exit);
how long one will take is estimated from its words at the speech rate, plus
the time a speech process takes to start, and only decides whether it fits.

The queue reads time from an injected clock, and the speaker is injected
too, so tests run it on a fake clock with a fake speaker that "speaks" for
as long as its text needs.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from coach.clock import Clock

WORDS_PER_MINUTE = 160
"""The speech rate coach asks for (espeak-ng ``-s 160``) and estimates with."""

START_SECONDS = 0.4
"""Seconds a speech command takes before and after its words: starting, and its silences."""

_STDERR_KEPT = 64 * 1024
"""How much of the end of a speech command's standard error is read for its last line."""

HUNG_AFTER = 10.0
"""Seconds past its estimated end after which an utterance still "speaking" is given up on."""

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def count_words(text: str) -> int:
    """How many words ``text`` has, as said aloud: "Palm-on-the-desk" is four."""
    return len(_WORD.findall(text))


def speaking_seconds(text: str, words_per_minute: float = WORDS_PER_MINUTE) -> float:
    """How long ``text``'s words take at ``words_per_minute``, without any start-up time."""
    return count_words(text) * 60.0 / words_per_minute


@dataclass(frozen=True, slots=True)
class Utterance:
    """Something to say: its forms (longest first), until when, and whether it is a number."""

    forms: tuple[str, ...]
    """What to say, longest first; the longest that fits in the time left is said."""

    until: float | None = None
    """The clock time its moment is over (its step's end); None for no limit."""

    number: bool = False
    """A bare countdown number: said only into silence, and the first thing cut."""

    def __post_init__(self) -> None:
        if not self.forms:
            raise ValueError("an utterance needs at least one form")


class Speaker(Protocol):
    """Says one text at a time and tells when it has finished."""

    def start(self, text: str, finished: Callable[[], None]) -> None:
        """Begin saying ``text``; call ``finished`` once it has ended (from any thread)."""
        ...

    def cut(self) -> None:
        """Stop what is being said (and anything started but not yet begun)."""
        ...

    def close(self, wait: float = 3.0) -> None:
        """Let the current utterance finish (up to ``wait`` seconds), then stop."""
        ...


@dataclass(slots=True)
class _Speaking:
    text: str
    number: bool
    token: int
    expected_end: float


class SpeechQueue:
    """Decides what to say when (see the module's rules) and hands it to a speaker.

    ``say`` and ``expire_pending`` are called on the engine's thread; a
    speaker may report an utterance's end from another thread, so the state
    is kept under a lock.
    """

    def __init__(
        self,
        speaker: Speaker,
        clock: Clock,
        *,
        words_per_minute: float = WORDS_PER_MINUTE,
        start_seconds: float = START_SECONDS,
    ) -> None:
        self.speaker = speaker
        self.clock = clock
        self.words_per_minute = words_per_minute
        self.start_seconds = start_seconds
        self.dropped: list[str] = []
        """What was left unsaid (numbers with no room, words out of time), for tests."""
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._pending: deque[Utterance] = deque()
        self._speaking: _Speaking | None = None
        self._token = 0

    def estimate(self, text: str) -> float:
        """How long saying ``text`` is expected to take, start-up included."""
        return self.start_seconds + speaking_seconds(text, self.words_per_minute)

    @property
    def busy(self) -> bool:
        """Whether something is being said now."""
        with self._lock:
            self._give_up_if_hung()
            return self._speaking is not None

    def say(self, utterance: Utterance) -> None:
        """Say ``utterance`` now, after the words before it, or not at all (see the rules)."""
        with self._lock:
            self._give_up_if_hung()
            now = self.clock.monotonic()
            if utterance.number:
                text = utterance.forms[-1]
                busy = self._speaking is not None or bool(self._pending)
                late = utterance.until is not None and now + self.estimate(text) > utterance.until
                if busy or late:
                    self.dropped.append(text)
                else:
                    self._start(text, number=True)
                return
            if self._speaking is not None and self._speaking.number:
                self._speaking = None
                self.speaker.cut()
            if self._speaking is None and not self._pending:
                self._start(self._fitting_form(utterance), number=False)
            else:
                self._pending.append(utterance)

    def expire_pending(self) -> None:
        """Drop the words still waiting: their moment (a step that just ended) is over."""
        with self._lock:
            self.dropped.extend(u.forms[-1] for u in self._pending)
            self._pending.clear()

    def silence(self) -> None:
        """Stop talking now: what waits is dropped and what is being said is cut.

        For a session ended by a signal (Ctrl-C): its speech process leads a
        process group of its own, so the terminal's interrupt does not reach it.
        """
        with self._lock:
            self.dropped.extend(u.forms[-1] for u in self._pending)
            self._pending.clear()
            if self._speaking is not None:
                self._speaking = None
                self.speaker.cut()
            self._idle.notify_all()

    def close(self, wait: float = 3.0) -> None:
        """Stop: what waits for a step is dropped, and the last words (up to ``wait`` s) are said.

        Words with no time limit ("Session complete") still waiting behind
        others are said first; this waits for them on a real condition, so a
        speaker that never finishes costs at most ``wait`` seconds.
        """
        deadline = time.monotonic() + wait
        with self._idle:
            timed = [u for u in self._pending if u.until is not None]
            self.dropped.extend(u.forms[-1] for u in timed)
            self._pending = deque(u for u in self._pending if u.until is None)
            while self._pending and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            self.dropped.extend(u.forms[-1] for u in self._pending)
            self._pending.clear()
        self.speaker.close(max(0.0, deadline - time.monotonic()))

    def _fitting_form(self, utterance: Utterance) -> str:
        if utterance.until is None:
            return utterance.forms[0]
        left = utterance.until - self.clock.monotonic()
        for form in utterance.forms:
            if self.estimate(form) <= left:
                return form
        return utterance.forms[-1]

    def _start(self, text: str, *, number: bool) -> None:
        self._token += 1
        token = self._token
        expected_end = self.clock.monotonic() + self.estimate(text)
        self._speaking = _Speaking(text, number, token, expected_end)
        self.speaker.start(text, lambda: self._finished(token))

    def _finished(self, token: int) -> None:
        with self._lock:
            if self._speaking is None or self._speaking.token != token:
                return  # one that was cut, or given up on: already replaced
            self._speaking = None
            self._start_next()
            self._idle.notify_all()

    def _start_next(self) -> None:
        now = self.clock.monotonic()
        while self._pending:
            utterance = self._pending.popleft()
            if utterance.until is not None and now >= utterance.until:
                self.dropped.append(utterance.forms[-1])
                continue
            self._start(self._fitting_form(utterance), number=False)
            return

    def _give_up_if_hung(self) -> None:
        speaking = self._speaking
        if speaking is not None and self.clock.monotonic() > speaking.expected_end + HUNG_AFTER:
            self._speaking = None
            self.speaker.cut()
            self._start_next()


# --------------------------------------------------------------------------- the real speaker


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


@dataclass(frozen=True, slots=True)
class _Request:
    generation: int
    argv: list[str]
    stdin_text: str | None
    finished: Callable[[], None]


class ProcessSpeaker:
    """Speaks through a speech command, one process at a time, on a thread of its own.

    The thread starts each process, gives it its text and waits for it to
    exit: that exit is when the utterance has ended. Its standard error is
    kept: the last line it wrote (espeak-ng reports a missing sound card
    there and still exits 0) is in ``last_failure``, every one in
    ``failures``. Standard error goes to a temporary file, not a pipe, so a
    helper the command leaves running (speech-dispatcher's daemon) cannot
    hold the utterance open; each process leads a process group of its own,
    so cutting it stops a pipeline (``sh -c 'espeak-ng --stdout | aplay'``) whole.
    """

    def __init__(self, template: CommandTemplate, name: str = "coach-speech") -> None:
        self.template = template
        self.started: list[list[str]] = []
        """Every argv started, for tests and reports."""
        self.failures: list[str] = []
        """What went wrong, newest last: a command that could not start, or its stderr."""
        self._requests: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._generation = 0
        self._current: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    @property
    def last_failure(self) -> str | None:
        """The newest failure (the command's last stderr line, or why it could not start)."""
        return self.failures[-1] if self.failures else None

    def start(self, text: str, finished: Callable[[], None]) -> None:
        """Say ``text`` soon, off the caller's thread; ``finished`` is called when it ends."""
        argv, stdin_text = self.template.command(text)
        with self._lock:
            generation = self._generation
        self._requests.put(_Request(generation, argv, stdin_text, finished))

    def cut(self) -> None:
        """Stop the process speaking now, and skip any not yet started."""
        with self._lock:
            self._generation += 1
            current = self._current
            if current is not None:
                _stop(current)

    def close(self, wait: float = 3.0) -> None:
        """Let the last command finish (up to ``wait`` seconds), then stop the thread."""
        self._requests.put(None)
        self._thread.join(timeout=wait)
        with self._lock:
            current = self._current
        if current is not None:
            _stop(current)

    def _work(self) -> None:
        while True:
            request = self._requests.get()
            if request is None:
                return
            try:
                self._run(request)
            except Exception as error:  # never let one utterance end speech for the session
                self.failures.append(f"{request.argv[0]}: {error}")
            finally:
                request.finished()

    def _run(self, request: _Request) -> None:
        argv, stdin_text = request.argv, request.stdin_text
        try:
            errors_file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the with below)
        except OSError as error:  # no temporary folder, or no file descriptors left
            self.failures.append(f"{argv[0]}: its error output cannot be kept ({error})")
            errors_file = open(os.devnull, "w+b")  # noqa: SIM115 (closed by the with below)
        with errors_file:
            with self._lock:
                if request.generation != self._generation:
                    return  # cut before it began
                try:
                    process = subprocess.Popen(
                        argv,
                        stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=errors_file,
                        start_new_session=os.name == "posix",
                    )
                except OSError as error:
                    self.failures.append(f"{argv[0]}: {error}")
                    return
                self._current = process
                self.started.append(argv)
            if stdin_text is not None and process.stdin is not None:
                try:
                    process.stdin.write(stdin_text.encode("utf-8"))
                    process.stdin.close()
                except OSError:
                    pass
            status = process.wait()
            with self._lock:
                self._current = None
                was_cut = request.generation != self._generation
            size = errors_file.seek(0, os.SEEK_END)
            errors_file.seek(max(0, size - _STDERR_KEPT))  # the end holds the last line
            errors = errors_file.read()
        lines = errors.decode("utf-8", "replace").strip().splitlines()
        if lines and not was_cut:
            self.failures.append(f"{argv[0]}: {lines[-1].strip()}")
        elif status > 0 and not was_cut:
            self.failures.append(f"{argv[0]}: exit status {status}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End a speech process and whatever it started in its group (POSIX), if still running."""
    if process.poll() is not None:
        return
    killpg = getattr(os, "killpg", None)
    if killpg is not None:
        with contextlib.suppress(OSError):
            killpg(process.pid, signal.SIGTERM)
            return
    with contextlib.suppress(OSError):
        process.terminate()


def say_forms(*forms: str) -> tuple[str, ...]:
    """The distinct non-empty ``forms``, in order (longest first is the caller's job)."""
    seen: list[str] = []
    for form in forms:
        if form and form not in seen:
            seen.append(form)
    return tuple(seen)


def sentence(*parts: str) -> str:
    """Parts joined as sentences: each ends with a full stop (or its own ! or ?)."""
    pieces = []
    for part in parts:
        text = part.strip()
        if not text:
            continue
        pieces.append(text if text[-1] in ".!?" else f"{text}.")
    return " ".join(pieces)


__all__: Sequence[str] = [
    "CommandTemplate",
    "ProcessSpeaker",
    "Speaker",
    "SpeechQueue",
    "Utterance",
    "count_words",
    "say_forms",
    "sentence",
    "speaking_seconds",
]
