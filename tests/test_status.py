"""``coach status``: the quick settings reader, the status of a real history, the imports."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from textwrap import dedent
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

import coach.config.settings as settings_module
from coach import paths
from coach.errors import SettingsError
from coach.history.calendar import local_day, utc_offset_seconds, weekday_numbers
from coach.history.records import SessionRecord
from coach.history.records import Status as SessionStatus
from coach.history.store import DB_NAME, HistoryStore
from coach.status import (
    HistorySettings,
    LastSession,
    Status,
    collect_status,
    format_oneline,
    format_status,
    quick_history_settings,
)

REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- quick vs full


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's configuration file (not written yet), in its own folder."""
    path = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv("COACH_CONFIG_FILE", str(path))
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def full(overrides: Mapping[str, str] | None = None) -> HistorySettings:
    """What the full, validating loader says."""
    loaded = settings_module.load_settings(overrides or {})
    return HistorySettings(
        data_dir=settings_module.effective_data_dir(loaded),
        day_start=loaded.history.day_start_time,
        rest_days=weekday_numbers(loaded.history.rest_days),
    )


def quick(
    overrides: Mapping[str, str] | None = None, *, falls_back: bool = False
) -> HistorySettings:
    """What quick_history_settings says, checking whether it used the full loader."""
    calls: list[object] = []
    real = settings_module.load_settings

    def spy(given: Mapping[str, Any] | None = None) -> settings_module.Settings:
        calls.append(given)
        return real(given)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings_module, "load_settings", spy)
        result = quick_history_settings(overrides or {})
    assert bool(calls) == falls_back, "used the full loader" if calls else "did not fall back"
    return result


def agree(
    overrides: Mapping[str, str] | None = None, *, falls_back: bool = False
) -> HistorySettings:
    found = quick(overrides, falls_back=falls_back)
    assert found == full(overrides)
    return found


def test_defaults_agree(isolated_home: Path) -> None:
    found = agree()
    assert found == HistorySettings(
        data_dir=isolated_home / ".local" / "share" / "coach",
        day_start=clock(4, 0),
        rest_days=frozenset(),
    )
    assert found.data_dir == paths.default_data_dir()


def test_a_missing_user_file_is_fine(config_file: Path) -> None:
    assert not config_file.exists()
    assert agree().day_start == clock(4, 0)


def test_a_user_file_with_an_absolute_data_dir(config_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "somewhere" / "data"
    write(
        config_file,
        f"""
        data_dir = "{target}"

        [history]
        day_start = "5:30"
        rest_days = ["sat", "sun"]
        """,
    )
    assert agree() == HistorySettings(target, clock(5, 30), frozenset({5, 6}))


def test_a_relative_data_dir_is_beside_the_file(config_file: Path, tmp_path: Path) -> None:
    write(config_file, 'data_dir = "history-here"\n')
    assert agree().data_dir == tmp_path / "conf" / "history-here"
    write(config_file, 'data_dir = "../up"\n')
    assert agree().data_dir == tmp_path / "conf" / ".." / "up"


def test_a_data_dir_under_home(config_file: Path, isolated_home: Path) -> None:
    write(config_file, 'data_dir = "~/coach-data"\n')
    assert agree().data_dir == isolated_home / "coach-data"


def test_other_sections_of_the_file_are_not_the_quick_readers_business(
    config_file: Path,
) -> None:
    write(
        config_file,
        """
        [cues]
        bell = false

        [history]
        rest_days = ["wed"]
        """,
    )
    assert agree().rest_days == {2}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05:30", clock(5, 30)),
        ("5:30", clock(5, 30)),
        (" 06:15 ", clock(6, 15)),
        ("00:00", clock(0, 0)),
        ("23:59", clock(23, 59)),
    ],
)
def test_day_start_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, text: str, expected: clock
) -> None:
    monkeypatch.setenv("COACH_HISTORY__DAY_START", text)
    assert agree().day_start == expected


