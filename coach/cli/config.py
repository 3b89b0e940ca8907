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

            def text_of(value: Any) -> str:
                return settings.setting_text(value, unset="-", separator=", ", no_items="(none)")

            rows = [("KEY", "VALUE", "FROM")]
            rows += [
                (v.key, visible(text_of(v.value), newlines=False), visible(v.source))
                for v in values
            ]
            from coach.cli.programs import _print_table

            _print_table(rows, sys.stdout)
        return EXIT_OK
    if args.action in ("set", "unset"):
        return _edit(args, overrides)
    if args.action == "init":
        from coach.config.file import init_config

        try:
            written = init_config()
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


def _edit(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    """``coach config set KEY VALUE`` and ``coach config unset KEY``."""
    from coach import paths
    from coach.config import file
    from coach.config.settings import explain_settings
    from coach.errors import SettingsError
    from coach.text import visible

    key = ".".join(part.strip() for part in args.key.split("."))
    target = paths.user_config_file()
    try:
        if args.action == "set":
            file.set_setting(key, args.value, target)  # SettingsError: exit 2, file untouched
            print(visible(f"set {key} in {target}", newlines=False))
        elif file.unset_setting(key, target):
            print(visible(f"removed {key} from {target}", newlines=False))
        else:
            print(visible(f"{key} was not set in {target}; nothing changed", newlines=False))
            return EXIT_OK
    except OSError as error:
        reason = error.strerror or str(error)
        print(visible(f"coach: cannot write {target}: {reason}"), file=sys.stderr)
        return EXIT_INVALID
    # Say when something above the file decides the value for now.
    try:
        source = next((v.source for v in explain_settings(overrides) if v.key == key), "")
    except SettingsError:
        return EXIT_OK  # another layer is broken: the next command says so
    if source.startswith(("env ", "--set")):
        print(visible(f"note: {source} overrides it for now", newlines=False), file=sys.stderr)
    return EXIT_OK


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


# --- run -------------------------------------------------------------------------------------
