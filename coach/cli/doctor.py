"""``coach doctor``: what this machine gives coach, and how to fix what is missing.

This module owns the checks (desktop notifications, speech, idle detection,
the terminal, the bell, the history folder, the configuration), their plain
text and JSON forms, and the ``doctor`` sub-command's parser and entry point
(``coach.cli.main`` adds them with :func:`add_doctor_parser` and :func:`run_doctor`).

The checks only look: nothing is created, and no notification is sent
unless ``--send-test`` asks for one (asking the bus for its notification
server starts one that starts on demand, as a notification would);
``--salvage FILE`` writes the one file it is given (the readable sessions of
a damaged history, as an export). Every check's entry starts with ``ok``,
``missing`` or ``n/a``, so it reads the same without colour, to a screen
reader, or through ``grep``; on a terminal it is wrapped to the width at
word boundaries, its continuation lines indented, and into a pipe it stays
one line. Nothing here imports Textual or Rich; the settings, cue and probe
modules are imported by the functions that use them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TextIO, TypeVar

from coach.text import visible

if TYPE_CHECKING:
    from coach.config.settings import Settings
    from coach.errors import SettingsError

__all__ = [
    "Check",
    "checks_json",
    "collect_checks",
    "format_checks",
    "report_width",
    "run_doctor",
]

_Parser = TypeVar("_Parser", bound=argparse.ArgumentParser)

_EXIT_OK = 0
_EXIT_USAGE = 2  # as coach.cli.main answers a bad setting
_EXIT_DAMAGED = 1  # the history cannot be used as it is

_NO_IDLE = (
    "without it coach keeps fixed break intervals and counts only sessions as breaks, "
    "not time away from the keyboard"
)


def _visible(text: str) -> str:
    """Values such as TERM or a path come from outside: shown, never obeyed, on one line."""
    return visible(text, newlines=False)


@dataclass(frozen=True, slots=True)
class Check:
    """One thing coach needs or can use, and whether this machine has it."""

    name: str
    """What is checked, e.g. "speech"."""

    ok: bool | None
    """True when it works, False when it is missing or broken, None when it does not
    apply (turned off in the settings, or no terminal to check)."""

    detail: str
    """What was found, or why it is missing."""

    fix: str | None = None
    """How to fix it, when it is missing."""

    @property
    def status(self) -> Literal["ok", "missing", "n/a"]:
        """The first word of the check's line: "ok", "missing" or "n/a"."""
        if self.ok is None:
            return "n/a"
        return "ok" if self.ok else "missing"

    def to_json(self) -> dict[str, Any]:
        """The check as JSON-ready data."""
        return {
            "name": self.name,
            "status": self.status,
            "ok": self.ok,
            "detail": self.detail,
            "fix": self.fix,
        }


# --------------------------------------------------------------------------- the checks


def _notifications(
    environ: Mapping[str, str], platform: str, send_test: bool, long_rests: float
) -> Check:
    """Whether a desktop notification would show: "ok" only when a server answers on the bus."""
    from coach.notify import SERVER_FIX, check_notifier

    found = check_notifier(environ, platform)
    notifier = found.notifier
    if notifier is None:
        return Check("notifications", False, found.detail, found.fix)
    detail = found.detail
    if long_rests <= 0:
        detail += "; long-rest notifications are off (cues.notify_long_rests = 0)"
    if not send_test:
        if found.works is False or (found.works is None and notifier.name == "notify-send"):
            return Check("notifications", False, detail, found.fix)
        return Check("notifications", True, detail + " (`coach doctor --send-test` sends one)")
    if notifier.send("coach doctor", "Notifications work.", timeout=5.0):
        return Check("notifications", True, detail + "; a test notification was sent")
    return Check(
        "notifications",
        False,
        f"{detail}; sending failed: {notifier.last_failure}",
        (found.fix or SERVER_FIX) if notifier.name == "notify-send" else None,
    )


def _speech_fix(platform: str) -> str:
    if platform == "darwin":
        return "`say` comes with macOS: check PATH, or set cues.speech_command"
    if platform == "win32":
        return "speech needs Windows PowerShell (System.Speech): check PATH"
    return (
        "install espeak-ng (Debian/Ubuntu/Fedora: package espeak-ng) or speech-dispatcher "
        "(spd-say), or set cues.speech_command"
    )


