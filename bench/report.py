"""`coach report` over the 20-year history of bench/history.py, side by side with another
revision.

Builds (or reuses, from --db-dir) the synthetic history of `bench/history.py`
(58,400 sessions, about 400,000 exercise rows, the bundled programs' ids), then
times fresh processes of `coach report --since 12w` and `--since all` in each
format to a file, interleaved, with their CPU time (user + system), peak
memory (the kernel's ru_maxrss) and the size of what they wrote. With `--baseline DIR` (a source
tree of another revision: `git archive REV | tar -x -C DIR`, with the
revision's name in DIR/REVISION), the same
commands run from it too, in the same rounds, so both face the same noise;
formats the baseline does not have are left out for it.

It ends with a Markdown table ready to paste and each target (12 weeks under
1 s, everything under 5 s) with pass or fail.
Usage: python bench/report.py [--runs 5] [--db-dir DIR] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import _check, ensure_history

TARGETS = {"12w": 1.0, "all": 5.0}
"""Seconds: the issue's targets for the last 12 weeks and for everything."""

FORMATS = ("md", "html", "csv")


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall time (s), CPU time (user + system, s) and peak memory (MiB) of one run.

    CPU time is the steadier figure on a busy machine: waiting for a core adds
    to the wall time only."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        errors.seek(0)
        _check(" ".join(argv[3:]), os.waitstatus_to_exitcode(status), errors.read())
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _revision(tree: Path) -> str:
    stamp = tree / "REVISION"  # written beside a tree made with git archive
    if stamp.exists():
        return stamp.read_text().strip()
    done = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or tree.name


def _formats(env: dict[str, str]) -> list[str]:
    """The formats this tree's `coach report --format` takes."""
    done = subprocess.run(
        [sys.executable, "-P", "-m", "coach", "report", "--help"],
        env=env,
        capture_output=True,
        text=True,
    )
    return [name for name in FORMATS if name in done.stdout.split("--format")[1].split("\n")[0]]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument(
        "--db-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "coach-bench-history",
        help="where the synthetic history is built and kept (default: %(default)s)",
    )
    parser.add_argument("--baseline", type=Path, help="another revision's source tree")
    args = parser.parse_args()

    folder = args.db_dir.expanduser().resolve()
    info = ensure_history(folder, False)
    here = Path(__file__).resolve().parent.parent
    trees = {"this": here}
    if args.baseline is not None:
        trees["baseline"] = args.baseline.expanduser().resolve()
    scratch = Path(tempfile.mkdtemp(prefix="coach-bench-report-"))
    skipped = ("COACH_", "TEXTUAL", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPATH")
    base_env = {key: value for key, value in os.environ.items() if not key.startswith(skipped)}
    commands: dict[tuple[str, str, str], tuple[list[str], dict[str, str], Path]] = {}
    for name, tree in trees.items():
        env = {
            **base_env,
            "PYTHONPATH": str(tree),
            "COACH_DATA_DIR": str(folder),
            "COACH_CONFIG_FILE": str(folder / "no-config.toml"),
            "PYTHONPYCACHEPREFIX": str(folder / f"pycache-{name}"),
        }
        for form in _formats(env):
            for since in TARGETS:
                out = scratch / f"{name}-{since}.{form}"
                # -P: not the current folder first, so PYTHONPATH picks the tree.
                argv = [sys.executable, "-P", "-m", "coach", "report", "--since", since]
                commands[(name, form, since)] = (
                    [*argv, "--format", form, "-o", str(out)],
                    env,
                    out,
                )
    for argv, env, _ in commands.values():  # bytecode and the disk cache, once
        run_measured(argv, env)
    times: dict[tuple[str, str, str], list[float]] = {key: [] for key in commands}
    cpu: dict[tuple[str, str, str], list[float]] = {key: [] for key in commands}
    memory: dict[tuple[str, str, str], float] = {}
    keys = list(commands)
    for number in range(args.runs):
        shift = number % len(keys)
        for key in keys[shift:] + keys[:shift]:
            argv, env, _ = commands[key]
            seconds, used, peak = run_measured(argv, env)
            times[key].append(seconds)
            cpu[key].append(used)
            memory[key] = max(memory.get(key, 0.0), peak)
        print(f"  round {number + 1}/{args.runs}", file=sys.stderr, flush=True)

    print(
        f"\ncoach report over {info['sessions']:,} sessions ({info['exercises']:,} exercise "
        f"rows, {info['first_day']} to {info['last_day']}); {args.runs} runs each, interleaved"
    )
    print(", ".join(f"{name}: {_revision(tree)}" for name, tree in trees.items()) + "\n")
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} at the end, on {os.cpu_count()} cores)\n")
    print("| command | revision | median | min | CPU median | peak memory | output |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for key in keys:
        name, form, since = key
        samples = times[key]
        size = commands[key][2].stat().st_size
        print(
            f"| `report --since {since} --format {form}` | {name} | "
            f"{statistics.median(samples):.2f} s | {min(samples):.2f} s | "
            f"{statistics.median(cpu[key]):.2f} s | {memory[key]:.0f} MiB | "
            f"{size / 2**20:.1f} MiB |"
        )
    if "baseline" in trees:
        print("\n| command | this / baseline (wall, medians) | (CPU, medians) |")
        print("|---|---:|---:|")
        for name, form, since in keys:
            other = ("baseline", form, since)
            if name == "this" and other in times:
                mine = (name, form, since)
                wall = statistics.median(times[mine]) / statistics.median(times[other])
                used = statistics.median(cpu[mine]) / statistics.median(cpu[other])
                print(f"| `report --since {since} --format {form}` | {wall:.2f} | {used:.2f} |")
    print("\nTargets:\n")
    print("| target | measured (slowest format: wall median, min) | result |")
    print("|---|---:|---|")
    for since, limit in TARGETS.items():
        mine = [
            samples
            for (name, form, window), samples in times.items()
            if name == "this" and window == since and form != "csv"
        ]
        worst = max(statistics.median(samples) for samples in mine)
        fastest = max(min(samples) for samples in mine)
        verdict = "pass" if worst < limit else "**FAIL**"
        target = f"`coach report --since {since}` (md, html) < {limit:.0f} s"
        print(f"| {target} | {worst:.2f} s, {fastest:.2f} s | {verdict} |")


if __name__ == "__main__":
    main()
