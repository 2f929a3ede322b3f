"""Export: an Anki package (.apkg), a CSV of cards, and the review log in the FSRS
optimizer's CSV schema.

Executable cards carry the truth computed by the checker (a parametrised card is exported
with the combination drawn by seed 0, its placeholders filled). Every file is written to a
temporary name and renamed, so a failure never leaves half a file.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from quizcards.core.fsrs_adapter import rating_for
from quizcards.core.kinds import OPTION_LETTERS
from quizcards.core.models import CardBase, ChoiceCard, ClozeCard, CodeCard, Deck, RecallCard
from quizcards.core.params import draw, fill
from quizcards.decks.loader import LoadedDeck
from quizcards.files import atomic_write, replacing
from quizcards.store.db import Store

MODEL_TYPED = 1_607_392_319  # fixed ids: re-importing updates notes instead of duplicating
MODEL_BASIC = 1_607_392_320

Truth = Callable[[Deck, CardBase], str | None]  # the computed answer of an executable card


@dataclass(frozen=True)
class ExportedCard:
    deck: Deck
    card: CardBase
    front_md: str  # Markdown, params filled
    back: str  # the answer as text
    typed: bool  # an Anki "type in the answer" note
    cloze: bool = False  # an Anki Cloze note: front_md holds the deletions, back the extra


def export_cards(decks: Iterable[LoadedDeck], truth: Truth) -> list[ExportedCard]:
    out: list[ExportedCard] = []
    for loaded in decks:
        deck = loaded.deck
        for card in deck.cards:
            if isinstance(card, ClozeCard):  # one note; Anki makes a card per deletion
                out.append(ExportedCard(deck, card, _cloze_markdown(card),
                                        _cloze_answers(card), False, cloze=True))
                continue
            values = draw(card.params, 0) if card.params else {}
            front = fill(card.prompt, values).strip()
            typed = False
            if isinstance(card, ChoiceCard):
                front += "\n\n" + "\n".join(f"{OPTION_LETTERS[i]}) {o}" for i, o in
                                            enumerate(card.options))
                back = ", ".join(sorted(c.lower() for c in card.correct)) + "\n" + "\n".join(
                    f"{c.lower()}) {card.options[OPTION_LETTERS.index(c.lower())]}"
                    for c in sorted(card.correct))
            elif isinstance(card, RecallCard):
                back = card.answer
            elif isinstance(card, CodeCard):
                back = "```python\n" + (card.answer or card.reference or "").strip() + "\n```"
            else:
                back = truth(deck, card) or ""
                typed = "\n" not in back.strip()  # Anki compares one-line typed answers
            out.append(ExportedCard(deck, card, front, back, typed))
    return out


def _cloze_markdown(card: ClozeCard) -> str:
    """The card with its deletions as written (for the CSV of cards)."""
    parts = [card.prompt] if "prompt" in card.model_fields_set else []
    parts += [card.text] if card.text else []
    parts += [f"```python\n{card.code.rstrip()}\n```"] if card.code else []
    return "\n\n".join(parts)


def _cloze_answers(card: ClozeCard) -> str:
    return "; ".join(f"c{item.number}: " + " || ".join(d.answer.strip() for _, d in
                                                       item.blanks())
                     for item in card.items())


def markdown_to_html(text: str) -> str:
    """Enough Markdown for cards: fenced code as <pre><code>, `inline code`, paragraphs."""
    parts: list[str] = []
    for i, chunk in enumerate(re.split(r"```[a-zA-Z]*\n?(.*?)```", text, flags=re.DOTALL)):
        if i % 2:
            parts.append(f"<pre><code>{html.escape(chunk.rstrip())}</code></pre>")
            continue
        escaped = html.escape(chunk.strip())
        escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
        escaped = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", escaped)
        if escaped:
            parts.append("<p>" + escaped.replace("\n\n", "</p><p>").replace("\n", "<br>")
                         + "</p>")
    return "".join(parts)


# a cloze card in Anki's Cloze note type (its fields: Text, Back Extra): the parts Anki has no
# field for are marked with these classes, so that importing the package gives them back
PROMPT_CLASS, CODE_CLASS, TESTS_CLASS, SOURCE_CLASS = (
    "quizcards-prompt", "quizcards-code", "quizcards-tests", "quizcards-source")


def cloze_fields(card: ClozeCard) -> list[str]:
    """Text (prompt, prose and code with their {{c1::...}} as written) and Back Extra
    (explanation, the checks, the source) of an Anki Cloze note."""
    text = []
    if "prompt" in card.model_fields_set:
        text.append(f'<div class="{PROMPT_CLASS}">{markdown_to_html(card.prompt)}</div>')
    if card.text:
        text.append(markdown_to_html(card.text))
    if card.code:
        text.append(f'<pre><code class="{CODE_CLASS}">{html.escape(card.code.rstrip())}'
                    "</code></pre>")
    extra = [markdown_to_html(card.explain or "")]
    if card.tests:
        extra.append(f'<pre class="{TESTS_CLASS}">{html.escape(card.tests.rstrip())}</pre>')
    if card.source:
        extra.append(f'<div class="{SOURCE_CLASS}"><i>{html.escape(card.source)}</i></div>')
    return ["".join(text), "".join(extra)]


def _anki_tags(deck: Deck, card: CardBase) -> list[str]:
    tags = [*deck.tags, *card.tags, f"quizcards::{deck.id}", f"kind::{card.kind}"]  # type: ignore[attr-defined]
    return [re.sub(r"\s+", "_", t) for t in dict.fromkeys(tags)]


def _stable_id(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:12], 16) % (1 << 31)


def write_apkg(cards: list[ExportedCard], path: Path) -> int:
    import genanki

    css = (".card { font-family: sans-serif; font-size: 18px; text-align: left; }\n"
           "pre, code { font-family: monospace; background: #f4f4f4; }\n"
           "pre { padding: 8px; }\n.explain { color: #666; font-size: 15px; }")
    fields = [{"name": n} for n in ("Front", "Back", "Explain", "Source", "CardKey")]
    after = ('<div class="explain">{{Explain}}</div>'
             '<div class="explain"><i>{{Source}}</i></div>')
    typed = genanki.Model(MODEL_TYPED, "quizcards typed answer", fields=fields, css=css,
                          templates=[{"name": "Card 1",
                                      "qfmt": "{{Front}}<br><br>{{type:Back}}",
                                      "afmt": "{{Front}}<hr id=answer>{{type:Back}}" + after}])
    basic = genanki.Model(MODEL_BASIC, "quizcards basic", fields=fields, css=css,
                          templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                                      "afmt": "{{FrontSide}}<hr id=answer>{{Back}}" + after}])
    cloze = genanki.CLOZE_MODEL  # Anki's own Cloze note type: Text and Back Extra
    anki_decks: dict[str, genanki.Deck] = {}
    for c in cards:
        deck = anki_decks.setdefault(c.deck.id, genanki.Deck(
            _stable_id("quizcards-deck:" + c.deck.id), f"quizcards::{c.deck.title}"))
        if c.cloze:
            assert isinstance(c.card, ClozeCard)
            deck.add_note(genanki.Note(
                model=cloze, fields=cloze_fields(c.card), tags=_anki_tags(c.deck, c.card),
                guid=genanki.guid_for("quizcards", c.deck.id, c.card.id)))
            continue
        back = html.escape(c.back.strip()) if c.typed else markdown_to_html(c.back)
        deck.add_note(genanki.Note(
            model=typed if c.typed else basic,
            fields=[markdown_to_html(c.front_md), back, markdown_to_html(c.card.explain or ""),
                    html.escape(c.card.source or ""), f"{c.deck.id}/{c.card.id}"],
            tags=_anki_tags(c.deck, c.card),
            guid=genanki.guid_for("quizcards", c.deck.id, c.card.id),
        ))
    package = genanki.Package(list(anki_decks.values()))
    with replacing(path) as tmp:
        package.write_to_file(str(tmp), timestamp=0)
    return len(cards)


def write_cards_csv(cards: list[ExportedCard], path: Path) -> int:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["deck_id", "card_id", "kind", "prompt", "answer", "tags", "explain",
                     "source"])
    for c in cards:
        writer.writerow([c.deck.id, c.card.id, c.card.kind, c.front_md, c.back,  # type: ignore[attr-defined]
                         " ".join(dict.fromkeys([*c.deck.tags, *c.card.tags])),
                         c.card.explain or "", c.card.source or ""])
    atomic_write(path, out.getvalue().encode("utf-8"))
    return len(cards)


def card_number(deck_id: str, card_id: str) -> int:
    """A stable integer id per card (the FSRS optimizer wants integer card ids)."""
    return int(hashlib.sha1(f"{deck_id}/{card_id}".encode()).hexdigest()[:12], 16)


NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3


def write_review_log(store: Store, path: Path) -> int:
    """The log as the FSRS optimizer reads it: card_id, review_time (ms), review_rating (1-4),
    review_state (0 new, 1 learning, 2 review, 3 relearning), review_duration (ms).

    The state is the card's state *before* the answer: new for its first answer, learning or
    relearning for a same-day repeat (relearning once it has lapsed), review otherwise."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["card_id", "review_time", "review_rating", "review_state",
                     "review_duration"])
    last: dict[tuple[str, str], tuple[int, bool]] = {}  # key -> (day, ever failed a review)
    rows = 0
    for review in store.logged_reviews():
        key, day, grade = review.key, review.day, review.grade
        if key not in last:
            state, lapsed = NEW, False
        else:
            prev_day, lapsed = last[key]
            state = (RELEARNING if lapsed else LEARNING) if prev_day == day else REVIEW
        failed_review = grade < 3 and state == REVIEW
        last[key] = (day, lapsed or failed_review)
        writer.writerow([card_number(*key), review.time_ms, rating_for(grade), state,
                         review.duration_ms if review.duration_ms is not None else 0])
        rows += 1
    atomic_write(path, out.getvalue().encode("utf-8"))
    return rows

