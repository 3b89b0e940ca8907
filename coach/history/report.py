"""``coach report``'s numbers: adherence per phase and per week, symptoms, doses, exercises.

:func:`build_report` reads the sessions (:class:`~coach.history.records.SessionRecord`)
and what each program file prescribes (:class:`~coach.history.prescribed.ProgramFacts`),
and returns a :class:`Report` of plain numbers that the writers
(:mod:`coach.history.report_html`, :mod:`coach.history.report_md`,
:mod:`coach.history.report_csv`) only lay out. Weeks run Monday to Sunday
everywhere. Each day is judged by the schedule in force on it
(:func:`coach.history.calendar.scheduled_adherence`), only inside the
prescription's dates and the report's period, and never after today.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from coach.history.calendar import (
    Adherence,
    DaySchedule,
    Streaks,
    scheduled_adherence,
    week_start,
)
from coach.history.prescribed import ExerciseDose, PhaseFacts, ProgramFacts
from coach.history.records import SYMPTOMS, SessionRecord
from coach.history.store import ExerciseDone

DISCLAIMER = (
    "This report lists the exercise sessions recorded by coach, a timer for exercise "
    "programs. It is a record of what was done, not an assessment or a diagnosis."
)


@dataclass(frozen=True)
class PhaseAdherence:
    """Sessions done against prescribed in one phase (``phase`` None: days in no phase)."""

    phase: str | None
    first_day: date
    last_day: date
    schedule: str
    adherence: Adherence
    doses: tuple[ExerciseDose, ...] = ()


@dataclass(frozen=True)
class WeekCount:
    """One Monday week of one program."""

    monday: date
    completed: int
    """Completed sessions that week (all of them)."""
    counted: int
    """Those that count toward the prescription (at most what it asks, on its days)."""
    prescribed: int


@dataclass(frozen=True)
class SymptomSeries:
    """One symptom of one program: each session's rating and each week's median."""

    symptom: str
    limit: int | None
    points: list[tuple[date, int | None, int | None]]
    """(day, before, after) for each session that rated it, in order."""
    weekly: list[tuple[date, float | None, float | None]]
    """(Monday, median before, median after) for each week with a rating."""
    above: int
    """Sessions with a rating above the limit (before or after)."""

    def trend(self) -> str:
        """``before: median 5 in the first week, 2 in the last; 3 sessions above 5``."""
        parts = []
        columns = (
            ("before", [b for _, b, _ in self.weekly if b is not None]),
            ("after", [a for _, _, a in self.weekly if a is not None]),
        )
        for label, values in columns:
            if values:
                first, last = values[0], values[-1]
                if len(values) == 1:
                    parts.append(f"{label}: median {number(first)}")
                else:
                    parts.append(
                        f"{label}: median {number(first)} in the first week, "
                        f"{number(last)} in the last"
                    )
        text = "; ".join(parts) if parts else "no ratings"
        if self.limit is not None:
            noun = "session" if self.above == 1 else "sessions"
            text += f"; {self.above} {noun} above the limit of {self.limit}"
        return text


@dataclass(frozen=True)
class ExerciseSummary:
    """One exercise of one program over the report's sessions (declined ones left out)."""

    exercise: str
    name: str
    prescribed: list[str]
    """Its dose, per phase it was done in: ``Strength: 2 x 10 reps, hold 4s``."""
    sessions: int
    """Sessions that included it."""
    completed: int
    """Sessions in which it was completed."""
    skipped: int
    """Sessions in which some of it was skipped."""
    sets_done: int
    sets_planned: int
    reps_done: int
    reps_planned: int
    seconds_done: float | None
    """For an exercise timed by duration: seconds of work done (sets done x the dose)."""
    seconds_planned: float | None
    counts: list[int]
    """For a ranged exercise: the count done in each session that recorded one."""
    loads: list[tuple[str, int]]
    """Each load used and in how many sessions."""
    rest_waited: float = 0.0
    """Seconds taken in its as-needed rests, over :attr:`rest_sessions` sessions."""
    rest_sessions: int = 0
    per_side: bool = False
    """Whether its dose is done on each side (so its counts are of both sides)."""


