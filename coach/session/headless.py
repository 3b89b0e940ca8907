"""Headless sessions: ``coach run PROGRAM --headless [--json]``.

For scripts, SSH, screen readers and people who just want the sound: one
plain line per step (or one JSON object per event with ``--json``), cues, and
a summary. Works with no terminal at all; when stdin is a terminal, single
keys control the session. SIGINT and SIGTERM stop it cleanly, recorded as
partial, with an exit status that says it was interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from coach.clock import Clock, SystemClock
from coach.history.calendar import local_day
from coach.history.records import HistoryError, NextDay
from coach.program.durations import format_clock, format_duration
from coach.program.loader import LoadedProgram
from coach.program.model import Program
from coach.program.timeline import (
    ENOUGH_HINT,
    Step,
    build_timeline,
    describe_step,
    dose_lines,
    enough_text,
    not_yet_text,
    range_lines,
)
from coach.safety import (
    NEXT_DAY_QUESTION,
    NEXT_DAY_WORSE_ADVICE,
    PAIN_MAX,
    SAFETY_NOTICE,
    mark_notice_seen,
    notice_seen,
    symptom_advice,
)
from coach.session.cues import CueOptions, build_cues, close_cues, remember_problems
from coach.session.engine import (
    Countdown,
    EndedEarly,
    Event,
    Paused,
    RestEnded,
    Resumed,
    SessionCompleted,
    SessionResult,
    SessionRunner,
    SessionStarted,
    SessionStopped,
    Skipped,
    StepStarted,
)
from coach.session.recording import (
    HistoryRecorder,
    NullRecorder,
    SessionRecorder,
    answer_next_day,
    next_day_session,
)
from coach.text import json_text, visible

EXIT_COMPLETED = 0
EXIT_STOPPED = 3
"""Stopped with ``q``."""

KEYS_HELP = (
    "keys: space pause/resume, n next step, s skip exercise, b back, "
    "e enough (from a range's lower number), q stop"
)


def exit_status(result: SessionResult) -> int:
    """0 when completed; 128 + the signal's number when a signal stopped it; 3 for ``q``."""
    if result.completed:
        return EXIT_COMPLETED
    if result.stop_reason in ("SIGINT", "SIGTERM", "SIGHUP", "SIGPIPE"):
        return 128 + int(getattr(signal, result.stop_reason))
    return EXIT_STOPPED


READY = "Take as long as you need; press space or Enter when you are ready."
"""Said at a rest "as needed" that waits for the person."""

RESUME_AFTER_SUSPEND = 5.0
"""With no keyboard (a script, a pipe), a session paused by a suspend or a stall
goes on by itself after this many seconds: a get-ready, never a wait for ever."""


