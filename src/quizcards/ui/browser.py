"""Browser: search cards by text, deck and tag; a card's history and schedule; suspend."""

from __future__ import annotations

from datetime import UTC, datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.events import Resize
from textual.widgets import DataTable, Footer, Header, Input, Static

from quizcards.core.day import day_to_iso
from quizcards.core.params import draw, fill
from quizcards.core.queue import Key
from quizcards.core.words import plural
from quizcards.errors import StoreError
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

    # the fixed columns and the table's own padding; the card id takes the rest
    FIXED = {"kind": 6, "due": 10, "lapses": 6, "flag": 9}

    def _card_width(self) -> int:
        # 2 x 5: each column's padding; 2: the table's scrollbar (the flag column was cut)
        return max(24, self.app.size.width - sum(self.FIXED.values()) - 2 * 5 - 2 - 2)

    def on_mount(self) -> None:
        table = self.query_one("#cards", DataTable)
        table.add_column("card", key="card", width=self._card_width())
        table.add_column("kind", key="kind", width=self.FIXED["kind"])
        table.add_column("due", key="due", width=self.FIXED["due"])
        table.add_column("lapses", key="lapses", width=self.FIXED["lapses"])
        table.add_column("", key="flag", width=self.FIXED["flag"])
        self.fill("")
        table.focus()

    def on_resize(self, event: Resize) -> None:
        table = self.query_one("#cards", DataTable)
        column = table.columns.get("card")  # type: ignore[call-overload]
        if column is not None and column.width != self._card_width():
            column.width = self._card_width()
            table.refresh(layout=True)

    def fill(self, query: str) -> None:
        lib = self.qapp.library
        summaries = lib.summaries()
        flags = lib.flags()
        today = lib.today(self.qapp.clock())
        table = self.query_one("#cards", DataTable)
        table.clear()
        for loaded in lib.decks.decks:
            tags = frozenset(loaded.deck.tags)
            for card in loaded.deck.items():
                key = (loaded.deck.id, card.id)
                if not matches(query, key[0], key[1], card.prompt, tags | set(card.tags)):
                    continue
                state = summaries.get(key)
                flag = flags.get(key)
                mark = ""
                if flag and flag.suspended:
                    mark = "leech" if flag.leech else "suspended"
                elif flag and flag.buried_day == today:
                    mark = "buried"
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
        detail = lib.card_detail(key)
        state, history = detail.state, detail.history
        # the card's text with the values its last showing drew (seed 0 before any)
        values = detail.last_values
        if values is None:
            values = draw(card.params, 0) if card.params else {}
        first = _first_line(fill(card.prompt, values))
        parts: list[str | tuple[str, str]] = [(f"{key[0]}/{key[1]}", "bold"), "  ", first]
        if state is None:
            parts += ["\n", ("new: not answered yet", "dim")]
        else:
            due = day_to_iso(state.due_day) if state.due_day else "-"
            ef, interval = getattr(state, "ef", None), getattr(state, "interval", None)
            extra = f" · EF {ef:.2f} · interval {interval} d" if ef is not None else ""
            parts += ["\n", f"due {due} · {plural(state.reviews, 'answer')} · "
                      f"{plural(state.lapses, 'lapse')}{extra}"]
        for h in history[-6:]:
            when = datetime.fromtimestamp(h.time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
            mark = "✓" if (h.verdict or {}).get("correct") else "✗"
            answer = (h.answer or "").replace("\n", " ")[:30]
            drawn = h.params or {}
            asked = "  " + ", ".join(f"{k}={v}" for k, v in drawn.items()) if drawn else ""
            suggested = "" if h.suggested_grade is None else f" (suggested {h.suggested_grade})"
            parts += ["\n", f"  {when}  {mark} grade {h.grade}{suggested}  {answer!r}",
                      (asked, "dim")]
            if h.undone:
                parts.append((" (undone)", "dim"))
        self.query_one("#detail", Static).update(Content.assemble(*parts))

    def action_toggle_suspend(self) -> None:
        key = self._selected()
        if key is None:
            return
        lib = self.qapp.library
        flag = lib.flags().get(key)
        suspended = not (flag is not None and flag.suspended)
        try:
            lib.set_suspended(key, suspended)
        except StoreError as exc:
            self.notify(str(exc), title="Not changed", severity="warning", markup=False)
            return
        self.notify(f"{'Suspended' if suspended else 'Unsuspended'} {key[1]}.")
        table = self.query_one("#cards", DataTable)
        row = table.cursor_row
        self.fill(self.query_one("#search", Input).value)
        table.move_cursor(row=row)


def _first_line(text: str, limit: int = 70) -> str:
    """The first line of text that is not a code fence, cut to `limit`."""
    lines = [line for line in text.strip().splitlines()
             if line.strip() and not line.lstrip().startswith(("```", "~~~"))]
    line = lines[0].strip() if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
