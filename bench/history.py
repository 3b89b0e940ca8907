"""History at scale: `coach status` against a bare Textual app, progress queries, export, import.

Builds (once; reused from --db-dir until --rebuild) a synthetic history of 20
years at 8 sessions a day (58,400 sessions, about 400,000 exercise rows) through
the real store (`HistoryStore.merge`, 5,000 sessions per call), with a fixed
seed, then measures:

- fresh processes, interleaved so machine noise hits all of them alike:
  `coach status --json` with stdout to a pipe and in a pseudo-terminal, a bare
  Textual app that starts and exits (in a pseudo-terminal), and `python -c pass`
  (pipe and pseudo-terminal) as the baseline;
- in one process: `store.progress()` over the whole history and over 90 days,
  `store.sessions()` over 30 days, and `collect_status()`;
- `coach export FILE` (a few fresh processes) and `coach import FILE` into an
  empty data folder (once), with the file size and peak memory;
- what `python -X importtime -m coach status --json` imports (no Textual, Rich
  or pydantic allowed) and its largest imports.

Child processes get no COACH_* variables but COACH_DATA_DIR (the synthetic
history) and a COACH_CONFIG_FILE that does not exist, TERM=xterm-256color, and
their bytecode cached under --db-dir (PYTHONPYCACHEPREFIX; PYTHONDONTWRITEBYTECODE
is dropped), as an installed coach has it; one untimed run of each writes it.

It ends with Markdown tables ready to paste and each target with pass or fail.
Usage: python bench/history.py [--runs 15] [--export-runs 3] [--db-dir DIR] [--rebuild]
(the whole run takes about 2 minutes; the history is built once, in about 10 s, then reused)
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import pty
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from coach.history.calendar import local_day
from coach.history.records import ExerciseRecord, SessionRecord
from coach.history.schema import SCHEMA_VERSION
from coach.history.store import DB_NAME, HistoryStore
from coach.status import HistorySettings, collect_status

SEED = 20261121
YEARS = 20
PER_DAY = 8
BATCH = 5_000
NAMESPACE = uuid.UUID("5b0e1c8e-2f0a-4d59-9a57-6f1d1a3b7c21")
MARKER = "bench-history.json"

TARGETS_MS = {"status": 100.0, "progress": 200.0, "export": 3000.0}
TARGET_RATIO = 0.5
FORBIDDEN = ("textual", "rich", "pydantic", "pydantic_core", "pydantic_settings")

BARE_TEXTUAL = """\
from textual.app import App


class Bare(App):
    def on_mount(self) -> None:
        self.exit()


Bare().run()
"""

# Exercise ids as the bundled programs use them; each synthetic program takes some.
EXERCISES = (
    "wrist-circles",
    "ball-squeeze",
    "palm-on-desk-stretch",
    "neck-turns",
    "ear-to-shoulder-tilts",
    "neck-down-and-up",
    "neck-side-to-side",
    "heat-before",
    "median-nerve-glide",
    "ice-after",
    "finger-flex-stretch",
    "wrist-extension-stretch",
    "wrist-flexion-stretch",
    "wrist-over-table-edge",
    "grip-squeeze",
    "wrist-flexion-curl",
    "wrist-extension-lift",
    "shoulder-shrugs",
)


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    exercises: int
    per_day: int | None = None
    per_week: int | None = None
    stop_above: int | None = None


# 3 to 10 exercises, chosen evenly: 6.86 exercise rows per session on average.
PROGRAMS = (
    Program("typist-micro-break", "Typist micro-break", 3),
    Program("neck-range-of-motion", "Neck range of motion", 5),
    Program("median-nerve-glide", "Median nerve glide with heat and ice", 6, 1, None, 5),
    Program("wrist-forearm-stretches", "Wrist and forearm stretches", 7, per_day=2),
    Program("musician-practice-break", "Musician's practice break", 8),
    Program("musician-warm-up", "Musician's warm-up", 9, per_week=5),
    Program("hand-wrist-strength", "Hand and wrist strength", 10, None, 3, 5),
)

STOP_REASONS = ("user", "user", "user", "SIGINT", "abandoned")

NOTES = (
    "Left wrist a bit stiff this morning.",
    "Did it standing at the piano.",
    "Tingling in two fingers after, gone in ten minutes.",
    "Skipped the ice, none in the freezer.",
    "Much easier than last week.",
)


def _progress(text: str, *, last: bool = False) -> None:
    """A progress line on stderr: rewritten in place on a terminal, one per call elsewhere."""
    if sys.stderr.isatty():
        print(f"\r\033[K{text}", end="\n" if last else "", file=sys.stderr, flush=True)
    else:
        print(text, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the history


@dataclass(frozen=True)
class Plan:
    """What one program's exercises ask: (id, name, sets, reps per set or 0 for a hold)."""

    program: Program
    exercises: tuple[tuple[str, str, int, int, float], ...]
    sha256: str


