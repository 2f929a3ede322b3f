"""Exam: a timed, mixed set with no hints and no feedback until the end, then the report.

Answers are graded by a thread worker as they come in (so the report is ready when time
runs out); the schedule is not touched unless the exam was started with --record.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rich.markdown import Markdown as RichMarkdown
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, LoadingIndicator, Static
from textual.worker import WorkerCancelled, WorkerFailed

from quizcards.core.exam import ExamCard, Outcome, Report, Selection, build_report, to_markdown
from quizcards.core.params import fill
from quizcards.core.verdict import Verdict
from quizcards.core.words import plural
from quizcards.errors import StoreError
from quizcards.files import atomic_write
from quizcards.review_service import Attempt, ShownCard, check, show
from quizcards.ui.base import ActionCommands, AppScreen
from quizcards.ui.cardtext import CODE_THEME, prompt_renderable
from quizcards.ui.widgets import (
    AnswerBox,
    AnswerWidget,
    ChoiceList,
    TopBar,
    answer_text,
    answer_widget_for,
)


@dataclass
class ExamPlan:
    selection: Selection
    seed: int
    cards: list[ExamCard]
    record: bool = False
    markdown: Path | None = None
    report: Report | None = field(default=None, repr=False)  # set when the exam ends


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
    WORK = {"grade": "grading the exam"}

    def __init__(self, plan: ExamPlan) -> None:
        super().__init__()
        self.plan = plan
        self.index = 0
        self.questions: dict[int, ShownCard] = {}  # index -> the card as asked
        self.answers: dict[int, Attempt] = {}
        self.verdicts: dict[int, Verdict] = {}
        self.started = 0.0
        self.shown_at = 0.0
        self.finished = False
        self.ended_early = False
        self.quit_when_saved = False  # quitting mid-exam: save the partial report, then exit
        self.answer_widget: AnswerWidget | None = None
        self._grading = threading.Lock()

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        with VerticalScroll(id="card"):
            yield Static(id="prompt")
            yield AnswerBox(id="answer-box")
            yield LoadingIndicator(id="spinner")
            yield Static(id="feedback")
        yield Footer()

    def on_mount(self) -> None:
        self.started = self.qapp.monotonic()
        self.query_one("#spinner").display = False
        self.set_interval(0.5, self._tick)
        self.show_question()

    # -- questions -----------------------------------------------------------------------
    def question(self, i: int) -> ShownCard:
        """Question i as asked: its card with the values seed + i draws (drawn once)."""
        if i not in self.questions:
            item = self.plan.cards[i]
            shown = show(self.qapp.library, (item.deck_id, item.card_id), self.plan.seed + i,
                         self.qapp.monotonic())
            assert shown is not None  # the plan holds loaded cards only
            self.questions[i] = shown
        return self.questions[i]

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
        shown = self.question(self.index)
        self.query_one("#where", Static).update(Content.assemble(
            ("Exam", "bold"), f" question {self.index + 1}/{len(self.plan.cards)}  ",
            (shown.kind, "dim")))
        self.query_one("#prompt", Static).update(prompt_renderable(shown.card, shown.values))
        widget = answer_widget_for(shown.card, self.answer_widget, self.query_one(AnswerBox),
                                   shown.values)
        self.answer_widget = widget
        widget.disabled = False
        widget.focus()
        self.shown_at = self.qapp.monotonic()
        self._tick()

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
        from quizcards.checker.judge import unreadable  # loads after the first paint

        shown = self.question(self.index)
        problem = unreadable(shown.card, text)
        if problem:  # a spelling problem is not a knowledge test: say so and stay here
            self.query_one("#feedback", Static).update(Content.assemble((problem,
                                                                         "bold $warning")))
            return
        self.query_one("#feedback", Static).update("")
        self.answers[self.index] = Attempt(shown, text, self.qapp.monotonic() - self.shown_at)
        self.grade(self.index, shown, self.answers[self.index])
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
    @work(thread=True, group="grade", exit_on_error=False)
    def grade(self, i: int, shown: ShownCard, attempt: Attempt | None) -> None:
        """Grade question i (its answer, or only its truth when not answered): one worker per
        question, one at a time (the checker's worker is shared), while the exam goes on."""
        checker = self.qapp.checker
        with self._grading:
            verdict = check(checker, attempt) if attempt else None
            if verdict is None or verdict.malformed:  # the report still shows the truth
                truth = checker.check_or_explain(shown.deck, shown.card, None,
                                                 seed=shown.seed, values=shown.values,
                                                 shipped=shown.shipped)
                if verdict is not None:  # e.g. a value that does not evaluate: wrong
                    verdict.expected = truth.expected
                verdict = verdict or truth
        self.verdicts[i] = verdict

    async def report_when_graded(self) -> None:
        """Once every grading worker has ended (a failed one was reported already and its
        question counts as not graded), the report is built."""
        for worker in [w for w in self.app.workers if w.node is self and w.group == "grade"]:
            with contextlib.suppress(WorkerFailed, WorkerCancelled):
                await worker.wait()
        self.post_message(Graded())

    def action_finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.ended_early = len(self.answers) < len(self.plan.cards) and self.left() > 0
        if self.answer_widget is not None:
            self.answer_widget.disabled = True
        self.query_one("#spinner").display = True
        self.query_one("#feedback", Static).update(Content.styled("grading...", "dim"))
        # unanswered questions still need their expected answer for the report
        for i in range(len(self.plan.cards)):
            if i not in self.answers:
                self.grade(i, self.question(i), None)
        self.run_worker(self.report_when_graded(), group="report", exit_on_error=False)

    def on_graded(self, message: Graded) -> None:
        lib = self.qapp.library
        outcomes = []
        for i, item in enumerate(self.plan.cards):
            shown = self.question(i)  # the report shows the question as it was asked
            verdict = self.verdicts.get(i) or Verdict(
                item.kind, status="error", diagnosis="not graded: the grader failed")
            attempt = self.answers.get(i)
            answer = attempt.text if attempt else None
            card, values = shown.card, shown.values
            outcomes.append(Outcome(
                item.deck_id, item.card_id, fill(card.prompt, values), answer,
                answer is not None and verdict.correct, verdict.expected,
                verdict.diagnosis if answer is not None else "",
                fill(card.explain, values) if card.explain else None,
                sorted(item.tags), item.kind))
        key = self.plan.selection.key
        previous = lib.last_exam(key)
        elapsed = min(self.qapp.monotonic() - self.started, self.plan.selection.minutes * 60)
        report = build_report(self.plan.selection, self.plan.seed, outcomes, elapsed, previous,
                              self.ended_early)
        lib.save_exam(key, report.score, report.total, report.to_json(), self.qapp.clock())
        if self.plan.record:
            try:
                self._record()
            except StoreError as exc:  # read-only here: the report is still saved
                self.notify(str(exc), title="Not recorded", severity="warning",
                            markup=False)
        text = to_markdown(report)
        if self.plan.markdown is not None:
            atomic_write(self.plan.markdown, text.encode("utf-8"))
        self.plan.report = report
        if self.quit_when_saved:
            self.app.exit()
            return
        self.app.switch_screen(ExamReportScreen(text))

    def _record(self) -> None:
        """--record: answered questions go into the review log with their suggested grade."""
        for i, attempt in sorted(self.answers.items()):
            verdict = self.verdicts[i]
            self.qapp.library.record_exam_answer(attempt.shown.key, verdict.suggested_grade,
                                                 attempt.text, verdict.to_json(),
                                                 attempt.seconds, self.qapp.clock())


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
