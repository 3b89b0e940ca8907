"""The user's configuration file: a commented file to start from, and changing one setting in it.

``coach config set KEY VALUE`` and ``coach config unset KEY`` (as ``git
config`` does), and the app's settings screen, edit the file through
:func:`set_setting` and :func:`unset_setting`. They edit it with tomlkit,
which keeps what a person wrote: comments (the one on the changed line too),
blank lines, dotted keys (``micro.every = "5m"``), inline tables (``micro = {
every = "5m" }``) and quoted headers (``["breaks"]``). A new key goes where a
reader looks for it: just after its commented-out default (``# every =
"10m"``, as ``coach config init`` writes them), else after the table's last
setting. Before the file is replaced, the edit is read back: the changed key
must hold the new value and every other value must be as it was, or nothing
is written.

tomlkit is imported only here, and only when a file is written: ``coach
status`` and the app's first frame never load it.
"""

from __future__ import annotations

import errno
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach import paths
from coach.errors import SettingsError
from coach.files import private_folder

if TYPE_CHECKING:
    from tomlkit.container import Container
    from tomlkit.toml_document import TOMLDocument

__all__ = ["init_config", "set_setting", "unset_setting"]


def init_config(path: Path | None = None) -> Path:
    """Write a commented starting configuration file; return its path.

    ``path`` defaults to the user's configuration file. Folders are created as
    needed; an existing file is never overwritten (:class:`FileExistsError`).
    """
    from coach.config.settings import render_config
    from coach.files import write_private

    target = paths.user_config_file() if path is None else path
    private_folder(target.parent)
    try:
        write_private(target, render_config(commented_out=True), exclusive=True)
    except FileExistsError:
        raise FileExistsError(
            errno.EEXIST,
            "a configuration file is already there; coach never overwrites one",
            str(target),
        ) from None
    return target


def set_setting(key: str, text: str, path: Path | None = None) -> Path:
    """Set one setting in the user's configuration file (created if missing); return the file.

    ``text`` is read as ``--set key=text`` reads it and checked on its own
    first (:func:`coach.config.settings.check_setting`); an empty ``text``
    for a setting that may be left out removes it instead. Raises
    :class:`SettingsError` (naming the key, or the file and line) and then
    leaves the file untouched.
    """
    from coach.config.settings import check_setting, setting_key

    parts = setting_key(key)
    value = check_setting(key, text)
    target = paths.user_config_file() if path is None else path
    if value is None:
        unset_setting(key, target)
        return target
    original, document = _read(target)
    _put(document, parts, value)
    _write_checked(target, original, document, parts, value)
    return target


def unset_setting(key: str, path: Path | None = None) -> bool:
    """Remove one setting from the user's configuration file; False if it was not set there.

    Comments and the other settings stay; a table left empty stays too (its
    header may carry a comment). Raises :class:`SettingsError` for a key that
    is not a setting, or a file that cannot be read or parsed.
    """
    from coach.config.settings import setting_key

    parts = setting_key(key)  # an unknown key or a whole table: SettingsError
    target = paths.user_config_file() if path is None else path
    original, document = _read(target)
    if not original:
        return False
    container: Any = document
    for part in parts[:-1]:
        container = container.get(part) if hasattr(container, "get") else None
        if container is None:
            return False
    if not hasattr(container, "get") or parts[-1] not in container:
        return False
    del container[parts[-1]]
    _write_checked(target, original, document, parts, None)
    return True


# --------------------------------------------------------------------------- the file


def _read(target: Path) -> tuple[str, TOMLDocument]:
    """The file's text (``""`` when there is none yet) and its tomlkit document.

    Read as the loader reads it (:func:`coach.config.settings.read_settings_file`),
    so a file it would refuse is refused here with the same message.
    """
    from coach.config.settings import read_settings_file

    try:
        text, _data = read_settings_file(target)
    except SettingsError as error:
        problems = [f"{problem}; fix it by hand first" for problem in error.problems]
        raise SettingsError(problems) from None
    import tomlkit

    return text, tomlkit.parse(text)


