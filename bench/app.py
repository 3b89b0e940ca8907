"""The app: time to first frame against a bare Textual app, and CPU and memory in a session.

Each run is a fresh process in a pseudo-terminal (100x30). "First frame" is
the time from spawning until the screen shows a known text: the library's
first program for coach, "ready" for a bare Textual app whose only widget is
a Static. They are interleaved in the same rounds, after one untimed warm-up
round, and compared by median. The warm-up round fills the library's cache
(coach/library_cache.py), as any earlier start does; a third command starts
coach with no cache each time, as the first start after installing coach, or
after editing every program file, would.

Then one session: `coach run PROGRAM` in a pseudo-terminal on a program of
one long hold (--session-seconds, default 60). CPU is utime + stime of the
process from /proc, measured from the moment the session screen is up until
the hold is nearly over, per minute of session; memory is the peak resident
size (VmHWM). --session-seconds 0 leaves the session out.

Usage: python bench/app.py [--runs 15] [--session-seconds 60]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

BARE = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("ready")

Bare().run()
"""

HOLD = """
schema_version = 1
[program]
id = "bench-hold"
title = "Bench hold"
prep = 0
[[exercise]]
id = "hold"
name = "Hold still"
duration = {seconds}
"""


def spawn(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.execve(argv[0], argv, env)
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    return pid, fd


def read_until(fd: int, marker: bytes, timeout: float = 30) -> float:
    """Seconds until ``marker`` appears in the output."""
    start = time.perf_counter()
    seen = b""
    while marker not in seen:
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{marker!r} did not appear")
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen = seen[-4096:] + os.read(fd, 65536)
            except OSError:
                break
    return time.perf_counter() - start


def stop(pid: int, fd: int) -> None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(fd)


def first_frame(argv: list[str], env: dict[str, str], marker: bytes, cache: Path | None) -> float:
    if cache is not None:
        cache.unlink(missing_ok=True)  # a start with no library cache
    start = time.perf_counter()
    pid, fd = spawn(argv, env)
    read_until(fd, marker)
    elapsed = time.perf_counter() - start
    stop(pid, fd)
    return elapsed


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--session-seconds", type=int, default=60)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="coach-bench-app-"))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(work),
        "TERM": "xterm-256color",
        "COACH_DATA_DIR": str(work / "data"),
        "COACH_CONFIG_FILE": str(work / "none.toml"),
        "COACH_CACHE_DIR": str(work / "cache"),
        "COACH_CUES__SPEECH": "false",
        "COACH_CUES__BELL": "false",
        "PYTHONPATH": str(REPO),
    }
    (work / "data").mkdir()
    (work / "data" / "safety-notice-seen").touch()  # measure the library, not the notice
    bare = work / "bare.py"
    bare.write_text(BARE)
    coach = [sys.executable, "-m", "coach"]
    no_cache = work / "cache" / "library.json"
    commands = {
        "bare Textual app": ([sys.executable, str(bare)], b"ready", None),
        "coach (the library)": (coach, b"Typist micro-break", None),
        "coach, no library cache": (coach, b"Typist micro-break", no_cache),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(args.runs + 1):
        for name, (argv, marker, cache) in commands.items():
            elapsed = first_frame(argv, env, marker, cache)
            if round_:
                times[name].append(elapsed)
    base = statistics.median(times["bare Textual app"])
    print(f"Time to first frame, {args.runs} runs each, interleaved (pty 100x30):\n")
    print("| command | median | min | x bare Textual |")
    print("|---|---:|---:|---:|")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(
            f"| {name} | {median * 1000:.1f} ms | {min(samples) * 1000:.1f} ms "
            f"| {median / base:.2f} |"
        )
    ratio = statistics.median(times["coach (the library)"]) / base
    frame_target = (
        f"- first frame <= 1.3x bare Textual: {ratio:.2f} {'pass' if ratio <= 1.3 else 'FAIL'}"
    )
    if args.session_seconds <= 0:
        print(f"\nTargets:\n{frame_target}")
        return

    program = work / "hold.toml"
    program.write_text(HOLD.format(seconds=args.session_seconds + 10))
    pid, fd = spawn([sys.executable, "-m", "coach", "run", str(program)], env)
    read_until(fd, b"Hold still")
    time.sleep(1)  # let start-up settle
    cpu_start, wall_start = proc_cpu(pid), time.perf_counter()
    deadline = wall_start + args.session_seconds
    while time.perf_counter() < deadline:  # keep draining the terminal, as a terminal does
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            os.read(fd, 65536)
    cpu = proc_cpu(pid) - cpu_start
    wall = time.perf_counter() - wall_start
    peak = peak_rss_mib(pid)
    stop(pid, fd)
    per_minute = cpu / wall * 60
    print(f"\nDuring a session ({wall:.0f} s of one hold, the screen counting down):\n")
    print("| CPU s per minute | share of one core | peak memory |")
    print("|---:|---:|---:|")
    print(f"| {per_minute:.3f} | {per_minute / 60:.2%} | {peak:.1f} MiB |")
    print(f"\nTargets:\n{frame_target}")
    share = per_minute / 60
    print(f"- CPU <= 1% of a core: {share:.2%} {'pass' if share <= 0.01 else 'FAIL'}")
    print(f"- memory <= 60 MiB: {peak:.1f} MiB {'pass' if peak <= 60 else 'FAIL'}")


if __name__ == "__main__":
    main()
