"""History as text: ``coach history`` (table, JSON, CSV) and ``coach report`` (Markdown, HTML).

Everything here reads :class:`~coach.history.store.SessionRecord` lists and
:class:`~coach.history.store.Progress`; it never touches the database. Text that
came from program files or notes is data: control characters are made
visible, HTML is escaped, Markdown's special characters are escaped, and a
CSV cell that a spreadsheet would run as a formula is quoted.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coach.history.calendar import (
    Adherence,
    DaySchedule,
    Streaks,
    daily_adherence,
    scheduled_adherence,
    weekly_adherence,
)
from coach.history.records import SessionRecord, safe_text
from coach.history.store import Progress
from coach.program.durations import format_clock
from coach.text import json_text

# --------------------------------------------------------------------------- dates

_RELATIVE = re.compile(r"^(\d+)\s*([dwmy])$")


def parse_since(text: str, today: date) -> date:
    """``2026-01-31``, ``today``, ``yesterday``, or ``7d`` / ``4w`` / ``3m`` / ``1y`` ago.

    Raises ValueError with a message for a person.
    """
    value = text.strip().lower()
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    match = _RELATIVE.match(value)
    if match:
        count = int(match[1])
        days = {"d": 1, "w": 7, "m": 30, "y": 365}[match[2]] * count
        try:
            return today - timedelta(days=days)
        except OverflowError:
            raise ValueError(f"{text!r} goes back further than the calendar does") from None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: write YYYY-MM-DD, today, yesterday, or a span such as "
            "7d, 4w, 3m or 1y (that long ago)"
        ) from None


# --------------------------------------------------------------------------- coach history


def history_json(records: Sequence[SessionRecord]) -> str:
    """A JSON list of sessions."""
    return json_text([record.to_json() for record in records], indent=2)


def _exercises_done(record: SessionRecord) -> str:
    done = sum(exercise.completed for exercise in record.exercises)
    return f"{done}/{len(record.exercises)}"


def _pain(record: SessionRecord) -> str:
    if record.pain_before is None and record.pain_after is None:
        return "-"

    def show(value: int | None) -> str:
        return "?" if value is None else str(value)

    return f"{show(record.pain_before)}->{show(record.pain_after)}"


def history_table(records: Sequence[SessionRecord]) -> str:
    """Sessions as an aligned table for a terminal."""
    if not records:
        return "No sessions recorded yet.\n"
    rows = [("DATE", "TIME", "PROGRAM", "STATUS", "ACTIVE", "EXERCISES", "PAIN", "NOTE")]
    for record in records:
        started = record.started_at.astimezone(record.local_zone)
        rows.append(
            (
                record.local_date.isoformat(),
                started.strftime("%H:%M"),
                safe_text(record.program),
                record.status,
                format_clock(record.active_seconds),
                _exercises_done(record),
                _pain(record),
                _shorten(safe_text(record.note), 30),
            )
        )
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    completed = sum(record.status == "completed" for record in records)
    minutes = sum(record.active_seconds for record in records) / 60
    lines.append("")
    lines.append(f"{len(records)} sessions ({completed} completed), {minutes:.0f} min of exercise")
    return "\n".join(lines) + "\n"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A CSV text cell a spreadsheet will show, not run (OWASP's advice), with no controls."""
    return (
        "'" + safe_text(text, newlines=True)
        if text.startswith(_FORMULA_START)
        else safe_text(text, newlines=True)
    )


