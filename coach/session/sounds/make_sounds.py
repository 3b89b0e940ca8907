"""Write the sounds coach plays (standard library only):
``python -m coach.session.sounds.make_sounds``.

Each sound is a few sine tones, 16-bit mono at 22 050 Hz, every note with a
short fade in and out so it starts and stops without a click. The files are
small (a few kilobytes each) and shipped in this folder as package data; run
this module again after changing a sound here, and commit the WAV files it
writes.

- ``work.wav``: a rising two-note chime (E5 then A5), work starts;
- ``rest.wav``: a falling soft tone (A4 gliding to E4, quieter), a rest starts;
- ``end.wav``: a three-note arpeggio (C5, E5, G5, the last held), the session is over;
- ``tick.wav``: a very short, soft click-like blip (1.6 kHz), the metronome.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from collections.abc import Sequence
from pathlib import Path

RATE = 22_050
"""Samples per second."""

FADE = 0.012
"""Seconds of fade in and out on every note."""

Note = tuple[float, float, float, float]
"""A note: start frequency (Hz), end frequency (Hz, for a glide), seconds, loudness (0 to 1)."""

SOUNDS: dict[str, Sequence[Note]] = {
    "work": [(659.25, 659.25, 0.12, 0.5), (880.0, 880.0, 0.22, 0.5)],
    "rest": [(440.0, 329.63, 0.45, 0.3)],
    "end": [
        (523.25, 523.25, 0.14, 0.45),
        (659.25, 659.25, 0.14, 0.45),
        (783.99, 783.99, 0.4, 0.45),
    ],
    "tick": [(1600.0, 1600.0, 0.025, 0.18)],
}
"""Each sound's notes, played one after the other."""


def note_samples(start_hz: float, end_hz: float, seconds: float, loudness: float) -> list[int]:
    """One note as 16-bit samples: a sine gliding from ``start_hz`` to ``end_hz``, faded."""
    count = round(seconds * RATE)
    fade = max(1, round(FADE * RATE))
    samples = []
    phase = 0.0
    for i in range(count):
        frequency = start_hz + (end_hz - start_hz) * i / count
        phase += 2 * math.pi * frequency / RATE
        envelope = min(1.0, i / fade, (count - 1 - i) / fade)
        samples.append(round(32767 * loudness * envelope * math.sin(phase)))
    return samples


def write_sound(path: Path, notes: Sequence[Note]) -> None:
    """Write ``notes`` one after the other to a WAV file at ``path``."""
    samples: list[int] = []
    for note in notes:
        samples.extend(note_samples(*note))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))


def main(folder: Path | None = None) -> int:
    """Write every sound into ``folder`` (this module's folder unless told)."""
    folder = Path(__file__).resolve().parent if folder is None else folder
    for name, notes in SOUNDS.items():
        path = folder / f"{name}.wav"
        write_sound(path, notes)
        print(f"{path}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
