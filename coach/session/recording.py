"""Where finished and interrupted sessions go.

The engine's events are what gets recorded. :class:`HistoryRecorder` writes
them through to the history store as they happen; :class:`NullRecorder`
records nothing (``--no-record``); :class:`MemoryRecorder` keeps events in
memory for tests.
"""

from __future__ import annotations

import copy
import os
import queue
import socket
import sys
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from coach.history.calendar import DEFAULT_DAY_START, local_day, utc_offset_seconds
from coach.history.locks import SessionClaim
from coach.history.records import (
    EARLIEST,
    LATEST,
    MAX_ACTIVE_SECONDS,
    MAX_ELAPSED_SECONDS,
    NEXT_DAY_ANSWERS,
    ExerciseRecord,
    HistoryError,
    NextDay,
    SessionRecord,
    check_symptoms,
)
from coach.history.store import HistoryStore
from coach.program.loader import LoadedProgram
from coach.program.model import program_hash
from coach.program.timeline import Step, Timeline, build_timeline
from coach.safety import check_pain
from coach.session.engine import (
    Event,
    ExerciseCompleted,
    RepCompleted,
    RestEnded,
    Resumed,
    SessionResult,
    SessionStarted,
    SetCompleted,
    Skipped,
    step_completions,
)
from coach.text import visible


class SessionRecorder(Protocol):
    """Receives every event of one session, then how it ended."""

    def start(self, loaded: LoadedProgram) -> None:
        """A session of ``loaded`` is about to start."""

    def __call__(self, event: Event) -> None:
        """One event, as it happens (write through: a crash may come at any moment)."""

    def finish(self, result: SessionResult) -> None:
        """The session ended: completed, or stopped (partial)."""


class NullRecorder:
    """Records nothing (``--no-record``, and until the history store exists)."""

    def start(self, loaded: LoadedProgram) -> None:
        """Nothing to do."""

    def __call__(self, event: Event) -> None:
        """Nothing to do."""

    def finish(self, result: SessionResult) -> None:
        """Nothing to do."""


class MemoryRecorder:
    """Keeps everything in memory."""

    def __init__(self) -> None:
        self.loaded: LoadedProgram | None = None
        self.events: list[Event] = []
        self.result: SessionResult | None = None

    def start(self, loaded: LoadedProgram) -> None:
        """Remember the program."""
        self.loaded = loaded

    def __call__(self, event: Event) -> None:
        """Keep the event."""
        self.events.append(event)

    def finish(self, result: SessionResult) -> None:
        """Keep the result."""
        self.result = result


def _warn(message: str) -> None:
    print(f"coach: {visible(message)}", file=sys.stderr)


