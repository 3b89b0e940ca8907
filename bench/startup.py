"""Start-up time of the headless commands against a bare Python and a bare Textual import.

Runs each command N times, interleaved so machine noise hits all of them
alike, and prints the median and the ratio to a bare `python -c pass`.
Usage: python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROGRAMS = Path(__file__).resolve().parent.parent / "programs"

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import textual.app": [sys.executable, "-c", "import textual.app"],
    "coach --version": [sys.executable, "-m", "coach", "--version"],
    "coach plan typist-micro-break --json": [
        sys.executable,
        "-m",
        "coach",
        "plan",
        "typist-micro-break",
        "--json",
    ],
    "coach validate programs/": [sys.executable, "-m", "coach", "validate", "-q", str(PROGRAMS)],
    "coach list --json": [sys.executable, "-m", "coach", "list", "--json"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["python -c pass"])
    print(f"{'command':<40} {'median ms':>10} {'min ms':>8} {'x python':>9}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(
            f"{name:<40} {median * 1000:>10.1f} {min(samples) * 1000:>8.1f} {median / base:>9.1f}"
        )


if __name__ == "__main__":
    main()
