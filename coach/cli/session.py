"""``coach run`` and the app (``coach`` or ``coach app``): the only commands that load the TUI."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from coach.cli.exits import EXIT_INVALID, EXIT_OK
from coach.cli.overrides import _overrides
from coach.cli.programs import _resolve

if TYPE_CHECKING:
    import argparse

    from coach.program.loader import LoadedProgram


def _cmd_run(args: argparse.Namespace) -> int:
    from coach.config.settings import load_settings

    overrides = _overrides(args)
    if args.quiet:
        overrides["cues.quiet"] = "true"
    settings = load_settings(overrides)
    loaded = _resolve(args.program)
    if isinstance(loaded, int):
        return loaded
    from coach.clock import SystemClock
    from coach.history.calendar import local_day

    first = None
    prescription = loaded.program.info.prescription
    if prescription is not None and prescription.start is None:  # a protocol's week 1
        from coach.config.settings import effective_data_dir
        from coach.history.store import first_session_day

        first = first_session_day(effective_data_dir(settings), loaded.program.id)
    loaded = loaded.on(local_day(SystemClock().now(), settings.history.day_start_time), first)
    if not (args.headless or args.json) and sys.stdin.isatty() and sys.stdout.isatty():
        return _cmd_app(args, start=loaded, settings=settings)
    # No terminal to draw on (a script, a pipe): the same session, headless.
    from coach.config.settings import effective_data_dir
    from coach.history.records import HistoryError
    from coach.history.store import HistoryStore
    from coach.session.cues import CueOptions
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
    try:
        code = run_headless(
            loaded,
            json_mode=args.json,
            cues=CueOptions.from_settings(settings.cues),
            recorder=recorder,
            data_dir=effective_data_dir(settings),
        )
        if recorder is not None and store is not None:
            _sync_after(store, settings.history.sync_dir)
        return code
    finally:
        if store is not None:
            store.close()


def _sync_after(store: Any, folder: Any) -> None:
    """Sync once a session is recorded (when a sync folder is set): a warning at most,
    never a failed run."""
    if folder is None:
        return
    from coach.history.sync import sync_history
    from coach.text import visible

    try:
        result = sync_history(store, folder)
    except Exception as error:  # the session is recorded all the same
        said = visible(f"the session is recorded here, not synced: {error}", newlines=False)
        print(f"coach: warning: {said}", file=sys.stderr)
        return
    for warning in result.warnings:
        print(f"coach: sync: {visible(warning, newlines=False)}", file=sys.stderr)


# --- remind ----------------------------------------------------------------------------------


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
    from coach.tui.app import AppContext, CoachApp  # deferred: Textual is only for the app

    app = CoachApp(
        AppContext(
            library=library,
            settings=settings,
            theme=theme,
            overrides=overrides,
            store=store,
            open_history=start is None,
            start=start,
            record=record,
            detect_idle=True,
            detect_notifier=True,
        )
    )
    try:
        app.run()
    finally:
        if app.store is not None:
            app.store.close()
    if app.settings_error is not None:
        raise app.settings_error  # said as before the app starts: "coach: bad setting: ..."
    return EXIT_OK
