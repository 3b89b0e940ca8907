"""The shipped sounds, the system's player, and whether this machine can be heard."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from coach.session.audio import PlayerCommand, SoundPlayer, find_audio_output, find_player
from coach.session.sounds import SOUND_NAMES, sound_file
from coach.session.sounds.make_sounds import main as make_sounds


def test_the_sounds_are_small_valid_wav_files_that_differ() -> None:
    digests = set()
    for name in SOUND_NAMES:
        path = sound_file(name)
        assert path.stat().st_size < 50_000, name
        with wave.open(str(path)) as sound:
            seconds = sound.getnframes() / sound.getframerate()
            assert sound.getnchannels() == 1 and sound.getsampwidth() == 2
            assert 0.02 <= seconds <= 1.0, (name, seconds)
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    assert len(digests) == len(SOUND_NAMES) == 4


def test_the_shipped_sounds_are_what_the_script_writes(tmp_path: Path) -> None:
    make_sounds(tmp_path)
    for name in SOUND_NAMES:
        assert (tmp_path / f"{name}.wav").read_bytes() == sound_file(name).read_bytes(), name


def test_the_player_is_the_first_the_system_has() -> None:
    def which(*present: str):  # type: ignore[no-untyped-def]
        return lambda name: f"/usr/bin/{name}" if name in present else None

    linux = find_player("linux", which("aplay", "paplay"))
    assert linux is not None and linux.argv == ("/usr/bin/paplay",)
    only_alsa = find_player("linux", which("aplay"))
    assert only_alsa is not None and only_alsa.argv == ("/usr/bin/aplay", "-q")
    assert find_player("linux", which()) is None
    mac = find_player("darwin", which("afplay"))
    assert mac is not None and mac.command(Path("/s/work.wav")) == [
        "/usr/bin/afplay",
        "/s/work.wav",
    ]
    windows = find_player("win32", which("powershell"))
    assert windows is not None
    argv = windows.command(Path("C:/it's/work.wav"))
    assert argv[:3] == ["/usr/bin/powershell", "-NoProfile", "-Command"]
    assert argv[3] == "(New-Object System.Media.SoundPlayer 'C:/it''s/work.wav').PlaySync()"


def test_audio_output_from_a_server_socket_or_a_sound_card_both_ways(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir()
    cards = tmp_path / "cards"
    cards.write_text("--- no soundcards ---\n")
    env = {"XDG_RUNTIME_DIR": str(runtime), "PATH": "/nonexistent"}
    found = find_audio_output(env, "linux", cards_file=cards)
    assert not found.heard and found.detail == "no audio server or sound card"
    assert not find_audio_output({}, "linux", cards_file=tmp_path / "missing").heard

    (runtime / "pipewire-0").touch()
    found = find_audio_output(env, "linux", cards_file=cards)
    assert found.heard and found.detail.startswith("PipeWire")
    (runtime / "pipewire-0").unlink()
    (runtime / "pulse").mkdir()
    (runtime / "pulse" / "native").touch()
    assert find_audio_output(env, "linux", cards_file=cards).detail.startswith("PulseAudio")

    cards.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n")
    found = find_audio_output({"PATH": "/nonexistent"}, "linux", cards_file=cards)
    assert found.heard and "HDA Intel PCH" in found.detail
    assert find_audio_output({}, "darwin").heard


def _works(argv: list[str]) -> bool:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def test_a_real_player_plays_every_sound() -> None:
    """aplay (to ALSA's null device where there is no card) or paplay, where they work."""
    candidates: list[tuple[str, ...]] = []
    if shutil.which("paplay"):
        candidates.append(("paplay",))
    if shutil.which("aplay"):
        candidates += [("aplay", "-q"), ("aplay", "-q", "-D", "null")]
    working = [c for c in candidates if _works([*c, str(sound_file("tick"))])]
    if not working:
        pytest.skip("no working aplay or paplay here")
    player = SoundPlayer(PlayerCommand(working[0]))
    for name in SOUND_NAMES:
        player.play(name)
    player.close(wait=20)
    assert len(player.played) == len(SOUND_NAMES)
    assert player.failures == []
