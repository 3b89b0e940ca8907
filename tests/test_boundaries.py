"""What each command or module loads: one table, each row a fresh interpreter.

import-linter (``make lint``) checks the import graph; this checks what is
really loaded when a command runs, lazy imports included: the headless
commands never load Textual or Rich, the commands that run on every shell
prompt or wait in the background never load pydantic, and the modules
``coach remind`` imports for its waiting loop use only the standard library.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from coach import paths
from tests.test_phases import QUICK_PHASED

pytestmark = pytest.mark.e2e  # real processes in real time

UI = ("textual", "rich", "tomlkit")  # tomlkit: only `coach config set/unset` edit a file
SETTINGS = ("pydantic", "pydantic_core", "pydantic_settings")
STDLIB_ONLY = ("<anything but the standard library>",)


def main_of(*argv: str) -> str:
    """Code that runs ``coach ARGV`` in-process, its output thrown away."""
    return (
        "import io, contextlib\n"
        "from coach.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    status = main({list(argv)!r})\n"
        "assert status == 0, status\n"
    )


SHORT = """\
schema_version = 1
[program]
id = "short"
title = "Short"
prep = 0
[[exercise]]
id = "a"
name = "A"
duration = 0.2
"""

# (what runs, the code, what it must not load)
TABLE: list[tuple[str, str, tuple[str, ...]]] = [
    *[
        (f"coach {' '.join(argv)}", main_of(*argv), UI)
        for argv in [
            ("validate", "{programs}"),
            ("plan", "typist-micro-break"),
            ("plan", "typist-micro-break", "--json"),
            ("list",),
            ("list", "--json"),
            ("schema",),
            ("history", "--format", "json"),
            ("report", "--format", "html"),
            ("export", "-"),
            ("run", "{short}", "--headless", "--quiet"),
        ]
    ],
    *[
        (f"coach {' '.join(argv)}", main_of(*argv), UI + SETTINGS)
        for argv in [("status",), ("status", "--json"), ("status", "--oneline")]
    ],
    # Today's phase needs the day start, read quickly: never the full settings loader.
    ("coach plan (a phased program)", main_of("plan", "{phased}"), (*UI, "pydantic_settings")),
    ("coach config show", main_of("config", "show"), UI),
    (
        "coach doctor's checks",
        "import io\n"
        "from coach.cli.doctor import collect_checks\n"
        "from coach.config.settings import Settings\n"
        "collect_checks(Settings(), stdout=io.StringIO(), stderr=io.StringIO())\n",
        UI,
    ),
    (
        "coach config set",
        "import os, tempfile\n"
        "os.environ['COACH_CONFIG_FILE'] = os.path.join(tempfile.mkdtemp(), 'c.toml')\n"
        + main_of("config", "set", "cues.bell", "false"),
        ("textual", "rich"),
    ),
    (
        "the settings: load and render",
        "import coach.config.settings as s\ns.load_settings()\ns.render_config(commented_out=True)\n",
        UI,
    ),
    (
        "the quick theme reader",
        "from coach.config.quick import quick_theme\nassert quick_theme({}) == 'textual-dark'\n",
        UI + SETTINGS,
    ),
    (
        "coach remind's waiting loop",
        "import coach.cli.main, coach.breaks.remind, coach.notify, coach.breaks.idle\n"
        "import coach.breaks.scheduler\n"
        "from coach.breaks.remind import run_remind, config_from_json\n",
        UI + SETTINGS,
    ),
    ("coach.notify", "import coach.notify\n", STDLIB_ONLY),
    ("coach.breaks.idle", "import coach.breaks.idle\n", STDLIB_ONLY),
    ("coach.breaks.scheduler", "import coach.breaks.scheduler\n", STDLIB_ONLY),
    ("coach.text", "import coach.text\n", STDLIB_ONLY),
    ("coach.clock", "import coach.clock\n", STDLIB_ONLY),
]

REPORT = (
    "\nimport json, sys\nloaded = sorted(set(sys.modules) - BEFORE)\nprint(json.dumps(loaded))\n"
)


@pytest.mark.parametrize(("what", "code", "forbidden"), TABLE, ids=[row[0] for row in TABLE])
def test_what_each_command_loads(
    tmp_path: Path, what: str, code: str, forbidden: tuple[str, ...]
) -> None:
    short = tmp_path / "short.toml"
    short.write_text(SHORT)
    phased = tmp_path / "phased.toml"
    phased.write_text(QUICK_PHASED.format(start="2026-11-23"))
    code = (
        code.replace("{programs}", str(paths.bundled_programs_dir()))
        .replace("{short}", str(short))
        .replace("{phased}", str(phased))
    )
    script = "import sys\nBEFORE = set(sys.modules)\n" + code + REPORT
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    roots = {name.partition(".")[0] for name in loaded}
    if forbidden == STDLIB_ONLY:
        assert sorted(roots - set(sys.stdlib_module_names) - {"coach"}) == [], what
    else:
        assert sorted(name for name in loaded if name.partition(".")[0] in forbidden) == [], what
