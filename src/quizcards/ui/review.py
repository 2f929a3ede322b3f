"""Review: the prompt, an answer widget that fits the card's kind, feedback, the grade bar.

Flow per card: question (type, Enter / Ctrl+S submits) -> the check runs in a thread worker
(spinner past 100 ms, "warming up" while torch loads) -> feedback with the suggested grade
preselected (Enter accepts, a digit overrides) -> the answer is committed -> next card.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Group
from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Footer, Input, LoadingIndicator, SelectionList, Static, TextArea
from textual.widgets.text_area import Selection

from quizcards.core.markdown import protect, to_plain
from quizcards.core.models import (
    CardBase,
    ChoiceCard,
    CodeCard,
    Deck,
    OutputCard,
    RecallCard,
)
from quizcards.core.params import draw, fill
from quizcards.core.queue import Key, Queue
from quizcards.core.session import Session
from quizcards.core.verdict import Verdict
from quizcards.core.words import plural
from quizcards.errors import StoreError
from quizcards.store.db import Answer
from quizcards.ui.base import AppScreen

LETTERS = "abcdefghijklmnopqrstuvwxyz"
CODE_THEME = "monokai"
INSTANT_ANSWER_CHARS = 4_000  # longer typed answers are judged on a thread: the UI never stalls
GRADE_NAMES = ["blackout", "wrong", "near miss", "hard", "good", "easy"]


@dataclass
class Shown:
    """The card on screen, with the params drawn for this showing."""

    key: Key
    card: CardBase
    seed: int
    values: dict[str, object]
    started: float
    version: str = ""  # the card's version in the store when shown (see Store.card_version)


class TruthReady(Message):
    """The shown card's truth is computed (in the background, while the card is read)."""

    def __init__(self, key: Key, seed: int, fractions: bool) -> None:
        super().__init__()
        self.key, self.seed, self.fractions = key, seed, fractions


class CheckDone(Message):
    def __init__(self, verdict: Verdict, answer: str, seconds: float) -> None:
        super().__init__()
        self.verdict = verdict
        self.answer = answer
        self.seconds = seconds


def prompt_markdown(card: CardBase, values: dict[str, object]) -> str:
    """The prompt with its params filled and Python names protected from Markdown (a choice
    card's options are in its answer list)."""
    return protect(fill(card.prompt, values).strip())


def explain_renderable(card: CardBase, values: dict[str, object]) -> Group:
    """The explanation (Markdown, params filled) and the source line under it."""
    parts: list[RichMarkdown | Text] = []
    if card.explain:
        parts.append(RichMarkdown(protect(fill(card.explain, values).strip()),
                                  code_theme=CODE_THEME))
    if card.source:  # plain text: Markdown would eat the ** of "**kwargs"
        parts.append(Text(f"\nsource: {fill(card.source, values)}", style="italic dim"))
    return Group(*parts)


def _placeholder(card: CardBase) -> str:
    return "Enter to reveal" if isinstance(card, RecallCard) else "your answer"


def hint_for(card: CardBase) -> str:
    return {
        "shape": "a shape: (3, 4), 3x4, torch.Size([3, 4]), () for a scalar",
        "value": "a value: tensor([1., 2.]), 3, True, [[1, 2]], float('nan')",
        "output": "what it prints (Ctrl+S to submit)",
        "raises": "an exception name (RuntimeError), or none",
        "code": "your code (Ctrl+S to submit)",
        "choice": "letters or Space pick options, Enter submits",
        "recall": "your answer, or just Enter to reveal",
    }[card.kind]  # type: ignore[attr-defined]


class ChoiceList(SelectionList[str]):
    """The options of a choice card: a letter or Space toggles, Enter submits."""

    BINDINGS = [
        Binding("enter", "submit", "Submit", show=False),
        *[Binding(letter, f"toggle_letter('{letter}')", show=False) for letter in LETTERS],
    ]

    class Submitted(Message):
        pass

    def __init__(self, card: ChoiceCard, values: dict[str, object]) -> None:
        # options are card text: shown as written, never read as markup
        super().__init__(*[(Content(f"{LETTERS[i]})  {to_plain(fill(option, values))}"),
                            LETTERS[i]) for i, option in enumerate(card.options)],
                         classes="answer")

    def action_toggle_letter(self, letter: str) -> None:
        if LETTERS.index(letter) < self.option_count:
            self.toggle(letter)

    def action_submit(self) -> None:
        self.post_message(self.Submitted())

    @property
    def text(self) -> str:
        return " ".join(sorted(self.selected))


AnswerWidget = Input | TextArea | ChoiceList


