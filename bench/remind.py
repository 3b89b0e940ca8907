"""Break reminders: what a waiting `coach remind` costs, and how close to due it tells you.

Linux only: CPU and memory come from /proc.

1. While it waits: `coach remind --json --no-notify --no-bell`, with idle
   detection off and, when this machine has an idle probe (or --xvfb starts a
   private X server for one), on; micro-breaks every 12 hours and rest breaks
   every 24, so nothing falls due while it is watched (the default 10 minutes
   would, with --minutes 10); and each of the two again with working hours
   set (all day, every day) and a 12-hour `coach pause` written before it
   starts. Side by side, in the same run: a bare
   `python -c "import time; time.sleep(N)"` and a bare
   `python -c "import asyncio, sqlite3, time; time.sleep(N)"`. Once each is up
   (the daemon's first "waiting" line) and --settle seconds more have passed,
   the script reads each process's utime + stime (clock ticks, /proc/PID/stat),
   its time on the CPU in nanoseconds (/proc/PID/task/*/schedstat) and its
   context switches (each wake-up from a sleep is one), waits --minutes, and
   reads them again; then VmRSS and VmHWM from /proc/PID/status. A waiting
   reminder is not quite still: it sleeps in steps of at most a minute
   (HEARTBEAT in coach/breaks/remind.py) so that it notices a suspend soon after
   waking, and each step is a wake-up or two and a clock reading. So its CPU
   is judged from the schedstat nanoseconds over the span, as a share of one
   core (one clock tick would be 0.0167% of a core over the default minute,
   above the 0.01% target), and its wake-ups are given per minute.
2. How late reminders come: `coach remind --json --no-notify --no-bell --exec HOOK`
   with micro-breaks every 2 s of 1 s (rest breaks every hour) for --breaks
   breaks. Lateness of a break is its "at" minus the "due_at" of the "waiting"
   line before it; the hook (a `python -S` that writes `time.time()` and the
   COACH_BREAK_* variables it was given) is late by its start minus the same
   "due_at". Once on a quiet machine and once with a `while True: pass` process
   keeping a core busy (unless --no-busy). Every JSON line must carry a
   "message". The same runs warn 1 s before each break: a warning is late by
   its "at" minus (due_at - 1 s), a `break_over` by its "at" minus (the
   break's "at" + 1 s). Then, for `session_due`, a reminder in a time zone a
   few seconds off UTC (POSIX TZ offsets take seconds) with three programs
   whose `schedule.times` is its next whole minute, about 4 s away: each is
   late by its "at" minus that minute.
3. Exit statuses (untimed, with the warm-up): `coach remind --once` exits 0
   once its break has come, and 130 (SIGINT) or 143 (SIGTERM) when stopped
   before it; a daemon without --once stopped by SIGTERM exits 0 (part 2).

The children see none of your COACH_* variables: each daemon gets its own
empty COACH_DATA_DIR and a COACH_CONFIG_FILE that does not exist, and all of
them cached bytecode in a folder of their own (PYTHONPYCACHEPREFIX), written
by one untimed warm-up run, as an installed coach has it.

Usage: python bench/remind.py [--minutes 1] [--breaks 20] [--settle 2] [--xvfb] [--no-busy]
(about 3 minutes with the defaults; --minutes 10 gives a steadier CPU figure, past
the first step of the wait, which costs more than the later ones)
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

TARGET_CORE_SHARE = 0.0001  # 0.01% of one core
TARGET_MIB = 30.0
TARGET_LATE_MS = 1000.0
TARGET_TOLD_MS = 50.0  # each reminder, warning and session_due, with a core busy

LONG_TIMERS = {
    # Longer than any measure: nothing may fall due while it is watched.
    "COACH_BREAKS__MICRO__EVERY": "12h",
    "COACH_BREAKS__REST__EVERY": "24h",
}
MAX_MINUTES = 11 * 60

SHORT_TIMERS = {
    "COACH_BREAKS__MICRO__EVERY": "2s",
    "COACH_BREAKS__MICRO__LENGTH": "1s",
    "COACH_BREAKS__REST__EVERY": "1h",
    "COACH_BREAKS__IDLE_DETECTION": "false",
    "COACH_BREAKS__WARNING": "1s",
}
WARNING = 1.0

HOURS = {
    # Working hours all day, every day: set (so the reminder works them out), never in the way.
    "COACH_BREAKS__HOURS__WEEKDAYS": '["00:00-24:00"]',
    "COACH_BREAKS__HOURS__WEEKEND": '["00:00-24:00"]',
}

PRESCRIBED = """\
schema_version = 2

