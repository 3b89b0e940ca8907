"""Settings: the layers and their order, errors that name their source, the config file."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach import paths
from coach.config.file import init_config
from coach.config.settings import (
    Settings,
    SettingsError,
    SettingValue,
    effective_data_dir,
    explain_settings,
    load_settings,
    render_config,
)
from coach.program.durations import format_duration

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No COACH_* variable from outside, a fake home, and a user file in tmp_path."""
    for name in list(os.environ):
        if name.upper().startswith("COACH_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("COACH_CONFIG_FILE", str(tmp_path / "user" / "config.toml"))


@pytest.fixture
def user_file(tmp_path: Path) -> Path:
    return tmp_path / "user" / "config.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def shipped_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Replace the shipped file with one in tmp_path (not written yet)."""
    path = tmp_path / "shipped" / "coach.toml"
    monkeypatch.setattr(paths, "shipped_config_file", lambda: path)
    return path


def source_of(key: str, overrides: dict[str, str] | None = None) -> str:
    return next(item.source for item in explain_settings(overrides) if item.key == key)


def error_of(overrides: dict[str, object] | None = None) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(overrides)
    return str(caught.value)


# --------------------------------------------------------------------------- precedence


def test_defaults_without_any_file(shipped_file: Path) -> None:
    loaded = load_settings()
    assert loaded == Settings()
    assert loaded.breaks.micro.every == 600
    assert loaded.breaks.rest.program == "rest-break"
    assert source_of("breaks.micro.every") == "default"


def test_each_layer_overrides_the_one_below(
    shipped_file: Path, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "breaks.micro.every"
    assert load_settings().breaks.micro.every == 600
    assert source_of(key) == "default"

    write(shipped_file, '[breaks.micro]\nevery = "1m"\n')
    assert load_settings().breaks.micro.every == 60
    assert source_of(key) == str(shipped_file)

    write(user_file, '[breaks.micro]\nevery = "2m"\n')
    assert load_settings().breaks.micro.every == 120
    assert source_of(key) == str(user_file)

    monkeypatch.setenv("COACH_BREAKS__MICRO__EVERY", "3m")
    assert load_settings().breaks.micro.every == 180
    assert source_of(key) == "env COACH_BREAKS__MICRO__EVERY"

    assert load_settings({key: "4m"}).breaks.micro.every == 240
    assert source_of(key, {key: "4m"}) == "--set"


def test_a_layer_changes_one_key_of_a_section_and_keeps_the_rest(
    shipped_file: Path, user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(shipped_file, '[breaks.rest]\nevery = "40m"\nlength = "4m"\n')
    write(user_file, '[breaks.rest]\nlength = "6m"\n')
    monkeypatch.setenv("COACH_BREAKS__REST__PROGRAM", "neck-range-of-motion")
    rest = load_settings().breaks.rest
    assert (rest.every, rest.length, rest.program) == (2400, 360, "neck-range-of-motion")
    sources = {item.key: item.source for item in explain_settings()}
    assert sources["breaks.rest.every"] == str(shipped_file)
    assert sources["breaks.rest.length"] == str(user_file)
    assert sources["breaks.rest.program"] == "env COACH_BREAKS__REST__PROGRAM"
    assert sources["breaks.micro.every"] == "default"


def test_the_real_shipped_file_is_read() -> None:
    assert paths.shipped_config_file() == REPO / "config" / "coach.toml"
    assert source_of("cues.bell") == str(REPO / "config" / "coach.toml")
    # Settings the shipped file leaves out keep their built-in default.
    assert source_of("cues.speech_command") == "default"


def test_a_missing_user_file_is_fine(user_file: Path) -> None:
    assert not user_file.exists()
    assert load_settings() == Settings()


def test_env_and_override_text_is_coerced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_CUES__BELL", "false")
    monkeypatch.setenv("COACH_CUES__COUNTDOWN", "5")
    monkeypatch.setenv("COACH_HISTORY__REST_DAYS", '["sat", "sun"]')
    loaded = load_settings(
        {
            "cues.speech": "no",
            "cues.notify_long_rests": "90",
            "breaks.daily_limit": "6h",
            "breaks.idle_detection": False,
        }
    )
    assert loaded.cues.bell is False
    assert loaded.cues.countdown == 5
    assert loaded.history.rest_days == ["sat", "sun"]
    assert loaded.cues.speech is False
    assert loaded.cues.notify_long_rests == 90
    assert loaded.breaks.daily_limit == 6 * 3600
    assert loaded.breaks.idle_detection is False


def test_lists_take_commas_and_an_empty_value_unsets(
    user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(user_file, '[breaks]\ndaily_limit = "5h"\n[breaks.rest]\nprogram = "x"\n')
    monkeypatch.setenv("COACH_BREAKS__DAILY_LIMIT", "")
    loaded = load_settings({"history.rest_days": "sat, sun", "breaks.rest.program": ""})
    assert loaded.history.rest_days == ["sat", "sun"]
    assert loaded.breaks.daily_limit is None
    assert loaded.breaks.rest.program is None


def test_a_whole_section_from_json_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_BREAKS", '{"micro": {"every": "5m"}, "postpone": 60}')
    loaded = load_settings()
    assert loaded.breaks.micro.every == 300
    assert loaded.breaks.micro.length == 20
    assert loaded.breaks.postpone == 60


def test_unrelated_coach_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_PROGRAMS_PATH", "/nowhere")
    assert load_settings() == Settings()


def test_data_dir(tmp_path: Path, user_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "from-env"))
    # default_data_dir honours COACH_DATA_DIR too, and the setting agrees.
    assert effective_data_dir(load_settings()) == tmp_path / "from-env"
    assert source_of("data_dir") == "env COACH_DATA_DIR"
    monkeypatch.delenv("COACH_DATA_DIR")
    assert load_settings().data_dir is None
    assert effective_data_dir(load_settings()) == paths.default_data_dir()
    assert str(effective_data_dir(load_settings())).startswith(str(tmp_path))
    # A relative folder in a config file is beside that file.
    write(user_file, 'data_dir = "history"\n')
    assert load_settings().data_dir == user_file.parent / "history"
    assert load_settings({"data_dir": "~/h"}).data_dir == tmp_path / "home" / "h"


def test_durations_in_settings(user_file: Path) -> None:
    write(
        user_file,
        """
        [breaks]
        postpone = 90
        [breaks.micro]
        every = "1m30s"
        length = 0.5
        """,
    )
    loaded = load_settings()
    assert loaded.breaks.postpone == 90
    assert loaded.breaks.micro.every == 90
    assert loaded.breaks.micro.length == 0.5


@given(st.integers(min_value=1, max_value=10 * 3600 * 1000))
def test_a_written_duration_reads_back(milliseconds: int) -> None:
    seconds = milliseconds / 1000
    loaded = load_settings({"breaks.postpone": format_duration(seconds)})
    assert loaded.breaks.postpone == pytest.approx(seconds, abs=1e-6)


def test_day_start_is_normalised() -> None:
    assert load_settings({"history.day_start": "4:30"}).history.day_start == "04:30"
    assert Settings().history.day_start_time.hour == 4


# --------------------------------------------------------------------------- errors


def test_a_bad_value_in_the_user_file_names_the_file_and_line(user_file: Path) -> None:
    write(
        user_file,
        """
        [cues]
        bell = true

        [breaks.micro]
        length = "20s"
        every = "soon"
        """,
    )
    message = error_of()
    assert message.startswith(f"{user_file}:6: breaks.micro.every: 'soon' is not a duration")
    assert "Traceback" not in message


def test_each_problem_is_reported(user_file: Path) -> None:
    write(
        user_file,
        """
        [cues]
        countdown = 11
        [breaks.micro]
        every = 0
        [history]
        day_start = "25:00"
        rest_days = ["sat", "sunday"]
        """,
    )
    with pytest.raises(SettingsError) as caught:
        load_settings()
    problems = caught.value.problems
    assert f"{user_file}:2: cues.countdown: input should be less than or equal to 10 (got 11)" in (
        problems
    )
    assert f"{user_file}:4: breaks.micro.every: input should be greater than 0 (got 0)" in problems
    assert any(p.startswith(f"{user_file}:6: history.day_start: '25:00'") for p in problems)
    assert any(
        p.startswith(f"{user_file}:7: history.rest_days[1]: input should be") for p in problems
    )
    assert len(problems) == 4


def test_a_bad_value_in_an_inline_table_names_the_line_of_the_table(user_file: Path) -> None:
    write(user_file, '[breaks]\nmicro = { every = "x" }\n')
    assert error_of().startswith(f"{user_file}:2: breaks.micro.every: 'x' is not a duration")


def test_a_bad_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_BREAKS__MICRO__EVERY", "often")
    assert error_of().startswith("COACH_BREAKS__MICRO__EVERY: 'often' is not a duration")
    monkeypatch.setenv("COACH_BREAKS__MICRO__EVERY", "5m")
    monkeypatch.setenv("COACH_CUES__BELL", "perhaps")
    assert error_of() == (
        "COACH_CUES__BELL: input should be a valid boolean, unable to interpret input"
        " (got 'perhaps')"
    )


def test_bad_json_in_an_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_HISTORY__REST_DAYS", '["sat"')
    assert error_of().startswith("COACH_HISTORY__REST_DAYS: not a JSON list")
    monkeypatch.delenv("COACH_HISTORY__REST_DAYS")
    monkeypatch.setenv("COACH_BREAKS", '{"micro": {"every": -1}}')
    assert error_of() == ("COACH_BREAKS: breaks.micro.every: a duration cannot be negative, got -1")


def test_a_bad_override_is_named() -> None:
    assert error_of({"breaks.micro.every": "5 minutes"}).startswith(
        "--set breaks.micro.every: '5 minutes' is not a duration"
    )
    assert error_of({"cues.countdown": "-1"}) == (
        "--set cues.countdown: input should be greater than or equal to 0 (got '-1')"
    )


def test_a_bad_value_lower_down_is_hidden_by_a_good_one_above(
    user_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(user_file, "[cues]\ncountdown = 99\n")
    monkeypatch.setenv("COACH_CUES__COUNTDOWN", "4")
    assert load_settings().cues.countdown == 4


def test_unknown_keys_suggest_a_near_miss(user_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        user_file,
        """
        [breaks.micro]
        evry = "5m"

        [brakes]
        postpone = 1
        """,
    )
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.problems == (
        f"{user_file}:2: breaks.micro.evry: unknown setting 'evry'; did you mean 'every'?",
        f"{user_file}:4: brakes: unknown setting 'brakes'; did you mean 'breaks'?",
    )
    user_file.unlink()
    monkeypatch.setenv("COACH_BREAKS__MICRO__LENGHT", "5")
    assert error_of() == (
        "COACH_BREAKS__MICRO__LENGHT: unknown setting 'lenght'; did you mean 'length'?"
    )
    monkeypatch.delenv("COACH_BREAKS__MICRO__LENGHT")
    assert error_of({"ui.themes": "nord"}) == (
        "--set ui.themes: unknown setting 'themes'; did you mean 'theme'?"
    )
    message = error_of({"ui.zzz": "1"})
    assert message.startswith("--set ui.zzz: unknown setting 'zzz' (the settings here are: theme")


def test_a_toml_syntax_error_names_the_file_and_line(user_file: Path) -> None:
    write(user_file, "[cues]\nbell = true\nspeech = \n")
    message = error_of()
    assert message.startswith(f"{user_file}:3:")
    assert "not valid TOML" in message


def test_a_broken_shipped_file_is_named(shipped_file: Path) -> None:
    write(shipped_file, "[cues\n")
    assert error_of().startswith(f"{shipped_file}:1:")


def test_a_config_file_that_is_a_folder_is_an_error(user_file: Path) -> None:
    user_file.mkdir(parents=True)
    assert error_of() == f"{user_file}: is a folder, not a settings file"


def test_explain_raises_the_same_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_CUES__COUNTDOWN", "many")
    with pytest.raises(SettingsError, match="COACH_CUES__COUNTDOWN"):
        explain_settings()


# --------------------------------------------------------------------------- explain


def test_explain_lists_every_leaf_once_with_its_description() -> None:
    items = explain_settings({"cues.quiet": "true"})
    keys = [item.key for item in items]
    assert len(keys) == len(set(keys))
    assert {
        "data_dir",
        "cues.bell",
        "cues.countdown",
        "breaks.profile",
        "breaks.micro.every",
        "breaks.micro.length",
        "breaks.micro.program",
        "breaks.rest.every",
        "breaks.postpone",
        "breaks.max_postpones",
        "breaks.daily_limit",
        "breaks.idle_detection",
        "history.day_start",
        "history.rest_days",
        "ui.theme",
    } <= set(keys)
    assert "breaks" not in keys and "breaks.micro" not in keys
    assert all(isinstance(item, SettingValue) and item.description for item in items)
    quiet = next(item for item in items if item.key == "cues.quiet")
    assert (quiet.value, quiet.source) == (True, "--set")


def test_every_field_has_a_docstring() -> None:
    for item in explain_settings():
        assert item.description.strip(), item.key
    for field in Settings.model_fields.values():
        assert field.description


# --------------------------------------------------------------------------- the file


def test_the_shipped_file_is_the_rendered_defaults() -> None:
    shipped = (REPO / "config" / "coach.toml").read_text(encoding="utf-8")
    assert shipped == render_config(commented_out=False), (
        "config/coach.toml is out of date: write render_config(commented_out=False) to it"
    )


def test_the_rendered_file_reads_back_as_the_defaults(shipped_file: Path) -> None:
    text = render_config(commented_out=False)
    data = tomllib.loads(text)
    assert Settings.model_validate(data) == Settings()
    assert data["breaks"]["micro"] == {"every": "10m", "length": "20s"}
    assert data["breaks"]["rest"]["program"] == "rest-break"
    assert data["cues"]["notify_long_rests"] == "1m"
    assert "data_dir" not in data and "speech_command" not in data["cues"]
    # As the shipped file, it gives every setting except the unset ones.
    write(shipped_file, text)
    sources = {item.key: item.source for item in explain_settings()}
    assert sources["breaks.micro.every"] == str(shipped_file)
    assert sources["data_dir"] == "default"


def test_the_commented_out_file_pins_nothing() -> None:
    text = render_config(commented_out=True)
    data = tomllib.loads(text)
    breaks: dict[str, dict[str, object]] = {"hours": {}, "micro": {}, "rest": {}}
    assert data == {"cues": {}, "breaks": breaks, "history": {}, "ui": {}}
    assert '# every = "10m"' in text
    assert "# speech_command = " in text
    # Uncommenting every setting line (but the examples for settings that are
    # left out by default) gives the defaults back.
    lines = text.splitlines()
    uncommented = []
    in_list = False  # a long list's commented lines, after its "# key = ["
    for before, line in zip(["", *lines], lines, strict=False):
        setting = line.startswith("# ") and " = " in line and not before.endswith("Example:")
        uncommented.append(line[2:] if setting or in_list else line)
        in_list = (setting and line.endswith("[")) or (in_list and line != "# ]")
    assert Settings.model_validate(tomllib.loads("\n".join(uncommented))) == Settings()
    pinned = sum(
        line != original and " = " in line
        for line, original in zip(uncommented, lines, strict=True)
    )
    assert pinned == len([item for item in explain_settings() if item.value is not None])


def test_render_explains_the_file_and_each_setting() -> None:
    shipped = render_config(commented_out=False)
    assert "coach config init" in shipped and "coach config path" in shipped
    assert '# Time at work between two of these breaks.\nevery = "10m"' in shipped
    assert "# Left out by default:" in shipped


def test_init_config_writes_the_commented_file(user_file: Path) -> None:
    written = init_config()
    assert written == user_file
    assert user_file.read_text(encoding="utf-8") == render_config(commented_out=True)
    assert load_settings() == Settings()


def test_init_config_never_overwrites(tmp_path: Path) -> None:
    target = write(tmp_path / "deep" / "er" / "mine.toml", "[cues]\nbell = false\n")
    with pytest.raises(FileExistsError) as caught:
        init_config(target)
    assert caught.value.filename == str(target)
    assert target.read_text(encoding="utf-8") == "[cues]\nbell = false\n"
    fresh = init_config(tmp_path / "new" / "folder" / "config.toml")
    assert fresh.is_file()
    with pytest.raises(FileExistsError):
        init_config(fresh)


# --------------------------------------------------------------------------- imports


def test_settings_error_takes_one_message_or_many() -> None:
    assert str(SettingsError("--set x: expected KEY=VALUE")) == "--set x: expected KEY=VALUE"
    assert SettingsError(["a", "b"]).problems == ("a", "b")
    assert str(SettingsError(["a", "b"])) == "a\nb"


# --- editing the user's file (the app's settings screen) ---


def test_set_user_setting_keeps_comments_and_other_settings(tmp_path: Path) -> None:
    import tomllib

    from coach.config.file import init_config, set_setting
    from coach.config.settings import load_settings

    target = tmp_path / "config.toml"
    init_config(target)
    before = target.read_text()
    set_setting("breaks.micro.every", "5m", target)
    set_setting("cues.bell", "false", target)
    set_setting("history.rest_days", "sat,sun", target)
    set_setting("cues.bell", "true", target)  # replaces its own line
    after = target.read_text()
    comments = [line for line in before.splitlines() if line.startswith("#")]
    assert all(line in after for line in comments)
    data = tomllib.loads(after)
    assert data["breaks"]["micro"]["every"] == "5m"
    assert data["cues"]["bell"] is True
    assert data["history"]["rest_days"] == ["sat", "sun"]
    assert [line for line in after.splitlines() if line.startswith("bell = ")] == ["bell = true"]
    os.environ["COACH_CONFIG_FILE"] = str(target)
    try:
        loaded = load_settings()
    finally:
        del os.environ["COACH_CONFIG_FILE"]
    assert loaded.breaks.micro.every == 300 and loaded.history.rest_days == ["sat", "sun"]


def test_set_user_setting_refuses_bad_values_and_leaves_the_file(tmp_path: Path) -> None:
    from coach.config.file import set_setting
    from coach.errors import SettingsError

    target = tmp_path / "config.toml"
    target.write_text("# mine\n[cues]\nbell = false\n")
    before = target.read_text()
    with pytest.raises(SettingsError, match=r"breaks\.micro\.every"):
        set_setting("breaks.micro.every", "soon", target)
    with pytest.raises(SettingsError, match="unknown setting"):
        set_setting("cues.bel", "true", target)
    assert target.read_text() == before