def answer_widget_for(card: CardBase, old: AnswerWidget | None, box: Vertical,
                      values: dict[str, object] | None = None) -> AnswerWidget:
    """The answer widget for this kind: a single-line Input is reused from card to card
    (no remount on the answer-to-next path); text areas and option lists are made for their
    cards."""
    widget: AnswerWidget
    if isinstance(card, ChoiceCard):
        widget = ChoiceList(card, values or {})
    elif isinstance(card, CodeCard | OutputCard):
        if isinstance(card, CodeCard):
            widget = TextArea.code_editor(card.starter or "", language=_python_if_available(),
                                          classes="answer", tab_behavior="indent")
            widget.selection = _body_selection(card.starter or "")
        else:
            widget = TextArea("", classes="answer", show_line_numbers=False)
    elif isinstance(old, Input):
        old.value = ""
        old.placeholder = _placeholder(card)
        return old
    else:
        widget = Input(placeholder=_placeholder(card), classes="answer")
    if old is not None:
        old.remove()
    box.mount(widget)
    return widget


def _body_selection(starter: str) -> Selection:
    """Where typing starts in a starter: its `...` (or `pass`) body selected, so the first key
    replaces it; else the end. (At the top, typed code landed before the `def` line.)"""
    lines = starter.split("\n")
    for row, line in enumerate(lines):
        body = line.strip()
        if body in ("...", "pass"):
            col = len(line) - len(line.lstrip())
            return Selection((row, col), (row, col + len(body)))
    end = (len(lines) - 1, len(lines[-1]))
    return Selection(end, end)


def _python_if_available() -> str | None:
    """Highlight Python when the tree-sitter grammar is installed (a dependency; without it
    the editor still works, plain)."""
    try:
        import tree_sitter_python  # noqa: F401
    except ImportError:
        return None
    return "python"


def answer_text(widget: AnswerWidget) -> str:
    return widget.value if isinstance(widget, Input) else widget.text