def _speech(settings: Settings, platform: str, environ: Mapping[str, str]) -> Check:
    from coach.session.audio import find_audio_output
    from coach.session.cues import find_speech_command

    cues = settings.cues
    configured = cues.speech_command
    template = find_speech_command(configured)
    if template is None:
        if configured:
            return Check(
                "speech",
                False,
                f"cues.speech_command is {configured!r}, which is not a command",
                "set cues.speech_command to a command that speaks its last argument",
            )
        found = "no speech command found (looked for say, espeak-ng, espeak, spd-say)"
        if not cues.speech or cues.quiet:
            return Check("speech", None, f"off in the settings; {found}")
        return Check("speech", False, found, _speech_fix(platform))
    program = template.argv[0]
    where = shutil.which(program)
    how = "reads the text on stdin" if template.via_stdin else "text as the last argument"
    shown = " ".join(template.argv) if len(template.argv) <= 4 else f"{program} ..."
    command = f"{shown} ({how})"
    if cues.quiet:
        return Check("speech", None, f"off (cues.quiet = true); would use {command}")
    if not cues.speech:
        return Check("speech", None, f"off (cues.speech = false); would use {command}")
    if where is None:
        return Check(
            "speech",
            False,
            f"{program} is not on PATH" + (" (cues.speech_command)" if configured else ""),
            "install it, or set cues.speech_command to a command you have",
        )
    command += ", from cues.speech_command" if configured else ""
    output = find_audio_output(environ, platform)
    if not output.heard:
        return Check(
            "speech", False, f"{command}, but nothing it says can be heard", "see the sound line"
        )
    return Check("speech", True, command)


def _last_session_cues(settings: Settings) -> Check:
    """Whether speech and sounds failed in the last session (``speech: ...`` from its stderr)."""
    from coach.config.settings import effective_data_dir
    from coach.session.cues import last_problems

    found = last_problems(effective_data_dir(settings))
    if found is None:
        return Check("session cues", True, "no speech or sound failed in the last session")
    at, problems = found
    return Check(
        "session cues",
        False,
        f"in the session of {_visible(at)}: " + "; ".join(_visible(p) for p in problems),
        "see the speech and sound lines; this line clears after a session where they work",
    )


def _sound(settings: Settings, environ: Mapping[str, str], platform: str) -> Check:
    """Whether sound can be heard here at all, and what plays coach's sounds."""
    from coach.session.audio import find_audio_output, find_player

    cues = settings.cues
    output = find_audio_output(environ, platform)
    if not output.heard:
        return Check(
            "sound",
            False,
            f"{output.detail}; speech and sounds cannot be heard here (the terminal bell still "
            "rings)",
            "start the desktop's sound server (PipeWire or PulseAudio) or check that the sound "
            "card is seen (`aplay -l`); over SSH, sound would play on the remote machine",
        )
    if cues.quiet:
        return Check("sound", None, f"{output.detail}; sounds off (cues.quiet = true)")
    if not cues.sounds:
        return Check("sound", None, f"{output.detail}; sounds off (cues.sounds = false)")
    player = find_player(platform, lambda name: shutil.which(name, path=environ.get("PATH")))
    if player is None:
        return Check(
            "sound",
            True,
            f"{output.detail}; no sound player (looked for pw-play, paplay, aplay, afplay), so "
            "the terminal bell rings instead",
        )
    metronome = "on" if cues.metronome else "off"
    return Check(
        "sound",
        True,
        f"{output.detail}; sounds play through {player.name} (metronome {metronome})",
    )


def _idle(settings: Settings, environ: Mapping[str, str], platform: str) -> Check:
    from coach.breaks.idle import search_idle_probe

    if not settings.breaks.idle_detection:
        return Check("idle detection", None, f"off (breaks.idle_detection = false): {_NO_IDLE}")
    found = search_idle_probe(environ, platform)
    probe = found.probe
    if probe is None:
        return Check("idle detection", False, f"none found ({found.detail}); {_NO_IDLE}", found.fix)
    try:
        reading = probe.idle_seconds()
    finally:
        probe.close()
    if reading is None:
        return Check("idle detection", False, f"{found.detail}, but reading it failed; {_NO_IDLE}")
    counting = "active" if probe.fine else "wall"  # as `coach status --json` says
    return Check(
        "idle detection",
        True,
        f"{found.detail}: idle for {reading:.0f} s now; counting: {counting}",
    )


def _colour(environ: Mapping[str, str], term: str) -> str:
    if environ.get("NO_COLOR"):
        return "colour off (NO_COLOR is set)"
    if environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "24-bit colour"
    if "256color" in term:
        return "256 colours"
    return "16 colours or fewer"


