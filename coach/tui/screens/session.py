"""The session screen: the current step in large digits, what to do, and what comes next.

A view over :class:`~coach.session.engine.SessionRunner`: the runner runs in a worker
on the app's event loop with the app's clock, its events update the labels,
and a light timer redraws the countdown only when the second shown changes.
Program text is always shown with ``literal(text)``: never parsed as markup.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Static

from coach.clock import Clock
from coach.program.durations import format_duration
from coach.program.loader import LoadedProgram
from coach.program.model import Exercise
from coach.program.timeline import (
    Step,
    Timeline,
    build_timeline,
    dose_lines,
    enough_text,
    not_yet_text,
    range_lines,
    side_words,
)
from coach.session.engine import (
    EndedEarly,
    Event,
    Paused,
    Resumed,
    SessionResult,
    SessionRunner,
    StepStarted,
)
from coach.session.recording import NullRecorder, SessionRecorder
from coach.tui.literal import literal
from coach.tui.widgets.big_digits import BigDigits
from coach.tui.widgets.footer import KeysFooter
from coach.tui.widgets.progress_line import ProgressLine

_KIND_WORDS = {"prep": "Get ready", "rest": "Rest"}


def phase_label(step: Step, exercise: Exercise | None = None) -> str:
    """What to do now, in a few words: Hold, Squeeze, Rest, Get ready, Switch to the right.

    A ``duration`` step (heat, ice, a timed stretch) says its exercise's own
    words, the cue or the name, never a bare "Go".
    """
    if step.kind == "work":
        if step.phase:
            return step.phase
        if exercise is not None:
            return exercise.cue or exercise.name
        return "Work"
    if step.kind == "switch":
        return f"Switch to the {step.side}" if step.side else "Switch sides"
    return _KIND_WORDS.get(step.kind, step.kind.capitalize())


def minutes_left(seconds: float) -> str:
    """The whole session's time left, in minutes rounded up: ``12 min left``."""
    if seconds <= 0:
        return "done"
    return f"{math.ceil(seconds / 60 - 1e-9)} min left"


def position_text(step: Step, timeline: Timeline) -> str:
    """``Rep 2 of 5 · Set 1 of 2``: where in the exercise this step is (no "1 of 1")."""
    exercise = timeline.program.exercises[step.exercise_index]
    parts = []
    reps, sets = exercise.paced_reps, exercise.paced_sets
    if step.rep is not None and reps is not None and reps > 1:
        parts.append(f"Rep {step.rep} of {reps}")
    if step.set is not None and sets > 1:
        parts.append(f"Set {step.set} of {sets}")
    return " · ".join(parts)


def next_text(timeline: Timeline, index: int) -> str:
    """What comes after step ``index``, in words: ``Rest 6 s, then rep 2 of 5``."""
    steps = timeline.steps
    if index + 1 >= len(steps):
        return "Last step"
    current, following = steps[index], steps[index + 1]
    exercises = timeline.program.exercises
    if following.exercise_index != current.exercise_index or following.kind == "prep":
        return f"Next exercise: {exercises[following.exercise_index].name}"
    if following.kind == "switch":
        return f"Next: switch to the {following.side} side"
    if following.kind == "rest":
        after = steps[index + 2] if index + 2 < len(steps) else None
        rest = (
            "Rest as needed"
            if following.as_needed
            else f"Rest {format_duration(following.seconds)}"
        )
        if after is None:
            return f"Next: {rest}, then the end"
        if after.exercise_index != following.exercise_index or after.kind == "prep":
            return f"Next: {rest}, then {exercises[after.exercise_index].name}"
        where = position_text(after, timeline)
        return f"Next: {rest}, then {where.lower()}" if where else f"Next: {rest}"
    words = phase_label(following, exercises[following.exercise_index])
    where = position_text(following, timeline)
    same_rep = following.rep == current.rep and following.set == current.set
    if where and not (same_rep and current.kind == "work"):
        return f"Next: {words} {format_duration(following.seconds)} ({where.lower()})"
    return f"Next: {words} {format_duration(following.seconds)}"


def clock_digits(seconds: float) -> str:
    """Seconds left as shown: ``15``, ``1:05``; rounded up, so 0.2 s left shows 1."""
    whole = max(0, math.ceil(seconds - 1e-9))
    if whole < 60:
        return str(whole)
    minutes, rest = divmod(whole, 60)
    return f"{minutes}:{rest:02d}"


