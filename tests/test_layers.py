"""One reader of the settings layers: the full loader and the quick readers agree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.config import layers
from coach.config.quick import quick_theme
from coach.config.settings import Settings, effective_data_dir, load_settings
from coach.history.calendar import weekday_numbers
from coach.status import quick_history_settings


def _sections(model: type = Settings, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    from coach.config.settings import _section_model

    found = {prefix}
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        section = _section_model(field)
        if section is not None:
            found |= _sections(section, (*prefix, name))
    return found


def test_the_layers_know_the_models_tables() -> None:
    # layers.py is standard library only, so it names the tables itself; this keeps it true.
    assert _sections() == layers.SECTIONS
    assert set(Settings.model_fields) == layers.TOP_LEVEL


@pytest.mark.parametrize(
    ("variable", "key"),
    [
        ("COACH_BREAKS__MICRO__EVERY", ("breaks", "micro", "every")),
        ("coach_ui__Theme", ("ui", "theme")),
        ("COACH_DATA_DIR", ("data_dir",)),
        ("COACH_CONFIG_FILE", None),  # someone else's
        ("COACH_PROGRAMS_PATH", None),
        ("COACH_BOGUS__X", ("bogus", "x")),  # a mistake, said later
        ("HOME", None),
    ],
)
def test_which_variables_are_settings(variable: str, key: tuple[str, ...] | None) -> None:
    assert layers.env_key(variable) == key


THEMES = st.sampled_from(["nord", "textual-light", "gruvbox", "dracula"])
DAYS = st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), unique=True)
STARTS = st.sampled_from(["03:00", "4:30", "05:15", "23:59", "00:00"])
FOLDERS = st.sampled_from(["data", "/srv/coach-history", "~/coach"])
# Each layer sets some of the four settings the quick readers read, or none.
LAYER = st.fixed_dictionaries(
    {},
    optional={"theme": THEMES, "rest_days": DAYS, "day_start": STARTS, "data_dir": FOLDERS},
)


def _file_text(values: dict[str, object], inline: bool) -> str:
    data: dict[str, object] = {}
    if "data_dir" in values:
        data["data_dir"] = values["data_dir"]
    history = {k: values[k] for k in ("day_start", "rest_days") if k in values}
    if history:
        data["history"] = history
    if "theme" in values:
        data["ui"] = {"theme": values["theme"]}
    if not inline:
        return tomli_w.dumps(data)
    lines = []
    for name, value in data.items():
        if isinstance(value, dict):
            inner = ", ".join(
                f"{k} = {tomli_w.dumps({'v': v})[4:].strip()}" for k, v in value.items()
            )
            lines.append(f"{name} = {{ {inner} }}")
        else:
            lines.append(tomli_w.dumps({name: value}).strip())
    return "\n".join(lines) + "\n"


def _text(name: str, value: object) -> str:
    return ",".join(value) if isinstance(value, list) else str(value)


KEYS = {
    "theme": ("ui", "theme"),
    "rest_days": ("history", "rest_days"),
    "day_start": ("history", "day_start"),
    "data_dir": ("data_dir",),
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    in_file=LAYER,
    in_env=LAYER,
    on_line=LAYER,
    inline=st.booleans(),
    lower_case=st.booleans(),
)
def test_the_quick_readers_agree_with_the_full_loader(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    in_file: dict[str, object],
    in_env: dict[str, object],
    on_line: dict[str, object],
    inline: bool,
    lower_case: bool,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(_file_text(in_file, inline), encoding="utf-8")
    monkeypatch.setenv("COACH_CONFIG_FILE", str(config))
    for name in [n for n in os.environ if n.upper().startswith("COACH_")]:
        if name != "COACH_CONFIG_FILE":
            monkeypatch.delenv(name)  # from an earlier example
    for name, value in in_env.items():
        variable = "COACH_" + "__".join(KEYS[name]).upper()
        monkeypatch.setenv(variable.lower() if lower_case else variable, _text(name, value))
    overrides = {".".join(KEYS[name]): _text(name, value) for name, value in on_line.items()}

    full = load_settings(overrides)

    def not_this(*args: object) -> None:
        raise AssertionError("the quick reader handed over to the full loader")

    monkeypatch.setattr("coach.config.settings.load_settings", not_this)
    assert quick_theme(overrides) == full.ui.theme
    quick = quick_history_settings(overrides)
    assert quick.data_dir == effective_data_dir(full)
    assert quick.day_start == full.history.day_start_time
    assert quick.rest_days == weekday_numbers(full.history.rest_days)


def test_two_spellings_of_one_variable_the_last_in_sorted_order_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Set in the other order, so the environment's own order would give the other answer.
    monkeypatch.setenv("coach_data_dir", str(tmp_path / "lower"))  # sorts after
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "upper"))
    monkeypatch.setenv("coach_ui__theme", "gruvbox")
    monkeypatch.setenv("Coach_Ui__Theme", "nord")
    full = load_settings()
    assert effective_data_dir(full) == tmp_path / "lower"
    assert full.ui.theme == "gruvbox"
    assert quick_history_settings({}).data_dir == tmp_path / "lower"
    assert quick_theme({}) == "gruvbox"