@pytest.mark.parametrize(
    ("text", "expected", "falls_back"),
    [
        ("sat,sun", {5, 6}, False),
        ("sat, sun", {5, 6}, False),
        ("mon", {0}, False),
        ("", set(), False),
        ('["sat", "sun"]', {5, 6}, True),  # JSON: left to the full loader
        ("[]", set(), True),
    ],
)
def test_rest_days_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, text: str, expected: set[int], falls_back: bool
) -> None:
    monkeypatch.setenv("COACH_HISTORY__REST_DAYS", text)
    assert agree(falls_back=falls_back).rest_days == expected


def test_data_dir_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, config_file: Path, tmp_path: Path, isolated_home: Path
) -> None:
    write(config_file, f'data_dir = "{tmp_path / "from-file"}"\n')
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "from-env"))
    assert agree().data_dir == tmp_path / "from-env"  # the environment beats the file
    monkeypatch.setenv("COACH_DATA_DIR", "~/env-home")
    assert agree().data_dir == isolated_home / "env-home"


def test_a_whole_history_section_as_json_is_left_to_the_full_loader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COACH_HISTORY", '{"day_start": "07:00", "rest_days": ["sun"]}')
    assert agree(falls_back=True) == HistorySettings(
        paths.default_data_dir(), clock(7, 0), frozenset({6})
    )


def test_set_overrides(monkeypatch: pytest.MonkeyPatch, config_file: Path, tmp_path: Path) -> None:
    write(
        config_file,
        """
        [history]
        day_start = "03:00"
        rest_days = ["sun"]
        """,
    )
    monkeypatch.setenv("COACH_HISTORY__DAY_START", "04:30")
    assert agree().day_start == clock(4, 30)  # the environment beats the file
    found = agree(
        {
            "history.day_start": "05:30",
            "history.rest_days": "sat,sun",
            "data_dir": str(tmp_path / "from-set"),
        }
    )
    assert found == HistorySettings(tmp_path / "from-set", clock(5, 30), frozenset({5, 6}))
    # Other settings given with --set are not read (nor checked) by the quick reader.
    assert agree({"history.day_start": "05:30", "cues.bell": "false"}).day_start == clock(5, 30)
    assert agree({"history.rest_days": '["mon"]'}, falls_back=True).rest_days == {0}


def test_an_empty_data_dir_means_the_default() -> None:
    assert agree({"data_dir": ""}, falls_back=True).data_dir == paths.default_data_dir()


@pytest.mark.parametrize(
    ("setup", "overrides", "source", "message"),
    [
        ("file", {}, "config.toml:2", "history.day_start"),
        ("env_day_start", {}, "COACH_HISTORY__DAY_START", "'25:00' is not a time of day"),
        ("env_rest_days", {}, "COACH_HISTORY__REST_DAYS", "funday"),
        ("none", {"history.day_start": "25:00"}, "--set history.day_start", "25:00"),
        ("none", {"history.rest_days": "sat,funday"}, "--set history.rest_days", "funday"),
        ("file_rest_days", {}, "config.toml:3", "history.rest_days"),
        ("file_data_dir", {}, "config.toml:1", "data_dir"),
    ],
)
def test_a_bad_value_raises_a_settings_error_naming_its_source(
    monkeypatch: pytest.MonkeyPatch,
    config_file: Path,
    setup: str,
    overrides: dict[str, str],
    source: str,
    message: str,
) -> None:
    if setup == "file":
        write(config_file, '[history]\nday_start = "25:00"\n')
    elif setup == "file_rest_days":
        write(config_file, '[history]\nday_start = "04:00"\nrest_days = ["funday"]\n')
    elif setup == "file_data_dir":
        write(config_file, "data_dir = 42\n")
    elif setup == "env_day_start":
        monkeypatch.setenv("COACH_HISTORY__DAY_START", "25:00")
    elif setup == "env_rest_days":
        monkeypatch.setenv("COACH_HISTORY__REST_DAYS", "funday")
    with pytest.raises(SettingsError) as raised:
        quick_history_settings(overrides)
    text = str(raised.value)
    assert source in text and message in text
    if source.startswith("config.toml"):
        assert str(config_file) in text
    # The full loader says the same.
    with pytest.raises(SettingsError) as again:
        full(overrides)
    assert str(again.value) == text


