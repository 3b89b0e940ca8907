"""``coach validate``, ``plan``, ``list`` and ``schema``: program files, never Textual or Rich."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from coach.cli.exits import EXIT_INVALID, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    import argparse
    import datetime

    from coach.program.library import Library
    from coach.program.loader import LoadedProgram
    from coach.program.timeline import Timeline


def _cmd_validate(args: argparse.Namespace) -> int:
    from coach.program.durations import format_clock
    from coach.program.library import unexpected_problem
    from coach.program.loader import ProgramError, load_program
    from coach.program.timeline import session_size
    from coach.text import visible

    files: list[Path] = []
    for path in args.paths:
        if path.is_dir():  # a stat: safe on a FIFO or a device, unlike opening it
            try:
                found = sorted(path.glob("*.toml"))
            except OSError as error:
                print(f"{visible(str(path))}: cannot list the folder: {error}", file=sys.stderr)
                return EXIT_INVALID
            if not found:
                print(f"{visible(str(path))}: no .toml files in this folder", file=sys.stderr)
                return EXIT_INVALID
            files.extend(found)
        else:
            files.append(path)

    bad = 0
    for file in files:
        try:
            loaded = load_program(file)
            program = loaded.program
            length = format_clock(session_size(program).seconds)
        except ProgramError as error:
            bad += 1
            for issue in error.issues:
                print(issue, file=sys.stderr)
            continue
        except Exception as error:  # one file never stops the others from being checked
            bad += 1
            for issue in unexpected_problem(file, error).issues:
                print(issue, file=sys.stderr)
            continue
        if not args.quiet:
            count = len(program.exercises)
            noun = "exercise" if count == 1 else "exercises"
            phases = len(program.phases)
            if phases:  # the length is the program's as written (plan --on gives a day's)
                noun += f", {phases} phase" + ("s" if phases != 1 else "")
            if loaded.extends is not None:  # a patient file: the program it adapts
                noun += f", adapts {loaded.extends.program.id}"
            print(visible(f"{file}: ok ({program.id}, {count} {noun}, {length})", newlines=False))
    if bad and len(files) > 1:
        print(f"{bad} of {len(files)} files have problems", file=sys.stderr)
    return EXIT_INVALID if bad else EXIT_OK


# --- plan -------------------------------------------------------------------------------------


def _load_library() -> Library:
    from coach.program.library import load_library

    return load_library()


def _resolve(ref: str) -> LoadedProgram | int:
    """The program ``ref`` names, or an exit status after printing why not."""
    from coach.program.library import UnknownProgramError, looks_like_path, unexpected_problem
    from coach.program.loader import ProgramError, load_program
    from coach.text import visible

    try:
        if looks_like_path(ref):
            return load_program(Path(ref).expanduser())  # no need to read the whole library
        return _load_library().resolve(ref)
    except ProgramError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    except UnknownProgramError as error:
        print(f"coach: {visible(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # never a traceback for a file someone sent
        print(unexpected_problem(Path(ref), error), file=sys.stderr)
        return EXIT_INVALID


def _cmd_plan(args: argparse.Namespace) -> int:
    from coach.program.library import unexpected_problem
    from coach.program.timeline import build_timeline
    from coach.text import json_text

    if args.format != "text" and (args.json or args.steps):
        print(
            "coach: --format html or md is a handout; it goes without --json and --steps",
            file=sys.stderr,
        )
        return EXIT_USAGE
    loaded = _resolve(args.program)
    if isinstance(loaded, int):
        return loaded
    day = args.on
    prescription = loaded.program.info.prescription
    if prescription is not None:
        from coach.cli.overrides import _overrides

        today = _today()
        first = None
        if prescription.start is None:
            first = _first_day(loaded.program.id, _overrides(args))
        loaded = loaded.on(day or today, first, today)
    if args.format != "text":
        # Imported only here: plain `coach plan` never loads the handout's writers.
        from coach.program.handout import handout_html, handout_markdown, handout_of

        handout = handout_of(loaded, dated=loaded.counted_from != "today")
        write = handout_html if args.format == "html" else handout_markdown
        sys.stdout.write(write(handout))
        return EXIT_OK
    try:
        timeline = build_timeline(loaded.program)
    except Exception as error:  # the loader refuses what is too large; this is a second guard
        print(unexpected_problem(loaded.path, error), file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        data = timeline.to_json()
        data = {"program": data.pop("program"), "phase": loaded.phase_name, **data}
        sys.stdout.write(json_text(data, indent=2) + "\n")
    else:
        _print_plan(timeline, sys.stdout, steps=args.steps, loaded=loaded, day=day)
    return EXIT_OK


def _first_day(program: str, overrides: dict[str, str]) -> datetime.date | None:
    """The day of ``program``'s first recorded session (a protocol's week 1), if any."""
    from coach.errors import SettingsError
    from coach.history.store import first_session_day
    from coach.status import quick_history_settings

    try:
        return first_session_day(quick_history_settings(overrides).data_dir, program)
    except SettingsError:
        return None


def _today() -> datetime.date:
    """Today, as the history counts days (after ``history.day_start``)."""
    from coach.clock import SystemClock
    from coach.errors import SettingsError  # not from coach.config: it loads pydantic-settings
    from coach.history.calendar import DEFAULT_DAY_START, local_day
    from coach.status import quick_history_settings

    try:
        day_start = quick_history_settings({}).day_start
    except SettingsError as error:
        print(f"coach: {error}\n(counting days from {DEFAULT_DAY_START:%H:%M})", file=sys.stderr)
        day_start = DEFAULT_DAY_START
    return local_day(SystemClock().now(), day_start)


def _print_plan(
    timeline: Timeline,
    out: TextIO,
    *,
    steps: bool,
    loaded: LoadedProgram | None = None,
    day: datetime.date | None = None,
) -> None:
    from coach.program.durations import format_clock, format_duration
    from coach.program.timeline import (
        AS_NEEDED_NOTE,
        describe_pacing,
        describe_step,
        dose_lines,
        range_text,
        schedule_line,
    )

    program = timeline.program
    out.write(f"{program.title} ({program.id})\n")
    if program.info.summary:
        out.write(f"{program.info.summary}\n")
    lines = []
    if loaded is not None and loaded.as_written.info.prescription is not None:
        from coach.program.phases import prescription_lines

        when = "Today" if day is None else f"On {day}"
        lines = prescription_lines(
            loaded.as_written.info.prescription,
            loaded.phase,
            loaded.week,
            when,
            loaded.counted_from,
        )
    if loaded is not None:
        lines += patient_lines(loaded)
    shown = schedule_line(program.info.schedule)
    for line in [*lines, *([shown] if shown else [])]:
        out.write(f"{line}\n")
    out.write("\n")
    rows = [("#", "Exercise", "Sides", "Sets", "Reps", "Each rep", "Length")]
    for index, exercise in enumerate(program.exercises):
        rows.append(
            (
                str(index + 1),
                exercise.name,
                exercise.sides,
                range_text(exercise.sets),
                "-" if exercise.reps is None else range_text(exercise.reps),
                describe_pacing(exercise),
                format_clock(timeline.exercise_seconds(index)),
            )
        )
    _print_table(rows, out)
    doses = [
        f"  {index + 1}. {exercise.name}: {'; '.join(dose_lines(exercise))}"
        for index, exercise in enumerate(program.exercises)
        if dose_lines(exercise)
    ]
    if doses:
        out.write("\n" + "\n".join(doses) + "\n")
    total = timeline.total_seconds
    out.write(
        f"\nTotal: {format_clock(total)} ({format_duration(total)}) in "
        f"{len(timeline.steps)} steps\n"
    )
    if any(step.as_needed for step in timeline.steps):
        from coach.program.model import AS_NEEDED_SECONDS

        out.write(AS_NEEDED_NOTE.format(seconds=format_duration(AS_NEEDED_SECONDS)) + "\n")
    if steps:
        out.write("\n")
        for offset, step in zip(timeline.offsets(), timeline.steps, strict=True):
            exercise = program.exercises[step.exercise_index]
            out.write(
                f"{format_clock(offset):>8}  {step.kind:<6}  {format_duration(step.seconds):>7}  "
                f"{describe_step(step, exercise)}\n"
            )
    if program.info.precautions:
        out.write("\nPrecautions:\n")
        for line in program.info.precautions:
            out.write(f"  - {line}\n")


def patient_lines(loaded: LoadedProgram) -> list[str]:
    """Who a program is for and what it adapts: ``For J. S., affected side: right``."""
    lines = []
    if loaded.extends is not None:
        lines.append(f"Adapts {loaded.extends.program.id} ({loaded.extends.path.name})")
    patient = loaded.program.patient
    if patient is not None:
        said = [f"For {patient.label}"] if patient.label else []
        if patient.affected_side is not None:
            said.append(f"affected side: {patient.affected_side}")
        if said:
            lines.append(", ".join(said))
        if patient.notes:
            lines.append(f"Notes: {patient.notes}")
    return lines


def _print_table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    from coach.text import visible

    rows = [[visible(cell, newlines=False) for cell in row] for row in rows]
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        out.write("\n")


# --- list -------------------------------------------------------------------------------------


def _cmd_list(args: argparse.Namespace) -> int:
    from coach.program.durations import format_clock, json_seconds
    from coach.text import json_text, visible

    # Everything listed comes from each entry's listing (the cache's, or the
    # check just made), so no file is read twice and none is opened again
    # after it was checked.
    library = _load_library()
    if args.json:
        data = {
            "programs": [
                {
                    "id": entry.id,
                    "title": entry.listing.title,
                    "summary": entry.listing.summary,
                    "audience": list(entry.listing.audience),
                    "total_seconds": json_seconds(entry.listing.total_seconds),
                    "path": str(entry.path),
                    "folder": entry.folder.kind,
                    "replaces": [str(path) for path in entry.replaces],
                }
                for entry in library.entries
            ],
            "broken": [
                {
                    "path": str(broken.path),
                    "folder": broken.folder.kind,
                    "errors": [str(issue) for issue in broken.error.issues],
                }
                for broken in library.broken
            ],
        }
        sys.stdout.write(json_text(data, indent=2) + "\n")
        return EXIT_OK

    out = sys.stdout
    if not library.entries:
        out.write("No programs found.\n")
    else:
        rows = [("ID", "TITLE", "AUDIENCE", "LENGTH", "FROM")]
        for entry in library.entries:
            listing = entry.listing
            rows.append(
                (
                    entry.id,
                    visible(listing.title, newlines=False),
                    visible(", ".join(listing.audience), newlines=False) or "-",
                    format_clock(listing.total_seconds),
                    entry.folder.kind,
                )
            )
        _print_table(rows, out)
    for entry in library.entries:
        for hidden in entry.replaces:
            line = f"{entry.id}: {entry.path} replaces {hidden}"
            out.write(f"\n{visible(line, newlines=False)}")
    if any(entry.replaces for entry in library.entries):
        out.write("\n")
    if library.broken:
        out.write(f"\nBroken program files ({len(library.broken)}):\n")
        for broken in library.broken:
            for issue in broken.error.issues:
                out.write(f"  {issue}\n")
    return EXIT_OK


# --- schema -----------------------------------------------------------------------------------


def _cmd_schema(args: argparse.Namespace) -> int:
    from coach.program.model import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    from coach.files import atomic_write

    try:
        with atomic_write(args.output, shared=True) as out:
            out.write(text)
    except OSError as error:
        print(f"coach: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


# --- config -----------------------------------------------------------------------------------
