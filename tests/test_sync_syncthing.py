"""End to end with real Syncthing: two instances on 127.0.0.1 (no discovery, no relays)
share a folder; a session recorded under one appears in the other's ``coach status``.

Skipped only where the ``syncthing`` command cannot be had (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import run_env

SYNCTHING = shutil.which("syncthing")
pytestmark = pytest.mark.skipif(SYNCTHING is None, reason="syncthing is not installed")

TINY = """\
schema_version = 1
[program]
id = "tiny"
title = "Tiny"
prep = 0
[[exercise]]
id = "a"
name = "A"
duration = 0.2
"""

PATIENCE = 90.0
"""Seconds to wait for Syncthing to connect and copy a file (usually 5 to 15)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Instance:
    """One Syncthing with its own home, listening on 127.0.0.1 only."""

    def __init__(self, root: Path, name: str) -> None:
        assert SYNCTHING is not None
        self.home = root / f"st-{name}"
        self.folder = root / f"shared-{name}"
        (self.folder / ".stfolder").mkdir(parents=True)  # Syncthing's folder marker
        self.port, self.gui = _free_port(), _free_port()
        subprocess.run(
            [SYNCTHING, "generate", f"--home={self.home}", "--no-default-folder"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.device = subprocess.run(
            [SYNCTHING, "serve", f"--home={self.home}", "--device-id"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        self.process: subprocess.Popen[bytes] | None = None

    def configure(self, other: Instance) -> None:
        path = self.home / "config.xml"
        tree = ET.parse(path)
        root = tree.getroot()
        options = root.find("options")
        assert options is not None
        for key, value in {
            "listenAddress": f"tcp://127.0.0.1:{self.port}",
            "globalAnnounceEnabled": "false",
            "localAnnounceEnabled": "false",
            "relaysEnabled": "false",
            "natEnabled": "false",
            "startBrowser": "false",
            "urAccepted": "-1",
            "autoUpgradeIntervalH": "0",
            "crashReportingEnabled": "false",
            "reconnectionIntervalS": "1",
        }.items():
            for element in options.findall(key):
                options.remove(element)
            ET.SubElement(options, key).text = value
        gui = root.find("gui")
        assert gui is not None
        address = gui.find("address")
        assert address is not None
        address.text = f"127.0.0.1:{self.gui}"
        peer = ET.SubElement(
            root, "device", {"id": other.device, "name": other.home.name, "compression": "never"}
        )
        ET.SubElement(peer, "address").text = f"tcp://127.0.0.1:{other.port}"
        folder = ET.SubElement(
            root,
            "folder",
            {
                "id": "coach",
                "label": "coach",
                "path": str(self.folder),
                "type": "sendreceive",
                "rescanIntervalS": "1",
                "fsWatcherEnabled": "true",
                "fsWatcherDelayS": "1",
            },
        )
        ET.SubElement(folder, "filesystemType").text = "basic"
        for device in (self.device, other.device):
            ET.SubElement(folder, "device", {"id": device})
        tree.write(path)

    def start(self) -> None:
        assert SYNCTHING is not None
        self.process = subprocess.Popen(
            [
                SYNCTHING,
                "serve",
                f"--home={self.home}",
                "--no-browser",
                "--no-restart",
                f"--logfile={self.home / 'log.txt'}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "STNOUPGRADE": "1", "STNODEFAULTFOLDER": "1"},
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        try:
            return (self.home / "log.txt").read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    a, b = Instance(tmp_path, "a"), Instance(tmp_path, "b")
    a.configure(b)
    b.configure(a)
    a.start()
    b.start()
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


def _coach(data: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**run_env(data), "COACH_HISTORY__SYNC_DIR": str(folder)}
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_a_session_recorded_under_one_syncthing_appears_in_the_other_s_status(
    tmp_path: Path, pair: tuple[Instance, Instance]
) -> None:
    a, b = pair
    program = tmp_path / "tiny.toml"
    program.write_text(TINY)
    data_a, data_b = tmp_path / "data-a", tmp_path / "data-b"
    ran = _coach(data_a, a.folder, "run", str(program), "--headless")
    assert ran.returncode == 0, ran.stderr
    (journal,) = [p for p in a.folder.iterdir() if p.name.startswith("coach-")]
    assert len(journal.read_text().splitlines()) == 2  # written when it was recorded
    copied = b.folder / journal.name
    deadline = time.monotonic() + PATIENCE
    while not (copied.exists() and copied.read_bytes() == journal.read_bytes()):
        if time.monotonic() > deadline:
            pytest.fail(f"Syncthing did not copy the journal\nA:\n{a.log()}\nB:\n{b.log()}")
        time.sleep(0.25)  # waiting on a real Syncthing, not on coach's own clock
    synced = _coach(data_b, b.folder, "sync", "now", "--json")
    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)["added"] == 1
    status = _coach(data_b, b.folder, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["sessions_today"] == 1
