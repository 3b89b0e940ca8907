"""The app syncs through ``history.sync_dir``: at its start, and after each session."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from coach.clock import FakeClock
from coach.config.settings import Settings
from coach.history.store import HistoryStore
from coach.history.sync import Computer, Sync
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp
from tests.helpers import T0, history_with, record


async def test_the_app_reads_the_other_computers_sessions_when_it_starts(tmp_path: Path) -> None:
    shared = tmp_path / "Sync"
    shared.mkdir()
    # Another computer did a session and synced it.
    other = history_with(tmp_path / "other", record("theirs", started=T0 - timedelta(days=1)))
    Sync(other, shared, Computer("b" * 12, "desktop")).run()
    other.close()
    store = HistoryStore.in_folder(tmp_path / "data")
    store.save(record("mine"))
    settings = Settings(
        cues={"bell": False, "sounds": False, "speech": False, "countdown": 0},
        history={"sync_dir": shared},
    )
    app = CoachApp(
        AppContext(
            library=load_library(),
            settings=settings,
            clock=FakeClock(),
            store=store,
            notice=False,
            breaks=False,
        )
    )
    async with app.run_test() as pilot:
        assert app.sync_loop is not None
        deadline = time.monotonic() + 20
        # The sync runs on a thread of its own (real files): wait for it, not for a clock.
        while {s.id for s in store.sessions()} != {"mine", "theirs"}:
            assert time.monotonic() < deadline, "the app did not sync"
            await pilot.pause(0.05)
        journals = sorted(p.name for p in shared.iterdir())
        assert journals == sorted([f"coach-{'b' * 12}.jsonl", _own(tmp_path)])
    store.close()


def _own(tmp_path: Path) -> str:
    from coach.history.sync import this_computer

    return this_computer(tmp_path / "data")[0].journal
