"""``coach report --format csv --by session|exercise``: the report's sessions as rows,
for people who chart them themselves.

One row per session (``session``) or per exercise of a session (``exercise``),
with a header row; times in the session's own time zone. Every text cell goes
through :func:`coach.history.reports.spreadsheet_cell`, so a cell a
spreadsheet would run as a formula (``=`` ``+`` ``-`` ``@``, a tab or a
carriage return first) starts with a single quote instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Literal

from coach.history.records import SYMPTOMS, SessionRecord, iso_local
from coach.history.report import Report, ratings
from coach.history.reports import spreadsheet_cell

By = Literal["session", "exercise"]


def _number(value: int | float | None) -> str:
    if value is None:
        return ""
    return str(round(value, 3)) if isinstance(value, float) else str(value)


def _session_cells(record: SessionRecord) -> list[str]:
    return [
        spreadsheet_cell(record.id),
        record.local_date.isoformat(),
        iso_local(record.started_at, record.local_zone),
        spreadsheet_cell(record.program),
        spreadsheet_cell(record.title),
        spreadsheet_cell(record.program_version),
        spreadsheet_cell(record.phase or ""),
        record.status,
    ]


_SESSION_HEAD = [
    "session",
    "date",
    "started_at",
    "program",
    "title",
    "version",
    "phase",
    "status",
]


def _by_session(report: Report) -> list[list[str]]:
    rows = [
        [
            *_SESSION_HEAD,
            "active_minutes",
            "exercises_completed",
            "exercises",
            *[f"{symptom}_{when}" for symptom in SYMPTOMS for when in ("before", "after")],
            "next_day",
            "note",
        ]
    ]
    for record in report.sessions:
        done, total = report.exercise_counts.get(record.id, (0, 0))
        symptoms = []
        for symptom in SYMPTOMS:
            before, after = ratings(record, symptom)
            symptoms += [_number(before), _number(after)]
        rows.append(
            [
                *_session_cells(record),
                _number(round(record.active_seconds / 60, 2)),
                str(done),
                str(total),
                *symptoms,
                record.next_day or "",
                spreadsheet_cell(record.note),
            ]
        )
    return rows


def _by_exercise(records: Sequence[SessionRecord]) -> list[list[str]]:
    rows = [
        [
            *_SESSION_HEAD,
            "exercise",
            "name",
            "completed",
            "sets_done",
            "sets_planned",
            "reps_done",
            "reps_planned",
            "done_count",
            "load",
            "effort",
            "skipped_steps",
            "hold_seconds",
            "duration_seconds",
            "rest_waited",
        ]
    ]
    for record in records:
        for exercise in record.exercises:
            rows.append(
                [
                    *_session_cells(record),
                    spreadsheet_cell(exercise.exercise),
                    spreadsheet_cell(exercise.name),
                    "1" if exercise.completed else "0",
                    str(exercise.sets_done),
                    str(exercise.sets_planned),
                    str(exercise.reps_done),
                    str(exercise.reps_planned),
                    _number(exercise.done_count),
                    spreadsheet_cell(exercise.load or ""),
                    spreadsheet_cell(exercise.effort or ""),
                    str(exercise.skipped_steps),
                    _number(exercise.hold_seconds),
                    _number(exercise.duration_seconds),
                    _number(exercise.rest_waited),
                ]
            )
    return rows


def report_csv(report: Report, by: By = "session") -> str:
    """The report's sessions as CSV, one row per session or per exercise done in one."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(_by_session(report) if by == "session" else _by_exercise(report.sessions))
    return out.getvalue()
