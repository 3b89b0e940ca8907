"""Sound out of this computer: the player for coach's sounds, and whether anything can be heard.

This module owns finding the system's sound player (``pw-play``, ``paplay``,
``aplay``, ``afplay``, PowerShell's ``System.Media.SoundPlayer``), playing
the shipped sounds through it off the caller's thread, and telling whether
this machine has somewhere for sound to go (:func:`find_audio_output`, used
by ``coach doctor`` and by the cues to fall back to the terminal bell).
Nothing here imports Textual.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from coach.session.sounds import SoundName, sound_file

ALSA_CARDS_FILE = Path("/proc/asound/cards")
"""Where Linux lists its sound cards."""

PLAY_TIMEOUT = 5.0
"""Seconds a player may take over one short sound before it is stopped."""

_Which = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class PlayerCommand:
    """How to play a sound file: the file's path is added as the last argument."""

    argv: tuple[str, ...]

    @property
    def name(self) -> str:
        """The player program's name, e.g. ``paplay``."""
        return Path(self.argv[0]).name

    def command(self, path: Path) -> list[str]:
        """The argv that plays ``path``."""
        if self.name.lower().startswith(("powershell", "pwsh")):
            # The path goes in as data: single quotes, doubled inside, in PowerShell's syntax.
            quoted = "'" + str(path).replace("'", "''") + "'"
            script = f"(New-Object System.Media.SoundPlayer {quoted}).PlaySync()"
            return [*self.argv, script]
        return [*self.argv, str(path)]


def find_player(platform: str | None = None, which: _Which | None = None) -> PlayerCommand | None:
    """The system's sound player, or None: the first of the players coach knows that is here."""
    platform = sys.platform if platform is None else platform
    which = shutil.which if which is None else which
    if platform == "darwin":
        path = which("afplay")
        return PlayerCommand((path,)) if path else None
    if platform == "win32":
        shell = which("powershell") or which("pwsh")
        return PlayerCommand((shell, "-NoProfile", "-Command")) if shell else None
    for name, options in (("pw-play", ()), ("paplay", ()), ("aplay", ("-q",))):
        path = which(name)
        if path:
            return PlayerCommand((path, *options))
    return None


@dataclass(frozen=True, slots=True)
class AudioOutput:
    """Whether this machine has somewhere for sound to go, and what was found."""

    heard: bool
    """True when an audio server or a sound card was found (always on macOS and Windows)."""

    detail: str
    """What was found, e.g. "PipeWire (/run/user/1000/pipewire-0)"."""


def find_audio_output(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    *,
    cards_file: Path | None = None,
    run_pactl: bool = True,
) -> AudioOutput:
    """Look for an audio server or a sound card (Linux and other Unix; macOS and Windows have one).

    In order: a PipeWire or PulseAudio socket in ``$XDG_RUNTIME_DIR``, a
    PulseAudio server that ``pactl info`` reaches (``$PULSE_SERVER``, a
    remote one), then a sound card in ``/proc/asound/cards``.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    cards_file = ALSA_CARDS_FILE if cards_file is None else cards_file
    if platform in ("darwin", "win32"):
        return AudioOutput(True, "the system's own audio output")
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime:
        for server, socket in (("PipeWire", "pipewire-0"), ("PulseAudio", "pulse/native")):
            path = Path(runtime) / socket
            if path.exists():
                return AudioOutput(True, f"{server} ({path})")
    pactl = shutil.which("pactl", path=environ.get("PATH")) if run_pactl else None
    if pactl is not None:
        try:
            done = subprocess.run(
                [pactl, "info"],
                capture_output=True,
                timeout=2,
                env=dict(environ),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode == 0:
            return AudioOutput(True, "a PulseAudio server (pactl info)")
    try:
        cards = cards_file.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        cards = ""
    if cards and "no soundcards" not in cards.lower():
        first = cards.splitlines()[0].strip()
        return AudioOutput(True, f"a sound card ({first})")
    return AudioOutput(False, "no audio server or sound card")


class SoundPlayer:
    """Plays shipped sounds through a player command, one after another, on a thread.

    ``play`` never waits. Each sound lasts well under a second, so sounds
    are played in turn rather than cut short; a player still busy after
    :data:`PLAY_TIMEOUT` seconds is stopped. What went wrong is kept in
    ``failures`` and ``last_failure`` (the player's last line on stderr).
    """

    def __init__(self, command: PlayerCommand) -> None:
        self.command = command
        self.played: list[list[str]] = []
        """Every argv started, for tests and reports."""
        self.failures: list[str] = []
        """Why sounds failed, newest last."""
        self._queue: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="coach-sounds", daemon=True)
        self._thread.start()

    @property
    def last_failure(self) -> str | None:
        """The newest failure, or None."""
        return self.failures[-1] if self.failures else None

    def play(self, name: SoundName) -> None:
        """Play sound ``name`` soon, off the caller's thread."""
        self._queue.put(sound_file(name))

    def close(self, wait: float = 2.0) -> None:
        """Let the sounds asked for play (up to ``wait`` seconds), then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout=wait)

    def _work(self) -> None:
        while True:
            path = self._queue.get()
            if path is None:
                return
            argv = self.command.command(path)
            self.played.append(argv)
            try:
                done = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    timeout=PLAY_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                self.failures.append(f"{self.command.name}: still playing after {PLAY_TIMEOUT} s")
                continue
            except OSError as error:
                self.failures.append(f"{self.command.name}: {error}")
                continue
            if done.returncode != 0:
                lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
                why = lines[-1] if lines else f"exit status {done.returncode}"
                self.failures.append(f"{self.command.name}: {why}")
