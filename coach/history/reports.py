"""History as text: ``coach history`` (table, JSON, CSV), and the dates both it and
``coach report`` take (``coach report`` itself: :mod:`coach.history.report`).

Everything here reads :class:`~coach.history.store.SessionRecord` lists and
:class:`~coach.history.store.Progress`; it never touches the database. Text that
came from program files or notes is data: control characters are made
visible, HTML is escaped, Markdown's special characters are escaped, and a
CSV cell that a spreadsheet would run as a formula is quoted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date, timedelta

from coach.history.records import SessionRecord, safe_text
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
    """A JSON list of sessions; once sessions come from other computers (sync), each
    says where it was done (``"host"``) and whose journal gave it (``"computer"``,
    null for this computer's)."""
    synced = _from_elsewhere(records)
    return json_text(
        [
            {**record.to_json(), "host": record.host, "computer": record.computer}
            if synced
            else record.to_json()
            for record in records
        ],
        indent=2,
    )


def _from_elsewhere(records: Sequence[SessionRecord]) -> bool:
    """Whether any session came from another computer's journal."""
    return any(record.computer is not None for record in records)


def computer_of(record: SessionRecord) -> str:
    """Where a session was done, for a table: its host, or "this computer"."""
    if record.computer is None:
        return "this computer"
    return safe_text(record.host) if record.host else safe_text(record.computer)


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
    synced = _from_elsewhere(records)
    head: tuple[str, ...] = ("DATE", "TIME", "PROGRAM", "STATUS", "ACTIVE", "EXERCISES", "PAIN")
    if synced:  # sessions from other computers (coach sync): say where each was done
        head = (*head, "COMPUTER")
    rows: list[tuple[str, ...]] = [(*head, "NOTE")]
    for record in records:
        started = record.started_at.astimezone(record.local_zone)
        row: tuple[str, ...] = (
            record.local_date.isoformat(),
            started.strftime("%H:%M"),
            safe_text(record.program),
            record.status,
            format_clock(record.active_seconds),
            _exercises_done(record),
            _pain(record),
        )
        if synced:
            row = (*row, _shorten(computer_of(record), 20))
        rows.append((*row, _shorten(safe_text(record.note), 30)))
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


def spreadsheet_cell(text: str) -> str:
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
                spreadsheet_cell(record.id),
                spreadsheet_cell(record.program),
                spreadsheet_cell(record.title),
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
                spreadsheet_cell(record.note),
            ]
        )
    return out.getvalue()