class PlainPrinter:
    """One line per step, countdowns on the same line, a summary at the end."""

    def __init__(self, loaded: LoadedProgram, out: TextIO) -> None:
        self.program = loaded.program
        self.phase = loaded.phase
        self.week = loaded.week
        self.out = out
        self.keyboard = True
        """Whether keys control the session (else a suspend resumes by itself)."""
        self._counting = False
        self._exercise: int | None = None
        self._cue_said: set[tuple[int, str | None]] = set()

    def _line(self, text: str) -> None:
        if self._counting:
            self.out.write("\n")
            self._counting = False
        self.out.write(visible(text) + "\n")  # program text is checked; this keeps it so
        self.out.flush()

    def step_line(self, step: Step) -> str:
        """``Wrist extension stretch, left, rep 2/5: Hold 15s``."""
        exercise = self.program.exercises[step.exercise_index]
        return f"{describe_step(step, exercise)} {format_duration(step.seconds)}"

    def __call__(self, event: Event) -> None:
        """Print what a person needs to know about ``event``."""
        match event:
            case SessionStarted():
                total = format_clock(float(event.total_seconds))
                self._line(f"{self.program.title}: {event.steps} steps, {total}")
                if self.phase is not None:
                    self._line(f"Phase: {self.phase.name} (week {self.week})")
                if self.program.info.precautions:
                    self._line("Precautions:")
                    for line in self.program.info.precautions:
                        self._line(f"  - {line}")
            case StepStarted(step=Step() as step):
                if step.exercise_index != self._exercise:
                    self._exercise = step.exercise_index
                    self._exercise_lines(step.exercise_index)
                if event.waiting:
                    exercise = self.program.exercises[step.exercise_index]
                    self._line(f"{describe_step(step, exercise)}. {READY}")
                else:
                    self._line(self.step_line(step))
                exercise = self.program.exercises[step.exercise_index]
                said = (step.exercise_index, step.side)
                if step.kind == "work" and exercise.cue and said not in self._cue_said:
                    self._cue_said.add(said)  # once per exercise and side, with its first work
                    self._line(f"  Cue: {exercise.cue}")
            case Countdown():
                self.out.write(f"{'  ' if not self._counting else ' '}{event.seconds_left}")
                self.out.flush()
                self._counting = True
            case Paused(reason="suspend", asleep_seconds=asleep_seconds):
                asleep = format_duration(float(asleep_seconds or 0.0))
                then = (
                    "Press space to go on."
                    if self.keyboard
                    else f"No keyboard to wait for: going on in {RESUME_AFTER_SUSPEND:g} s."
                )
                self._line(f"Paused: the computer was asleep or stalled for {asleep}. {then}")
            case Paused():
                self._line("Paused. Press space to go on.")
            case Resumed():
                self._line("Resumed.")
            case Skipped():
                self._line("Skipped the exercise." if event.what == "exercise" else "Skipped.")
            case RestEnded():
                self._line(f"Rested {format_duration(event.seconds)}.")
            case EndedEarly(step=Step() as step):
                exercise = self.program.exercises[step.exercise_index]
                self._line(enough_text(event.what, event.done, exercise))
            case SessionCompleted():
                active = format_clock(event.active_seconds)
                extra = f", {event.skipped_steps} steps skipped" if event.skipped_steps else ""
                self._line(f"Session complete: {active} of exercise{extra}. Well done.")
            case SessionStopped():
                active = format_clock(event.active_seconds)
                why = {"user": "stopped", "SIGINT": "interrupted", "SIGTERM": "terminated"}.get(
                    event.reason, "stopped"
                )
                self._line(f"Session {why} after {active} (partial).")

    def not_yet(self) -> None:
        """``e`` before any range's lower number: say so, and from when."""
        if self._exercise is not None:
            self._line(not_yet_text(self.program.exercises[self._exercise]))

    def _exercise_lines(self, index: int) -> None:
        """What a person needs before an exercise: its name, how to do it, what it needs."""
        exercise = self.program.exercises[index]
        count = len(self.program.exercises)
        self._line("")
        self._line(f"Exercise {index + 1} of {count}: {exercise.name}")
        for number, line in enumerate(exercise.instructions, start=1):
            self._line(f"  {number}. {line}")
        if exercise.equipment:
            self._line(f"  Equipment: {', '.join(exercise.equipment)}")
        for line in dose_lines(exercise):
            self._line(f"  {line}")
        ranges = range_lines(exercise)
        for line in ranges:
            self._line(f"  {line}")
        if ranges and self.keyboard:
            self._line(f"  {ENOUGH_HINT}")
        for line in exercise.precautions:
            self._line(f"  Precaution: {line}")


def exercise_json(program: Program, index: int) -> dict[str, Any]:
    """The ``exercise_started`` event's fields for exercise ``index``."""
    exercise = program.exercises[index]
    fields: dict[str, Any] = {
        "exercise": exercise.id,
        "name": exercise.name,
        "instructions": list(exercise.instructions),
        "cue": exercise.cue,
        "equipment": list(exercise.equipment),
        "precautions": list(exercise.precautions),
    }
    # Version 2's dose, only where a program gives one: version 1 lines stay as they were.
    for key in ("load", "effort"):
        value = getattr(exercise, key)
        if value is not None:
            fields[key] = value
    return fields


