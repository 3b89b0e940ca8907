"""Reading export files: streamed, bounded, every field checked (``coach import``).

Only the standard library.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from coach.history.records import (
    EARLIEST,
    EXPORT_FORMAT,
    EXPORT_VERSION,
    LATEST,
    MAX_ACTIVE_SECONDS,
    MAX_COUNT,
    MAX_DOSE_TEXT,
    MAX_ELAPSED_SECONDS,
    MAX_PLANNED_SECONDS,
    NEXT_DAY_ANSWERS,
    STATUSES,
    ExerciseRecord,
    HistoryError,
    NextDay,
    SessionRecord,
    check_symptoms,
)
from coach.text import describe, first_unsafe, visible

# --------------------------------------------------------------------------- reading exports


class ExportError(HistoryError):
    """An export file that cannot be imported; ``str()`` names the file and the place."""


MAX_EXPORT_BYTES = 2 * 1024**3
"""A larger file is not an export (20 years of history export to about 100 MiB)."""
MAX_LINE_BYTES = 16 * 1024**2
"""The longest line of an export as `coach export` writes it (one session a line); a
longer one is refused after reading that much, not the whole of it."""
MAX_DOCUMENT_BYTES = 64 * 1024**2
"""The largest export read whole, as one JSON document (not one session a line)."""
MAX_EXERCISES = 100_000
"""The most exercises a session can hold (programs have at most 100,000 steps)."""

_SESSIONS_OPEN = "["


def _not_finite(text: str) -> Any:
    raise ValueError(f"{text} is not a number an export can hold")


def read_export(path: Path) -> list[SessionRecord]:
    """Every session in an export file, checked; raises :class:`ExportError`."""
    return list(iter_export(path))


def check_export(path: Path) -> int:
    """Check a whole export file, keeping nothing but ids; how many sessions it holds."""
    count = 0
    for _ in iter_export(path):
        count += 1
    return count


def iter_export(path: Path) -> Iterator[SessionRecord]:
    """The sessions of an export file, checked one at a time, in bounded memory.

    An export as :meth:`HistoryStore.write_export` writes it (a header line,
    one session a line, then ``]}``) is read a line at a time, no line
    longer than :data:`MAX_LINE_BYTES`; any other JSON document is read
    whole if it is at most :data:`MAX_DOCUMENT_BYTES`. Raises
    :class:`ExportError` naming the file, the line and the field.
    """
    import stat

    try:
        # Looked at before it is opened: opening a FIFO would wait for a writer forever.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ExportError(f"{path}: not a regular file (give the file `coach export` wrote)")
        stream = open(path, "rb")  # noqa: SIM115 - closed below, and by the generator's end
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except OSError as error:
        raise ExportError(f"{path}: cannot read the file: {error.strerror or error}") from None
    with stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ExportError(f"{path}: not a regular file (give the file `coach export` wrote)")
        if info.st_size > MAX_EXPORT_BYTES:
            raise ExportError(f"{path}: {info.st_size} bytes is too large for a coach export")
        first, whole = _bounded_line(stream, path, 1)
        header = _streamed_header(first) if whole else None
        if header is None:
            if info.st_size > MAX_DOCUMENT_BYTES:
                raise ExportError(
                    f"{path}: not written one session a line as `coach export` writes, and "
                    f"larger than the {MAX_DOCUMENT_BYTES // 1024**2} MiB a file read whole "
                    "may be"
                )
            stream.seek(0)
            data = _parse(path, _text(path, stream.read(MAX_DOCUMENT_BYTES + 1)), None)
            sessions = _check_header(path, data)
            seen: set[str] = set()
            for index, item in enumerate(sessions):
                yield _checked(path, item, f"sessions[{index}]", seen)
            return
        _check_header(path, {**header, "sessions": []})
        yield from _streamed_sessions(path, stream)


def _bounded_line(stream: Any, path: Path, number: int) -> tuple[bytes, bool]:
    """One line (at most :data:`MAX_LINE_BYTES`) and whether it ended before that limit."""
    line: bytes = stream.readline(MAX_LINE_BYTES + 1)
    if len(line) > MAX_LINE_BYTES:
        return line, False
    return line, line.endswith(b"\n") or len(line) < MAX_LINE_BYTES


def _text(path: Path, data: bytes, number: int | None = None) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        where = f"{path}:{number}" if number is not None else str(path)
        raise ExportError(f"{where}: not a UTF-8 text file (byte {error.start})") from None


def _parse(path: Path, text: str, number: int | None) -> Any:
    try:
        return json.loads(text, parse_constant=_not_finite)
    except json.JSONDecodeError as error:
        line = error.lineno if number is None else number
        raise ExportError(f"{path}:{line}:{error.colno}: not valid JSON: {error.msg}") from None
    except ValueError as error:  # NaN or Infinity
        raise ExportError(f"{path}: {error}") from None
    except RecursionError:
        raise ExportError(f"{path}: nested too deeply to be a coach export") from None


def _streamed_header(line: bytes) -> dict[str, Any] | None:
    """The header of an export written one session a line, or None if ``line`` is not one."""
    text = line.strip()
    if not text.endswith(b"["):
        return None
    try:
        data = json.loads(text + b"]}", parse_constant=_not_finite)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("sessions") != []:
        return None
    return data


def _check_header(path: Path, data: Any) -> list[Any]:
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ExportError(
            f"{path}: not a coach history export (expected a JSON object with "
            f'"format": "{EXPORT_FORMAT}", as `coach export` writes)'
        )
    version = data.get("version")
    if version != EXPORT_VERSION:
        raise ExportError(
            f"{path}: export version {visible(repr(version))} is not one this coach reads "
            f"(it reads version {EXPORT_VERSION})"
        )
    sessions = data.get("sessions")
    if not isinstance(sessions, list):
        raise ExportError(f'{path}: "sessions" must be a list')
    return sessions


def _streamed_sessions(path: Path, stream: Any) -> Iterator[SessionRecord]:
    seen: set[str] = set()
    number = 1
    index = 0
    ended = False
    while True:
        number += 1
        raw, whole = _bounded_line(stream, path, number)
        if not whole:
            raise ExportError(
                f"{path}:{number}: a line longer than {MAX_LINE_BYTES // 1024**2} MiB is not "
                "a session coach exported; refused without reading the rest"
            )
        if not raw:
            break
        text = _text(path, raw, number).strip()
        if not text:
            continue
        if ended:
            raise ExportError(f"{path}:{number}: text after the end of the export")
        if text == "]}":
            ended = True
            continue
        item = _parse(path, text[:-1] if text.endswith(",") else text, number)
        yield _checked(path, item, f"sessions[{index}]", seen, number)
        index += 1
    if not ended:
        raise ExportError(f"{path}: the file ends before the export does (cut short?)")


def _checked(
    path: Path, item: Any, where: str, seen: set[str], number: int | None = None
) -> SessionRecord:
    place = f"{path}:{number}" if number is not None else str(path)
    try:
        record = session_from_json(item, where)
    except ValueError as error:
        raise ExportError(f"{place}: {visible(str(error), newlines=False)}") from None
    if record.id in seen:
        raise ExportError(f"{place}: {where}.id: {record.id} appears twice in the file")
    seen.add(record.id)
    return record


def _need(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise ValueError(f"{where}: missing {key!r}")
    value = data[key]
    if isinstance(value, bool) and kind is not bool and bool not in _as_tuple(kind):
        raise ValueError(f"{where}.{key}: expected {_kind_name(kind)}, got {value!r}")
    if not isinstance(value, kind):
        raise ValueError(f"{where}.{key}: expected {_kind_name(kind)}, got {value!r}")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    names[type(None)] = "null"
    names[list] = "a list"
    names[dict] = "an object"
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _optional(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if data.get(key) is None:
        return None
    return _need(data, key, kind, where)


def _time(data: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    text = _optional(data, key, str, where) if optional else _need(data, key, str, where)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}.{key}: {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise ValueError(f"{where}.{key}: {text!r} has no UTC offset")
    try:
        day = value.astimezone(UTC).date()
    except OverflowError:
        day = date.min
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{where}.{key}: {text!r} is not a time from {EARLIEST} to {LATEST}")
    return value


_MAX_INT = MAX_COUNT


def _seconds(data: Mapping[str, Any], key: str, where: str, limit: float) -> float:
    value = _optional(data, key, (int, float), where) or 0
    if not 0 <= value <= limit:  # a huge int would not even fit a float
        raise ValueError(f"{where}.{key}: must be from 0 to {limit:.0f} s (got {value})")
    return float(value)


def _optional_seconds(data: Mapping[str, Any], key: str, where: str) -> float | None:
    """An exercise's ``hold_seconds``, ``duration_seconds`` or ``rest_waited``, or absent."""
    if data.get(key) is None:
        return None
    return _seconds(data, key, where, MAX_ACTIVE_SECONDS)


