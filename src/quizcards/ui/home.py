"""Home: decks with new / learning / due counts, today's progress and streak."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Static

from quizcards.ui.base import AppScreen

if TYPE_CHECKING:
    from quizcards.library import FolderProblem, TodayStats


class HomeScreen(AppScreen):
    BINDINGS = [
        Binding("r", "review_deck", "Review"),
        Binding("a", "app.review", "Review all"),
        Binding("p", "pick", "Pick"),
        Binding("s", "app.stats", "Stats"),
        Binding("b", "app.browser", "Browse"),
        Binding("q", "app.quit", "Quit"),
    ]
    _stats: TodayStats | None = None  # the counts last read
    _stale = False  # another screen was on top since: read them again

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="home"):
            yield Static(id="today")
            yield Static(id="folder-notice")
            yield DataTable(id="decks", cursor_type="row", zebra_stripes=True)
            yield Static(id="problems")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#decks", DataTable)
        table.add_column("Deck", key="deck")
        table.add_column("New", key="new", width=5)
        table.add_column("Learn", key="learning", width=5)
        table.add_column("Due", key="due", width=5)
        table.add_column("Cards", key="cards", width=5)
        self.refresh_counts()
        self.redraw_on_theme_change(self._show)
        table.focus()

    # The counts are read from the store when home is built and each time it comes back
    # (after a review, the browser, stats); a resize or a theme only redraws them: at 50,000
    # cards a read takes a large part of a second.
    def on_screen_suspend(self) -> None:
        self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self.refresh_counts()

    def on_resize(self) -> None:
        self._show()  # titles are cut to the width

    def refresh_counts(self) -> None:
        self._stats = self.qapp.library.stats(self.qapp.clock())
        self._stale = False
        self._show()

    def _show(self) -> None:
        stats = self._stats
        if stats is None:
            return
        lib = self.qapp.library
        colours = {kind: self.theme_colour(f"text-{name}") for kind, name in
                   (("new", "primary"), ("learning", "warning"), ("due", "success"))}
        table = self.query_one("#decks", DataTable)
        row = table.cursor_row
        table.clear()
        # the four count columns take 4 x (5 + 2 padding); the title gets the rest
        room = max(20, self.app.size.width - 4 * 7 - 2 - 4)
        for loaded in lib.decks.decks:
            counts = stats.decks[loaded.deck.id]
            title = loaded.deck.title
            table.add_row(
                Text(title if len(title) <= room else title[: room - 1] + "…"),  # not markup
                _num(counts.new, colours["new"]),
                _num(counts.learning, colours["learning"]),
                _num(counts.due, colours["due"]),
                Text(str(counts.cards), justify="right"),
                key=loaded.deck.id,
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)
        retention = stats.retention_30d
        ret = "-" if retention is None else f"{retention:.0%}"
        self.query_one("#today", Static).update(
            f"[b]Today[/b] {stats.reviewed_today} done · [b]{stats.due_today}[/b] due"
            f" · {stats.learning_today} learning · {stats.new_left_today} new"
            f"   [dim]streak[/dim] {stats.streak}d  [dim]kept (30d)[/dim] {ret}"
        )
        notice = self.query_one("#folder-notice", Static)
        notice.display = bool(stats.folder_problems)
        if stats.folder_problems:
            notice.update(_folder_notice(stats.folder_problems))
        problems = stats.deck_problems
        panel = self.query_one("#problems", Static)
        panel.display = bool(problems)
        if problems:
            lines = "\n".join(f"  {p}" for p in problems[:8])
            more = f"\n  ... and {len(problems) - 8} more" if len(problems) > 8 else ""
            panel.update(Content.assemble(("Decks that failed to load", "bold $error"), "\n",
                                          lines + more))

    def action_review_deck(self) -> None:
        table = self.query_one("#decks", DataTable)
        if table.row_count == 0:
            return
        deck_id = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.qapp.action_review(deck_id)

    def action_pick(self) -> None:
        from collections import Counter

        from quizcards.ui.picker import Picker

        lib = self.qapp.library
        decks = [(d.deck.id, d.deck.title, len(d.deck.items())) for d in lib.decks.decks]
        tags = Counter(t for ref in lib.refs() for t in ref.tags)

        def chosen(result: tuple[list[str], list[str]] | None) -> None:
            if result is not None:
                self.qapp.action_review(decks=result[0], tags=result[1])

        self.app.push_screen(Picker(decks, tags), chosen)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.qapp.action_review(event.row_key.value)


def _folder_notice(problems: list[FolderProblem]) -> Text:
    """One line for the deck folders that cannot be used (the CSS cuts it to the width);
    `quizcards folders list` tells more."""
    if len(problems) == 1:
        return Text(f"Deck folder not loaded, {problems[0].problem}: {problems[0].path}")
    return Text(f"{len(problems)} deck folders not loaded: "
                + ", ".join(f"{p.path} ({p.problem})" for p in problems))


def _num(n: int, colour: str) -> Text:
    return Text(str(n), style=f"bold {colour}" if n else "dim", justify="right")