class JsonPrinter:
    """One JSON object per event, one per line, and an ``exercise_started`` before each
    exercise's first step."""

    def __init__(self, out: TextIO, program: Program, phase: str | None = None) -> None:
        self.out = out
        self.program = program
        self.phase = phase
        """The name of the prescription's phase whose dose this session has, or None."""
        self._exercise: int | None = None

    def write(self, data: dict[str, Any]) -> None:
        """One JSON object as a line."""
        self.out.write(json_text(data) + "\n")
        self.out.flush()

    def __call__(self, event: Event) -> None:
        """Write the event as a line of JSON."""
        data = event.to_json()
        if event.name == "session_started":
            if self.phase is not None:
                data["phase"] = self.phase
            data["precautions"] = list(self.program.info.precautions)
        step = event.step
        if (
            event.name == "step_started"
            and step is not None
            and step.exercise_index != self._exercise
        ):
            self._exercise = step.exercise_index
            started = {"event": "exercise_started", "t": data["t"]}
            self.write({**started, **exercise_json(self.program, step.exercise_index)})
        self.write(data)


@contextlib.contextmanager
def _keyboard(
    runner: SessionRunner, stdin: TextIO, not_yet: Callable[[], None] | None = None
) -> Iterator[bool]:
    """Single-key controls while stdin is a terminal; yields whether they are on."""
    try:
        fd = stdin.fileno()
        interactive = os.isatty(fd)
    except (AttributeError, ValueError, OSError):
        interactive = False
    if not interactive or sys.platform == "win32":
        yield False
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    loop = asyncio.get_running_loop()

    def enough() -> None:
        if runner.end_early() is None and not_yet is not None:
            not_yet()

    actions: dict[str, Callable[[], None]] = {
        " ": runner.ready_or_pause,
        "\r": runner.go_on,
        "\n": runner.go_on,
        "p": runner.toggle_pause,
        "n": runner.skip_step,
        "s": runner.skip_exercise,
        "b": runner.back,
        "e": enough,
        "q": runner.stop,
    }

    def on_key() -> None:
        data = os.read(fd, 32).decode("utf-8", "ignore")
        for char in data:
            action = actions.get(char.lower())
            if action is not None:
                action()

    tty.setcbreak(fd)
    loop.add_reader(fd, on_key)
    try:
        yield True
    finally:
        loop.remove_reader(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


async def run_session(
    loaded: LoadedProgram,
    *,
    json_mode: bool = False,
    out: TextIO | None = None,
    stdin: TextIO | None = None,
    clock: Clock | None = None,
    recorder: SessionRecorder | None = None,
    cues: list[Callable[[Event], None]] | None = None,
    countdown: int = 3,
    cue_folder: Path | None = None,
) -> SessionResult:
    """Run one headless session and return how it ended.

    What went wrong with speech or sounds is said on stderr and, with a
    ``cue_folder`` (the data folder), kept there for ``coach doctor``.
    """
    out = sys.stdout if out is None else out
    stdin = sys.stdin if stdin is None else stdin
    recorder = NullRecorder() if recorder is None else recorder
    cues = [] if cues is None else cues
    printer: Callable[[Event], None] = (
        JsonPrinter(out, loaded.program, loaded.phase_name)
        if json_mode
        else PlainPrinter(loaded, out)
    )
    runner = SessionRunner(
        build_timeline(loaded.program), clock or SystemClock(), [recorder], countdown=countdown
    )
    output_gone = False

    def print_event(event: Event) -> None:
        nonlocal output_gone
        if output_gone:
            return
        try:
            printer(event)
        except (BrokenPipeError, ValueError):
            # The reader went away (`... | head`): nobody can follow the session any more.
            output_gone = True
            runner.stop("SIGPIPE")

    runner.add_listener(print_event)
    for cue in cues:
        runner.add_listener(cue)
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, runner.stop, signum.name)
            handled.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or a platform without it; Ctrl-C still ends the run
    resumes: list[asyncio.Task[None]] = []
    clock = runner.clock

    async def resume_later() -> None:
        await clock.sleep_until(clock.monotonic() + RESUME_AFTER_SUSPEND)
        runner.resume()

    def resume_after_suspend(event: Event) -> None:
        # Nobody can press space: the session goes on by itself after a get-ready.
        if event.name == "paused" and event.data.get("reason") == "suspend":
            resumes.append(asyncio.ensure_future(resume_later()))

    recorder.start(loaded)
    try:
        not_yet = printer.not_yet if isinstance(printer, PlainPrinter) else None
        with _keyboard(runner, stdin, not_yet) as interactive:
            runner.wait_as_needed = interactive  # no keyboard: an as-needed rest lasts 30 s
            if isinstance(printer, PlainPrinter):
                printer.keyboard = interactive
            if interactive and not json_mode:
                out.write(KEYS_HELP + "\n")
            if not interactive:
                runner.add_listener(resume_after_suspend)
            result = await runner.run()
    finally:
        for task in resumes:
            task.cancel()
        for signum in handled:
            loop.remove_signal_handler(signum)
        problems = close_cues(cues)
        for problem in problems:
            print(f"coach: {problem}", file=sys.stderr)
        if cue_folder is not None:  # no cues at all (quiet) clears an old failure too
            remember_problems(cue_folder, problems, runner.clock.now())
    recorder.finish(result)
    return result