LAST_SECONDS = 3.0
"""The last seconds of a step look different: the change is coming."""

KINDS = ("work", "rest", "prep", "switch")


@dataclass(frozen=True)
class SessionOutcome:
    """How a session on this screen ended."""

    result: SessionResult
    session_id: str | None
    """The recorded session's id (None when not recorded)."""
    quit_app: bool = False
    """Stopped with Ctrl+Q: the app closes once the session is kept."""
    cue_problems: tuple[str, ...] = ()
    """What went wrong with speech or sounds (``speech: ...``), to report and keep."""


class ConfirmStop(ModalScreen[bool]):
    """Asks before stopping; the session waits, paused, for the answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Stop"),
        Binding("n,escape", "answer(False)", "Go on"),
    ]

    def __init__(self, *, recorded: bool, quit_app: bool = False) -> None:
        super().__init__()
        self.recorded = recorded
        self.quit_app = quit_app

    def compose(self) -> ComposeResult:
        question = "Stop this session and quit coach?" if self.quit_app else "Stop this session?"
        kept = " What you did so far is kept (as partial)." if self.recorded else ""
        with Vertical(id="dialog"):
            yield Static(question + kept)
            with Horizontal(id="buttons"):
                yield Button("Stop (y)", id="stop", variant="error")
                yield Button("Go on (n)", id="go-on", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Either button answers."""
        self.dismiss(event.button.id == "stop")

    def action_answer(self, stop: bool) -> None:
        """Answer by key."""
        self.dismiss(stop)


