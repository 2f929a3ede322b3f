"""Browser: search cards by text, deck and tag; a card's history and schedule; suspend."""

from __future__ import annotations

from datetime import UTC, datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from quizcards.core.day import day_to_iso
from quizcards.core.queue import Key
from quizcards.ui.base import AppScreen


def matches(query: str, deck_id: str, card_id: str, text: str, tags: frozenset[str]) -> bool:
    """`deck:ID`, `tag:NAME` and plain words (all must match, case-insensitive)."""
    haystack = f"{deck_id} {card_id} {text}".lower()
    for term in query.lower().split():
        if term.startswith("deck:"):
            if term[5:] not in deck_id.lower():
                return False
        elif term.startswith("tag:"):
            if term[4:] not in {t.lower() for t in tags}:
                return False
        elif term not in haystack:
            return False
    return True


class BrowserScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("slash", "search", "Search"),
        Binding("s", "toggle_suspend", "Suspend/unsuspend"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Input(placeholder="search: words, deck:ID, tag:NAME", id="search")
        yield DataTable(id="cards", cursor_type="row", zebra_stripes=True)
        yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#cards", DataTable)
        table.add_column("card", key="card", width=34)
        table.add_column("kind", key="kind", width=6)
        table.add_column("due", key="due", width=10)
        table.add_column("lapses", key="lapses", width=6)
        table.add_column("", key="flag", width=9)
        self.fill("")
        table.focus()

    def fill(self, query: str) -> None:
        lib = self.qapp.library
        summaries = lib.store.summaries()
        flags = lib.store.flags()
        table = self.query_one("#cards", DataTable)
        table.clear()
        for loaded in lib.decks.decks:
            tags = frozenset(loaded.deck.tags)
            for card in loaded.deck.cards:
                key = (loaded.deck.id, card.id)
                if not matches(query, key[0], key[1], card.prompt, tags | set(card.tags)):
                    continue
                state = summaries.get(key)
                flag = flags.get(key)
                mark = ("leech" if flag and flag.leech else "suspended") if (
                    flag and flag.suspended) else ""
                due = day_to_iso(state.due_day) if state and state.due_day else "new"
                lapses = state.lapses if state else 0
                table.add_row(f"{key[0]}/{key[1]}", card.kind, due,  # type: ignore[attr-defined]
                              str(lapses), mark, key=f"{key[0]}\t{key[1]}")

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(Input.Submitted, "#search")
    def _to_table(self) -> None:
        self.query_one("#cards", DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def _selected(self) -> Key | None:
        table = self.query_one("#cards", DataTable)
        if table.row_count == 0:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        deck_id, _, card_id = value.partition("\t")
        return (deck_id, card_id)

    @on(DataTable.RowHighlighted, "#cards")
    def _highlighted(self) -> None:
        key = self._selected()
        if key is not None:
            self.show_detail(key)

    def show_detail(self, key: Key) -> None:
        lib = self.qapp.library
        found = lib.lookup(key)
        if found is None:
            return
        _, card = found
        state = lib.store.state(key)
        history = lib.store.history(key)
        lines = [f"[b]{key[0]}/{key[1]}[/b]  {card.prompt.strip().splitlines()[0][:70]}"]
        if state is None:
            lines.append("[dim]new: not answered yet[/dim]")
        else:
            due = day_to_iso(state.due_day) if state.due_day else "-"
            ef, interval = getattr(state, "ef", None), getattr(state, "interval", None)
            extra = f" · EF {ef:.2f} · interval {interval} d" if ef is not None else ""
            lines.append(f"due {due} · {state.reviews} answers · {state.lapses} lapses{extra}")
        for h in history[-6:]:
            when = datetime.fromtimestamp(h["time_ms"] / 1000, UTC).strftime("%Y-%m-%d %H:%M")
            verdict = h["verdict"] or {}
            mark = "✓" if verdict.get("correct") else "✗"
            undone = " [dim](undone)[/dim]" if h["undone"] else ""
            answer = (h["answer"] or "").replace("\n", " ")[:30]
            lines.append(f"  {when}  {mark} grade {h['grade']} "
                         f"(suggested {h['suggested_grade']})  {answer!r}{undone}")
        self.query_one("#detail", Static).update("\n".join(lines))

    def action_toggle_suspend(self) -> None:
        key = self._selected()
        if key is None:
            return
        lib = self.qapp.library
        flag = lib.store.flags().get(key)
        suspended = not (flag is not None and flag.suspended)
        lib.store.set_suspended(key, suspended)
        self.notify(f"{'Suspended' if suspended else 'Unsuspended'} {key[1]}.")
        table = self.query_one("#cards", DataTable)
        row = table.cursor_row
        self.fill(self.query_one("#search", Input).value)
        table.move_cursor(row=row)