@dataclass(frozen=True)
class ProgramReport:
    """One program's part of the report."""

    program: str
    title: str
    versions: list[str]
    """The program versions the sessions record, oldest first."""
    facts: ProgramFacts | None
    """What the file prescribes, or None when it is gone from the library."""
    completed: int
    partial: int
    declined: int
    minutes: float
    first_day: date
    last_day: date
    in_force: str
    """The schedule in force on the report's last day."""
    phases: list[PhaseAdherence]
    overall: Adherence | None
    weeks: list[WeekCount]
    symptoms: list[SymptomSeries]
    exercises: list[ExerciseSummary]

    @property
    def dose_changes(self) -> bool:
        """Whether phases give different doses (so a dose-over-time chart says something)."""
        if self.facts is None or not self.facts.phases:
            return False
        texts = {tuple(d.text for d in phase.doses) for phase in self.facts.phases}
        return len(texts) > 1


@dataclass(frozen=True)
class Report:
    """What ``coach report`` says."""

    start: date
    end: date
    generated_at: datetime
    streaks: Streaks
    patients: list[str]
    prescribers: list[str]
    active_days: int
    completed: int
    partial: int
    declined: int
    minutes: float
    programs: list[ProgramReport]
    sessions: list[SessionRecord] = field(default_factory=list)
    """Every session in the period, oldest first (the appendix)."""
    exercise_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    """For each session id: (exercises completed, exercises)."""

    @property
    def period(self) -> str:
        """``2026-11-23 to 2027-01-03``."""
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    @functools.cached_property
    def annotated(self) -> list[SessionRecord]:
        """The sessions with a note or a next-day answer (found once: each format asks
        twice, and the sessions may be years of them)."""
        return [s for s in self.sessions if s.note or s.next_day is not None]


def number(value: float) -> str:
    """``4``, ``4.5``: a median as a person writes it."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _median(values: list[int]) -> float | None:
    return None if not values else float(statistics.median(values))


def ratings(record: SessionRecord, symptom: str) -> tuple[int | None, int | None]:
    """``record``'s rating of ``symptom`` before and after (pain also from its own columns)."""
    before = None if record.symptoms_before is None else record.symptoms_before.get(symptom)
    after = None if record.symptoms_after is None else record.symptoms_after.get(symptom)
    if symptom == "pain":
        before = record.pain_before if before is None else before
        after = record.pain_after if after is None else after
    return before, after


def rated(record: SessionRecord) -> bool:
    """Whether ``record`` holds any rating (most of a history may hold none: quicker
    to ask than :func:`ratings` for each symptom)."""
    return bool(
        record.pain_before is not None
        or record.pain_after is not None
        or record.symptoms_before
        or record.symptoms_after
    )


