"""Pacing accuracy and cost of headless sessions, against a naive asyncio.sleep loop.

What it measures, all with the real clock:
- lateness of each step's start against the plan (p50, p99, max) over a program
  of 1-second phases, for `coach run --headless --json` and, side by side at the
  same time, a naive loop that does `await asyncio.sleep(step.seconds)` per step;
  once on an idle machine and once with another process keeping a core busy;
- how far the end of a longer session is from its planned length;
- CPU seconds per minute of session and peak memory (ru_maxrss) of the coach process.

Usage: python bench/pacing.py [--minutes 10] [--session-minutes 30]
(the defaults take about 30 minutes; use --minutes 1 --session-minutes 2 for a quick look)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROGRAM = """\
schema_version = 1
[program]
id = "bench-{name}"
title = "Benchmark"
prep = 0
[[exercise]]
id = "phases"
name = "Phases"
reps = {reps}
tempo = [{{ phase = "Up", seconds = 1 }}, {{ phase = "Down", seconds = 1 }}]
"""


def write_program(folder: Path, name: str, minutes: float) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(PROGRAM.format(name=name, reps=round(minutes * 30)))
    return path


async def _naive(path: Path) -> None:
    """The loop we compare against: sleep for each step's length, one after the other."""
    from coach.program.loader import load_program
    from coach.program.timeline import build_timeline

    timeline = build_timeline(load_program(path).program)
    start = time.monotonic()
    planned = 0.0
    for step in timeline.steps:
        actual = time.monotonic() - start
        print(
            json.dumps({"event": "step_started", "planned_start": planned, "actual_start": actual})
        )
        planned += step.seconds
        await asyncio.sleep(step.seconds)
    print(json.dumps({"event": "session_completed", "t": time.monotonic() - start}))


@dataclass
class Run:
    label: str
    process: subprocess.Popen[str]
    planned_total: float
    output: Path


def start(label: str, argv: list[str], planned_total: float) -> Run:
    env = {**os.environ, "COACH_CUES__SPEECH": "false", "COACH_CUES__BELL": "false"}
    # A file, not a pipe: an unread pipe fills up and would block the writer.
    output = Path(tempfile.mkstemp(prefix="coach-bench-", suffix=".jsonl")[1])
    with output.open("w") as sink:
        process = subprocess.Popen(argv, stdout=sink, stdin=subprocess.DEVNULL, text=True, env=env)
    return Run(label, process, planned_total, output)


def coach_argv(path: Path) -> list[str]:
    return [sys.executable, "-m", "coach", "run", str(path), "--headless", "--json", "--quiet"]


def naive_argv(path: Path) -> list[str]:
    return [sys.executable, __file__, "--naive", str(path)]


def measure(runs: list[Run]) -> dict[str, dict[str, float]]:
    """Wait for each run; for coach runs also CPU and memory from the kernel."""
    results: dict[str, dict[str, float]] = {}
    for run in runs:
        _, _, usage = os.wait4(run.process.pid, 0)
        out = run.output.read_text()
        events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        late = sorted(
            (e["actual_start"] - e["planned_start"]) * 1000
            for e in events
            if e["event"] == "step_started"
        )
        end = next(e["t"] for e in events if e["event"] == "session_completed")
        minutes = end / 60
        results[run.label] = {
            "steps": len(late),
            "p50_ms": statistics.median(late),
            "p99_ms": late[max(0, int(len(late) * 0.99) - 1)],
            "max_ms": late[-1],
            "end_error_ms": (end - run.planned_total) * 1000,
            "cpu_s_per_min": (usage.ru_utime + usage.ru_stime) / minutes,
            "peak_mib": usage.ru_maxrss / 1024,
        }
        print(f"  {run.label}: done", file=sys.stderr, flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--session-minutes", type=float, default=30.0)
    parser.add_argument("--naive", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive:
        asyncio.run(_naive(args.naive))
        return

    folder = Path(tempfile.mkdtemp(prefix="coach-bench-"))
    short = write_program(folder, "phases", args.minutes)
    long = write_program(folder, "session", args.session_minutes)
    total = args.minutes * 60
    print(
        f"idle phase ({args.minutes} min) and a {args.session_minutes}-min session...",
        file=sys.stderr,
        flush=True,
    )
    session = start("coach, long session", coach_argv(long), args.session_minutes * 60)
    idle = measure(
        [
            start("coach, idle", coach_argv(short), total),
            start("naive sleep loop, idle", naive_argv(short), total),
        ]
    )
    print(f"busy phase ({args.minutes} min, one core kept busy)...", file=sys.stderr, flush=True)
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = measure(
            [
                start("coach, one core busy", coach_argv(short), total),
                start("naive sleep loop, one core busy", naive_argv(short), total),
            ]
        )
    finally:
        burner.kill()
        burner.wait()
    long_result = measure([session])
    results = {**idle, **busy, **long_result}

    print("| run | steps | p50 late | p99 late | max late | end vs plan | CPU s/min | peak MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in results.items():
        print(
            f"| {label} | {r['steps']:.0f} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | "
            f"{r['max_ms']:.2f} ms | {r['end_error_ms']:+.2f} ms | {r['cpu_s_per_min']:.4f} | "
            f"{r['peak_mib']:.1f} |"
        )
    for kind in ("idle", "one core busy"):
        engine = results[f"coach, {kind}"]
        naive = results[f"naive sleep loop, {kind}"]
        print(
            f"\n{kind}: naive/coach end drift ratio "
            f"{abs(naive['end_error_ms']) / max(abs(engine['end_error_ms']), 1e-3):.0f}x; "
            f"max lateness {naive['max_ms']:.1f} ms vs {engine['max_ms']:.2f} ms"
        )


if __name__ == "__main__":
    main()
