"""Files coach creates are private and never written through a link; full and read-only disks."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.files import LinkRefused, open_private, private_folder, write_private
from coach.history.records import HistoryError
from coach.history.store import DB_NAME, HistoryStore
from tests.helpers import quick_program, record, run_env

POSIX = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@POSIX
def test_everything_in_the_data_folder_is_private(tmp_path: Path, umask: int) -> None:
    data = tmp_path / "data" / "coach"
    program = quick_program(tmp_path, exercises=1)
    env = {**run_env(data), "COACH_CACHE_DIR": str(tmp_path / "cache")}
    config = tmp_path / "config" / "config.toml"
    env["COACH_CONFIG_FILE"] = str(config)
    for argv in (
        ["run", str(program), "--headless", "--quiet"],
        ["export", str(tmp_path / "export.json")],
        ["config", "init"],
    ):
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import os; os.umask({umask}); "
                "import sys; from coach.cli.main import main; sys.exit(main(sys.argv[1:]))",
                *argv,
            ],
            env=env,
            check=True,
            capture_output=True,
        )
    with HistoryStore.in_folder(data) as store:
        store.claim("x")  # a running session's lock
        store.spool(record("y"))
        assert _mode(store.lock_path("x")) == 0o600
        assert _mode(data / "running") == 0o700
        assert _mode(data / "unsaved") == 0o700
        assert _mode(data / "unsaved" / "y.json") == 0o600
        assert _mode(data / (DB_NAME + "-wal")) == 0o600
        assert _mode(data / (DB_NAME + "-shm")) == 0o600
    assert _mode(data) == 0o700 and _mode(data.parent) == 0o700
    assert _mode(data / DB_NAME) == 0o600
    assert _mode(tmp_path / "export.json") == 0o600
    assert _mode(config) == 0o600
    from coach.program.library import load_library

    load_library(cache=tmp_path / "cache" / "library.json")
    assert _mode(tmp_path / "cache") == 0o700
    assert _mode(tmp_path / "cache" / "library.json") == 0o600


@POSIX
def test_the_remind_and_breaks_locks_are_private(tmp_path: Path, umask: int) -> None:
    from coach.breaks.host import REMIND_LOCK, HostClaim

    claims = [HostClaim(tmp_path / "d"), HostClaim(tmp_path / "d", REMIND_LOCK, exclusive=True)]
    assert _mode(tmp_path / "d" / "breaks.lock") == 0o600
    assert _mode(tmp_path / "d" / REMIND_LOCK) == 0o600
    for claim in claims:
        claim.release()


def _plant(path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return target


@pytest.mark.parametrize(
    "name", ["remind.lock", "breaks.lock", "running/x.lock", DB_NAME, DB_NAME + "-wal"]
)
def test_a_link_planted_in_the_data_folder_is_refused_and_its_target_untouched(
    tmp_path: Path, name: str
) -> None:
    from coach.breaks.host import REMIND_LOCK, HostClaim

    data = tmp_path / "data"
    if name.endswith("-wal"):
        HistoryStore.in_folder(data).close()
    target = _plant(data / name, tmp_path)
    with pytest.raises((HistoryError, LinkRefused), match="symbolic link"):
        if name == REMIND_LOCK:
            HostClaim(data, REMIND_LOCK, exclusive=True)
        elif name == "breaks.lock":
            HostClaim(data)
        elif name == "running/x.lock":
            with HistoryStore.in_folder(data) as store:
                store.claim("x")
        else:
            HistoryStore.in_folder(data)
    assert target.read_text() == "keep me"


def test_coach_remind_says_so_for_a_planted_link(tmp_path: Path) -> None:
    data = tmp_path / "data"
    target = _plant(data / "remind.lock", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "coach", "remind", "--once", "--no-notify", "--no-bell"],
        env=run_env(data),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "symbolic link" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert target.read_text() == "keep me"


def test_whole_file_writes_replace_a_link_never_follow_it(tmp_path: Path) -> None:
    target = _plant(tmp_path / "out.json", tmp_path)
    write_private(tmp_path / "out.json", "new")
    assert target.read_text() == "keep me"
    assert (tmp_path / "out.json").read_text() == "new"
    with pytest.raises(FileExistsError):
        write_private(_plant_again(tmp_path), "x", exclusive=True)
    assert target.read_text() == "keep me"
    with pytest.raises(LinkRefused):
        open_private(_plant_again(tmp_path))


def _plant_again(tmp_path: Path) -> Path:
    link = tmp_path / "again"
    if not link.is_symlink():
        link.symlink_to(tmp_path / "precious.txt")
    return link


@POSIX
def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    private_folder(shared / "coach")
    assert _mode(shared) == 0o755 and _mode(shared / "coach") == 0o700


# --------------------------------------------------------------------------- disk faults


def _mount(args: list[str]) -> str | None:
    if shutil.which("mount") is None:
        return "no mount command"
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return f"cannot mount here: {result.stderr.strip() or result.returncode}"
    return None


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, unmounted at the end."""
    point = tmp_path / "disk"
    point.mkdir()
    why = _mount(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(point)])
    if why:
        pytest.skip(why)
    yield point
    subprocess.run(["umount", "-l", str(point)], check=False)


