"""Cloze deletions: Anki's `{{c1::answer}}` and `{{c1::answer::hint}}`, in a card's prose
(`text`) or its `code`.

- A deletion opens with `{{c<number>::` and closes with the first `}}` on the same line (a
  `}}}` closes with its last two braces, so an answer may end with `}`). Any other `{{` is
  text: an f-string's `{{x}}` stays as written.
- The hint is what follows the first `::` outside brackets inside the deletion, so a slice
  such as `x[::2]` is an answer, not an answer and a hint.
- Several deletions may share a number: they are one item, shown with several blanks and
  answered with one text per blank (`SEPARATOR` between them, or one per line).
- Each number is its own schedulable item, `<card id>::c<number>`, with its own history.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SEPARATOR = "||"  # between the answers to several blanks of one number (never valid Python)
BLANK = "[...]"

_START = re.compile(r"\{\{c(\d*)::")
_SLIP = re.compile(r"\{\{c\d+(?=[:}])")  # {{c1:x}} or {{c1}}: meant as a deletion
_CLOSE = re.compile(r"\}\}(?!\})")
_ITEM = re.compile(r"^(.+)::c([1-9]\d*)$")
MAX_NUMBER = 999


@dataclass(frozen=True)
class Deletion:
    """One `{{cN::answer::hint}}` at [start, end) of its text."""

    number: int
    answer: str
    hint: str | None
    start: int
    end: int

    def blank(self) -> str:
        """How the deletion shows while it is asked: `[hint]` or `[...]`."""
        return f"[{self.hint}]" if self.hint else BLANK


@dataclass(frozen=True)
class ClozeProblem:
    offset: int  # in the text parsed
    message: str


def parse(text: str) -> tuple[list[Deletion], list[ClozeProblem]]:
    """The deletions of `text` in order, and what is wrong with the markup."""
    found: list[Deletion] = []
    problems: list[ClozeProblem] = []
    pos = 0
    while True:
        start = _START.search(text, pos)
        slip = _SLIP.search(text, pos)
        if slip is not None and (start is None or slip.start() < start.start()):
            problems.append(ClozeProblem(slip.start(), f"`{slip.group()}` is not a deletion: "
                                         "write {{c1::answer}} or {{c1::answer::hint}}"))
            pos = slip.end()
            continue
        if start is None:
            break
        line_end = text.find("\n", start.end())
        line_end = len(text) if line_end < 0 else line_end
        close = _CLOSE.search(text, start.end(), line_end)
        if close is None:
            problems.append(ClozeProblem(start.start(), f"unclosed `{start.group()}`: a "
                                         "deletion ends with `}}` on the line it starts"))
            pos = start.end()
            continue
        body = text[start.end():close.start()]
        pos = close.end()
        inner = _START.search(body)
        if inner is not None:
            problems.append(ClozeProblem(start.end() + inner.start(),
                                         "nested deletion: deletions cannot hold deletions"))
            continue
        digits = start.group(1)
        if not digits or not 1 <= int(digits) <= MAX_NUMBER:
            problems.append(ClozeProblem(start.start(), "a deletion needs a number from 1 to "
                                         f"{MAX_NUMBER}: {{{{c1::...}}}}, {{{{c2::...}}}}"))
            continue
        answer, hint = _split_hint(body)
        if not answer.strip():
            problems.append(ClozeProblem(start.start(), "empty deletion: write the hidden "
                                         "text after `::`"))
            continue
        found.append(Deletion(int(digits), answer, hint, start.start(), close.end()))
    return found, problems


def _split_hint(body: str) -> tuple[str, str | None]:
    depth = 0
    for i, ch in enumerate(body):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and body.startswith("::", i):
            hint = body[i + 2:].strip()
            return body[:i], hint or None
    return body, None


def has_markup(text: str) -> bool:
    """Does text hold something meant as a deletion?"""
    return bool(_START.search(text) or _SLIP.search(text))


def render(text: str, deletions: Sequence[Deletion], number: int | None,
           fills: Sequence[str] | None = None) -> str:
    """The text with each deletion replaced: the ones numbered `number` by their blank (or by
    `fills`, in order), every other one by its answer. `number` None: every answer."""
    out: list[str] = []
    pos = 0
    k = 0
    for d in deletions:
        out.append(text[pos:d.start])
        if d.number == number:
            out.append(fills[k] if fills is not None else d.blank())
            k += 1
        else:
            out.append(d.answer)
        pos = d.end
    out.append(text[pos:])
    return "".join(out)


def numbers(deletions: Sequence[Deletion]) -> list[int]:
    return sorted({d.number for d in deletions})


def item_id(card_id: str, number: int) -> str:
    """The id an item is scheduled and logged under: `<card id>::c<number>`."""
    return f"{card_id}::c{number}"


def split_item_id(item: str) -> tuple[str, int] | None:
    """(card id, number) of an item id, or None."""
    m = _ITEM.match(item)
    return (m.group(1), int(m.group(2))) if m else None


def split_answer(answer: str, blanks: int) -> list[str] | None:
    """One text per blank, stripped: the whole answer for one blank; for several, the parts
    between `||`, or else one per line. None when the count does not match."""
    if blanks == 1:
        return [answer.strip()]
    if SEPARATOR in answer:
        parts = answer.split(SEPARATOR)
    else:
        parts = [line for line in answer.strip().splitlines() if line.strip()]
    parts = [p.strip() for p in parts]
    return parts if len(parts) == blanks else None


def normalize_words(text: str) -> str:
    """Prose as compared: surrounding backticks dropped, whitespace runs as one space."""
    text = " ".join(text.split())
    if len(text) >= 2 and text[0] == text[-1] == "`":
        text = text[1:-1].strip()
    return text
