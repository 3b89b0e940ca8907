"""A patient handout: ``coach plan PROGRAM --format html|md``.

What a person needs to do a program without the app, on one or two printed
pages: who it is for and who prescribed it, the period and the review, how
often, each phase's weeks and schedule, each exercise with its dose (in
every phase where that changes), instructions, equipment and precautions,
what the check-in asks and when to stop, the program's precautions and
coach's safety notice (:mod:`coach.safety`, the same words the app shows).

:func:`handout_of` gathers that from a loaded program as plain text
(:class:`Handout`); :func:`handout_html` and :func:`handout_markdown` write
it. Text from program files is data: the HTML escapes every piece of it,
the Markdown escapes only what Markdown would misread (a name such as
"Tendon gliding (Wehbe)" stays as it is), and control characters are made
visible in both. Imported only for ``--format``, so a plain ``coach plan``
does not load it.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coach.program.durations import format_duration
from coach.program.phases import with_phase
from coach.program.timeline import describe_pacing, dose_lines, range_text, session_size
from coach.safety import LIMIT_ADVICE, NEXT_DAY_WORSE_ADVICE, SAFETY_NOTICE
from coach.text import visible

if TYPE_CHECKING:
    from coach.program.loader import LoadedProgram
    from coach.program.model import Exercise, Program, Schedule


@dataclass(frozen=True)
class ExerciseSheet:
    """One exercise as the handout gives it."""

    number: int
    name: str
    doses: list[tuple[str | None, str]]
    """(the weeks it is for, or None for every week; the dose), in order of the weeks."""
    instructions: list[str] = field(default_factory=list)
    equipment: list[str] = field(default_factory=list)
    precautions: list[str] = field(default_factory=list)
    cue: str = ""


@dataclass(frozen=True)
class PhaseRow:
    """One phase of the prescription (or the weeks with none)."""

    name: str
    weeks: str
    dates: str | None
    schedule: str


@dataclass(frozen=True)
class Handout:
    """Everything the handout says, as plain text (not yet escaped)."""

    title: str
    summary: str
    description: str
    facts: list[tuple[str, str]]
    """(label, value): for whom, prescribed by, the period, the review, how often, how long."""
    notes: str
    phases: list[PhaseRow]
    exercises: list[ExerciseSheet]
    checkin: list[str]
    precautions: list[str]
    notice_title: str
    notice: list[list[str]]
    """coach's safety notice: paragraphs, each a list of one line or of bullet items."""


# --------------------------------------------------------------------------- gathering

_SIDES = {
    "none": "",
    "both": "both hands together",
    "left": "left side",
    "right": "right side",
    "each": "each side",
    "alternate": "left and right in turn",
}


def schedule_text(schedule: Schedule | None) -> str:
    """``2 a day``, ``3 a week on mon, wed, fri``, ``as needed``, or ``no set schedule``."""
    if schedule is None:
        return "no set schedule"
    if schedule.as_needed:
        how = "as needed"
    elif schedule.per_day is not None or schedule.times:
        count = range_text(schedule.per_day) if schedule.per_day is not None else None
        how = f"{count or len(schedule.times or [])} a day"
    elif schedule.per_week is not None:
        how = f"{range_text(schedule.per_week)} a week"
    else:
        return "no set schedule"
    if schedule.days:
        how += " on " + ", ".join(schedule.days)
    if schedule.times:
        how += " at " + ", ".join(schedule.times)
    return how


def _rest(value: float | str) -> str:
    return value if isinstance(value, str) else format_duration(value)