[program]
id = "timed-{n}"
title = "Timed {n}"

[program.schedule]
times = ["{time}"]

[[exercise]]
id = "glide"
name = "Glide"
reps = 2
hold = 1
"""

HOOK = """\
import os, sys, time
t = time.time()
e = os.environ
with open(sys.argv[1], "a") as f:
    kind, length, program = (e[f"COACH_BREAK_{n}"] for n in ("KIND", "LENGTH", "PROGRAM"))
    f.write(f"{t!r} {kind} {length} [{program}]\\n")
"""

PROBE = """\
from coach.breaks.idle import find_idle_probe
probe = find_idle_probe()
print(probe.name if probe else "")
"""


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


# --------------------------------------------------------------------------- /proc


def check_linux() -> None:
    """Stop with a clear message where /proc is not what this script reads."""
    needed = ("/proc/self/stat", "/proc/self/status")
    if not sys.platform.startswith("linux") or not all(os.path.exists(p) for p in needed):
        raise SystemExit(
            "bench/remind.py reads CPU time and memory from /proc/PID/stat and "
            "/proc/PID/status, so it runs on Linux only"
        )


def cpu_ticks(pid: int) -> int:
    """utime + stime of the whole process, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cpu_ns(pid: int) -> int | None:
    """Nanoseconds on the CPU, all threads (schedstat); None where the kernel has no schedstat."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total


def switches(pid: int) -> int:
    """Context switches of all threads, voluntary and not: how often it woke up."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if "ctxt_switches:" in line:
                total += int(line.split()[1])
    return total


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM from /proc/PID/status."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


# --------------------------------------------------------------------------- children


@dataclass
class Child:
    """A process this script started, its own session (so its hooks go with it)."""

    label: str
    process: subprocess.Popen[bytes]
    output: Path
    errors: Path
    started: float

    @property
    def pid(self) -> int:
        return self.process.pid

    def events(self) -> list[dict[str, Any]]:
        """The JSON lines it has written so far (a last, unfinished line is left out)."""
        text = self.output.read_text(errors="replace")
        lines = text.split("\n")[:-1]
        return [json.loads(line) for line in lines if line.startswith("{")]

    def lines(self) -> list[str]:
        return self.output.read_text(errors="replace").split("\n")[:-1]

    def why_not(self, waiting_for: str) -> BenchError:
        """An error that says what the child said."""
        said = self.errors.read_text(errors="replace").strip()
        code = self.process.poll()
        state = "still running" if code is None else f"exited with {code}"
        return BenchError(
            f"{self.label}: no {waiting_for} ({state})" + (f":\n{said}" if said else "")
        )


@dataclass
class Children:
    """Every process started, so that they all end whatever happens."""

    folder: Path
    env: dict[str, str]
    running: list[Child] = field(default_factory=list)

    def start(self, label: str, argv: list[str], **extra_env: str) -> Child:
        # Files, not pipes: an unread pipe fills up and would block the writer.
        name = "".join(c if c.isalnum() else "-" for c in label)
        output = self.folder / f"{name}-{len(self.running)}.out"
        errors = output.with_suffix(".err")
        with output.open("wb") as out, errors.open("wb") as err:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env={**self.env, **extra_env},
                start_new_session=True,
            )
        child = Child(label, process, output, errors, time.perf_counter())
        self.running.append(child)
        return child

    def stop(self, child: Child, *, timeout: float = 10.0) -> int:
        """SIGTERM (which `coach remind` handles), then SIGKILL to its whole group."""
        if child.process.poll() is None:
            with _gone():
                os.killpg(child.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=timeout)
        with _gone():
            os.killpg(child.pid, signal.SIGKILL)  # and anything it left behind
        code = child.process.wait()
        if child in self.running:
            self.running.remove(child)
        return code

    def stop_all(self) -> None:
        for child in list(self.running):
            self.stop(child, timeout=3.0)


def _gone() -> suppress:
    """Signals to a process that has already gone are fine."""
    return suppress(ProcessLookupError)


