"""The base of every screen: typed access to the app (its library, checker and clock)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from quizcards.ui.app import QuizcardsApp


class AppScreen(Screen[None]):
    @property
    def qapp(self) -> QuizcardsApp:
        return self.app  # type: ignore[return-value]
