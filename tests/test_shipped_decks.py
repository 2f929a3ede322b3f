"""The shipped decks meet the content bars: coverage of the notes, kinds, executable share,
parametrised cards, explanations and sources, no duplicate questions, and every stated
answer verified by running it."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from quizcards.core.kinds import CARD_KINDS, EXECUTABLE_KINDS
from quizcards.decks.lint import lint
from quizcards.decks.loader import load_paths

from .conftest import DECKS, REPO, SHARED

NOTES = SHARED / "notes" / "pytorch-python-notes.md"

NOTE_SECTIONS = {
    "torch-versions": "torch1.4和1.6的区别",
    "python-call": "python中类的__call__()方法",
    "torch-forward": "pytorch中前向传播forward()",
    "python-args-kwargs": "函数申明中 def foo(*args, **kwarg)",
    "torch-dim": "softmax和max之类的函数的dim参数如何理解",
    "torch-zero-grad": "zero_grad()",
    "python-magic-methods": "python中魔法方法",
    "python-ellipsis": "Ellipses",
    "python-type-hints": "Type Hints",
    "torch-losses": "log_softmax、NULLLoss和CrossEntropyLoss()",
    "torch-graph": "计算图",
    "python-lambda-map": "lambda表达式",
}


@pytest.fixture(scope="module")
def decks():  # type: ignore[no-untyped-def]
    result = load_paths([DECKS])
    assert not result.problems, result.problems
    return {d.deck.id: d.deck for d in result.decks}


def all_cards(decks):  # type: ignore[no-untyped-def]
    return [c for d in decks.values() for c in d.cards]


def test_every_topic_of_the_notes_has_a_deck_of_at_least_8(decks) -> None:  # type: ignore[no-untyped-def]
    """The decks born from the notes are all still there, each with at least 8 cards, and
    at least half of each still comes from its section of the notes (the rest may go
    further, citing the documentation)."""
    assert set(NOTE_SECTIONS) <= set(decks), set(NOTE_SECTIONS) - set(decks)
    for deck_id, section in NOTE_SECTIONS.items():
        cards = decks[deck_id].cards
        from_notes = [c for c in cards if c.source == f"notes: {section}"]
        assert len(cards) >= 8, deck_id
        assert len(from_notes) >= max(1, len(cards) / 2), (deck_id, len(from_notes), len(cards))


def _squash(text: str) -> str:
    return re.sub(r"[\s`*\\]", "", text)


def test_the_note_sections_are_the_notes_headings() -> None:
    """NOTE_SECTIONS names every topic heading of the notes, each once: a topic of the notes
    without a deck, or a section name that is not in the notes, fails."""
    if not NOTES.is_file():
        pytest.skip(f"the notes are not beside the repository ({NOTES})")
    headings = [re.sub(r"\[(.*?)\]\(.*?\)", r"\1", line[5:]).strip()
                for line in NOTES.read_text(encoding="utf-8").splitlines()
                if line.startswith("#### ")]
    assert len(headings) == len(NOTE_SECTIONS)
    for heading in headings:
        owners = [d for d, s in NOTE_SECTIONS.items() if _squash(s) in _squash(heading)]
        assert len(owners) == 1, (heading, owners)


def test_bars(decks) -> None:  # type: ignore[no-untyped-def]
    cards = all_cards(decks)
    kinds = Counter(c.kind for c in cards)
    assert len(cards) >= 150
    assert set(kinds) == set(CARD_KINDS)
    executable = sum(n for k, n in kinds.items() if k in EXECUTABLE_KINDS)
    assert executable / len(cards) >= 0.6
    assert sum(1 for c in cards if c.params) >= 20


def test_every_card_explains_and_names_its_section(decks) -> None:  # type: ignore[no-untyped-def]
    """Every card explains itself and names its source: a card of a notes deck may cite its
    own section of the notes; any other card (and every card of the decks that go beyond
    the notes) names the documentation page or section it comes from."""
    for deck_id, deck in decks.items():
        for card in deck.cards:
            assert card.explain and card.explain.strip(), (deck_id, card.id)
            source = card.source or ""
            if deck_id in NOTE_SECTIONS and source.startswith("notes:"):
                assert source == f"notes: {NOTE_SECTIONS[deck_id]}", (deck_id, card.id, source)
            else:
                assert re.fullmatch(r"docs: \S.*", source), (deck_id, card.id, source)


def test_no_two_cards_ask_the_same_thing(decks) -> None:  # type: ignore[no-untyped-def]
    def norm(text: str) -> str:
        return re.sub(r"\W+", " ", text).strip().lower()

    prompts = Counter(norm(c.prompt) for c in all_cards(decks))
    assert [p for p, n in prompts.items() if n > 1] == []
    codes = Counter(norm(c.code) for c in all_cards(decks) if getattr(c, "code", None))
    assert [p for p, n in codes.items() if n > 1] == []


def test_the_notes_mistakes_are_taught_right(decks) -> None:  # type: ignore[no-untyped-def]
    losses = " ".join(f"{c.prompt} {c.explain} {getattr(c, 'answer', '')}"
                      for c in decks["torch-losses"].cards)
    assert "NLLLoss" in losses and "negative log-likelihood" in losses
    ellipsis = {c.id: c for c in decks["python-ellipsis"].cards}
    assert "Callable[..., str]" in ellipsis["callable-any-args"].prompt


def test_lint_verifies_every_stated_answer_by_execution() -> None:
    report = lint([DECKS], execute=True, jobs=2)
    assert report.ok, [str(p) for p in report.problems]
    assert report.runs >= 150
    assert report.skipped == []  # every gate is met by the torch CI installs


def test_authoring_guide_example_deck_lints(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """docs/authoring.md's example deck (every kind) really passes lint with execution."""
    text = (REPO / "docs" / "authoring.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
                 if b.startswith("id: authoring-examples"))
    own = tmp_path / "home" / "data" / "decks"  # the user's deck folder is trusted
    own.mkdir(parents=True)
    monkeypatch.setenv("QUIZCARDS_HOME", str(tmp_path / "home"))
    (own / "examples.yaml").write_text(block)
    report = lint([own], execute=True, jobs=1)
    assert report.ok, [str(p) for p in report.problems]
    kinds = {c.kind for d in load_paths([own]).decks for c in d.deck.cards}
    assert kinds == set(CARD_KINDS)
