"""The shipped content meets its bars: enough cards, of every kind, each explained and
sourced, no two asking the same thing, and every code card's checks reject the wrong
solutions a learner might write (tests/wrong_solutions/<deck>.yaml)."""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any

import pytest
import yaml

from quizcards.checker.client import Checker
from quizcards.core.models import CodeCard
from quizcards.decks.loader import LoadedDeck, load_paths

from .conftest import DECKS, REPO

WRONG = REPO / "tests" / "wrong_solutions"
NEW_TOPICS = ("torch-broadcasting", "torch-view-reshape", "torch-inplace-autograd",
              "torch-module-internals", "torch-data-loading", "torch-indexing",
              "torch-autograd-advanced", "torch-training-loop", "torch-dtypes-numpy",
              "torch-modern-practice")


@cache
def decks() -> tuple[LoadedDeck, ...]:
    result = load_paths([DECKS])
    assert result.problems == []
    return tuple(result.decks)


def cards() -> list[tuple[str, Any]]:
    return [(d.deck.id, c) for d in decks() for c in d.deck.cards]


def test_the_bars() -> None:
    all_cards = cards()
    by_deck = {d.deck.id: len(d.deck.cards) for d in decks()}
    executable = sum(c.executable for _, c in all_cards)
    parametrised = sum(bool(c.params) for _, c in all_cards)
    assert len(all_cards) >= 350, len(all_cards)
    for topic in NEW_TOPICS:
        assert by_deck.get(topic, 0) >= 12, (topic, by_deck.get(topic))
    assert executable >= 0.7 * len(all_cards), executable / len(all_cards)
    assert parametrised >= 40, parametrised
    kinds = {c.kind for _, c in all_cards}
    assert kinds == {"shape", "value", "output", "raises", "code", "choice", "recall", "cloze"}


@pytest.mark.parametrize("deck_id,card", cards(), ids=lambda v: getattr(v, "id", v))
def test_every_card_is_explained_and_sourced(deck_id: str, card: Any) -> None:
    assert card.explain and card.explain.strip(), (deck_id, card.id)
    assert card.source and card.source.strip(), (deck_id, card.id)


def _asks(card: Any) -> str:
    text = f"{card.prompt} {getattr(card, 'code', '') or ''}"
    return re.sub(r"\s+", " ", re.sub(r"[`*_#]", "", text)).strip().lower()


def test_no_two_cards_ask_the_same_thing() -> None:
    seen: list[tuple[str, str]] = []
    alike = []
    for deck_id, card in cards():
        asks = _asks(card)
        matcher = difflib.SequenceMatcher(None)
        matcher.set_seq2(asks)  # seq2 is the one SequenceMatcher indexes: index it once
        for other, other_asks in seen:
            matcher.set_seq1(other_asks)
            # the cheap upper bounds first: ratio() on ~100,000 pairs took 100 s
            if (matcher.real_quick_ratio() > 0.92 and matcher.quick_ratio() > 0.92
                    and matcher.ratio() > 0.92):
                alike.append((f"{deck_id}/{card.id}", other))
        seen.append((f"{deck_id}/{card.id}", asks))
    assert alike == []


def _wrong_solutions() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(WRONG.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text()) or []:
            out.append((path.stem, entry))
    return out


def test_every_code_card_has_a_reference_and_a_rejected_wrong_solution() -> None:
    covered = {(deck, e["card"]) for deck, e in _wrong_solutions()}
    for deck_id, card in cards():
        if isinstance(card, CodeCard):
            assert card.reference, (deck_id, card.id)
            assert (deck_id, card.id) in covered, f"{deck_id}/{card.id}: no wrong solution"


@pytest.mark.parametrize("deck_id,entry", _wrong_solutions(),
                         ids=lambda v: v["card"] + ":" + v.get("why", "")[:30]
                         if isinstance(v, dict) else v)
def test_a_wrong_solution_is_graded_wrong(checker: Checker, deck_id: str,
                                          entry: dict[str, Any]) -> None:
    loaded = next(d for d in decks() if d.deck.id == deck_id)
    card = loaded.card(entry["card"])
    assert isinstance(card, CodeCard), entry["card"]
    for seed in range(max(1, min(3, len(card.params) and 3))):
        v = checker.check(loaded.deck, card, entry["answer"], seed=seed, shipped=True)
        assert not v.malformed, v.diagnosis  # a wrong solution, not a typo
        assert v.status in ("ok", "timeout", "memory", "crashed"), v.diagnosis
        assert not v.correct, (entry.get("why"), v.diagnosis)
