"""Sync at scale: the 20-year history of bench/history.py through a shared folder.

Measures, each in a fresh process (wall time and peak memory):

- writing the first journal from the whole history (computer A's first sync);
- merging that journal into an empty history (computer B's first sync);
- one new session on A: A appends it, B reads it (the incremental cost), over
  --runs rounds, median;
- a sync with nothing new (what the app and `coach remind` pay every 5 minutes).

Usage: python bench/sync.py [--runs 11] [--db-dir DIR]
(the 20-year history is built once by bench/history.py's code and reused)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import history as history_bench

REPO = Path(__file__).resolve().parent.parent

STEP = """\
import json, resource, sys, time
from datetime import timedelta
from pathlib import Path
from coach.history.store import HistoryStore
from coach.history.sync import Computer, Sync

data, shared, ident, action = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
store = HistoryStore.in_folder(data)
if action == "new":  # one more session here first (not timed)
    from dataclasses import replace
    from datetime import date
    import uuid
    latest = store.sessions(since=date.today() - timedelta(days=3))[-1]
    later = latest.started_at + timedelta(minutes=1)
    store.save(replace(latest, id=str(uuid.uuid4()), started_at=later))
start = time.perf_counter()
result = Sync(store, shared, Computer(ident, ident)).run()
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": took, "peak_mib": peak, "written": result.written,
                  "added": result.added, "warnings": result.warnings}))
"""


def step(data: Path, shared: Path, ident: str, action: str = "sync") -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", STEP, str(data), str(shared), ident, action],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--runs", type=int, default=11)
    cli.add_argument("--db-dir", type=Path, default=Path(tempfile.gettempdir()) / "coach-bench")
    options = cli.parse_args()
    source = options.db_dir / "history"
    info = history_bench.ensure_history(source, rebuild=False)
    work = Path(tempfile.mkdtemp(prefix="coach-sync-bench-"))
    try:
        a, b, shared = work / "a", work / "b", work / "shared"
        shutil.copytree(source, a, ignore=shutil.ignore_patterns("*.json"))
        shared.mkdir()
        first_write = step(a, shared, "a" * 12)
        journal = shared / f"coach-{'a' * 12}.jsonl"
        size = journal.stat().st_size
        first_read = step(b, shared, "b" * 12)
        assert first_read["added"] == info["sessions"], first_read
        writes, reads, idle = [], [], []
        for _ in range(options.runs):
            written = step(a, shared, "a" * 12, "new")
            assert written["written"] == 1, written
            writes.append(written["seconds"])
            read = step(b, shared, "b" * 12)
            assert read["added"] == 1, read
            reads.append(read["seconds"])
            idle.append(step(b, shared, "b" * 12)["seconds"])
        median = statistics.median
        print(f"{info['sessions']:,} sessions; journal {size / 2**20:.1f} MiB\n")
        print("| step | time | peak memory |\n|---|---:|---:|")
        print(
            f"| first sync on A: write the whole journal | {first_write['seconds']:.2f} s | "
            f"{first_write['peak_mib']:.0f} MiB |"
        )
        print(
            f"| first sync on B: merge the whole journal | {first_read['seconds']:.2f} s | "
            f"{first_read['peak_mib']:.0f} MiB |"
        )
        print(
            f"| one new session: A appends it (median of {options.runs}) | "
            f"{median(writes) * 1000:.0f} ms | |"
        )
        print(
            f"| one new session: B reads it (median of {options.runs}) | "
            f"{median(reads) * 1000:.0f} ms | |"
        )
        print(
            f"| a sync with nothing new (median of {options.runs}) | "
            f"{median(idle) * 1000:.0f} ms | |"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
