"""The base of every screen: typed access to the app (its library, checker and clock), and
the one place a failed worker is reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.command import Hit, Hits, Provider
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from quizcards.ui.app import QuizcardsApp


class AppScreen(Screen[None]):
    # what each worker group does, for the message when it fails
    WORK: ClassVar[dict[str, str]] = {}

    @property
    def qapp(self) -> QuizcardsApp:
        return self.app  # type: ignore[return-value]

    def theme_colour(self, name: str) -> str:
        """A colour of the current theme (`success`, `warning`, `panel`...), for Rich text
        that Textual CSS does not style (table cells, the heatmap). Screens that use it
        redraw when the theme changes (see `redraw_on_theme_change`)."""
        return self.app.theme_variables.get(name, "default")

    def redraw_on_theme_change(self, redraw: Callable[[], None]) -> None:
        self.watch(self.app, "theme", lambda _theme: redraw(), init=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker runs with exit_on_error=False: a failure is shown here and the app
        stays up; the screen then gets `worker_failed` to put itself right."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            what = self.WORK.get(event.worker.group, "background work")
            self.notify(f"{type(error).__name__}: {error}", title=f"Failed: {what}",
                        severity="error", timeout=10, markup=False)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[object]) -> None:
        """A worker of this screen raised (already reported to the user)."""


class ActionCommands(Provider):
    """Palette commands that each run an action: (name, help, action) in COMMANDS, run on
    the node `target` returns (the app, or the screen the palette was opened over)."""

    COMMANDS: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def target(self) -> App[object] | Widget:
        return self.app

    async def discover(self) -> Hits:
        for name, help_text, action in self.COMMANDS:
            yield Hit(1.0, name, self._runner(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in self.COMMANDS:
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), self._runner(action), help=help_text)

    def _runner(self, action: str) -> Callable[[], object]:
        node = self.target()
        return lambda: node.run_action(action)