def history_csv(records: Sequence[SessionRecord]) -> str:
    """One row per session, with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "id",
            "program",
            "title",
            "status",
            "started_at",
            "ended_at",
            "local_date",
            "active_seconds",
            "exercises_completed",
            "exercises",
            "skipped_steps",
            "pain_before",
            "pain_after",
            "note",
        ]
    )
    for record in records:
        data = record.to_json()
        writer.writerow(
            [
                _cell(record.id),
                _cell(record.program),
                _cell(record.title),
                record.status,
                data["started_at"],
                data["ended_at"] or "",
                data["local_date"],
                data["active_seconds"],
                sum(exercise.completed for exercise in record.exercises),
                len(record.exercises),
                record.skipped_steps,
                "" if record.pain_before is None else record.pain_before,
                "" if record.pain_after is None else record.pain_after,
                _cell(record.note),
            ]
        )
    return out.getvalue()


# --------------------------------------------------------------------------- coach report


@dataclass(frozen=True)
class ProgramReport:
    """One program's part of the report."""

    program: str
    title: str
    per_day: int | None
    per_week: int | None
    completed: int
    partial: int
    minutes: float
    last_day: date
    weeks: list[Adherence]
    """Adherence per week, when the program has a schedule."""
    overall: Adherence | None
    exercises: list[tuple[str, int, int, int]]
    """(name, sessions completed in, sessions included in, reps done)."""
    pain: list[tuple[date, int | None, int | None]]
    stop_above: int | None
    in_force: str | None = None
    """The schedule in force today, from the program file (``as needed``,
    ``2 a day on mon, wed``), or None when the report had only the history."""

    @property
    def schedule(self) -> str:
        """``2 a day``, ``3 a week``, ``as needed`` or ``no schedule``."""
        if self.in_force is not None:
            return self.in_force
        if self.per_day is not None:
            return f"{self.per_day} a day"
        if self.per_week is not None:
            return f"{self.per_week} a week"
        return "no schedule"


@dataclass(frozen=True)
class Report:
    """What ``coach report`` says."""

    start: date
    end: date
    generated_at: datetime
    streaks: Streaks
    active_days: int
    completed: int
    partial: int
    minutes: float
    programs: list[ProgramReport]
    notes: list[tuple[date, str, str]]
    """(day, program title, note)."""
    weeks: list[tuple[date, int, int, float]]
    """(Monday, sessions, completed, minutes) for each week with a session."""


def build_report(
    records: Sequence[SessionRecord],
    progress: Progress,
    *,
    start: date | None,
    today: date,
    streaks: Streaks,
    rest_days: Collection[int] = (),
    generated_at: datetime,
    schedules: Mapping[str, Callable[[date], DaySchedule | None]] | None = None,
) -> Report:
    """Put the report together from the sessions since ``start`` (all when None).

    ``schedules`` gives, for a program id, the schedule in force on each day
    (:func:`coach.history.schedules.schedule_in_force`, from its file): each
    week is then judged by the schedule of its own days, within the
    prescription's dates. A program without one (its file is gone) is judged
    by the schedule recorded with its latest session, as before.
    """
    first = min((record.local_date for record in records), default=today)
    start = first if start is None else start
    by_program: dict[str, list[SessionRecord]] = defaultdict(list)
    for record in records:
        by_program[record.program].append(record)
    exercises_by_program = defaultdict(list)
    for total in progress.exercises:
        exercises_by_program[total.program].append(
            (total.name, total.completed, total.sessions, total.reps_done)
        )
    programs = []
    for program, sessions in sorted(by_program.items(), key=lambda item: (-len(item[1]), item[0])):
        latest = sessions[-1]
        done = [record for record in sessions if record.status == "completed"]
        per_day_counts = Counter(record.local_date for record in done)
        # Adherence runs from the first day this program was done in the period.
        begin = max(start, min(record.local_date for record in sessions))
        weeks: list[Adherence] = []
        overall = None
        in_force = None
        schedule_on = None if schedules is None else schedules.get(program)
        if schedule_on is not None:
            now = schedule_on(today)
            weeks = scheduled_adherence(per_day_counts, schedule_on, begin, today, rest_days)
            weeks = [week for week in weeks if week.prescribed]
            if now is not None:
                in_force = now.describe()
            else:  # after the prescription's end, or a program with no schedule
                in_force = "none today" if weeks else "no schedule"
            if weeks:
                overall = Adherence(
                    begin,
                    today,
                    sum(week.done for week in weeks),
                    sum(week.prescribed for week in weeks),
                )
        elif latest.per_day is not None or latest.per_week is not None:
            weeks = weekly_adherence(
                per_day_counts,
                begin,
                today,
                per_day=latest.per_day,
                per_week=latest.per_week,
                rest_days=rest_days,
            )
            overall = Adherence(
                begin,
                today,
                sum(week.done for week in weeks),
                sum(week.prescribed for week in weeks),
            )
            if latest.per_day is not None:
                # Counting per day keeps an extra session from hiding a missed day.
                days = daily_adherence(per_day_counts, latest.per_day, begin, today, rest_days)
                overall = Adherence(
                    begin,
                    today,
                    sum(day.done for day in days),
                    sum(day.prescribed for day in days),
                )
        programs.append(
            ProgramReport(
                program=program,
                title=latest.title,
                per_day=latest.per_day,
                per_week=latest.per_week,
                completed=len(done),
                partial=len(sessions) - len(done),
                minutes=sum(record.active_seconds for record in sessions) / 60,
                last_day=latest.local_date,
                weeks=weeks,
                overall=overall,
                exercises=exercises_by_program.get(program, []),
                pain=[
                    (record.local_date, record.pain_before, record.pain_after)
                    for record in sessions
                    if record.pain_before is not None or record.pain_after is not None
                ],
                stop_above=latest.stop_above,
                in_force=in_force,
            )
        )
    completed = sum(record.status == "completed" for record in records)
    return Report(
        start=start,
        end=today,
        generated_at=generated_at,
        streaks=streaks,
        active_days=len({r.local_date for r in records if r.status == "completed"}),
        completed=completed,
        partial=len(records) - completed,
        minutes=sum(record.active_seconds for record in records) / 60,
        programs=programs,
        notes=[(record.local_date, record.title, record.note) for record in records if record.note],
        weeks=progress.weeks(),
    )


