"""The quick theme reader gives the full loader's answer, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach import paths
from coach.config.quick import quick_theme
from coach.config.settings import load_settings


@pytest.fixture
def user_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("COACH_CONFIG_FILE", str(path))
    return path


@pytest.mark.parametrize(
    ("text", "environ", "overrides"),
    [
        ("", {}, {}),
        ('[ui]\ntheme = "nord"\n', {}, {}),
        ('ui = { theme = "gruvbox" }\n', {}, {}),
        ('[ui]\ntheme = "nord"\n', {"COACH_UI__THEME": "textual-light"}, {}),
        ("", {"coach_ui__theme": "dracula"}, {}),
        (
            '[ui]\ntheme = "nord"\n',
            {"COACH_UI__THEME": "textual-light"},
            {" ui . theme ": "monokai"},
        ),
        ('[cues]\nbell = false\n[ui]\n# theme = "nord"\n', {}, {}),
    ],
)
def test_the_same_theme_as_the_full_loader(
    user_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    environ: dict[str, str],
    overrides: dict[str, str],
) -> None:
    user_file.write_text(text)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert quick_theme(overrides) == load_settings(overrides).ui.theme


@pytest.mark.parametrize(
    ("text", "environ", "overrides"),
    [
        ("[ui\n", {}, {}),  # not TOML: the full loader says where
        ("[ui]\ntheme = 3\n", {}, {}),
        ('ui = "nord"\n', {}, {}),
        ("", {"COACH_UI": '{"theme": "nord"}'}, {}),
        ("", {}, {"ui": '{"theme": "nord"}'}),
    ],
)
def test_unusual_settings_are_left_to_the_full_loader(
    user_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    environ: dict[str, str],
    overrides: dict[str, str],
) -> None:
    user_file.write_text(text)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert quick_theme(overrides) is None


def test_an_unreadable_file_is_left_to_the_full_loader(user_file: Path) -> None:
    user_file.write_bytes(b'[ui]\ntheme = "\xff"\n')
    assert quick_theme({}) is None
    user_file.unlink()
    user_file.mkdir()
    assert quick_theme({}) is None


def test_the_shipped_file_counts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shipped = tmp_path / "coach.toml"
    shipped.write_text('[ui]\ntheme = "nord"\n')
    monkeypatch.setattr(paths, "shipped_config_file", lambda: shipped)
    assert quick_theme({}) == "nord"
