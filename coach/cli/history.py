"""``coach status``, ``history``, ``export``, ``import`` and ``report``: they read the history
settings without pydantic (see :mod:`coach.status`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from coach.cli.exits import EXIT_INVALID, EXIT_OK
from coach.cli.overrides import _overrides
from coach.errors import UsageError

if TYPE_CHECKING:
    import argparse

    pass


def _history_settings(args: argparse.Namespace) -> Any:
    from coach.status import quick_history_settings

    return quick_history_settings(_overrides(args))


def _cmd_status(args: argparse.Namespace) -> int:
    from coach.status import collect_status, format_oneline, format_status

    status = collect_status(_history_settings(args))
    if args.json:
        from coach.text import json_text

        sys.stdout.write(json_text(status.to_json()) + "\n")
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
        raise UsageError(f"--since: {error}") from None


def _cmd_history(args: argparse.Namespace) -> int:
    from coach.history import reports

    prefs = _history_settings(args)
    since = _since(args, prefs)
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
    from coach.files import atomic_write

    try:
        with atomic_write(target) as out:
            count = write(out)
    except OSError as error:
        print(f"coach: cannot write {target}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
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


def _facts(store: Any, programs: set[str], library: Any) -> dict[str, Any]:
    """For each of ``programs`` still in the library, what its file prescribes.

    A program whose file is gone or broken is left out: the report then judges
    it by the schedule recorded with its sessions.
    """
    if not programs:
        return {}
    from coach.errors import ProgramError
    from coach.history.prescribed import program_facts

    found = {}
    for program in sorted(programs):
        entry = library.get(program)
        if entry is None:
            continue
        try:
            loaded = entry.load()
        except ProgramError:
            continue
        found[program] = program_facts(loaded, store.first_day(program))
    return found


def _exercises_done(path: Path, since: Any, until: Any) -> tuple[Any, list[str]]:
    """:meth:`HistoryStore.exercises_done` on a connection of its own (for another thread),
    with the damaged rows it met."""
    from coach.history.store import HistoryStore

    with HistoryStore(path, create=False) as store:
        return store.exercises_done(since=since, until=until), store.problems


def _until(args: argparse.Namespace, prefs: Any) -> Any:
    from coach.history.reports import parse_since

    if args.until is None:
        return None
    try:
        return parse_since(args.until, _today(prefs))
    except ValueError as error:
        raise UsageError(f"--until: {error}") from None


def _cmd_report(args: argparse.Namespace) -> int:
    from coach.history.store import collector_paused

    # One pass that makes a few hundred thousand objects (years of sessions), none of them
    # garbage in a cycle: the cycle collector would only walk them again and again (a
    # tenth of the time over a 20-year history).
    with collector_paused():
        return _report(args)


def _report(args: argparse.Namespace) -> int:
    if getattr(args, "from_path", None) is None:
        return _write_report(args, None)
    import tempfile

    # The files are merged into a history of their own, in a folder that goes with
    # the report: the reader's own history is never opened.
    with tempfile.TemporaryDirectory(prefix="coach-report-") as folder:
        store = _history_from(args.from_path, Path(folder))
        if store is None:
            return EXIT_INVALID
        return _write_report(args, store)


def _history_from(path: Path, folder: Path) -> Any:
    """A history in ``folder`` holding what ``path`` holds (an export, a journal, or a
    sync folder of journals); None, having said why, when it cannot be read."""
    from coach.history.exchange import read_export
    from coach.history.records import HistoryError
    from coach.history.store import HistoryStore
    from coach.history.sync import Computer, Sync, SyncResult, has_journal_header, is_journal
    from coach.text import visible

    path = path.expanduser()
    store = HistoryStore.in_folder(folder)
    reader = Computer("0" * 12, "report")  # no journal of its own: it reads them all
    result = SyncResult()
    try:
        if path.is_dir():
            names = [entry.name for entry in path.iterdir() if is_journal(entry.name)]
            if not names:
                print(
                    visible(f"coach: {path} holds no coach journal (coach-*.jsonl)"),
                    file=sys.stderr,
                )
                return None
            Sync(store, path, reader).read(result)
        elif has_journal_header(path):
            Sync(store, path.parent, reader).read_file(path.name, result)
        else:
            store.merge(read_export(path))
    except (ValueError, HistoryError, OSError) as error:
        print(visible(f"coach: cannot read {path}: {error}"), file=sys.stderr)
        return None
    for warning in result.warnings:
        print(f"coach: {visible(warning, newlines=False)}", file=sys.stderr)
    return store


def _write_report(args: argparse.Namespace, given: Any) -> int:
    from datetime import datetime

    from coach.history.calendar import streaks
    from coach.history.due import library_off_days

    prefs = _history_settings(args)
    since = _since(args, prefs)
    until = _until(args, prefs)
    if since is not None and until is not None and until < since:
        raise UsageError(f"--until ({until}) is before --since ({since})")
    today = _today(prefs)
    wanted = None if not args.program else set(args.program)
    store = given if given is not None else _open_history(prefs)
    if store is None:
        records = []
        rows: Any = []
        counts: Any = {}
        found = streaks([], today, prefs.rest_days)
        facts = {}
        damaged = EXIT_OK
    else:
        from concurrent.futures import ThreadPoolExecutor

        with store, ThreadPoolExecutor(1) as pool:
            # The sessions alone, and the exercises summed in SQL: years of history
            # in a few seconds (reading every exercise row would take three times as long),
            # but for the CSV of every exercise done. SQLite sums in a thread of its own
            # while this one reads the sessions: 1.4 s less over the 20-year bench history.
            summing = pool.submit(_exercises_done, store.path, since, until)
            every = args.format == "csv" and args.by == "exercise"
            records = store.sessions(since=since, until=until, with_exercises=every)
            if wanted is not None:
                records = [record for record in records if record.program in wanted]
            # What needs no sum (the counts, the days, the library), while the thread sums:
            # its SQL takes longer than reading the sessions.
            counts = store.exercise_counts(since=since, until=until)
            completed_days = store.completed_days()
            from coach.program.library import load_library

            library = load_library()  # read once, for the doses and for the streak's off days
            facts = _facts(store, {record.program for record in records}, library)
            off = library_off_days(
                [(e.id, e.listing.title, e.listing.plan) for e in library.entries],
                store.first_day,
            )
            rows, problems = summing.result()
            store.problems += [line for line in problems if line not in store.problems]
            if wanted is not None:
                rows = [row for row in rows if row.program in wanted]
        found = streaks(completed_days, today, prefs.rest_days, off)
        damaged = _said_problems(store)  # the report leaves them out
    from coach.history.report import build_report

    report = build_report(
        records,
        start=since,
        end=until,
        today=today,
        streaks=found,
        rest_days=prefs.rest_days,
        generated_at=datetime.now().astimezone(),
        facts=facts,
        exercises=(rows, counts),
    )
    if args.format == "html":
        from coach.history.report_html import report_html

        text = report_html(report)
    elif args.format == "csv":
        from coach.history.report_csv import report_csv

        text = report_csv(report, args.by)
    else:
        from coach.history.report_md import report_markdown

        text = report_markdown(report)
    if args.output is None:
        sys.stdout.write(text)
        return damaged
    from coach.files import write_private

    try:
        write_private(args.output, text)  # whole or not at all, 0600: it is health data
    except OSError as error:
        print(f"coach: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {args.output}", file=sys.stderr)
    return damaged