def _put(document: TOMLDocument, parts: tuple[str, ...], value: Any) -> None:
    """Set ``parts`` to ``value`` in the document, making the tables it needs."""
    import tomlkit
    from tomlkit.items import AoT, InlineTable

    container: Any = document
    for index, part in enumerate(parts[:-1]):
        if part not in container:
            # A table of its own at the end ([breaks.micro]), not a dotted key.
            remaining = parts[index:]
            table = tomlkit.table()
            table.add(remaining[-1], value)
            for name in reversed(remaining[1:-1]):
                outer = tomlkit.table(is_super_table=True)
                outer.add(name, table)
                table = outer
            container[part] = table.unwrap() if isinstance(container, InlineTable) else table
            return
        container = container[part]
        if isinstance(container, AoT) or not hasattr(container, "get"):
            raise SettingsError(f"{'.'.join(parts[: index + 1])} is not a table in this file")
    name = parts[-1]
    if name in container or isinstance(container, InlineTable):
        container[name] = value  # tomlkit keeps the line's comment and the key's style
        return
    from tomlkit.items import Table

    body: Container = container.value if isinstance(container, Table) else container
    index = _new_key_index(body, name)
    if index >= len(body.body):
        container[name] = value  # at the end, in the table's own style (dotted keys stay dotted)
    else:
        # tomlkit has no public "insert here"; _insert_at has been there since 0.5.
        body._insert_at(index, name, value)


_COMMENTED_KEY = "^#\\s*{}\\s*="


def _new_key_index(body: Container, name: str) -> int:
    """Where a new key goes in a table's body: after its commented-out default, if any,
    else after the last plain setting (before the comments of the next table)."""
    from tomlkit.items import AoT, Comment, Table

    commented = re.compile(_COMMENTED_KEY.format(re.escape(name)))
    entries = body.body
    for index, (_key, item) in enumerate(entries):
        if isinstance(item, Comment) and commented.match(item.as_string().strip()):
            if not item.as_string().strip().endswith("["):
                return index + 1
            # A list over several commented lines: after its closing "# ]".
            for end in range(index + 1, len(entries)):
                line = entries[end][1]
                if not isinstance(line, Comment):
                    break
                if line.as_string().strip() == "# ]":
                    return end + 1
            return index + 1
    last = None
    for index, (key, item) in enumerate(entries):
        if key is not None and not isinstance(item, Table | AoT):
            last = index
    if last is not None:
        return last + 1
    # No setting yet: at the top, or at the top level before the first table and
    # the comments that introduce it.
    first_table = next(
        (index for index, (_k, item) in enumerate(entries) if isinstance(item, Table | AoT)),
        len(entries),
    )
    while first_table > 0 and isinstance(entries[first_table - 1][1], Comment):
        first_table -= 1
    return first_table


def _flatten(data: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if not isinstance(data, dict):
        return {prefix: data}
    flat: dict[tuple[str, ...], Any] = {}
    for name, item in data.items():
        flat.update(_flatten(item, (*prefix, name)))
    return flat


def _write_checked(
    target: Path, original: str, document: TOMLDocument, parts: tuple[str, ...], value: Any
) -> None:
    """Write the edited document, after checking it says what was meant and nothing else."""
    import tomlkit

    updated = tomlkit.dumps(document)
    if not updated.endswith("\n"):
        updated += "\n"
    before = _flatten(tomllib.loads(original)) if original else {}
    try:
        after = _flatten(tomllib.loads(updated))
    except tomllib.TOMLDecodeError:
        after = None
    if after is not None:
        before.pop(parts, None)
        changed = after.pop(parts, None)
        # Empty tables left by an unset read as {} in neither map; nothing else may move.
        if changed != value or before != after:
            after = None
    if after is None:
        raise SettingsError(
            f"{target}: could not change {'.'.join(parts)} safely in this file; edit it by hand"
        )
    from coach.files import write_private

    private_folder(target.parent)
    write_private(target, updated)  # 0600, whole or not at all; a link there is replaced
