"""The base of every screen: typed access to the app (its library, checker and clock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.command import Hit, Hits, Provider
from textual.screen import Screen
from textual.widget import Widget

if TYPE_CHECKING:
    from quizcards.ui.app import QuizcardsApp


class AppScreen(Screen[None]):
    @property
    def qapp(self) -> QuizcardsApp:
        return self.app  # type: ignore[return-value]


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
