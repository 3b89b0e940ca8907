"""The app: time to first frame against a bare Textual app, and CPU and memory in a session.

Each run is a fresh process in a pseudo-terminal (100x30). "First frame" is
the time from spawning until the screen shows a known text: the library's
first program for coach, "ready" for a bare Textual app whose only widget is
a Static. They are interleaved in the same rounds, after one untimed warm-up
round, and compared by median. The warm-up round fills the library's cache
(coach/program/library_cache.py), as any earlier start does; a third command starts
coach with no cache each time, as the first start after installing coach, or
after editing every program file, would.

Then one session, side by side in the same run, each in its own 120x40
pseudo-terminal, all counting down the same time (--session-seconds, default
180): `coach run PROGRAM` on a program of one long hold (the big digits
redrawn each second), termdown (the terminal countdown that draws big
digits with the art library; `pip install termdown`, left out where missing), and a
minimal Textual app showing a 1 Hz `Digits` countdown. CPU is utime + stime
of each process from /proc, measured from the moment each shows its
countdown until the time is nearly over, per minute; memory is the peak
resident size (VmHWM). --session-seconds 0 leaves the session out.

Usage: python bench/app.py [--runs 15] [--session-seconds 180]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shutil
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

DIGITS = """
import time
from textual.app import App
from textual.widgets import Digits

class Countdown(App):
    def compose(self):
        yield Digits("ready")

    def on_mount(self):
        self.end = time.monotonic() + {seconds}
        self.set_interval(1, self.tick)

    def tick(self):
        self.query_one(Digits).update(str(max(0, round(self.end - time.monotonic()))))

Countdown().run()
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


def spawn(
    argv: list[str], env: dict[str, str], size: tuple[int, int] = (100, 30)
) -> tuple[int, int]:
    import fcntl
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: its terminal has the size before it starts
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
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
    parser.add_argument("--session-seconds", type=int, default=180)
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
    program.write_text(HOLD.format(seconds=args.session_seconds + 15))
    digits_app = work / "digits.py"
    digits_app.write_text(DIGITS.format(seconds=args.session_seconds + 15))
    runners = {
        "coach session": ([sys.executable, "-m", "coach", "run", str(program)], b"Hold still"),
        "minimal Textual Digits, 1 Hz": ([sys.executable, str(digits_app)], b"\xe2"),
    }
    termdown = shutil.which("termdown") or str(Path(sys.executable).parent / "termdown")
    if Path(termdown).exists():
        seconds = args.session_seconds + 15
        runners["termdown"] = ([termdown, "-B", str(seconds)], b"\x1b")
    else:
        print("\n(termdown is not installed: `pip install termdown` to compare with it)")
    results = side_by_side(runners, env, args.session_seconds)
    print(f"\nCounting down side by side, {args.session_seconds} s each, in 120x40 terminals:\n")
    print("| program | CPU s per minute | share of one core | peak memory |")
    print("|---|---:|---:|---:|")
    for name, (per_minute, peak) in results.items():
        print(f"| {name} | {per_minute:.3f} | {per_minute / 60:.2%} | {peak:.1f} MiB |")
    coach_cpu, coach_peak = results["coach session"]
    print(f"\nTargets:\n{frame_target}")
    print(f"- CPU <= 0.2 s per minute: {coach_cpu:.3f} {'pass' if coach_cpu <= 0.2 else 'FAIL'}")
    if "termdown" in results:
        ratio = coach_cpu / results["termdown"][0]
        print(f"- CPU <= half of termdown's: {ratio:.2f}x {'pass' if ratio <= 0.5 else 'FAIL'}")
    print(f"- memory <= 60 MiB: {coach_peak:.1f} MiB {'pass' if coach_peak <= 60 else 'FAIL'}")


def side_by_side(
    runners: dict[str, tuple[list[str], bytes]], env: dict[str, str], seconds: float
) -> dict[str, tuple[float, float]]:
    """Start every runner at once, each in a 120x40 pty; CPU s per minute and peak MiB."""
    started = {name: spawn(argv, env, (120, 40)) for name, (argv, _) in runners.items()}
    for name, (_, fd) in started.items():
        read_until(fd, runners[name][1])
    time.sleep(1)  # let start-up settle
    cpu_start = {name: proc_cpu(pid) for name, (pid, _) in started.items()}
    wall_start = time.perf_counter()
    deadline = wall_start + seconds
    fds = {fd: name for name, (_, fd) in started.items()}
    while time.perf_counter() < deadline:  # keep draining the terminals, as terminals do
        ready, _, _ = select.select(list(fds), [], [], 0.5)
        for fd in ready:
            try:
                os.read(fd, 65536)
            except OSError:
                fds.pop(fd)
    wall = time.perf_counter() - wall_start
    results = {}
    for name, (pid, fd) in started.items():
        cpu = proc_cpu(pid) - cpu_start[name]
        results[name] = (cpu / wall * 60, peak_rss_mib(pid))
        stop(pid, fd)
    return results


if __name__ == "__main__":
    main()
