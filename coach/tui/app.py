"""The coach app: the library, a program's details, sessions and their summaries.

A view over the core: the engine paces the session on the app's clock
(injected, so tests use a fake one), :class:`~coach.session.recording.HistoryRecorder`
writes it through to the history, and the screens only show what they are told.

Start-up is a feature. The first frame needs only Textual, the library's
listing (from its cache: :mod:`coach.program.library_cache`) and the theme
(:mod:`coach.config.quick`). The rest comes just after it, in
:meth:`CoachApp.on_ready`: the history and the streak line (~12 ms of imports
and SQLite), then, in a thread, the full settings and the program loader
(~170 ms of pydantic); the session screens are imported when first used.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from coach.clock import Clock, SystemClock
from coach.safety import NOTICE_MARK, mark_notice_seen, notice_seen
from coach.text import visible
from coach.tui.messages import SettingsChanged, StartSession
from coach.tui.screens.home import HomeScreen

if TYPE_CHECKING:
    from coach.breaks.host import IdleReader
    from coach.config.settings import Settings
    from coach.errors import SettingsError
    from coach.history.records import SessionRecord
    from coach.history.store import HistoryStore
    from coach.history.sync import SyncLoop, SyncResult
    from coach.notify import Sender
    from coach.program.library import Library
    from coach.program.loader import LoadedProgram
    from coach.session.recording import HistoryRecorder, SessionRecorder
    from coach.status import HistorySettings, Status
    from coach.tui.break_watch import BreakWatch
    from coach.tui.screens.session import SessionOutcome


@dataclass(frozen=True)
class AppContext:
    """Everything the app is started with: what to show, the services it uses, and how.

    ``coach`` (:mod:`coach.cli.session`) makes one from the command line;
    tests make their own, with a fake clock and a history in a temporary folder.
    """

    library: Library
    """The programs to list."""
    settings: Settings | None = None
    """The full settings; None: read just after the first frame, with ``overrides``."""
    theme: str | None = None
    """The theme of the first frame, when ``settings`` are read later."""
    overrides: Mapping[str, str] = field(default_factory=dict)
    """The command line's ``--set`` pairs."""
    clock: Clock | None = None
    """The clock sessions and breaks keep time by (the system's when None)."""
    store: HistoryStore | None = None
    """The history, already open (needs ``settings``)."""
    open_history: bool = False
    """Open the history the settings name just after the first frame, instead of ``store``."""
    start: LoadedProgram | None = None
    """A program to start at once (``coach run PROGRAM``)."""
    record: bool = True
    """Keep sessions in the history (``--no-record``: False)."""
    notice: bool | None = None
    """Show the safety notice first; None: on the first start only."""
    breaks: bool = True
    """Keep the break timers and prompt when a break is due (needs the history)."""
    idle: IdleReader | None = None
    """How long the person has been idle, for natural breaks."""
    detect_idle: bool = False
    """Find the platform's idle probe when ``idle`` is None and the settings want one."""
    notifier: Sender | None = None
    """Sends the desktop notification of a break due while the terminal is not in front."""
    detect_notifier: bool = False
    """Find the system's notifier (:mod:`coach.notify`) when first needed, if ``notifier``
    is None; without either, a break due out of sight only rings the bell."""


