"""How long the app's progress screen takes to open on the 20-year history.

Uses the synthetic history of `bench/history.py` (20 years at 8 sessions a
day, 58,400 sessions, built through the real store once and reused from
--db-dir). Each measurement is a fresh process running the real app
(`CoachApp`, the real library, the history at --db-dir) headless through
Textual's `run_test`, at 80x24 and at 120x40; it opens the screen once
untimed (imports, the library, the disk cache), then each round sends F2 and
stops the clock at the first frame the app draws of the progress screen once
the screen has put in place what its worker read: what the person sees.
Textual's test waits (pilot.press waits until the process has been idle for
20 ms, twice) are not timed; escape and the home screen's refresh after it
are waited for, untimed. Wall time and CPU time (all the process's threads)
are both given: on a machine shared with other work the wall time includes
waiting for a core.

A baseline runs beside it: the same screen answering at once with one line
(its read replaced by one that fails), so what is left is pushing and
drawing a screen.

`--compare REV` runs REV's coach (a temporary git worktree) the same way,
side by side: the processes alternate, so machine noise hits both alike.

Usage: python bench/progress_screen.py [--runs 10] [--rounds 3] [--compare REV]
       [--db-dir DIR] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_MS = 300.0
SIZES = ((80, 24), (120, 40))
ROOT = Path(__file__).resolve().parent.parent

CHILD = """\
import asyncio, json, sys, time
from datetime import UTC, datetime
from pathlib import Path

from coach.clock import FakeClock
from coach.config.settings import Settings
from coach.history.store import DB_NAME, HistoryStore
from coach.program.library import load_library
from coach.tui.app import AppContext, CoachApp

folder, width, height, runs = Path(sys.argv[1]), *map(int, sys.argv[2:5])
if sys.argv[5] == "bare":
    # The baseline: the same screen answering at once with one line (as for a history
    # it cannot read), so what is left is pushing a screen, drawing it and the harness.
    import coach.tui.screens.progress as screen
    from coach.history.records import HistoryError

    def nothing(*args: object, **kwargs: object) -> None:
        raise HistoryError("not read: the bench's baseline")

    screen.read_progress = nothing


async def main() -> None:
    clock = FakeClock()
    clock.set_wall(datetime.now(UTC))
    app = CoachApp(
        AppContext(
            library=load_library(),
            settings=Settings(),
            clock=clock,
            store=HistoryStore(folder / DB_NAME, create=False),
            notice=False,
            breaks=False,
        )
    )
    import coach.tui.screens.progress as screen
    from textual import events

    # The clock stops at the first frame the app draws of the progress screen once
    # the screen has put in place what its worker read (or, for the baseline, its
    # one line): what the person sees. Textual's test harness waits (pilot.press
    # waits until the process has been idle for 20 ms, twice) are not timed.
    shown: list[float] = []
    filled = False

    def fill(method: str) -> None:
        original = getattr(screen.ProgressScreen, method)

        async def filled_in(self: object, *args: object) -> None:
            nonlocal filled
            await original(self, *args)
            filled = True

        def filled_at_once(self: object, *args: object) -> None:
            nonlocal filled
            original(self, *args)
            filled = True

        is_async = asyncio.iscoroutinefunction(original)
        setattr(screen.ProgressScreen, method, filled_in if is_async else filled_at_once)

    fill("show")
    fill("show_error")
    display = app._display

    def timed_display(on: object, renderable: object) -> None:
        display(on, renderable)  # type: ignore[arg-type]
        if filled and not shown and isinstance(on, screen.ProgressScreen):
            shown.append(time.perf_counter())
            shown.append(time.process_time())

    app._display = timed_display  # type: ignore[method-assign]
    wall, cpu = [], []
    async with app.run_test(size=(width, height)) as pilot:
        await pilot.pause()
        for round_number in range(runs + 1):
            filled = False
            shown.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            app._driver.send_message(events.Key("f2", None))
            while not shown:
                await asyncio.sleep(0.001)
            if round_number:
                wall.append(shown[0] - start)
                cpu.append(shown[1] - start_cpu)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert type(app.screen).__name__ == "ProgressScreen"
            await pilot.press("escape")
            await app.workers.wait_for_complete()  # the home screen's refresh, untimed
            await pilot.pause()
    print(json.dumps({"wall": wall, "cpu": cpu}))


