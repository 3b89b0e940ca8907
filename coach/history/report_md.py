"""``coach report --format md``: the report as Markdown that reads as plain text too.

The same parts as the HTML page, in the same order (summary first, the
session list last), with the charts' numbers as tables. Every text from a
program file or a note goes through :func:`coach.history.report_text.md`.
"""

from __future__ import annotations

from collections.abc import Sequence

from coach.history.records import SessionRecord
from coach.history.report import DISCLAIMER, ProgramReport, Report, number
from coach.history.report_text import (
    counts_text,
    done_text,
    dose_summary,
    exercises_done_text,
    generated_text,
    loads_text,
    local_time,
    md,
    percent,
    prescription_text,
    rest_text,
    sentence,
    streak_text,
    symptoms_text,
    versions_text,
)
from coach.program.durations import format_clock


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _summary(report: Report) -> list[str]:
    lines = [
        "## Summary",
        "",
        f"- Sessions completed: {report.completed} ({report.partial} stopped early, "
        f"{report.declined} declined)",
        f"- Days with a completed session: {report.active_days}",
        f"- Time exercising: {report.minutes:.0f} min",
        f"- Current streak: {streak_text(report)}",
        "",
    ]
    if not report.programs:
        return [*lines, "No sessions were recorded in this period.", ""]
    lines += [
        _row("Program", "Versions", "Prescribed", "Phase", "Schedule", "Dose", "Done / prescribed"),
        "|---|---|---|---|---|---|---:|",
    ]
    for program in report.programs:
        first = [
            f"{md(program.title)} ({md(program.program)})",
            md(versions_text(program)),
            md(prescription_text(program)),
        ]
        if not program.phases:
            lines.append(_row(*first, "-", md(program.in_force), "-", "-"))
            continue
        for index, phase in enumerate(program.phases):
            lines.append(
                _row(
                    *(first if index == 0 else ["", "", ""]),
                    md(phase.phase or "-"),
                    md(phase.schedule),
                    dose_summary(phase.doses, md),
                    percent(phase.adherence),
                )
            )
        if len(program.phases) > 1:
            lines.append(_row("", "", "", "All phases", "", "", percent(program.overall)))
    lines.append("")
    trends = [
        f"- {md(program.title)}, {series.symptom}: {md(series.trend())}"
        for program in report.programs
        for series in program.symptoms
    ]
    if trends:
        lines += ["Symptom trend (0-10, weekly medians):", "", *trends, ""]
    return lines


def _program(program: ProgramReport) -> list[str]:
    lines = [
        f"## {md(program.title)} ({md(program.program)})",
        "",
        f"- Prescription: {md(prescription_text(program))}",
        f"- Versions recorded: {md(versions_text(program))}",
        f"- Sessions: {program.completed} completed, {program.partial} stopped early, "
        f"{program.declined} declined, {program.minutes:.0f} min; "
        f"{program.first_day} to {program.last_day}",
        f"- Adherence: {percent(program.overall)}",
        "",
    ]
    if program.phases:
        lines += [
            "### Adherence by phase",
            "",
            _row("Phase", "Days", "Schedule", "Dose", "Done / prescribed"),
            "|---|---|---|---|---:|",
        ]
        for phase in program.phases:
            dose = "; ".join(f"{md(d.name)}: {md(d.text)}" for d in phase.doses) or "-"
            lines.append(
                _row(
                    md(phase.phase or "-"),
                    f"{phase.first_day} to {phase.last_day}",
                    md(phase.schedule),
                    dose,
                    percent(phase.adherence),
                )
            )
        lines.append("")
    if program.weeks:
        lines += [
            "### Sessions per week",
            "",
            _row("Week of (Monday)", "Completed", "Counted / prescribed"),
            "|---|---:|---:|",
        ]
        lines += [
            _row(str(week.monday), str(week.completed), f"{week.counted}/{week.prescribed}")
            for week in program.weeks
        ]
        lines.append("")
    for series in program.symptoms:
        limit = "" if series.limit is None else f", limit {series.limit}"
        lines += [
            f"### {series.symptom.capitalize()} (0-10{limit})",
            "",
            sentence(md(series.trend())),
            "",
            _row("Week of (Monday)", "Median before", "Median after"),
            "|---|---:|---:|",
        ]
        lines += [
            _row(
                str(monday),
                "-" if before is None else number(before),
                "-" if after is None else number(after),
            )
            for monday, before, after in series.weekly
        ]
        lines.append("")
    if program.exercises:
        lines += [
            "### Exercises",
            "",
            _row(
                *("Exercise", "Prescribed", "Completed in", "Done", "Count done", "Load"),
                *("Skipped in", "As-needed rests"),
            ),
            "|---|---|---:|---|---|---|---:|---|",
        ]
        for exercise in program.exercises:
            lines.append(
                _row(
                    md(exercise.name),
                    "; ".join(md(line) for line in exercise.prescribed) or "-",
                    f"{exercise.completed} of {exercise.sessions}",
                    done_text(exercise),
                    counts_text(exercise),
                    md(loads_text(exercise)),
                    str(exercise.skipped),
                    rest_text(exercise),
                )
            )
        lines.append("")
    return lines


def _sessions(
    report: Report, title: str, sessions: Sequence[SessionRecord], *, full: bool
) -> list[str]:
    if not sessions:
        return []
    if full:
        header = _row(
            "Date",
            "Time",
            "Program",
            "Phase",
            "Status",
            "Active",
            "Exercises",
            "Symptoms",
            "Next day",
            "Note",
        )
        rule = "|---|---|---|---|---|---:|---:|---|---|---|"
    else:
        header = _row("Date", "Time", "Program", "Symptoms", "Next day", "Note")
        rule = "|---|---|---|---|---|---|"
    lines = [title, "", header, rule]
    for record in sessions:
        common = [str(record.local_date), local_time(record), md(record.program)]
        tail = [symptoms_text(record), record.next_day or "-", md(record.note) or "-"]
        if full:
            middle = [
                md(record.phase or "-"),
                record.status,
                format_clock(record.active_seconds),
                exercises_done_text(report, record),
            ]
            lines.append(_row(*common, *middle, *tail))
        else:
            lines.append(_row(*common, *tail))
    return [*lines, ""]


def report_markdown(report: Report) -> str:
    """The whole report as Markdown."""
    who = []
    if report.patients:
        who.append(f"Patient: {md(', '.join(report.patients))}  ")
    if report.prescribers:
        who.append(f"Prescribed by: {md(', '.join(report.prescribers))}  ")
    lines = [
        "# Exercise report",
        "",
        *who,
        f"Period: {report.period} (weeks run Monday to Sunday)  ",
        f"Generated: {generated_text(report.generated_at)}",
        "",
        f"_{DISCLAIMER}_",
        "",
        *_summary(report),
    ]
    for program in report.programs:
        lines += _program(program)
    lines += _sessions(report, "## Notes and next-day answers", report.annotated, full=False)
    lines += _sessions(report, "## Appendix: every session", report.sessions, full=True)
    return "\n".join(lines).rstrip("\n") + "\n"
