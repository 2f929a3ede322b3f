"""Asked at start when another quizcards is already running on this profile."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from quizcards.library import Owner

Choice = str  # "read-only", "take-over" or "quit"


class ProfileInUse(ModalScreen[Choice]):
    BINDINGS = [
        Binding("r", "choose('read-only')", "Read-only"),
        Binding("t", "choose('take-over')", "Take over"),
        Binding("q,escape", "choose('quit')", "Quit"),
    ]

    def __init__(self, other: Owner) -> None:
        super().__init__()
        self.other = other

    def compose(self) -> ComposeResult:
        since = datetime.fromtimestamp(self.other.since_ms / 1000, UTC).astimezone()
        with Vertical(id="profile-in-use"):
            yield Static(Content.assemble(
                ("quizcards is already running on this profile", "bold"),
                f" ({self.other.describe()}, since {since:%H:%M}).\n\n",
                ("r", "bold"), "  read-only: browse and practise; nothing is recorded here\n",
                ("t", "bold"), "  take over: this one records; the other stops recording\n",
                ("q", "bold"), "  quit"))
            with Horizontal(id="profile-buttons"):
                yield Button("Read-only", id="read-only")
                yield Button("Take over", variant="warning", id="take-over")
                yield Button("Quit", id="quit")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "quit")

    def action_choose(self, choice: Choice) -> None:
        self.dismiss(choice)