def dose_text(exercise: Exercise, patient_side: str | None = None) -> str:
    """``2 sets of 10-15 (paced 12) reps, hold 3s, each side; rest 30s between sets``."""
    if exercise.duration is not None:
        work = describe_pacing(exercise)
    else:
        assert exercise.reps is not None
        work = f"{range_text(exercise.reps)} reps, {describe_pacing(exercise)}"
    sets = range_text(exercise.sets)
    text = work if sets == "1" else f"{sets} sets of {work}"
    side = _SIDES.get(exercise.sides, exercise.sides)
    if patient_side is not None:
        side += f" (your {patient_side} side)"
    if side:
        text += f", {side}"
    rest = exercise.rest_between_sets
    if sets != "1" and rest:
        text += f"; rest {_rest(rest)} between sets"
    for line in dose_lines(exercise):
        text += f"; {line[0].lower()}{line[1:]}"
    return text


def _week_ranges(weeks: list[int]) -> list[str]:
    """``[1, 2, 3, 5]`` -> ``["weeks 1-3", "week 5"]``."""
    ranges: list[list[int]] = []
    for week in weeks:
        if ranges and week == ranges[-1][1] + 1:
            ranges[-1][1] = week
        else:
            ranges.append([week, week])
    return [f"week {a}" if a == b else f"weeks {a}-{b}" for a, b in ranges]


def _other_weeks(program: Program) -> str | None:
    """The weeks the program as written is in force (no phase), or None when it never is."""
    prescription = program.info.prescription
    if prescription is None or not program.phases:
        return None
    taken = {w for phase in program.phases for w in range(phase.first_week, phase.last_week + 1)}
    total = prescription.total_weeks
    last = max(taken)
    within = total if total is not None else last
    parts = _week_ranges([w for w in range(1, within + 1) if w not in taken])
    if total is not None:
        parts.append(f"after week {total}")
    else:
        parts.append(f"from week {last + 1} on")
    text = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    return text[0].upper() + text[1:]


def _dates(start: datetime.date | None, first: int, last: int, end: datetime.date | None) -> str:
    if start is None:
        return ""
    begin = start + datetime.timedelta(weeks=first - 1)
    finish = start + datetime.timedelta(weeks=last, days=-1)
    if end is not None:
        finish = min(finish, end)
    return f"{begin.isoformat()} to {finish.isoformat()}"


