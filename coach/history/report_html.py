"""``coach report --format html``: one self-contained page, to read on screen or print.

The first page is what a clinician reads in a minute: who, the prescription's
dates, each program's versions and adherence per phase, the streak, the
symptom trend, and the charts (:mod:`coach.history.report_charts`). Then each
program's details (the dose of each phase, the exercises, the weeks), the
notes and next-day answers, and last, on its own pages, every session.

No script, no link, no network. The print stylesheet fits A4 and Letter alike
(the margins leave a text block narrower than both), puts the patient and the
period at the top of every page with the page number, keeps each table and
chart on one page where it fits, and starts the appendix on a new page. Every
text from a program file or a note is escaped (``html.escape``; inside CSS,
every character but letters and digits is written as a CSS escape).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from datetime import date

from coach.history.records import SessionRecord, safe_text
from coach.history.report import DISCLAIMER, ProgramReport, Report, number, rated, ratings
from coach.history.report_charts import dose_chart, symptom_chart, weeks_chart
from coach.history.report_text import (
    counts_text,
    done_text,
    dose_summary,
    exercises_done_text,
    generated_text,
    loads_text,
    local_time,
    percent,
    prescription_text,
    rest_text,
    streak_text,
    symptoms_text,
    versions_text,
)
from coach.program.durations import format_clock


@functools.lru_cache(maxsize=4096)
def _h(text: str) -> str:
    """``text`` for HTML: control characters made visible, then escaped (cached: a long
    report repeats its ids and names)."""
    return html.escape(safe_text(text))


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: ASCII letters and digits as they are, every other
    character as a six-digit CSS escape (so no quote, backslash or ``</style>`` gets
    through; a space is escaped too, as a space after an escape would be swallowed)."""
    out = []
    for char in safe_text(text):
        out.append(char if char.isalnum() and char.isascii() else f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


_STYLE = """
body{font-family:sans-serif;font-size:11pt;line-height:1.35;max-width:52em;margin:1.5em auto;
padding:0 1em;color:#000}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.2em 0 .3em}
h3{font-size:1em;margin:1em 0 .3em}
table{border-collapse:collapse;margin:.4em 0 .8em}
td,th{border:1px solid #999;padding:.15em .5em;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}.nw{white-space:nowrap}.flag{font-weight:bold}
dl.who{display:grid;grid-template-columns:max-content auto;gap:0 1em;margin:.3em 0}
dl.who dt{font-weight:bold}dl.who dd{margin:0}
figure.chart{margin:.5em 0 1em}figure.chart svg{max-width:100%;height:auto;display:block}
figcaption{font-size:.8em}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:0 1.2em}
.disclaimer{font-style:italic;font-size:.9em}
@media print{
body{max-width:none;margin:0;padding:0;font-size:9.5pt}
table,figure,dl,.keep{break-inside:avoid}
h2,h3{break-after:avoid}
tr{break-inside:avoid}
section.program{break-before:page}
section.appendix{break-before:page}
section.appendix table{font-size:8pt}
.first h2{margin:.6em 0 .2em}figcaption{font-size:7pt;line-height:1.2}
figure.chart{margin:.2em 0 .4em}
}
"""


def _page_style(report: Report) -> str:
    who = ", ".join(report.patients) or "Exercise report"
    head = f"{who} · {report.period}"
    # A4 is 210 x 297 mm and Letter 216 x 279 mm: these margins leave a text block
    # inside both, so one stylesheet prints on either; size: auto lets the printer choose.
    return (
        "@page{size:auto;margin:16mm 14mm 14mm 14mm;"
        f"@top-left{{content:{css_string(head)};font-size:8pt}}"
        '@top-right{content:"page " counter(page) " of " counter(pages);font-size:8pt}}'
    )


def _days(first: date, last: date) -> str:
    """``2026-11-23 to 2026-12-06``, each date kept on one line."""
    return f'<span class="nw">{first}</span> to <span class="nw">{last}</span>'


def _who(report: Report) -> list[str]:
    rows = []
    if report.patients:
        rows.append(("Patient", ", ".join(report.patients)))
    if report.prescribers:
        rows.append(("Prescribed by", ", ".join(report.prescribers)))
    rows.append(("Report period", f"{report.period} (weeks run Monday to Sunday)"))
    for program in report.programs:
        if program.facts is not None and program.facts.start is not None:
            rows.append((f"Prescription: {program.title}", prescription_text(program)))
    rows.append(("Generated", generated_text(report.generated_at)))
    return (
        ['<dl class="who">']
        + [f"<dt>{_h(term)}</dt><dd>{_h(value)}</dd>" for term, value in rows]
        + ["</dl>"]
    )


def _summary(report: Report) -> list[str]:
    parts = [
        "<h2>Summary</h2><ul>",
        f"<li>Sessions completed: {report.completed} ({report.partial} stopped early, "
        f"{report.declined} declined)</li>",
        f"<li>Days with a completed session: {report.active_days}</li>",
        f"<li>Time exercising: {report.minutes:.0f} min</li>",
        f"<li>Current streak: {_h(streak_text(report))}</li></ul>",
    ]
    if not report.programs:
        return [*parts, "<p>No sessions were recorded in this period.</p>"]
    parts.append(
        '<table class="keep"><tr><th>Program</th><th>Versions</th><th>Phase</th><th>Days</th>'
        '<th>Schedule</th><th>Dose</th><th class="n">Done / prescribed</th></tr>'
    )
    for program in report.programs:
        rows = program.phases or []
        span = max(len(rows), 1) + (1 if len(rows) > 1 else 0)
        first = (
            f'<td rowspan="{span}">{_h(program.title)} ({_h(program.program)})</td>'
            f'<td rowspan="{span}">{_h(versions_text(program))}</td>'
        )
        if not rows:
            parts.append(
                f'<tr>{first}<td colspan="4">{_h(program.in_force)}</td><td class="n">-</td></tr>'
            )
            continue
        for index, phase in enumerate(rows):
            parts.append(
                f"<tr>{first if index == 0 else ''}<td>{_h(phase.phase or '-')}</td>"
                f"<td>{_days(phase.first_day, phase.last_day)}</td><td>{_h(phase.schedule)}</td>"
                f"<td>{dose_summary(phase.doses, _h)}</td>"
                f'<td class="n">{_h(percent(phase.adherence))}</td></tr>'
            )
        if len(rows) > 1:
            parts.append(
                f'<tr><td colspan="4"><b>All phases</b></td>'
                f'<td class="n"><b>{_h(percent(program.overall))}</b></td></tr>'
            )
    parts.append("</table>")
    trends = [
        f"<li>{_h(program.title)}, {_h(series.symptom)}: {_h(series.trend())}</li>"
        for program in report.programs
        for series in program.symptoms
    ]
    if trends:
        parts += ["<p>Symptom trend (0-10, weekly medians):</p><ul>", *trends, "</ul>"]
    return parts


def _charts(report: Report) -> list[str]:
    parts = []
    for program in report.programs:
        for series in program.symptoms:
            parts.append(symptom_chart(program, series, report.start, report.end))
        if program.weeks and any(week.prescribed for week in program.weeks):
            parts.append(weeks_chart(program))
    return ["<h2>Charts</h2>", '<div class="charts">', *parts, "</div>"] if parts else []


def _program(program: ProgramReport) -> list[str]:
    parts = [
        '<section class="program">',
        f"<h2>{_h(program.title)} ({_h(program.program)})</h2><ul>",
        f"<li>Prescription: {_h(prescription_text(program))}</li>",
        f"<li>Versions recorded: {_h(versions_text(program))}</li>",
        f"<li>Sessions: {program.completed} completed, {program.partial} stopped early, "
        f"{program.declined} declined, {program.minutes:.0f} min; {program.first_day} to "
        f"{program.last_day}</li>",
        f"<li>In force on the report's last day: {_h(program.in_force)}</li>",
        f"<li>Adherence: {_h(percent(program.overall))}</li></ul>",
    ]
    if program.phases:
        parts.append(
            "<h3>Dose and adherence by phase</h3><table><tr><th>Phase</th><th>Days</th>"
            '<th>Schedule</th><th>Dose</th><th class="n">Done / prescribed</th></tr>'
        )
        for phase in program.phases:
            dose = "<br>".join(f"{_h(d.name)}: {_h(d.text)}" for d in phase.doses) or "-"
            parts.append(
                f"<tr><td>{_h(phase.phase or '-')}</td><td>{_days(phase.first_day, phase.last_day)}"
                f"</td><td>{_h(phase.schedule)}</td><td>{dose}</td>"
                f'<td class="n">{_h(percent(phase.adherence))}</td></tr>'
            )
        parts.append("</table>")
    chart = dose_chart(program)
    if chart is not None:
        parts.append(chart)
    if program.exercises:
        parts.append(
            "<h3>Exercises</h3><table><tr><th>Exercise</th><th>Prescribed</th>"
            '<th class="n">Completed in</th><th>Done</th><th>Count done</th><th>Load</th>'
            '<th class="n">Skipped in</th><th>As-needed rests</th></tr>'
        )
        for exercise in program.exercises:
            prescribed = "<br>".join(_h(line) for line in exercise.prescribed) or "-"
            parts.append(
                f"<tr><td>{_h(exercise.name)}</td><td>{prescribed}</td>"
                f'<td class="n">{exercise.completed} of {exercise.sessions}</td>'
                f"<td>{_h(done_text(exercise))}</td><td>{_h(counts_text(exercise))}</td>"
                f'<td>{_h(loads_text(exercise))}</td><td class="n">{exercise.skipped}</td>'
                f"<td>{_h(rest_text(exercise))}</td></tr>"
            )
        parts.append("</table>")
    if program.weeks:
        parts.append(
            "<h3>Sessions per week</h3><table><tr><th>Week of (Monday)</th>"
            '<th class="n">Completed</th><th class="n">Counted / prescribed</th></tr>'
        )
        parts += [
            f'<tr><td>{week.monday}</td><td class="n">{week.completed}</td>'
            f'<td class="n">{week.counted}/{week.prescribed}</td></tr>'
            for week in program.weeks
        ]
        parts.append("</table>")
    for series in program.symptoms:
        limit = "" if series.limit is None else f", limit {series.limit}"
        parts.append(
            f"<h3>{_h(series.symptom.capitalize())} (0-10{limit})</h3>"
            '<table><tr><th>Week of (Monday)</th><th class="n">Median before</th>'
            '<th class="n">Median after</th></tr>'
        )
        parts += [
            f'<tr><td>{monday}</td><td class="n">{"-" if b is None else number(b)}</td>'
            f'<td class="n">{"-" if a is None else number(a)}</td></tr>'
            for monday, b, a in series.weekly
        ]
        parts.append("</table>")
    return [*parts, "</section>"]


def _limits(report: Report) -> dict[str, list[tuple[str, int]]]:
    """For each program, its symptoms with a limit."""
    return {
        program.program: [(s.symptom, s.limit) for s in program.symptoms if s.limit is not None]
        for program in report.programs
    }


def _above(limits: dict[str, list[tuple[str, int]]], record: SessionRecord) -> bool:
    if not rated(record):
        return False
    for symptom, limit in limits.get(record.program, ()):
        if any(v is not None and v > limit for v in ratings(record, symptom)):
            return True
    return False


def _sessions(report: Report, sessions: Sequence[SessionRecord], *, full: bool) -> list[str]:
    head = "<tr><th>Date</th><th>Time</th><th>Program</th>"
    if full:
        head += '<th>Phase</th><th>Status</th><th class="n">Active</th><th class="n">Exercises</th>'
    head += "<th>Symptoms</th><th>Next day</th><th>Note</th></tr>"
    rows = [f"<table>{head}"]
    limits = _limits(report)
    for record in sessions:
        flag = ' class="flag"' if _above(limits, record) else ""
        cells = (
            f"<td>{record.local_date}</td><td>{local_time(record)}</td>"
            f"<td>{_h(record.program)}</td>"
        )
        if full:
            cells += (
                f"<td>{_h(record.phase or '-')}</td><td>{record.status}</td>"
                f'<td class="n">{format_clock(record.active_seconds)}</td>'
                f'<td class="n">{exercises_done_text(report, record)}</td>'
            )
        cells += (
            f"<td{flag}>{_h(symptoms_text(record))}</td><td>{record.next_day or '-'}</td>"
            f"<td>{_h(record.note) or '-'}</td>"
        )
        rows.append(f"<tr>{cells}</tr>")
    return [*rows, "</table>"]


def report_html(report: Report) -> str:
    """The whole report as one HTML page."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Exercise report, {_h(report.period)}</title>",
        f"<style>{_STYLE}{_page_style(report)}</style></head><body>",
        '<section class="first">',
        "<h1>Exercise report</h1>",
        *_who(report),
        f'<p class="disclaimer">{_h(DISCLAIMER)}</p>',
        *_summary(report),
        *_charts(report),
        "</section>",
    ]
    for program in report.programs:
        parts += _program(program)
    if report.annotated:
        parts.append("<section><h2>Notes and next-day answers</h2>")
        parts += _sessions(report, report.annotated, full=False)
        parts.append("</section>")
    if report.sessions:
        parts.append('<section class="appendix"><h2>Appendix: every session</h2>')
        parts += _sessions(report, report.sessions, full=True)
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
