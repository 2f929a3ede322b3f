"""The Textual app: one factory shared by the CLI, the tests and the benchmarks.

Blocking work (deck loading, checks, database writes are quick; checks are not) runs in
thread workers that post typed messages back; torch lives only in the checker's worker
process, warmed in the background from launch.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding

from quizcards.clock import now_utc
from quizcards.library import Library
from quizcards.ui.base import ActionCommands

if TYPE_CHECKING:
    from quizcards.checker.client import Checker
    from quizcards.ui.exam import ExamPlan

Clock = Callable[[], datetime]


class AppCommands(ActionCommands):
    """The command palette: every screen and action of the app by name."""

    COMMANDS = (
        ("Home", "go home: decks and today's counts", "home"),
        ("Review all decks", "start today's review", "review"),
        ("Stats", "heatmap, forecast, retention, hardest cards", "stats"),
        ("Browse cards", "search cards, history, suspend", "browser"),
        ("Toggle dark/light theme", "switch between the dark and light themes", "toggle_theme"),
        ("Quit", "leave quizcards", "quit"),
    )


class QuizcardsApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "quizcards"
    COMMANDS = App.COMMANDS | {AppCommands}
    BINDINGS = [
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        library: Library,
        checker: Checker | None = None,
        clock: Clock = now_utc,
        decks: Iterable[str] = (),
        tags: Iterable[str] = (),
        start_review: bool = False,
        exam: ExamPlan | None = None,
    ) -> None:
        super().__init__()
        self.exam = exam
        self.library = library
        self._checker = checker
        self._own_checker = checker is None
        self.clock = clock
        self.deck_filter = list(decks)
        self.tag_filter = list(tags)
        self.start_review = start_review
        self.theme = "textual-dark"
        # injectable for tests and snapshots: which params a card draws, the session timer
        self.rng = random.Random()
        self.monotonic: Callable[[], float] = time.monotonic

    @property
    def checker(self) -> Checker:
        """The checker, made on first use: its modules load after the first paint."""
        if self._checker is None:
            from quizcards.checker.client import make_checker

            self._checker = make_checker(config=self.library.config)
        return self._checker

    def on_mount(self) -> None:
        # The first screen paints before the checker is imported and its worker (torch)
        # starts: on two cores the worker's start would compete with the first paint.
        self.call_after_refresh(self._start_checker)
        other = self.library.claim(when=self.clock())
        if other is not None:  # another app has this profile: ask before anything else
            from quizcards.ui.profile import ProfileInUse

            self.push_screen(ProfileInUse(other), self._profile_choice)
            return
        self._first_screen()

    def _profile_choice(self, choice: str | None) -> None:
        if choice == "take-over":
            self.library.claim(take_over=True, when=self.clock())
        elif choice == "read-only":
            self.library.read_only = True
            self.sub_title = "read-only"
        else:
            self.exit()
            return
        self._first_screen()

    def _first_screen(self) -> None:
        if self.exam is not None:
            from quizcards.ui.exam import ExamScreen

            self.push_screen(ExamScreen(self.exam))
            return
        if self.start_review and self.action_review():
            return  # straight to the first card; home is built when the review ends
        self.action_home()

    def _start_checker(self) -> None:
        """After the first paint: the checker's worker, and garbage collection (the CLI holds
        it off during start-up; what start-up built lives on, so it is frozen out of it)."""
        gc.freeze()
        gc.enable()
        if self.is_running:
            self.checker.start()  # torch loads in the worker process; returns at once

    def on_unmount(self) -> None:
        self.library.release()
        if self._own_checker and self._checker is not None:
            self._checker.close()

    # -- actions shared by every screen --------------------------------------------------
    async def action_quit(self) -> None:
        """Quit, except mid-exam: there it asks, and saves the partial report first."""
        from quizcards.ui.exam import ExamScreen, QuitExam

        exam = next((s for s in self.screen_stack if isinstance(s, ExamScreen)), None)
        if exam is None or exam.plan.report is not None:
            self.exit()
        elif isinstance(self.screen, QuitExam):  # Ctrl+Q twice: yes
            self.screen.dismiss(True)
        elif exam.finished:  # grading the last answers: save, then leave
            exam.quit_when_saved = True
            self.notify("Saving the report, then quitting.")
        else:
            exam.ask_quit()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_home(self) -> None:
        from quizcards.ui.home import HomeScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        if isinstance(self.screen, HomeScreen):
            self.screen.refresh_counts()
        elif len(self.screen_stack) == 2:  # a review started before home existed
            self.switch_screen(HomeScreen())
        else:
            self.push_screen(HomeScreen())

    def action_review(self, deck_id: str | None = None, decks: list[str] | None = None,
                      tags: list[str] | None = None) -> bool:
        from quizcards.ui.review import ReviewScreen

        chosen_decks = [deck_id] if deck_id else decks or self.deck_filter or None
        chosen_tags = tags or self.tag_filter or None
        queue = self.library.queue(self.clock(), decks=chosen_decks, tags=chosen_tags)
        if not len(queue):
            self.notify("Nothing to review here today.", title="All done")
            return False
        self.push_screen(ReviewScreen(queue))
        return True

    def review_ended(self) -> None:
        """Back from a review: to home, building it if the app started in the review."""
        from quizcards.ui.home import HomeScreen

        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            self.switch_screen(HomeScreen())

    def action_stats(self) -> None:
        from quizcards.ui.stats import StatsScreen

        self.push_screen(StatsScreen())

    def action_browser(self) -> None:
        from quizcards.ui.browser import BrowserScreen

        self.push_screen(BrowserScreen())


def create_app(
    library: Library | None = None,
    checker: Checker | None = None,
    clock: Clock = now_utc,
    decks: Iterable[str] = (),
    tags: Iterable[str] = (),
    start_review: bool = False,
    exam: ExamPlan | None = None,
) -> QuizcardsApp:
    """The one way to build the app (CLI, tests and benchmarks all come through here)."""
    return QuizcardsApp(library or Library.open(), checker, clock, decks, tags, start_review,
                        exam)
