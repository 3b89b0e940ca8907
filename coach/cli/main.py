"""The ``coach`` command line: parse, dispatch to the command's module, one error path.

Each command lives in a module of its own (``programs``, ``history``,
``config``, ``session``, ``breaks``, ``doctor``), imported only when that
command runs: ``validate``, ``plan``, ``list`` and ``schema`` never import
Textual or Rich (importing Textual alone costs about 150 ms), ``status``
never imports pydantic, and only the app (``coach`` with no command, or
``coach app``) loads the TUI.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO, cast

from coach.cli.exits import EXIT_INVALID, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    import argparse

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "main", "no_arguments"]

_COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("coach.cli.programs", "_cmd_validate"),
    "plan": ("coach.cli.programs", "_cmd_plan"),
    "list": ("coach.cli.programs", "_cmd_list"),
    "schema": ("coach.cli.programs", "_cmd_schema"),
    "doctor": ("coach.cli.doctor", "run_doctor"),
    "status": ("coach.cli.history", "_cmd_status"),
    "history": ("coach.cli.history", "_cmd_history"),
    "export": ("coach.cli.history", "_cmd_export"),
    "import": ("coach.cli.history", "_cmd_import"),
    "report": ("coach.cli.history", "_cmd_report"),
    "config": ("coach.cli.config", "_cmd_config"),
    "run": ("coach.cli.session", "_cmd_run"),
    "app": ("coach.cli.session", "_cmd_app"),
    "remind": ("coach.cli.breaks", "_cmd_remind"),
    "pause": ("coach.cli.breaks", "_cmd_pause"),
    "resume": ("coach.cli.breaks", "_cmd_resume"),
    "sync": ("coach.cli.sync", "_cmd_sync"),
}
"""Each command's module and function, imported when the command runs."""

_HISTORY_COMMANDS = frozenset({"status", "history", "export", "import", "report"})


def build_parser() -> argparse.ArgumentParser:
    """The whole argument parser (see :mod:`coach.cli.parser`)."""
    from coach.cli.parser import build_parser as build

    return build()


def no_arguments() -> argparse.Namespace:
    """What the parser makes of no arguments at all (a test keeps the two the same)."""
    return cast("argparse.Namespace", types.SimpleNamespace(overrides=[], command=None))


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
    """Run the command; the one place a command's error becomes ``coach: ...`` and a status."""
    command = "app" if args.command is None else args.command
    if command == "remind" and args.print_config:
        command_module, name = "coach.cli.breaks", "_print_remind_config"
    else:
        command_module, name = _COMMANDS[command]
    handler: Callable[[Any], int] = getattr(importlib.import_module(command_module), name)
    # Imported here, not above: pydantic-settings, SQLite and the rest load only when used.
    from coach.errors import SettingsError, UsageError
    from coach.history.records import HistoryError

    try:
        return handler(args)
    except UsageError as error:
        print(f"coach {command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SettingsError as error:
        print(f"coach: bad setting:\n{error}", file=sys.stderr)
        return EXIT_USAGE
    except HistoryError as error:
        print(f"coach: {error}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:
        import sqlite3

        if command not in _HISTORY_COMMANDS or not isinstance(error, sqlite3.Error):
            raise
        # The store turns these into HistoryError; in case one slips through.
        from coach.cli.history import _history_settings
        from coach.history.store import describe_open_error

        prefs = _history_settings(args)
        print(f"coach: {describe_open_error(prefs.data_dir, error)}", file=sys.stderr)
        return EXIT_INVALID
