"""Stats: a year heatmap of reviews, a 30-day due forecast, retention by deck and by tag,
and the hardest cards."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Sparkline, Static

from quizcards.core.words import plural
from quizcards.ui.base import AppScreen


def heatmap(per_day: dict[int, int], today: int, colours: list[str],
            weeks: int = 52) -> Text:
    """Weeks as columns, weekdays as rows (Mon..Sun), like a contribution graph; `colours`
    from no answers to the busiest day (five)."""
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
            out.append("■", style=colours[level])
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
        self.draw()
        self.redraw_on_theme_change(self.draw)

    def draw(self) -> None:
        report = self.qapp.library.stats_report(self.qapp.clock())
        self.query_one("#heatmap", Static).update(
            heatmap(report.per_day, report.today, self.heat_colours()))
        counts = [report.forecast[d] for d in sorted(report.forecast)]
        total = sum(counts)
        self.query_one("#forecast-title", Static).update(
            f"[b]Due in the next 30 days[/b]  [dim]{plural(total, 'card')}, "
            f"{counts[0]} today, peak {max(counts)}[/dim]")
        self.query_one("#forecast", Sparkline).data = counts
        self._draw_axis()

        table = self.query_one("#retention", DataTable)
        table.clear(columns=True)
        table.add_columns("deck / tag", "recalls", "kept")
        rows = [*report.retention_by_deck.items(),
                *((f"#{tag}", kept) for tag, kept in report.retention_by_tag.items())]
        for name, kept in rows:
            table.add_row(Text(name), str(kept.recalls), f"{kept.kept / kept.recalls:.0%}")
        if not rows:
            table.add_row(Text("no recalls after a delay yet", style="dim"), "", "")

        hard = self.query_one("#hardest", DataTable)
        hard.clear(columns=True)
        hard.add_columns("card", "lapses", "answers", "")
        for card in report.hardest:
            hard.add_row(Text(f"{card.key[0]}/{card.key[1]}"), str(card.lapses),
                         str(card.reviews), "leech, suspended" if card.leech else "")
        if not report.hardest:
            hard.add_row(Text("no lapses yet", style="dim"), "", "", "")

    def heat_colours(self) -> list[str]:
        """Five steps from the panel colour (no answers) to the theme's success colour."""
        empty = Color.parse(self.theme_colour("panel"))
        full = Color.parse(self.theme_colour("success"))
        return [empty.blend(full, step / 4).hex for step in range(5)]


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