def test_a_file_that_is_not_toml_raises_a_settings_error(config_file: Path) -> None:
    write(config_file, "[history\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        quick_history_settings({})


@pytest.mark.parametrize("where", ["env", "file"])
def test_capitalised_rest_days_get_the_full_loaders_answer(
    monkeypatch: pytest.MonkeyPatch, config_file: Path, where: str
) -> None:
    if where == "env":
        monkeypatch.setenv("COACH_HISTORY__REST_DAYS", "Sat,Sun")
    else:
        write(config_file, '[history]\nrest_days = [" sat", "Sun"]\n')
    with pytest.raises(SettingsError):
        full()
    with pytest.raises(SettingsError):
        quick_history_settings({})


@pytest.mark.parametrize(
    ("variable", "overrides"),
    [
        ("coach_history__day_start", {}),
        ("COACH_History__Day_Start", {}),
        ("", {"history. day_start": "06:00"}),
    ],
)
def test_other_spellings_the_full_loader_accepts(
    monkeypatch: pytest.MonkeyPatch, variable: str, overrides: dict[str, str]
) -> None:
    if variable:
        monkeypatch.setenv(variable, "06:00")
    assert full(overrides).day_start == clock(6, 0)
    assert quick_history_settings(overrides).day_start == clock(6, 0)


# --------------------------------------------------------------------------- collect_status

NOW = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)  # a Wednesday, 19:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def berlin(zone: Callable[[str], None]) -> None:
    zone("Europe/Berlin")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def prefs(data_dir: Path) -> HistorySettings:
    return HistorySettings(data_dir=data_dir)


@pytest.fixture
def store(data_dir: Path) -> Iterator[HistoryStore]:
    with HistoryStore.in_folder(data_dir, now=lambda: NOW) as opened:
        yield opened


_counter = iter(range(1_000_000))


def record(
    started: datetime,
    *,
    status: str = "completed",
    minutes: float = 5.0,
    program: str = "wrists",
    title: str = "Wrist stretches",
    local_date: date | None = None,
) -> SessionRecord:
    """A session as the recorder would write it, dated in the current local zone."""
    return SessionRecord(
        id=f"session-{next(_counter):04d}",
        program=program,
        title=title,
        started_at=started,
        utc_offset=utc_offset_seconds(started),
        local_date=local_date or local_day(started),
        status=status,  # type: ignore[arg-type]
        ended_at=None if status == "running" else started + timedelta(minutes=minutes),
        active_seconds=minutes * 60,
    )


