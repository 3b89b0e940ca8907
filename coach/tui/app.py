"""The coach app: the library, a program's details, sessions and their summaries.

A view over the core: the engine paces the session on the app's clock
(injected, so tests use a fake one), :class:`~coach.recording.HistoryRecorder`
writes it through to the history, and the screens only show what they are told.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from coach.clock import Clock, SystemClock
from coach.engine import Event
from coach.history import HistoryError, HistoryStore
from coach.library import Library
from coach.loader import LoadedProgram
from coach.recording import HistoryRecorder, NullRecorder, SessionRecorder
from coach.settings import Settings
from coach.tui.screens.checkin import AdviceScreen, PainScreen, stop_advice
from coach.tui.screens.home import HomeScreen
from coach.tui.screens.session import SessionOutcome, SessionScreen
from coach.tui.screens.summary import SummaryScreen


class CoachApp(App[None]):
    """The terminal exercise coach."""

    TITLE = "coach"
    SUB_TITLE = "exercises for hands, wrists, forearms and necks"
    CSS_PATH = "coach.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False),
        Binding("question_mark,f1", "help", "Help", priority=True),
    ]
    NOTICE_MARK = "safety-notice-seen"
    """A file in the data folder: the first-start safety notice was shown."""

    def __init__(
        self,
        *,
        library: Library,
        settings: Settings,
        clock: Clock | None = None,
        store: HistoryStore | None = None,
        start: LoadedProgram | None = None,
        record: bool = True,
        notice: bool | None = None,
    ) -> None:
        super().__init__()
        self.library = library
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.store = store
        self.record = record
        self.start_program = start
        if notice is None:
            notice = store is not None and not (store.folder / self.NOTICE_MARK).exists()
        self.show_notice = notice
        if settings.ui.theme in self.available_themes:
            self.theme = settings.ui.theme

    def on_mount(self) -> None:
        """Open on the library, or straight on a session (``coach run PROGRAM``)."""
        self.push_screen(HomeScreen(self.library))
        if self.show_notice:
            from coach.tui.screens.help import safety_notice

            self.push_screen(safety_notice(), self._notice_seen)
        elif self.start_program is not None:
            self.start_session(self.start_program)

    def _notice_seen(self, _: None = None) -> None:
        if self.store is not None:
            # If the mark cannot be written, the notice shows again: better than never.
            with contextlib.suppress(OSError):
                (self.store.folder / self.NOTICE_MARK).touch()
        if self.start_program is not None:
            self.start_session(self.start_program)

    def action_progress(self) -> None:
        """The progress screen (read in a worker)."""
        if self.store is None:
            self.notify("No history: progress needs one.", severity="warning")
            return
        from coach.days import local_day, weekday_numbers
        from coach.tui.screens.progress import ProgressScreen

        history = self.settings.history
        self.push_screen(
            ProgressScreen(
                self.store.path,
                local_day(self.clock.now(), history.day_start_time),
                weekday_numbers(history.rest_days),
            )
        )

    def action_settings(self) -> None:
        """The settings screen."""
        from coach.tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen())

    def reload_settings(self) -> None:
        """Read the settings again after the settings screen changed one."""
        from coach.errors import SettingsError
        from coach.settings import load_settings

        try:
            self.settings = load_settings()
        except SettingsError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if self.settings.ui.theme in self.available_themes:
            self.theme = self.settings.ui.theme

    def action_help(self) -> None:
        """The keys and the safety notice."""
        from coach.tui.screens.help import NoticeScreen, help_screen

        if not isinstance(self.screen, NoticeScreen):
            self.push_screen(help_screen())

    # --- history ------------------------------------------------------------------------------

    def status(self) -> dict[str, Any] | None:
        """Streak and today's numbers, or None without a history."""
        if self.store is None:
            return None
        from coach.days import weekday_numbers
        from coach.status import HistorySettings, collect_status

        history = self.settings.history
        prefs = HistorySettings(
            data_dir=self.store.folder,
            day_start=history.day_start_time,
            rest_days=weekday_numbers(history.rest_days),
        )
        try:
            return collect_status(prefs, self.clock.now())
        except HistoryError:
            return None

    # --- sessions -----------------------------------------------------------------------------

    def start_session(self, loaded: LoadedProgram) -> None:
        """Check in (when the program asks), then run a session of ``loaded``."""
        checkin = loaded.program.info.checkin
        if checkin is None or not checkin.pain:
            self._run_session(loaded, None)
            return

        def rated(before: int | None) -> None:
            advice = stop_advice(before, checkin.stop_above)
            if advice is None:
                self._run_session(loaded, before)
                return

            def answered(start: bool | None) -> None:
                if start:
                    self._run_session(loaded, before)

            self.push_screen(AdviceScreen(advice), answered)

        self.push_screen(PainScreen("Before you start: how much pain do you have now?"), rated)

    def _cues(self, loaded: LoadedProgram) -> list[Any]:
        from coach.cues import build_cues

        cues_settings = self.settings.cues
        # The bell goes through Textual (writing \a to the screen would garble it).
        cues = build_cues(
            loaded.program,
            bell=False,
            speech=cues_settings.speech,
            speech_command=cues_settings.speech_command,
            notify_long_rests=cues_settings.notify_long_rests,
            quiet=cues_settings.quiet,
            json_mode=False,
        )
        if cues_settings.bell and not cues_settings.quiet:

            def ring(event: Event) -> None:
                if event.name in ("step_started", "session_completed"):
                    self.bell()

            cues.append(ring)
        return cues

    def _run_session(self, loaded: LoadedProgram, pain_before: int | None) -> None:
        recorder: SessionRecorder = NullRecorder()
        if self.record and self.store is not None:
            history = HistoryRecorder(
                self.store,
                day_start=self.settings.history.day_start_time,
                warn=lambda message: self.notify(message, severity="warning", markup=False),
            )
            history.checkin(pain_before=pain_before)
            recorder = history
        screen = SessionScreen(
            loaded,
            clock=self.clock,
            recorder=recorder,
            cues=self._cues(loaded),
            countdown=self.settings.cues.countdown,
        )

        def finished(outcome: SessionOutcome | None) -> None:
            if outcome is None:
                return
            record = getattr(recorder, "record", None)
            done = None
            if record is not None:
                done = (sum(e.completed for e in record.exercises), len(record.exercises))
            save = None
            if isinstance(recorder, HistoryRecorder):
                history_recorder = recorder

                def save(pain_after: int | None, note: str | None) -> None:
                    history_recorder.checkin(pain_after=pain_after, note=note)

            self.push_screen(
                SummaryScreen(
                    loaded,
                    outcome,
                    status=self.status() if record is not None else None,
                    save_checkin=save,
                    exercises_done=done,
                )
            )

        self.push_screen(screen, finished)
