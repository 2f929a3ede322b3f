"""Exam: a timed, mixed set with no hints and no feedback until the end, then the report.

Answers are graded in a background thread as they come in (so the report is ready when time
runs out); the schedule is not touched unless the exam was started with --record.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rich.markdown import Markdown as RichMarkdown
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, LoadingIndicator, Static

from quizcards.core.exam import ExamCard, Outcome, Report, Selection, build_report, to_markdown
from quizcards.core.models import CardBase
from quizcards.core.params import draw, fill
from quizcards.core.verdict import Verdict
from quizcards.core.words import plural
from quizcards.errors import StoreError
from quizcards.store.db import Answer
from quizcards.ui.base import ActionCommands, AppScreen
from quizcards.ui.review import (
    CODE_THEME,
    AnswerWidget,
    ChoiceList,
    answer_text,
    answer_widget_for,
    prompt_markdown,
)


@dataclass
class ExamPlan:
    selection: Selection
    seed: int
    cards: list[ExamCard]
    record: bool = False
    markdown: Path | None = None
    report: Report | None = field(default=None, repr=False)  # set when the exam ends


def malformed(card: CardBase, text: str) -> str | None:
    """Why the answer cannot be read for this kind (checked locally, no sandbox needed)."""
    from quizcards.checker.reader import (
        MalformedAnswer,
        parse_exception_name,
        parse_letters,
        parse_shape,
    )
    from quizcards.core.models import ChoiceCard, RaisesCard, ShapeCard

    try:
        if isinstance(card, ShapeCard):
            parse_shape(text)
        elif isinstance(card, RaisesCard):
            parse_exception_name(text)
        elif isinstance(card, ChoiceCard):
            parse_letters(text, len(card.options))
    except MalformedAnswer as exc:
        return str(exc)
    return None


class Graded(Message):
    """All answers are graded: the report can be built."""


class ExamCommands(ActionCommands):
    """Palette commands of an exam in progress (actions of the exam screen)."""

    COMMANDS = (("End exam", "grade what is answered now and show the report", "finish"),
                ("Skip question", "come back to this one after the others", "skip"))

    def target(self) -> App[object] | Widget:
        return self.screen


class ExamScreen(AppScreen):
    # ctrl+g and ctrl+s are priority bindings: the answer editors keep ctrl+e (end of line)
    # and would otherwise hide "End exam" from the footer while they have focus
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("ctrl+n", "skip", "Skip", priority=True),
        Binding("ctrl+g", "finish", "End exam", priority=True),
    ]
    COMMANDS = {ExamCommands}

    def __init__(self, plan: ExamPlan) -> None:
        super().__init__()
        self.plan = plan
        self.index = 0
        self.answers: dict[int, tuple[str, float]] = {}  # index -> (answer, seconds)
        self.verdicts: dict[int, Verdict] = {}
        self.started = 0.0
        self.shown_at = 0.0
        self.finished = False
        self.ended_early = False
        self.quit_when_saved = False  # quitting mid-exam: save the partial report, then exit
        self.answer_widget: AnswerWidget | None = None
        self._jobs: queue.Queue[int | None] = queue.Queue()
        self._grader: threading.Thread | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(id="where")
            yield Static(id="progress")
        with VerticalScroll(id="card"):
            yield Static(id="prompt")
            yield Vertical(id="answer-box")
            yield LoadingIndicator(id="spinner")
            yield Static(id="feedback")
        yield Footer()

    def on_mount(self) -> None:
        self.started = self.qapp.monotonic()
        self.query_one("#spinner").display = False
        self._grader = threading.Thread(target=self._grade_loop, daemon=True)
        self._grader.start()
        self.set_interval(0.5, self._tick)
        self.show_question()

    # -- questions -----------------------------------------------------------------------
    def _card(self, i: int) -> tuple[object, CardBase]:
        item = self.plan.cards[i]
        found = self.qapp.library.lookup((item.deck_id, item.card_id))
        assert found is not None
        return found

    def left(self) -> float:
        return self.plan.selection.minutes * 60 - (self.qapp.monotonic() - self.started)

    def _tick(self) -> None:
        if self.finished:
            return
        left = self.left()
        if left <= 0:
            self.action_finish()
            return
        m, s = divmod(int(left), 60)
        self.query_one("#progress", Static).update(
            f"{len(self.answers)} answered · {m}:{s:02d} left")

    def show_question(self) -> None:
        _, card = self._card(self.index)
        item = self.plan.cards[self.index]
        total = len(self.plan.cards)
        self.query_one("#where", Static).update(
            f"[b]Exam[/b] question {self.index + 1}/{total}  [dim]{item.kind}[/dim]")
        values = self._values(self.index, card)
        self.query_one("#prompt", Static).update(
            RichMarkdown(prompt_markdown(card, values), code_theme=CODE_THEME))
        widget = answer_widget_for(card, self.answer_widget,
                                   self.query_one("#answer-box", Vertical), values)
        self.answer_widget = widget
        widget.disabled = False
        widget.focus()
        self.shown_at = self.qapp.monotonic()
        self._tick()

    def _values(self, i: int, card: CardBase) -> dict[str, object]:
        """The params question i draws (the checker draws the same from the same seed)."""
        return draw(card.params, self.plan.seed + i) if card.params else {}

    @on(Input.Submitted, ".answer")
    @on(ChoiceList.Submitted)
    def _submitted(self, event: Input.Submitted | ChoiceList.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if self.finished or self.answer_widget is None:
            return
        widget = self.answer_widget
        # read the answer from the widget's own queue: after the keys typed just before
        # a Ctrl+S (a priority binding, which would otherwise run ahead of them)
        widget.call_later(lambda: self._take_answer(widget))

    def _take_answer(self, widget: AnswerWidget) -> None:
        if self.finished or widget is not self.answer_widget:
            return
        text = answer_text(widget)
        if not text.strip():
            self.notify("Type an answer, or Ctrl+N to skip.")
            return
        _, card = self._card(self.index)
        problem = malformed(card, text)
        if problem:  # a spelling problem is not a knowledge test: say so and stay here
            self.query_one("#feedback", Static).update(Content.assemble((problem,
                                                                         "bold $warning")))
            return
        self.query_one("#feedback", Static).update("")
        self.answers[self.index] = (text, self.qapp.monotonic() - self.shown_at)
        self._jobs.put(self.index)
        self.advance()

    def action_skip(self) -> None:
        if not self.finished:
            self.advance()

    def ask_quit(self) -> None:
        """Ctrl+Q mid-exam: confirm, then grade and save what was answered before leaving."""
        if self.finished:
            self.app.exit()
            return

        def answer(save: bool | None) -> None:
            if save:
                self.quit_when_saved = True
                self.action_finish()

        answered = len(self.answers)
        self.app.push_screen(QuitExam(answered, len(self.plan.cards)), answer)

    def advance(self) -> None:
        remaining = [i for i in range(len(self.plan.cards)) if i not in self.answers]
        if not remaining:
            self.action_finish()
            return
        later = [i for i in remaining if i > self.index]
        self.index = later[0] if later else remaining[0]  # skipped ones come round again
        self.show_question()

    # -- grading -------------------------------------------------------------------------
    def _grade_loop(self) -> None:
        while (i := self._jobs.get()) is not None:
            loaded, card = self._card(i)
            answer, seconds = self.answers.get(i, (None, 0.0))
            deck = loaded.deck  # type: ignore[attr-defined]
            shipped = loaded.shipped  # type: ignore[attr-defined]
            verdict = self.qapp.checker.check_or_explain(
                deck, card, answer, seed=self.plan.seed + i, seconds=seconds, shipped=shipped)
            if verdict.malformed:  # e.g. a value that does not evaluate: wrong, with the truth
                truth = self.qapp.checker.check_or_explain(deck, card, None,
                                                           seed=self.plan.seed + i,
                                                           shipped=shipped)
                verdict.expected = truth.expected
            self.verdicts[i] = verdict
        self.post_message(Graded())

    def action_finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.ended_early = len(self.answers) < len(self.plan.cards) and self.left() > 0
        if self.answer_widget is not None:
            self.answer_widget.disabled = True
        self.query_one("#spinner").display = True
        self.query_one("#feedback", Static).update("[dim]grading...[/dim]")
        # unanswered questions still need their expected answer for the report
        for i in range(len(self.plan.cards)):
            if i not in self.answers:
                self._jobs.put(i)
        self._jobs.put(None)

    def on_graded(self, message: Graded) -> None:
        lib = self.qapp.library
        outcomes = []
        for i, item in enumerate(self.plan.cards):
            _, card = self._card(i)
            verdict = self.verdicts[i]
            answer = self.answers.get(i, (None, 0.0))[0]
            values = self._values(i, card)  # the report shows the question as it was asked
            outcomes.append(Outcome(
                item.deck_id, item.card_id, fill(card.prompt, values), answer,
                answer is not None and verdict.correct, verdict.expected,
                verdict.diagnosis if answer is not None else "",
                fill(card.explain, values) if card.explain else None,
                sorted(item.tags), item.kind))
        key = self.plan.selection.key
        previous = lib.store.last_exam(key)
        elapsed = min(self.qapp.monotonic() - self.started, self.plan.selection.minutes * 60)
        report = build_report(self.plan.selection, self.plan.seed, outcomes, elapsed, previous,
                              self.ended_early)
        lib.store.save_exam(key, report.score, report.total, report.to_json(),
                            self.qapp.clock())
        if self.plan.record:
            try:
                self._record()
            except StoreError as exc:  # read-only here: the report is still saved
                self.notify(str(exc), title="Not recorded", severity="warning",
                            markup=False)
        text = to_markdown(report)
        if self.plan.markdown is not None:
            tmp = self.plan.markdown.with_suffix(self.plan.markdown.suffix + ".tmp")
            tmp.write_text(text, "utf-8")
            tmp.replace(self.plan.markdown)
        self.plan.report = report
        if self.quit_when_saved:
            self.app.exit()
            return
        self.app.switch_screen(ExamReportScreen(text))

    def _record(self) -> None:
        """--record: answered questions go into the review log with their suggested grade."""
        store = self.qapp.library.store
        for i, (answer, seconds) in sorted(self.answers.items()):
            item = self.plan.cards[i]
            verdict = self.verdicts[i]
            store.record(Answer(item.deck_id, item.card_id, verdict.suggested_grade,
                                verdict.suggested_grade, answer,
                                {**verdict.to_json(), "exam": True}, int(seconds * 1000)),
                         self.qapp.clock())


class ExamReportScreen(AppScreen):
    BINDINGS = [Binding("q", "app.quit", "Quit"), Binding("escape", "app.quit", "Quit")]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="report"):
            yield Static(RichMarkdown(self.markdown, code_theme=CODE_THEME), id="report-body")
        yield Footer()


class QuitExam(ModalScreen[bool]):
    """Asked on Ctrl+Q mid-exam: leaving grades and saves what was answered."""

    BINDINGS = [Binding("escape", "stay", "Keep going"), Binding("enter", "leave", "Save, quit"),
                Binding("y", "leave", show=False), Binding("n", "stay", show=False)]

    def __init__(self, answered: int, total: int) -> None:
        super().__init__()
        self.answered, self.total = answered, total

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-exam"):
            yield Static(Content.assemble(
                ("Quit the exam?", "bold"), "\n\n",
                f"{plural(self.answered, 'answer')} of {self.total} will be graded and the "
                "report saved (the rest count as not answered).\n\n",
                ("Enter/y", "bold"), " save and quit    ", ("Esc/n", "bold"), " keep going"))
            with Horizontal(id="quit-buttons"):
                yield Button("Save and quit", variant="warning", id="leave")
                yield Button("Keep going", id="stay")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "leave")

    def action_leave(self) -> None:
        self.dismiss(True)

    def action_stay(self) -> None:
        self.dismiss(False)