asyncio.run(main())
"""


def measure(
    coach_root: Path, folder: Path, size: tuple[int, int], runs: int, bare: bool = False
) -> dict[str, list[float]]:
    """One fresh process of ``coach_root``'s coach: ``runs`` timed openings at ``size``
    (``bare``: of the baseline, the screen with nothing read)."""
    env = {**os.environ, "PYTHONPATH": str(coach_root)}
    for key in [key for key in env if key.startswith("COACH_")]:
        del env[key]
    env["COACH_CONFIG_FILE"] = str(folder / "no-config.toml")
    env["COACH_DATA_DIR"] = str(folder)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(folder),
            *map(str, (*size, runs)),
            "bare" if bare else "-",
        ],
        env=env,
        cwd=coach_root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{coach_root}: {done.stderr[-2000:]}")
    result: dict[str, list[float]] = json.loads(done.stdout.splitlines()[-1])
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10, help="openings per process (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="processes per size (default 3)")
    parser.add_argument("--compare", metavar="REV", help="also measure this revision's coach")
    parser.add_argument(
        "--db-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "coach-bench-history",
        help="the synthetic history of bench/history.py (default: %(default)s)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the history again")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from history import ensure_history  # bench/history.py, beside this file

    folder = args.db_dir.expanduser().resolve()
    info = ensure_history(folder, args.rebuild)
    roots = {"this tree": ROOT, "baseline: nothing read": ROOT}
    scratch = None
    bare = "baseline: nothing read"
    if args.compare:
        scratch = Path(tempfile.mkdtemp(prefix="coach-bench-progress-"))
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(scratch / "old"), args.compare],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        roots = {args.compare: scratch / "old", **roots}
    try:
        results: dict[tuple[str, tuple[int, int]], dict[str, list[float]]] = {}
        for round_number in range(args.rounds):
            for size in SIZES:
                for name, root in roots.items():  # alternating, so noise hits both alike
                    found = measure(root, folder, size, args.runs, name == bare)
                    entry = results.setdefault((name, size), {"wall": [], "cpu": []})
                    entry["wall"] += found["wall"]
                    entry["cpu"] += found["cpu"]
            print(f"  round {round_number + 1}/{args.rounds}", file=sys.stderr)
    finally:
        if scratch is not None:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(scratch / "old")],
                cwd=ROOT,
                check=False,
                capture_output=True,
            )
    print(
        f"History: {info['sessions']:,} sessions, {info['exercises']:,} exercise rows, "
        f"{info['first_day']} to {info['last_day']}; load average now "
        f"{os.getloadavg()[0]:.1f}\n"
    )
    print(f"{args.rounds} processes x {args.runs} openings each, after one untimed:\n")
    print("| coach | size | F2 to the history shown, median | min | CPU time, median |")
    print("|---|---|---:|---:|---:|")
    worst = 0.0
    for (name, size), found in results.items():
        median = statistics.median(found["wall"])
        if name == "this tree":
            worst = max(worst, median)
        print(
            f"| {name} | {size[0]}x{size[1]} | {_ms(median)} | {_ms(min(found['wall']))} | "
            f"{_ms(statistics.median(found['cpu']))} |"
        )
    verdict = "pass" if worst * 1000 <= TARGET_MS else "**FAIL**"
    print(f"\nTarget: the progress screen opens in <= {TARGET_MS:.0f} ms: {_ms(worst)}, {verdict}")


if __name__ == "__main__":
    main()
