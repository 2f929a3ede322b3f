"""Review: the prompt, an answer widget that fits the card's kind, feedback, the grade bar.

Flow per card: question (type, Enter / Ctrl+S submits) -> the check (on the spot when no
code has to run, else in a thread worker: spinner past 100 ms, "warming up" while torch
loads) -> feedback with the suggested grade preselected (Enter accepts, a digit overrides)
-> the answer is committed -> next card. What an answer does is the review service's
(review_service.py); this screen only shows and reads.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from enum import StrEnum

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Footer, Input, LoadingIndicator, Static
from textual.worker import Worker

from quizcards.core.queue import Queue
from quizcards.core.schedule import LEECH_LAPSES
from quizcards.core.session import Session
from quizcards.core.verdict import Verdict
from quizcards.core.words import plural
from quizcards.errors import StoreError
from quizcards.review_service import Attempt, ReviewService, ShownCard
from quizcards.ui.base import AppScreen
from quizcards.ui.cardtext import explain_renderable, feedback_content, prompt_renderable
from quizcards.ui.widgets import (
    AnswerBox,
    AnswerWidget,
    ChoiceList,
    GradeBar,
    TopBar,
    answer_text,
    answer_widget_for,
    hint_for,
)

INSTANT_ANSWER_CHARS = 4_000  # longer typed answers are judged on a thread: the UI never stalls


class Phase(StrEnum):
    QUESTION = "question"  # the answer widget takes input
    CHECKING = "checking"  # the answer is with the checker
    FEEDBACK = "feedback"  # the verdict is shown; the grade bar waits


class TruthReady(Message):
    """The shown card's truth is computed (in the background, while the card is read)."""

    def __init__(self, shown: ShownCard, fractions: bool) -> None:
        super().__init__()
        self.shown, self.fractions = shown, fractions


class CheckDone(Message):
    def __init__(self, attempt: Attempt, verdict: Verdict) -> None:
        super().__init__()
        self.attempt, self.verdict = attempt, verdict


class ReviewScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "leave", "Home"),
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("ctrl+z", "undo", "Undo"),
        Binding("u", "undo_key", "Undo", show=False),
        Binding("e", "edit", "Edit"),
        Binding("s", "suspend", "Suspend"),
        Binding("b", "bury", "Bury"),
        Binding("pageup", "scroll_card(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_card(1)", "Scroll down", show=False),
    ]

    WORK = {"check": "checking your answer", "truth": "computing the card's answer"}
    phase: reactive[Phase] = reactive(Phase.QUESTION)

    def __init__(self, queue: Queue) -> None:
        super().__init__()
        self.queue = queue
        self.service: ReviewService | None = None  # made on mount: it needs the app
        self.shown: ShownCard | None = None
        self.attempt: Attempt | None = None
        self.verdict: Verdict | None = None
        self.started = 0.0
        self._spinner_timer: Timer | None = None
        self.answer_widget: AnswerWidget | None = None

    @property
    def reviews(self) -> ReviewService:
        assert self.service is not None
        return self.service

    @property
    def session(self) -> Session:
        return self.reviews.session

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        with VerticalScroll(id="card"):
            yield Static(id="prompt")
            yield Static(id="hint")
            yield AnswerBox(id="answer-box")
            yield LoadingIndicator(id="spinner")
            yield Static(id="warming")
            yield Static(id="feedback")
            yield Static(id="explain")
        yield GradeBar(5, id="grades")
        yield Footer()

    def on_mount(self) -> None:
        app = self.qapp
        self.service = ReviewService.start(app.library, self.queue, lambda: app.checker,
                                           clock=app.clock, monotonic=app.monotonic,
                                           rng=app.rng)
        self.started = app.monotonic()
        self.query_one("#spinner").display = False
        self.query_one("#warming").display = False
        self.set_interval(1.0, self._tick)
        self.next_card()

    # -- showing a card ------------------------------------------------------------------
    def _tick(self) -> None:
        elapsed = int(self.qapp.monotonic() - self.started)
        self.query_one("#progress", Static).update(
            f"{self.reviews.answered} done · {self.reviews.left} left · "
            f"{elapsed // 60}:{elapsed % 60:02d}")

    def next_card(self) -> None:
        shown = self.reviews.next_card()
        self.shown, self.attempt, self.verdict = shown, None, None
        if shown is None:
            self.finish()
            return
        # the truth is computed now, while the learner reads: judging then needs no fork
        if shown.card.executable:  # after this card is painted: the first paint comes first
            self.call_after_refresh(self.fetch_truth, shown)
        self.phase = Phase.QUESTION
        self.query_one("#where", Static).update(Content.assemble(
            (shown.key[0], "bold"), f" / {shown.key[1]}  ", (shown.kind, "dim")))
        self.query_one("#prompt", Static).update(prompt_renderable(shown.card, shown.values))
        self.query_one("#hint", Static).update(Content.styled(hint_for(shown.card), "dim"))
        self.query_one("#feedback", Static).update("")
        self.query_one("#explain").display = False
        self.query_one(GradeBar).display = False
        widget = answer_widget_for(shown.card, self.answer_widget,
                                   self.query_one(AnswerBox), shown.values)
        self.answer_widget = widget
        widget.disabled = False
        widget.focus()
        self._tick()

    @work(thread=True, group="truth", exit_on_error=False)
    def fetch_truth(self, shown: ShownCard) -> None:
        self.post_message(TruthReady(shown, self.reviews.numbers_have_fractions(shown)))

    def on_truth_ready(self, message: TruthReady) -> None:
        shown = self.shown
        if shown is not message.shown:
            return  # the card has changed meanwhile
        decimals = getattr(shown.card, "decimals", None)
        if message.fractions and decimals is not None and self.phase is Phase.QUESTION:
            self.query_one("#hint", Static).update(Content.styled(
                f"{hint_for(shown.card)}; numbers to {decimals} decimals", "dim"))

    def worker_failed(self, worker: Worker[object]) -> None:
        if worker.group == "check" and self.phase is Phase.CHECKING:
            self._ready_for_answer()  # the answer stays in its widget: submit it again

    # -- answering -----------------------------------------------------------------------
    @on(Input.Submitted, ".answer")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)

    @on(ChoiceList.Submitted)
    def _chosen(self, event: ChoiceList.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if self.phase is not Phase.QUESTION:
            return
        widget = self.answer_widget
        assert widget is not None
        # Ctrl+S is a priority binding: it runs before the keys typed just ahead of it have
        # reached the editor. Reading the text from the editor's own queue orders it after
        # them (otherwise a quick Ctrl+S submitted what was there before the last keys).
        widget.call_later(lambda: self.submit(answer_text(widget)))

    def submit(self, text: str) -> None:
        if self.phase is not Phase.QUESTION or self.shown is None:
            return
        self.phase = Phase.CHECKING
        attempt = self.reviews.attempt(self.shown, text)
        if len(text) <= INSTANT_ANSWER_CHARS:  # no code to run: judged here, painted at once
            verdict = self.reviews.check_now(attempt)
            if verdict is not None:
                self.on_check_done(CheckDone(attempt, verdict))
                return
        assert self.answer_widget is not None
        self.answer_widget.disabled = True
        self._spinner_timer = self.set_timer(0.1, self._show_spinner)
        self.run_check(attempt)

    def _show_spinner(self) -> None:
        if self.phase is Phase.CHECKING:
            self.query_one("#spinner").display = True
            if not self.qapp.checker.warm and self.shown and self.shown.card.executable:
                warming = self.query_one("#warming", Static)
                warming.update(Content.styled("warming up the checker (loading torch)...",
                                              "dim"))
                warming.display = True

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def run_check(self, attempt: Attempt) -> None:
        self.post_message(CheckDone(attempt, self.reviews.check(attempt)))

    def _stop_spinner(self) -> None:
        if self._spinner_timer is not None:
            self._spinner_timer.stop()
        self.query_one("#spinner").display = False
        self.query_one("#warming").display = False

    def _ready_for_answer(self) -> None:
        self._stop_spinner()
        self.phase = Phase.QUESTION
        if self.answer_widget is not None:
            self.answer_widget.disabled = False
            self.answer_widget.focus()

    def on_check_done(self, message: CheckDone) -> None:
        if message.attempt.shown is not self.shown:
            return  # an answer to a card no longer shown (undone or set aside meanwhile)
        verdict = message.verdict
        if verdict.malformed:
            self._ready_for_answer()
            self.query_one("#feedback", Static).update(Content.assemble(
                ("Could not read that: ", "bold $warning"), verdict.diagnosis, ". Try again."))
            return
        self._stop_spinner()
        self.attempt, self.verdict = message.attempt, verdict
        self.phase = Phase.FEEDBACK
        assert self.answer_widget is not None
        self.answer_widget.disabled = True  # however it was judged (on the spot or on a thread)
        self.query_one("#feedback", Static).update(feedback_content(verdict))
        card, values = message.attempt.shown.card, message.attempt.shown.values
        if card.explain or card.source:
            explain = self.query_one("#explain", Static)
            explain.update(explain_renderable(card, values))
            explain.display = True
        bar = self.query_one(GradeBar)
        if verdict.self_graded:  # a hint for a typed answer, nothing at all for a reveal
            bar.suggest(None if message.attempt.revealed else verdict.suggested_grade,
                        preselect=False)
        else:
            bar.suggest(verdict.suggested_grade)
        bar.display = True
        bar.focus()

    @on(GradeBar.Chosen)
    def _graded(self, event: GradeBar.Chosen) -> None:
        event.stop()
        self.record(event.grade)

    def record(self, grade: int) -> None:
        if self.phase is not Phase.FEEDBACK or self.attempt is None or self.verdict is None:
            return
        try:
            graded = self.reviews.record(self.attempt, self.verdict, grade)
        except StoreError as exc:  # read-only, taken over, or answered elsewhere meanwhile
            self.notify(str(exc), title="Not recorded", severity="warning", timeout=6,
                        markup=False)
            self.next_card()
            return
        if graded.became_leech:
            key = graded.key
            self.notify(f"{key[0]}/{key[1]} failed {LEECH_LAPSES} times: it is now a leech "
                        "and suspended. "
                        "Rewrite it or study it in the browser.", title="Leech",
                        severity="warning", timeout=8, markup=False)
        self.next_card()

    # -- other keys ----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # letter keys act only once the answer is in (while typing they are text)
        if action in ("edit", "suspend", "bury", "undo_key") and self.phase is Phase.QUESTION:
            return False
        return not (action == "submit" and self.phase is not Phase.QUESTION)

    def action_scroll_card(self, direction: int) -> None:
        card = self.query_one("#card", VerticalScroll)
        card.scroll_relative(y=direction * max(1, card.size.height - 2), animate=False)

    def action_undo_key(self) -> None:
        self.action_undo()

    def action_undo(self) -> None:
        if self.phase is Phase.CHECKING:
            return
        try:
            undone = self.reviews.undo()
        except StoreError as exc:
            self.notify(str(exc), title="Not undone", severity="warning", markup=False)
            return
        if undone is None:
            self.notify("Nothing to undo.")
            return
        self.notify(f"Undid your answer to {undone.key[0]}/{undone.key[1]}.", title="Undo",
                    markup=False)
        self.next_card()

    def action_suspend(self) -> None:
        self._set_aside(self.reviews.suspend, "Suspended {}. Unsuspend it in the browser.")

    def action_bury(self) -> None:
        self._set_aside(self.reviews.bury, "Buried {} until tomorrow.")

    def _set_aside(self, apply: Callable[[ShownCard], None], message: str) -> None:
        """Suspend or bury the card on screen: out of this session, on to the next card."""
        if self.shown is None:
            return
        try:
            apply(self.shown)
        except StoreError as exc:
            self.notify(str(exc), title="Not changed", severity="warning", markup=False)
            return
        self.notify(message.format(self.shown.key[1]), markup=False)
        self.next_card()

    def action_edit(self) -> None:
        """Open the card's deck file in $EDITOR at the card, then reload the decks."""
        if self.shown is None:
            return
        lib = self.qapp.library
        where = lib.card_location(self.shown.key)
        if where is None:
            return
        path, line = where
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        command = [*shlex.split(editor), f"+{line}", str(path)]
        try:
            with self.app.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:  # no terminal to hand over (e.g. headless): just run it
            subprocess.run(command, check=False, stdin=subprocess.DEVNULL)
        problems = lib.reload()
        if problems:
            self.notify("\n".join(problems[:3]), title="The deck has problems", markup=False,
                        severity="error", timeout=10)
        else:
            self.notify("Deck reloaded.")
        if self.phase is Phase.QUESTION:
            self.next_card()

    def action_leave(self) -> None:
        self.qapp.review_ended()

    def finish(self) -> None:
        elapsed = int(self.qapp.monotonic() - self.started)
        self.qapp.review_ended()
        self.app.notify(f"{plural(self.reviews.answered, 'answer')} in "
                        f"{elapsed // 60}:{elapsed % 60:02d}.",
                        title="Session done")