class HistoryRecorder:
    """Writes one session through to the history store as it happens.

    The session's row is written at its start (status ``running``) and again
    each time an exercise completes, so a crash loses at most the exercise in
    progress; at the end it becomes ``completed`` or ``partial``. Every write
    is of the whole session, so a write that fails is made good by the next
    one; if the last one fails, the session is spooled to a file that the
    next coach adds to the history. Failures are reported through ``warn``
    and never stop the session.
    """

    def __init__(
        self,
        store: HistoryStore,
        *,
        day_start: time = DEFAULT_DAY_START,
        warn: Callable[[str], None] = _warn,
    ) -> None:
        self.store = store
        self.day_start = day_start
        self.warn = warn
        self.record: SessionRecord | None = None
        """The session as recorded so far (None until it starts)."""
        self._timeline: Timeline | None = None
        self._loaded: LoadedProgram | None = None
        self._step_units: list[list[str]] = []
        self._claim: SessionClaim | None = None
        self._reps: list[set[int]] = []
        self._sets: list[set[int]] = []
        self._skipped: list[set[int]] = []
        self._paused_seconds = 0.0
        self._unsaved = False
        self._pending_checkin: dict[str, object] = {}
        self._writer: _BackgroundWriter | None = None
        self._finished = False
        self._kept: int | None = None
        """Exercises done in the last copy the history took (None: none taken yet)."""

    def start(self, loaded: LoadedProgram) -> None:
        """Remember the program; the row is written when the engine says it started."""
        self._loaded = loaded
        self._timeline = build_timeline(loaded.program)
        self._step_units = step_completions(self._timeline)
        count = len(loaded.program.exercises)
        self._reps = [set() for _ in range(count)]
        self._sets = [set() for _ in range(count)]
        self._skipped = [set() for _ in range(count)]
        try:
            self.store.reap_abandoned()
        except HistoryError as error:
            self.warn(str(error))

    def checkin(
        self,
        *,
        pain_before: int | None = None,
        pain_after: int | None = None,
        note: str | None = None,
        symptoms_before: dict[str, int] | None = None,
        symptoms_after: dict[str, int] | None = None,
    ) -> None:
        """Add the check-in: before the session starts, during it, or after it ended.

        ``symptoms_before``/``symptoms_after`` are the ratings of a version 2
        check-in (``ask``); pain among them is kept as ``pain_before``/``pain_after`` too.
        """
        for when, ratings in (("before", symptoms_before), ("after", symptoms_after)):
            if ratings is None:
                continue
            check_symptoms(ratings, f"symptoms_{when}")
            if "pain" in ratings:
                if when == "before":
                    pain_before = ratings["pain"]
                else:
                    pain_after = ratings["pain"]
        check_pain("pain_before", pain_before)
        check_pain("pain_after", pain_after)
        values: dict[str, object] = {
            "pain_before": pain_before,
            "pain_after": pain_after,
            "note": note,
            "symptoms_before": None if symptoms_before is None else dict(symptoms_before),
            "symptoms_after": None if symptoms_after is None else dict(symptoms_after),
        }
        self._pending_checkin.update({k: v for k, v in values.items() if v is not None})
        if self.record is not None:
            self._apply_checkin(self.record)
            if self._finished:
                self._save_or_spool()  # the last word on this session: keep it somewhere
            else:
                self._save()

    def _apply_checkin(self, record: SessionRecord) -> None:
        for key, value in self._pending_checkin.items():
            setattr(record, key, value)

    def __call__(self, event: Event) -> None:
        """Follow the session; write when something worth keeping happened."""
        if isinstance(event, SessionStarted):
            self._begin(event)
            return
        record = self.record
        if record is None:
            return
        match event:
            case Resumed():
                self._paused_seconds += event.paused_seconds
            case RepCompleted(index=int() as index, step=Step() as step):
                self._reps[step.exercise_index].add(index)
            case SetCompleted(index=int() as index, step=Step() as step):
                self._sets[step.exercise_index].add(index)
            case Skipped(index=int(), step=Step()):
                self._note_skipped(event)
            case RestEnded(step=Step() as step):
                exercise = record.exercises[step.exercise_index]
                exercise.rest_waited = round((exercise.rest_waited or 0.0) + event.seconds, 3)
            case ExerciseCompleted(index=int(), step=Step() as step):
                self._update_exercises(record)
                record.exercises[step.exercise_index].completed = True
                record.active_seconds = max(0.0, event.t - self._paused_seconds)
                self._save()

    def decline(self, at: datetime) -> SessionRecord | None:
        """Keep a start declined because of pain (status ``declined``), with the check-in
        given so far, at ``at`` (timezone-aware); call after :meth:`start`, instead of
        running the session. It never counts as done. Returns the record, or None when
        the clock is off the calendar the history keeps."""
        record = self._new_record(at)
        if record is None:
            return None
        record.status = "declined"
        record.ended_at = record.started_at
        record.stop_reason = "declined"
        self.record = record
        self._finished = True
        self._save_or_spool()
        return record

    def _begin(self, event: SessionStarted) -> None:
        started = datetime.fromisoformat(event.started_at)
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        record = self._new_record(started)
        if record is None:
            return
        self.record = record
        try:
            self._claim = self.store.claim(record.id)
        except HistoryError as error:
            self.warn(str(error))
        self._save()

    def _new_record(self, started: datetime) -> SessionRecord | None:
        assert self._loaded is not None and self._timeline is not None, "start() first"
        program = self._loaded.program
        if not EARLIEST <= started.date() <= LATEST:  # the dates import accepts
            # A clock at year 9999 (or 1900) would write a session no command can read.
            self.warn(
                f"this computer's clock says {started:%Y-%m-%d}: the session runs, but it is "
                "not recorded (set the clock, and it will be)"
            )
            return None
        schedule = program.info.schedule
        checkin = program.info.checkin
        record = SessionRecord(
            id=str(uuid.uuid4()),
            program=program.id,
            title=program.title,
            started_at=started,
            utc_offset=utc_offset_seconds(started),
            local_date=local_day(started, self.day_start),
            planned_seconds=self._timeline.total_seconds,
            program_version=program.info.version,
            program_sha256=self._loaded.sha256,
            phase=self._loaded.phase_name,
            program_hash=program_hash(program),
            per_day=None if schedule is None else schedule.paced_per_day,
            per_week=None if schedule is None else schedule.paced_per_week,
            stop_above=None if checkin is None else checkin.stop_above,
            host=socket.gethostname(),
            pid=os.getpid(),
            exercises=[
                ExerciseRecord(
                    exercise=exercise.id,
                    name=exercise.name,
                    position=index,
                    sets_planned=self._planned(index, "set"),
                    reps_planned=self._planned(index, "rep"),
                    load=exercise.load,
                    effort=exercise.effort,
                    hold_seconds=exercise.paced_hold,
                    duration_seconds=exercise.paced_duration,
                )
                for index, exercise in enumerate(program.exercises)
            ],
        )
        self._apply_checkin(record)
        return record

    def _planned(self, exercise_index: int, unit: str) -> int:
        """How many sets (or reps) of an exercise the plan completes."""
        assert self._timeline is not None
        return sum(
            1
            for step, done in zip(self._timeline.steps, self._step_units, strict=True)
            if step.exercise_index == exercise_index and unit in done
        )

    def _note_skipped(self, event: Skipped) -> None:
        assert self._timeline is not None and event.index is not None
        steps = self._timeline.steps
        exercise = steps[event.index].exercise_index
        if event.what == "exercise":
            end = event.index
            while end < len(steps) and steps[end].exercise_index == exercise:
                end += 1
            self._skipped[exercise].update(range(event.index, end))
        else:
            self._skipped[exercise].add(event.index)

    def _update_exercises(self, record: SessionRecord) -> None:
        assert self._loaded is not None
        program = self._loaded.program
        for index, exercise in enumerate(record.exercises):
            exercise.reps_done = len(self._reps[index])
            exercise.sets_done = len(self._sets[index])
            exercise.skipped_steps = len(self._skipped[index])
            if program.exercises[index].ranged:
                # The count done of a ranged exercise (ended early or not): its reps in all,
                # or, paced by duration, its sets.
                counted = program.exercises[index].reps is not None
                exercise.done_count = exercise.reps_done if counted else exercise.sets_done
        record.skipped_steps = sum(len(skipped) for skipped in self._skipped)

    def _save(self, *, final: bool = False) -> bool:
        """Write the whole session; never blocks a session for long.

        During a session a write waits at most :data:`IN_SESSION_PATIENCE` for
        another process's lock (an import can hold it for seconds); if that is
        not enough, this and later writes go to a background thread with its
        own connection, in order, so the timer never stalls. ``final`` writes
        wait for everything and report whether the session is safely stored.
        """
        assert self.record is not None
        if self._writer is not None:
            self._writer.submit(copy.deepcopy(self.record))
            if not final:
                return True
            ok = self._writer.close()
            self._writer = None
            if ok:
                return True
            # The background writer gave up: one last try here, then the spool.
        try:
            self.store.save(self.record, patience=None if final else IN_SESSION_PATIENCE)
        except HistoryError as error:
            if error.busy and not final:
                if not self._unsaved:
                    self.warn(
                        "the history is busy (another coach is writing); saving in the background"
                    )
                self._unsaved = True
                self._writer = _BackgroundWriter(self.store.path)
                self._writer.submit(copy.deepcopy(self.record))
                return True
            if not self._unsaved:
                self.warn(f"{error}; will try again" + ("" if final else " as the session goes on"))
            self._unsaved = True
            return False
        except OSError as error:
            self.warn(f"cannot write the history: {error}")
            self._unsaved = True
            return False
        self._unsaved = False
        self._kept = sum(exercise.completed for exercise in self.record.exercises)
        return True

    def _save_or_spool(self) -> None:
        assert self.record is not None
        if self._save(final=True):
            return
        try:
            where = self.store.spool(self.record)
        except OSError as error:
            total = len(self.record.exercises)
            kept = (
                "nothing of this session was recorded"
                if self._kept is None
                else f"the history keeps this session as it was with {self._kept} of {total} "
                "exercises done (it reads as partial)"
            )
            self.warn(f"could not keep the end of the session anywhere ({error}): {kept}")
        else:
            self.warn(f"kept the session in {where}; it will be added next time")

    def finish(self, result: SessionResult) -> None:
        """The session ended: write it as completed or partial, and let go of its lock."""
        record = self.record
        if record is None:
            return
        self._update_exercises(record)
        # Reaching the end by skipping an exercise is not a completed session: the
        # history, the streak and the report count only what was done as prescribed.
        all_done = all(exercise.completed for exercise in record.exercises)
        record.status = "completed" if result.completed and all_done else "partial"
        record.stop_reason = result.stop_reason
        if result.completed and not all_done:
            record.stop_reason = "skipped"
        # Held to what import accepts (the store holds every write to it too).
        record.active_seconds = min(max(0.0, result.active_seconds), MAX_ACTIVE_SECONDS)
        elapsed = min(max(0.0, result.elapsed_seconds), MAX_ELAPSED_SECONDS)
        record.ended_at = record.started_at + timedelta(seconds=elapsed)
        self._finished = True
        try:
            self._save_or_spool()
        finally:
            if self._claim is not None:
                self._claim.release()
                self._claim = None