def berlin_time(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.usefixtures("berlin")
def test_no_history_gives_zeros_and_creates_nothing(tmp_path: Path) -> None:
    prefs = HistorySettings(data_dir=tmp_path / "not" / "there")
    status = collect_status(prefs, NOW).to_json()
    assert status == {
        "current_streak": 0,
        "longest_streak": 0,
        "sessions_today": 0,
        "minutes_today": 0.0,
        "last_session": None,
        "next_break": None,
        "today": "2026-03-11",
        "due": [],
        "paused_until": None,
        "counting": None,
    }
    assert not (tmp_path / "not").exists()


@pytest.mark.usefixtures("berlin")
def test_an_empty_database_file_gives_zeros(data_dir: Path, prefs: HistorySettings) -> None:
    data_dir.mkdir()
    (data_dir / DB_NAME).touch()
    status = collect_status(prefs, NOW).to_json()
    assert (status["current_streak"], status["sessions_today"], status["last_session"]) == (
        0,
        0,
        None,
    )
    assert (data_dir / DB_NAME).stat().st_size == 0  # not written to


@pytest.mark.usefixtures("berlin")
def test_a_new_store_with_no_sessions(store: HistoryStore, prefs: HistorySettings) -> None:
    status = collect_status(prefs, NOW).to_json()
    assert status["last_session"] is None
    assert status["current_streak"] == 0 and status["minutes_today"] == 0.0


@pytest.mark.usefixtures("berlin")
def test_streaks_today_and_the_last_session(store: HistoryStore, prefs: HistorySettings) -> None:
    # An old run of four days (1-4 March), a gap, then 9, 10 and today (11th).
    for day in (1, 2, 3, 4, 9, 10):
        store.save(record(berlin_time(day, 8)))
    store.save(record(berlin_time(11, 8), minutes=6))
    store.save(record(berlin_time(11, 12), minutes=4))
    store.save(record(berlin_time(11, 13), status="partial", minutes=1.5))
    # A session at 02:00 on the 12th counts for the 11th... but it has not happened yet.
    status = collect_status(prefs, NOW).to_json()
    assert status["today"] == "2026-03-11"
    assert (status["current_streak"], status["longest_streak"]) == (3, 4)
    assert status["sessions_today"] == 2  # completed only
    assert status["minutes_today"] == 11.5  # every session's minutes
    last = status["last_session"]
    assert last == {
        "id": last["id"],
        "program": "wrists",
        "title": "Wrist stretches",
        "status": "partial",
        "started_at": "2026-03-11T13:00:00+01:00",
        "ended_at": "2026-03-11T13:01:30+01:00",
        "local_date": "2026-03-11",
        "active_seconds": 90.0,
    }
    assert json.loads(json.dumps(status)) == status  # JSON-ready


@pytest.mark.usefixtures("berlin")
def test_before_the_day_start_today_is_yesterday(
    store: HistoryStore, prefs: HistorySettings
) -> None:
    store.save(record(berlin_time(10, 20)))
    store.save(record(berlin_time(11, 1, 30)))  # 01:30: counts for the 10th
    early = berlin_time(11, 2, 0).astimezone(UTC)
    status = collect_status(prefs, early).to_json()
    assert status["today"] == "2026-03-10"
    assert status["sessions_today"] == 2
    assert status["last_session"]["local_date"] == "2026-03-10"
    # Changing the day start to midnight moves "today", but not the stored
    # dates: both sessions stay on the 10th.
    midnight = HistorySettings(prefs.data_dir, day_start=clock(0, 0))
    status = collect_status(midnight, early).to_json()
    assert status["today"] == "2026-03-11"
    assert status["sessions_today"] == 0
    assert (status["current_streak"], status["longest_streak"]) == (1, 1)


@pytest.mark.usefixtures("berlin")
def test_rest_days_in_the_status(store: HistoryStore, data_dir: Path) -> None:
    # Friday 6th and Monday 9th, today Tuesday 10th (evening); weekend off.
    for day in (6, 9):
        store.save(record(berlin_time(day, 8)))
    tuesday = berlin_time(10, 20).astimezone(UTC)
    assert collect_status(HistorySettings(data_dir), tuesday).to_json()["current_streak"] == 1
    weekend_off = HistorySettings(data_dir, rest_days=frozenset({5, 6}))
    assert collect_status(weekend_off, tuesday).to_json()["current_streak"] == 2


@pytest.mark.usefixtures("berlin")
def test_a_running_session_without_its_lock_reads_as_partial(
    store: HistoryStore, prefs: HistorySettings
) -> None:
    running = record(berlin_time(11, 17), status="running", minutes=2)
    store.save(running)
    assert collect_status(prefs, NOW).to_json()["last_session"]["status"] == "partial"
    assert collect_status(prefs, NOW).to_json()["last_session"]["ended_at"] is None
    # Reading the status changes nothing in the database.
    with sqlite3.connect(prefs.data_dir / DB_NAME) as db:
        (stored,) = db.execute("SELECT status FROM sessions WHERE id = ?", (running.id,)).fetchone()
    assert stored == "running"


@pytest.mark.usefixtures("berlin")
def test_a_running_session_holding_its_lock_reads_as_running(
    store: HistoryStore, prefs: HistorySettings
) -> None:
    running = record(berlin_time(11, 17), status="running", minutes=2)
    store.save(running)
    claim = store.claim(running.id)
    try:
        status = collect_status(prefs, NOW).to_json()
        assert status["last_session"]["status"] == "running"
        assert status["sessions_today"] == 0  # not completed
        assert status["minutes_today"] == 2.0
    finally:
        claim.release()
    assert collect_status(prefs, NOW).to_json()["last_session"]["status"] == "partial"


@pytest.mark.usefixtures("berlin")
def test_status_reads_a_closed_store_and_an_open_one(
    data_dir: Path, prefs: HistorySettings
) -> None:
    with HistoryStore.in_folder(data_dir, now=lambda: NOW) as store:
        store.save(record(berlin_time(11, 8)))
        assert (
            collect_status(prefs, NOW).to_json()["sessions_today"] == 1
        )  # while the writer is open
    assert collect_status(prefs, NOW).to_json()["sessions_today"] == 1  # and after it closed


def test_status_after_a_time_zone_change(
    zone: Callable[[str], None], store: HistoryStore, prefs: HistorySettings
) -> None:
    zone("Asia/Tokyo")
    tokyo = ZoneInfo("Asia/Tokyo")
    for day in (9, 10, 11):
        store.save(record(datetime(2026, 3, day, 8, 0, tzinfo=tokyo)))
    zone("America/New_York")
    # 08:00 on the 11th in Tokyo was 19:00 on the 10th in New York; the stored date stays.
    evening = datetime(2026, 3, 11, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    status = collect_status(prefs, evening).to_json()
    assert status["today"] == "2026-03-11"
    assert status["sessions_today"] == 1
    assert status["current_streak"] == 3
    assert status["last_session"]["started_at"] == "2026-03-11T08:00:00+09:00"


@pytest.mark.usefixtures("berlin")
def test_status_uses_the_clock_when_not_given_a_time(
    store: HistoryStore, prefs: HistorySettings
) -> None:
    store.save(record(berlin_time(11, 8)))
    with freeze_time("2026-03-11 12:00:00"):
        assert collect_status(prefs).to_json()["sessions_today"] == 1
    with freeze_time("2026-03-12 12:00:00"):
        status = collect_status(prefs).to_json()
    assert (status["today"], status["sessions_today"], status["current_streak"]) == (
        "2026-03-12",
        0,
        1,
    )


@pytest.mark.usefixtures("berlin")
def test_a_relative_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with HistoryStore.in_folder(Path("coach-data"), now=lambda: NOW) as store:
        store.save(record(berlin_time(11, 8)))
    assert collect_status(HistorySettings(Path("coach-data")), NOW).sessions_today == 1


# --------------------------------------------------------------------------- formatting


def _last(title: str, program: str, started_at: str) -> LastSession:
    return LastSession(
        id="s1",
        program=program,
        title=title,
        status="completed",
        started_at=started_at,
        ended_at=None,
        local_date=started_at[:10],
        active_seconds=60.0,
    )


def test_format_status() -> None:
    status = Status(
        today="2026-03-11",
        current_streak=1,
        longest_streak=4,
        sessions_today=2,
        minutes_today=11.5,
        last_session=_last("Wrist stretches", "wrists", "2026-03-11T13:00:00+01:00"),
    )
    text = format_status(status, datetime(2026, 3, 11, 12, 30, tzinfo=UTC))
    assert text == (
        "Streak: 1 day (longest 4)\n"
        "Today: 2 sessions completed, 11.5 min of exercise\n"
        "Last session: Wrist stretches (wrists), completed, 30 min ago\n"
    )
    assert format_oneline(status) == "streak 1d | today 2x 12m"
    empty = dataclasses.replace(status, current_streak=0, sessions_today=1, last_session=None)
    assert format_status(empty, NOW).splitlines()[0:2] == [
        "Streak: 0 days (longest 4)",
        "Today: 1 session completed, 11.5 min of exercise",
    ]
    assert "none yet" in format_status(empty, NOW)


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=30), "just now"),
        (timedelta(minutes=5), "5 min ago"),
        (timedelta(hours=3), "3 h ago"),
        (timedelta(days=3), "3 days ago"),
        (-timedelta(minutes=5), "just now"),  # a clock that was wrong
    ],
)
def test_format_status_says_how_long_ago(ago: timedelta, text: str) -> None:
    started = NOW - ago
    status = Status(today="2026-03-11", last_session=_last("T", "p", started.isoformat()))
    assert format_status(status, NOW).endswith(f", completed, {text}\n")


