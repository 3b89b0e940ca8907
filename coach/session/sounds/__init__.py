"""The short sounds coach plays, shipped as WAV files next to this module.

:mod:`coach.session.sounds.make_sounds` writes them; :mod:`coach.session.audio` plays them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

SoundName = Literal["work", "rest", "end", "tick"]
"""Work starts, a rest starts, the session is over, a metronome tick."""

SOUND_NAMES: tuple[SoundName, ...] = ("work", "rest", "end", "tick")
"""Every sound coach ships."""


def sound_file(name: SoundName) -> Path:
    """The WAV file of sound ``name``."""
    return Path(__file__).resolve().parent / f"{name}.wav"
