"""Pick several decks and tags for a review (from home, key `p`)."""

from __future__ import annotations

from collections import Counter

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, SelectionList, Static

from quizcards.core.words import plural


class Picker(ModalScreen[tuple[list[str], list[str]] | None]):
    """Space toggles, Enter reviews what is picked (decks or tags), Esc cancels."""

    BINDINGS = [
        Binding("enter", "done", "Review picked", priority=True),
        Binding("escape", "dismiss(None)", "Cancel"),
    ]

    def __init__(self, decks: list[tuple[str, str, int]], tags: Counter[str]) -> None:
        super().__init__()
        self.decks = decks  # (id, title, cards)
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("[b]Review these decks and tags[/b]  [dim]space picks, "
                         "Enter starts[/dim]")
            # titles and tags are deck text: shown as written, never read as markup
            options: list[tuple[Content, str]] = [
                (Content.assemble(_cut(title, 40), "  ", (plural(n, "card"), "dim")),
                 f"deck:{deck_id}") for deck_id, title, n in self.decks
            ]
            options += [(Content.assemble(f"#{tag}", "  ", (plural(n, "card"), "dim")),
                         f"tag:{tag}") for tag, n in sorted(self.tags.items())]
            yield SelectionList[str](*options, id="choices")
        yield Footer()

    def action_done(self) -> None:
        picked = self.query_one(SelectionList).selected
        decks = [v[5:] for v in picked if v.startswith("deck:")]
        tags = [v[4:] for v in picked if v.startswith("tag:")]
        self.dismiss((decks, tags) if picked else None)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