class CoachApp(App[None]):
    """The terminal exercise coach."""

    TITLE = "coach"
    SUB_TITLE = "exercises for hands, wrists, forearms and necks"
    CSS_PATH = "coach.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False),
        Binding("question_mark,f1", "help", "Help", priority=True),
        Binding("f4", "pause_breaks", "Pause breaks", show=False),
    ]
    NOTICE_MARK = NOTICE_MARK
    """A file in the data folder: the first-start safety notice was shown."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        if context.store is not None and context.settings is None:
            raise ValueError("a CoachApp given a store needs the settings too")
        self.context = context
        self.library = context.library
        self._settings = context.settings
        self._overrides = dict(context.overrides)
        self.settings_error: SettingsError | None = None
        """Set when the settings turned out bad; the app then exits (code 2)."""
        self.clock: Clock = context.clock or SystemClock()
        self.store = context.store
        self.history_settings: HistorySettings | None = None
        """How the history counts days: read with the store."""
        theme = context.theme
        if context.settings is not None:
            self.history_settings = _history_settings(context.settings)
            theme = context.settings.ui.theme
        self._history_to_open = context.open_history and context.store is None
        self.record = context.record
        self.start_program = context.start
        self._notice = context.notice
        self.breaks_enabled = context.breaks
        self.idle = context.idle
        """How long the person has been idle, where the platform tells (for natural breaks)."""
        self._detect_idle = context.detect_idle and context.idle is None
        self.break_watch: BreakWatch | None = None
        self.sync_loop: SyncLoop | None = None
        """Syncs the history through ``history.sync_dir``, when one is set."""
        self._sync_said: str | None = None
        self._home = HomeScreen(
            self.library, status=self.status, today=self.today, first_day=self.first_day
        )
        if theme is not None and theme in self.available_themes:
            self.theme = theme

    # --- start-up -----------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast, the screens' too: its text may carry a path, a value or a title
        from outside, so it is shown with unsafe characters made visible."""
        super().notify(
            visible(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    async def action_quit(self) -> None:
        """Ctrl+Q: quit at once, except in a session, which asks first and is kept."""
        session_module = sys.modules.get("coach.tui.screens.session")  # imported with a session
        if session_module is not None:
            for screen in reversed(self.screen_stack):
                if isinstance(screen, session_module.SessionScreen):
                    screen.ask_to_stop(quit_app=True)
                    return
        self.exit()

    def get_default_screen(self) -> Screen[Any]:
        """The library is the first screen, not pushed over a blank one in
        :meth:`on_mount`: that cost a whole extra frame, ~20 ms, before the list showed."""
        return self._home

    def on_mount(self) -> None:
        """The safety notice on the first start, or a session at once (``coach run PROGRAM``)."""
        if not self._history_to_open:
            self._after_history()

    def on_ready(self) -> None:
        """After the first frame: the history, then the full settings in a thread."""
        if self._history_to_open:
            self.open_history()
        if self._settings is None and self.settings_error is None:
            self._read_settings()

    def open_history(self) -> None:
        """Open the history (once), then show the streak and, on the first start, the notice."""
        if not self._history_to_open:
            return
        self._history_to_open = False
        from coach.errors import SettingsError
        from coach.history.records import HistoryError
        from coach.history.store import HistoryStore

        try:
            prefs = self._quick_history_settings()
        except SettingsError as error:
            self._bad_settings(error)
            return
        try:
            self.store = HistoryStore.in_folder(prefs.data_dir)
        except HistoryError as error:
            self.notify(
                f"The history cannot be used: {error}", severity="error", markup=False, timeout=10
            )
        else:
            self.history_settings = prefs
            self._home.refresh_today()
        self._after_history()

    def _quick_history_settings(self) -> HistorySettings:
        if self._settings is not None:
            return _history_settings(self._settings)
        # Without pydantic; it hands over to the full loader if anything is unusual.
        from coach.status import quick_history_settings

        return quick_history_settings(self._overrides)

    def _after_history(self) -> None:
        self._start_breaks()
        self._start_sync()
        notice = self._notice
        if notice is None:
            notice = self.store is not None and not notice_seen(self.store.folder)
        if notice:
            from coach.tui.screens.help import safety_notice

            self.push_screen(safety_notice(), self._notice_seen)
        elif self.start_program is not None:
            self.start_session(self.start_program)

    def _notice_seen(self, _: None = None) -> None:
        if self.store is not None:
            mark_notice_seen(self.store.folder)
        if self.start_program is not None:
            self.start_session(self.start_program)

    # --- settings -----------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The full settings; read now if the thread has not read them yet.

        Raises :class:`coach.errors.SettingsError` if they are bad, and the app
        then exits: see :meth:`full_settings` for callers that would rather not.
        """
        if self._settings is None:
            from coach.config.settings import load_settings
            from coach.errors import SettingsError

            try:
                self._use_settings(load_settings(self._overrides))
            except SettingsError as error:
                self._bad_settings(error)
                raise
        assert self._settings is not None
        return self._settings

    def full_settings(self) -> Settings | None:
        """The full settings, or None if they are bad (and the app is exiting)."""
        from coach.errors import SettingsError

        try:
            return self.settings
        except SettingsError:
            return None

    @work(thread=True, exclusive=True, group="settings")
    def _read_settings(self) -> None:
        # ~170 ms of imports (pydantic-settings, pydantic): in a thread after
        # the first frame, so neither that frame nor the first keys wait for them.
        from coach.config.settings import load_settings
        from coach.errors import SettingsError

        try:
            settings = load_settings(self._overrides)
        except SettingsError as error:
            self.call_from_thread(self._bad_settings, error)
            return
        # The program loader's pydantic models, so that opening a program is quick too.
        import coach.program.loader
        import coach.program.timeline  # noqa: F401

        self.call_from_thread(self._settings_read, settings)

    def _settings_read(self, settings: Settings) -> None:
        if self._settings is None:
            self._use_settings(settings)

    def _use_settings(self, settings: Settings) -> None:
        self._settings = settings
        if self.store is not None:
            self.history_settings = _history_settings(settings)
        self._start_breaks()
        self._start_sync()
        if settings.ui.theme in self.available_themes and settings.ui.theme != self.theme:
            self.theme = settings.ui.theme

    def _bad_settings(self, error: SettingsError) -> None:
        """Bad settings stop the app; ``coach`` then says why, as it does before starting."""
        if self.settings_error is None:
            self.settings_error = error
            self.exit(return_code=2)

    def on_settings_changed(self, _: SettingsChanged) -> None:
        """The settings screen changed the user's file: read every layer again."""
        self.reload_settings()

    def reload_settings(self) -> None:
        """Read the settings again after the settings screen changed one."""
        from coach.config.settings import load_settings
        from coach.errors import SettingsError

        try:
            settings = load_settings(self._overrides)
        except SettingsError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self._use_settings(settings)

    # --- breaks -------------------------------------------------------------------------------

    def _start_breaks(self) -> None:
        """Keep the break timers once both the history and the settings are known."""
        if not self.breaks_enabled or self.store is None or self._settings is None:
            return
        from coach.breaks.scheduler import BreakPolicy
        from coach.breaks.words import BreakProgram, IdeaTurns

        titles = {entry.id: entry.listing.title for entry in self.library.entries}
        breaks = self._settings.breaks
        policy = BreakPolicy.from_settings(breaks).with_titles(titles)
        programs = {
            entry.id: BreakProgram(
                entry.listing.title, entry.listing.total_seconds, entry.listing.summary
            )
            for entry in self.library.entries
            if entry.id in (breaks.micro.program, breaks.rest.program)
        }
        ideas = IdeaTurns.starting_at(breaks.micro_ideas, self.clock.now())
        if self.break_watch is not None:
            # The settings changed: the same timers under the new policy.
            self.break_watch.host.policy = policy
            self.break_watch.programs = programs
            if self.break_watch.ideas.ideas != ideas.ideas:
                self.break_watch.ideas = ideas
            self.break_watch.kick()
            return
        from coach.breaks.host import BreakHost
        from coach.tui.break_watch import BreakWatch

        if self._detect_idle and policy.idle_detection:
            from coach.breaks.idle import find_idle_probe

            self.idle = find_idle_probe()
        host = BreakHost(
            self.store,
            policy,
            self.clock,
            day_start=self._settings.history.day_start_time,
            idle=self.idle,
        )
        self.break_watch = BreakWatch(
            self,
            host,
            start_program=self._start_break_program,
            on_change=self._show_break,
            play_end=self._break_over_sound,
            programs=programs,
            ideas=ideas,
            notifier=self.context.notifier,
            find_notifier=self.context.detect_notifier,
        )
        from coach.breaks.sessions import prescribed_in

        self.break_watch.prescribed = tuple(prescribed_in(self.library))
        self.run_worker(self.break_watch.run(), name="breaks", group="breaks", exclusive=True)

    def _show_break(self) -> None:
        from coach.tui.screens.breaks import banner_text

        watch = self.break_watch
        text = ""
        if watch is not None:
            text = banner_text(
                watch.upcoming,
                self.clock.monotonic(),
                warning=watch.host.policy.warning,
                paused_until=watch.paused_until,
                wall=self.clock.now(),
            )
        self._home.show_break(text)

    def _break_over_sound(self) -> None:
        """The session's end sound when a timed break is over; the bell where none plays."""
        cues = self.settings.cues
        if cues.quiet:
            return
        if cues.sounds:
            from coach.session.audio import SoundPlayer, find_audio_output, find_player

            command = find_player()
            if command is not None and find_audio_output().heard:
                player = SoundPlayer(command)
                player.play("end")
                player.close(wait=0)  # it plays the sound, then its thread ends
                return
        if cues.bell:
            self.bell()

    def action_pause_breaks(self) -> None:
        """F4: pause break reminders for an hour, or resume them if they are paused."""
        watch = self.break_watch
        if watch is None:
            self.notify("Break reminders are off here.", markup=False)
            return
        if watch.paused_until is not None:
            watch.resume()
            self.notify("Break reminders are back on.", markup=False)
            return
        self._pause_breaks(["1h"])

    def _pause_breaks(self, words: list[str]) -> None:
        from coach.breaks.pause import format_until, pause_until

        watch = self.break_watch
        if watch is None:
            return
        wall = self.clock.now()
        until = pause_until(words, wall, watch.host.day_start)
        watch.pause(until)
        self.notify(
            f"Break reminders paused until {format_until(until, wall)} (F4 resumes them).",
            markup=False,
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: Textual's commands, and pausing break reminders."""
        yield from super().get_system_commands(screen)
        if self.break_watch is None:
            return
        yield SystemCommand(
            "Pause break reminders for an hour",
            "No break reminders for an hour (F4)",
            lambda: self._pause_breaks(["1h"]),
        )
        yield SystemCommand(
            "Pause break reminders until tomorrow",
            "No break reminders until the next day starts",
            lambda: self._pause_breaks(["tomorrow"]),
        )
        yield SystemCommand(
            "Resume break reminders",
            "End a pause of break reminders now",
            self._resume_breaks,
        )

    def _resume_breaks(self) -> None:
        watch = self.break_watch
        if watch is not None and watch.resume():
            self.notify("Break reminders are back on.", markup=False)
        else:
            self.notify("Break reminders were not paused.", markup=False)

    def _start_break_program(self, program_id: str) -> bool:
        entry = self.library.get(program_id)
        if entry is None:
            return False
        from coach.errors import ProgramError

        try:
            loaded = entry.load()
        except ProgramError:
            return False
        self.start_session(loaded)
        return True

    def on_unmount(self) -> None:
        """Save when the break timers were last kept, so a restart knows."""
        if self.break_watch is not None:
            self.break_watch.close()
        if self.sync_loop is not None:
            self.sync_loop.stop()

    # --- sync ---------------------------------------------------------------------------------

    def _start_sync(self) -> None:
        """Sync now and every few minutes, once the history and the settings are known."""
        if self.store is None or self._settings is None or not self.record:
            return
        folder = self._settings.history.sync_dir
        if self.sync_loop is not None:
            if self.sync_loop.folder == folder:
                return
            self.sync_loop.stop()  # the settings screen changed it
            self.sync_loop = None
        if folder is None:
            return
        from coach.history.sync import SyncLoop

        def report(outcome: SyncResult | str) -> None:
            self.call_from_thread(self._synced, outcome)

        self.sync_loop = SyncLoop(self.store.folder, folder, report).start()

    def _synced(self, outcome: SyncResult | str) -> None:
        if isinstance(outcome, str):
            if outcome != self._sync_said:  # said once, not every few minutes
                self._sync_said = outcome
                self.notify(outcome, title="Sync", severity="warning", markup=False)
            return
        self._sync_said = None
        if outcome.added or outcome.updated:
            self._home.refresh_today()  # sessions from another computer: the streak moved
        for warning in outcome.warnings:
            self.notify(warning, title="Sync", severity="warning", markup=False, timeout=10)

    # --- screens ------------------------------------------------------------------------------

    def action_progress(self) -> None:
        """The progress screen (read in a worker)."""
        self.open_history()
        if self.store is None or self.history_settings is None:
            self.notify("No history: progress needs one.", severity="warning")
            return
        from coach.history.calendar import local_day
        from coach.tui.screens.progress import ProgressScreen

        history = self.history_settings
        self.push_screen(
            ProgressScreen(
                self.store.path,
                local_day(self.clock.now(), history.day_start),
                history.rest_days,
                self._plans(),
            )
        )

    def action_settings(self) -> None:
        """The settings screen."""
        from coach.tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen())

    def action_help(self) -> None:
        """The keys and the safety notice."""
        from coach.tui.screens.help import NoticeScreen, help_screen

        if not isinstance(self.screen, NoticeScreen):
            self.push_screen(help_screen())

    # --- history ------------------------------------------------------------------------------

    def _plans(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        """(id, title, plan) of the library's programs: what is due, which days are off."""
        return [
            (entry.id, entry.listing.title, entry.listing.plan) for entry in self.library.entries
        ]

    def status(self) -> Status | None:
        """Streak and today's numbers, or None without a history."""
        if self.store is None or self.history_settings is None:
            return None
        import dataclasses

        from coach.history.records import HistoryError
        from coach.status import collect_status

        prefs = dataclasses.replace(self.history_settings, data_dir=self.store.folder)
        try:
            plans = [
                (entry.id, entry.listing.title, entry.listing.plan)
                for entry in self.library.entries
            ]
            return collect_status(prefs, self.clock.now(), plans)
        except HistoryError:
            return None

    # --- sessions -----------------------------------------------------------------------------

    def on_start_session(self, message: StartSession) -> None:
        """A screen asked for a session (the program screen's Enter)."""
        self.start_session(message.loaded)

    def today(self) -> datetime.date:
        """Today, as the history counts days (after ``history.day_start``)."""
        from coach.history.calendar import local_day

        return local_day(self.clock.now(), self.settings.history.day_start_time)

    def first_day(self, program: str) -> datetime.date | None:
        """The day of ``program``'s first recorded session (a protocol's week 1), if any."""
        from coach.history.records import HistoryError

        if self.store is None:
            return None
        try:
            return self.store.first_day(program)
        except HistoryError:
            return None

    def start_session(self, loaded: LoadedProgram) -> None:
        """Check in (when the program asks), then run a session of ``loaded``."""
        self.open_history()
        if self.full_settings() is None:
            return  # bad settings: the app is exiting to say so
        from coach.history.records import HistoryError
        from coach.tui.screens.checkin import (
            AdviceScreen,
            NextDayScreen,
            PainScreen,
            Rating,
            symptom_advice,
        )

        # The dose prescribed today (the phase in force; a protocol's from its first session).
        loaded = loaded.on(self.today(), self.first_day(loaded.program.id))
        checkin = loaded.program.info.checkin
        if checkin is None or not (checkin.asked or checkin.next_day) or not self.record:
            # --no-record keeps nothing, so it asks nothing either.
            self._run_session(loaded, {})
            return
        asked = checkin.asked
        before: dict[str, int] = {}

        def declined() -> None:
            # Kept as declined, with the ratings: it never counts as done.
            history = self._history_recorder(checkin.ask is not None, before)
            if history is not None:
                history.start(loaded)
                history.decline(self.clock.now())

        def after_ratings() -> None:
            advice = [
                text
                for name, rating in before.items()
                if (text := symptom_advice(name, rating, checkin.limit(name))) is not None
            ]
            if not advice:
                self._run_session(loaded, before)
                return

            def answered(start: bool | None) -> None:
                if start:
                    self._run_session(loaded, before)
                else:
                    declined()

            self.push_screen(AdviceScreen("\n".join(advice)), answered)

        def ask(index: int) -> None:
            if index == len(asked):
                after_ratings()
                return
            name = asked[index]

            def rated(answer: Rating | None) -> None:
                if answer is None:
                    return  # escape: back, nothing started
                if answer.value is not None:
                    before[name] = answer.value
                ask(index + 1)

            self.push_screen(
                PainScreen(f"Before you start: how much {name} do you have now?", name), rated
            )

        last = self._next_day_session(loaded) if checkin.next_day else None
        if last is None:
            ask(0)
            return

        def next_day(answer: str | None) -> None:
            if answer is None:
                return  # escape: back, nothing started
            if answer != "skip" and self.store is not None:
                from coach.session.recording import answer_next_day

                try:
                    answer_next_day(self.store, last, answer)  # type: ignore[arg-type]
                except HistoryError as error:
                    self.notify(str(error), severity="warning", markup=False)
            ask(0)

        self.push_screen(NextDayScreen(last.local_date.isoformat()), next_day)

    def _next_day_session(self, loaded: LoadedProgram) -> SessionRecord | None:
        """The session the next-day question is about today, or None."""
        if self.store is None:
            return None
        from coach.history.records import HistoryError
        from coach.session.recording import next_day_session

        try:
            return next_day_session(self.store, loaded.program.id, self.today())
        except HistoryError:
            return None

    def _history_recorder(self, symptoms: bool, before: dict[str, int]) -> HistoryRecorder | None:
        """A recorder for the history with the ratings before, or None (not recorded)."""
        from coach.session.recording import HistoryRecorder

        if not (self.record and self.store is not None and self.history_settings is not None):
            return None
        history = HistoryRecorder(
            self.store,
            day_start=self.history_settings.day_start,
            warn=lambda message: self.notify(message, severity="warning", markup=False),
        )
        if symptoms:
            history.checkin(symptoms_before=before)
        else:
            history.checkin(pain_before=before.get("pain"))
        return history

    def _cues(self, loaded: LoadedProgram) -> list[Any]:
        from coach.session.cues import CueOptions, build_cues

        # The bell goes through Textual (writing \a to the screen would garble it).
        return build_cues(
            loaded.program,
            CueOptions.from_settings(self.settings.cues),
            json_mode=False,
            clock=self.clock,
            ring=self.bell,
        )

    def _run_session(self, loaded: LoadedProgram, before: dict[str, int]) -> None:
        from coach.session.recording import HistoryRecorder, NullRecorder
        from coach.tui.screens.session import SessionScreen
        from coach.tui.screens.summary import SummaryScreen

        checkin = loaded.program.info.checkin
        symptoms = checkin is not None and checkin.ask is not None
        recorder: SessionRecorder = NullRecorder()
        history = self._history_recorder(symptoms, before)
        if history is not None:
            recorder = history
        cues = self._cues(loaded)
        screen = SessionScreen(
            loaded,
            clock=self.clock,
            recorder=recorder,
            cues=cues,
            countdown=self.settings.cues.countdown,
        )

        def finished(outcome: SessionOutcome | None) -> None:
            if self.break_watch is not None:
                self.break_watch.kick()  # a session is a break: the timers start again
            if self.sync_loop is not None:
                self.sync_loop.poke()  # to the other computers now
            if outcome is None:
                return
            if self.store is not None:  # no cues at all (quiet) clears an old failure too
                from coach.session.cues import remember_problems

                remember_problems(self.store.folder, outcome.cue_problems, self.clock.now())
            if outcome.cue_problems:
                # A speech command's stderr can hold anything: shown, never obeyed.
                shown = [visible(problem, newlines=False) for problem in outcome.cue_problems]
                self.notify(
                    "\n".join(shown) + "\n`coach doctor` tells more.",
                    title="Speech or sounds failed",
                    severity="warning",
                    timeout=15,
                    markup=False,
                )
            if outcome.quit_app:
                self.exit()  # Ctrl+Q in the session: it is kept, now quit
                return
            record = getattr(recorder, "record", None)
            done = None
            if record is not None:
                done = (sum(e.completed for e in record.exercises), len(record.exercises))
            save = None
            if isinstance(recorder, HistoryRecorder):
                history_recorder = recorder

                def save(after: dict[str, int], note: str | None) -> None:
                    if symptoms:
                        history_recorder.checkin(symptoms_after=after, note=note)
                    else:
                        history_recorder.checkin(pain_after=after.get("pain"), note=note)

            def back_to_library(_: None = None) -> None:
                # Not to the program's page, where the next keys typed would start it again.
                while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
                    self.pop_screen()

            self.push_screen(
                SummaryScreen(
                    loaded,
                    outcome,
                    status=self.status() if record is not None else None,
                    save_checkin=save,
                    exercises_done=done,
                    recorded_status=None if record is None else record.status,
                ),
                back_to_library,
            )

        self.push_screen(screen, finished)


def _history_settings(settings: Settings) -> HistorySettings:
    """What the history needs to know, from the full settings."""
    from coach.config.settings import effective_data_dir
    from coach.history.calendar import weekday_numbers
    from coach.status import HistorySettings

    return HistorySettings(
        data_dir=effective_data_dir(settings),
        day_start=settings.history.day_start_time,
        rest_days=weekday_numbers(settings.history.rest_days),
    )