def _plans(rng: random.Random) -> list[Plan]:
    plans = []
    for program in PROGRAMS:
        chosen = rng.sample(EXERCISES, program.exercises)
        exercises = tuple(
            (
                exercise,
                exercise.replace("-", " ").capitalize(),
                rng.choice((1, 2, 3)),
                rng.choice((0, 5, 8, 10)),
                rng.uniform(10.0, 40.0),
            )
            for exercise in chosen
        )
        digest = hashlib.sha256(program.id.encode()).hexdigest()
        plans.append(Plan(program, exercises, digest))
    return plans


def _utc_offset(day: date) -> int:
    """Central European time, roughly: summer time from April to October."""
    return 7200 if 4 <= day.month <= 10 else 3600


def generate(first_day: date, days: int, seed: int) -> Iterator[SessionRecord]:
    """Every session, oldest first; the same records for the same seed and days."""
    rng = random.Random(seed)
    plans = _plans(rng)
    number = 0
    for offset_days in range(days):
        day = first_day + timedelta(days=offset_days)
        offset = _utc_offset(day)
        zone_midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(
            seconds=offset
        )
        for slot in range(PER_DAY):
            # Spread over the waking day: 07:30 to about 21:00, with some jitter.
            minutes = 7 * 60 + 30 + slot * 110 + rng.randint(0, 25)
            started = zone_midnight + timedelta(minutes=minutes, seconds=rng.randint(0, 59))
            plan = rng.choice(plans)
            yield _session(rng, plan, number, day, started, offset)
            number += 1


def _session(
    rng: random.Random, plan: Plan, number: int, day: date, started: datetime, offset: int
) -> SessionRecord:
    program = plan.program
    partial = rng.random() < 0.07
    count = len(plan.exercises)
    done = rng.randint(0, count - 1) if partial else count
    exercises = []
    active = 0.0
    planned = 0.0
    for position, (exercise, name, sets, reps, seconds) in enumerate(plan.exercises):
        planned += seconds * sets
        finished = position < done
        if finished:
            active += seconds * sets * rng.uniform(0.97, 1.03)
        exercises.append(
            ExerciseRecord(
                exercise=exercise,
                name=name,
                position=position,
                completed=finished,
                sets_done=sets if finished else 0,
                sets_planned=sets,
                reps_done=sets * reps if finished else 0,
                reps_planned=sets * reps,
                skipped_steps=1 if finished and rng.random() < 0.03 else 0,
            )
        )
    ended = started + timedelta(seconds=active + rng.uniform(0, 40))
    checkin = program.stop_above is not None and rng.random() < 0.85
    pain_before = rng.randint(0, 6) if checkin else None
    pain_after = (
        None if pain_before is None else max(0, min(10, pain_before + rng.choice((-1, 0, 0, 1))))
    )
    return SessionRecord(
        id=str(uuid.uuid5(NAMESPACE, f"{SEED}-{number}")),
        program=program.id,
        title=program.title,
        started_at=started,
        utc_offset=offset,
        local_date=day,
        status="partial" if partial else "completed",
        ended_at=ended,
        active_seconds=active,
        planned_seconds=planned,
        skipped_steps=sum(exercise.skipped_steps for exercise in exercises),
        stop_reason=rng.choice(STOP_REASONS) if partial else None,
        program_version="1",
        program_sha256=plan.sha256,
        per_day=program.per_day,
        per_week=program.per_week,
        stop_above=program.stop_above,
        pain_before=pain_before,
        pain_after=pain_after,
        note=rng.choice(NOTES) if rng.random() < 0.01 else "",
        exercises=exercises,
        updated_at=ended,
        host="bench-host",
        pid=4242,
    )


