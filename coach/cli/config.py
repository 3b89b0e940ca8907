"""``coach config``: where the configuration is, what it says, and a file to start from."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.cli.exits import EXIT_INVALID, EXIT_OK
from coach.cli.overrides import _overrides

if TYPE_CHECKING:
    import argparse


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
            from coach.cli.programs import _print_table

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