def handout_of(loaded: LoadedProgram, *, dated: bool = True) -> Handout:
    """The handout for ``loaded`` (its program as written, every phase).

    ``dated``: whether a protocol's weeks have real dates (counted from the
    first recorded session); without them, phases show their weeks only.
    """
    program = loaded.as_written
    info = program.info
    prescription = info.prescription
    start = None if prescription is None or not dated else prescription.start
    end = None if prescription is None or not dated else prescription.last_day
    patient = program.patient
    facts: list[tuple[str, str]] = []
    who = (patient.label if patient is not None else None) or (
        prescription.patient if prescription is not None else None
    )
    if who:
        facts.append(("For", who))
    if patient is not None and patient.affected_side is not None:
        facts.append(("Affected side", patient.affected_side))
    if prescription is not None:
        if prescription.prescribed_by:
            facts.append(("Prescribed by", prescription.prescribed_by))
        weeks = prescription.total_weeks
        length = "" if weeks is None else f" ({weeks} week{'s' if weeks != 1 else ''})"
        if start is None:
            facts.append(("Period", f"{weeks} weeks, counted from your first session"))
        elif end is None:
            facts.append(("Period", f"from {start.isoformat()}, no end date"))
        else:
            facts.append(("Period", f"{start.isoformat()} to {end.isoformat()}{length}"))
        if start is not None and loaded.counted_from == "first session":
            facts[-1] = ("Period", facts[-1][1] + ", counted from your first session")
        if prescription.review is not None:
            facts.append(("Review", prescription.review.isoformat()))
    if not program.phases:
        facts.append(("How often", schedule_text(info.schedule)))
    minutes = max(1, round(session_size(program).seconds / 60))
    facts.append(("Each session", f"about {minutes} min"))
    if loaded.extends is not None:
        facts.append(("Adapted from", loaded.extends.program.title))

    phases: list[PhaseRow] = []
    phased: list[tuple[str, Program]] = []
    if prescription is not None and program.phases:
        for phase in program.phases:
            weeks_text = _week_ranges(list(range(phase.first_week, phase.last_week + 1)))[0]
            dosed = with_phase(program, phase)
            phases.append(
                PhaseRow(
                    phase.name,
                    weeks_text[0].upper() + weeks_text[1:],
                    _dates(start, phase.first_week, phase.last_week, end) or None,
                    schedule_text(dosed.info.schedule),
                )
            )
            phased.append((f"{phases[-1].weeks} ({phase.name})", dosed))
        other = _other_weeks(program)
        if other is not None:
            phases.append(PhaseRow("As written", other, None, schedule_text(info.schedule)))
            phased.append((other, program))

    sides = {}
    if loaded.extends is not None and patient is not None and patient.affected_side is not None:
        for base in loaded.extends.program.exercises:
            if base.sides == "affected":
                sides[base.id] = "affected"
            elif base.sides == "unaffected":
                sides[base.id] = "unaffected"
    exercises = []
    for number, exercise in enumerate(program.exercises, start=1):
        side = sides.get(exercise.id)
        doses: list[tuple[str | None, str]]
        if phased:
            doses = []
            for label, dosed in phased:
                found = next((e for e in dosed.exercises if e.id == exercise.id), None)
                doses.append(
                    (label, "not in these weeks" if found is None else dose_text(found, side))
                )
            doses = _merged(doses)
        else:
            doses = [(None, dose_text(exercise, side))]
        exercises.append(
            ExerciseSheet(
                number,
                exercise.name,
                doses,
                list(exercise.instructions),
                list(exercise.equipment),
                list(exercise.precautions),
                exercise.cue,
            )
        )
    checkin = _checkin_lines(program)
    title, *rest = SAFETY_NOTICE.split("\n\n")
    return Handout(
        title=program.title,
        summary=info.summary,
        description=info.description,
        facts=facts,
        notes="" if patient is None else patient.notes,
        phases=phases,
        exercises=exercises,
        checkin=checkin,
        precautions=list(info.precautions),
        notice_title=title.strip(),
        notice=[_paragraph(block) for block in rest],
    )


def _merged(doses: list[tuple[str | None, str]]) -> list[tuple[str | None, str]]:
    """Weeks next to each other with the same dose as one line; one dose for all: no weeks."""
    merged: list[tuple[str | None, str]] = []
    for label, dose in doses:
        if merged and merged[-1][1] == dose:
            merged[-1] = (f"{merged[-1][0]}; {label}", dose)
        else:
            merged.append((label, dose))
    return [(None, merged[0][1])] if len(merged) == 1 else merged


def _checkin_lines(program: Program) -> list[str]:
    checkin = program.info.checkin
    if checkin is None or not checkin.asked:
        return []
    asked = list(checkin.asked)
    named = asked[0] if len(asked) == 1 else ", ".join(asked[:-1]) + " and " + asked[-1]
    lines = [f"Before and after each session, rate your {named} from 0 (none) to 10 (the worst)."]
    for symptom in asked:
        limit = checkin.limit(symptom)
        if limit is not None:
            lines.append(LIMIT_ADVICE.format(symptom=symptom, limit=limit))
    if checkin.next_day:
        lines.append(
            "On a later day, say whether things are better, the same or worse since the "
            f"last session. {NEXT_DAY_WORSE_ADVICE}"
        )
    return lines


def _paragraph(block: str) -> list[str]:
    """A block of :data:`coach.safety.SAFETY_NOTICE`: its bullet items, or its one line."""
    items: list[str] = []
    for line in block.strip().splitlines():
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif items:
            items[-1] += " " + line.strip()
        else:
            items.append(line.strip())
    if block.lstrip().startswith("- "):
        return ["-", *items]
    return [" ".join(items)]


# --------------------------------------------------------------------------- HTML