_DISCLAIMER = (
    "This report lists the exercise sessions recorded by coach, a timer for exercise "
    "programs. It is a record of what was done, not an assessment or a diagnosis."
)


def _percent(adherence: Adherence | None) -> str:
    if adherence is None or adherence.ratio is None:
        return "-"
    return f"{adherence.done}/{adherence.prescribed} ({adherence.ratio:.0%})"


def _pain_value(value: int | None) -> str:
    return "-" if value is None else str(value)


def _limit(report: ProgramReport) -> str:
    if report.stop_above is None:
        return ""
    return f" (the program advises stopping above {report.stop_above})"


def _above(report: ProgramReport, before: int | None, after: int | None) -> bool:
    limit = report.stop_above
    return limit is not None and any(v is not None and v > limit for v in (before, after))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def md(text: str) -> str:
    """Text for Markdown: special characters escaped, control characters visible."""
    return _MD_SPECIAL.sub(r"\\\1", safe_text(text))


def report_markdown(report: Report) -> str:
    """The report as Markdown."""
    lines = [
        "# Exercise adherence report",
        "",
        f"Period: {report.start.isoformat()} to {report.end.isoformat()}  ",
        f"Generated: {report.generated_at.strftime('%Y-%m-%d %H:%M %Z').strip()}",
        "",
        f"_{_DISCLAIMER}_",
        "",
        "## Summary",
        "",
        f"- Sessions completed: {report.completed} (and {report.partial} stopped early)",
        f"- Days with a completed session: {report.active_days}",
        f"- Time exercising: {report.minutes:.0f} min",
        f"- Current streak: {report.streaks.current} days (longest: {report.streaks.longest} days)",
        "",
    ]
    if report.weeks:
        lines += [
            "| Week of | Sessions completed | Stopped early | Minutes |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {monday.isoformat()} | {done} | {total - done} | {minutes:.0f} |"
            for monday, total, done, minutes in report.weeks
        ]
        lines.append("")
    if not report.programs:
        lines += ["No sessions were recorded in this period.", ""]
    for program in report.programs:
        lines += [
            f"## {md(program.title)} ({md(program.program)})",
            "",
            f"- Prescribed: {program.schedule}",
            f"- Done: {program.completed} completed, {program.partial} stopped early, "
            f"{program.minutes:.0f} min; last on {program.last_day.isoformat()}",
            f"- Adherence: {_percent(program.overall)}",
            "",
        ]
        if program.weeks:
            lines += ["| Week of | Done / prescribed |", "|---|---:|"]
            lines += [f"| {week.start.isoformat()} | {_percent(week)} |" for week in program.weeks]
            lines.append("")
        if program.exercises:
            lines += ["| Exercise | Completed in | Reps |", "|---|---:|---:|"]
            lines += [
                f"| {md(name)} | {completed} of {sessions} sessions | {reps} |"
                for name, completed, sessions, reps in program.exercises
            ]
            lines.append("")
        if program.pain:
            lines += [f"Pain, 0-10{_limit(program)}:", ""]
            lines += ["| Date | Before | After | |", "|---|---:|---:|---|"]
            for day, before, after in program.pain:
                flag = "above the program's limit" if _above(program, before, after) else ""
                lines.append(
                    f"| {day.isoformat()} | {_pain_value(before)} | {_pain_value(after)} | {flag} |"
                )
            lines.append("")
    if report.notes:
        lines += ["## Notes", ""]
        lines += [
            f"- {day.isoformat()}, {md(title)}: {md(note)}" for day, title, note in report.notes
        ]
        lines.append("")
    return "\n".join(lines)


