"""Where coach keeps things: bundled data, the user's config and programs, history.

Every location can be moved with an environment variable, which is how the
tests keep away from the real home directory:

- ``COACH_CONFIG_FILE``: the user's configuration file;
- ``COACH_DATA_DIR``: the folder that holds the history database;
- ``COACH_PROGRAMS_PATH``: extra program folders, separated by ``os.pathsep``;
- ``COACH_CACHE_DIR``: the folder for things coach can always work out again
  (the library's cache).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "coach"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_root(name: str) -> Path:
    """A top-level data folder (``programs`` or ``config``).

    An installed wheel carries it inside the package (``coach/_data``); a
    source checkout or an editable install has it beside the package.
    """
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name


def bundled_programs_dir() -> Path:
    """The folder of programs that ship with coach."""
    return _data_root("programs")


def shipped_config_file() -> Path:
    """The default, commented configuration file that ships with coach."""
    return _data_root("config") / "coach.toml"


def user_config_dir() -> Path:
    """The platform's configuration folder for coach."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def user_config_file() -> Path:
    """The user's configuration file (``COACH_CONFIG_FILE`` overrides)."""
    override = os.environ.get("COACH_CONFIG_FILE")
    if override:
        return Path(override).expanduser()
    return user_config_dir() / "config.toml"


def user_programs_dir() -> Path:
    """The folder for the user's own programs."""
    return user_config_dir() / "programs"


def extra_programs_dirs() -> list[Path]:
    """The folders named in ``COACH_PROGRAMS_PATH``, in order, empty entries dropped."""
    raw = os.environ.get("COACH_PROGRAMS_PATH", "")
    return [Path(part).expanduser() for part in raw.split(os.pathsep) if part.strip()]


def default_data_dir() -> Path:
    """Where history lives unless ``COACH_DATA_DIR`` or the settings say otherwise."""
    override = os.environ.get("COACH_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_cache_dir() -> Path:
    """Where coach keeps what it can always rebuild (``COACH_CACHE_DIR`` overrides)."""
    override = os.environ.get("COACH_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def library_cache_file() -> Path:
    """The library's cache: what each program file said when last checked."""
    return user_cache_dir() / "library.json"


def unusable_path(path: Path) -> str | None:
    """Why ``path`` cannot name a file or folder on this system, or None if it can.

    A setting such as ``data_dir`` can hold anything; a NUL, an over-long
    name or text that is not a file name would only fail later, in every
    command that looks at the folder.
    """
    text = str(path)
    if "\x00" in text:
        return "a path cannot hold the character NUL"
    try:
        encoded = os.fsencode(text)
        parts = [os.fsencode(part) for part in path.parts]
    except UnicodeError:
        return "not text this system can use as a file name"
    if len(encoded) > 4096:
        return f"a path of {len(encoded):,} bytes is longer than the 4,096 a system allows"
    if any(len(part) > 255 for part in parts):
        return "a file or folder name is longer than the 255 bytes a system allows"
    return None