# --------------------------------------------------------------------------- imports


HEAVY_UI = ("textual", "rich")
HEAVY_SETTINGS = ("pydantic", "pydantic_settings", "pydantic_core")


@pytest.fixture
def status_subprocess_env(tmp_path: Path, berlin: None) -> dict[str, str]:
    """The environment for a subprocess `coach status`, with one session in its history."""
    data_dir = tmp_path / "data"
    with HistoryStore.in_folder(data_dir) as store:
        store.save(record(datetime.now(UTC) - timedelta(minutes=10)))
    return {**os.environ, "COACH_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}


@pytest.mark.parametrize("packages", [HEAVY_UI, HEAVY_SETTINGS])
def test_python_dash_m_coach_status_json_imports(
    tmp_path: Path, status_subprocess_env: dict[str, str], packages: tuple[str, ...]
) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "coach", "status", "--json"],
        capture_output=True,
        text=True,
        check=False,
        env=status_subprocess_env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["longest_streak"] == 1
    assert status["last_session"]["program"] == "wrists"
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert {
        "coach.status",
        "coach.history.calendar",
        "sqlite3",
    } <= imported  # the parse works
    assert sorted(name for name in imported if name.split(".")[0] in packages) == []


@pytest.mark.parametrize("packages", [HEAVY_UI, HEAVY_SETTINGS])
def test_status_via_main_leaves_no_heavy_modules(
    tmp_path: Path, status_subprocess_env: dict[str, str], packages: tuple[str, ...]
) -> None:
    code = (
        "import sys, io, contextlib\n"
        "from coach.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['status', '--json'])\n"
        "print(code)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=status_subprocess_env,
        cwd=tmp_path,
    )
    first, *modules = result.stdout.splitlines()
    assert first == "0"
    assert "coach.status" in modules
    assert [name for name in modules if name.split(".")[0] in packages] == []


