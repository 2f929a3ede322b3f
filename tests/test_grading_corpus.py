"""Typed answers to the shipped cards, each with the verdict a careful human examiner gives
(tests/grading_corpus.yaml, written from docs/grading.md by someone who did not write the
judge), run through the path `quizcards check` takes: load the deck, check the answer."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import yaml

from quizcards.checker.client import Checker
from quizcards.decks.loader import LoadedDeck, load_file

from .conftest import FROZEN, REPO

CORPUS = yaml.safe_load((REPO / "tests" / "grading_corpus.yaml").read_text())


@cache
def deck(deck_id: str) -> LoadedDeck:
    loaded, problems = load_file(FROZEN / f"{deck_id}.yaml")
    assert loaded is not None and not problems
    return loaded


def answer_of(entry: dict[str, Any]) -> str:
    if "answer_repeat" in entry:
        return entry["answer_repeat"]["text"] * entry["answer_repeat"]["times"]
    return str(entry["answer"])


def _id(entry: dict[str, Any]) -> str:
    answer = answer_of(entry)
    return f"{entry['card']}:{answer[:40]!r}" + (f"@{entry['seed']}" if "seed" in entry else "")


@pytest.mark.parametrize("entry", CORPUS, ids=[_id(e) for e in CORPUS])
def test_the_examiners_verdict(checker: Checker, entry: dict[str, Any]) -> None:
    deck_id, card_id = entry["card"].split("/")
    loaded = deck(deck_id)
    card = loaded.card(card_id)
    assert card is not None
    v = checker.check(loaded.deck, card, answer_of(entry), seed=entry.get("seed", 0),
                      shipped=True)  # frozen copies of shipped decks: judged as shipped
    got = ("unreadable" if v.malformed else "right" if v.correct else
           "near" if v.near_miss else "wrong")
    assert v.malformed or v.status == "ok", v.diagnosis
    assert got == entry["verdict"], (entry.get("why"), v.expected, v.diagnosis)
    if got in ("near", "wrong"):
        assert v.suggested_grade == (2 if got == "near" else 1)


def test_the_corpus_is_large_and_covers_every_kind() -> None:
    kinds = {deck(e["card"].split("/")[0]).card(e["card"].split("/")[1]).kind  # type: ignore[union-attr]
             for e in CORPUS}
    verdicts = {e["verdict"] for e in CORPUS}
    assert len(CORPUS) >= 250
    assert kinds == {"shape", "value", "output", "raises", "choice"}
    assert verdicts == {"right", "near", "wrong", "unreadable"}
