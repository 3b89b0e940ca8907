"""Shared fixtures. Every test runs with a fake home: no test touches the real one."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from textwrap import dedent

import pytest

REPO = Path(__file__).resolve().parent.parent

# session_bus and notification_server: a private D-Bus bus and notification server.
pytest_plugins = ["tests.notification_bus"]


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point HOME, the XDG folders and every COACH_* variable at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith("COACH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    yield home


@pytest.fixture
def write_program(tmp_path: Path) -> Callable[..., Path]:
    """Write a program file from (dedented) text and return its path."""

    def write(text: str, name: str = "program.toml") -> Path:
        path = tmp_path / name
        path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Call with a zone name to make it the computer's local time zone for the test."""
    saved = os.environ.get("TZ")

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()
