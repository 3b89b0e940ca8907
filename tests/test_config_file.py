"""``coach config set/unset`` and the code behind them: the user's file, edited with tomlkit."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.config.file import init_config, set_setting, unset_setting
from coach.config.settings import load_settings
from coach.errors import SettingsError
from tests.helpers import REPO

# (file before, key, value typed, file after): every byte the edit may change.
EDITS = [
    pytest.param(
        '[breaks]\npostpone = "5m"   # keep me\n',
        "breaks.postpone",
        "7m",
        '[breaks]\npostpone = "7m"   # keep me\n',
        id="the comment on the changed line stays",
    ),
    pytest.param(
        'breaks.micro.every = "5m" # dotted\ncues.speech = true\n',
        "breaks.micro.every",
        "6m",
        'breaks.micro.every = "6m" # dotted\ncues.speech = true\n',
        id="a dotted key stays dotted",
    ),
    pytest.param(
        'breaks.micro.every = "5m"\n',
        "breaks.micro.length",
        "30s",
        'breaks.micro.every = "5m"\nbreaks.micro.length = "30s"\n',
        id="a new key beside dotted ones is dotted too",
    ),
    pytest.param(
        '[breaks]\nmicro = { every = "10m", length = 20 }  # inline\n',
        "breaks.micro.every",
        "5m",
        '[breaks]\nmicro = { every = "5m", length = 20 }  # inline\n',
        id="an inline table stays inline",
    ),
    pytest.param(
        '["history"]\nday_start = "04:00" # early riser\n',
        "history.day_start",
        "5:00",
        '["history"]\nday_start = "05:00" # early riser\n',
        id="a quoted header",
    ),
    pytest.param(
        "# mine\n\n[cues]\n# How loud.\n# bell = true\n\n# the next table\n[ui]\n",
        "cues.bell",
        "false",
        "# mine\n\n[cues]\n# How loud.\n# bell = true\nbell = false\n\n# the next table\n[ui]\n",
        id="a new key goes under its commented-out default",
    ),
    pytest.param(
        "[cues]\nbell = true\n\n# about ui\n[ui]\n",
        "cues.speech",
        "false",
        "[cues]\nbell = true\nspeech = false\n\n# about ui\n[ui]\n",
        id="else after the table's last setting, not under the next table's comment",
    ),
    pytest.param(
        "# mine\n\n# the cues\n[cues]\nbell = true\n",
        "data_dir",
        "/srv/coach",
        '# mine\n\ndata_dir = "/srv/coach"\n# the cues\n[cues]\nbell = true\n',
        id="a top-level key goes before the first table and its comment",
    ),
    pytest.param(
        "[cues]\nbell = true\n",
        "breaks.rest.every",
        "45m",
        '[cues]\nbell = true\n\n[breaks.rest]\nevery = "45m"\n',
        id="a missing table is added at the end",
    ),
    pytest.param(
        "",
        "history.rest_days",
        "sat, sun",
        '[history]\nrest_days = ["sat", "sun"]\n',
        id="no file yet",
    ),
    pytest.param(
        "[breaks]\nmax_postpones = 2\n",
        "breaks.micro.every",
        "90",
        "[breaks]\nmax_postpones = 2\n\n[breaks.micro]\nevery = 90\n",
        id="a number of seconds stays a number",
    ),
]


@pytest.mark.parametrize(("before", "key", "value", "after"), EDITS)
def test_set_changes_one_value_and_keeps_the_rest(
    tmp_path: Path, before: str, key: str, value: str, after: str
) -> None:
    target = tmp_path / "config.toml"
    if before:
        target.write_text(before, encoding="utf-8")
    set_setting(key, value, target)
    assert target.read_text(encoding="utf-8") == after


def test_set_on_the_commented_starting_file_uncomments_nothing_else(tmp_path: Path) -> None:
    target = init_config(tmp_path / "config.toml")
    before = target.read_text(encoding="utf-8").splitlines()
    set_setting("breaks.micro.every", "5m", target)
    set_setting("data_dir", "~/hist", target)
    after = target.read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in before]
    assert added == ['data_dir = "~/hist"', 'every = "5m"']
    assert [line for line in before if line not in after] == []
    # Each new line sits just under its commented-out default.
    assert after[after.index('every = "5m"') - 1] == '# every = "10m"'
    assert after[after.index('data_dir = "~/hist"') - 1] == '# data_dir = "~/Documents/coach"'


def test_unset_removes_the_line_and_keeps_comments(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text('# mine\n[breaks]\n# note\npostpone = "7m" # mine\nmax_postpones = 3\n')
    assert unset_setting("breaks.postpone", target) is True
    assert target.read_text() == "# mine\n[breaks]\n# note\nmax_postpones = 3\n"
    assert unset_setting("breaks.postpone", target) is False
    assert unset_setting("history.day_start", tmp_path / "none.toml") is False
    assert not (tmp_path / "none.toml").exists()


def test_an_empty_value_unsets_a_setting_that_may_be_left_out(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text('[breaks]\ndaily_limit = "6h"\npostpone = "7m"\n')
    set_setting("breaks.daily_limit", "", target)
    assert target.read_text() == '[breaks]\npostpone = "7m"\n'


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("breaks.micro.every", "soon", r"^breaks\.micro\.every: "),
        ("cues.bel", "true", r"did you mean 'bell'"),
        ("breaks.micro", "5m", r"is a table of settings; name one of them: breaks\.micro\.every"),
        ("history.rest_days", "someday", r"history\.rest_days\[0\]"),
        ("cues.countdown", "11", r"cues\.countdown"),
    ],
)
def test_bad_values_change_nothing(tmp_path: Path, key: str, value: str, message: str) -> None:
    target = tmp_path / "config.toml"
    target.write_text("# mine\n[cues]\nbell = false\n")
    before = target.read_bytes()
    with pytest.raises(SettingsError, match=message):
        set_setting(key, value, target)
    assert target.read_bytes() == before


def test_a_file_that_is_not_toml_is_left_for_a_person(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text("[cues]\nbell = \n")
    with pytest.raises(SettingsError, match=r"config\.toml:2:\d+: not valid TOML"):
        set_setting("cues.bell", "true", target)
    assert target.read_text() == "[cues]\nbell = \n"


def test_an_edit_that_would_change_another_value_is_refused(tmp_path: Path) -> None:
    # breaks is an array of tables here: no place for a key, and nothing is written.
    target = tmp_path / "config.toml"
    target.write_text("[[breaks]]\npostpone = 1\n")
    with pytest.raises(SettingsError, match="not a table in this file"):
        set_setting("breaks.postpone", "7m", target)
    assert target.read_text() == "[[breaks]]\npostpone = 1\n"


# Settings and the text that sets each; written with tomli-w in every style a person
# might use, then changed with set_setting, the file must load as before but for one key.
VALUES = {
    "cues.bell": ("false", False),
    "cues.countdown": ("5", 5),
    "breaks.postpone": ("7m", 420.0),
    "breaks.micro.every": ("15m", 900.0),
    "breaks.rest.length": ("4m", 240.0),
    "history.rest_days": ("sat,sun", ["sat", "sun"]),
    "ui.theme": ("nord", "nord"),
}
START = {
    "cues.speech": False,
    "breaks.max_postpones": 4,
    "breaks.micro.length": "25s",
    "history.day_start": "05:30",
}


def _nested(flat: dict[str, object]) -> dict[str, object]:
    data: dict[str, object] = {}
    for dotted, value in flat.items():
        table = data
        *parents, name = dotted.split(".")
        for part in parents:
            table = table.setdefault(part, {})  # type: ignore[assignment]
        table[name] = value
    return data


def _value_of(settings: object, dotted: str) -> object:
    for part in dotted.split("."):
        settings = getattr(settings, part)
    return settings


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    present=st.lists(st.sampled_from(sorted(START)), unique=True),
    key=st.sampled_from(sorted(VALUES)),
    inline=st.booleans(),
)
def test_set_keeps_every_other_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, present: list[str], key: str, inline: bool
) -> None:
    import tomli_w

    target = tmp_path / "config.toml"
    data = _nested({name: START[name] for name in present})
    if inline:  # every table as one inline line: the style tomli-w never writes
        body = "".join(f"{name} = {_inline(value)}\n" for name, value in data.items())
    else:
        body = tomli_w.dumps(data)
    target.write_text("# mine\n" + body, encoding="utf-8")
    monkeypatch.setenv("COACH_CONFIG_FILE", str(target))
    before = load_settings()
    text, expected = VALUES[key]
    set_setting(key, text, target)
    after = load_settings()
    assert _value_of(after, key) == expected
    for name in [*START, *VALUES]:
        if name != key:
            assert _value_of(after, name) == _value_of(before, name), name
    assert target.read_text(encoding="utf-8").startswith("# mine\n")


def _inline(value: object) -> str:
    import tomli_w

    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + " }"
    return tomli_w.dumps({"x": value}).split(" = ", 1)[1].strip()


# --- the commands ---------------------------------------------------------------------------


def _coach(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )


def test_config_set_and_unset_commands(tmp_path: Path) -> None:
    target = tmp_path / "conf" / "config.toml"
    env = {**os.environ, "COACH_CONFIG_FILE": str(target)}
    done = _coach("config", "set", "breaks.micro.every", "15m", env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"set breaks.micro.every in {target}\n"
    assert tomllib.loads(target.read_text())["breaks"]["micro"]["every"] == "15m"
    assert oct(target.stat().st_mode & 0o777) == "0o600"

    bad = _coach("config", "set", "breaks.micro.every", "soon", env=env)
    assert bad.returncode == 2
    assert bad.stderr.startswith("coach: bad setting:\nbreaks.micro.every: ")
    assert tomllib.loads(target.read_text())["breaks"]["micro"]["every"] == "15m"

    overridden = _coach(
        "config", "set", "cues.bell", "false", env={**env, "COACH_CUES__BELL": "true"}
    )
    assert overridden.returncode == 0
    assert overridden.stderr == "note: env COACH_CUES__BELL overrides it for now\n"

    gone = _coach("config", "unset", "breaks.micro.every", env=env)
    assert (gone.returncode, gone.stdout) == (0, f"removed breaks.micro.every from {target}\n")
    again = _coach("config", "unset", "breaks.micro.every", env=env)
    assert again.stdout == f"breaks.micro.every was not set in {target}; nothing changed\n"
    unknown = _coach("config", "unset", "breaks.micro.evry", env=env)
    assert unknown.returncode == 2 and "did you mean 'every'?" in unknown.stderr
    assert target.read_text() == "[breaks.micro]\n\n[cues]\nbell = false\n"


def test_a_list_commented_over_several_lines_gets_its_value_after_it(tmp_path: Path) -> None:
    """``coach config init`` writes the long micro-break ideas over several commented lines."""
    import tomllib

    from coach.config.file import init_config, set_setting
    from coach.config.settings import setting_text

    target = init_config(tmp_path / "config.toml")
    set_setting("breaks.micro_ideas", '["Look far away.", "Shake out, gently"]', target)
    text = target.read_text()
    block = text.split("# micro_ideas = [", 1)[1]
    assert block.split("\n# ]\n", 1)[1].startswith('micro_ideas = ["Look far away."')
    ideas = tomllib.loads(text)["breaks"]["micro_ideas"]
    assert ideas == ["Look far away.", "Shake out, gently"]
    # Shown as JSON, since commas would not give the same list back.
    assert setting_text(ideas, separator=", ") == '["Look far away.", "Shake out, gently"]'