class GradeBar(Static, can_focus=True):
    """Grades 0-5 with the suggested one preselected: Enter accepts, a digit overrides.
    Self-graded cards preselect nothing: Enter waits for a digit or an arrow."""

    selected: reactive[int | None] = reactive(5)

    class Chosen(Message):
        def __init__(self, grade: int) -> None:
            super().__init__()
            self.grade = grade

    BINDINGS = [
        Binding("left", "move(-1)", "Lower", show=False),
        Binding("right", "move(1)", "Higher", show=False),
        Binding("enter", "accept", "Accept grade"),
        *[Binding(str(g), f"choose({g})", show=False) for g in range(6)],
    ]

    def __init__(self, suggested: int | None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.suggested = suggested
        self.set_reactive(GradeBar.selected, suggested)

    def suggest(self, grade: int | None, preselect: bool = True) -> None:
        """Show `grade` as the suggestion (underlined); preselect it unless self-graded."""
        self.suggested = grade
        self.selected = grade if preselect else None
        self.refresh()

    def render(self) -> str:
        parts = []
        for g in range(6):
            label = f" {g} {GRADE_NAMES[g]} "
            if g == self.selected:
                parts.append(f"[reverse b]{label}[/]")
            elif g == self.suggested:
                parts.append(f"[u]{label}[/]")
            else:
                parts.append(f"[dim]{label}[/]")
        head = "grade  " if self.selected is not None else "[b]grade yourself[/]  "
        return head + "".join(parts)

    def action_move(self, step: int) -> None:
        start = self.selected if self.selected is not None else self.suggested
        self.selected = max(0, min(5, (start if start is not None else 3) + (
            step if self.selected is not None else 0)))

    def action_accept(self) -> None:
        if self.selected is None:  # nothing chosen yet: a bare Enter records nothing
            self.app.bell()
            self.notify("Pick a grade: a digit 0-5 (or the arrows, then Enter).", timeout=3)
            return
        self.post_message(self.Chosen(self.selected))

    def action_choose(self, grade: int) -> None:
        self.selected = grade
        self.post_message(self.Chosen(grade))


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

    phase: reactive[str] = reactive("question")

    def __init__(self, queue: Queue) -> None:
        super().__init__()
        self.session = Session.from_queue(queue)
        self.total = len(self.session)
        self.shown: Shown | None = None
        self.verdict: Verdict | None = None
        self.answer_text = ""
        self.seconds = 0.0
        self.started = 0.0
        self._spinner_timer: Timer | None = None
        self.answer_widget: AnswerWidget | None = None
        self._clock_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(id="where")
            yield Static(id="progress")
        with VerticalScroll(id="card"):
            yield Static(id="prompt")
            yield Static(id="hint")
            yield Vertical(id="answer-box")
            yield LoadingIndicator(id="spinner")
            yield Static(id="warming")
            yield Static(id="feedback")
            yield Static(id="explain")
        yield GradeBar(5, id="grades")
        yield Footer()

    def on_mount(self) -> None:
        self.started = self.qapp.monotonic()
        self.query_one("#spinner").display = False
        self.query_one("#warming").display = False
        self._clock_timer = self.set_interval(1.0, self._tick)
        self.next_card()

    # -- showing a card ------------------------------------------------------------------
    def _tick(self) -> None:
        elapsed = int(self.qapp.monotonic() - self.started)
        left = len(self.session)
        self.query_one("#progress", Static).update(
            f"{self.session.answered} done · {left} left · {elapsed // 60}:{elapsed % 60:02d}")

    def next_card(self) -> None:
        key = self.session.peek()
        if key is None:
            self.finish()
            return
        found = self.qapp.library.lookup(key)
        if found is None:
            self.session.skip(key)
            self.next_card()
            return
        loaded, card = found
        seed = self.qapp.rng.randrange(1 << 30)
        values = draw(card.params, seed) if card.params else {}
        self.shown = Shown(key, card, seed, values, self.qapp.monotonic(),
                           self.qapp.library.store.card_version(key))
        # the truth is computed now, while the learner reads: judging then needs no fork
        if card.executable:  # after this card is painted: the first paint comes first
            self.call_after_refresh(self.fetch_truth, self.shown, loaded.deck, loaded.shipped)
        self.verdict = None
        self.phase = "question"
        kind = card.kind  # type: ignore[attr-defined]
        self.query_one("#where", Static).update(
            f"[b]{key[0]}[/b] / {key[1]}  [dim]{kind}[/dim]")
        self.query_one("#prompt", Static).update(RichMarkdown(prompt_markdown(card, values),
                                                              code_theme=CODE_THEME))
        self.query_one("#hint", Static).update(f"[dim]{hint_for(card)}[/dim]")
        self.query_one("#feedback", Static).update("")
        self.query_one("#explain").display = False
        self.query_one(GradeBar).display = False
        widget = self._answer_widget(card)
        widget.disabled = False
        widget.focus()
        self._tick()

    @work(thread=True, group="truth", exit_on_error=False)
    def fetch_truth(self, shown: Shown, deck: Deck, shipped: bool) -> None:
        run = self.qapp.checker.truth(deck, shown.card, seed=shown.seed, values=shown.values,
                                      shipped=shipped)
        from quizcards.checker.judge import has_fractions  # the judge loads after first paint

        fractions = run.observation is not None and has_fractions(run.observation.result)
        self.post_message(TruthReady(shown.key, shown.seed, fractions))

    def on_truth_ready(self, message: TruthReady) -> None:
        shown = self.shown
        if shown is None or (shown.key, shown.seed) != (message.key, message.seed):
            return  # the card has changed meanwhile
        decimals = getattr(shown.card, "decimals", None)
        if message.fractions and decimals is not None and self.phase == "question":
            self.query_one("#hint", Static).update(
                f"[dim]{hint_for(shown.card)}; numbers to {decimals} decimals[/dim]")

    def _answer_widget(self, card: CardBase) -> AnswerWidget:
        values = self.shown.values if self.shown else {}
        widget = answer_widget_for(card, self.answer_widget,
                                   self.query_one("#answer-box", Vertical), values)
        self.answer_widget = widget
        return widget

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
        if self.phase != "question":
            return
        widget = self.answer_widget
        assert widget is not None
        # Ctrl+S is a priority binding: it runs before the keys typed just ahead of it have
        # reached the editor. Reading the text from the editor's own queue orders it after
        # them (otherwise a quick Ctrl+S submitted what was there before the last keys).
        widget.call_later(lambda: self.submit(answer_text(widget)))

    def submit(self, text: str) -> None:
        if self.phase != "question" or self.shown is None:
            return
        self.phase = "checking"
        self.answer_text = text
        shown = self.shown
        seconds = self.qapp.monotonic() - shown.started
        loaded, card = self.qapp.library.lookup(shown.key)  # type: ignore[misc]
        if len(text) <= INSTANT_ANSWER_CHARS:  # no code to run: judged here, painted at once
            verdict = self.qapp.checker.check_now(
                loaded.deck, card, text, seed=shown.seed, values=shown.values,
                seconds=seconds, revealed=_revealed(card, text), shipped=loaded.shipped)
            if verdict is not None:
                self.on_check_done(CheckDone(verdict, text, seconds))
                return
        assert self.answer_widget is not None
        self.answer_widget.disabled = True
        self._spinner_timer = self.set_timer(0.1, self._show_spinner)
        self.run_check(shown, text, seconds)

    def _show_spinner(self) -> None:
        if self.phase == "checking":
            self.query_one("#spinner").display = True
            if not self.qapp.checker.warm and self.shown and self.shown.card.executable:
                warming = self.query_one("#warming", Static)
                warming.update("[dim]warming up the checker (loading torch)...[/dim]")
                warming.display = True

    @work(thread=True, exclusive=True, group="check")
    def run_check(self, shown: Shown, text: str, seconds: float) -> None:
        loaded, card = self.qapp.library.lookup(shown.key)  # type: ignore[misc]
        verdict = self.qapp.checker.check_or_explain(
            loaded.deck, card, text, seed=shown.seed, values=shown.values,
            shipped=loaded.shipped, seconds=seconds, revealed=_revealed(card, text))
        self.post_message(CheckDone(verdict, text, seconds))

    def on_check_done(self, message: CheckDone) -> None:
        if self._spinner_timer is not None:
            self._spinner_timer.stop()
        self.query_one("#spinner").display = False
        self.query_one("#warming").display = False
        verdict = message.verdict
        answer = self.answer_widget
        assert answer is not None
        if verdict.malformed:
            self.phase = "question"
            answer.disabled = False
            answer.focus()
            self.query_one("#feedback", Static).update(Content.assemble(
                ("Could not read that: ", "bold $warning"), verdict.diagnosis, ". Try again."))
            return
        self.verdict = verdict
        self.seconds = message.seconds
        self.phase = "feedback"
        answer.disabled = True  # however it was judged (on the spot or on a thread)
        self.query_one("#feedback", Static).update(feedback_content(verdict))
        card = self.shown.card if self.shown else None
        if card is not None and (card.explain or card.source):
            explain = self.query_one("#explain", Static)
            explain.update(explain_renderable(card, self.shown.values if self.shown else {}))
            explain.display = True
        bar = self.query_one(GradeBar)
        if verdict.self_graded:  # a hint for a typed answer, nothing at all for a reveal
            revealed = not (verdict.got or "").strip()
            bar.suggest(None if revealed else verdict.suggested_grade, preselect=False)
        else:
            bar.suggest(verdict.suggested_grade)
        bar.display = True
        bar.focus()

    @on(GradeBar.Chosen)
    def _graded(self, event: GradeBar.Chosen) -> None:
        event.stop()
        self.record(event.grade)

    def record(self, grade: int) -> None:
        if self.phase != "feedback" or self.shown is None or self.verdict is None:
            return
        lib = self.qapp.library
        key = self.shown.key
        try:
            recorded = lib.store.record(Answer(
                key[0], key[1], grade, self.verdict.suggested_grade, self.answer_text,
                {**self.verdict.to_json(), "seed": self.shown.seed}, int(self.seconds * 1000),
                shown_version=self.shown.version, day=self.session.day), self.qapp.clock())
        except StoreError as exc:  # read-only, taken over, or answered elsewhere meanwhile
            self.notify(str(exc), title="Not recorded", severity="warning", timeout=6,
                        markup=False)
            self.session.skip(key)
            self.next_card()
            return
        if recorded.became_leech:
            self.notify(f"{key[0]}/{key[1]} failed 8 times: it is now a leech and suspended. "
                        "Rewrite it or study it in the browser.", title="Leech",
                        severity="warning", timeout=8)
        self.session.done(key, self.session.wants_repeat(recorded.state))
        self.next_card()

    # -- other keys ----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # letter keys act only once the answer is in (while typing they are text)
        if action in ("edit", "suspend", "bury", "undo_key") and self.phase == "question":
            return False
        return not (action == "submit" and self.phase != "question")

    def action_scroll_card(self, direction: int) -> None:
        card = self.query_one("#card", VerticalScroll)
        card.scroll_relative(y=direction * max(1, card.size.height - 2), animate=False)

    def action_undo_key(self) -> None:
        self.action_undo()

    def action_undo(self) -> None:
        if self.phase == "checking":
            return
        try:
            undone = self.qapp.library.store.undo_last()
        except StoreError as exc:
            self.notify(str(exc), title="Not undone", severity="warning", markup=False)
            return
        if undone is None:
            self.notify("Nothing to undo.")
            return
        key = (undone["deck_id"], undone["card_id"])
        self.notify(f"Undid your answer to {key[0]}/{key[1]}.", title="Undo")
        self.session.put_back(key)
        self.next_card()

    def action_suspend(self) -> None:
        store = self.qapp.library.store
        self._set_aside(lambda key: store.set_suspended(key, True),
                        "Suspended {}. Unsuspend it in the browser.")

    def action_bury(self) -> None:
        lib = self.qapp.library
        self._set_aside(lambda key: lib.store.bury(key, lib.today(self.qapp.clock())),
                        "Buried {} until tomorrow.")

    def _set_aside(self, apply: Callable[[Key], None], message: str) -> None:
        """Suspend or bury the card on screen: out of this session, on to the next card."""
        if self.shown is None:
            return
        try:
            apply(self.shown.key)
        except StoreError as exc:
            self.notify(str(exc), title="Not changed", severity="warning", markup=False)
            return
        self.notify(message.format(self.shown.key[1]))
        self.session.skip(self.shown.key)
        self.next_card()

    def action_edit(self) -> None:
        """Open the card's deck file in $EDITOR at the card, then reload the decks."""
        if self.shown is None:
            return
        lib = self.qapp.library
        loaded = lib.decks.deck(self.shown.key[0])
        if loaded is None:
            return
        line = loaded.card_lines.get(self.shown.key[1], 1)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        command = [*shlex.split(editor), f"+{line}", str(loaded.path)]
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
        if self.phase == "question":
            self.next_card()

    def action_leave(self) -> None:
        self.qapp.review_ended()

    def finish(self) -> None:
        elapsed = int(self.qapp.monotonic() - self.started)
        self.qapp.review_ended()
        self.app.notify(f"{plural(self.session.answered, 'answer')} in "
                        f"{elapsed // 60}:{elapsed % 60:02d}.",
                        title="Session done")


def _revealed(card: CardBase, text: str) -> bool:
    """An empty answer to a recall card reveals it (it is not a wrong answer)."""
    return isinstance(card, RecallCard) and not text.strip()


def highlight(text: str, shared: set[str]) -> list[str | tuple[str, str]]:
    """Text as parts for Content.assemble, the words in `shared` highlighted."""
    return [(p, "bold $success") if p.lower() in shared else p
            for p in re.split(r"(\w+)", text) if p]


def self_graded_content(verdict: Verdict) -> Content:
    """A recall card: the model answer and the typed one side by side, shared words
    highlighted; never marked wrong."""
    shared = set(verdict.extra.get("shared") or ())
    typed = (verdict.got or "").strip()
    if not typed:
        return Content.assemble(("the model answer", "bold $accent"),
                                ("  how well did you know it? grade 0-5", "dim"), "\n",
                                verdict.expected or "")
    parts: list[str | tuple[str, str]] = [
        ("✓ word for word", "bold $success") if verdict.correct else ("compare", "bold $accent"),
        *([] if verdict.correct else [("  then grade yourself 0-5", "dim")]),
        "\n", ("model", "dim"), "  ", *highlight(verdict.expected or "", shared),
        "\n", ("yours", "dim"), "  ", *highlight(typed, shared)]
    if not verdict.correct:
        grade = verdict.suggested_grade
        parts += ["\n", (f"hint: {grade} {GRADE_NAMES[grade]}: {verdict.diagnosis}", "dim")]
    return Content.assemble(*parts)


def feedback_content(verdict: Verdict) -> Content:
    """The verdict as the feedback panel shows it. Card and answer text is never read as
    markup (a `[` or a trailing backslash in it would break or restyle the panel)."""
    if verdict.self_graded:
        return self_graded_content(verdict)
    parts: list[str | tuple[str, str]] = [
        ("✓ right", "bold $success") if verdict.correct else ("✗ wrong", "bold $error")]
    if verdict.status not in ("ok",):
        parts += ["  ", (verdict.status, "bold $warning")]
    if verdict.expected is not None:
        parts += ["\n", ("expected", "dim"), "  ", verdict.expected]
    if verdict.got:
        parts += ["\n", ("got     ", "dim"), "  ", verdict.got]
    if verdict.diagnosis:
        parts += ["\n", (_first_sentence(verdict.diagnosis), "italic")]
    return Content.assemble(*parts)


def _first_sentence(text: str, limit: int = 150) -> str:
    """Long exception messages (torch's run to 300 characters) would push the explanation
    off an 80x24 screen: keep the first sentence, within two lines."""
    cut = re.search(r"(?<=[a-z)])\. ", text)
    if cut and cut.end() < len(text):
        text = text[: cut.start() + 1] + " ..."
    return text if len(text) <= limit else text[: limit - 3] + "..."


