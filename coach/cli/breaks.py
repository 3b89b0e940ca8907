"""``coach remind``: the break reminder, and the settings it reads from a short-lived child."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from coach.cli.exits import EXIT_OK, EXIT_USAGE
from coach.cli.overrides import _overrides
from coach.cli.programs import _load_library

if TYPE_CHECKING:
    import argparse

    pass


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
    from coach.breaks.words import BreakProgram
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
    programs = {
        entry.id: BreakProgram(
            entry.listing.title, entry.listing.total_seconds, entry.listing.summary
        )
        for entry in library.entries
        if entry.id in (settings.breaks.micro.program, settings.breaks.rest.program)
    }
    sys.stdout.write(json.dumps(config_json(settings, titles, programs)) + "\n")
    return EXIT_OK


# --- history ---------------------------------------------------------------------------------