def _terminal(stream: TextIO, environ: Mapping[str, str], platform: str) -> Check:
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return Check(
            "terminal",
            None,
            "standard output is not a terminal (a pipe or a file): the app needs one; "
            "`coach run --headless` does not",
        )
    term = environ.get("TERM", "")
    if platform != "win32" and term in ("", "dumb"):
        return Check(
            "terminal",
            False,
            f"TERM is {term!r}: the app cannot draw on this terminal",
            "run coach in a terminal emulator that sets TERM (for example xterm-256color)",
        )
    try:
        size = os.get_terminal_size(stream.fileno())
        columns, lines = size.columns, size.lines
    except (OSError, ValueError, AttributeError):
        columns = lines = 0
    described = f"TERM={term or '(unset)'}, {columns}x{lines}, {_colour(environ, term)}"
    if columns and (columns < 80 or lines < 24):
        return Check(
            "terminal",
            False,
            f"{described}: smaller than 80x24, so the app may cut text off",
            "make the window at least 80 columns by 24 lines",
        )
    return Check("terminal", True, described)


def _bell(settings: Settings, streams: Sequence[TextIO]) -> Check:
    cues = settings.cues
    if cues.quiet:
        return Check("terminal bell", None, "off (cues.quiet = true)")
    if not cues.bell:
        return Check("terminal bell", None, "off (cues.bell = false)")
    terminals = 0
    for stream in streams:
        try:
            terminals += bool(stream.isatty())
        except (AttributeError, ValueError):
            continue
    if not terminals:
        return Check(
            "terminal bell",
            None,
            "on (cues.bell), but neither standard output nor standard error is a terminal",
        )
    return Check(
        "terminal bell",
        True,
        "on (cues.bell); the terminal decides how it sounds: if you hear nothing, check its "
        "bell setting (some are silent or flash instead)",
    )


def _history_folder(settings: Settings) -> Check:
    from coach.config.settings import effective_data_dir

    folder = effective_data_dir(settings)
    shown = _visible(str(folder))
    fix = "set data_dir in your config file (or COACH_DATA_DIR) to a folder you can write"
    if folder.exists():
        if not folder.is_dir():
            return Check("history folder", False, f"{shown} is not a folder", fix)
        try:
            # The only sure test of writing is to write: permissions, read-only
            # mounts and ACLs all say no the same way.
            with tempfile.TemporaryFile(dir=folder, prefix=".coach-doctor-"):
                pass
        except OSError as error:
            return Check("history folder", False, f"{shown} is not writable: {error.strerror}", fix)
        return Check("history folder", True, f"{shown} (writable)")
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        return Check(
            "history folder", True, f"{shown} (not created yet: the first session creates it)"
        )
    return Check(
        "history folder",
        False,
        f"{shown} does not exist and {_visible(str(parent))} is not writable",
        fix,
    )


def _history(settings: Settings, thorough: bool) -> Check:
    """The history database: readable, the schema coach knows, no damaged page or row."""
    from coach.config.settings import effective_data_dir
    from coach.history.store import DB_NAME, RECOVERY_HINT, check_history

    path = effective_data_dir(settings) / DB_NAME
    if not path.exists() and not path.is_symlink():
        return Check("history", True, "none yet (the first session creates it)")
    problems = check_history(path, thorough=thorough)
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if problems[5:] else ""
        )
        return Check("history", False, _visible(shown), RECOVERY_HINT)
    how = "integrity check passed" if thorough else "quick check passed (`--check-history` for all)"
    return Check("history", True, f"{_visible(str(path))}: {how}")


def _config(settings_error: SettingsError | None, environ: Mapping[str, str]) -> Check:
    from coach import paths

    user_file = paths.user_config_file()
    if settings_error is not None:
        problems = "; ".join(settings_error.problems) or str(settings_error)
        return Check(
            "config",
            False,
            f"the settings cannot be used: {_visible(problems)}",
            "correct the settings named above (`coach config show` lists each one and where "
            "it comes from)",
        )
    variables = sorted(
        name
        for name in environ
        if name.startswith("COACH_")
        and name not in ("COACH_CONFIG_FILE", "COACH_DATA_DIR", "COACH_PROGRAMS_PATH")
    )
    where = (
        f"your file {user_file}"
        if user_file.exists()
        else f"no file of yours yet ({user_file}; `coach config init` writes one)"
    )
    detail = f"settings valid: the shipped defaults and {where}"
    if variables:
        detail += f", and {', '.join(variables)}"
    return Check("config", True, _visible(detail))


