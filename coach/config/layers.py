"""The settings layers: which there are, in which order, and how they merge. Standard library only.

Lowest to highest precedence:

1. built-in defaults;
2. the file that ships with coach (:func:`coach.paths.shipped_config_file`);
3. the user's file (:func:`coach.paths.user_config_file`; ``COACH_CONFIG_FILE``
   moves it; a missing file is fine);
4. environment variables ``COACH_*``, nested with ``__``
   (``COACH_BREAKS__MICRO__EVERY=5m``; names in any case);
5. the command line's ``--set KEY=VALUE`` (dotted keys, spaces around the dots allowed).

Every reader of settings goes through :func:`read_layers`, so these rules are
written once: the full loader (:func:`coach.config.settings.load_settings`,
and ``coach config show``), whose sources are pydantic-settings' own, and the
quick readers that ``coach status`` and the app's first frame use
(:mod:`coach.config.quick`, :mod:`coach.status`), whose sources are the
standard library's. A reader gives :func:`read_layers` its :class:`Sources`;
each layer is read on its own into a flat ``{key path: (value, origin)}`` map,
so that a bad value is blamed on its file and line, its variable or its flag,
and ``config show`` can say where every value came from. The maps are merged
in order (:func:`merge`); the full loader validates the result once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from coach import paths

ENV_PREFIX = "COACH_"
"""Environment variables that are settings start with this (in any case)."""

ENV_DELIMITER = "__"
"""Nests a variable's name: ``COACH_BREAKS__MICRO__EVERY`` is ``breaks.micro.every``."""

TOP_LEVEL = frozenset({"data_dir", "cues", "breaks", "history", "ui"})
"""The settings at the top of the file (a test keeps this the model's)."""

SECTIONS: frozenset[tuple[str, ...]] = frozenset(
    {
        (),
        ("cues",),
        ("breaks",),
        ("breaks", "hours"),
        ("breaks", "micro"),
        ("breaks", "rest"),
        ("history",),
        ("ui",),
    }
)
"""The tables of the settings, ``()`` being the whole (a test keeps this the model's)."""

Key = tuple[str, ...]


@dataclass(frozen=True)
class Origin:
    """Where a value came from."""

    kind: Literal["default", "file", "env", "set", "value"]
    label: str
    """What ``coach config show`` reports as the source."""
    file: Path | None = None
    text: str = ""
    """The file's text, to find the line of a key."""
    variable: str = ""
    """The environment variable, as it is spelled in the environment."""
    key: Key = ()
    """The key path the environment variable names."""


DEFAULT = Origin("default", "default")
SET = Origin("set", "--set")

Layer = dict[Key, tuple[Any, Origin]]
"""One layer, flat: ``{("breaks", "micro", "every"): ("5m", origin)}``."""


class Sources(Protocol):
    """How a reader reads each kind of layer."""

    def defaults(self) -> Layer:
        """The built-in defaults (the quick readers have their own, and give none)."""
        ...

    def file(self, path: Path) -> Layer:
        """One TOML file; a missing file gives none."""
        ...

    def environment(self) -> Layer:
        """The ``COACH_*`` variables that name settings."""
        ...

    def overrides(self, given: Mapping[str, Any]) -> Layer:
        """The command line's ``--set`` pairs."""
        ...


def read_layers(sources: Sources, overrides: Mapping[str, Any]) -> Layer:
    """Every layer, read by ``sources`` in order and merged: the settings before validation."""
    return merge(
        [
            sources.defaults(),
            sources.file(paths.shipped_config_file()),
            sources.file(paths.user_config_file()),
            sources.environment(),
            sources.overrides(overrides),
        ]
    )


# --------------------------------------------------------------------------- names


def env_key(variable: str) -> Key | None:
    """The key path an environment variable names, or None when it is not a setting.

    A name without the delimiter that is no setting (``COACH_CONFIG_FILE``,
    ``COACH_PROGRAMS_PATH``) belongs to someone else; a nested name that is no
    setting (``COACH_BREAKS__MICRO__EVRY``) is still a key, and an error later.
    """
    if not variable.upper().startswith(ENV_PREFIX):
        return None
    key = tuple(part.lower() for part in variable[len(ENV_PREFIX) :].split(ENV_DELIMITER))
    if len(key) == 1 and key[0] not in TOP_LEVEL:
        return None
    return key


def env_variables(environ: Mapping[str, str] | None = None) -> dict[Key, str]:
    """The variables that name settings, by key path: when two spell one key in
    different cases, the last in sorted order wins."""
    environ = os.environ if environ is None else environ
    found: dict[Key, str] = {}
    for variable in sorted(environ):
        key = env_key(variable)
        if key is not None:
            found[key] = variable
    return found


def set_key(dotted: str) -> Key:
    """The key path of a ``--set`` key (``" ui . theme "`` is ``("ui", "theme")``)."""
    return tuple(part.strip() for part in dotted.split("."))


def env_origin(variable: str) -> Origin:
    """The origin of a value from ``variable``."""
    key = env_key(variable) or ()
    return Origin("env", f"env {variable}", variable=variable, key=key)


# --------------------------------------------------------------------------- layers


def place(key: Key, value: Any, origin: Origin, layer: Layer) -> None:
    """Put a value into a layer, one entry per setting.

    A table given where a section is expected is taken apart, so that a later
    layer can change one key of it and keep the rest.
    """
    if key in SECTIONS and isinstance(value, Mapping):
        for name, item in value.items():
            place((*key, str(name)), item, origin, layer)
    else:
        layer[key] = (value, origin)


def file_layer(path: Path, data: Mapping[str, Any], text: str) -> Layer:
    """A TOML file's settings as a layer.

    A relative ``data_dir`` (or ``history.sync_dir``) in a file means beside that
    file, not wherever coach happens to be started from.
    """
    origin = Origin("file", str(path), file=path, text=text)
    layer: Layer = {}
    place((), data, origin, layer)
    for key in (("data_dir",), ("history", "sync_dir")):
        given = layer.get(key)
        if given is not None and isinstance(given[0], str):
            folder = Path(given[0]).expanduser()
            if not folder.is_absolute():
                folder = path.parent / folder
            layer[key] = (str(folder), origin)
    return layer


def merge(layers: list[Layer]) -> Layer:
    """Layers merged, later ones winning, one entry per key path.

    When a later layer sets a key, it replaces any earlier entry at that path,
    above it (a table given as a plain value) or below it.
    """
    merged: Layer = {}
    for layer in layers:
        for key, entry in layer.items():
            for other in [o for o in merged if o[: len(key)] == key or key[: len(o)] == o]:
                del merged[other]
            merged[key] = entry
    return merged


def nest(merged: Layer) -> dict[str, Any]:
    """The nested dict that the model validates."""
    data: dict[str, Any] = {}
    for key, (value, _origin) in merged.items():
        if not key:
            continue
        table = data
        for part in key[:-1]:
            table = table.setdefault(part, {})
        table[key[-1]] = value
    return data


def origin_of(key: Key, merged: Layer) -> Origin:
    """The layer that gave the value at ``key`` (or, for a section, its last word)."""
    for length in range(len(key), -1, -1):
        entry = merged.get(key[:length])
        if entry is not None:
            return entry[1]
    # Entries keep the order of the layers they came from, so the last one
    # under the section is from the layer with the highest precedence.
    below = [origin for k, (_, origin) in merged.items() if k[: len(key)] == key]
    return below[-1] if below else DEFAULT
