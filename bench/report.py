"""`coach report` over the 20-year history of bench/history.py, side by side with another
revision.

Builds (or reuses, from --db-dir) the synthetic history of `bench/history.py`
(58,400 sessions, about 400,000 exercise rows, the bundled programs' ids), then
times fresh processes of `coach report --since 12w` and `--since all` in each
format to a file, interleaved, with their peak memory (the kernel's
ru_maxrss) and the size of what they wrote. With `--baseline DIR` (a source
tree of another revision: `git archive REV | tar -x -C DIR`), the same
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import ensure_history, run_measured

TARGETS = {"12w": 1.0, "all": 5.0}
"""Seconds: the issue's targets for the last 12 weeks and for everything."""

FORMATS = ("md", "html", "csv")


def _revision(tree: Path) -> str:
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
    memory: dict[tuple[str, str, str], float] = {}
    keys = list(commands)
    for number in range(args.runs):
        shift = number % len(keys)
        for key in keys[shift:] + keys[:shift]:
            argv, env, _ = commands[key]
            seconds, peak, _ = run_measured(argv, env)
            times[key].append(seconds)
            memory[key] = max(memory.get(key, 0.0), peak)
        print(f"  round {number + 1}/{args.runs}", file=sys.stderr, flush=True)

    print(
        f"\ncoach report over {info['sessions']:,} sessions ({info['exercises']:,} exercise "
        f"rows, {info['first_day']} to {info['last_day']}); {args.runs} runs each, interleaved"
    )
    print(", ".join(f"{name}: {_revision(tree)}" for name, tree in trees.items()) + "\n")
    print("| command | revision | median | min | peak memory | output |")
    print("|---|---|---:|---:|---:|---:|")
    for key in keys:
        name, form, since = key
        samples = times[key]
        size = commands[key][2].stat().st_size
        print(
            f"| `report --since {since} --format {form}` | {name} | "
            f"{statistics.median(samples):.2f} s | {min(samples):.2f} s | "
            f"{memory[key]:.0f} MiB | {size / 2**20:.1f} MiB |"
        )
    if "baseline" in trees:
        print("\n| command | this / baseline (medians) |")
        print("|---|---:|")
        for name, form, since in keys:
            other = ("baseline", form, since)
            if name == "this" and other in times:
                ratio = statistics.median(times[(name, form, since)]) / statistics.median(
                    times[other]
                )
                print(f"| `report --since {since} --format {form}` | {ratio:.2f} |")
    print("\nTargets:\n")
    print("| target | measured (slowest format) | result |")
    print("|---|---:|---|")
    for since, limit in TARGETS.items():
        worst = max(
            statistics.median(samples)
            for (name, form, window), samples in times.items()
            if name == "this" and window == since and form != "csv"
        )
        verdict = "pass" if worst < limit else "**FAIL**"
        target = f"`coach report --since {since}` (md, html) < {limit:.0f} s"
        print(f"| {target} | {worst:.2f} s | {verdict} |")


if __name__ == "__main__":
    main()
