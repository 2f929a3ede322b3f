"""The answer widgets (one per kind of input) and the grade bar, shared by the review and
the exam screens. Their layout is in DEFAULT_CSS, so they look the same wherever mounted."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, SelectionList, Static, TextArea
from textual.widgets.text_area import Selection

from quizcards.core.kinds import OPTION_LETTERS, kind_of
from quizcards.core.markdown import to_plain
from quizcards.core.models import CardBase, ChoiceCard
from quizcards.core.params import fill

GRADE_NAMES = ["blackout", "wrong", "near miss", "hard", "good", "easy"]


def hint_for(card: CardBase) -> str:
    """How to write an answer to this card, under its prompt."""
    return kind_of(card).hint


class TopBar(Horizontal):
    """The line above a question: where it is from (left) and the progress (right)."""

    DEFAULT_CSS = """
    TopBar {
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    TopBar #where {
        width: 1fr;
    }
    TopBar #progress {
        width: auto;
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="where")
        yield Static(id="progress")


class AnswerBox(Vertical):
    """Where the card's answer widget is mounted."""

    DEFAULT_CSS = """
    AnswerBox {
        height: auto;
    }
    AnswerBox TextArea {
        height: 8;
    }
    """


class ChoiceList(SelectionList[str]):
    """The options of a choice card: a letter or Space toggles, Enter submits."""

    BINDINGS = [
        Binding("enter", "submit", "Submit", show=False),
        *[Binding(letter, f"toggle_letter('{letter}')", show=False) for letter in OPTION_LETTERS],
    ]

    class Submitted(Message):
        pass

    def __init__(self, card: ChoiceCard, values: dict[str, object]) -> None:
        # options are card text: shown as written, never read as markup
        super().__init__(*[(Content(f"{OPTION_LETTERS[i]})  {to_plain(fill(option, values))}"),
                            OPTION_LETTERS[i]) for i, option in enumerate(card.options)],
                         classes="answer")

    def action_toggle_letter(self, letter: str) -> None:
        if OPTION_LETTERS.index(letter) < self.option_count:
            self.toggle(letter)

    def action_submit(self) -> None:
        self.post_message(self.Submitted())

    @property
    def text(self) -> str:
        return " ".join(sorted(self.selected))


AnswerWidget = Input | TextArea | ChoiceList


def answer_widget_for(card: CardBase, old: AnswerWidget | None, box: AnswerBox,
                      values: dict[str, object] | None = None) -> AnswerWidget:
    """The answer widget for this kind: a single-line Input is reused from card to card
    (no remount on the answer-to-next path); text areas and option lists are made for their
    cards."""
    widget: AnswerWidget
    kind = kind_of(card)
    if kind.answer_input == "choice":
        assert isinstance(card, ChoiceCard)
        widget = ChoiceList(card, values or {})
    elif kind.answer_input == "code":
        starter = getattr(card, "starter", None) or ""
        widget = TextArea.code_editor(starter, language=_python_if_available(),
                                      classes="answer", tab_behavior="indent")
        widget.selection = _body_selection(starter)
    elif kind.answer_input == "lines":
        widget = TextArea("", classes="answer", show_line_numbers=False)
    elif isinstance(old, Input):
        old.value = ""
        old.placeholder = kind.placeholder
        return old
    else:
        widget = Input(placeholder=kind.placeholder, classes="answer")
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

    DEFAULT_CSS = """
    GradeBar {
        height: 1;
        padding: 0 1;
        dock: bottom;
        margin-bottom: 1;
    }
    GradeBar:focus {
        background: $boost;
    }
    """

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
