"""Read program files and report every problem as ``PATH:LINE[:COL]: message``.

The loader never guesses and never shows a traceback: a file is either a
valid :class:`~coach.program.model.Program` or a :class:`ProgramError` listing each
problem with the line of the offending key (or of its table's header when a
required key is missing), so an author can jump straight to it.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import hashlib
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

# Re-exported: they live in coach.errors so the library's cache can use them without pydantic.
from coach.errors import ProgramError as ProgramError
from coach.errors import ProgramIssue as ProgramIssue
from coach.files import FileTooLarge, NotARegularFile, read_regular_file
from coach.program import mistakes, nesting
from coach.program import positions as toml_positions
from coach.program.durations import format_duration
from coach.program.model import (
    AS_NEEDED,
    MAX_COUNT,
    MAX_SESSION_SECONDS,
    MAX_STEPS,
    PACING_KEYS,
    PATIENT_SIDES,
    RANGE_TAGS,
    SCHEMA_VERSION,
    SCHEMA_VERSIONS,
    Checkin,
    DoseOverride,
    Exercise,
    Patient,
    PatientFile,
    Phase,
    Prescription,
    Program,
    ProgramInfo,
    Schedule,
    SymptomLimits,
    TempoPhase,
    apply_dose,
    merge_overrides,
    pacing_problem,
)
from coach.program.phases import on_day, phase_problems, with_phase
from coach.program.timeline import exact, exercise_sizes, session_size
from coach.text import first_unsafe, visible

#: Program files larger than this are refused before they are read.
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LoadedProgram:
    """A valid program with the file it came from."""

    program: Program
    """The program to pace: with the dose of the phase in force, after :meth:`on`."""

    path: Path
    sha256: str
    """Hash of the file's bytes, so history can tell which version was done."""

    phase: Phase | None = None
    """The phase whose dose :attr:`program` has (after :meth:`on`), or None."""

    week: int | None = None
    """The prescription's week on the day given to :meth:`on`, or None outside it."""

    written: Program | None = None
    """The program as written, when :attr:`program` has a phase's dose."""

    counted_from: Literal["first session", "today"] | None = None
    """For a protocol (a prescription with no ``start``), what its weeks count from
    after :meth:`on`: the first recorded session, or today when there is none yet."""

    extends: LoadedProgram | None = None
    """For a patient file, the program it extends (as loaded for it), else None."""

    depends_on: tuple[Path, ...] = ()
    """For a patient file, every other file and folder whose change could change what
    it makes: the files it extends, and for an ``extends`` by id the library folders
    searched and the files read to find it (a new or edited file there could be found
    instead). The library's cache checks their stamps (:mod:`coach.program.library_cache`)."""

    @property
    def sources(self) -> tuple[Path, ...]:
        """Every other file this program was made from: the files a patient file extends."""
        if self.extends is None:
            return ()
        return (self.extends.path, *self.extends.sources)

    @property
    def as_written(self) -> Program:
        """The program as the file gives it, before any phase."""
        return self.program if self.written is None else self.written

    @property
    def phase_name(self) -> str | None:
        """The name of :attr:`phase`, as the session's lines and history give it."""
        return None if self.phase is None else self.phase.name

    def on(
        self,
        day: datetime.date,
        first_day: datetime.date | None = None,
        today: datetime.date | None = None,
    ) -> LoadedProgram:
        """This program with the dose prescribed for ``day`` (its local day); itself for a
        program without a prescription.

        A protocol's prescription has no ``start``: its weeks count from
        ``first_day``, the day of the program's first recorded session (or
        from ``today``, default ``day``, before there is one: ``plan --on`` a
        later day then shows that day's week).
        """
        written = self.as_written
        prescription = written.info.prescription
        if prescription is None:
            return self
        counted_from: Literal["first session", "today"] | None = None
        if prescription.start is None:
            counted_from = "today" if first_day is None else "first session"
            dated = prescription.starting(first_day or today or day)
            written = written.model_copy(
                update={"info": written.info.model_copy(update={"prescription": dated})}
            )
        dosed = on_day(written, day)
        return dataclasses.replace(
            self,
            program=dosed.program,
            phase=dosed.phase,
            week=dosed.week,
            written=None if dosed.program is written else written,
            counted_from=counted_from,
        )


MAX_EXTENDS = 8
"""The longest chain of patient files extending patient files that is read."""


def load_program(path: Path) -> LoadedProgram:
    """Read and validate the program file (or patient file) at ``path``; raise
    :class:`ProgramError`.

    A patient file (top-level ``extends``) comes back resolved: the program it
    extends with its ``[program]`` keys, ``[patient]`` and ``[adjust.ID]`` doses,
    and every ``sides = "affected"``/``"unaffected"`` turned into ``left``/``right``.
    """
    return _load(path, ())