def _small_int(data: Mapping[str, Any], key: str, where: str, low: int) -> int | None:
    value = _optional(data, key, int, where)
    if value is not None and not low <= value <= _MAX_INT:
        raise ValueError(f"{where}.{key}: expected a whole number from {low}, got {value!r}")
    return value  # type: ignore[no-any-return]


def _check_text(value: Any, where: str) -> None:
    """Text must be storable and safe to show: no lone surrogates (from ``\\ud800``
    escapes), no control, bidi or zero-width character (see :data:`coach.text.UNSAFE`)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                f"{where}: text with an invalid character (a lone surrogate)"
            ) from None
        unsafe = first_unsafe(value)
        if unsafe is not None:
            raise ValueError(
                f"{where}: text with {describe(unsafe)}, a control, bidi or zero-width "
                "character, which coach does not keep"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{where}[{index}]")


def _pain(data: Mapping[str, Any], key: str, where: str) -> int | None:
    value = _optional(data, key, int, where)
    if value is not None and not 0 <= value <= 10:
        raise ValueError(f"{where}.{key}: pain is rated from 0 to 10 (got {value})")
    return value  # type: ignore[no-any-return]


def _count(data: Mapping[str, Any], key: str, where: str) -> int:
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INT:
        raise ValueError(f"{where}.{key}: expected a whole number >= 0, got {value!r}")
    return value


def _dose(data: Mapping[str, Any], key: str, where: str) -> str | None:
    """An exercise's ``load`` or ``effort``: text as a program allows it, or absent."""
    value = _optional(data, key, str, where)
    if value is not None and not 1 <= len(value) <= MAX_DOSE_TEXT:
        raise ValueError(f"{where}.{key}: 1 to {MAX_DOSE_TEXT} characters, got {len(value)}")
    return value  # type: ignore[no-any-return]