def wait_for(child: Child, what: str, timeout: float, test: Any) -> float:
    """Poll the child's output until ``test(child)`` is true; the seconds since it started."""
    deadline = time.perf_counter() + timeout
    while True:
        if test(child):
            return time.perf_counter() - child.started
        if child.process.poll() is not None and not test(child):
            raise child.why_not(what)
        if time.perf_counter() > deadline:
            raise child.why_not(what)
        time.sleep(0.02)


def has_event(event: str, count: int = 1) -> Any:
    return lambda child: sum(e["event"] == event for e in child.events()) >= count


def has_line(text: str) -> Any:
    return lambda child: text in child.lines()


def pause(children: Children, env: dict[str, str], length: str) -> None:
    """``coach pause LENGTH`` on the history ``env`` names."""
    subprocess.run(
        [sys.executable, "-m", "coach", "pause", length],
        env={**children.env, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def remind_argv(*extra: str) -> list[str]:
    return [sys.executable, "-m", "coach", "remind", "--json", "--no-notify", "--no-bell", *extra]


def base_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "PYTHONPYCACHEPREFIX": str(work / "pycache"),
            "COACH_CONFIG_FILE": str(work / "no-config.toml"),
        }
    )
    return env


def data_env(work: Path, name: str) -> dict[str, str]:
    """An empty history folder of its own: one `coach remind` per history."""
    folder = work / f"data-{name}"
    folder.mkdir()
    return {"COACH_DATA_DIR": str(folder)}


# --------------------------------------------------------------------------- X and idle