class SessionScreen(Screen[SessionOutcome]):
    """One session of a program, from the first step to the summary."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause"),
        Binding("enter", "go_on", "Ready", show=False),
        Binding("n", "skip_step", "Next"),
        Binding("b", "back", "Back"),
        Binding("s", "skip_exercise", "Skip exercise"),
        Binding("e", "enough", "Enough"),
        Binding("q,escape", "stop", "Stop"),
    ]

    def __init__(
        self,
        loaded: LoadedProgram,
        *,
        clock: Clock,
        recorder: SessionRecorder | None = None,
        cues: list[Callable[[Event], None]] | None = None,
        countdown: int = 3,
    ) -> None:
        super().__init__()
        self.loaded = loaded
        self.timeline = build_timeline(loaded.program)
        self.clock = clock
        self.recorder = recorder or NullRecorder()
        self.cues = cues or []
        self.runner = SessionRunner(
            self.timeline,
            clock,
            [self.recorder, self._on_event],
            countdown=countdown,
            wait_as_needed=True,  # someone is at the keyboard to say they are ready
        )
        for cue in self.cues:
            self.runner.add_listener(cue)
        self._offsets = [*self.timeline.offsets(), self.timeline.total_seconds]
        self._shown_digits = ""
        self._shown_left = ""
        self._tick: asyncio.TimerHandle | None = None
        self._asking = False
        self._quit_asked = False
        self._quit_app = False
        self._step: Step | None = None
        self.result: SessionResult | None = None

    def compose(self) -> ComposeResult:
        program = self.loaded.program
        yield Header()
        with Vertical(id="session"):
            # The digits change each second; the words around them sit in
            # containers of their own, so a second's redraw does not touch them.
            with Vertical(id="above", classes="words"):
                yield Static(literal(program.title), id="program-title")
                yield Static("", id="paused")
                yield Static("", id="phase")
            yield BigDigits("", id="remaining")
            with Vertical(id="below", classes="words"):
                yield Static("", id="cue")
                yield Static("", id="tempo")
                yield Static("", id="instructions")
                yield Static("", id="position")
                yield Static("", id="next")
            with Horizontal(id="bar"):
                yield ProgressLine(self.timeline.total_seconds, id="overall")
                yield Static("", id="left")
        yield KeysFooter(show_command_palette=False)

    def on_mount(self) -> None:
        """Start the session, and the timer that redraws the countdown."""
        self.recorder.start(self.loaded)
        self._digits = self.query_one("#remaining", BigDigits)
        self._progress = self.query_one("#overall", ProgressLine)
        self.query_one("#paused").display = False
        self.run_worker(self._run(), exclusive=True, name="session")
        self.refresh_clock()

    def on_unmount(self) -> None:
        """No more redraws once the screen is gone."""
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    async def _run(self) -> None:
        problems: list[str] = []
        try:
            self.result = await self.runner.run()
        finally:
            from coach.session.cues import close_cues

            # Letting the last words and sounds finish takes seconds: not on the event loop.
            problems = await asyncio.to_thread(close_cues, self.cues)
        self.recorder.finish(self.result)
        record = getattr(self.recorder, "record", None)
        session_id = None if record is None else record.id
        outcome = SessionOutcome(
            self.result, session_id, quit_app=self._quit_app, cue_problems=tuple(problems)
        )
        self.dismiss(outcome)

    # --- drawing --------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        match event:
            case StepStarted(index=int() as index, step=Step() as step):
                self._show_step(index, step)
            case Paused():
                why = (
                    "Paused: the computer was asleep or stalled."
                    if event.reason == "suspend"
                    else "Paused."
                )
                banner = self.query_one("#paused", Static)
                banner.update(f"{why} Press space to go on.")
                banner.display = True
                self.refresh_clock()  # and stop waking up while paused
            case Resumed():
                self.query_one("#paused").display = False
                self.refresh_clock()
            case EndedEarly(step=Step() as step):
                exercise = self.loaded.program.exercises[step.exercise_index]
                self.notify(enough_text(event.what, event.done, exercise), markup=False)

    def _show_step(self, index: int, step: Step) -> None:
        program = self.loaded.program
        exercise = program.exercises[step.exercise_index]
        for kind in KINDS:
            self.set_class(step.kind == kind, f"-{kind}")
        self._step = step
        words = phase_label(step, exercise)
        if step.side is not None and step.kind != "switch":
            words = f"{words}  ·  {side_words(step.side)}"
        count = len(program.exercises)
        title = f"{exercise.name} ({step.exercise_index + 1} of {count})  ·  {program.title}"
        self.query_one("#program-title", Static).update(literal(title))
        self.query_one("#phase", Static).update(literal(words.upper()))
        longest = max(step.seconds, 600.0) if self.runner.waiting else step.seconds
        self.query_one("#remaining", BigDigits).widest = clock_digits(longest)
        said = phase_label(step, exercise)  # a duration step's phase word may be its cue
        cue = exercise.cue if step.kind == "work" and exercise.cue != said else ""
        if step.kind == "work":  # the dose, beside the cue, all through the work
            dose = (*dose_lines(exercise), *range_lines(exercise))
            cue = "  ·  ".join([part for part in (cue, *dose) if part])
        self.query_one("#cue", Static).update(literal(cue))
        self.query_one("#tempo", Static).update(self._tempo_line(step, exercise))
        instructions = self._instructions(index, step)
        if self.runner.waiting:
            ready = "Take as long as you need; press space or Enter when you are ready."
            instructions = "\n".join(filter(None, [ready, instructions]))
        self.query_one("#instructions", Static).update(literal(instructions))
        self.query_one("#position", Static).update(literal(position_text(step, self.timeline)))
        self.query_one("#next", Static).update(literal(next_text(self.timeline, index)))
        self.refresh_bindings()  # "Enough" shows only for an exercise with a range
        self.refresh_clock()

    def _tempo_line(self, step: Step, exercise: Exercise) -> Content:
        """A tempo rep's phases, the current one marked: ``Curl 4s  [ HOLD 1s ]  Lower 4s``."""
        if step.kind != "work" or exercise.tempo is None or len(exercise.tempo) < 2:
            return Content("")
        parts = []
        for phase in exercise.tempo:
            text = f"{phase.phase} {format_duration(phase.seconds)}"
            if phase.phase == step.phase:
                now = f"[ {phase.phase.upper()} {format_duration(phase.seconds)} ]"
                parts.append(literal(now).stylize("bold reverse"))
            else:
                parts.append(literal(text))
        return Content("   ").join(parts)

    def _instructions(self, index: int, step: Step) -> str:
        """How to do it, while getting ready and working; in a rest before the next exercise, its
        name, first step and equipment, so the person can get into position."""
        exercises = self.loaded.program.exercises
        steps = self.timeline.steps
        if step.kind in ("prep", "work"):
            return "\n".join(exercises[step.exercise_index].instructions)
        if step.kind == "rest" and index + 1 < len(steps):
            following = steps[index + 1]
            if following.exercise_index != step.exercise_index:
                upcoming = exercises[following.exercise_index]
                lines = [f"Coming up: {upcoming.name}"]
                if upcoming.instructions:
                    lines.append(upcoming.instructions[0])
                if upcoming.equipment:
                    lines.append("You need: " + ", ".join(upcoming.equipment))
                return "\n".join(lines)
        return ""

    def refresh_clock(self) -> None:
        """Redraw the countdown and the progress bar, only when what they show changed.

        Then sleep until the second shown next changes: one wake-up a second
        while counting down, none while paused (the events wake it).
        """
        index = self.runner.index
        remaining = 0.0
        waiting = self.runner.waiting
        if index >= len(self.timeline.steps):
            digits = "0"
            done = self.timeline.total_seconds
        elif waiting:  # an as-needed rest counts up, and the bar waits with it
            waited = self.runner.waited()
            digits = clock_digits(math.floor(waited))
            done = self._offsets[index]
            remaining = 1.0 - (waited % 1.0)  # the next whole second, for the timer below
        else:
            remaining = self.runner.remaining()
            digits = clock_digits(remaining)
            done = self._offsets[index + 1] - remaining
        if digits != self._shown_digits:
            self._shown_digits = digits
            self._digits.text = digits
            self._progress.update(done)
            left = minutes_left(self.timeline.total_seconds - done)
            if left != self._shown_left:  # once a minute: a redraw costs even when unchanged
                self._shown_left = left
                self.query_one("#left", Static).update(left, layout=False)
            self.set_class(not waiting and 0 < remaining <= LAST_SECONDS, "-last-seconds")
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        if remaining > 0 and not self.runner.paused:
            # The shown number (remaining rounded up) drops when remaining
            # reaches the whole number below it.
            until_change = remaining - (math.ceil(remaining - 1e-9) - 1)
            # The event loop's own timer: a Textual Timer is a task each time (#bench).
            loop = asyncio.get_running_loop()
            self._tick = loop.call_later(max(0.02, until_change + 0.005), self.refresh_clock)

    # --- controls -------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        """Space: pause or resume; at a rest "as needed", ready."""
        self.runner.ready_or_pause()

    def action_go_on(self) -> None:
        """Enter: at a rest "as needed", ready."""
        self.runner.go_on()

    def action_skip_step(self) -> None:
        """n: on to the next step."""
        self.runner.skip_step()

    def action_back(self) -> None:
        """b: restart the step, or go to the one before."""
        self.runner.back()

    def action_skip_exercise(self) -> None:
        """s: skip the rest of this exercise."""
        self.runner.skip_exercise()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show "Enough" only in an exercise with a range, up to its last work."""
        if action == "enough":
            step = self._step
            if step is None or (step.kind == "rest" and step.set is None):  # the rest after it
                return False
            return self.loaded.program.exercises[step.exercise_index].ranged
        return True

    def action_enough(self) -> None:
        """e: from a range's lower number on, end it now; it counts as done."""
        if self.runner.end_early() is None and self._step is not None:
            exercise = self.loaded.program.exercises[self._step.exercise_index]
            self.notify(not_yet_text(exercise), markup=False)

    def action_stop(self) -> None:
        """q or escape: ask, then stop (the session is kept as partial)."""
        self.ask_to_stop()

    def ask_to_stop(self, *, quit_app: bool = False) -> None:
        """Pause and ask whether to stop; "go on" resumes (unless it was paused before).

        The time spent on the question is not exercise. With ``quit_app``
        (Ctrl+Q), a stopped session is recorded first and then the app closes.
        """
        if self._asking:
            self._quit_asked = self._quit_asked or quit_app  # Ctrl+Q on the question: quit too
            return
        if self.result is not None:
            return
        self._asking = True
        self._quit_asked = quit_app
        was_paused = self.runner.paused
        self.runner.pause("question")

        def answered(stop: bool | None) -> None:
            self._asking = False
            if stop:
                self._quit_app = self._quit_asked
                self.runner.stop()
            elif not was_paused:
                self.runner.resume()

        recorded = getattr(self.recorder, "record", None) is not None
        self.app.push_screen(ConfirmStop(recorded=recorded, quit_app=quit_app), answered)
