"""Two commits side by side in one run: start-up, status, plan, headless memory, first frame.

A refactoring should leave these no worse. The older commit is checked out
in a temporary git worktree and run with this environment's Python and
packages (PYTHONPATH points at each tree), interleaved round by round with
the working tree, and compared by median.

Usage: python bench/before_after.py REV [--runs 11] [--frames]
(--frames: only the app's first frame, against a bare Textual app)
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import app as appbench  # noqa: E402

cli = argparse.ArgumentParser(description=__doc__)
cli.add_argument("rev")
cli.add_argument("--runs", type=int, default=11)
cli.add_argument("--frames", action="store_true")
options = cli.parse_args()
PY = sys.executable
old_tree = Path(tempfile.mkdtemp(prefix="coach-before-")) / "tree"
subprocess.run(
    ["git", "-C", str(REPO), "worktree", "add", "-f", "--detach", str(old_tree), options.rev],
    check=True,
    capture_output=True,
)
TREES = {f"before ({options.rev})": str(old_tree), "after (working tree)": str(REPO)}
work = Path(tempfile.mkdtemp(prefix="sbs-"))
for name in ("tree", REPO.name):  # each tree's data folder (see env)
    (work / "data" / name).mkdir(parents=True)
    (work / "data" / name / "safety-notice-seen").touch()
prog = work / "short.toml"
prog.write_text(
    'schema_version = 1\n[program]\nid = "short"\ntitle = "Short"\nprep = 0\n'
    '[[exercise]]\nid = "a"\nname = "A"\nduration = 2\n'
)


# A library as a clinic's patient has one: the bundled programs, a patient file that
# extends the graded protocol by id, and a program of their own with a schedule and
# a session today, so `coach status` has something due to say.
library = work / "programs"
library.mkdir()
(library / "js.toml").write_text(
    'schema_version = 2\nextends = "hand-wrist-graded"\n[program]\nid = "graded-for-js"\n'
    '[patient]\nlabel = "J. S."\naffected_side = "right"\n'
)
(library / "mine.toml").write_text(
    prog.read_text().replace('id = "short"', 'id = "mine"') + "[program.schedule]\nper_day = 3\n"
)


def env(tree):
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(work),
        "TERM": "xterm-256color",
        "COACH_CONFIG_FILE": str(work / "none.toml"),
        # Each tree its own history (a newer schema is refused by an older coach) and
        # cache (its rules hold the code's own stamps).
        "COACH_DATA_DIR": str(work / "data" / Path(tree).name),
        "COACH_CACHE_DIR": str(work / "cache" / Path(tree).name),
        "COACH_PROGRAMS_PATH": str(library),
        "PYTHONPATH": tree,
        "COACH_CUES__SPEECH": "false",
        "COACH_CUES__BELL": "false",
        "COACH_CUES__SOUNDS": "false",
    }


def timed(argv, e):
    start = time.perf_counter()
    p = subprocess.Popen(
        argv, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    _, _, usage = os.wait4(p.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


cmds = {
    "coach status": [PY, "-m", "coach", "status"],
    "coach status --json": [PY, "-m", "coach", "status", "--json"],
    "coach --version": [PY, "-m", "coach", "--version"],
    "coach list (reads every file)": [PY, "-m", "coach", "list"],
    "coach plan typist-micro-break --json": [
        PY,
        "-m",
        "coach",
        "plan",
        "typist-micro-break",
        "--json",
    ],
    "coach run --headless --json (2 s), peak MiB": [
        PY,
        "-m",
        "coach",
        "run",
        str(prog),
        "--headless",
        "--json",
        "--quiet",
        "--no-record",
    ],
}
for tree in TREES.values():  # a session of "mine" today in each history; caches filled
    subprocess.run(
        [PY, "-m", "coach", "run", "mine", "--headless", "--quiet"],
        env={**env(tree), "COACH_CUES__COUNTDOWN": "0"},
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    subprocess.run([PY, "-m", "coach", "list"], env=env(tree), capture_output=True, check=True)
runs = options.runs
res = {(c, t): [] for c in cmds for t in TREES}
for r in range(0 if options.frames else runs + 1):
    for c, argv in cmds.items():
        for t, tree in TREES.items():
            v = timed(argv, env(tree))
            if r:
                res[(c, t)].append(v)
print(f"{runs} runs each, interleaved\n")
if options.frames:
    cmds = {}
print("| command | before | after | after / before |")
print("|---|---:|---:|---:|")
for c in cmds:
    b, a = (res[(c, tree)] for tree in TREES)
    if "peak" in c:
        mb, ma = statistics.median(m for _, m in b), statistics.median(m for _, m in a)
        print(f"| {c} | {mb:.1f} MiB | {ma:.1f} MiB | {ma / mb:.2f} |")
    else:
        mb, ma = (
            statistics.median(s for s, _ in b) * 1000,
            statistics.median(s for s, _ in a) * 1000,
        )
        print(f"| {c} | {mb:.1f} ms | {ma:.1f} ms | {ma / mb:.2f} |")
# first frame of the app, with a bare Textual app in the same rounds
bare = work / "bare.py"
bare.write_text(appbench.BARE)
ff = {"bare Textual app": [], **{t: [] for t in TREES}}
for r in range(runs + 1):
    v = appbench.first_frame([PY, str(bare)], env(str(REPO)), b"ready", None)
    if r:
        ff["bare Textual app"].append(v)
    for t, tree in TREES.items():
        # The first program in the list (by title): the list is drawn.
        v = appbench.first_frame([PY, "-m", "coach"], env(tree), b"Graded hand", None)
        if r:
            ff[t].append(v)
base = statistics.median(ff["bare Textual app"])
print("\n| app first frame (pty 100x30) | median | x bare Textual |\n|---|---:|---:|")
for k, v in ff.items():
    print(f"| {k} | {statistics.median(v) * 1000:.1f} ms | {statistics.median(v) / base:.2f} |")

subprocess.run(
    ["git", "-C", str(REPO), "worktree", "remove", "--force", str(old_tree)], check=False
)
