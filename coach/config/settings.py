"""Settings: what coach can be told, where each value comes from, and the config file.

This module owns the :class:`Settings` model and the layers it is read from,
lowest to highest precedence:

1. built-in defaults (the field defaults below);
2. the file that ships with coach, ``config/coach.toml``
   (:func:`coach.paths.shipped_config_file`; it is exactly
   ``render_config(commented_out=False)``, and a test keeps it so);
3. the user's file (:func:`coach.paths.user_config_file`, which
   ``COACH_CONFIG_FILE`` moves; a missing file is fine);
4. environment variables ``COACH_*``, nested with ``__``
   (``COACH_BREAKS__MICRO__EVERY=5m``);
5. command-line overrides (``--set breaks.micro.every=5m``), given to
   :func:`load_settings` as a dict of dotted keys.

The layers, their order and the way they merge are written once, in
:mod:`coach.config.layers`, which the quick readers share. Here
pydantic-settings reads them: each file through its TOML source
(``TomlConfigSettingsSource``, with coach's careful reader underneath), the
environment through its environment source (``EnvSettingsSource`` with
``env_prefix="COACH_"`` and ``env_nested_delimiter="__"``). Each layer is read
on its own, not deep-merged by pydantic-settings before validation, because a
bad value must be blamed on the place it came from (file and line, variable,
or flag) and :func:`explain_settings` must say where every value came from:
each layer becomes a flat ``{key path: (value, origin)}`` map, the maps are
merged in order, the result is validated once, and each error's key path is
looked up in the merged map. ``Settings()`` itself gives the built-in
defaults (plus any keyword arguments) and reads nothing from the environment
or disk, which is also what tests of other modules want.

Nothing here imports Textual or Rich; ``tomli_w`` and ``difflib`` are imported
only by the functions that need them.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from coach import paths
from coach.config import layers
from coach.config.profiles import MICRO_IDEAS
from coach.config.quick import DAY_START_PATTERN
from coach.errors import SettingsError
from coach.files import FileTooLarge, NotARegularFile, read_regular_file
from coach.program import nesting
from coach.program import positions as toml_positions
from coach.program.durations import format_duration, parse_duration
from coach.program.mistakes import without_bom

__all__ = [
    "BreakKind",
    "BreakSettings",
    "CueSettings",
    "Duration",
    "HistorySettings",
    "PositiveDuration",
    "SettingValue",
    "Settings",
    "SettingsError",
    "UISettings",
    "check_setting",
    "effective_data_dir",
    "explain_settings",
    "load_settings",
    "render_config",
    "setting_key",
    "setting_text",
]

# --------------------------------------------------------------------------- durations

_PLAIN_NUMBER = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")


def _to_seconds(value: object) -> float:
    """A duration in seconds from a number, an h/m/s string, or a number written as text.

    Environment variables and ``--set`` values are always text, so ``"90"``
    must mean 90 seconds just as ``90`` does in a TOML file.
    """
    if isinstance(value, str) and _PLAIN_NUMBER.match(value):
        return parse_duration(float(value))
    return parse_duration(value)


Duration = Annotated[float, BeforeValidator(_to_seconds)]
"""Seconds, written as a number (``90``) or h/m/s parts (``"1m30s"``); may be 0."""

PositiveDuration = Annotated[float, BeforeValidator(_to_seconds), Field(gt=0)]
"""A :data:`Duration` that must be more than 0."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


# --------------------------------------------------------------------------- the model


class _Section(BaseModel):
    """A table of the configuration file: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, validate_default=True)


class CueSettings(_Section):
    """How coach tells you what to do while you exercise."""

    bell: bool = True
    """Ring the terminal bell when work starts and at the end, where no sound can be played
    (and for break reminders)."""

    sounds: bool = True
    """Play a short sound when work starts, when a rest starts and at the end, through the
    system's player (pw-play, paplay, aplay, afplay or PowerShell)."""

    metronome: bool = False
    """A soft tick on each second of a tempo phase (needs sounds)."""

    speech: bool = True
    """Say each step aloud: the exercise and its cue as it starts, each phase, "rest", the
    countdown."""

    speech_command: str | None = Field(
        default=None,
        json_schema_extra={"when_unset": "coach looks for a speech command it knows"},
        examples=["espeak-ng -s 150"],
    )
    """The command that speaks; the text to say is added as its last argument."""

    countdown: int = Field(default=3, ge=0, le=10)
    """Seconds of 3-2-1 countdown before each hold or stretch (0 to 10; 0 turns it off)."""

    countdown_min_step: Duration = 5.0
    """Say the countdown aloud only in steps at least this long (shorter ones get just their
    announcement)."""

    notify_long_rests: Duration = 60.0
    """Rests at least this long get a desktop notification, so you can look away."""

    quiet: bool = False
    """Turn off the bell, sounds and speech at once, whatever the settings above say."""


