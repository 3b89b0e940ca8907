"""The report's charts: inline SVG with no script, no link and no colour needed.

Each chart is a ``<figure>`` holding an ``<svg role="img">`` and a
``<figcaption>`` that gives its numbers in words, so it prints in black and
white and reads in a screen reader. Shapes tell the series apart without
colour: *before* is an open circle and a dashed line, *after* a filled square
and a solid line, the program's limit a dotted line with its number written
beside it. Every text (program titles, exercise names, doses) is escaped with
``html.escape``: it is data.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, timedelta

from coach.history.prescribed import ExerciseDose, ProgramFacts
from coach.history.records import safe_text
from coach.history.report import ProgramReport, SymptomSeries, WeekCount, number

WIDTH = 640
LEFT = 48
RIGHT = 10
TOP = 12
MAX_POINTS = 400
"""Beyond this many sessions a symptom chart draws the weekly medians only."""
MAX_LISTED = 26
"""The most weeks a caption lists one by one (the last ones); the CSV has them all."""


def _h(text: str) -> str:
    return html.escape(safe_text(text))


def _svg(height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_h(label)}" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="sans-serif" font-size="13">' + "".join(body) + "</svg>"
    )


def figure(svg: str, caption: str) -> str:
    """A chart and its text alternative."""
    return f'<figure class="chart">{svg}<figcaption>{_h(caption)}</figcaption></figure>'


class _Axis:
    """Days from ``first`` to ``last`` across the plot's width."""

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        self.days = max((last - first).days, 1)

    def x(self, day: date) -> float:
        span = WIDTH - LEFT - RIGHT
        return LEFT + span * (day - self.first).days / self.days

    def week_ticks(self, last: date, bottom: float) -> list[str]:
        """A tick and a date under the Mondays (every few weeks, so labels do not collide)."""
        monday = self.first - timedelta(days=self.first.weekday())
        weeks = max(1, ((last - monday).days // 7) + 1)
        every = max(1, -(-weeks // 8))
        parts = []
        n = 0
        while monday <= last:
            if monday >= self.first and n % every == 0:
                x = self.x(monday)
                parts.append(
                    f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" '
                    'stroke="#000"/>'
                    f'<text x="{x:.1f}" y="{bottom + 17}" text-anchor="middle">'
                    f"{monday.strftime('%d %b')}</text>"
                )
            monday += timedelta(days=7)
            n += 1
        return parts


def _listed(items: Sequence[str]) -> str:
    if len(items) <= MAX_LISTED:
        return "; ".join(items)
    return f"the last {MAX_LISTED} of {len(items)} weeks: " + "; ".join(items[-MAX_LISTED:])


def _median_text(value: float | None) -> str:
    return "-" if value is None else number(value)


def symptom_chart(program: ProgramReport, series: SymptomSeries, first: date, last: date) -> str:
    """One symptom before and after each session and as a weekly median, with the limit."""
    height = 180
    bottom = height - 28.0
    plot = bottom - TOP - 12

    def y(value: float) -> float:
        return bottom - plot * value / 10

    axis = _Axis(first, last)
    legend = (
        f'<circle cx="{LEFT + 4}" cy="7" r="3" fill="none" stroke="#246"/>'
        f'<text x="{LEFT + 11}" y="11">before</text>'
        f'<rect x="{LEFT + 62}" y="4" width="6" height="6" fill="#000"/>'
        f'<text x="{LEFT + 72}" y="11">after</text>'
        f'<line x1="{LEFT + 116}" y1="7" x2="{LEFT + 140}" y2="7" stroke="#000" '
        'stroke-dasharray="5 3"/>'
        f'<text x="{LEFT + 144}" y="11">weekly median before</text>'
        f'<line x1="{LEFT + 300}" y1="7" x2="{LEFT + 324}" y2="7" stroke="#000"/>'
        f'<text x="{LEFT + 328}" y="11">after</text>'
    )
    body = [legend] + [
        f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{WIDTH - RIGHT}" y2="{y(v):.1f}" '
        f'stroke="#ccc"/><text x="{LEFT - 6}" y="{y(v) + 3:.1f}" text-anchor="end">{v}</text>'
        for v in (0, 5, 10)
    ]
    body += axis.week_ticks(last, bottom)
    if series.limit is not None:
        ly = y(series.limit)
        body.append(
            f'<line x1="{LEFT}" y1="{ly:.1f}" x2="{WIDTH - RIGHT}" y2="{ly:.1f}" '
            'stroke="#b00" stroke-width="2" stroke-dasharray="2 3"/>'
            f'<text x="{WIDTH - RIGHT}" y="{ly - 3:.1f}" text-anchor="end">'
            f"limit {series.limit}</text>"
        )
    if len(series.points) <= MAX_POINTS:
        for day, before, after in series.points:
            x = axis.x(day)
            if before is not None:
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y(before):.1f}" r="2.5" fill="none" stroke="#246"/>'
                )
            if after is not None:
                body.append(
                    f'<rect x="{x - 2:.1f}" y="{y(after) - 2:.1f}" width="4" height="4" '
                    'fill="#000"/>'
                )
    for index, dash in ((1, ' stroke-dasharray="5 3"'), (2, "")):
        points = []
        for monday, *medians in series.weekly:
            value = medians[index - 1]
            if value is None:
                continue
            start = max(monday, first)
            end = min(monday + timedelta(days=7), last)
            points.append(f"{axis.x(start):.1f},{y(value):.1f} {axis.x(end):.1f},{y(value):.1f}")
        if points:
            body.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="#000" '
                f'stroke-width="1.5"{dash}/>'
            )
    name = series.symptom.capitalize()
    label = f"{name} before and after, {program.title}"
    weeks = [
        f"week of {monday}: {_median_text(before)} before, {_median_text(after)} after"
        for monday, before, after in series.weekly
    ]
    limit = "" if series.limit is None else f"; the program's limit is {series.limit}"
    drawn = (
        "each session's rating (open circle before, filled square after) and the weekly "
        "median (dashed before, solid after)"
        if len(series.points) <= MAX_POINTS
        else "the weekly median (dashed before, solid after)"
    )
    caption = (
        f"{name}, {program.title}, 0 to 10: {drawn}{limit}. {len(series.points)} sessions rated; "
        f"{series.trend()}. Weekly medians: {_listed(weeks)}."
    )
    return figure(_svg(height, label, body), caption)


def weeks_chart(program: ProgramReport) -> str:
    """Sessions completed each Monday week (bars) against those prescribed (a tick)."""
    weeks: list[WeekCount] = program.weeks
    height = 150
    bottom = height - 28.0
    plot = bottom - TOP
    top = max([1, *(w.completed for w in weeks), *(w.prescribed for w in weeks)])
    span = WIDTH - LEFT - RIGHT
    slot = span / max(len(weeks), 1)
    bar = max(slot * 0.6, 0.5)

    def y(value: float) -> float:
        return bottom - plot * value / top

    body = [
        f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{WIDTH - RIGHT}" y2="{y(v):.1f}" '
        f'stroke="#ccc"/><text x="{LEFT - 6}" y="{y(v) + 3:.1f}" text-anchor="end">{v}</text>'
        for v in sorted({0, top // 2, top})
    ]
    every = max(1, -(-len(weeks) // 8))
    for index, week in enumerate(weeks):
        x = LEFT + slot * index + (slot - bar) / 2
        body.append(
            f'<rect x="{x:.1f}" y="{y(week.completed):.1f}" width="{bar:.1f}" '
            f'height="{bottom - y(week.completed):.1f}" fill="#888"/>'
        )
        if week.prescribed:
            body.append(
                f'<line x1="{x - 1:.1f}" y1="{y(week.prescribed):.1f}" x2="{x + bar + 1:.1f}" '
                f'y2="{y(week.prescribed):.1f}" stroke="#000" stroke-width="2"/>'
            )
        if index % every == 0:
            body.append(
                f'<text x="{x + bar / 2:.1f}" y="{bottom + 17}" text-anchor="middle">'
                f"{week.monday.strftime('%d %b')}</text>"
            )
    listed = [
        f"week of {w.monday}: {w.completed} completed, {w.counted} of {w.prescribed} prescribed"
        for w in weeks
    ]
    caption = (
        f"Sessions per week, {program.title}: completed (bars) against prescribed (the black "
        f"line over each bar). {_listed(listed)}."
    )
    return figure(_svg(height, f"Sessions per week, {program.title}", body), caption)


def _short(dose: ExerciseDose | None) -> str:
    return "off" if dose is None else dose.short


def dose_chart(program: ProgramReport) -> str | None:
    """Each exercise's dose phase by phase across the prescription's weeks; None when
    the phases do not change it."""
    facts: ProgramFacts | None = program.facts
    if facts is None or not program.dose_changes:
        return None
    phases = [p for p in facts.phases if p.first_week is not None and p.last_week is not None]
    weeks = max(p.last_week or 1 for p in phases)
    names: dict[str, str] = {d.exercise: d.name for d in facts.written.doses}
    row = 22
    label_width = 150
    height = TOP + row * len(names) + 24
    cell = (WIDTH - label_width - RIGHT) / weeks
    body = []
    lines = []
    for index, (exercise, name) in enumerate(names.items()):
        top = TOP + row * index
        body.append(
            f'<text x="{label_width - 6}" y="{top + 14}" text-anchor="end">{_h(name[:28])}</text>'
        )
        for phase in phases:
            dose = next((d for d in phase.doses if d.exercise == exercise), None)
            x = label_width + cell * ((phase.first_week or 1) - 1)
            w = cell * ((phase.last_week or 1) - (phase.first_week or 1) + 1)
            fill = "#fff" if dose is None else "#ddd"
            body.append(
                f'<rect x="{x:.1f}" y="{top + 2}" width="{w - 2:.1f}" height="{row - 4}" '
                f'fill="{fill}" stroke="#000"/>'
                f'<text x="{x + 4:.1f}" y="{top + 14}">{_h(_short(dose))}</text>'
            )
    for phase in phases:
        x = label_width + cell * ((phase.first_week or 1) - 1)
        body.append(
            f'<text x="{x + 2:.1f}" y="{TOP + row * len(names) + 14}">'
            f"{_h(phase.name or '')} (weeks {phase.first_week}-{phase.last_week})</text>"
        )
        doses = "; ".join(f"{d.name} {d.text}" for d in phase.doses)
        lines.append(f"{phase.name}, weeks {phase.first_week}-{phase.last_week}: {doses}")
    caption = f"Dose over the prescription's weeks, {program.title}. " + ". ".join(lines) + "."
    return figure(_svg(height, f"Dose over time, {program.title}", body), caption)