def _phase(data: Mapping[str, Any], where: str) -> str | None:
    """A session's ``phase``: a phase's name as a program allows it, or absent."""
    value = _optional(data, "phase", str, where)
    if value is not None and not 1 <= len(value) <= MAX_DOSE_TEXT:
        raise ValueError(f"{where}.phase: 1 to {MAX_DOSE_TEXT} characters, got {len(value)}")
    return value  # type: ignore[no-any-return]


def _done_count(data: Mapping[str, Any], where: str) -> int | None:
    """An exercise's ``done_count``: a whole number >= 0, or absent."""
    if data.get("done_count") is None:
        return None
    return _count(data, "done_count", where)


def _program_hash(data: Mapping[str, Any], where: str) -> str | None:
    """A session's ``program_hash``: 64 hex digits (a sha256), or absent."""
    value = _optional(data, "program_hash", str, where)
    if value is not None and re.fullmatch(r"[0-9a-f]{64}", value) is None:
        raise ValueError(f"{where}.program_hash: expected 64 hex digits (a sha256)")
    return value  # type: ignore[no-any-return]


def _symptoms(
    data: Mapping[str, Any], where: str
) -> tuple[dict[str, int] | None, dict[str, int] | None]:
    """A session's ``symptoms``: ``{"before": {...}, "after": {...}}``, or absent."""
    value = _optional(data, "symptoms", dict, where)
    if value is None:
        return None, None
    at = f"{where}.symptoms"
    unknown = set(value) - {"before", "after"}
    if unknown:
        raise ValueError(f"{at}: {sorted(unknown)[0]!r} is not before or after")
    found: list[dict[str, int]] = []
    for key in ("before", "after"):
        ratings = _optional(value, key, dict, at) or {}
        found.append(check_symptoms(ratings, f"{at}.{key}"))
        pain = data.get(f"pain_{key}")
        if "pain" in ratings and pain is not None and pain != ratings["pain"]:
            raise ValueError(
                f"{at}.{key}.pain: {ratings['pain']} is not pain_{key} ({pain}); "
                "they are the same rating"
            )
    return found[0], found[1]


def _next_day(data: Mapping[str, Any], where: str) -> NextDay | None:
    value = _optional(data, "next_day", str, where)
    if value is not None and value not in NEXT_DAY_ANSWERS:
        raise ValueError(f"{where}.next_day: {value!r} is not one of better, same, worse")
    return value  # type: ignore[no-any-return]