_MAX_IDEAS = 50
_MAX_IDEA = 120


class BreakKind(_Section):
    """One kind of break: how often it comes, how long it lasts, what to do in it."""

    every: PositiveDuration
    """Time at work between two of these breaks."""

    length: PositiveDuration
    """How long the break lasts."""

    program: str | None = Field(
        default=None,
        json_schema_extra={"when_unset": "the break is a plain pause, with no exercises"},
        examples=["typist-micro-break"],
    )
    """The id of the program to run in the break (`coach list` shows them)."""


def _check_ranges(value: list[str] | None) -> list[str] | None:
    from coach.config.hours import HoursError, parse_hours

    if value is not None:
        try:
            parse_hours({"mon": value})
        except HoursError as error:
            raise ValueError(str(error).removeprefix("mon: ")) from None
    return value


Ranges = Annotated[list[str] | None, AfterValidator(_check_ranges)]
"""Ranges of local time, ``["09:00-12:30", "13:30-18:00"]``."""


def _day_hours(day: str) -> Any:
    return Field(
        default=None,
        json_schema_extra={"when_unset": "as weekdays or weekend say, else none"},
    )


class WorkingHours(_Section):
    """When break reminders may come, as ranges of local time for each weekday. With none
    set, at any time; with some, only inside them (a day left out has none)."""

    weekdays: Ranges = Field(
        default=None,
        json_schema_extra={"when_unset": "no working hours: reminders at any time"},
        examples=[["09:00-12:30", "13:30-18:00"]],
    )
    """Monday to Friday, unless a day below is set."""

    weekend: Ranges = Field(default=None, json_schema_extra={"when_unset": "none"}, examples=[[]])
    """Saturday and Sunday, unless a day below is set."""

    mon: Ranges = Field(
        default=None,
        json_schema_extra={"when_unset": "as weekdays says"},
        examples=[["08:00-12:00", "13:00-16:00"]],
    )
    """Monday's ranges."""
    tue: Ranges = _day_hours("Tuesday")
    """Tuesday's ranges."""
    wed: Ranges = _day_hours("Wednesday")
    """Wednesday's ranges."""
    thu: Ranges = _day_hours("Thursday")
    """Thursday's ranges."""
    fri: Ranges = _day_hours("Friday")
    """Friday's ranges."""
    sat: Ranges = _day_hours("Saturday")
    """Saturday's ranges."""
    sun: Ranges = _day_hours("Sunday")
    """Sunday's ranges."""

    def table(self) -> dict[str, list[str]]:
        """The ranges set, by key (for :func:`coach.config.hours.parse_hours`)."""
        return {key: value for key, value in self.model_dump().items() if value is not None}


class BreakSettings(_Section):
    """Break reminders while you work."""

    profile: Literal["typist", "musician", "custom"] = "typist"
    """The kind of work the breaks are planned around. "typist": the timings below;
    "musician": practice blocks, a 30 s micro-break every 15 min and a 5 min rest
    break with the musician's practice break every 30 min; "custom": the timings
    below. Timings you set yourself always win over a profile's."""

    postpone: PositiveDuration = 300.0
    """How long "not now" puts a break off."""

    max_postpones: int = Field(default=2, ge=0)
    """How many times in a row a break may be put off before coach insists."""

    daily_limit: PositiveDuration | None = Field(
        default=None,
        json_schema_extra={"when_unset": "no limit on time at work in a day"},
        examples=["6h"],
    )
    """Time at work in a day after which coach suggests stopping for the day."""

    idle_detection: bool = True
    """Count time away from the keyboard as a break, so breaks don't stack up; where the
    system tells idle time, the timers count time at work, not time on the clock."""

    warning: Duration = 30.0
    """How long before each break to warn of it (0: no warning)."""

    start_on_pause: bool = True
    """Where idle time can be read, start a due break as soon as you stop typing for a
    few seconds, rather than mid-sentence."""

    max_wait: PositiveDuration = 120.0
    """The longest a due break waits for you to stop typing."""

    hours: WorkingHours = Field(default_factory=WorkingHours)
    """Working hours: no reminders outside them, and the timers start fresh at the start
    of each range."""

    micro: BreakKind = Field(default_factory=lambda: BreakKind(every=600, length=20))
    """Micro-breaks: a few seconds away from the keys, often."""

    micro_ideas: list[str] = Field(default_factory=lambda: list(MICRO_IDEAS))
    """Short ideas for a micro-break without a program, one a break in turn, each
    a line of its own (at most 120 characters); [] for the plain words."""

    rest: BreakKind = Field(
        default_factory=lambda: BreakKind(every=3000, length=300, program="rest-break")
    )
    """Rest breaks: a few minutes up from the desk, with a program of stretches."""

    @field_validator("micro_ideas")
    @classmethod
    def _check_micro_ideas(cls, value: list[str]) -> list[str]:
        """Each idea one line of text, not blank, at most 120 characters; at most 50."""
        if len(value) > _MAX_IDEAS:
            raise ValueError(f"at most {_MAX_IDEAS} ideas, not {len(value)}")
        ideas = []
        for idea in value:
            text = idea.strip()
            if not text:
                raise ValueError("an idea is blank: write some words, or leave it out")
            if "\n" in text or "\r" in text:
                raise ValueError(f"{text[:40]!r}...: an idea is one line, without line breaks")
            if len(text) > _MAX_IDEA:
                raise ValueError(f"{text[:40]!r}... is {len(text)} characters: at most {_MAX_IDEA}")
            ideas.append(text)
        return ideas