@contextmanager
def private_x() -> Iterator[dict[str, str] | None]:
    """A private Xvfb display for the idle probe, as environment variables; None without Xvfb."""
    if shutil.which("Xvfb") is None:
        yield None
        return
    read, write = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "640x480x24"],
        pass_fds=(write,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise BenchError("Xvfb did not start")
        yield {"DISPLAY": f":{number}", "WAYLAND_DISPLAY": "", "XDG_SESSION_TYPE": "x11"}
    finally:
        with _gone():
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def idle_probe(env: dict[str, str]) -> str:
    """The name of the idle probe `coach remind` would use with ``env``, or ""."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else ""


# --------------------------------------------------------------------------- measures


@dataclass
class Cost:
    """What one waiting process used over the measured span."""

    label: str
    ticks: int
    cpu_ns: int | None
    switches: int
    wall: float
    rss: float
    hwm: float
    startup: float | None = None

    @property
    def cpu_seconds(self) -> float:
        return self.ticks / os.sysconf("SC_CLK_TCK")

    @property
    def share(self) -> float:
        """Of one core, from the clock ticks."""
        return self.cpu_seconds / self.wall

    @property
    def ns_share(self) -> float | None:
        """Of one core, from the schedstat nanoseconds (finer than ticks); None without."""
        return None if self.cpu_ns is None else self.cpu_ns / (self.wall * 1e9)

    @property
    def best_share(self) -> float:
        """The finest share of a core there is: from nanoseconds, else from ticks."""
        share = self.ns_share
        return self.share if share is None else share

    @property
    def per_minute(self) -> float:
        """Wake-ups (context switches) per minute."""
        return self.switches / (self.wall / 60)


def measure_waiting(
    children: Children, work: Path, minutes: float, settle: float, x_env: dict[str, str] | None
) -> tuple[list[Cost], str]:
    """Part 1: the daemons and the bare processes side by side (see the module docstring)."""
    sleep = round(minutes * 60 + settle + 120)
    started: list[tuple[Child, bool]] = []
    quiet = {**LONG_TIMERS, "COACH_BREAKS__IDLE_DETECTION": "false"}
    daemon = children.start(
        "`coach remind`, idle detection off", remind_argv(), **quiet, **data_env(work, "off")
    )
    started.append((daemon, True))
    paused = data_env(work, "paused")
    pause(children, {**quiet, **HOURS, **paused}, "12h")
    started.append(
        (
            children.start(
                "`coach remind`, hours and a pause set, idle detection off",
                remind_argv(),
                **quiet,
                **HOURS,
                **paused,
            ),
            True,
        )
    )
    probe = idle_probe({**children.env, **(x_env or {})})
    if probe:
        started.append(
            (
                children.start(
                    f"`coach remind`, idle detection on ({probe})",
                    remind_argv(),
                    **LONG_TIMERS,
                    **(x_env or {}),
                    **data_env(work, "on"),
                ),
                True,
            )
        )
        paused_on = data_env(work, "paused-on")
        pause(children, {**LONG_TIMERS, **HOURS, **paused_on}, "12h")
        started.append(
            (
                children.start(
                    f"`coach remind`, hours and a pause set, idle detection on ({probe})",
                    remind_argv(),
                    **LONG_TIMERS,
                    **HOURS,
                    **(x_env or {}),
                    **paused_on,
                ),
                True,
            )
        )
    for label, code in (
        ('`python -c "import time; time.sleep(N)"`', "import time"),
        (
            '`python -c "import asyncio, sqlite3, time; time.sleep(N)"`',
            "import asyncio, sqlite3, time",
        ),
    ):
        argv = [sys.executable, "-c", f"{code}; print('ready', flush=True); time.sleep({sleep})"]
        started.append((children.start(label, argv), False))
    startups: dict[str, float] = {}
    for child, is_daemon in started:
        test = has_event("waiting") if is_daemon else has_line("ready")
        elapsed = wait_for(child, "first line", 60, test)
        if is_daemon:
            startups[child.label] = elapsed
    time.sleep(settle)
    before = {
        child.label: (cpu_ticks(child.pid), cpu_ns(child.pid), switches(child.pid))
        for child, _ in started
    }
    wall_start = time.perf_counter()
    print(
        f"  measuring {len(started)} waiting processes for {minutes:g} min...",
        file=sys.stderr,
        flush=True,
    )
    time.sleep(minutes * 60)
    wall = time.perf_counter() - wall_start
    costs = []
    for child, is_daemon in started:
        if child.process.poll() is not None:
            raise child.why_not("life to the end of the measure")
        ticks0, ns0, switches0 = before[child.label]
        ns1 = cpu_ns(child.pid)
        memory = memory_mib(child.pid)
        costs.append(
            Cost(
                child.label,
                cpu_ticks(child.pid) - ticks0,
                None if ns0 is None or ns1 is None else ns1 - ns0,
                switches(child.pid) - switches0,
                wall,
                memory["VmRSS"],
                memory["VmHWM"],
                startups.get(child.label),
            )
        )
        if is_daemon:
            events = {e["event"] for e in child.events()}
            # Nobody types on a private X server: idle long enough is a natural break.
            allowed = {"waiting", "paused", "natural"}
            if not events <= allowed or "waiting" not in events:
                raise BenchError(f"{child.label}: said more than it should while waiting: {events}")
    for child, _ in started:
        children.stop(child)
    return costs, probe


@dataclass
class Lateness:
    """Lateness of each break and of each hook's start, in milliseconds."""

    label: str
    breaks: list[float]
    hooks: list[float]
    period: float
    """Median seconds from one break to the next (every + length = 3 s)."""
    warnings: list[float] = field(default_factory=list)
    """Of each warning, against its break's due_at minus the warning."""
    overs: list[float] = field(default_factory=list)
    """Of each break_over, against its break's "at" plus the length (1 s)."""
    sessions: list[float] = field(default_factory=list)
    """Of each session_due, against its whole minute (a separate run)."""


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def measure_lateness(children: Children, work: Path, label: str, breaks: int) -> Lateness:
    """Part 2: one daemon with 2-second micro-breaks, until ``breaks`` have fired."""
    name = "".join(c for c in label if c.isalnum())
    hook_file = work / f"hook-{name}.txt"
    hook = shlex.join([sys.executable, "-S", "-c", HOOK, str(hook_file)])
    child = children.start(
        label, remind_argv("--exec", hook), **SHORT_TIMERS, **data_env(work, name)
    )
    wait_for(child, f"{breaks} breaks", breaks * 3 + 60, has_event("break", breaks))
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:
        if hook_file.exists() and len(hook_file.read_text().splitlines()) >= breaks:
            break
        time.sleep(0.05)
    code = children.stop(child)
    events = child.events()
    if code != 0 or not events or events[-1]["event"] != "stopped":
        raise child.why_not("clean stop on SIGTERM (exit 0 and a 'stopped' line)")
    silent = sorted({e["event"] for e in events if not isinstance(e.get("message"), str)})
    if silent:
        raise BenchError(f"{label}: JSON lines without a 'message': {silent}")
    late: list[float] = []
    dues: list[float] = []
    moments: list[float] = []
    warnings: list[float] = []
    overs: list[float] = []
    due_at: float | None = None
    for event in events:
        if event["event"] == "waiting":
            due_at = _stamp(event["due_at"])
        elif event["event"] == "warning" and due_at is not None:
            warnings.append((_stamp(event["at"]) - (due_at - WARNING)) * 1000)
        elif event["event"] == "break_over" and moments:
            overs.append((_stamp(event["at"]) - (moments[-1] + 1.0)) * 1000)
        elif event["event"] == "break":
            if due_at is None:
                raise BenchError(f"{label}: a break before any 'waiting' line")
            moments.append(_stamp(event["at"]))
            dues.append(due_at)
            late.append((moments[-1] - due_at) * 1000)
            due_at = None
    hooks = []
    lines = hook_file.read_text().splitlines() if hook_file.exists() else []
    for line, due in zip(sorted(lines, key=lambda t: float(t.split()[0])), dues, strict=False):
        started, kind, length, program = line.split()
        if (kind, length, program) != ("micro", "1", "[]"):
            raise BenchError(f"{label}: the hook was given {kind} {length} {program}")
        hooks.append((float(started) - due) * 1000)
    if len(hooks) < len(late):
        raise BenchError(f"{label}: {len(late)} breaks but {len(hooks)} hooks ran")
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    if len(warnings) < breaks - 1 or len(overs) < breaks - 1:
        raise BenchError(f"{label}: {len(warnings)} warnings, {len(overs)} break_over lines")
    result = Lateness(label, late[:breaks], hooks[:breaks], statistics.median(gaps))
    result.warnings, result.overs = warnings, overs
    result.sessions = measure_session_due(children, work, label)
    return result


def measure_session_due(
    children: Children, work: Path, label: str, programs: int = 3
) -> list[float]:
    """``session_due`` lateness: ``programs`` programs due at the next whole minute.

    The reminder runs in a time zone a few seconds off UTC (POSIX TZ offsets
    take seconds), so that its next whole minute is about 4 s away.
    """
    name = "".join(c for c in label if c.isalnum())
    now = time.time()
    shift = int(56 - now % 60) % 60
    local = time.gmtime(now + shift + 60)
    due = f"{local.tm_hour:02d}:{local.tm_min:02d}"
    folder = work / f"programs-{name}"
    folder.mkdir()
    for n in range(programs):
        text = PRESCRIBED.format(n=n, time=due)
        (folder / f"timed-{n}.toml").write_text(text, encoding="utf-8")
    child = children.start(
        f"{label}, session_due",
        remind_argv(),
        **LONG_TIMERS,
        COACH_BREAKS__IDLE_DETECTION="false",
        COACH_PROGRAMS_PATH=str(folder),
        TZ=f"BEN-00:00:{shift:02d}",
        **data_env(work, f"sessions-{name}"),
    )
    wait_for(child, f"{programs} session_due", 90, has_event("session_due", programs))
    children.stop(child)
    minute = (now + shift + 60) // 60 * 60 - shift  # the whole local minute, in UTC seconds
    return [
        (_stamp(e["at"]) - minute) * 1000 for e in child.events() if e["event"] == "session_due"
    ]


def summary(samples: list[float]) -> tuple[float, float, float]:
    """Median, p95 (nearest rank) and max."""
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
    return statistics.median(ordered), p95, ordered[-1]


# --------------------------------------------------------------------------- main


def warm_up(children: Children, work: Path, x_env: dict[str, str] | None) -> None:
    """One untimed run of everything, so the bytecode cache is written before anything is timed.

    Idle detection stays off here: on a private X server nobody types, so
    every break would count as taken naturally and ``--once`` would never end.
    :func:`idle_probe` imports the probe's modules instead.
    """
    hook = shlex.join([sys.executable, "-S", "-c", "pass"])
    child = children.start(
        "warm-up", remind_argv("--once", "--exec", hook), **SHORT_TIMERS, **data_env(work, "warm")
    )
    wait_for(child, "stopped line", 60, has_event("stopped"))
    code = _exit_code(child)
    children.stop(child)
    if code != 0:
        raise child.why_not(f"exit 0 after --once's break (exit {code})")
    idle_probe({**children.env, **(x_env or {})})
    subprocess.run(
        [sys.executable, "-c", "import asyncio, sqlite3, time"], env=children.env, check=True
    )
    check_once_stopped(children, work)


def _exit_code(child: Child, timeout: float = 10.0) -> int | None:
    """Its exit status once it has exited by itself; None if it is still running."""
    with suppress(subprocess.TimeoutExpired):
        return child.process.wait(timeout=timeout)
    return None


def check_once_stopped(children: Children, work: Path) -> None:
    """Part 3: ``--once`` stopped before its break exits 128 + the signal (see the docstring)."""
    quiet = {**LONG_TIMERS, "COACH_BREAKS__IDLE_DETECTION": "false"}
    for signum, expected in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        name = signal.Signals(signum).name
        child = children.start(
            f"--once stopped by {name}",
            remind_argv("--once"),
            **quiet,
            **data_env(work, f"once-{name}"),
        )
        wait_for(child, "first 'waiting' line", 60, has_event("waiting"))
        with _gone():
            os.killpg(child.pid, signum)
        code = _exit_code(child)
        children.stop(child)
        events = [e["event"] for e in child.events()]
        if code != expected or events[-1:] != ["stopped"]:
            raise child.why_not(
                f"exit {expected} and a 'stopped' line (exit {code}, events {events})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=1.0, help="how long to watch it wait")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds after start-up")
    parser.add_argument("--breaks", type=int, default=20, help="breaks per lateness run")
    parser.add_argument(
        "--xvfb",
        action="store_true",
        help="start a private Xvfb for the idle-detection run (when no probe is found without)",
    )
    parser.add_argument("--no-busy", action="store_true", help="skip the one-core-busy run")
    args = parser.parse_args()
    check_linux()
    if not 0 < args.minutes <= MAX_MINUTES or args.breaks < 2:
        parser.error(
            f"--minutes must be more than 0 and at most {MAX_MINUTES}, --breaks at least 2"
        )

    work = Path(tempfile.mkdtemp(prefix="coach-bench-remind-"))
    children = Children(work, base_env(work))
    burner: subprocess.Popen[bytes] | None = None
    try:
        with _maybe_x(children, args.xvfb) as x_env:
            print("warm-up (bytecode)...", file=sys.stderr, flush=True)
            warm_up(children, work, x_env)
            print("waiting cost...", file=sys.stderr, flush=True)
            costs, probe = measure_waiting(children, work, args.minutes, args.settle, x_env)
        print(f"lateness, {args.breaks} breaks, quiet machine...", file=sys.stderr, flush=True)
        runs = [measure_lateness(children, work, "quiet machine", args.breaks)]
        if not args.no_busy:
            print("lateness, one core busy...", file=sys.stderr, flush=True)
            burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            runs.append(measure_lateness(children, work, "one core busy", args.breaks))
    except BenchError as error:
        raise SystemExit(f"bench/remind.py: {error}") from None
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()
        children.stop_all()
        shutil.rmtree(work, ignore_errors=True)

    report(costs, probe, runs, args)


@contextmanager
def _maybe_x(children: Children, wanted: bool) -> Iterator[dict[str, str] | None]:
    if not wanted or idle_probe(children.env):
        yield None
        return
    with private_x() as x_env:
        if x_env is None:
            print("--xvfb: no Xvfb on PATH; no idle-detection run", file=sys.stderr)
        yield x_env


def report(costs: list[Cost], probe: str, runs: list[Lateness], args: argparse.Namespace) -> None:
    tick = 1 / os.sysconf("SC_CLK_TCK")
    wall = costs[0].wall
    print(
        f"While waiting: {wall:.0f} s measured, from {args.settle:g} s after each was up "
        f"(1 clock tick = {tick * 1000:.0f} ms = {tick / wall:.4%} of a core over this span; "
        "the share of a core from schedstat is the finer figure):\n"
    )
    print(
        "| process | start-up | CPU ticks | share (ticks) | CPU (schedstat) | share (schedstat) "
        "| wake-ups | per minute | VmRSS | VmHWM |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for cost in costs:
        startup = "" if cost.startup is None else f"{cost.startup * 1000:.0f} ms"
        ns = "n/a" if cost.cpu_ns is None else f"{cost.cpu_ns / 1e3:.0f} µs"
        ns_share = "n/a" if cost.ns_share is None else f"{cost.ns_share:.5%}"
        print(
            f"| {cost.label} | {startup} | {cost.ticks} | {cost.share:.4%} | {ns} | {ns_share} "
            f"| {cost.switches} | {cost.per_minute:.1f} | {cost.rss:.1f} MiB "
            f"| {cost.hwm:.1f} MiB |"
        )
    if not probe:
        print(
            "\nNo idle probe on this machine (no X11 display, logind idle hint, ...): "
            "no run with idle detection on (--xvfb starts a private X server for one)."
        )
    bare_sleep, bare_asyncio = costs[-2], costs[-1]
    daemons = costs[:-2]
    print()
    for cost in daemons:
        extra_ns = (
            ""
            if cost.cpu_ns is None or bare_sleep.cpu_ns is None
            else f" ({(cost.cpu_ns - bare_sleep.cpu_ns) / 1e3:+.0f} µs on the CPU)"
        )
        print(
            f"- {cost.label}: {cost.ticks - bare_sleep.ticks:+d} ticks{extra_ns} and "
            f"{cost.switches - bare_sleep.switches:+d} wake-ups against the bare sleep "
            f"({cost.per_minute:.1f} a minute: a step of its wait, HEARTBEAT in "
            "coach/breaks/remind.py, is one or two); "
            f"{cost.rss - bare_asyncio.rss:+.1f} MiB resident against a bare Python with "
            f"asyncio and sqlite3 ({cost.rss / bare_asyncio.rss:.2f}x)"
        )

    print(
        f"\nHow late the reminders came, {args.breaks} micro-breaks every 2 s of 1 s "
        "(against the due_at of the 'waiting' line before each):\n"
    )
    print("| run | breaks | median | p95 | max | hook median | hook p95 | hook max | period |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        b, h = summary(run.breaks), summary(run.hooks)
        print(
            f"| {run.label} | {len(run.breaks)} | {b[0]:.0f} ms | {b[1]:.0f} ms | {b[2]:.0f} ms "
            f"| {h[0]:.1f} ms | {h[1]:.1f} ms | {h[2]:.1f} ms | {run.period:.3f} s |"
        )
    print(
        f"\nWarnings ({WARNING:g} s before each break), break_over lines (1 s after each "
        "break) and session_due lines (programs due at one whole minute, a run of their own):\n"
    )
    print("| run | line | count | median | p95 | max |")
    print("|---|---|---:|---:|---:|---:|")
    for run in runs:
        for name, samples in (
            ("warning", run.warnings),
            ("break_over", run.overs),
            ("session_due", run.sessions),
        ):
            m = summary(samples)
            print(
                f"| {run.label} | {name} | {len(samples)} | {m[0]:.1f} ms | {m[1]:.1f} ms "
                f"| {m[2]:.1f} ms |"
            )

    print("\nTargets:")
    for cost in daemons:
        ok = cost.best_share <= TARGET_CORE_SHARE
        source = "ticks" if cost.ns_share is None else "schedstat"
        print(
            f"- CPU <= 0.01% of a core, {cost.label}: {cost.best_share:.5%} ({source}; "
            f"{cost.ticks} ticks = {cost.share:.4%}) {_verdict(ok)}"
        )
    for cost in daemons:
        ok = cost.hwm <= TARGET_MIB
        print(f"- memory <= 30 MiB, {cost.label}: VmHWM {cost.hwm:.1f} MiB {_verdict(ok)}")
    for run in runs:
        worst = max(max(run.breaks), max(run.hooks))
        ok = worst <= TARGET_LATE_MS
        print(
            f"- within 1 s of due, {run.label}: worst {worst:.0f} ms (hook included) {_verdict(ok)}"
        )
    for run in runs:
        worst = max([*run.breaks, *run.warnings, *run.sessions])
        ok = worst <= TARGET_TOLD_MS
        print(
            f"- each break, warning and session_due within 50 ms, {run.label}: "
            f"worst {worst:.0f} ms {_verdict(ok)}"
        )


def _verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


if __name__ == "__main__":
    main()