def session_from_json(data: Any, where: str) -> SessionRecord:
    """A session from its JSON form (as exported); raises ValueError naming the bad field."""
    where = where or "session"
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    _check_text(data, where)
    session_id = _need(data, "id", str, where)
    if not session_id.strip() or len(session_id) > 100:
        raise ValueError(f"{where}.id: {session_id!r} is not a session id")
    status = _need(data, "status", str, where)
    if status not in STATUSES:
        raise ValueError(f"{where}.status: {status!r} is not one of completed, partial, declined")
    try:
        local_date = date.fromisoformat(_need(data, "local_date", str, where))
    except ValueError as error:
        if str(error).startswith(where):
            raise
        raise ValueError(f"{where}.local_date: {data['local_date']!r} is not a date") from None
    if not EARLIEST <= local_date <= LATEST:
        raise ValueError(
            f"{where}.local_date: {local_date.isoformat()} is not from {EARLIEST} to {LATEST}"
        )
    started_at = _time(data, "started_at", where)
    if abs((local_date - started_at.date()).days) > 2:
        raise ValueError(
            f"{where}.local_date: {local_date} is not the day of started_at "
            f"{started_at.isoformat()}"
        )
    ended_at = _time(data, "ended_at", where, optional=True)
    if ended_at is not None:
        lasted = (ended_at - started_at).total_seconds()
        if lasted < 0:
            raise ValueError(f"{where}.ended_at: before started_at (a negative duration)")
        if lasted > MAX_ELAPSED_SECONDS:
            raise ValueError(
                f"{where}.ended_at: {lasted / 3600:.0f} h after started_at; a session lasts "
                f"at most {MAX_ELAPSED_SECONDS / 3600:.0f} h, pauses included"
            )
    offset = data.get("utc_offset")
    if offset is None:
        delta = started_at.utcoffset()
        offset = int(delta.total_seconds()) if delta is not None else 0
    elif isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) > 18 * 3600:
        raise ValueError(f"{where}.utc_offset: {offset!r} is not a UTC offset in seconds")
    _need(data, "active_seconds", (int, float), where)
    active = _seconds(data, "active_seconds", where, MAX_ACTIVE_SECONDS)
    schedule = _optional(data, "schedule", dict, where) or {}
    exercises = []
    items = _optional(data, "exercises", list, where) or []
    if len(items) > MAX_EXERCISES:
        raise ValueError(f"{where}.exercises: more than {MAX_EXERCISES:,} exercises")
    for index, item in enumerate(items):
        at = f"{where}.exercises[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{at}: expected an object")
        exercises.append(
            ExerciseRecord(
                exercise=_need(item, "exercise", str, at),
                name=_optional(item, "name", str, at) or item["exercise"],
                position=index,
                completed=_need(item, "completed", bool, at),
                sets_done=_count(item, "sets_done", at),
                sets_planned=_count(item, "sets_planned", at),
                reps_done=_count(item, "reps_done", at),
                reps_planned=_count(item, "reps_planned", at),
                skipped_steps=_count(item, "skipped_steps", at),
                load=_dose(item, "load", at),
                effort=_dose(item, "effort", at),
                done_count=_done_count(item, at),
                hold_seconds=_optional_seconds(item, "hold_seconds", at),
                duration_seconds=_optional_seconds(item, "duration_seconds", at),
                rest_waited=_optional_seconds(item, "rest_waited", at),
            )
        )
    symptoms_before, symptoms_after = _symptoms(data, where)
    pain_before = _pain(data, "pain_before", where)
    pain_after = _pain(data, "pain_after", where)
    if pain_before is None and symptoms_before is not None:
        pain_before = symptoms_before.get("pain")
    if pain_after is None and symptoms_after is not None:
        pain_after = symptoms_after.get("pain")
    return SessionRecord(
        id=session_id,
        program=_need(data, "program", str, where),
        title=_optional(data, "title", str, where) or data["program"],
        started_at=started_at,
        ended_at=ended_at,
        utc_offset=offset,
        local_date=local_date,
        # A session running elsewhere cannot be finished here.
        status="partial" if status == "running" else status,
        active_seconds=float(active),
        planned_seconds=_seconds(data, "planned_seconds", where, MAX_PLANNED_SECONDS),
        skipped_steps=_count(data, "skipped_steps", where),
        stop_reason=_optional(data, "stop_reason", str, where),
        program_version=_optional(data, "program_version", str, where) or "",
        program_sha256=_optional(data, "program_sha256", str, where) or "",
        per_day=_small_int(schedule, "per_day", f"{where}.schedule", 1),
        per_week=_small_int(schedule, "per_week", f"{where}.schedule", 1),
        stop_above=_small_int(data, "stop_above", where, 0),
        pain_before=pain_before,
        pain_after=pain_after,
        note=_optional(data, "note", str, where) or "",
        exercises=exercises,
        updated_at=_time(data, "updated_at", where, optional=True),
        phase=_phase(data, where),
        program_hash=_program_hash(data, where),
        symptoms_before=symptoms_before,
        symptoms_after=symptoms_after,
        next_day=_next_day(data, where),
    )