def ask_pain(question: str, stdin: TextIO, out: TextIO) -> int | None:
    """Ask for a 0-10 rating until one is given; None when skipped (Enter or end of input)."""
    while True:
        out.write(f"{question} (0 = none, 10 = worst; Enter to skip): ")
        out.flush()
        line = stdin.readline()
        if not line:
            out.write("\n")
            return None
        text = line.strip()
        if not text:
            return None
        if text.isdigit() and int(text) <= PAIN_MAX:
            return int(text)
        out.write("Please type a whole number from 0 to 10, or press Enter to skip.\n")


def _ask_symptoms(
    asked: tuple[str, ...], question: str, stdin: TextIO, out: TextIO
) -> dict[str, int]:
    """Each asked symptom's rating (``question`` with its name), leaving out those skipped."""
    ratings: dict[str, int] = {}
    for name in asked:
        rating = ask_pain(question.format(name), stdin, out)
        if rating is not None:
            ratings[name] = rating
    return ratings


def _checkin_before(history: HistoryRecorder, symptoms: bool, before: dict[str, int]) -> None:
    """Keep the ratings before: as symptoms for a version 2 ``ask``, else as pain."""
    if symptoms:
        history.checkin(symptoms_before=before)
    else:
        history.checkin(pain_before=before.get("pain"))