def _h(text: str) -> str:
    return html.escape(safe_text(text))


def report_html(report: Report) -> str:
    """The report as a self-contained HTML page."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Exercise adherence report</title>",
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #999;"
        "padding:.2em .6em;text-align:left}td.n{text-align:right}.flag{font-weight:bold}"
        "</style></head><body>",
        "<h1>Exercise adherence report</h1>",
        f"<p>Period: {report.start.isoformat()} to {report.end.isoformat()}<br>"
        f"Generated: {_h(report.generated_at.strftime('%Y-%m-%d %H:%M %Z').strip())}</p>",
        f"<p><em>{_h(_DISCLAIMER)}</em></p>",
        "<h2>Summary</h2><ul>",
        f"<li>Sessions completed: {report.completed} (and {report.partial} stopped early)</li>",
        f"<li>Days with a completed session: {report.active_days}</li>",
        f"<li>Time exercising: {report.minutes:.0f} min</li>",
        f"<li>Current streak: {report.streaks.current} days (longest: "
        f"{report.streaks.longest} days)</li></ul>",
    ]
    if report.weeks:
        parts.append(
            "<table><tr><th>Week of</th><th>Sessions completed</th><th>Stopped early</th>"
            "<th>Minutes</th></tr>"
        )
        parts += [
            f'<tr><td>{monday.isoformat()}</td><td class="n">{done}</td>'
            f'<td class="n">{total - done}</td><td class="n">{minutes:.0f}</td></tr>'
            for monday, total, done, minutes in report.weeks
        ]
        parts.append("</table>")
    if not report.programs:
        parts.append("<p>No sessions were recorded in this period.</p>")
    for program in report.programs:
        parts += [
            f"<h2>{_h(program.title)} ({_h(program.program)})</h2><ul>",
            f"<li>Prescribed: {_h(program.schedule)}</li>",
            f"<li>Done: {program.completed} completed, {program.partial} stopped early, "
            f"{program.minutes:.0f} min; last on {program.last_day.isoformat()}</li>",
            f"<li>Adherence: {_h(_percent(program.overall))}</li></ul>",
        ]
        if program.weeks:
            parts.append("<table><tr><th>Week of</th><th>Done / prescribed</th></tr>")
            parts += [
                f'<tr><td>{week.start.isoformat()}</td><td class="n">{_h(_percent(week))}</td></tr>'
                for week in program.weeks
            ]
            parts.append("</table>")
        if program.exercises:
            parts.append("<table><tr><th>Exercise</th><th>Completed in</th><th>Reps</th></tr>")
            parts += [
                f'<tr><td>{_h(name)}</td><td class="n">{completed} of {sessions} sessions</td>'
                f'<td class="n">{reps}</td></tr>'
                for name, completed, sessions, reps in program.exercises
            ]
            parts.append("</table>")
        if program.pain:
            parts.append(f"<p>Pain, 0-10{_limit(program)}:</p>")
            parts.append("<table><tr><th>Date</th><th>Before</th><th>After</th><th></th></tr>")
            for day, before, after in program.pain:
                flag = "above the program's limit" if _above(program, before, after) else ""
                parts.append(
                    f'<tr><td>{day.isoformat()}</td><td class="n">{_pain_value(before)}</td>'
                    f'<td class="n">{_pain_value(after)}</td><td class="flag">{flag}</td></tr>'
                )
            parts.append("</table>")
    if report.notes:
        parts.append("<h2>Notes</h2><ul>")
        parts += [
            f"<li>{day.isoformat()}, {_h(title)}: {_h(note)}</li>"
            for day, title, note in report.notes
        ]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