def _fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as out, pytest.raises(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()


def _coach(data: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *argv],
        env=run_env(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _recorded(data: Path, tmp_path: Path) -> Path:
    program = quick_program(tmp_path, exercises=2)
    assert _coach(data, "run", str(program), "--headless", "--quiet").returncode == 0
    return program


def test_reads_work_on_a_full_disk(small_disk: Path, tmp_path: Path) -> None:
    data = small_disk / "data"
    program = _recorded(data, tmp_path)
    (data / (DB_NAME + "-shm")).unlink(missing_ok=True)
    _fill(small_disk)
    status = _coach(data, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert '"sessions_today": 1' in status.stdout
    export = _coach(data, "export", str(tmp_path / "elsewhere.json"))
    assert export.returncode == 0, export.stderr
    assert "exported 1 sessions" in export.stderr
    history = _coach(data, "history")
    assert history.returncode == 0 and "2/2" in history.stdout, history.stderr
    run = _coach(data, "run", str(program), "--headless", "--quiet")
    assert "Traceback" not in run.stderr
    assert run.returncode == 0, run.stderr
    assert "recorded" in run.stderr or "kept" in run.stderr, run.stderr


@pytest.fixture
def read_only_data(tmp_path: Path) -> Iterator[Path]:
    """A data folder holding one session, bind-mounted read-only over itself."""
    data = tmp_path / "data"
    _recorded(data, tmp_path)
    why = _mount(["mount", "--bind", str(data), str(data)])
    if why:
        pytest.skip(why)
    why = _mount(["mount", "-o", "remount,ro,bind", str(data)])
    if why:
        subprocess.run(["umount", "-l", str(data)], check=False)
        pytest.skip(why)
    yield data
    subprocess.run(["umount", "-l", str(data)], check=False)


def test_reads_work_on_a_read_only_folder(read_only_data: Path, tmp_path: Path) -> None:
    data = read_only_data
    status = _coach(data, "status", "--json")
    assert status.returncode == 0 and '"sessions_today": 1' in status.stdout, status.stderr
    history = _coach(data, "history")
    assert history.returncode == 0 and "2/2" in history.stdout, history.stderr
    export = _coach(data, "export", str(tmp_path / "out.json"))
    assert export.returncode == 0, export.stderr
    report = _coach(data, "report")
    assert report.returncode == 0, report.stderr
    run = _coach(data, "run", str(quick_program(tmp_path, exercises=1)), "--headless", "--quiet")
    assert run.returncode == 0, run.stderr
    assert "nothing of it will be recorded" in run.stderr and "Traceback" not in run.stderr
    imported = _coach(data, "import", str(tmp_path / "out.json"))
    assert imported.returncode == 1 and "Traceback" not in imported.stderr
    assert "read-only" in imported.stderr, imported.stderr
