"""The deck `quizcards new` starts; each kind's card template is in the kinds registry
(core/kinds.py)."""

from __future__ import annotations


def new_deck_text(deck_id: str) -> str:
    title = deck_id.replace("-", " ").replace("_", " ").capitalize()
    return (
        "# yaml-language-server: $schema=deck.schema.json\n"
        f"id: {deck_id}\n"
        f"title: {title}\n"
        "setup: |\n"
        "  import torch\n"
        "cards:\n"
    )