def _ask_next_day(
    loaded: LoadedProgram, history: HistoryRecorder, clock: Clock, stdin: TextIO, out: TextIO
) -> None:
    """The next-day question, before the first session on a later day; kept with the
    last session. "Worse" gets the advice to ease off."""
    today = local_day(clock.now(), history.day_start)
    try:
        last = next_day_session(history.store, loaded.program.id, today)
    except HistoryError as error:
        out.write(f"coach: {error}\n")
        return
    if last is None:
        return
    answers: dict[str, NextDay] = {
        "b": "better",
        "better": "better",
        "s": "same",
        "same": "same",
        "w": "worse",
        "worse": "worse",
    }
    while True:
        out.write(
            f"{NEXT_DAY_QUESTION} (last session {last.local_date.isoformat()}; "
            "b = better, s = same, w = worse; Enter to skip): "
        )
        out.flush()
        line = stdin.readline()
        text = line.strip().lower()
        if not text:
            if not line:
                out.write("\n")
            return
        if text in answers:
            break
        out.write("Please type b, s or w, or press Enter to skip.\n")
    answer = answers[text]
    if answer == "worse":
        out.write(NEXT_DAY_WORSE_ADVICE + "\n")
    try:
        answer_next_day(history.store, last, answer)
    except HistoryError as error:
        out.write(f"coach: {error}\n")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return os.isatty(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def run_headless(
    loaded: LoadedProgram,
    *,
    json_mode: bool,
    cues: CueOptions,
    recorder: SessionRecorder | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    data_dir: Path | None = None,
    clock: Clock | None = None,
) -> int:
    """The ``coach run --headless`` command; returns the exit status.

    The first run for a data folder (``data_dir``) shows the safety notice,
    as the app's first start does. For a program with a pain check-in, when
    stdin is a terminal (and not with ``--json``), it asks for pain before
    and after and for a note, and gives the program's advice when pain is
    above its limit; when it cannot ask, it says so. With no ``recorder``
    (``--no-record``) nothing is kept, so nothing is asked.
    """
    stdin = sys.stdin if stdin is None else stdin
    out = sys.stdout if out is None else out
    if data_dir is not None and not notice_seen(data_dir):
        if json_mode:
            out.write(json_text({"event": "safety_notice", "t": 0, "text": SAFETY_NOTICE}) + "\n")
        else:
            out.write(SAFETY_NOTICE + "\n\n")
        out.flush()
        mark_notice_seen(data_dir)
    checkin = loaded.program.info.checkin
    asked = () if checkin is None else checkin.asked
    wants = bool(asked) or (checkin is not None and checkin.next_day)
    why_not = None
    if wants and recorder is None:
        why_not = "not recorded"
    elif wants and not _is_terminal(stdin):
        why_not = "no terminal"
    elif wants and json_mode:
        why_not = "json output"
    asking = wants and why_not is None
    if why_not is not None:
        if json_mode:
            out.write(json_text({"event": "checkin_skipped", "t": 0, "reason": why_not}) + "\n")
        elif why_not == "not recorded":
            out.write("Not recorded: nothing of this session is kept, so no check-in is asked.\n")
        else:
            what = "Pain check-in" if asked == ("pain",) else "Check-in"
            out.write(f"{what} skipped: {why_not} to ask on.\n")
        out.flush()
    history = recorder if isinstance(recorder, HistoryRecorder) else None
    clock = clock or SystemClock()
    before: dict[str, int] = {}
    if asking and checkin is not None:
        if checkin.next_day and history is not None:
            _ask_next_day(loaded, history, clock, stdin, out)
        before = _ask_symptoms(asked, "Before you start: how much {} do you have now?", stdin, out)
        advice = [
            text
            for name, rating in before.items()
            if (text := symptom_advice(name, rating, checkin.limit(name))) is not None
        ]
        if advice:
            out.write("\n".join(advice) + "\n")
            out.write("Start anyway? [y/N] ")
            out.flush()
            if stdin.readline().strip().lower() not in ("y", "yes"):
                out.write("Not started.\n")
                if history is not None:
                    # Kept as declined: the ratings matter, and it never counts as done.
                    history.start(loaded)
                    _checkin_before(history, checkin.ask is not None, before)
                    history.decline(clock.now())
                return EXIT_STOPPED
    if history is not None and checkin is not None:
        _checkin_before(history, checkin.ask is not None, before)
    listeners = build_cues(loaded.program, cues, json_mode=json_mode)
    result = asyncio.run(
        run_session(
            loaded,
            json_mode=json_mode,
            recorder=recorder,
            cues=listeners,
            countdown=cues.countdown,
            out=out,
            stdin=stdin,
            cue_folder=data_dir,
        )
    )
    if asking and checkin is not None and asked and result.stop_reason in (None, "user"):
        after = _ask_symptoms(asked, "How much {} do you have now, after the session?", stdin, out)
        for name, rating in after.items():
            text = symptom_advice(name, rating, checkin.limit(name))
            if text is not None:
                out.write(text + "\n")
        out.write("A note for your history (Enter to skip): ")
        out.flush()
        note = stdin.readline().strip()
        if history is not None:
            if checkin.ask is not None:
                history.checkin(symptoms_after=after, note=note or None)
            else:
                history.checkin(pain_after=after.get("pain"), note=note or None)
    if result.stop_reason == "SIGPIPE":
        # Keep the interpreter's final flush of a closed pipe quiet.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    return exit_status(result)
