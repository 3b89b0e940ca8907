"""Helpers several test modules share."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable for this process, as a user's folder without write access is.

    A plain user gets ``chmod 500``. Root writes anywhere whatever the mode
    (CI runs as root), so for root the folder is bind-mounted read-only onto
    itself instead; where that is not allowed either, the test is skipped.
    """
    if os.geteuid() != 0:
        mode = folder.stat().st_mode & 0o777
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    target = str(folder)
    mounted = subprocess.run(["mount", "--bind", target, target], capture_output=True).returncode
    if mounted != 0:
        pytest.skip("root, and bind mounts are not allowed here")
    try:
        if subprocess.run(
            ["mount", "-o", "remount,bind,ro", target, target], capture_output=True
        ).returncode:
            pytest.skip("root, and a read-only remount is not allowed here")
        yield
    finally:
        subprocess.run(["umount", "--lazy", target], capture_output=True)  # open files too