_CSS = """\
body{font-family:system-ui,sans-serif;font-size:10.5pt;line-height:1.35;max-width:48em;
margin:1.5em auto;padding:0 1em;color:#000}
h1{font-size:15pt;margin:0 0 .2em}h2{font-size:11.5pt;margin:.8em 0 .3em;
border-bottom:1px solid #999}h3{font-size:1em;margin:0 0 .1em}
p{margin:.15em 0 .35em}ul,ol{margin:.1em 0 .3em;padding-left:1.4em}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:0 1em;margin:.3em 0}
dl.facts dt{font-weight:bold}dl.facts dd{margin:0}
table{border-collapse:collapse;margin:.3em 0;break-inside:avoid}td,th{border:1px solid #999;
padding:.1em .5em;text-align:left;vertical-align:top}
.exercise{break-inside:avoid;margin:0 0 .5em}.dose{font-weight:bold}
.muted{color:#444}.stop{font-weight:bold}
.notice{border:1px solid #000;padding:.2em .7em;break-inside:avoid;margin-top:.6em}
@page{margin:10mm 12mm}
@media print{body{margin:0;max-width:none;padding:0;font-size:9pt;line-height:1.25}
.exercises,.safety{column-count:2;column-gap:7mm}h2{break-after:avoid}
.safety li{break-inside:avoid}}
"""
"""Compact, and sized for both A4 and Letter: the page size is left to the printer
(no ``size`` in ``@page``), and the margins leave room on the narrower of the two
widths (A4, 210 mm) and the shorter of the two heights (Letter, 279 mm)."""


def _h(text: str) -> str:
    return html.escape(visible(text, newlines=False))


