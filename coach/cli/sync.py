"""``coach sync``: the history on every computer, through a folder your sync tool shares."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.cli.exits import EXIT_INVALID, EXIT_OK
from coach.cli.overrides import _overrides
from coach.text import json_text, visible

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from coach.history.store import HistoryStore
    from coach.history.sync import SyncResult


def _cmd_sync(args: argparse.Namespace) -> int:
    from coach.config.settings import effective_data_dir, load_settings
    from coach.history.records import HistoryError
    from coach.history.store import HistoryStore
    from coach.history.sync import SyncError, sync_history

    overrides = _overrides(args)
    if args.action == "init":
        code = _init(args, overrides)
        if code != EXIT_OK:
            return code
    settings = load_settings(overrides)
    folder = settings.history.sync_dir
    if folder is None:
        print(
            "coach: no sync folder is set: run `coach sync init FOLDER` with a folder your "
            "sync tool shares between your computers (see docs/sync.md)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        store = HistoryStore.in_folder(effective_data_dir(settings))
    except HistoryError as error:
        print(f"coach: the history cannot be used: {error}", file=sys.stderr)
        return EXIT_INVALID
    with store:
        if args.action == "status":
            return _status(store, folder, json_mode=args.json)
        try:
            result = sync_history(store, folder, _progress_line())
        except (SyncError, HistoryError) as error:
            print(f"coach: {error}", file=sys.stderr)
            return EXIT_INVALID
        except OSError as error:
            print(f"coach: cannot sync through {folder}: {error}", file=sys.stderr)
            return EXIT_INVALID
        _said(result, folder, json_mode=args.json)
    return EXIT_OK


def _init(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    from coach import paths
    from coach.config import file
    from coach.config.settings import effective_data_dir, load_settings
    from coach.errors import SettingsError

    folder = Path(args.folder).expanduser().absolute()
    if not folder.is_dir():
        print(
            f"coach: {folder} is not a folder: give the folder your sync tool shares "
            "(create it first if it is new)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    data = effective_data_dir(load_settings(overrides)).resolve()
    inside = folder.resolve()
    if inside == data or data.is_relative_to(inside):
        print(
            f"coach: the history ({data}) is inside {folder}: a sync tool copying a live "
            "SQLite database corrupts it. Give a folder that does not hold the data "
            "folder (see docs/sync.md)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    target = paths.user_config_file()
    try:
        file.set_setting("history.sync_dir", str(folder), target)
    except (SettingsError, OSError) as error:
        print(visible(f"coach: cannot set history.sync_dir in {target}: {error}"), file=sys.stderr)
        return EXIT_INVALID
    overrides.pop("history.sync_dir", None)
    print(visible(f"set history.sync_dir = {folder} in {target}", newlines=False))
    return EXIT_OK


def _progress_line() -> Callable[[str], None] | None:
    """How far a long first sync has gone, on one line of a terminal's stderr."""
    if not sys.stderr.isatty():
        return None

    def show(text: str) -> None:
        sys.stderr.write("\r\x1b[2K" + visible(text, newlines=False))
        sys.stderr.flush()

    return show


def _said(result: SyncResult, folder: Path, *, json_mode: bool) -> None:
    if json_mode:
        print(
            json_text(
                {
                    "folder": str(folder),
                    "written": result.written,
                    "added": result.added,
                    "updated": result.updated,
                    "journals": result.journals,
                    "warnings": result.warnings,
                }
            )
        )
        return
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[2K")  # the progress line, if any, gives way
    print(visible(f"synced through {folder}: {result.line()}", newlines=False))
    for warning in result.warnings:
        print(visible(f"warning: {warning}", newlines=False), file=sys.stderr)


def _status(store: HistoryStore, folder: Path, *, json_mode: bool) -> int:
    from coach.history.sync import journal_summaries, this_computer

    computer, copied = this_computer(store.folder)
    journals = journal_summaries(store, folder)
    if store.read_only is not None:
        print(
            f"coach: cannot sync: the history {store.path} cannot be written ({store.read_only})",
            file=sys.stderr,
        )
        return EXIT_INVALID
    waiting = store.count_unjournaled()
    counts = store.computers()
    if json_mode:
        print(
            json.dumps(
                {
                    "folder": str(folder),
                    "computer": computer.id,
                    "name": computer.name,
                    "journal": computer.journal,
                    "to_write": waiting,
                    "sessions_by_computer": {
                        ("here" if key is None else key): value for key, value in counts.items()
                    },
                    "journals": journals,
                },
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    print(visible(f"sync folder: {folder}", newlines=False))
    print(visible(f"this computer: {computer.name} (journal {computer.journal})", newlines=False))
    print(f"sessions recorded here: {counts.get(None, 0)}; not yet in the journal: {waiting}")
    if copied is not None:
        print(visible(f"note: {copied}", newlines=False))
    others = [j for j in journals if j["file"] != computer.journal]
    if not others:
        print("other computers: none yet (their journals appear once your sync tool copies them)")
    for journal in others:
        who = journal["name"] or "not read yet"
        print(
            visible(
                f"  {journal['file']}: {who}, {journal['lines']} session line(s) read"
                + (f", {journal['waiting']} bytes to read" if journal["waiting"] else ""),
                newlines=False,
            )
        )
    return EXIT_OK