def _load(path: Path, chain: tuple[Path, ...], *, base: bool = False) -> LoadedProgram:
    """:func:`load_program`; ``chain``: the patient files that led here (for cycles);
    ``base``: loaded for a patient file, so its patient sides stay unresolved."""
    data = _read_program_file(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ProgramError(
            [ProgramIssue(path, f"not UTF-8 text (byte 0x{data[error.start]:02x})", line)]
        ) from None
    sha256 = hashlib.sha256(data).hexdigest()
    if not is_patient_file(text):
        program = parse_program(text, path, resolve_sides=not base)
        return LoadedProgram(program, path, sha256)
    program, extended, looked_at = _parse_patient_file(text, path, chain)
    if not base:
        program = _resolved_sides(program, path, text, extended)
    # The hash of the resolved program: this file's bytes and those of what it extends.
    sha256 = hashlib.sha256(f"{sha256} extends {extended.sha256}".encode()).hexdigest()
    depends_on = tuple(dict.fromkeys((*looked_at, *extended.depends_on)))
    return LoadedProgram(program, path, sha256, extends=extended, depends_on=depends_on)


def is_patient_file(text: str) -> bool:
    """Whether ``text`` has a top-level ``extends`` key (cheap: a line that starts with it,
    before the first table; :func:`_parse_patient_file` then parses it for real)."""
    for line in mistakes.without_bom(text).splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            return False
        if re.match(r"""["']?extends["']?\s*=""", stripped):
            return True
    return False


def _parse_patient_file(
    text: str, path: Path, chain: tuple[Path, ...]
) -> tuple[Program, LoadedProgram, tuple[Path, ...]]:
    """The program a patient file makes, the program it extends (as loaded for it) and
    what was looked at to find that (:attr:`LoadedProgram.depends_on`).

    Its ``[program]`` keys replace the extended program's (a table, such as
    ``[program.schedule]``, whole); its ``[patient]`` replaces the program's;
    each ``[adjust.ID]`` dose applies to that exercise, and wins over a phase's
    dose where both give the same key (the phase's other keys still apply).
    """
    text = mistakes.without_bom(text)
    raw = _parse_toml(text, path)
    positions = toml_positions.key_positions(text)
    issues: list[_Found] = []
    version = raw.get("schema_version")
    if version != 2 or isinstance(version, bool):
        issues.append(
            _Found(
                ("schema_version",) if "schema_version" in raw else (),
                "a patient file (a file with extends) is version 2: write schema_version = 2 "
                "at the top of the file",
            )
        )
    issues.extend(_control_characters(raw, ()))
    patient_file: PatientFile | None = None
    try:
        patient_file = PatientFile.model_validate(raw)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            if detail["loc"] != ("schema_version",):
                issues.append(_from_pydantic(detail))
    if issues or patient_file is None:
        raise _errors(path, positions, issues)

    base_path, looked_at = _find_extended(patient_file.extends, path, positions)
    here = path.resolve()
    if base_path.resolve() in (*chain, here):
        raise _errors(
            path,
            positions,
            [
                _Found(
                    ("extends",),
                    f"extends {patient_file.extends!r}: that file extends this one again "
                    "(a loop); a patient file extends a program, or one other patient file",
                )
            ],
        )
    if len(chain) >= MAX_EXTENDS:
        raise _errors(
            path,
            positions,
            [_Found(("extends",), f"more than {MAX_EXTENDS} patient files extend each other")],
        )
    try:
        extended = _load(base_path, (*chain, here), base=True)
    except ProgramError as error:
        line = positions.get(("extends",), (None, None))[0]
        lead = ProgramIssue(
            path,
            f"extends {patient_file.extends!r}: {base_path} has problems (below); fix them there",
            line,
        )
        raise ProgramError([lead, *error.issues]) from None
    base = extended.program
    if patient_file.info.id == base.id:
        issues.append(
            _Found(
                ("program", "id"),
                f"a patient file needs its own id, not {base.id!r} (the program it extends): "
                f'for example id = "{base.id}-for-js"',
            )
        )
    given = {
        key: getattr(patient_file.info, key)
        for key in patient_file.info.model_fields_set
        if getattr(patient_file.info, key) is not None
    }
    if "title" not in given:
        # Listed beside the protocol it extends, it must not read as the protocol.
        patient = patient_file.patient or base.patient
        who = patient.label if patient is not None and patient.label else patient_file.info.id
        given["title"] = f"{base.title}, for {who}"
    info = base.info.model_copy(update=given)
    ids = [exercise.id for exercise in base.exercises]
    exercises: list[Exercise] = []
    for exercise in base.exercises:
        adjust = patient_file.adjust.get(exercise.id)
        if adjust is None:
            exercises.append(exercise)
            continue
        try:
            dosed = apply_dose(exercise, adjust)
        except ValidationError as error:
            reason = str(error.errors(include_url=False)[0]["msg"]).removeprefix("Value error, ")
            issues.append(
                _Found(
                    ("adjust", exercise.id),
                    f"[adjust.{exercise.id}]: exercise {exercise.id!r} would not pace: {reason}",
                )
            )
            continue
        if dosed is not None:
            exercises.append(dosed)
    for exercise_id in patient_file.adjust:
        if exercise_id not in ids:
            issues.append(
                _Found(
                    ("adjust", exercise_id),
                    f"[adjust.{exercise_id}]: {base_path.name} has no exercise with that id "
                    f"(its exercises: {', '.join(ids)})",
                )
            )
    if not exercises and not issues:
        issues.append(_Found(("adjust",), "the adjustments leave out every exercise"))
    kept = {exercise.id for exercise in exercises}
    phases = [
        phase.model_copy(
            update={
                "exercise": {
                    exercise_id: merge_overrides(dose, patient_file.adjust[exercise_id])
                    if exercise_id in patient_file.adjust
                    else dose
                    for exercise_id, dose in phase.exercise.items()
                    if exercise_id in kept
                }
            }
        )
        for phase in base.phases
    ]
    if issues:
        raise _errors(path, positions, issues)
    program = base.model_copy(
        update={
            "info": info,
            "exercises": exercises,
            "phases": phases,
            "patient": patient_file.patient or base.patient,
        }
    )
    phase_issues = [_Found(key, message) for key, message in phase_problems(program)]
    if phase_issues:
        raise _errors(path, positions, phase_issues)
    _check_limits(program, path, positions)
    return program, extended, looked_at


def _find_extended(
    ref: str, path: Path, positions: dict[Any, tuple[int, int]]
) -> tuple[Path, tuple[Path, ...]]:
    """The file a patient file's ``extends`` names (a path relative to it, or a library
    id), and every file and folder looked at to find it, in order, ending with it."""
    from coach.program.library import looks_like_path, program_folders

    if looks_like_path(ref):
        named = path.parent / Path(ref).expanduser()
        target = named.resolve()
        if target.is_file():
            # The name too: a link repointed to another file changes what is found.
            return target, (named, target) if named != target else (target,)
        raise _errors(
            path,
            positions,
            [_Found(("extends",), f"extends {ref!r}: there is no file {target}")],
        )
    folders = [folder.path for folder in program_folders()]
    declares = re.compile(rf"""^\s*id\s*=\s*["']{re.escape(ref)}["']\s*(#.*)?$""", re.MULTILINE)
    here = path.resolve()
    looked_at: list[Path] = []
    for folder in folders:
        looked_at.append(folder)  # a folder made later, or a file added, is looked at too
        try:
            files = sorted(folder.glob("*.toml"))
        except OSError:
            continue
        for file in files:
            if file.resolve() == here:
                continue
            looked_at.append(file)
            try:
                text = file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if file.stem == ref or declares.search(text):
                return file, tuple(looked_at)
    searched = ", ".join(str(folder) for folder in folders)
    raise _errors(
        path,
        positions,
        [
            _Found(
                ("extends",),
                f"extends {ref!r}: no program with that id in the library (looked in {searched}) "
                "and it is not a path; write an id from `coach list`, or a path such as "
                f'"./{ref}.toml" (relative to this file)',
            )
        ],
    )


def _resolved_sides(program: Program, path: Path, text: str, extended: LoadedProgram) -> Program:
    """A patient file's program with ``affected``/``unaffected`` sides made left or right;
    refused, at the patient file, when it has no affected side to take them from."""
    affected = None if program.patient is None else program.patient.affected_side
    if affected is None:
        uses = [e.id for e in program.exercises if e.sides in PATIENT_SIDES]
        if uses:
            positions = toml_positions.key_positions(mistakes.without_bom(text))
            where = ("patient",) if ("patient",) in positions else ("extends",)
            raise _errors(
                path,
                positions,
                [
                    _Found(
                        where,
                        f"{extended.path.name} uses the patient's sides (affected or unaffected, "
                        f'in {", ".join(uses)}): give [patient] affected_side = "left" or '
                        '"right"',
                    )
                ],
            )
    return with_sides(program)


def _read_program_file(path: Path) -> bytes:
    """The bytes of the regular file at ``path``, at most :data:`MAX_FILE_BYTES` of them.

    :func:`coach.files.read_regular_file` opens it without waiting and looks at
    it before reading: a FIFO, a device such as ``/dev/zero`` or a folder is
    refused by kind, a file over the limit by its size, so nothing named
    ``*.toml`` can make coach wait for ever or fill the memory.
    """
    try:
        return read_regular_file(path, MAX_FILE_BYTES)
    except NotARegularFile as error:
        raise _single(path, f"is {error.kind}, not a program file") from None
    except FileTooLarge as error:
        if error.size is None:
            raise _single(path, "file is larger than the 1 MiB limit for program files") from None
        raise _single(
            path,
            f"file is {error.size:,} bytes; program files are limited to 1 MiB (1,048,576 bytes)",
        ) from None
    except FileNotFoundError:
        raise _single(path, "no such file") from None
    except PermissionError:
        raise _single(path, "cannot read the file: permission denied") from None
    except IsADirectoryError:
        raise _single(path, "is a folder, not a program file") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise _single(path, f"cannot read the file: {_reason(error)}") from None


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def parse_program(text: str, path: Path, *, resolve_sides: bool = True) -> Program:
    """Validate program ``text``; ``path`` is only used in messages.

    With ``resolve_sides`` (the default) ``sides = "affected"``/``"unaffected"`` become
    ``left``/``right`` from ``[patient] affected_side``, and a file using them without one
    is refused; without it they are left for a patient file to resolve."""
    text = mistakes.without_bom(text)  # Windows editors add one; TOML has no use for it
    raw = _parse_toml(text, path)
    positions = toml_positions.key_positions(text)
    issues: list[_Found] = []

    version = raw.get("schema_version")
    if "schema_version" not in raw:
        issues.append(
            _Found(
                (),
                "missing schema_version = 1 at the top of the file (or schema_version = 2, "
                "for a file that uses what version 2 adds)",
            )
        )
    elif isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise ProgramError(
            [
                _issue(
                    path,
                    positions,
                    _Found(
                        ("schema_version",),
                        f"written for a newer coach: schema_version {version}, but this coach "
                        f"reads versions 1 and {SCHEMA_VERSION}; update coach to use this program",
                    ),
                )
            ]
        )
    elif (meant := _version_meant(version)) is not None:
        issues.append(
            _Found(
                ("schema_version",),
                f"schema_version is a whole number: write schema_version = {meant}, "
                "without quotes or a decimal point",
            )
        )
    elif (
        version not in SCHEMA_VERSIONS or not isinstance(version, int) or isinstance(version, bool)
    ):
        issues.append(
            _Found(("schema_version",), f"schema_version must be 1 or 2, got {version!r}")
        )
    elif version == 1:
        issues.extend(_version_2_only(raw))

    issues.extend(_control_characters(raw, ()))
    issues.extend(_duplicate_exercise_ids(raw))
    issues.extend(_pacing(raw))

    program: Program | None = None
    try:
        program = Program.model_validate(raw)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            if detail["loc"] == ("schema_version",):
                continue  # reported above, in our own words
            issues.append(_from_pydantic(detail))

    if program is not None:
        issues.extend(_Found(key, message) for key, message in phase_problems(program))

    if program is not None and resolve_sides:
        affected = None if program.patient is None else program.patient.affected_side
        if affected is None:
            issues.extend(_sides_without_patient(program))

    if issues:
        raise _errors(path, positions, issues)
    assert program is not None
    _check_limits(program, path, positions)
    if resolve_sides:
        program = with_sides(program)
    return program


def _errors(
    path: Path, positions: dict[Any, tuple[int, int]], issues: list[_Found]
) -> ProgramError:
    """Every problem found, once each, in the order of the file."""
    unique: dict[tuple[object, ...], ProgramIssue] = {}
    for found in issues:
        issue = _issue(path, positions, found)
        unique.setdefault((issue.line, issue.column, issue.message), issue)
    ordered = sorted(unique.values(), key=lambda i: (i.line or 0, i.column or 0))
    return ProgramError(ordered)


def _sides_without_patient(program: Program) -> Iterator[_Found]:
    for index, exercise in enumerate(program.exercises):
        if exercise.sides in PATIENT_SIDES:
            yield _Found(
                ("exercise", index, "sides"),
                f"sides = {exercise.sides!r} needs the patient's affected side: add "
                '[patient] with affected_side = "left" or "right", or write a patient '
                "file that extends this program and gives one",
            )


def with_sides(program: Program) -> Program:
    """``program`` with ``sides = "affected"``/``"unaffected"`` made ``left``/``right`` from
    ``[patient] affected_side`` (the loader has checked there is one where they are used)."""
    affected = None if program.patient is None else program.patient.affected_side
    if affected is None:
        return program
    other = "right" if affected == "left" else "left"
    side = {"affected": affected, "unaffected": other}
    exercises = [
        exercise.model_copy(update={"sides": side[exercise.sides]})
        if exercise.sides in side
        else exercise
        for exercise in program.exercises
    ]
    phases = program.phases  # a phase's doses do not name sides
    return program.model_copy(update={"exercises": exercises, "phases": phases})


def _check_limits(program: Program, path: Path, positions: dict[Any, tuple[int, int]]) -> None:
    """Refuse a session, as written or in any phase, over the limits of one session."""
    over = list(_session_limits(program))
    for index, phase in enumerate(program.phases):
        dosed = with_phase(program, phase)
        for found in _session_limits(dosed):
            exercise_id = dosed.exercises[int(found.path[1])].id
            where: tuple[str | int, ...] = ("phase", index)
            if exercise_id in phase.exercise:
                where = (*where, "exercise", exercise_id)
            message = found.message.replace("this exercise", f"exercise {exercise_id!r}", 1)
            over.append(_Found(where, f"in phase {phase.name!r}: {message}"))
    if over:
        raise ProgramError([_issue(path, positions, found) for found in over])


def _version_meant(version: object) -> int | None:
    """The version a person meant by ``"1"`` or ``2.0``, or None."""
    for known in SCHEMA_VERSIONS:
        if (isinstance(version, str) and version.strip() == str(known)) or (
            isinstance(version, float) and version == known
        ):
            return known
    return None


def _version_2_only(raw: Mapping[str, Any]) -> Iterator[_Found]:
    """What a version 1 file uses that only version 2 has, each where it is written."""
    needs = "needs schema_version = 2 at the top of the file (this file says 1)"
    if "phase" in raw:
        yield _Found(("phase",), f"[[phase]] {needs}")
    info = raw.get("program")
    if "patient" in raw:
        yield _Found(("patient",), f"[patient] {needs}")
    if isinstance(info, Mapping) and "prescription" in info:
        yield _Found(("program", "prescription"), f"[program.prescription] {needs}")
    if isinstance(info, Mapping) and isinstance(info.get("schedule"), Mapping):
        for key in ("per_day", "per_week"):
            if isinstance(info["schedule"].get(key), Mapping):
                yield _Found(("program", "schedule", key), f"a range for {key} {needs}")
        for key in ("days", "times", "as_needed"):
            if key in info["schedule"]:
                yield _Found(("program", "schedule", key), f"{key} in [program.schedule] {needs}")
    if isinstance(info, Mapping):
        yield from _as_needed_rests(info, ("program",), needs)
    checkin = info.get("checkin") if isinstance(info, Mapping) else None
    if isinstance(checkin, Mapping):
        for key in ("ask", "limits", "next_day"):
            if key in checkin:
                yield _Found(("program", "checkin", key), f"{key} in [program.checkin] {needs}")
    exercises = raw.get("exercise")
    if not isinstance(exercises, list):
        return
    for index, exercise in enumerate(exercises):
        if not isinstance(exercise, Mapping):
            continue
        for key in sorted(mistakes.RANGED_KEYS & set(exercise)):
            if isinstance(exercise[key], Mapping):
                yield _Found(("exercise", index, key), f"a range for {key} {needs}")
        if exercise.get("sides") in ("both", "affected", "unaffected"):
            yield _Found(("exercise", index, "sides"), f'sides = "{exercise["sides"]}" {needs}')
        for key in _VERSION_2_EXERCISE_KEYS:
            if key in exercise:
                yield _Found(("exercise", index, key), f"{key} {needs}")
        yield from _as_needed_rests(exercise, ("exercise", index), needs)


def _as_needed_rests(
    table: Mapping[str, Any], where: tuple[str | int, ...], needs: str
) -> Iterator[_Found]:
    for key in ("rest_between_reps", "rest_between_sets", "rest_after", "rest_between_exercises"):
        value = table.get(key)
        if value == AS_NEEDED:
            yield _Found((*where, key), f'{key} = "{AS_NEEDED}" {needs}')


_VERSION_2_EXERCISE_KEYS = ("load", "effort")


_DEPTH_NEEDED = "a program needs 4"
# Python refuses to read an int of more digits than this (sys.get_int_max_str_digits()).
_LONG_NUMBER = re.compile(r"[0-9_]+")


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    """``tomllib.loads``, after checking that the text is not nested too deep for it."""
    where = nesting.too_deep_in_toml(text)
    if where is not None:
        raise ProgramError([ProgramIssue(path, nesting.depth_message(_DEPTH_NEEDED), *where)])
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProgramError([_toml_issue(path, text, error)]) from None
    except ValueError:
        # tomllib lets int()'s refusal of a number of thousands of digits through.
        limit = sys.get_int_max_str_digits()
        line = None
        for run in _LONG_NUMBER.finditer(text):
            if len(run[0]) > limit:
                line = text.count("\n", 0, run.start()) + 1
                break
        raise ProgramError(
            [ProgramIssue(path, f"a number of more than {limit:,} digits", line)]
        ) from None
    except RecursionError:  # the depth check above should make this impossible
        raise ProgramError([ProgramIssue(path, nesting.depth_message(_DEPTH_NEEDED), 1)]) from None
    deep = nesting.too_deep_in_data(raw)
    if deep is not None:
        where = toml_positions.locate(toml_positions.key_positions(text), deep)
        line, column = where if where is not None else (1, None)
        raise ProgramError([ProgramIssue(path, nesting.depth_message(_DEPTH_NEEDED), line, column)])
    return raw


def _session_limits(program: Program) -> Iterator[_Found]:
    """A session over :data:`MAX_STEPS` steps or :data:`MAX_SESSION_SECONDS`, found by
    arithmetic (:func:`coach.program.timeline.exercise_size`) before any step is made; each is
    reported at the exercise that takes the session over the limit."""
    steps = 0
    seconds = 0
    limit = exact(MAX_SESSION_SECONDS)
    steps_reported = seconds_reported = False
    sizes = exercise_sizes(program)
    total = session_size(program, sizes)
    for index, size in enumerate(sizes):
        steps += size.steps
        seconds += size.exact_seconds
        where = ("exercise", index)
        if steps > MAX_STEPS and not steps_reported:
            steps_reported = True
            yield _Found(
                where,
                f"the session would have {total.steps:,} steps, more than the limit of "
                f"{MAX_STEPS:,} for one session (this exercise, with {size.steps:,}, "
                "takes it over)",
            )
        if seconds > limit and not seconds_reported:
            seconds_reported = True
            yield _Found(
                where,
                f"the session would last {format_duration(total.seconds)}, more than the "
                f"limit of {format_duration(MAX_SESSION_SECONDS)} for one session (this "
                f"exercise, of {format_duration(size.seconds)}, takes it over)",
            )


@dataclass(frozen=True, slots=True)
class _Found:
    """A problem at a key path, before it is given a line."""

    path: tuple[str | int, ...]
    message: str


def _single(path: Path, message: str) -> ProgramError:
    return ProgramError([ProgramIssue(path, message)])


def _issue(path: Path, positions: dict[Any, tuple[int, int]], found: _Found) -> ProgramIssue:
    where = toml_positions.locate(positions, found.path) if found.path else None
    if where is None:
        return ProgramIssue(path, found.message, 1 if not found.path else None)
    return ProgramIssue(path, found.message, where[0], where[1])


def _toml_issue(path: Path, text: str, error: tomllib.TOMLDecodeError) -> ProgramIssue:
    message, line, column = toml_positions.decode_error_position(error, text)
    return ProgramIssue(
        path, mistakes.explain_syntax_error(text, message, line, column), line, column
    )


# --- control characters --------------------------------------------------------------------


def _unsafe_message(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char < " " or "\x7f" <= char <= "\x9f":
        return f"control character {code}"
    return f"invisible character {code} (a bidi, zero-width or other format mark)"


def _control_characters(value: Any, path: tuple[str | int, ...]) -> Iterator[_Found]:
    """Text from program files is shown and spoken: no terminal control or invisible marks.

    The same characters :func:`coach.text.visible` would show escaped, so what
    a valid program says is always printed exactly as written.
    """
    if isinstance(value, str):
        bad = first_unsafe(value)
        if bad is not None:
            yield _Found(
                path,
                f"{_describe_path(path)}: {_unsafe_message(bad)} in text; "
                "only printable text, newlines and tabs are allowed",
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            bad = first_unsafe(key)
            if bad is not None:
                yield _Found(path, f"{_unsafe_message(bad)} in the key {visible(key)!r}")
            yield from _control_characters(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _control_characters(item, (*path, index))


def _duplicate_exercise_ids(raw: Mapping[str, Any]) -> Iterator[_Found]:
    """Found on the raw tables so it is reported even when other keys are wrong."""
    exercises = raw.get("exercise")
    if not isinstance(exercises, list):
        return
    seen: dict[str, int] = {}
    for index, table in enumerate(exercises):
        ident = table.get("id") if isinstance(table, Mapping) else None
        if not isinstance(ident, str):
            continue
        if ident in seen:
            yield _Found(
                ("exercise", index, "id"),
                f"duplicate exercise id {ident!r} (also used by exercise {seen[ident] + 1})",
            )
        else:
            seen[ident] = index


_EXERCISE_KEYS = frozenset(field.alias or name for name, field in Exercise.model_fields.items())


def _pacing(raw: Mapping[str, Any]) -> Iterator[_Found]:
    """The one-way-of-pacing rule, on which keys each raw exercise table gives."""
    exercises = raw.get("exercise")
    if not isinstance(exercises, list):
        return
    for index, table in enumerate(exercises):
        if not isinstance(table, Mapping) or not set(table) <= _EXERCISE_KEYS:
            # An unknown key is often a misspelt pacing key ("hodl"); its own error says so.
            continue
        problem = pacing_problem({key for key in PACING_KEYS if key in table})
        if problem is not None:
            key, message = problem
            path: tuple[str | int, ...] = ("exercise", index)
            yield _Found((*path, key) if key else path, message)


# --- pydantic errors in an author's words ----------------------------------------------------

_TABLE_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): Program,
    ("program",): ProgramInfo,
    ("program", "schedule"): Schedule,
    ("program", "checkin"): Checkin,
    ("program", "checkin", "limits"): SymptomLimits,
    ("exercise", "*"): Exercise,
    ("exercise", "*", "tempo", "*"): TempoPhase,
    ("program", "prescription"): Prescription,
    ("phase", "*"): Phase,
    ("phase", "*", "schedule"): Schedule,
    ("phase", "*", "exercise", "*"): DoseOverride,
    ("phase", "*", "exercise", "*", "tempo", "*"): TempoPhase,
    ("patient",): Patient,
    ("adjust", "*"): DoseOverride,
    ("adjust", "*", "tempo", "*"): TempoPhase,
}


def _table_kind(path: tuple[str | int, ...]) -> tuple[str, ...]:
    kind = tuple("*" if isinstance(part, int) else part for part in path)
    if kind[:1] == ("phase",) and kind[2:3] == ("exercise",) and len(kind) > 3:
        kind = (*kind[:3], "*", *kind[4:])  # [phase.exercise.ID]: the id is the author's
    if kind[:1] == ("adjust",) and len(kind) > 1:
        kind = ("adjust", "*", *kind[2:])  # [adjust.ID]
    return kind


_SPELLINGS = {
    "info": "program",
    "meta": "program",
    "metadata": "program",
    "header": "program",
    "programs": "program",
    "exercises": "exercise",
    "exercize": "exercise",
    "step": "exercise",
    "steps": "exercise",
    "phases": "tempo",
    "phase": "tempo",
}
"""Other spellings of coach's tables that authors write, for "did you mean"."""


_TABLES: dict[tuple[str, ...], dict[str, str]] = {
    (): {"program": "[program]", "exercise": "[[exercise]]", "phase": "[[phase]]"},
    ("program",): {
        "schedule": "[program.schedule]",
        "checkin": "[program.checkin]",
        "prescription": "[program.prescription]",
    },
    ("exercise", "*"): {"tempo": "[[exercise.tempo]]"},
    ("phase", "*"): {"schedule": "[phase.schedule]", "exercise": "[phase.exercise.ID]"},
}
"""The tables each table may hold, as their headers are written."""


def _header_of(path: tuple[str | int, ...], value: Any) -> str | None:
    """``[info]`` or ``[[exercises]]`` when ``value`` is a table or an array of tables."""
    names = ".".join(str(part) for part in path if isinstance(part, str))
    if isinstance(value, dict):
        return f"[{names}]"
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return f"[[{names}]]"
    return None


_RANGE_HOLDERS = frozenset(
    {
        ("exercise", "*"),
        ("phase", "*", "exercise", "*"),
        ("adjust", "*"),
        ("program", "schedule"),
        ("phase", "*", "schedule"),
    }
)
"""The tables whose ranged keys (``reps``...) may be ``{ min, max, target }`` tables."""


def _is_range(table: tuple[str | int, ...]) -> bool:
    """Whether ``table`` is a range (``exercise[1].reps``), not a table an author named
    ``hold`` (``[phase.exercise.hold]``, an exercise whose id is a key's name)."""
    return (
        bool(table)
        and table[-1] in mistakes.RANGED_KEYS
        and (_table_kind(table[:-1]) in _RANGE_HOLDERS)
    )


def _known_keys(table: tuple[str | int, ...]) -> list[str]:
    if _is_range(table):
        return ["min", "max", "target"]
    model = _TABLE_MODELS.get(_table_kind(table))
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _describe_path(path: tuple[str | int, ...]) -> str:
    """``exercise[2].hold`` style, 1-based, as an author counts tables."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += ("." if text else "") + part
    return text or "file"


def _describe_value(value: Any) -> str:
    kinds = {
        bool: "true/false",
        int: "a whole number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a table",
    }
    kind = kinds.get(type(value), type(value).__name__)
    if isinstance(value, datetime.date | datetime.time):
        kind = {
            datetime.datetime: "a date and time",
            datetime.date: "a date",
            datetime.time: "a time of day",
        }.get(type(value), "a date")
        return f"{kind} ({value.isoformat()})"
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{kind} ({shown})" if not isinstance(value, dict | list) else kind


def _short(value: Any) -> str:
    """``repr(value)`` for a message: at most 40 characters, even for an int of 4,000 digits."""
    shown = repr(value)
    return shown if len(shown) <= 40 else f"{shown[:20]}...{shown[-10:]}"


def _table_name(table: tuple[str | int, ...]) -> str:
    if _is_range(table):
        return f"the range {_describe_path(table)}"
    if len(table) == 2 and table[0] == "adjust":
        return f"[adjust.{table[1]}]"
    kind = _table_kind(table)
    names = {
        (): "the top level",
        ("program",): "[program]",
        ("program", "schedule"): "[program.schedule]",
        ("program", "checkin"): "[program.checkin]",
        ("program", "checkin", "limits"): "[program.checkin] limits",
        ("exercise", "*"): "[[exercise]]",
        ("exercise", "*", "tempo", "*"): "a tempo phase",
        ("program", "prescription"): "[program.prescription]",
        ("phase", "*"): "[[phase]]",
        ("phase", "*", "schedule"): "[phase.schedule]",
        ("phase", "*", "exercise", "*"): "[phase.exercise.ID]",
        ("patient",): "[patient]",
        ("adjust", "*"): "[adjust.ID]",
    }
    return names.get(kind, _describe_path(table))


_WORK_DURATIONS = frozenset({"duration", "hold", "seconds"})


def _without_range_tags(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """``loc`` without the tag pydantic adds after a ranged key (``reps.range.min``)."""
    return tuple(
        part
        for index, part in enumerate(loc)
        if not (index and part in RANGE_TAGS and loc[index - 1] in mistakes.RANGED_KEYS)
    )


def _from_pydantic(detail: Any) -> _Found:
    loc: tuple[str | int, ...] = _without_range_tags(tuple(detail["loc"]))
    kind: str = detail["type"]
    ctx: dict[str, Any] = detail.get("ctx") or {}
    value = detail.get("input")
    key = _describe_path(loc)
    last = loc[-1] if loc else ""

    if kind == "extra_forbidden":
        table = loc[:-1]
        known = _known_keys(table)
        header = _header_of(loc, value)
        if header is not None:  # a table or an array of tables: suggest only tables
            tables = _TABLES.get(_table_kind(table), {})
            guess = _SPELLINGS.get(str(last).lower())
            close = [guess] if guess in tables else []
            close = close or difflib.get_close_matches(str(last), list(tables), n=1, cutoff=0.6)
            message = f"unknown table {header} in {_table_name(table)}"
            if close:
                return _Found(loc, message + f" (did you mean {tables[close[0]]}?)")
            if tables:
                return _Found(loc, message + "; tables here: " + ", ".join(tables.values()))
            return _Found(loc, message + "; allowed keys: " + ", ".join(known))
        close = difflib.get_close_matches(str(last), known, n=1, cutoff=0.6)
        message = f"unknown key {last!r} in {_table_name(table)}"
        if close:
            message += f" (did you mean {close[0]!r}?)"
        elif known:
            message += "; allowed keys: " + ", ".join(known)
        return _Found(loc, message)
    if kind == "missing":
        table = loc[:-1]
        if last == "exercise":
            return _Found((), "a program needs at least one [[exercise]] table")
        if last == "program":
            return _Found((), "missing the [program] table")
        return _Found(table, f"missing required key {last!r} in {_table_name(table)}")
    if kind == "range":
        return _Found((*loc, ctx["key"]), f"{key}: {detail['msg']}")
    if kind == "literal_error" and len(loc) > 1 and loc[-2] == "ask":
        return _Found(
            loc,
            f"{_describe_path(loc[:-1])}: {_short(value)} is not a symptom coach asks about; "
            'write any of "pain", "tingling", "numbness", "stiffness"',
        )
    if kind in {"pacing", "schedule", "duplicate_id", "phase", "prescription", "checkin"}:
        target = ctx.get("key")
        if isinstance(target, tuple):
            return _Found(target, detail["msg"])
        return _Found((*loc, target) if target else loc, detail["msg"])
    if kind == "list_type" and isinstance(value, Mapping) and last in ("exercise", "tempo"):
        name = "exercise" if last == "exercise" else "exercise.tempo"
        return _Found(
            loc,
            f"write [[{name}]] with two brackets: each "
            f"{'exercise' if last == 'exercise' else 'phase'} is one of a list, and "
            f"[{name}] with one bracket is a single table",
        )
    if kind in ("date_type", "date_parsing", "date_from_datetime_inexact"):
        if isinstance(value, str):
            return _Found(loc, f"{key}: write the date without quotes, e.g. {last} = 2026-01-05")
        return _Found(
            loc,
            f"{key}: expected a date without a time, e.g. {last} = 2026-01-05, got "
            f"{_describe_value(value)}",
        )
    if kind == "literal_error" and last == "sides":
        return _Found(
            loc,
            f"{key}: unknown value {_short(value)}; allowed: none, both, left, right, each, "
            "alternate",
        )
    if kind == "string_pattern_mismatch":
        return _Found(
            loc,
            f"{key}: {_short(value)} is not a valid id: use lowercase letters a-z, digits and '-', "
            "starting with a letter or digit (e.g. 'wrist-stretch')",
        )
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else 0
        return _Found(
            loc,
            f"{key}: at most {ctx.get('max_length')} characters (it is shown beside the "
            f"countdown and spoken), got {length}",
        )
    if kind == "string_too_short":
        return _Found(loc, f"{key}: must not be empty")
    if kind == "too_short":
        if loc == ("exercise",):
            return _Found(loc, "a program needs at least one [[exercise]] table")
        return _Found(loc, f"{key}: must not be empty")
    if kind == "greater_than" and last in _WORK_DURATIONS:
        return _Found(loc, f"{key}: work must last more than 0 seconds, got {_short(value)}")
    if kind == "greater_than":
        return _Found(loc, f"{key}: must be more than {ctx.get('gt')}, got {_short(value)}")
    if kind == "greater_than_equal":
        return _Found(loc, f"{key}: must be at least {ctx.get('ge')}, got {_short(value)}")
    if kind == "less_than_equal" and last in ("sets", "reps"):
        return _Found(
            loc,
            f"{key}: at most {MAX_COUNT:,} {last} are allowed, got {_short(value)}",
        )
    if kind == "less_than_equal":
        return _Found(loc, f"{key}: must be at most {ctx.get('le')}, got {_short(value)}")
    if kind == "value_error":
        message = str(detail["msg"]).removeprefix("Value error, ")
        return _Found(loc, f"{key}: {message}")
    expected = {
        "string_type": "text in quotes",
        "int_type": "a whole number",
        "float_type": "a number",
        "bool_type": "true or false",
        "list_type": 'a list, e.g. ["..."]',
        "model_type": "a table",
        "dict_type": "a table",
        "model_attributes_type": "a table",
    }.get(kind)
    if expected is not None:
        return _Found(loc, f"{key}: expected {expected}, got {_describe_value(value)}")
    return _Found(loc, f"{key}: {detail['msg']}")