def collect_checks(
    settings: Settings,
    *,
    settings_error: SettingsError | None = None,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    send_test: bool = False,
    check_history: bool = False,
) -> list[Check]:
    """Check what coach needs and can use on this machine.

    ``settings`` are the loaded settings; when they failed to load, pass the
    built-in defaults and the error as ``settings_error``. ``environ``,
    ``platform`` and the streams default to this process's. With
    ``send_test``, a real notification is sent; with ``check_history``, the
    whole history database is checked (else SQLite's quicker check).
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    return [
        _notifications(environ, platform, send_test, settings.cues.notify_long_rests),
        _speech(settings, platform, environ),
        _sound(settings, environ, platform),
        _last_session_cues(settings),
        _idle(settings, environ, platform),
        _terminal(stdout, environ, platform),
        _bell(settings, [stdout, stderr]),
        _history_folder(settings),
        _history(settings, check_history),
        _config(settings_error, environ),
    ]


# --------------------------------------------------------------------------- output


_INDENT = " " * 8  # continuation lines start under the check's name
_NARROWEST = 40


def format_checks(checks: Sequence[Check], width: int | None = None) -> str:
    """One entry per check, each starting with "ok", "missing" or "n/a"; plain text.

    With ``width``, each entry is wrapped at word boundaries to that many
    columns (at least 40), its continuation lines indented; a word longer
    than a line (a long path) is never split. Without it, one line a check.
    """
    lines = []
    for check in checks:
        line = f"{check.status:<7} {check.name}: {check.detail}"
        if check.fix and check.ok is False:
            line = f"{line.rstrip('.')}. Fix: {check.fix}"
        line = _visible(line)
        if width is None:
            lines.append(line)
            continue
        lines += textwrap.wrap(
            line,
            width=max(width, _NARROWEST),
            subsequent_indent=_INDENT,
            break_long_words=False,
            break_on_hyphens=False,
        )
    return "\n".join(lines) + "\n"


def report_width(stream: TextIO, environ: Mapping[str, str]) -> int | None:
    """The columns to wrap ``coach doctor``'s lines to, or None for one line a check.

    ``COLUMNS`` when it is set (as :func:`shutil.get_terminal_size` reads it),
    else the width of the terminal ``stream`` is; a pipe or a file gets one
    line a check, for ``grep``.
    """
    columns = environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, ValueError, OSError):
        return None


def checks_json(checks: Sequence[Check]) -> str:
    """The checks as a JSON document: ``{"ok": ..., "checks": [...]}``.

    ``ok`` is false when any check is missing. Non-ASCII text is escaped, so
    no control character reaches a terminal that prints it.
    """
    data = {
        "ok": all(check.ok is not False for check in checks),
        "checks": [check.to_json() for check in checks],
    }
    return json.dumps(data, indent=2, ensure_ascii=True)


# --------------------------------------------------------------------------- the command


def run_doctor(args: argparse.Namespace) -> int:
    """Run ``coach doctor``: print the checks; 0, or 2 when the settings cannot be loaded.

    Reads ``args.overrides`` (the global ``--set``), ``args.json`` and
    ``args.send_test``. A settings error is printed as ``coach`` prints it
    for other commands, and the other checks still run (on the built-in
    defaults), since that is when a person needs them most.
    """
    from coach.cli.overrides import parse_overrides
    from coach.config.settings import Settings, SettingsError, load_settings

    error: SettingsError | None = None
    try:
        settings = load_settings(parse_overrides(getattr(args, "overrides", None) or []))
    except SettingsError as problem:
        print(f"coach: bad setting:\n{problem}", file=sys.stderr)
        error = problem
        settings = Settings()
    if getattr(args, "salvage", None) is not None:
        return _salvage(settings, args.salvage)
    checks = collect_checks(
        settings,
        settings_error=error,
        send_test=getattr(args, "send_test", False),
        check_history=getattr(args, "check_history", False),
    )
    if getattr(args, "json", False):
        sys.stdout.write(checks_json(checks) + "\n")
    else:
        sys.stdout.write(format_checks(checks, report_width(sys.stdout, os.environ)))
    if error is not None:
        return _EXIT_USAGE
    history_ok = all(check.ok is not False for check in checks if check.name == "history")
    return _EXIT_OK if history_ok else _EXIT_DAMAGED


def _salvage(settings: Settings, target: Any) -> int:
    """``coach doctor --salvage FILE``: readable sessions to FILE (0600, whole or not at all)."""
    from coach.config.settings import effective_data_dir
    from coach.files import atomic_write
    from coach.history.records import HistoryError
    from coach.history.store import DB_NAME, salvage

    path = effective_data_dir(settings) / DB_NAME
    if not path.exists():
        print(
            f"coach doctor: no history at {_visible(str(path))}: nothing to salvage",
            file=sys.stderr,
        )
        return _EXIT_DAMAGED
    try:
        with atomic_write(target) as out:
            count, problems = salvage(path, out)
    except (HistoryError, OSError) as problem:
        print(f"coach doctor: cannot salvage: {_visible(str(problem))}", file=sys.stderr)
        return _EXIT_DAMAGED
    print(f"salvaged {count} sessions from {_visible(str(path))} to {_visible(str(target))}")
    for line in problems[:20]:
        print(f"  left out: {_visible(line)}")
    if count:
        print(
            "to start again from them: move the damaged history away, then "
            f"`coach import {_visible(str(target))}`"
        )
    return _EXIT_OK
