"""`coach remind` end to end: the real command, second-long breaks, its --exec hook and signals."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e  # real processes in real time

HOOK = (
    f"{sys.executable} -c \"import os, time; open(os.environ['HOOK_FILE'], 'a').write("
    'f\'{time.time()} {os.environ[\\"COACH_BREAK_KIND\\"]} '
    '{os.environ[\\"COACH_BREAK_PROGRAM\\"] or \\"-\\"} '
    '{os.environ[\\"COACH_BREAK_LENGTH\\"]}\\\\n\')"'
)


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(
        COACH_DATA_DIR=str(tmp_path / "data"),
        COACH_CONFIG_FILE=str(tmp_path / "none.toml"),
        HOOK_FILE=str(tmp_path / "hook.txt"),
        COACH_BREAKS__IDLE_DETECTION="false",
        **settings,
    )
    return env


def remind(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "coach", "remind", "--json", "--no-notify", "--no-bell", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def events(process: subprocess.Popen[str]) -> Iterator[dict[str, object]]:
    assert process.stdout is not None
    for line in process.stdout:
        yield json.loads(line)


def wait_for_lines(path: Path, count: int, timeout: float = 30.0) -> list[list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            rows = [line.split() for line in path.read_text().splitlines()]
            if len(rows) >= count:
                return rows
        time.sleep(0.05)
    raise AssertionError(f"the hook ran {path.read_text() if path.exists() else 'never'}")


def test_remind_exec_runs_the_hook_on_time_with_the_break_in_its_environment(
    tmp_path: Path,
) -> None:
    env = environment(
        tmp_path,
        COACH_BREAKS__MICRO__EVERY="2s",
        COACH_BREAKS__MICRO__LENGTH="1s",
        COACH_BREAKS__REST__EVERY="1h",
    )
    process = remind(env, "--exec", HOOK)
    try:
        stream = events(process)
        first = next(stream)
        assert first["event"] == "waiting" and first["kind"] == "micro"
        waited_from = time.time()
        # Meanwhile status bars see the same next break.
        status = subprocess.run(
            [sys.executable, "-m", "coach", "status", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        upcoming = json.loads(status.stdout)["next_break"]
        assert upcoming["kind"] == "micro" and 0 <= upcoming["due_in_seconds"] <= 2
        rows = wait_for_lines(tmp_path / "hook.txt", 3)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    times = [float(row[0]) for row in rows]
    assert [row[1:] for row in rows[:3]] == [["micro", "-", "1"]] * 3
    # The first break 2 s after start, then one every 3 s (2 s of work after each 1 s break).
    assert times[0] - waited_from == pytest.approx(2.0, abs=1.0)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap == pytest.approx(3.0, abs=0.5) for gap in gaps[:2]), gaps
    assert json.loads(out.splitlines()[-1])["event"] == "stopped"
    # It saved its state, and counted what it reminded of.
    import sqlite3

    db = sqlite3.connect(tmp_path / "data" / "history.db")
    (reminded,) = db.execute("SELECT count(*) FROM breaks WHERE outcome = 'reminded'").fetchone()
    assert reminded >= 3
    # No host runs now: status says so with a null next break.
    status = subprocess.run(
        [sys.executable, "-m", "coach", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(status.stdout)["next_break"] is None


def test_remind_once_waits_for_one_break_and_exits(tmp_path: Path) -> None:
    env = environment(
        tmp_path,
        COACH_BREAKS__MICRO__EVERY="1s",
        COACH_BREAKS__REST__EVERY="1s",
        COACH_BREAKS__REST__LENGTH="2s",
    )
    process = remind(env, "--once", "--exec", HOOK)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    kinds = [e["kind"] for e in map(json.loads, out.splitlines()) if e["event"] == "break"]
    assert kinds == ["rest"]  # both due together: the rest break wins
    rows = wait_for_lines(tmp_path / "hook.txt", 1)
    assert rows[0][1:] == ["rest", "rest-break", "2"]


def test_sigint_ends_it_cleanly_and_a_second_reminder_is_refused(tmp_path: Path) -> None:
    env = environment(tmp_path)
    first = remind(env)
    try:
        assert next(events(first))["event"] == "waiting"
        second = remind(env)
        _, err = second.communicate(timeout=30)
        assert second.returncode == 1 and "already running" in err
    finally:
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=20)
    assert first.returncode == 0, err
    assert "Traceback" not in err


def test_a_bad_break_setting_is_a_clear_error(tmp_path: Path) -> None:
    env = environment(tmp_path, COACH_BREAKS__MICRO__EVERY="soon")
    process = remind(env)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "COACH_BREAKS__MICRO__EVERY" in err and "Traceback" not in err
    env = environment(tmp_path, COACH_BREAKS__REST__PROGRAM="no-such-program")
    process = remind(env)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "no program 'no-such-program'" in err


# --------------------------------------------------------------------------- a working day


def run_for(env: dict[str, str], seconds: float, *args: str) -> list[dict[str, Any]]:
    """``coach remind --json`` for ``seconds``, then SIGTERM; its events."""
    process = remind(env, *args)
    try:
        time.sleep(seconds)  # a real process in real time: the e2e tests' one clock
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    return [json.loads(line) for line in out.splitlines()]


def stamp(event: dict[str, Any]) -> float:
    return datetime.fromisoformat(str(event["at"])).timestamp()


def test_a_warning_comes_before_the_break_and_break_over_after_it(tmp_path: Path) -> None:
    env = environment(
        tmp_path,
        COACH_BREAKS__MICRO__EVERY="3s",
        COACH_BREAKS__MICRO__LENGTH="1s",
        COACH_BREAKS__WARNING="1s",
        COACH_BREAKS__REST__EVERY="1h",
    )
    found = run_for(env, 5.5)
    names = [e["event"] for e in found]
    first = names.index("waiting")
    warning, brk, over = names.index("warning"), names.index("break"), names.index("break_over")
    assert first < warning < brk < over, names
    assert found[warning]["kind"] == "micro" and found[warning]["due_in_seconds"] == 1
    assert found[warning]["message"] == "Micro-break in 1 s"
    assert stamp(found[brk]) - stamp(found[warning]) == pytest.approx(1.0, abs=0.3)
    assert stamp(found[over]) - stamp(found[brk]) == pytest.approx(1.0, abs=0.3)
    assert found[over]["kind"] == "micro"


def test_a_pause_suppresses_the_breaks_then_they_resume(tmp_path: Path) -> None:
    env = environment(
        tmp_path,
        COACH_BREAKS__MICRO__EVERY="2s",
        COACH_BREAKS__MICRO__LENGTH="1s",
        COACH_BREAKS__WARNING="0",
        COACH_BREAKS__REST__EVERY="1h",
    )
    process = remind(env)
    try:
        stream = events(process)
        assert next(stream)["event"] == "waiting"
        paused = subprocess.run(
            [sys.executable, "-m", "coach", "pause", "4s"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "paused until" in paused.stdout
        status = subprocess.run(
            [sys.executable, "-m", "coach", "status", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(status.stdout)["paused_until"] is not None
        seen = []
        for event in stream:
            seen.append(event)
            if event["event"] == "break":
                break
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    names = [e["event"] for e in seen]
    assert "break" not in names[: names.index("resumed")], names
    pause = next(e for e in seen if e["event"] == "paused")
    back = next(e for e in seen if e["event"] == "resumed")
    brk = next(e for e in seen if e["event"] == "break")
    assert stamp(back) - stamp(pause) == pytest.approx(4.0, abs=0.6)
    assert str(pause["until"]) and str(pause["message"]).startswith("break reminders paused until")
    # Fresh timers from the pause's end: the break 2 s after.
    assert stamp(brk) - stamp(back) == pytest.approx(2.0, abs=0.5)


def test_no_reminders_outside_the_working_hours(tmp_path: Path) -> None:
    now = datetime.now().astimezone()
    minutes = now.hour * 60 + now.minute
    start = minutes + 65 if minutes < 23 * 60 - 5 else 60  # an hour from now, or 01:00
    end = min(start + 60, 24 * 60)
    text = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
    env = environment(
        tmp_path,
        COACH_BREAKS__MICRO__EVERY="1s",
        COACH_BREAKS__MICRO__LENGTH="1s",
        COACH_BREAKS__REST__EVERY="1h",
        COACH_BREAKS__HOURS__WEEKDAYS=json.dumps([text]),
        COACH_BREAKS__HOURS__WEEKEND=json.dumps([text]),
    )
    found = run_for(env, 3.0)
    names = [e["event"] for e in found]
    assert "break" not in names and "warning" not in names, names
    waiting = found[0]
    assert waiting["event"] == "waiting"
    # The next break is inside the hours: a second after the range starts.
    due_at = datetime.fromisoformat(str(waiting["due_at"]))
    assert (due_at.hour * 60 + due_at.minute) == start % (24 * 60)
    assert due_at.second == 1


def test_a_prescribed_session_is_announced_at_its_time(tmp_path: Path) -> None:
    # A time zone a few seconds off the minute, so that the next whole minute is near.
    second = datetime.now(UTC).second + datetime.now(UTC).microsecond / 1e6
    shift = int(57 - second) % 60  # local time: about 3 s before a whole minute
    zone = f"XXX-00:00:{shift:02d}"  # POSIX: east of Greenwich by `shift` seconds
    local = datetime.now(UTC) + timedelta(seconds=shift)
    due = (local + timedelta(minutes=1)).strftime("%H:%M")
    folder = tmp_path / "programs"
    folder.mkdir()
    (folder / "glide.toml").write_text(
        'schema_version = 2\n\n[program]\nid = "glide"\ntitle = "Median nerve glide"\n\n'
        f'[program.schedule]\ntimes = ["{due}"]\n\n'
        '[[exercise]]\nid = "glide"\nname = "Glide"\nreps = 2\nhold = 1\n',
        encoding="utf-8",
    )
    env = environment(
        tmp_path,
        TZ=zone,
        COACH_PROGRAMS_PATH=str(folder),
        COACH_BREAKS__MICRO__EVERY="1h",
        COACH_BREAKS__REST__EVERY="2h",
    )
    found = run_for(env, 6.0)
    said = [e for e in found if e["event"] == "session_due"]
    assert len(said) == 1, found
    assert said[0]["program"] == "glide"
    assert (said[0]["done_today"], said[0]["prescribed_today"]) == (0, 1)
    assert said[0]["message"] == "Median nerve glide: 1 of 1 today"
    assert datetime.fromisoformat(str(said[0]["at"])).strftime("%H:%M:%S") == f"{due}:00"


@pytest.mark.skipif(shutil.which("gsettings") is None, reason="no gsettings")
def test_gnome_do_not_disturb_holds_the_break_until_it_is_off(tmp_path: Path) -> None:
    env = environment(
        tmp_path,
        GSETTINGS_BACKEND="keyfile",  # the real gsettings, its settings in a file of its own
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        COACH_BREAKS__MICRO__EVERY="1s",
        COACH_BREAKS__MICRO__LENGTH="1s",
        COACH_BREAKS__WARNING="0",
        COACH_BREAKS__REST__EVERY="1h",
    )

    def banners(value: str) -> None:
        key = ["org.gnome.desktop.notifications", "show-banners"]
        subprocess.run(["gsettings", "set", *key, value], env=env, check=True)

    banners("false")  # do not disturb
    process = remind(env)
    try:
        stream = events(process)
        seen = []
        for event in stream:
            seen.append(event)
            if event["event"] == "paused":
                break
        banners("true")
        process.send_signal(signal.SIGUSR1)  # look again now, rather than within 30 s
        for event in stream:
            seen.append(event)
            if event["event"] == "break":
                break
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    names = [e["event"] for e in seen]
    assert names.index("paused") < names.index("resumed") < names.index("break"), names
    assert "do-not-disturb" in str(seen[names.index("paused")]["message"])


def test_remind_syncs_the_history_when_it_starts(tmp_path: Path) -> None:
    """Another computer's session, in the shared folder, reaches this history."""
    from coach.history.store import HistoryStore
    from coach.history.sync import Computer, Sync
    from tests.helpers import history_with, record

    shared = tmp_path / "Sync"
    shared.mkdir()
    other = history_with(tmp_path / "desktop", record("theirs"))
    Sync(other, shared, Computer("d" * 12, "desktop")).run()
    other.close()
    env = environment(tmp_path, COACH_HISTORY__SYNC_DIR=str(shared))
    process = remind(env)
    try:
        deadline = time.monotonic() + 30
        while True:
            if (tmp_path / "data" / "history.db").exists():
                with HistoryStore.in_folder(tmp_path / "data") as store:
                    if [s.id for s in store.sessions()] == ["theirs"]:
                        break
            assert time.monotonic() < deadline, "coach remind did not sync"
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)  # a real process in real time
        assert any(p.name.startswith("coach-") and "d" * 12 not in p.name for p in shared.iterdir())
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