def test_a_pause_shows_in_the_oneline_and_the_lines() -> None:
    from coach.status import NextBreak, Status, format_oneline, format_status

    now = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    paused = Status(
        today="2026-03-11",
        next_break=NextBreak("micro", 4200, 20.0, None),
        paused_until="2026-03-11T13:00:00+00:00",
    )
    assert format_oneline(paused).endswith("| breaks paused")
    assert "Break reminders paused until " in format_status(paused, now)


def test_read_status_counts_each_program_today_this_week_and_its_first_day(
    tmp_path: Path,
) -> None:
    from coach.history.store import read_status
    from tests.helpers import history_with
    from tests.test_schedule_adherence import day, sessions

    def marked(status: SessionStatus, found: list[SessionRecord]) -> list[SessionRecord]:
        return [dataclasses.replace(record, status=status) for record in found]

    today = day(10)  # a Thursday; its week began on day(7)
    records = [
        *sessions({3: 1, 7: 2, 10: 1}, program="grip"),  # 1 today, 3 this week, first day 3
        *sessions({6: 1, 10: 2}, program="neck"),  # Sunday is last week
        *sessions({1: 1}, program="wrist"),  # nothing this week
        *marked("declined", sessions({8: 1}, program="declined")),  # never done
        *marked("partial", sessions({2: 1}, program="glide")),  # begun on a partial
        *[dataclasses.replace(r, id="glide-late") for r in sessions({9: 1}, program="glide")],
        *marked("declined", sessions({10: 1}, program="apnea")),  # declined today: not done
        *[
            dataclasses.replace(r, id=r.id + "-done")
            for r in sessions({5: 1, 12: 1}, program="apnea")
        ],  # day 12 is after today
    ]
    history_with(tmp_path, *records).close()
    rows = read_status(tmp_path / DB_NAME, today)
    assert rows is not None
    assert rows.programs == {
        "apnea": (0, 0, day(5)),
        "declined": (0, 0, None),
        "glide": (0, 1, day(2)),
        "grip": (1, 3, day(3)),
        "neck": (2, 2, day(6)),
        "wrist": (0, 0, day(1)),
    }