def handout_html(handout: Handout) -> str:
    """The handout as a self-contained HTML page (no script, nothing fetched)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(handout.title)}</title>",
        f"<style>\n{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_h(handout.title)}</h1>",
    ]
    if handout.summary:
        parts.append(f'<p class="muted">{_h(handout.summary)}</p>')
    parts.append('<dl class="facts">')
    parts += [f"<dt>{_h(label)}</dt><dd>{_h(value)}</dd>" for label, value in handout.facts]
    parts.append("</dl>")
    if handout.notes:
        parts.append(f"<p><strong>Notes:</strong> {_h(handout.notes)}</p>")
    if handout.description:
        parts.append(f"<p>{_h(handout.description)}</p>")
    if handout.phases:
        parts.append("<h2>Phases</h2>")
        parts.append("<table><tr><th>Phase</th><th>Weeks</th><th>How often</th></tr>")
        for phase in handout.phases:
            dates = "" if phase.dates is None else f"<br>{_h(phase.dates)}"
            parts.append(
                f"<tr><td>{_h(phase.name)}</td><td>{_h(phase.weeks)}{dates}</td>"
                f"<td>{_h(phase.schedule)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Exercises</h2>")
    parts.append('<div class="exercises">')
    for sheet in handout.exercises:
        parts.append('<div class="exercise">')
        parts.append(f"<h3>{sheet.number}. {_h(sheet.name)}</h3>")
        if len(sheet.doses) == 1 and sheet.doses[0][0] is None:
            parts.append(f'<p class="dose">{_h(sheet.doses[0][1])}</p>')
        else:
            parts.append("<ul>")
            parts += [
                f'<li>{_h(label or "")}: <span class="dose">{_h(dose)}</span></li>'
                for label, dose in sheet.doses
            ]
            parts.append("</ul>")
        if sheet.instructions:
            parts.append("<ol>")
            parts += [f"<li>{_h(step)}</li>" for step in sheet.instructions]
            parts.append("</ol>")
        if sheet.cue:
            parts.append(f"<p><em>{_h(sheet.cue)}</em></p>")
        if sheet.equipment:
            parts.append(f"<p><strong>You need:</strong> {_h(', '.join(sheet.equipment))}</p>")
        for line in sheet.precautions:
            parts.append(f'<p class="stop">{_h(line)}</p>')
        parts.append("</div>")
    parts.append("</div>")
    if handout.checkin:
        parts.append("<h2>Check-in</h2>")
        parts += [f"<p>{_h(line)}</p>" for line in handout.checkin]
    if handout.precautions:
        parts.append('<h2>Precautions</h2><ul class="safety">')
        parts += [f"<li>{_h(line)}</li>" for line in handout.precautions]
        parts.append("</ul>")
    parts.append(f'<div class="notice"><h2>{_h(handout.notice_title)}</h2>')
    for paragraph in handout.notice:
        if paragraph[0] == "-":
            parts.append("<ul>")
            parts += [f"<li>{_h(item)}</li>" for item in paragraph[1:]]
            parts.append("</ul>")
        else:
            parts.append(f"<p>{_h(paragraph[0])}</p>")
    parts.append("</div>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- Markdown

_ALWAYS = re.compile(r"([\\`*\[\]<>|~])")
_LINE_START = re.compile(r"^(#|>|\+|-|=|\d+(?=[.)]))")
_LONE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def md(text: str) -> str:
    """``text`` for Markdown, read as plain text: control characters visible, and only
    what Markdown would misread escaped (emphasis, code, links, HTML, tables, an entity,
    a line-start heading, quote or list marker); ``Tendon gliding (Wehbe)`` and
    ``hand-wrist-strength`` stay as they are."""
    text = visible(text, newlines=False)
    text = _ALWAYS.sub(r"\\\1", text)
    text = _LONE_UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY.sub(r"\\&", text)
    return _LINE_START.sub(
        lambda match: "\\" + match[0] if match[0][0] in "#>+-=" else match[0] + "\\", text, count=1
    )


def handout_markdown(handout: Handout) -> str:
    """The handout as Markdown that reads as plain text."""
    lines = [f"# {md(handout.title)}", ""]
    if handout.summary:
        lines += [md(handout.summary), ""]
    lines += [f"- **{md(label)}:** {md(value)}" for label, value in handout.facts]
    lines.append("")
    if handout.notes:
        lines += [f"**Notes:** {md(handout.notes)}", ""]
    if handout.description:
        lines += [md(handout.description), ""]
    if handout.phases:
        lines += ["## Phases", "", "| Phase | Weeks | How often |", "|---|---|---|"]
        for phase in handout.phases:
            dates = "" if phase.dates is None else f" ({md(phase.dates)})"
            lines.append(f"| {md(phase.name)} | {md(phase.weeks)}{dates} | {md(phase.schedule)} |")
        lines.append("")
    lines += ["## Exercises", ""]
    for sheet in handout.exercises:
        lines += [f"### {sheet.number}. {md(sheet.name)}", ""]
        if len(sheet.doses) == 1 and sheet.doses[0][0] is None:
            lines += [f"**{md(sheet.doses[0][1])}**", ""]
        else:
            lines += [f"- {md(label or '')}: **{md(dose)}**" for label, dose in sheet.doses]
            lines.append("")
        if sheet.instructions:
            lines += [f"{n}. {md(step)}" for n, step in enumerate(sheet.instructions, start=1)]
            lines.append("")
        if sheet.cue:
            lines += [f"_{md(sheet.cue)}_", ""]
        if sheet.equipment:
            lines += [f"You need: {md(', '.join(sheet.equipment))}", ""]
        for line in sheet.precautions:
            lines += [f"**{md(line)}**", ""]
    if handout.checkin:
        lines += ["## Check-in", ""]
        for line in handout.checkin:
            lines += [md(line), ""]
    if handout.precautions:
        lines += ["## Precautions", ""]
        lines += [f"- {md(line)}" for line in handout.precautions]
        lines.append("")
    lines += [f"## {md(handout.notice_title)}", ""]
    for paragraph in handout.notice:
        if paragraph[0] == "-":
            lines += [f"- {md(item)}" for item in paragraph[1:]]
        else:
            lines.append(md(paragraph[0]))
        lines.append("")
    return "\n".join(lines)
