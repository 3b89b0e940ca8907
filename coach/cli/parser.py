"""The argument parser: every command, flag and help text (argparse, only when there are
arguments: plain ``coach`` opens the app without building it)."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach import __version__
from coach.cli.exits import EXIT_USAGE

if TYPE_CHECKING:
    pass


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
  coach config set breaks.micro.every 15m

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
    plan.add_argument(
        "--format",
        choices=("text", "html", "md"),
        default="text",
        help=(
            "html or md: a handout to print for the patient (exercises, instructions, "
            "each phase's dose, the schedule, the safety text); default: text"
        ),
    )
    plan.add_argument("--steps", action="store_true", help="list every step with its start time")
    plan.add_argument(
        "--on",
        type=_a_date,
        metavar="YYYY-MM-DD",
        help="the dose prescribed on that day (the phase in force then); default: today",
    )

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
        help="a report of what was done, to send to your physiotherapist",
        description=(
            "Write a report of what was done: who and what was prescribed, adherence per phase "
            "against the schedule in force each day, the streak, symptoms before and after "
            "with the program's limits, each exercise's dose done, notes and next-day answers, "
            "and every session in an appendix. Markdown by default; --format html for a page "
            "with charts to print or attach; --format csv for a spreadsheet. Weeks run Monday "
            "to Sunday."
        ),
    )
    report.add_argument(
        "--since",
        metavar="DATE",
        default="12w",
        help="from this day on: YYYY-MM-DD, today, yesterday, a span such as 7d, 4w, 3m, 1y "
        "ago, or all (default: 12w, the last twelve weeks)",
    )
    report.add_argument(
        "--until",
        metavar="DATE",
        default=None,
        help="up to and including this day (the same forms as --since; default: today)",
    )
    report.add_argument(
        "--program",
        metavar="ID",
        action="append",
        default=None,
        help="only this program (give it again for more)",
    )
    report.add_argument("--format", choices=("md", "html", "csv"), default="md")
    report.add_argument(
        "--by",
        choices=("session", "exercise"),
        default="session",
        help="with --format csv: one row per session (default) or per exercise of a session",
    )
    report.add_argument(
        "--from",
        dest="from_path",
        metavar="PATH",
        type=Path,
        help="report on these files alone, never touching your own history: an export "
        "(`coach export`), a journal, or a sync folder, as a patient sends them",
    )
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

    pause = commands.add_parser(
        "pause",
        help="pause break reminders for a while (a meeting, the rest of the day)",
        description=(
            "No break reminders until then, from the app or `coach remind` (they share the "
            "pause through the history); they come back by themselves, and the timers start "
            "fresh when they do. `coach status` shows the pause."
        ),
        epilog=(
            "examples:\n"
            "  coach pause 1h              for an hour\n"
            "  coach pause 1h30m           for an hour and a half\n"
            "  coach pause until 14:00     until the clock says 14:00 (tomorrow, if it has)\n"
            "  coach pause tomorrow        until the next day starts (history.day_start)\n"
            "  coach resume                back on now"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pause.add_argument("until", nargs="+", metavar="WHEN", help="1h, until 14:00, or tomorrow")
    commands.add_parser(
        "resume",
        help="end a pause of break reminders now",
        description="Break reminders back on now; the timers start fresh.",
    )

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
        help="show, create or change the configuration",
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
    set_action = config_actions.add_parser(
        "set",
        help="change one setting in your config file (comments and layout are kept)",
        description=(
            "Change one setting in your config file, creating the file if needed. The value is "
            "written as on the command line's --set: a duration as 90 or 5m, a list as sat,sun, "
            "true or false. It is checked first; a bad value changes nothing. Comments, dotted "
            "keys and inline tables in the file are kept. An empty value removes a setting "
            "that may be left out."
        ),
        epilog=(
            "examples:\n"
            "  coach config set breaks.micro.every 15m\n"
            "  coach config set history.rest_days sat,sun\n"
            "  coach config set cues.speech false"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    set_action.add_argument("key", metavar="KEY", help="a dotted key, as `coach config show` lists")
    set_action.add_argument("value", metavar="VALUE", help="the new value")
    unset = config_actions.add_parser(
        "unset",
        help="remove one setting from your config file, back to the default",
        description=(
            "Remove one setting from your config file, so the default (or a COACH_* variable) "
            "applies again. Comments and the other settings are kept."
        ),
    )
    unset.add_argument("key", metavar="KEY", help="a dotted key, as `coach config show` lists")

    sync = commands.add_parser(
        "sync",
        help="share your history between your computers through a synced folder",
        description=(
            "Keep one history on every computer you use, through a folder your sync tool "
            "(Syncthing, Nextcloud, Dropbox, iCloud Drive, OneDrive, a git repository) already "
            "shares. Each computer writes only its own journal there and reads the others', "
            "so the streak, progress and report count every computer's sessions; the database "
            "itself never goes in the folder. The app and `coach remind` sync when they start "
            "and every few minutes, and a session syncs when it is recorded. Break timers stay "
            "per computer."
        ),
        epilog=(
            "examples:\n"
            "  coach sync init ~/Sync/coach    use this folder (it must exist)\n"
            "  coach sync now                  write and read the journals now\n"
            "  coach sync status --json        the journals and how far each was read\n"
            "see docs/sync.md for each sync tool's set-up"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sync_actions = sync.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=_Parser
    )
    sync_init = sync_actions.add_parser(
        "init", help="set history.sync_dir to FOLDER, then sync once"
    )
    sync_init.add_argument("folder", metavar="FOLDER", help="the folder your sync tool shares")
    sync_init.add_argument("--json", action="store_true", help="print what the sync did as JSON")
    sync_now = sync_actions.add_parser(
        "now", help="write this computer's journal and read the others' now"
    )
    sync_now.add_argument("--json", action="store_true", help="print what it did as JSON")
    sync_status = sync_actions.add_parser(
        "status", help="this computer's journal and the others': how far each was read"
    )
    sync_status.add_argument("--json", action="store_true", help="print as JSON")
    return parser


def _since_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        metavar="DATE",
        help="from this day on: YYYY-MM-DD, today, yesterday, or 7d, 4w, 3m, 1y ago",
    )


def _a_date(text: str) -> datetime.date:
    """``--on YYYY-MM-DD``: a calendar day, or argparse's usage error saying how to write one."""
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-01-05"
        ) from None
