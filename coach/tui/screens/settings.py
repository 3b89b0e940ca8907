"""Settings: every value in effect, where it came from, and editing into the user's file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Input, Static

from coach.errors import SettingsError
from coach.text import visible
from coach.tui.literal import literal
from coach.tui.messages import SettingsChanged
from coach.tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from coach.config.settings import SettingValue


def show_value(value: Any) -> str:
    """A setting's value as a person reads it (and can type it back)."""
    from coach.config.settings import setting_text

    return setting_text(value)


class EditSetting(ModalScreen[bool]):
    """Type a new value; it is checked, then written to the user's config file."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, key: str, value: str, description: str, save: Callable[[str], Any]):
        super().__init__()
        self.key = key
        self.value = value
        self.description = description
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal(self.key), classes="heading")
            yield Static(literal(self.description))
            yield Input(value=self.value, id="value")
            yield Static("Enter saves it in your config file; escape cancels.", id="problem")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Check and save, or say what is wrong."""
        try:
            self.save(event.value)
        except SettingsError as error:
            self.query_one("#problem", Static).update(literal(str(error)))
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Leave it as it was."""
        self.dismiss(False)


class SettingsScreen(Screen[None]):
    """The effective settings; Enter edits the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit"),
        Binding("r", "reset", "Reset to default"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="layers")
        yield DataTable(id="settings", cursor_type="row", zebra_stripes=True)
        yield Static("", id="description")
        yield KeysFooter()

    def on_mount(self) -> None:
        """Fill the table."""
        table = self.query_one("#settings", DataTable)
        table.add_columns("Setting", "Value", "From")
        self.reload()
        table.focus()

    def reload(self) -> None:
        """Read the settings again, as every layer gives them now."""
        from coach.config.settings import explain_settings

        table = self.query_one("#settings", DataTable)
        row = table.cursor_row
        table.clear()
        try:
            self.values = explain_settings()
        except SettingsError as error:
            self.values = []
            self.query_one("#description", Static).update(literal(str(error)))
            return
        from rich.text import Text  # literal text (a str cell would be read as markup)

        from coach import paths

        shipped, user = str(paths.shipped_config_file()), str(paths.user_config_file())
        home = str(Path.home())
        shown_user = "~" + user[len(home) :] if user.startswith(home + "/") else user
        names = {shipped: "shipped defaults", user: "your config file", "default": "built in"}
        self.query_one("#layers", Static).update(
            literal(
                "Lowest to highest: built in, shipped defaults, your config file "
                f"({shown_user}), COACH_* variables, --set. Enter edits a setting."
            )
        )
        for item in self.values:
            source = names.get(item.source, item.source)
            table.add_row(
                Text(item.key), Text(visible(show_value(item.value))), Text(visible(source))
            )
        if self.values:
            table.move_cursor(row=min(row, len(self.values) - 1))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Say what the highlighted setting does."""
        if 0 <= event.cursor_row < len(self.values):
            item = self.values[event.cursor_row]
            self.query_one("#description", Static).update(literal(item.description))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter (or a click) on a row edits it."""
        self.action_edit()

    def _highlighted(self) -> SettingValue | None:
        table = self.query_one("#settings", DataTable)
        if not 0 <= table.cursor_row < len(self.values):
            return None
        return self.values[table.cursor_row]

    def _saved(self, key: str, said: str) -> None:
        """Show the new value, say where it comes from now, and tell the app."""
        self.reload()
        source = next((v.source for v in self.values if v.key == key), "")
        if source.startswith(("env", "--set")):
            self.notify(
                f"{said}, but {source} overrides it for now.", severity="warning", markup=False
            )
        else:
            self.notify(f"{said}.", markup=False)
        self.post_message(SettingsChanged())

    def action_edit(self) -> None:
        """Edit the highlighted setting; it is saved through ``coach config set``'s code."""
        from coach.config.file import set_setting

        item = self._highlighted()
        if item is None:
            return
        key = item.key

        def done(saved: bool | None) -> None:
            if saved:
                self._saved(key, f"Saved {key}")

        self.app.push_screen(
            EditSetting(
                key, show_value(item.value), item.description, lambda text: set_setting(key, text)
            ),
            done,
        )

    def action_reset(self) -> None:
        """Remove the highlighted setting from your file, as ``coach config unset`` does."""
        from coach.config.file import unset_setting

        item = self._highlighted()
        if item is None:
            return
        try:
            removed = unset_setting(item.key)
        except (SettingsError, OSError) as error:
            self.notify(visible(str(error)), severity="error", markup=False)
            return
        if not removed:
            self.notify(f"{item.key} is not set in your config file.", markup=False)
            return
        self._saved(item.key, f"Reset {item.key} to its default")
