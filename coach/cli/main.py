"""The ``coach`` command line.

Each sub-command imports what it needs inside its own function: ``validate``,
``plan``, ``list`` and ``schema`` never import Textual or Rich (importing
Textual alone costs about 150 ms), so they stay quick in scripts and editors.
Only the app itself (``coach`` with no command, or ``coach app``) loads the TUI.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from coach import __version__

if TYPE_CHECKING:
    from coach.program.library import Library
    from coach.program.loader import LoadedProgram
    from coach.program.timeline import Timeline

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

_DESCRIPTION = """\
coach: a terminal exercise coach for hands, wrists, forearms and necks.

Programs are TOML files written by physiotherapists; coach paces each hold,
rep, set, side and rest by timing alone. Run `coach` with no command to open
the app.
"""

_EPILOG = """\
examples:
  coach                               open the app
  coach list                          the program library
  coach plan wrist-forearm-stretches  every step of a program, without waiting
  coach plan my-program.toml --json   a program file's timeline as JSON
  coach validate programs/*.toml      check program files (exit 1 on any error)
  coach schema > coach-program.schema.json
  coach config show                   the settings and where each value comes from

environment:
  COACH_CONFIG_FILE    the user's configuration file
  COACH_DATA_DIR       where the history is kept
  COACH_PROGRAMS_PATH  extra program folders, separated by '{sep}'
  COACH_CACHE_DIR      where the app keeps its cache of checked programs
  COACH_SECTION__KEY   any setting, e.g. COACH_BREAKS__MICRO__EVERY=5m
"""


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors that end in a hint, and exit code 2."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n(see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    import os

    parser = _Parser(
        prog="coach",
        description=_DESCRIPTION,
        epilog=_EPILOG.format(sep=os.pathsep),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"coach {__version__}")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting for this run, e.g. --set breaks.micro.every=5m (repeatable); "
        "beats the config files and COACH_* variables",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    commands.add_parser(
        "app",
        help="open the app (the same as `coach` with no command)",
        description="Open the coach app in this terminal.",
    )

    run = commands.add_parser(
        "run",
        help="run a session of a program",
        description=(
            "Run a session of PROGRAM (an id from `coach list` or a path to a .toml file). "
            "With --headless, no app: one line per step (or JSON with --json), the bell and "
            "spoken cues. When stdin is a terminal: space pauses and resumes, n skips the step, "
            "s skips the exercise, b goes back, q stops. Exit status: 0 completed, 3 stopped "
            "with q, 130 on SIGINT (Ctrl-C), 143 on SIGTERM; 1 for a bad program file, 2 for "
            "usage errors."
        ),
    )
    run.add_argument("program", metavar="PROGRAM")
    run.add_argument(
        "--headless",
        action="store_true",
        help="no app: plain lines for scripts, SSH, screen readers",
    )
    run.add_argument(
        "--json",
        action="store_true",
        help="with --headless: one JSON object per event, one per line (implies --headless)",
    )
    run.add_argument("--quiet", action="store_true", help="no bell and no speech")
    run.add_argument(
        "--no-record",
        action="store_true",
        help="do not keep this session in the history (it will not count for streaks)",
    )

    validate = commands.add_parser(
        "validate",
        help="check program files",
        description=(
            "Check program files against the program format. Prints each problem as "
            "PATH:LINE[:COL]: message on stderr. Exit status: 0 when every file is valid, "
            "1 when any is not, 2 for usage errors."
        ),
    )
    validate.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="a .toml file, or a folder of them"
    )
    validate.add_argument("-q", "--quiet", action="store_true", help="print only the problems")

    plan = commands.add_parser(
        "plan",
        help="print a program's timeline without waiting",
        description=(
            "Print the timeline of a program: its exercises, sets, reps and sides, every step "
            "with --steps, and the total length. PROGRAM is an id from `coach list` or a path "
            "to a .toml file."
        ),
    )
    plan.add_argument("program", metavar="PROGRAM")
    plan.add_argument("--json", action="store_true", help="print the timeline as JSON")
    plan.add_argument("--steps", action="store_true", help="list every step with its start time")

    listing = commands.add_parser(
        "list",
        help="list the program library",
        description=(
            "List the programs coach can find: bundled ones, your own (in the folder "
            "`coach config path` shows) and those in COACH_PROGRAMS_PATH. Broken files are "
            "listed with their errors."
        ),
    )
    listing.add_argument("--json", action="store_true", help="print the library as JSON")

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of the program format",
        description=(
            "Print the JSON Schema of the program format, for editor completion and checks. "
            "Save it next to your programs and start each file with a comment such as "
            "`#:schema ./coach-program.schema.json` (understood by Taplo / Even Better TOML)."
        ),
    )
    schema.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")

    status = commands.add_parser(
        "status",
        help="streak, today's sessions and the last session (fast, for prompts and status bars)",
        description=(
            "Print the current and longest streak, today's completed sessions and minutes of "
            "exercise, and the last session. Fast enough for a shell prompt or a tmux status "
            "line. A day counts when a session was completed on it; the day starts at "
            "history.day_start (04:00 unless set), and history.rest_days neither break nor "
            "extend a streak. Minutes count every session, finished or not."
        ),
        epilog=(
            "JSON fields: current_streak, longest_streak, sessions_today, minutes_today, "
            "last_session (id, program, title, status, started_at, ended_at, local_date, "
            "active_seconds) or null, next_break (kind, due_in_seconds, length_seconds, program; "
            "null unless the app or `coach remind` is running; due_in_seconds is negative "
            "while a due break waits), "
            "today.\n\nexample (tmux): set -g status-right '#(coach status --oneline)'"
        ),
    )
    shape = status.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print as JSON")
    shape.add_argument(
        "--oneline", action="store_true", help="one short line: 'streak 5d | today 2x 6m'"
    )

    history = commands.add_parser(
        "history",
        help="list recorded sessions",
        description=(
            "List the sessions in your history, oldest first. Sessions stopped early, or "
            "left unfinished by a crash, are listed as partial."
        ),
    )
    _since_argument(history)
    history.add_argument("--program", metavar="ID", help="only sessions of this program")
    history.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="table for reading (default), json or csv for other tools",
    )

    export = commands.add_parser(
        "export",
        help="write all history to a JSON file",
        description=(
            "Write every recorded session to FILE as JSON (- for stdout). Use `coach import` "
            "on another computer to merge it there."
        ),
    )
    export.add_argument("file", metavar="FILE", help="the file to write, or - for stdout")

    importing = commands.add_parser(
        "import",
        help="merge sessions from an export file",
        description=(
            "Merge the sessions in FILE (written by `coach export`) into your history. "
            "Sessions are matched by id, so importing the same file twice, or a file from "
            "another computer that holds some of your sessions, never duplicates them. The "
            "whole file is checked first: if anything in it is wrong, nothing is imported."
        ),
    )
    importing.add_argument("file", metavar="FILE", type=Path)

    report = commands.add_parser(
        "report",
        help="an adherence report to send to your physiotherapist",
        description=(
            "Write a report of what was done: each program, sessions prescribed and done per "
            "week, streak, the pain trend from check-ins, and your notes. Markdown by default; "
            "--format html for a page to print or attach."
        ),
    )
    report.add_argument(
        "--since",
        metavar="DATE",
        default="12w",
        help="from this day on: YYYY-MM-DD, today, yesterday, a span such as 7d, 4w, 3m, 1y "
        "ago, or all (default: 12w, the last twelve weeks)",
    )
    report.add_argument("--format", choices=("md", "html"), default="md")
    report.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")

    remind = commands.add_parser(
        "remind",
        help="remind you to take breaks (runs in the foreground: a tmux pane, a service)",
        description=(
            "Wait for the next break and tell you: a desktop notification, the terminal bell, "
            "a line on stdout, and --exec CMD. Breaks follow the [breaks] settings: micro-breaks "
            "(every 10 min, 20 s) and rest breaks (every 50 min, 5 min) for the typist profile; "
            "a completed session counts as a break, and so does time away from the keyboard "
            "where coach can tell (see `coach doctor`). It sleeps until the next break, so it "
            "costs next to nothing while it waits, and keeps its timers in the history, so a "
            "restart carries on. SIGINT (Ctrl-C) and SIGTERM stop it cleanly. The app and "
            "`coach status` show the same next break."
        ),
        epilog=(
            "examples:\n"
            "  coach remind                          in a tmux pane or a terminal tab\n"
            "  coach remind --once && coach run typist-micro-break\n"
            "  coach remind --exec "
            "'if [ \"$COACH_BREAK_KIND\" = rest ]; then loginctl lock-session; fi'\n"
            "                                        lock the screen for rest breaks\n"
            "  COACH_BREAKS__MICRO__EVERY=25m coach remind   another rhythm, this time only\n\n"
            "--exec runs CMD with the shell at each break, with COACH_BREAK_KIND (micro or "
            "rest), COACH_BREAK_PROGRAM (a program id, or empty) and COACH_BREAK_LENGTH "
            "(seconds) in its environment.\n"
            "docs/reminders.md has a systemd user unit, cron, tmux, macOS and Windows set-ups."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    remind.add_argument(
        "--once",
        action="store_true",
        help="wait for the next break, tell you, and exit (0; 130 or 143 if stopped first)",
    )
    remind.add_argument(
        "--exec",
        dest="exec_command",
        metavar="CMD",
        help="also run CMD (with the shell) at each break",
    )
    remind.add_argument(
        "--json", action="store_true", help="print one JSON object per line instead of text"
    )
    remind.add_argument(
        "--no-notify", action="store_true", help="no desktop notifications (stdout and --exec only)"
    )
    remind.add_argument("--no-bell", action="store_true", help="don't ring the terminal bell")
    remind.add_argument("--print-config", action="store_true", help=argparse.SUPPRESS)

    doctor = commands.add_parser(
        "doctor",
        help="check what this computer gives coach (notifications, speech, idle time...)",
        description=(
            "Check what coach can use here: desktop notifications, speech, idle detection "
            "(for break reminders), the terminal, the bell, the history folder and the "
            "configuration. Each line starts with ok, missing or n/a (not applicable), and "
            "says how to fix what is missing. Exit status: 0, or 2 when the settings cannot "
            "be loaded."
        ),
    )
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    doctor.add_argument(
        "--check-history",
        action="store_true",
        help="check the whole history database (SQLite's integrity check, every row)",
    )
    doctor.add_argument(
        "--salvage",
        metavar="FILE",
        type=Path,
        help="write every session still readable in a damaged history to FILE, as an export "
        "(`coach import FILE` takes it into a new history)",
    )
    doctor.add_argument(
        "--send-test",
        action="store_true",
        help="send a test desktop notification (doctor sends none otherwise)",
    )

    config = commands.add_parser(
        "config",
        help="show or create the configuration",
        description=(
            "Settings come from, lowest to highest: built-in defaults, the file coach ships, "
            "your config file, COACH_* environment variables, and --set on the command line."
        ),
    )
    config_actions = config.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=_Parser
    )
    config_actions.add_parser("path", help="print where the config files and folders are")
    show = config_actions.add_parser(
        "show", help="print the effective settings and where each value came from"
    )
    show.add_argument("--json", action="store_true", help="print as JSON")
    config_actions.add_parser(
        "init", help="write a commented starting config file (never overwrites one)"
    )
    return parser


def _since_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        metavar="DATE",
        help="from this day on: YYYY-MM-DD, today, yesterday, or 7d, 4w, 3m, 1y ago",
    )


def no_arguments() -> argparse.Namespace:
    """What the parser makes of no arguments at all (a test keeps the two the same)."""
    return argparse.Namespace(overrides=[], command=None)


class _ShownStream:
    """A text stream whose text is made visible (:func:`coach.text.visible`) as it is written.

    coach's messages name paths, values and records that can hold anything
    (a file called ``x\x1b]52;....json``, a ``COACH_DATA_DIR`` with an ESC in
    it). Each message is made safe where it is written too; this is the net
    under all of them, on standard error, where only messages go. The bell
    (``"\a"`` alone, which the headless run may ring there) is let through.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text``, made visible."""
        return self._stream.write(text if text == "\a" else _visible_text(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _visible_text(text: str) -> str:
    """:func:`coach.text.visible`, imported when first needed."""
    from coach.text import visible

    return visible(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    if argv is None:
        argv = sys.argv[1:]
    stderr: Any = sys.stderr
    if stderr is not None and not isinstance(stderr, _ShownStream):
        sys.stderr = cast(TextIO, _ShownStream(stderr))
    # Plain `coach` opens the app: building the parser (argparse looks up a
    # translation for every help text) would add ~3 ms to its first frame.
    args = build_parser().parse_args(argv) if argv else no_arguments()
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `coach plan x | head`); that is not an error.
        sys.stderr.close()
        return EXIT_OK


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "validate":
        return _cmd_validate(args)
    if args.command == "plan":
        return _cmd_plan(args)
    if args.command == "list":
        return _cmd_list(args)
    if args.command == "schema":
        return _cmd_schema(args)
    if args.command == "doctor":
        from coach.cli.doctor import run_doctor

        return run_doctor(args)
    if args.command == "remind" and not args.print_config:
        return _cmd_remind(args)
    if args.command in _HISTORY_COMMANDS:
        # These read the history settings without pydantic (see coach.status).
        import sqlite3

        from coach.errors import SettingsError
        from coach.history.records import HistoryError
        from coach.history.store import describe_open_error

        try:
            return _HISTORY_COMMANDS[args.command](args)
        except SettingsError as error:
            print(f"coach: bad setting:\n{error}", file=sys.stderr)
            return EXIT_USAGE
        except HistoryError as error:
            print(f"coach: {error}", file=sys.stderr)
            return EXIT_INVALID
        except sqlite3.Error as error:  # the store turns these into HistoryError; in case not
            prefs = _history_settings(args)
            print(f"coach: {describe_open_error(prefs.data_dir, error)}", file=sys.stderr)
            return EXIT_INVALID
    # Only these commands read the settings (pydantic-settings costs ~100 ms to
    # import; the app reads them after its first frame, so not from coach.config.settings).
    from coach.errors import SettingsError

    try:
        if args.command in (None, "app"):
            return _cmd_app(args)
        if args.command == "config":
            return _cmd_config(args)
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "remind":
            return _print_remind_config(args)
    except SettingsError as error:
        print(f"coach: bad setting:\n{error}", file=sys.stderr)
        return EXIT_USAGE
    raise AssertionError(f"unhandled command {args.command!r}")


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    return parse_overrides(args.overrides)


def parse_overrides(items: Sequence[str]) -> dict[str, str]:
    """``--set KEY=VALUE`` items as a dict; raises SettingsError on one without ``=``."""
    from coach.errors import SettingsError  # not coach.config.settings: status must stay light

    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SettingsError(f"--set {item}: expected KEY=VALUE, e.g. --set cues.bell=false")
        result[key.strip()] = value
    return result


# --- validate ---------------------------------------------------------------------------------


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

    loaded = _resolve(args.program)
    if isinstance(loaded, int):
        return loaded
    try:
        timeline = build_timeline(loaded.program)
    except Exception as error:  # the loader refuses what is too large; this is a second guard
        print(unexpected_problem(loaded.path, error), file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        sys.stdout.write(json_text(timeline.to_json(), indent=2) + "\n")
    else:
        _print_plan(timeline, sys.stdout, steps=args.steps)
    return EXIT_OK


def _print_plan(timeline: Timeline, out: TextIO, *, steps: bool) -> None:
    from coach.program.durations import format_clock, format_duration
    from coach.program.timeline import describe_pacing, describe_step

    program = timeline.program
    out.write(f"{program.title} ({program.id})\n")
    if program.info.summary:
        out.write(f"{program.info.summary}\n")
    out.write("\n")
    rows = [("#", "Exercise", "Sides", "Sets", "Reps", "Each rep", "Length")]
    for index, exercise in enumerate(program.exercises):
        rows.append(
            (
                str(index + 1),
                exercise.name,
                exercise.sides,
                str(exercise.sets),
                "-" if exercise.reps is None else str(exercise.reps),
                describe_pacing(exercise),
                format_clock(timeline.exercise_seconds(index)),
            )
        )
    _print_table(rows, out)
    total = timeline.total_seconds
    out.write(
        f"\nTotal: {format_clock(total)} ({format_duration(total)}) in "
        f"{len(timeline.steps)} steps\n"
    )
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
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


# --- config -----------------------------------------------------------------------------------


def _cmd_config(args: argparse.Namespace) -> int:
    from coach import paths
    from coach.config import settings
    from coach.text import json_text, visible

    # Paths and values come from variables and files: shown, never obeyed.
    def show(line: str) -> None:
        print(visible(line, newlines=False))

    overrides = _overrides(args)
    if args.action == "path":
        current = settings.load_settings(overrides)
        user_file = paths.user_config_file()
        state = "" if user_file.exists() else "  (not created yet: `coach config init`)"
        show(f"config file:      {user_file}{state}")
        show(f"shipped defaults: {paths.shipped_config_file()}")
        show(f"your programs:    {paths.user_programs_dir()}")
        for extra in paths.extra_programs_dirs():
            show(f"more programs:    {extra}  (COACH_PROGRAMS_PATH)")
        show(f"bundled programs: {paths.bundled_programs_dir()}")
        show(f"history folder:   {settings.effective_data_dir(current)}")
        return EXIT_OK
    if args.action == "show":
        values = settings.explain_settings(overrides)
        if args.json:
            shown = [
                {"key": v.key, "value": _jsonable(v.value), "source": v.source} for v in values
            ]
            sys.stdout.write(json_text(shown, indent=2) + "\n")
        else:
            rows = [("KEY", "VALUE", "FROM")]
            rows += [
                (v.key, visible(_show_value(v.value), newlines=False), visible(v.source))
                for v in values
            ]
            _print_table(rows, sys.stdout)
        return EXIT_OK
    if args.action == "init":
        try:
            written = settings.init_config()
        except FileExistsError as error:
            target = error.filename or paths.user_config_file()
            print(
                f"coach: {target} already exists; not overwriting it (edit it, or move it "
                "away and run `coach config init` again)",
                file=sys.stderr,
            )
            return EXIT_INVALID
        print(f"wrote {written}")
        return EXIT_OK
    raise AssertionError(args.action)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _show_value(value: Any) -> str:
    from coach.program.durations import format_duration

    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_duration(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "(none)"
    return str(value)


# --- run -------------------------------------------------------------------------------------


def _cmd_run(args: argparse.Namespace) -> int:
    from coach.config.settings import load_settings

    overrides = _overrides(args)
    if args.quiet:
        overrides["cues.quiet"] = "true"
    settings = load_settings(overrides)
    loaded = _resolve(args.program)
    if isinstance(loaded, int):
        return loaded
    if not (args.headless or args.json) and sys.stdin.isatty() and sys.stdout.isatty():
        return _cmd_app(args, start=loaded, settings=settings)
    # No terminal to draw on (a script, a pipe): the same session, headless.
    from coach.config.settings import effective_data_dir
    from coach.history.records import HistoryError
    from coach.history.store import HistoryStore
    from coach.session.headless import run_headless
    from coach.session.recording import HistoryRecorder

    recorder = None
    store = None
    if not args.no_record:
        try:
            store = HistoryStore.in_folder(effective_data_dir(settings))
        except HistoryError as error:
            print(
                f"coach: cannot record this session: {error}\n"
                "(run with --no-record to exercise without recording)",
                file=sys.stderr,
            )
            return EXIT_INVALID
        if store.read_only is not None:
            print(
                f"coach: the history {store.path} cannot be written ({store.read_only}): "
                "this session runs, but nothing of it will be recorded",
                file=sys.stderr,
            )
        else:
            recorder = HistoryRecorder(store, day_start=settings.history.day_start_time)
    cues = settings.cues
    try:
        return run_headless(
            loaded,
            json_mode=args.json,
            bell=cues.bell,
            speech=cues.speech,
            speech_command=cues.speech_command,
            notify_long_rests=cues.notify_long_rests,
            quiet=cues.quiet,
            countdown=cues.countdown,
            sounds=cues.sounds,
            metronome=cues.metronome,
            countdown_min_step=cues.countdown_min_step,
            recorder=recorder,
            data_dir=effective_data_dir(settings),
        )
    finally:
        if store is not None:
            store.close()


# --- remind ----------------------------------------------------------------------------------


def _cmd_remind(args: argparse.Namespace) -> int:
    # The long-lived reminder never imports pydantic: a child process reads
    # and checks the settings (see coach.breaks.remind.read_config).
    from coach.breaks.remind import RemindError, read_config, run_remind

    try:
        config = read_config(args.overrides)
    except RemindError as error:
        message = str(error)
        print(
            message if message.startswith("coach") else f"coach remind: {message}", file=sys.stderr
        )
        return EXIT_USAGE
    return run_remind(
        config,
        json_lines=args.json,
        exec_command=args.exec_command,
        once=args.once,
        notify=not args.no_notify,
        bell=not args.no_bell,
    )


def _print_remind_config(args: argparse.Namespace) -> int:
    """The settings `coach remind` needs, checked, as JSON (for its own use)."""
    from coach.breaks.remind import config_json
    from coach.config.settings import load_settings

    settings = load_settings(_overrides(args))
    library = _load_library()
    titles = {entry.id: entry.listing.title for entry in library.entries}
    for kind in ("micro", "rest"):
        program = getattr(settings.breaks, kind).program
        if program and program not in titles:
            print(
                f"coach: bad setting:\nbreaks.{kind}.program: no program {program!r} "
                "(`coach list` shows them)",
                file=sys.stderr,
            )
            return EXIT_USAGE
    sys.stdout.write(json.dumps(config_json(settings, titles)) + "\n")
    return EXIT_OK


# --- history ---------------------------------------------------------------------------------


def _history_settings(args: argparse.Namespace) -> Any:
    from coach.status import quick_history_settings

    return quick_history_settings(_overrides(args))


def _cmd_status(args: argparse.Namespace) -> int:
    from coach.status import collect_status, format_oneline, format_status

    status = collect_status(_history_settings(args))
    if args.json:
        from coach.text import json_text

        sys.stdout.write(json_text(status) + "\n")
    elif args.oneline:
        from coach.text import visible

        sys.stdout.write(visible(format_oneline(status), newlines=False) + "\n")
    else:
        from coach.history.records import safe_text

        sys.stdout.write(safe_text(format_status(status), newlines=True))
    return EXIT_OK


def _open_history(prefs: Any, *, create: bool = False) -> Any:
    """The store, or None when there is no history yet (and ``create`` is false)."""
    from coach.history.store import DB_NAME, HistoryStore

    path = prefs.data_dir / DB_NAME
    if not create and not path.exists():
        return None
    return HistoryStore(path)


def _today(prefs: Any) -> Any:
    from datetime import UTC, datetime

    from coach.history.calendar import local_day

    return local_day(datetime.now(UTC), prefs.day_start)


def _since(args: argparse.Namespace, prefs: Any) -> Any:
    from coach.history.reports import parse_since

    if args.since is None or args.since.strip().lower() == "all":
        return None
    try:
        return parse_since(args.since, _today(prefs))
    except ValueError as error:
        raise _UsageError(f"--since: {error}") from None


class _UsageError(Exception):
    pass


def _cmd_history(args: argparse.Namespace) -> int:
    from coach.history import reports

    prefs = _history_settings(args)
    try:
        since = _since(args, prefs)
    except _UsageError as error:
        print(f"coach history: {error}", file=sys.stderr)
        return EXIT_USAGE
    store = _open_history(prefs)
    records = [] if store is None else store.sessions(since=since, program=args.program)
    if store is not None:
        store.close()
    if args.format == "json":
        sys.stdout.write(reports.history_json(records) + "\n")
    elif args.format == "csv":
        sys.stdout.write(reports.history_csv(records))
    else:
        sys.stdout.write(reports.history_table(records))
    return _said_problems(store)


def _said_problems(store: Any) -> int:
    """Print the damaged rows a store met (the rest was shown); EXIT_INVALID if there were any."""
    problems = [] if store is None else store.problems
    if not problems:
        return EXIT_OK
    from coach.history.store import RECOVERY_HINT

    shown = problems[:20]
    more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    print(
        f"coach: {store.path} has {len(problems)} damaged session"
        f"{'s' if len(problems) != 1 else ''} (the others are shown):\n  "
        + "\n  ".join(shown)
        + more
        + f"\n{RECOVERY_HINT}",
        file=sys.stderr,
    )
    return EXIT_INVALID


def _cmd_export(args: argparse.Namespace) -> int:
    import os

    from coach.history.records import EXPORT_FORMAT, EXPORT_VERSION
    from coach.text import json_text

    prefs = _history_settings(args)
    store = _open_history(prefs)
    empty = json_text({"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "sessions": []})

    def write(out: TextIO) -> int:
        if store is None:
            out.write(empty + "\n")
            return 0
        with store:
            count: int = store.write_export(out)
        return count

    if args.file == "-":
        write(sys.stdout)
        return _said_problems(store)
    target = Path(args.file).expanduser()
    # Write beside the target, then rename: a crash never leaves half a file. The
    # temporary file is made 0600 and never through a link (see coach.files).
    from coach.files import open_private

    temporary = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = open_private(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            count = write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        print(f"coach: cannot write {target}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    print(f"exported {count} sessions to {target}", file=sys.stderr)
    return _said_problems(store)


def _cmd_import(args: argparse.Namespace) -> int:
    from coach.history.exchange import check_export, iter_export

    prefs = _history_settings(args)
    # The whole file is checked before the history is touched, one session at a
    # time (bounded memory); the merge reads it again, in one transaction.
    check_export(args.file)
    store = _open_history(prefs, create=True)
    with store:
        summary = store.merge(iter_export(args.file))
    print(
        f"{args.file}: {summary.added} sessions added, {summary.updated} updated, "
        f"{summary.unchanged} already here",
        file=sys.stderr,
    )
    if summary.conflicts:
        shown = summary.conflicts[:20]
        print(
            f"coach: {len(summary.conflicts)} sessions in {args.file} have the id of a different "
            "session in this history; not merged:\n  " + "\n  ".join(shown),
            file=sys.stderr,
        )
        return EXIT_INVALID
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from datetime import datetime

    from coach.history import reports
    from coach.history.calendar import streaks
    from coach.history.store import Progress

    prefs = _history_settings(args)
    try:
        since = _since(args, prefs)
    except _UsageError as error:
        print(f"coach report: {error}", file=sys.stderr)
        return EXIT_USAGE
    today = _today(prefs)
    store = _open_history(prefs)
    if store is None:
        records = []
        progress = Progress([], [], [], [])
        found = streaks([], today, prefs.rest_days)
        damaged = EXIT_OK
    else:
        with store:
            records = store.sessions(since=since)
            progress = store.progress(since=since)
            completed_days = store.completed_days()
        found = streaks(completed_days, today, prefs.rest_days)
        damaged = _said_problems(store)  # the report leaves them out
    report = reports.build_report(
        records,
        progress,
        start=since,
        today=today,
        streaks=found,
        rest_days=prefs.rest_days,
        generated_at=datetime.now().astimezone(),
    )
    text = reports.report_html(report) if args.format == "html" else reports.report_markdown(report)
    if args.output is None:
        sys.stdout.write(text)
        return damaged
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"coach: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {args.output}", file=sys.stderr)
    return damaged


_HISTORY_COMMANDS = {
    "status": _cmd_status,
    "history": _cmd_history,
    "export": _cmd_export,
    "import": _cmd_import,
    "report": _cmd_report,
}


# --- the app ----------------------------------------------------------------------------------


def _cmd_app(
    args: argparse.Namespace,
    *,
    start: LoadedProgram | None = None,
    settings: Any = None,
) -> int:
    from coach import paths
    from coach.config.quick import quick_theme
    from coach.program.library import load_library

    overrides = _overrides(args)
    theme = None
    if settings is None:
        # The full settings cost ~100 ms of imports: the app reads them after
        # its first frame (and exits with their error, if any), unless the
        # theme, all that frame needs of them, is set in an unusual way.
        theme = quick_theme(overrides)
        if theme is None:
            from coach.config.settings import load_settings

            settings = load_settings(overrides)
    # Listed from the library's cache: no pydantic unless a program file changed.
    library = load_library(cache=paths.library_cache_file())
    record = not getattr(args, "no_record", False)
    store = None
    if start is not None:
        # A session starts at once: the history must be ready first. Otherwise
        # the app opens it just after its first frame (~12 ms of imports and SQLite).
        from coach.config.settings import effective_data_dir
        from coach.history.records import HistoryError
        from coach.history.store import HistoryStore

        try:
            store = HistoryStore.in_folder(effective_data_dir(settings))
        except HistoryError as error:
            print(f"coach: the history cannot be used: {error}", file=sys.stderr)
            if record:
                print("(run with --no-record to exercise without recording)", file=sys.stderr)
                return EXIT_INVALID
    from coach.tui.app import CoachApp  # deferred: Textual is only for the app

    app = CoachApp(
        library=library,
        settings=settings,
        theme=theme,
        overrides=overrides,
        store=store,
        open_history=start is None,
        start=start,
        record=record,
        detect_idle=True,
    )
    try:
        app.run()
    finally:
        if app.store is not None:
            app.store.close()
    if app.settings_error is not None:
        raise app.settings_error  # said as before the app starts: "coach: bad setting: ..."
    return EXIT_OK
