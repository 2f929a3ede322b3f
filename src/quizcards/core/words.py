"""Small wording helpers shared by the CLI and the screens."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 answer`, `2 answers`, `0 answers`; `many` for irregular plurals."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
