"""Stats: a year heatmap of reviews, a 30-day due forecast, retention by deck and by tag,
and the hardest cards."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Sparkline, Static

from quizcards.core.words import plural
from quizcards.store import stats
from quizcards.ui.base import AppScreen

HEAT = ["grey23", "dark_green", "green4", "green3", "bright_green"]


def heatmap(per_day: dict[int, int], today: int, weeks: int = 52) -> Text:
    """Weeks as columns, weekdays as rows (Mon..Sun), like a contribution graph."""
    first = today - (weeks * 7) - date.fromordinal(today).weekday()
    peak = max(per_day.values(), default=0)
    out = Text()
    for weekday, label in enumerate(["Mon", "   ", "Wed", "   ", "Fri", "   ", "Sun"]):
        out.append(f"{label} ", style="dim")
        for week in range(weeks + 1):
            day = first + week * 7 + weekday
            if day > today:
                out.append(" ")
                continue
            n = per_day.get(day, 0)
            level = 0 if n == 0 else 1 + min(3, (4 * n - 1) // max(peak, 1))
            out.append("■", style=HEAT[level])
        out.append("\n")
    out.append(f"    {plural(sum(per_day.values()), 'answer')} in the last year; "
               f"busiest day {peak}",
               style="dim")
    return out


class StatsScreen(AppScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("q", "app.pop_screen",
                                                                      "Back", show=False)]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll(id="stats"):
            yield Static("[b]Reviews, last 12 months[/b]", classes="section")
            yield Static(id="heatmap")
            yield Static(id="forecast-title", classes="section")
            yield Sparkline([], id="forecast")
            yield Static(id="forecast-axis")
            yield Static("[b]Retention, last 30 days[/b]", classes="section")
            yield DataTable(id="retention", cursor_type="row")
            yield Static("[b]Hardest cards[/b]", classes="section")
            yield DataTable(id="hardest", cursor_type="row")
        yield Footer()

    def _draw_axis(self) -> None:
        """Labels under the forecast, placed for the sparkline's current width."""
        width = self.query_one("#forecast", Sparkline).size.width or self.app.size.width - 8
        self.query_one("#forecast-axis", Static).update(Text(axis_labels(width), style="dim"))

    def on_resize(self) -> None:
        self.call_after_refresh(self._draw_axis)

    def on_mount(self) -> None:
        lib = self.qapp.library
        store = lib.store
        today = lib.today(self.qapp.clock())
        self.query_one("#heatmap", Static).update(
            heatmap(stats.reviews_per_day(store, today - 380), today))
        due = stats.forecast(store, today, 30)
        counts = [due[d] for d in sorted(due)]
        total = sum(counts)
        self.query_one("#forecast-title", Static).update(
            f"[b]Due in the next 30 days[/b]  [dim]{plural(total, 'card')}, "
            f"{counts[0]} today, peak {max(counts)}[/dim]")
        self.query_one("#forecast", Sparkline).data = counts
        self._draw_axis()

        table = self.query_one("#retention", DataTable)
        table.add_columns("deck / tag", "recalls", "kept")
        by_deck: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        by_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        tags = {ref.key: ref.tags for ref in lib.refs()}
        for deck_id, card_id, grade in stats.recalls(store, today):
            for bucket in [by_deck[deck_id], *(by_tag[f"#{t}"] for t in
                                               tags.get((deck_id, card_id), ()))]:
                bucket[0] += 1
                bucket[1] += grade >= 3
        rows = sorted(by_deck.items()) + sorted(by_tag.items())
        for name, (n, kept) in rows:
            table.add_row(name, str(n), f"{kept / n:.0%}")
        if not rows:
            table.add_row("[dim]no recalls after a delay yet[/dim]", "", "")

        hard = self.query_one("#hardest", DataTable)
        hard.add_columns("card", "lapses", "answers", "")
        leeches = set(store.leeches())
        hardest = stats.hardest(store, 10)
        for row in hardest:
            key = (row["deck"], row["card"])
            hard.add_row(f"{key[0]}/{key[1]}", str(row["lapses"]), str(row["reviews"]),
                         "leech, suspended" if key in leeches else "")
        if not hardest:
            hard.add_row("[dim]no lapses yet[/dim]", "", "", "")



def axis_labels(width: int, days: int = 30) -> str:
    """`today`, the middle day and the last day under a `days`-bar sparkline `width` wide
    (each day gets width/days columns; a label starts where its day's bar starts)."""
    width = max(width, 24)
    middle, last = days // 2, days - 1
    labels = [(0, "today"), (middle * width // days, f"+{middle} days"),
              (last * width // days, f"+{last}")]
    line = [" "] * width
    for start, text in labels:
        start = min(start, width - len(text))
        line[start:start + len(text)] = text
    return "".join(line).rstrip()