def _batches(records: Iterable[SessionRecord], size: int) -> Iterator[list[SessionRecord]]:
    batch: list[SessionRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _wanted(days: int) -> dict[str, Any]:
    return {"seed": SEED, "days": days, "per_day": PER_DAY, "schema": SCHEMA_VERSION}


def ensure_history(folder: Path, rebuild: bool) -> dict[str, Any]:
    """The synthetic history in ``folder``: reused when it matches, else built."""
    days = YEARS * 365
    marker = folder / MARKER
    wanted = _wanted(days)
    if not rebuild and marker.exists() and (folder / DB_NAME).exists():
        info: dict[str, Any] = json.loads(marker.read_text())
        if {key: info.get(key) for key in wanted} == wanted:
            print(f"reusing the history in {folder} (--rebuild to build it again)", file=sys.stderr)
            return info
    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", MARKER):
        (folder / name).unlink(missing_ok=True)
    for name in ("running", "unsaved"):
        shutil.rmtree(folder / name, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)

    # The history ends yesterday, so "the last 30 days" holds 30 full days.
    last_day = local_day(datetime.now(UTC)) - timedelta(days=1)
    first_day = last_day - timedelta(days=days - 1)
    total = days * PER_DAY
    print(
        f"building {total:,} sessions ({first_day} to {last_day}) in {folder}...",
        file=sys.stderr,
        flush=True,
    )
    start = time.perf_counter()
    added = 0
    exercises = 0
    with HistoryStore(folder / DB_NAME) as store:
        for batch in _batches(generate(first_day, days, SEED), BATCH):
            added += store.merge(batch).added
            exercises += sum(len(record.exercises) for record in batch)
            elapsed = time.perf_counter() - start
            left = elapsed / added * (total - added)
            _progress(
                f"  {added:,} / {total:,} sessions ({added / total:.0%}), "
                f"{elapsed:.0f} s, about {left:.0f} s left",
                last=added == total,
            )
    info = {
        **wanted,
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "sessions": added,
        "exercises": exercises,
        "build_seconds": round(time.perf_counter() - start, 1),
        "db_bytes": (folder / DB_NAME).stat().st_size,
    }
    marker.write_text(json.dumps(info, indent=1) + "\n")
    return info


# --------------------------------------------------------------------------- fresh processes


def _check(name: str, code: int, output: bytes) -> None:
    if code != 0:
        tail = output[-2000:].decode(errors="replace")
        raise SystemExit(f"{name}: exit status {code}\n{tail}")


def run_pipe(name: str, argv: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    """Wall time of ``argv`` with stdout and stderr to pipes."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    elapsed = time.perf_counter() - start
    _check(name, done.returncode, done.stdout + done.stderr)
    return elapsed, done.stdout


def run_pty(
    name: str, argv: list[str], env: dict[str, str], size: tuple[int, int] = (40, 120)
) -> tuple[float, bytes]:
    """Wall time of ``argv`` in a new pseudo-terminal of ``size`` (rows, columns).

    The child is the session leader with the terminal as stdin, stdout and
    stderr, as in a terminal emulator; everything it writes is read as it comes.
    """
    winsize = struct.pack("HHHH", size[0], size[1], 0, 0)
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, winsize)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child and its children closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    os.close(fd)
    output = b"".join(chunks)
    _check(name, os.waitstatus_to_exitcode(status), output)
    return elapsed, output


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time (s), peak memory (MiB, the kernel's ru_maxrss) and stderr of one run."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        text = errors.read()
    _check(" ".join(argv[2:]), process.returncode, text)
    return elapsed, usage.ru_maxrss / 1024, text.decode(errors="replace").strip()


def fresh_processes(env: dict[str, str], runs: int) -> dict[str, list[float]]:
    python = sys.executable
    status = [python, "-m", "coach", "status", "--json"]
    commands: dict[str, Callable[[], tuple[float, bytes]]] = {
        "python -c pass (pipe)": lambda: run_pipe("python", [python, "-c", "pass"], env),
        "python -c pass (pty)": lambda: run_pty("python", [python, "-c", "pass"], env),
        "coach status --json (pipe)": lambda: run_pipe("status", status, env),
        "coach status --json (pty)": lambda: run_pty("status", status, env),
        "bare Textual app (pty)": lambda: run_pty("textual", [python, "-c", BARE_TEXTUAL], env),
    }
    _, out = commands["coach status --json (pipe)"]()
    shown = json.loads(out)
    _, out = commands["coach status --json (pty)"]()
    if json.loads(out.replace(b"\r\n", b"\n")) != shown:
        raise SystemExit("coach status --json printed different things to a pipe and a pty")
    print(f"coach status --json: {json.dumps(shown)}", file=sys.stderr)
    for run in commands.values():  # warm the disk cache and the bytecode once
        run()
    names = list(commands)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(runs):
        # Interleaved, and a different one first each round.
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(commands[name]()[0])
        _progress(f"  round {round_number + 1}/{runs}", last=round_number + 1 == runs)
    return times


# --------------------------------------------------------------------------- in-process


def in_process(folder: Path, runs: int) -> dict[str, tuple[list[float], str]]:
    today = local_day(datetime.now(UTC))
    prefs = HistorySettings(data_dir=folder)
    results: dict[str, tuple[list[float], str]] = {}
    with HistoryStore(folder / DB_NAME, create=False) as store:
        calls: dict[str, Callable[[], Any]] = {
            "store.progress()": lambda: store.progress(),
            "store.progress(since=90 days ago)": lambda: store.progress(
                since=today - timedelta(days=90)
            ),
            "store.sessions(since=30 days ago)": lambda: store.sessions(
                since=today - timedelta(days=30)
            ),
            "collect_status(prefs)": lambda: collect_status(prefs),
        }
        for name, call in calls.items():
            result = call()  # once to warm up, and to describe the result
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                call()
                samples.append(time.perf_counter() - start)
            results[name] = (samples, _describe(result))
            print(f"  {name}: {statistics.median(samples) * 1000:.1f} ms", file=sys.stderr)
    return results


def _describe(result: Any) -> str:
    if isinstance(result, list):
        rows = sum(len(record.exercises) for record in result)
        return f"{len(result):,} sessions, {rows:,} exercise rows"
    if isinstance(result, dict):
        return f"streak {result['current_streak']:,} days"
    if hasattr(result, "current_streak"):  # collect_status's Status
        return f"streak {result.current_streak:,} days"
    return (
        f"{len(result.days):,} days, {len(result.programs)} programs, "
        f"{len(result.exercises)} exercises, {len(result.pain):,} check-ins"
    )


# --------------------------------------------------------------------------- export and import


def export_import(env: dict[str, str], runs: int) -> dict[str, Any]:
    python = sys.executable
    scratch = Path(tempfile.mkdtemp(prefix="coach-bench-export-"))
    try:
        target = scratch / "history.json"
        export_runs = []
        for number in range(runs):
            export_runs.append(run_measured([python, "-m", "coach", "export", str(target)], env))
            print(f"  export {number + 1}/{runs}: {export_runs[-1][0]:.2f} s", file=sys.stderr)
        size = target.stat().st_size
        empty = scratch / "empty"
        empty.mkdir()
        imported = run_measured(
            [python, "-m", "coach", "import", str(target)], {**env, "COACH_DATA_DIR": str(empty)}
        )
        print(f"  import: {imported[0]:.2f} s ({imported[2]})", file=sys.stderr)
        with HistoryStore(empty / DB_NAME, create=False) as store:
            count = store.count()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "export_seconds": [run[0] for run in export_runs],
        "export_peak_mib": max(run[1] for run in export_runs),
        "export_bytes": size,
        "import_seconds": imported[0],
        "import_peak_mib": imported[1],
        "imported_sessions": count,
    }


# --------------------------------------------------------------------------- imports


def import_costs(env: dict[str, str], runs: int = 5) -> tuple[list[str], list[tuple[str, float]]]:
    """What `coach status --json` imports that it must not, and its top-level import costs.

    The first list holds ``package (via module)``: each forbidden top-level
    package and the top-level import that brought it in. -X importtime prints
    a module after everything it imported, so that is the next unindented line.
    """
    argv = [sys.executable, "-X", "importtime", "-m", "coach", "status", "--json"]
    forbidden: set[str] = set()
    cumulative: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
        pending: set[str] = set()
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line:
                continue
            _, total, package = line.split("|")
            if not total.strip().isdigit():
                continue  # the header
            name = package.strip()
            if name.split(".")[0] in FORBIDDEN:
                pending.add(name.split(".")[0])
            if not package[1:].startswith(" "):  # imported by __main__, not by another module
                cumulative.setdefault(name, []).append(int(total) / 1000)
                forbidden.update(f"{found} (via {name})" for found in pending)
                pending.clear()
    top = sorted(
        ((name, statistics.median(samples)) for name, samples in cumulative.items()),
        key=lambda item: -item[1],
    )
    return sorted(forbidden), top


# --------------------------------------------------------------------------- the report


def _revision() -> str:
    """The commit measured, and whether coach/ differs from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "coach"], cwd=root, capture_output=True
        ).stdout
    except OSError:
        return "unknown"
    return f"{commit}{' with changes in coach/' if changed else ''}" if commit else "unknown"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def report(
    info: dict[str, Any],
    fresh: dict[str, list[float]],
    inner: dict[str, tuple[list[float], str]],
    moved: dict[str, Any],
    forbidden: list[str],
    top: list[tuple[str, float]],
    runs: int,
) -> None:
    median = {name: statistics.median(samples) for name, samples in fresh.items()}
    base = median["python -c pass (pipe)"]
    textual = median["bare Textual app (pty)"]
    print(f"\ncoach at {_revision()}, Python {sys.version.split()[0]}")
    print(
        f"History: {info['sessions']:,} sessions, {info['exercises']:,} exercise rows, "
        f"{info['first_day']} to {info['last_day']}, "
        f"{info['db_bytes'] / 2**20:.0f} MiB database (built in {info['build_seconds']:.0f} s)"
    )
    if info["last_day"] < (local_day(datetime.now(UTC)) - timedelta(days=1)).isoformat():
        print("(the history ends before yesterday: use --rebuild for today's windows)")
    print(f"\nFresh processes, {runs} runs each, interleaved:\n")
    print("| command | median | min | x python | x bare Textual |")
    print("|---|---:|---:|---:|---:|")
    for name, samples in fresh.items():
        print(
            f"| {name} | {_ms(median[name])} | {_ms(min(samples))} | "
            f"{median[name] / base:.1f} | {median[name] / textual:.2f} |"
        )
    print(f"\nIn one process, {runs} runs each after one warm-up:\n")
    print("| call | median | min | result |")
    print("|---|---:|---:|---|")
    for name, (samples, what) in inner.items():
        print(f"| `{name}` | {_ms(statistics.median(samples))} | {_ms(min(samples))} | {what} |")
    export = statistics.median(moved["export_seconds"])
    print("\nExport and import, fresh processes:\n")
    print("| command | wall time | peak memory | file |")
    print("|---|---:|---:|---:|")
    print(
        f"| `coach export FILE` (median of {len(moved['export_seconds'])}) | {export:.2f} s | "
        f"{moved['export_peak_mib']:.0f} MiB | {moved['export_bytes'] / 2**20:.1f} MiB |"
    )
    print(
        f"| `coach import FILE` into an empty folder (once) | {moved['import_seconds']:.2f} s | "
        f"{moved['import_peak_mib']:.0f} MiB | {moved['imported_sessions']:,} sessions |"
    )
    print("\nLargest top-level imports of `coach status --json` (-X importtime, median of 5):\n")
    print("| module | cumulative |")
    print("|---|---:|")
    for name, cost in top[:8]:
        print(f"| `{name}` | {cost:.1f} ms |")

    status_pty = median["coach status --json (pty)"]
    status_pipe = median["coach status --json (pipe)"]
    progress = statistics.median(inner["store.progress()"][0])
    checks = [
        (
            "status / bare Textual (both in a pty) <= 0.5",
            f"{status_pty / textual:.2f}",
            status_pty / textual <= TARGET_RATIO,
        ),
        (
            "`coach status --json` <= 100 ms (pty; pipe)",
            f"{_ms(status_pty)}; {_ms(status_pipe)}",
            max(status_pty, status_pipe) * 1000 <= TARGETS_MS["status"],
        ),
        (
            "`store.progress()` over the whole history <= 200 ms",
            _ms(progress),
            progress * 1000 <= TARGETS_MS["progress"],
        ),
        (
            "`coach export FILE` <= 3 s",
            f"{export:.2f} s",
            export * 1000 <= TARGETS_MS["export"],
        ),
        (
            "`coach status` imports no textual, rich or pydantic",
            ", ".join(forbidden) or "none imported",
            not forbidden,
        ),
        (
            "`coach import` of the export adds every session",
            f"{moved['imported_sessions']:,} of {info['sessions']:,}",
            moved["imported_sessions"] == info["sessions"],
        ),
    ]
    print("\nTargets:\n")
    print("| target | measured | result |")
    print("|---|---:|---|")
    for target, measured, ok in checks:
        print(f"| {target} | {measured} | {_verdict(ok)} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="runs of each timing (default 15)")
    parser.add_argument("--export-runs", type=int, default=3, help="runs of `coach export`")
    parser.add_argument(
        "--db-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "coach-bench-history",
        help="where the synthetic history is built and kept (default: %(default)s)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the history again")
    args = parser.parse_args()

    folder = args.db_dir.expanduser().resolve()
    info = ensure_history(folder, args.rebuild)
    skipped = ("COACH_", "TEXTUAL", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(skipped)},
        "COACH_DATA_DIR": str(folder),
        "COACH_CONFIG_FILE": str(folder / "no-config.toml"),  # the user's file stays out
        # Bytecode cached, as pip leaves an installed coach, but kept out of the
        # repository: the first (untimed) run of each command writes it here.
        "PYTHONPYCACHEPREFIX": str(folder / "pycache"),
        "TERM": "xterm-256color",
    }
    print("fresh processes...", file=sys.stderr, flush=True)
    fresh = fresh_processes(env, args.runs)
    print("in one process...", file=sys.stderr, flush=True)
    inner = in_process(folder, args.runs)
    print("export and import...", file=sys.stderr, flush=True)
    moved = export_import(env, args.export_runs)
    forbidden, top = import_costs(env)
    report(info, fresh, inner, moved, forbidden, top, args.runs)


if __name__ == "__main__":
    main()