def usable_folder(value: Path | None) -> Path | None:
    """A folder setting (``data_dir``, ``history.sync_dir``) with ``~`` expanded;
    ValueError for a path no system could use."""
    if value is None:
        return None
    problem = paths.unusable_path(value)
    if problem is not None:
        raise ValueError(problem)
    return value.expanduser()


class HistorySettings(_Section):
    """How your history counts days and streaks."""

    day_start: str = "04:00"
    """When a new day starts, as HH:MM on a 24-hour clock; a session before it
    counts for the day before."""

    rest_days: list[Weekday] = Field(default_factory=list)
    """Days that never break a streak, for example ["sat", "sun"]."""

    sync_dir: Path | None = Field(
        default=None,
        json_schema_extra={"when_unset": "no sync: this computer's history only"},
        examples=["~/Sync/coach"],
    )
    """A folder your sync tool (Syncthing, Nextcloud, Dropbox...) shares between your
    computers: each writes its own journal there and reads the others', so the streak,
    progress and report count every computer's sessions. The history itself stays
    out of it (see docs/sync.md); `coach sync init FOLDER` sets it."""

    @field_validator("sync_dir")
    @classmethod
    def _expand_sync_dir(cls, value: Path | None) -> Path | None:
        """Expand a leading ``~``; refuse a path no system could use."""
        return usable_folder(value)

    @field_validator("day_start")
    @classmethod
    def _check_day_start(cls, value: str) -> str:
        """Accept ``H:MM`` or ``HH:MM`` and keep it as ``HH:MM``."""
        match = DAY_START_PATTERN.match(value.strip())
        if match is None:
            raise ValueError(
                f"{value!r} is not a time of day: write it as HH:MM, from 00:00 to 23:59"
            )
        return f"{int(match[1]):02d}:{match[2]}"

    @property
    def day_start_time(self) -> time:
        """:attr:`day_start` as a :class:`datetime.time`."""
        hours, minutes = self.day_start.split(":")
        return time(int(hours), int(minutes))


class UISettings(_Section):
    """How the full-screen app looks."""

    theme: str = "textual-dark"
    """The colour theme, for example "textual-dark", "textual-light" or "nord"."""