def next_day_session(store: HistoryStore, program: str, today: date) -> SessionRecord | None:
    """The session the next-day question asks about, or None when it is not to be asked.

    It is asked before the first session on a later local day than the last one done
    (completed or partial: a declined start did nothing to judge), once: not when a
    session was already done or declined today, nor when it has its answer.
    """
    sessions = store.sessions(program=program, until=today)
    if any(record.local_date == today for record in sessions):
        return None
    done = [record for record in sessions if record.status in ("completed", "partial")]
    if not done or done[-1].next_day is not None:
        return None
    return done[-1]


def answer_next_day(store: HistoryStore, record: SessionRecord, answer: NextDay) -> None:
    """Keep ``answer`` against ``record``, the session it is about (it wins an import
    over the copy without it: it is written later)."""
    if answer not in NEXT_DAY_ANSWERS:
        raise ValueError(f"the next-day answer is better, same or worse (got {answer!r})")
    record.next_day = answer
    store.save(record)


IN_SESSION_PATIENCE = 0.25
"""Seconds a write during a session waits for another process's lock before going to the
background (the engine's timing matters more than the write's)."""


class _BackgroundWriter:
    """Writes snapshots of one session, in order, on a thread with its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: queue.Queue[SessionRecord | None] = queue.Queue()
        self._ok = True
        self._thread = threading.Thread(target=self._work, name="coach-history", daemon=True)
        self._thread.start()

    def submit(self, record: SessionRecord) -> None:
        """Write this snapshot after the ones before it."""
        self._queue.put(record)

    def _work(self) -> None:
        store: HistoryStore | None = None
        try:
            store = HistoryStore(self.path)
            while (record := self._queue.get()) is not None:
                latest = record
                while not self._queue.empty():  # only the newest snapshot matters
                    following = self._queue.get()
                    if following is None:
                        store.save(latest)
                        return
                    latest = following
                store.save(latest)
        except (HistoryError, OSError):
            self._ok = False
        finally:
            if store is not None:
                store.close()

    def close(self) -> bool:
        """Finish the queued writes; whether every one was stored."""
        self._queue.put(None)
        self._thread.join()
        return self._ok