def _symptoms(sessions: Sequence[SessionRecord], facts: ProgramFacts | None) -> list[SymptomSeries]:
    asked: list[str] = list(facts.asked) if facts is not None else []
    rated_sessions = [record for record in sessions if rated(record)]
    for record in rated_sessions:  # and any the sessions rated (an older version's, say)
        for symptom in SYMPTOMS:
            if symptom not in asked and ratings(record, symptom) != (None, None):
                asked.append(symptom)
    result = []
    for symptom in asked:
        limit = None
        if facts is not None:
            limit = facts.limits.get(symptom)
        elif symptom == "pain":
            limit = next((r.stop_above for r in reversed(sessions) if r.stop_above), None)
        points = []
        by_week: dict[date, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        above = 0
        for record in rated_sessions:
            before, after = ratings(record, symptom)
            if before is None and after is None:
                continue
            points.append((record.local_date, before, after))
            week = by_week[week_start(record.local_date)]
            if before is not None:
                week[0].append(before)
            if after is not None:
                week[1].append(after)
            if limit is not None and any(v is not None and v > limit for v in (before, after)):
                above += 1
        if not points:
            continue
        weekly = [
            (monday, _median(values[0]), _median(values[1]))
            for monday, values in sorted(by_week.items())
        ]
        result.append(SymptomSeries(symptom, limit, points, weekly, above))
    return result


def exercises_done(
    records: Sequence[SessionRecord],
) -> tuple[list[ExerciseDone], dict[str, tuple[int, int]]]:
    """:meth:`HistoryStore.exercises_done <coach.history.store.HistoryStore.exercises_done>`
    worked out from sessions read with their exercises."""
    groups: dict[tuple[str, str, str | None, str | None], list[tuple[SessionRecord, int]]] = (
        defaultdict(list)
    )
    counts: dict[str, tuple[int, int]] = {}
    for record in records:
        counts[record.id] = (sum(e.completed for e in record.exercises), len(record.exercises))
        if record.status == "declined":
            continue
        for index, exercise in enumerate(record.exercises):
            key = (record.program, exercise.exercise, record.phase, exercise.load)
            groups[key].append((record, index))
    done = []
    for (program, exercise_id, phase, load), rows in groups.items():
        exercises = [record.exercises[index] for record, index in rows]
        done.append(
            ExerciseDone(
                program=program,
                exercise=exercise_id,
                name=max(e.name for e in exercises),
                position=min(e.position for e in exercises),
                phase=phase,
                load=load,
                first_day=min(record.local_date for record, _ in rows),
                sessions=len(rows),
                completed=sum(e.completed for e in exercises),
                skipped=sum(e.skipped_steps > 0 for e in exercises),
                sets_done=sum(e.sets_done for e in exercises),
                sets_planned=sum(e.sets_planned for e in exercises),
                reps_done=sum(e.reps_done for e in exercises),
                reps_planned=sum(e.reps_planned for e in exercises),
                counts=tuple(e.done_count for e in exercises if e.done_count is not None),
                paced_seconds_done=sum(
                    e.sets_done * e.duration_seconds
                    for e in exercises
                    if e.duration_seconds is not None
                ),
                paced_seconds_planned=sum(
                    e.sets_planned * e.duration_seconds
                    for e in exercises
                    if e.duration_seconds is not None
                ),
                paced_sessions=sum(e.duration_seconds is not None for e in exercises),
                unpaced_sets_done=sum(e.sets_done for e in exercises if e.duration_seconds is None),
                unpaced_sets_planned=sum(
                    e.sets_planned for e in exercises if e.duration_seconds is None
                ),
                rest_waited=sum(e.rest_waited or 0.0 for e in exercises),
                rest_sessions=sum(e.rest_waited is not None for e in exercises),
            )
        )
    return done, counts


def _exercises(rows: Sequence[ExerciseDone], facts: ProgramFacts | None) -> list[ExerciseSummary]:
    by_exercise: dict[str, list[ExerciseDone]] = defaultdict(list)
    for row in rows:
        by_exercise[row.exercise].append(row)
    result = []
    for exercise_id, parts in sorted(
        by_exercise.items(), key=lambda item: (min(r.position for r in item[1]), item[0])
    ):
        parts.sort(key=lambda row: row.first_day)
        prescribed: list[str] = []
        seconds_done = 0.0
        seconds_planned = 0.0
        timed = False
        per_side = False
        loads: Counter[str] = Counter()
        for row in parts:
            if row.load:
                loads[row.load] += row.sessions
            if row.paced_sessions:  # the duration each session paced (schema 7)
                timed = True
                seconds_done += row.paced_seconds_done
                seconds_planned += row.paced_seconds_planned
            dose = None if facts is None else facts.doses(row.phase).get(exercise_id)
            if dose is None:
                continue
            per_side = per_side or dose.per_side
            line = dose.text if row.phase is None else f"{row.phase}: {dose.text}"
            if line not in prescribed:
                prescribed.append(line)
            if dose.duration is not None:  # older sessions: the phase's duration
                timed = True
                seconds_done += row.unpaced_sets_done * dose.duration
                seconds_planned += row.unpaced_sets_planned * dose.duration
        result.append(
            ExerciseSummary(
                exercise=exercise_id,
                name=parts[-1].name,
                prescribed=prescribed,
                sessions=sum(row.sessions for row in parts),
                completed=sum(row.completed for row in parts),
                skipped=sum(row.skipped for row in parts),
                sets_done=sum(row.sets_done for row in parts),
                sets_planned=sum(row.sets_planned for row in parts),
                reps_done=sum(row.reps_done for row in parts),
                reps_planned=sum(row.reps_planned for row in parts),
                seconds_done=seconds_done if timed else None,
                seconds_planned=seconds_planned if timed else None,
                counts=[count for row in parts for count in row.counts],
                loads=sorted(loads.items(), key=lambda item: (-item[1], item[0])),
                rest_waited=sum(row.rest_waited for row in parts),
                rest_sessions=sum(row.rest_sessions for row in parts),
                per_side=per_side,
            )
        )
    return result


def _recorded_schedule(sessions: Sequence[SessionRecord]) -> Callable[[date], DaySchedule | None]:
    """A program without its file: the schedule recorded with its latest session, every day."""
    latest = sessions[-1]
    if latest.per_day is None and latest.per_week is None:
        return lambda day: None
    schedule = DaySchedule(per_day=latest.per_day, per_week=latest.per_week)
    return lambda day: schedule


def _segments(
    schedule_on: Callable[[date], DaySchedule | None],
    key: Callable[[date], object],
    begin: date,
    end: date,
) -> list[tuple[object, date, date]]:
    """Runs of days from ``begin`` to ``end`` with a schedule, split where ``key`` changes."""
    result: list[tuple[object, date, date]] = []
    day = begin
    while day <= end:
        if schedule_on(day) is None:
            day += timedelta(days=1)
            continue
        value = key(day)
        if result and result[-1][0] == value and result[-1][2] == day - timedelta(days=1):
            result[-1] = (value, result[-1][1], day)
        else:
            result.append((value, day, day))
        day += timedelta(days=1)
    return result


def _sum(weeks: Sequence[Adherence], first: date, last: date) -> Adherence:
    return Adherence(
        first, last, sum(week.done for week in weeks), sum(week.prescribed for week in weeks)
    )


def _program(
    sessions: list[SessionRecord],
    exercise_rows: Sequence[ExerciseDone],
    facts: ProgramFacts | None,
    *,
    start: date,
    end: date,
    today: date,
    rest_days: Collection[int],
) -> ProgramReport:
    latest = sessions[-1]
    # One pass over what may be years of sessions, for every count below.
    per_day: Counter[date] = Counter()  # completed sessions on each day
    partial = declined = 0
    seconds = 0.0
    first_session = latest.local_date
    versions: dict[str, None] = {}  # in the order first seen
    for record in sessions:
        if record.status == "completed":
            per_day[record.local_date] += 1
        elif record.status == "declined":
            declined += 1
        else:  # partial, or running (a session still going)
            partial += 1
        seconds += record.active_seconds
        first_session = min(first_session, record.local_date)
        if record.program_version:
            versions[record.program_version] = None
    schedule_on = facts.schedule_on if facts is not None else _recorded_schedule(sessions)
    # A prescription is judged from its start; a program without one from its first session.
    begin = start if facts is not None and facts.start is not None else max(start, first_session)
    last = min(end, today)
    phases: list[PhaseAdherence] = []
    weeks: list[WeekCount] = []
    overall = None
    if facts is not None and not facts.scheduled:
        # Nothing is ever prescribed: the weeks' counts alone (no day to judge).
        by_week = Counter(week_start(day) for day, count in per_day.items() for _ in range(count))
        weeks = [
            WeekCount(monday, count, 0, 0)
            for monday, count in sorted(by_week.items())
            if begin <= monday + timedelta(days=6) and monday <= last
        ]
    elif begin <= last:
        by_phase = _segments(
            schedule_on,
            (
                lambda day: (
                    None if facts is None else (p.name if (p := facts.phase_on(day)) else None)
                )
            ),
            begin,
            last,
        )
        for name, first, final in by_phase:
            judged = scheduled_adherence(per_day, schedule_on, first, final, rest_days)
            total = _sum(judged, first, final)
            if total.prescribed == 0 and not any(per_day.get(d, 0) for d in _days(first, final)):
                continue  # as needed, or days the schedule leaves out: nothing to judge
            facts_phase = (
                None if facts is None else next((p for p in facts.phases if p.name == name), None)
            )
            schedule = schedule_on(first)
            phases.append(
                PhaseAdherence(
                    phase=name if isinstance(name, str) else None,
                    first_day=first,
                    last_day=final,
                    schedule="no schedule" if schedule is None else schedule.describe(),
                    adherence=total,
                    doses=_phase_doses(facts, facts_phase),
                )
            )
        judged_weeks = scheduled_adherence(per_day, schedule_on, begin, last, rest_days)
        for week in judged_weeks:
            monday = week_start(week.start)
            completed = sum(per_day.get(day, 0) for day in _days(week.start, week.end))
            if week.prescribed or completed:
                weeks.append(WeekCount(monday, completed, week.done, week.prescribed))
        prescribed = sum(phase.adherence.prescribed for phase in phases)
        if prescribed:
            overall = Adherence(
                begin, last, sum(phase.adherence.done for phase in phases), prescribed
            )
    now = schedule_on(end)
    if now is not None:
        in_force = now.describe()
    elif facts is not None and facts.last_day is not None and end > facts.last_day:
        in_force = f"none: the prescription ended on {facts.last_day.isoformat()}"
    else:
        in_force = "no schedule"
    return ProgramReport(
        program=latest.program,
        title=latest.title if facts is None else facts.title,
        versions=list(versions),
        facts=facts,
        completed=per_day.total(),
        partial=partial,
        declined=declined,
        minutes=seconds / 60,
        first_day=first_session,
        last_day=latest.local_date,
        in_force=in_force,
        phases=phases,
        overall=overall,
        weeks=weeks,
        symptoms=_symptoms(sessions, facts),
        exercises=_exercises(exercise_rows, facts),
    )


def _phase_doses(facts: ProgramFacts | None, phase: PhaseFacts | None) -> tuple[ExerciseDose, ...]:
    if facts is None:
        return ()
    return facts.written.doses if phase is None else phase.doses


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def build_report(
    records: Sequence[SessionRecord],
    *,
    start: date | None,
    end: date | None = None,
    today: date,
    streaks: Streaks,
    generated_at: datetime,
    rest_days: Collection[int] = (),
    facts: Mapping[str, ProgramFacts] | None = None,
    exercises: tuple[Sequence[ExerciseDone], Mapping[str, tuple[int, int]]] | None = None,
) -> Report:
    """The report over ``records`` (already limited to the period and the programs asked).

    ``start`` defaults to the first session, ``end`` to ``today``. ``facts``
    gives, per program id, what its file prescribes; a program without (its
    file is gone) is judged by the schedule its latest session recorded.
    ``exercises`` gives what was done of each exercise over the same sessions
    (:meth:`~coach.history.store.HistoryStore.exercises_done`); without it, it is
    worked out from the records' exercises (:func:`exercises_done`).
    """
    records = [r for r in records if (start is None or r.local_date >= start)]
    records = [r for r in records if end is None or r.local_date <= end]
    known = facts or {}
    if start is None:
        # Everything: from the first session, or a prescription's start if earlier.
        starts = [f.start for f in known.values() if f.start is not None]
        starts += [record.local_date for record in records[:1]]
        start = min(starts, default=today)
    end = today if end is None else end
    by_program: dict[str, list[SessionRecord]] = defaultdict(list)
    for record in records:
        by_program[record.program].append(record)
    rows, done_counts = exercises_done(records) if exercises is None else exercises
    rows_by_program: dict[str, list[ExerciseDone]] = defaultdict(list)
    for row in rows:
        rows_by_program[row.program].append(row)
    programs = [
        _program(
            sessions,
            rows_by_program.get(program, []),
            known.get(program),
            start=start,
            end=end,
            today=today,
            rest_days=rest_days,
        )
        for program, sessions in sorted(
            by_program.items(), key=lambda item: (-len(item[1]), item[0])
        )
    ]
    patients: list[str] = []
    prescribers: list[str] = []
    for report in programs:
        if report.facts is None:
            continue
        if report.facts.patient and report.facts.patient not in patients:
            patients.append(report.facts.patient)
        if report.facts.prescribed_by and report.facts.prescribed_by not in prescribers:
            prescribers.append(report.facts.prescribed_by)
    completed = sum(record.status == "completed" for record in records)
    declined = sum(record.status == "declined" for record in records)
    return Report(
        start=start,
        end=end,
        generated_at=generated_at,
        streaks=streaks,
        patients=patients,
        prescribers=prescribers,
        active_days=len({r.local_date for r in records if r.status == "completed"}),
        completed=completed,
        partial=len(records) - completed - declined,
        declined=declined,
        minutes=sum(record.active_seconds for record in records) / 60,
        programs=programs,
        sessions=list(records),
        exercise_counts=dict(done_counts),
    )
