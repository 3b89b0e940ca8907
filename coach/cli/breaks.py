"""``coach remind``: the break reminder, and the settings it reads from a short-lived child."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import TYPE_CHECKING, Any

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
    from coach.breaks.sessions import prescribed_in

    prescribed = prescribed_in(library)
    sys.stdout.write(json.dumps(config_json(settings, titles, programs, prescribed)) + "\n")
    return EXIT_OK


def _cmd_pause(args: argparse.Namespace) -> int:
    """``coach pause 1h|until 14:00|tomorrow``: no break reminders until then."""
    from coach.breaks.pause import PauseError, format_until, pause_until
    from coach.errors import UsageError

    settings, store = _break_store(args)
    wall = _wall_now()
    try:
        until = pause_until(args.until, wall, settings.history.day_start_time)
    except PauseError as error:
        raise UsageError(str(error)) from None
    _change_breaks(settings, store, lambda scheduler, now: scheduler.pause(until, now))
    print(f"Break reminders paused until {format_until(until, wall)}; `coach resume` ends it.")
    return EXIT_OK


def _cmd_resume(args: argparse.Namespace) -> int:
    """``coach resume``: break reminders back on now."""
    settings, store = _break_store(args)
    if _change_breaks(settings, store, lambda scheduler, now: scheduler.resume(now)):
        print("Break reminders are back on; the timers start again now.")
    else:
        print("Break reminders were not paused.")
    return EXIT_OK


def _wall_now() -> Any:
    from coach.clock import SystemClock

    return SystemClock().now()


def _break_store(args: argparse.Namespace) -> tuple[Any, Any]:
    from coach.config.settings import effective_data_dir, load_settings
    from coach.history.store import HistoryStore

    settings = load_settings(_overrides(args))
    return settings, HistoryStore.in_folder(effective_data_dir(settings))


def _change_breaks(settings: Any, store: Any, change: Any) -> bool:
    """Apply ``change(scheduler, now)`` to the shared break state, then wake ``coach remind``.

    The state is read and written back as it is (no time is counted as
    work or sleep here: that is for the hosts); ``coach remind``, if it runs,
    is woken (SIGUSR1) so that it says so at once.
    """
    import os
    import signal

    from coach.breaks.host import remind_pid
    from coach.breaks.scheduler import BreakPolicy, BreakScheduler
    from coach.clock import SystemClock
    from coach.history.store import BreakUpdate

    clock = SystemClock()
    policy = BreakPolicy.from_settings(settings.breaks)
    changed: list[bool] = []

    def act(state: dict[str, Any] | None, _ended: Any) -> BreakUpdate:
        now, wall, boot = clock.monotonic(), clock.now(), clock.boot_id()
        scheduler, _ = BreakScheduler.from_state(policy, state, now, wall, boot)
        changed.append(change(scheduler, now) is not False)
        return BreakUpdate(scheduler.to_state(now, wall, boot), [])

    try:
        store.update_breaks(act)
    finally:
        store.close()
    pid = remind_pid(store.folder)
    usr1 = getattr(signal, "SIGUSR1", None)
    if pid and pid.isdigit() and usr1 is not None:
        with contextlib.suppress(OSError):
            os.kill(int(pid), usr1)
    return changed[0]