class Settings(BaseSettings):
    """Everything coach can be told.

    ``Settings()`` gives the built-in defaults (plus any keyword arguments) and
    reads nothing else; :func:`load_settings` reads every layer, in order.
    """

    model_config = SettingsConfigDict(
        env_prefix="COACH_",
        env_nested_delimiter="__",
        extra="forbid",
        use_attribute_docstrings=True,
        validate_default=True,
    )

    data_dir: Path | None = Field(
        default=None,
        json_schema_extra={"when_unset": "the platform's data folder, or COACH_DATA_DIR if set"},
        examples=["~/Documents/coach"],
    )
    """The folder that holds your history (in a config file, a relative path is
    relative to the file's folder)."""

    cues: CueSettings = Field(default_factory=CueSettings)
    """Sounds, speech and notifications during a session."""

    breaks: BreakSettings = Field(default_factory=BreakSettings)
    """Break reminders while you work."""

    history: HistorySettings = Field(default_factory=HistorySettings)
    """How your history counts days and streaks."""

    ui: UISettings = Field(default_factory=UISettings)
    """How the full-screen app looks."""

    @field_validator("data_dir")
    @classmethod
    def _expand_data_dir(cls, value: Path | None) -> Path | None:
        """Expand a leading ``~``; refuse a path no system could use."""
        return usable_folder(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only keyword arguments: :func:`load_settings` reads the layers, one by one.

        See the module docstring for why.
        """
        return (init_settings,)


def effective_data_dir(settings: Settings) -> Path:
    """Where history lives: ``settings.data_dir``, or else the platform's data folder."""
    if settings.data_dir is not None:
        return settings.data_dir
    return paths.default_data_dir()


# --------------------------------------------------------------------------- the schema


_Key = tuple[str, ...]


def _strip_annotation(annotation: Any) -> Any:
    """The type under ``Annotated[...]`` and ``X | None``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _section_model(field: FieldInfo) -> type[BaseModel] | None:
    """The model of a field that is a section (a TOML table), else None."""
    annotation = _strip_annotation(field.annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _field_at(key: _Key) -> FieldInfo | None:
    """The field a key path names, or None when there is no such setting."""
    model: type[BaseModel] | None = Settings
    field: FieldInfo | None = None
    for part in key:
        if model is None or part not in model.model_fields:
            return None
        field = model.model_fields[part]
        model = _section_model(field)
    return field


def _model_at(key: _Key) -> type[BaseModel] | None:
    """The model of the section a key path names (``()`` is the whole of Settings)."""
    if not key:
        return Settings
    field = _field_at(key)
    return None if field is None else _section_model(field)


def _is_nullable(field: FieldInfo) -> bool:
    annotation = field.annotation
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


def _is_duration(field: FieldInfo) -> bool:
    """Whether a field holds a duration (and so is written as ``"10m"``)."""

    def validators(annotation: Any) -> Iterator[object]:
        if get_origin(annotation) is Annotated:
            yield from annotation.__metadata__
            yield from validators(get_args(annotation)[0])
        elif get_origin(annotation) in (Union, types.UnionType):
            for arg in get_args(annotation):
                yield from validators(arg)

    found = [*field.metadata, *validators(field.annotation)]
    return any(isinstance(item, BeforeValidator) and item.func is _to_seconds for item in found)


def _leaf_fields(
    model: type[BaseModel] = Settings, prefix: _Key = ()
) -> Iterator[tuple[_Key, FieldInfo]]:
    """Every setting that holds a value (not a section), in the order they are declared."""
    for name, field in model.model_fields.items():
        section = _section_model(field)
        if section is None:
            yield (*prefix, name), field
        else:
            yield from _leaf_fields(section, (*prefix, name))


# --------------------------------------------------------------------------- layers
#
# The layers, their order and how they merge are coach.config.layers' (shared with
# the quick readers); the sources below read each one, with pydantic-settings.

_Origin = layers.Origin
_Layer = layers.Layer
_DEFAULT = layers.DEFAULT
_SET = layers.SET
_VALUE = _Origin("value", "coach config set")


def _defaults_layer() -> _Layer:
    """The built-in defaults, so that a file may set one key of a section."""
    layer: _Layer = {}
    layers.place((), Settings().model_dump(), _DEFAULT, layer)
    return layer


MAX_CONFIG_BYTES = 1024 * 1024
"""Settings files larger than this are refused before they are read."""

_DEPTH_NEEDED = "a settings file needs 2"


def read_settings_file(path: Path) -> tuple[str, dict[str, Any]]:
    """A settings file's text and TOML, read carefully; ``("", {})`` when there is none.

    Refuses what is not a regular file (a FIFO would wait for ever), more than
    1 MiB, text that is not UTF-8 (a leading BOM is dropped), nesting deeper
    than settings go and TOML that does not parse, each as a
    :class:`SettingsError` naming the file and, where there is one, the line.
    The loader reads every settings file through this, and ``coach config
    set`` reads the file it edits through it too.
    """
    try:
        text = without_bom(read_regular_file(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return "", {}
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"{path}: not a UTF-8 text file ({error.reason} at byte {error.start})"
        ) from None
    except NotARegularFile as error:
        raise SettingsError(f"{path}: is {error.kind}, not a settings file") from None
    except FileTooLarge:
        raise SettingsError(f"{path}: larger than the 1 MiB limit for a settings file") from None
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise SettingsError(f"{path}: cannot read the file: {reason}") from None
    where = nesting.too_deep_in_toml(text)
    if where is not None:
        raise SettingsError(f"{path}:{where[0]}:{where[1]}: {nesting.depth_message(_DEPTH_NEEDED)}")
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message, line, column = toml_positions.decode_error_position(error, text)
        where_text = "".join(f":{part}" for part in (line, column) if part is not None)
        raise SettingsError(f"{path}{where_text}: not valid TOML: {message}") from None
    except ValueError:  # int() refused a number of thousands of digits
        raise SettingsError(
            f"{path}: a number of more than {sys.get_int_max_str_digits():,} digits"
        ) from None
    except RecursionError:  # the depth check above should make this impossible
        raise SettingsError(f"{path}: {nesting.depth_message(_DEPTH_NEEDED)}") from None
    deep = nesting.too_deep_in_data(data)
    if deep is not None:
        found = toml_positions.locate(toml_positions.key_positions(text), deep)
        line_text = f":{found[0]}" if found is not None else ""
        raise SettingsError(f"{path}{line_text}: {nesting.depth_message(_DEPTH_NEEDED)}")
    return text, data


class _SettingsFile(TomlConfigSettingsSource):
    """One settings file, read by pydantic-settings' TOML source through coach's careful reader.

    The reader refuses what is not a regular file (a FIFO would wait for ever),
    more than 1 MiB, text that is not UTF-8, and nesting deeper than settings
    go, each with the file's name and, where there is one, the line.
    """

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        self.text = ""
        super().__init__(Settings, toml_file=path)

    def _read_files(self, files: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # The one file, whatever it is: pydantic-settings would skip a folder or a
        # FIFO where the settings should be, and that is worth saying.
        return self._read_file(self.path)

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            self.text, data = read_settings_file(self.path)
        except SettingsError as error:
            self.problems.extend(error.problems)
            return {}
        return data

    def layer(self) -> _Layer:
        """The file as a layer (its keys exactly as written: case counts in a file)."""
        return layers.file_layer(self.path, self.toml_data, self.text)


_REFUSED = object()
"""What :class:`_Environment` gives for a value it could not read (the problem is said)."""


class _Environment(EnvSettingsSource):
    """The ``COACH_*`` variables, read by pydantic-settings' environment source.

    pydantic-settings finds the variables (``env_prefix``, any case) and nests
    them (``env_nested_delimiter``); the text of each value is read as
    ``--set`` reads it (:func:`_from_text`: a list as ``sat,sun`` or JSON, a
    section as JSON, an empty value unsets what may be left out), so a bad one
    is blamed on its variable and the others still count.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.variables = layers.env_variables()
        self.refused: set[str] = set()
        super().__init__(
            Settings,
            case_sensitive=False,
            env_prefix=layers.ENV_PREFIX,
            env_nested_delimiter=layers.ENV_DELIMITER,
        )
        # Two spellings of one name (COACH_DATA_DIR, coach_data_dir): the last in sorted
        # order wins, as for every reader of the layers, not the environment's own order.
        self.env_vars = {name.lower(): os.environ[name] for name in sorted(os.environ)}

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        """A section's or a list's text, read by coach's rules; ``_REFUSED`` with a problem."""
        variable = self._variable_of(field_name, value)
        key = layers.env_key(variable) if variable else None
        try:
            return _from_text(key, value) if key else json.loads(value)
        except ValueError as error:
            problem = f"{variable or field_name}: {error}"
            if problem not in self.problems:  # pydantic-settings may read a value twice
                self.problems.append(problem)
            if variable:
                self.refused.add(variable)
            return _REFUSED

    def _variable_of(self, field_name: str, value: Any) -> str | None:
        """The variable that gave ``value`` to the field (pydantic-settings gives its name only)."""
        for key, variable in self.variables.items():
            if key[-1] == field_name.lower() and os.environ.get(variable) == value:
                return variable
        return None

    def layer(self) -> _Layer:
        """The variables as a layer, each value with the variable that gave it."""
        layer: _Layer = {}
        for name, value in self().items():
            self._place((name,), value, layer)
        # A nested name under no setting (COACH_BOGUS__X, COACH_DATA_DIR__X) is ignored by
        # pydantic-settings; here it is a mistake, and validation names it.
        for key, variable in self.variables.items():
            covered = any(k[: len(key)] == key or key[: len(k)] == k for k in layer)
            if len(key) > 1 and not covered and variable not in self.refused:
                try:
                    value = _from_text(key, os.environ[variable])
                except ValueError as error:
                    self.problems.append(f"{variable}: {error}")
                    continue
                layers.place(key, value, layers.env_origin(variable), layer)
        return layer

    def _place(self, key: _Key, value: Any, layer: _Layer) -> None:
        if value is _REFUSED:
            return
        if key in layers.SECTIONS and isinstance(value, Mapping):
            for name, item in value.items():
                self._place((*key, str(name)), item, layer)
            return
        variable = self._origin_variable(key)
        if variable is None:  # pydantic-settings gave a key no variable names
            return
        if isinstance(value, str) and layers.env_key(variable) == key:
            try:  # the variable's own text (values inside a JSON section are taken as they are)
                value = _from_text(key, value)
            except ValueError as error:
                self.problems.append(f"{variable}: {error}")
                return
        layers.place(key, value, layers.env_origin(variable), layer)

    def _origin_variable(self, key: _Key) -> str | None:
        """The variable that set ``key``: its own, or the nearest section's above it."""
        for length in range(len(key), 0, -1):
            variable = self.variables.get(key[:length])
            if variable is not None:
                return variable
        return None


class _Sources:
    """The full loader's :class:`coach.config.layers.Sources`; problems are collected."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def defaults(self) -> _Layer:
        return _defaults_layer()

    def file(self, path: Path) -> _Layer:
        return _SettingsFile(path, self.problems).layer()

    def environment(self) -> _Layer:
        return _Environment(self.problems).layer()

    def overrides(self, given: Mapping[str, Any]) -> _Layer:
        """Command-line overrides: dotted keys, text values read as for the environment."""
        layer: _Layer = {}
        for dotted, raw in given.items():
            key = layers.set_key(dotted)
            value = raw
            if isinstance(raw, str):
                try:
                    value = _from_text(key, raw)
                except ValueError as error:
                    self.problems.append(f"--set {dotted}: {error}")
                    continue
            layers.place(key, value, _SET, layer)
        return layer


def _json_value(text: str) -> Any:
    """``json.loads``, refusing text nested deeper than settings ever are.

    Raises ValueError (``json.JSONDecodeError`` for text that is not JSON).
    """
    if len(text) > MAX_CONFIG_BYTES:
        raise ValueError(f"longer than the {MAX_CONFIG_BYTES:,} characters a setting may have")
    try:
        value = json.loads(text)
    except RecursionError:
        value = None
    else:
        if nesting.too_deep_in_data(value) is None:
            return value
    raise ValueError(nesting.depth_message("a setting needs 1"))


def _from_text(key: _Key, text: str) -> Any:
    """A value written as text (an environment variable or ``--set``), ready to validate.

    Scalars stay text: validation turns ``"false"`` into False and ``"5m"``
    into 300 seconds. A section or a whole table takes JSON; a list takes
    JSON (``["sat", "sun"]``) or comma-separated items (``sat,sun``). An empty
    value unsets a setting that may be left out. Raises ValueError.
    """
    field = _field_at(key)
    if field is None:
        return text
    if _section_model(field) is not None:
        try:
            return _json_value(text)
        except json.JSONDecodeError as error:
            raise ValueError(
                f'a whole section takes a JSON object such as {{"key": "value"}} ({error})'
            ) from None
    if text == "" and _is_nullable(field):
        return None
    if get_origin(_strip_annotation(field.annotation)) is list:
        if text.lstrip().startswith("["):
            try:
                return _json_value(text)
            except json.JSONDecodeError as error:
                raise ValueError(
                    f"not a JSON list ({error}); write items separated by commas, "
                    'or a JSON list such as ["sat", "sun"]'
                ) from None
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


# --------------------------------------------------------------------------- errors


def _line_of(text: str, key: _Key) -> int | None:
    """The line of ``key`` in TOML text (or of its closest enclosing table or key)."""
    found = toml_positions.locate(toml_positions.key_positions(text), key)
    return None if found is None else found[0]


def _did_you_mean(name: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return "unknown setting"
    import difflib

    known = list(model.model_fields)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"unknown setting {name!r}; did you mean {close[0]!r}?"
    return f"unknown setting {name!r} (the settings here are: {', '.join(known)})"


def _describe(error: Mapping[str, Any], merged: _Layer) -> str:
    """One validation error as a line that names where the bad value came from."""
    loc = tuple(error["loc"])
    key: _Key = tuple(part for part in loc if isinstance(part, str))
    dotted = ""
    for part in loc:
        dotted += f"[{part}]" if isinstance(part, int) else (f".{part}" if dotted else part)
    if error["type"] == "extra_forbidden":
        message = _did_you_mean(key[-1], _model_at(key[:-1]))
    elif error["type"] == "value_error":
        message = str(error["ctx"]["error"])
    else:
        message = str(error["msg"])
        if message[:1].isupper() and message[1:2].islower():
            message = message[0].lower() + message[1:]
        value = error.get("input")
        if isinstance(value, str | int | float | bool):
            message += f" (got {value!r})"
    origin = layers.origin_of(key, merged)
    if origin.kind == "file":
        line = _line_of(origin.text, key)
        where = f"{origin.file}:{line}" if line is not None else f"{origin.file}"
        return f"{where}: {dotted}: {message}"
    if origin.kind == "env":
        if origin.key == key and dotted == ".".join(key):
            return f"{origin.variable}: {message}"
        return f"{origin.variable}: {dotted}: {message}"
    if origin.kind == "set":
        return f"--set {dotted}: {message}"
    if origin.kind == "value":
        return f"{dotted}: {message}"
    return f"built-in default {dotted}: {message}"


# --------------------------------------------------------------------------- loading


def _apply_profile(merged: _Layer) -> None:
    """Break timings from ``breaks.profile`` where nobody set them.

    A profile you choose (:data:`coach.config.profiles.PROFILES`) replaces the built-in
    defaults and the shipped file's values, never what you set in your file,
    the environment or ``--set``; "custom" keeps the defaults.
    """
    from coach.config.profiles import PROFILES

    entry = merged.get(("breaks", "profile"))
    if entry is None:
        return
    profile, chosen = entry
    shipped = paths.shipped_config_file()
    if chosen.kind == "default" or (chosen.kind == "file" and chosen.file == shipped):
        return  # the defaults are the typist's timings already
    if not isinstance(profile, str) or profile not in PROFILES:
        return
    origin = _Origin("default", f"profile {profile}")
    for kind, values in PROFILES[profile].items():
        for name, value in values.items():
            key = ("breaks", kind, name)
            current = layers.origin_of(key, merged)
            if current.kind == "default" or (current.kind == "file" and current.file == shipped):
                merged[key] = (value, origin)


def _load(overrides: Mapping[str, Any] | None) -> tuple[Settings, _Layer]:
    sources = _Sources()
    merged = layers.read_layers(sources, overrides or {})
    _apply_profile(merged)
    problems = sources.problems
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(layers.nest(merged))
    except ValidationError as error:
        problems.extend(_describe(item, merged) for item in error.errors(include_url=False))
    if problems or settings is None:
        raise SettingsError(problems)
    return settings, merged


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read every layer and return the settings.

    ``overrides`` are the command line's ``--set KEY=VALUE`` pairs, with dotted
    keys (``{"breaks.micro.every": "5s"}``); text values are read the way
    environment variables are. Raises :class:`SettingsError`.
    """
    return _load(overrides)[0]


@dataclass(frozen=True)
class SettingValue:
    """One setting, its value, and where that value came from."""

    key: str
    """The dotted key, as in ``breaks.micro.every``."""
    value: Any
    """The value in use (durations in seconds)."""
    source: str
    """``"default"``, a config file's path, ``"env COACH_..."`` or ``"--set"``."""
    description: str
    """What the setting does."""


def explain_settings(overrides: Mapping[str, Any] | None = None) -> list[SettingValue]:
    """Every setting with its value and source, as :func:`load_settings` would read them.

    Raises :class:`SettingsError`.
    """
    settings, merged = _load(overrides)
    result = []
    for key, field in _leaf_fields():
        value: Any = settings
        for part in key:
            value = getattr(value, part)
        origin = merged[key][1] if key in merged else _DEFAULT
        result.append(SettingValue(".".join(key), value, origin.label, field.description or ""))
    return result


# --------------------------------------------------------------------------- writing


_SHIPPED_HEADER = """\
# coach: the default configuration.
#
# This file ships with coach and lists every setting with its default value.
# Don't edit it (an upgrade replaces it): put your changes in your own file.
# `coach config init` writes a commented starting file for you, and
# `coach config path` prints where it lives.
#
# Each of these overrides the one before: this file, your file, environment
# variables COACH_* (nested with "__", as in COACH_BREAKS__MICRO__EVERY=5m),
# then `--set KEY=VALUE` on the command line (as in --set breaks.micro.every=5m).
#
# A duration is a number of seconds (90) or hour, minute and second parts
# ("1m30s", "2h").
"""

_USER_HEADER = """\
# coach: your configuration.
#
# Every setting is listed with its default value, commented out. To change
# one, remove the "# " in front of its line and edit the value; settings left
# commented out keep following coach's defaults. `coach config path` prints
# where this file lives, and `coach config show` prints each setting's value
# and where it came from.
#
# Environment variables COACH_* (nested with "__", as in
# COACH_BREAKS__MICRO__EVERY=5m) and `--set KEY=VALUE` on the command line
# override this file.
#
# A duration is a number of seconds (90) or hour, minute and second parts
# ("1m30s", "2h").
"""


def _comment(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.strip().splitlines()]


def _render_model(
    model: type[BaseModel],
    instance: BaseModel,
    prefix: _Key,
    commented_out: bool,
    lines: list[str],
) -> None:
    import tomli_w

    sections = []
    for name, field in model.model_fields.items():
        section = _section_model(field)
        if section is not None:
            sections.append((name, field, section))
            continue
        value = getattr(instance, name)
        lines.append("")
        lines.extend(_comment(field.description or ""))
        if value is None:
            extra = field.json_schema_extra
            when_unset = extra.get("when_unset") if isinstance(extra, dict) else None
            if not field.examples:
                lines.append(f"# Left out by default: {when_unset or 'not set'}.")
                continue
            lines.append(f"# Left out by default: {when_unset or 'not set'}. Example:")
            example = field.examples[0]
            if isinstance(example, list):  # on one line: a JSON list of strings is TOML
                import json

                lines.append(f"# {name} = {json.dumps(example)}")
            else:
                lines.append("# " + tomli_w.dumps({name: example}).rstrip("\n"))
            continue
        if _is_duration(field):
            value = format_duration(value)
        elif isinstance(value, Path):
            value = str(value)
        # A long list takes several lines: each is commented out.
        for line in tomli_w.dumps({name: value}).rstrip("\n").splitlines():
            lines.append(f"# {line}" if commented_out else line)
    for name, field, section in sections:
        key = (*prefix, name)
        lines.append("")
        lines.append("")
        lines.extend(_comment(field.description or ""))
        lines.append(f"[{'.'.join(key)}]")
        _render_model(section, getattr(instance, name), key, commented_out, lines)


def render_config(*, commented_out: bool) -> str:
    """A complete configuration file of the defaults, each setting explained.

    With ``commented_out=True`` every ``key = value`` line starts with ``# ``,
    so the file documents the defaults without pinning them (``coach config
    init`` writes this); with False it is the file that ships with coach.
    """
    lines = (_USER_HEADER if commented_out else _SHIPPED_HEADER).splitlines()
    _render_model(Settings, Settings(), (), commented_out, lines)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- one value


def setting_text(value: Any, *, unset: str = "", separator: str = ",", no_items: str = "") -> str:
    """A setting's value as text a person reads and can type back to ``coach config set``.

    Durations as ``5m``, ``true``/``false``, lists joined by ``separator``
    (as a JSON list when an item has a comma); ``unset`` for a value left out,
    ``no_items`` for an empty list.
    """
    if value is None:
        return unset
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_duration(value)
    if isinstance(value, list | tuple):
        if any("," in str(item) for item in value):
            # Comma-separated, it would not read back as the same list: JSON does.
            return json.dumps([str(item) for item in value], ensure_ascii=False)
        return separator.join(str(item) for item in value) or no_items
    return str(value)


def setting_key(dotted: str) -> tuple[str, ...]:
    """A dotted key as its parts, if it names one setting; else :class:`SettingsError`."""
    key = tuple(part.strip() for part in dotted.split("."))
    dotted = ".".join(key)
    field = _field_at(key)
    if field is None:
        raise SettingsError(f"{dotted}: {_did_you_mean(key[-1], _model_at(key[:-1]))}")
    section = _section_model(field)
    if section is not None:
        names = ", ".join(f"{dotted}.{name}" for name in section.model_fields)
        raise SettingsError(f"{dotted} is a table of settings; name one of them: {names}")
    return key


def check_setting(dotted: str, text: str) -> Any:
    """One setting's value as it should be written in a config file, or None to unset it.

    ``text`` is read as ``--set`` reads it (``"5m"``, ``"false"``,
    ``"sat,sun"``) and validated on its own, against the built-in defaults, so a
    mistake elsewhere in the layers never stops a fix here. What comes back is
    ready for a TOML file: a duration as the person wrote it (``"5m"``, or a
    number of seconds), a list, a bool, a number or text. An empty ``text`` for
    a setting that may be left out gives None. Raises :class:`SettingsError`
    naming the key.
    """
    key = setting_key(dotted)
    dotted = ".".join(key)
    field = _field_at(key)
    assert field is not None  # setting_key checked it
    try:
        value = _from_text(key, text)
    except ValueError as error:
        raise SettingsError(f"{dotted}: {error}") from None
    if value is None:
        return None
    merged = layers.merge([_defaults_layer(), {key: (value, _VALUE)}])
    try:
        checked: Any = Settings.model_validate(layers.nest(merged))
    except ValidationError as error:
        raise SettingsError(
            [_describe(item, merged) for item in error.errors(include_url=False)]
        ) from None
    for part in key:
        checked = getattr(checked, part)
    if _is_duration(field):
        written = text.strip()
        if _PLAIN_NUMBER.match(written):
            number = float(written)
            return int(number) if number.is_integer() else number
        return written  # "5m" as the person wrote it (it was just validated)
    if isinstance(checked, Path):
        written = text.strip()
        if written.startswith("~") or Path(written).is_absolute():
            return written
        return str(Path.cwd() / written)  # a config file would read it from its own folder
    if isinstance(checked, tuple):
        return list(checked)
    return checked
